"""The goal list's form as shown: the selects offer the few options that fit the filters
chosen (a mixin of GoalFilter); checking still accepts any slug, so shared links keep working.
"""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import Canton, Institution, Parish
from .fields import PeriodField


class NarrowedChoices:
    """Needs a GoalFilter (self.form, self.is_bound, self.is_valid)."""

    def narrow_choices(self):
        """Prepare the form to be shown: offer only the chosen institution's levels and units.

        With many institutions those selects would hold thousands of options; until one
        institution is chosen (directly, or through a unit or level in the URL) they offer
        none. Checking still accepts any slug, so shared links keep working.
        """
        # Read the months once: the select would otherwise ask for them twice.
        self.form.fields["periodo"].choices = PeriodField.period_choices()
        self.narrow_places()
        institution = self.institution_in_scope = self.scope_institution()
        for name in ("nivel", "unidad"):
            field = self.form.fields[name]
            if institution is None:
                field.widget.choices = [("", _("Choose an institution first"))]
                field.help_text = _("Choose an institution and press “Filter” to see its list.")
            else:
                field.widget.choices = [("", field.empty_label)] + [
                    (obj.slug, str(obj))
                    for obj in field.queryset.filter(institution=institution)
                ]

    def narrow_places(self):
        """Offer the cantons of the chosen province, and the parishes of the chosen canton, else
        of the chosen province, else of the territories of the institutions with reports (the
        country has 1,400 parishes). A parish in the URL is always offered."""
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        province, canton = data.get("provincia"), data.get("canton")
        if province is not None:
            cantons = Canton.objects.filter(province=province)
            self.form.fields["canton"].widget.choices = [
                ("", self.form.fields["canton"].empty_label),
                *((c.slug, c.name) for c in cantons.order_by("name")),
            ]
        if canton is not None:
            parishes = Parish.objects.filter(canton=canton)
        elif province is not None:
            parishes = Parish.objects.filter(canton__province=province)
        else:
            with_reports = Institution.objects.filter(reports__isnull=False)
            parishes = Parish.objects.filter(
                Q(canton__in=with_reports.values("canton_id"))
                | Q(canton__province__in=with_reports.values("province_id"))
                | Q(pk__in=with_reports.values("parish_id"))
            )
        if data.get("parroquia"):
            parishes = parishes | Parish.objects.filter(pk=data["parroquia"].pk)
        rows = list(parishes.order_by("name", "canton__name").values_list(
            "slug", "name", "canton__name"
        ))
        several_cantons = len({canton_name for _slug, _name, canton_name in rows}) > 1
        field = self.form.fields["parroquia"]
        field.widget.choices = [("", field.empty_label)] + [
            (slug, f"{name} ({canton_name})" if several_cantons else name)
            for slug, name, canton_name in rows
        ]

    def scope_institution(self):
        """The one institution the filters point to, if any; the only one that has reports
        when there is a single one."""
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("institucion"):
            return data["institucion"]
        for name in ("unidad", "nivel"):
            if data.get(name):
                return data[name].institution
        institutions = list(Institution.objects.filter(reports__isnull=False).distinct()[:2])
        return institutions[0] if len(institutions) == 1 else None
