"""Every model in the admin, read-only: data changes only through the importer."""
from django.contrib import admin

from . import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    """Read-only, except that superusers choose who may publish the institution's reports."""

    list_display = ["name", "slug"]
    search_fields = ["name"]
    fields = ["name", "slug", "staff"]
    readonly_fields = ["name", "slug"]
    filter_horizontal = ["staff"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


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
    list_display = ["name", "kind", "variants"]


@admin.register(models.Neighbourhood)
class NeighbourhoodAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "variants"]


@admin.register(models.GoalParish)
class GoalParishAdmin(ReadOnlyAdmin):
    list_display = ["goal", "parish", "matched_text"]
    list_select_related = ["goal", "parish"]


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
