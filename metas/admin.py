"""Every model in the admin, read-only: data changes only through the importer. Superusers
choose who may publish an institution's reports, and its kind and territory."""
from django.contrib import admin

from . import models, publication
from .publication import retag


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    """Read-only, except that superusers choose who may publish the institution's reports and
    set its kind and territory (its goals are then re-tagged with that territory's places).
    Both are published data: they go through metas.publication."""

    list_display = ["name", "kind", "province", "canton", "parish"]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["name", "slug", "kind", "province", "canton", "parish", "staff"]
    readonly_fields = ["name", "slug"]
    autocomplete_fields = ["province", "canton", "parish"]
    filter_horizontal = ["staff"]
    list_select_related = ["province", "canton", "parish"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if {"province", "canton", "parish"} & set(form.changed_data):
            retag([obj])  # through the door
        elif "kind" in form.changed_data:
            publication.changed(obj.pk)  # the institution pages show it


@admin.register(models.Province)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "dpa_name"]
    search_fields = ["name", "code"]


@admin.register(models.Canton)
class CantonAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "province", "slug"]
    list_filter = ["province"]
    search_fields = ["name", "code"]
    list_select_related = ["province"]


@admin.register(models.ProcessLevel)
class ProcessLevelAdmin(ReadOnlyAdmin):
    list_display = ["name", "institution", "position"]
    list_filter = ["institution"]


@admin.register(models.Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "published_name", "parent", "level", "institution"]
    list_filter = ["institution", "level"]
    search_fields = ["published_name", "code"]
    list_select_related = ["parent", "level", "institution"]


@admin.register(models.Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["institution", "period", "format", "goal_count", "updated_on", "imported_at"]
    list_filter = ["institution", "format"]
    list_select_related = ["institution"]


@admin.register(models.SourceFile)
class SourceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "report", "role", "detected_format", "encoding", "sha256"]
    list_select_related = ["report__institution"]


@admin.register(models.Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ["objective", "unit", "report", "progress", "status"]
    list_filter = ["status", "report__institution"]
    search_fields = ["objective"]
    list_select_related = ["unit", "report__institution"]


@admin.register(models.Parish)
class ParishAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "canton", "slug", "variants"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "canton__name"]
    list_select_related = ["canton"]


@admin.register(models.Neighbourhood)
class NeighbourhoodAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "canton", "variants"]
    list_select_related = ["canton"]


@admin.register(models.GoalParish)
class GoalParishAdmin(ReadOnlyAdmin):
    list_display = ["goal", "parish", "matched_text"]
    list_select_related = ["goal", "parish"]


@admin.register(models.GoalCanton)
class GoalCantonAdmin(ReadOnlyAdmin):
    list_display = ["goal", "canton", "matched_text"]
    list_select_related = ["goal", "canton"]


@admin.register(models.GoalNeighbourhood)
class GoalNeighbourhoodAdmin(ReadOnlyAdmin):
    list_display = ["goal", "neighbourhood", "matched_text"]
    list_select_related = ["goal", "neighbourhood"]


@admin.register(models.ImportLog)
class ImportLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "source", "file_names", "outcome", "error_count"]
    list_filter = ["outcome", "source"]


@admin.register(models.PendingUpload)
class PendingUploadAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "institution", "period"]
    list_select_related = ["user", "institution"]
