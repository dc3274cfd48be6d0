"""The goal list's form as shown: the selects offer the few options that fit the filters
chosen (a mixin of GoalFilter); checking still accepts any slug, so shared links keep working.

The options of a select change only when something is published, so they are written once per
publication version (the page cache's, metas.http.caching) and kept in the default cache: a
page never asked before then costs its selects a cache read and the marking of its chosen
values, not a query and the writing of hundreds of options (the country's institutions, its
parishes and councils), which was about half of a list page's time.
"""
from __future__ import annotations

from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..models import Canton, Institution, Parish
from ..presentation.widgets import QuickSelect, option_start
from .fields import PeriodField

# The kept options live as long as the page cache's copies (a new version makes new keys).
OPTIONS_TIMEOUT = 24 * 3600
# The selects whose options are every row of their model, whatever the filters.
WHOLE_LISTS = ("institucion", "provincia", "jdb")
# The selects whose options are fixed (progress bands, months, paces, reasons, orders…).
FIXED_LISTS = ("avance", "estancada", "cambio", "ritmo", "motivo", "vigencia", "orden")


class NarrowedChoices:
    """Needs a GoalFilter (self.form, self.is_bound, self.is_valid)."""

    options_version = None

    def narrow_choices(self, version=None):
        """Prepare the form to be shown: offer only the chosen institution's levels and units.

        With many institutions those selects would hold thousands of options; until one
        institution is chosen (directly, or through a unit or level in the URL) they offer
        none. Checking still accepts any slug, so shared links keep working.

        `version`: the publication version of the whole site (Institution.objects.version()),
        under which the options are kept; None (nothing published, or not known) writes them
        afresh.
        """
        self.options_version = version
        self.set_options("periodo", "periods", PeriodField.period_choices)
        for name in WHOLE_LISTS:
            self.set_options(name, name, self._model_choices(name))
        for name in FIXED_LISTS:
            widget = self.form.fields[name].widget
            self.set_options(name, name, lambda widget=widget: list(widget.choices))
        self.narrow_places()
        institution = self.institution_in_scope = self.scope_institution()
        for name in ("nivel", "unidad"):
            field = self.form.fields[name]
            if institution is None:
                field.widget.choices = [("", _("Choose an institution first"))]
                field.help_text = _("Choose an institution and press “Filter” to see its list.")
            else:
                self.set_options(name, f"{name}:{institution.pk}", lambda field=field: [
                    ("", field.empty_label),
                    *((obj.slug, str(obj)) for obj in field.queryset.filter(
                        institution=institution)),
                ])

    def set_options(self, name, key, build) -> None:
        """Give the select `name` the options of build() ((value, label) pairs), kept under
        `key` and the publication version."""
        self.form.fields[name].widget.options_html = self.kept_options(key, build)

    def kept_options(self, key, build) -> str:
        html = self.kept_html(key)
        if html is None:
            html = QuickSelect.options(build())
            if self.options_version is not None:
                cache.set(self._options_key(key), str(html), OPTIONS_TIMEOUT)
        return html

    def kept_html(self, key) -> str | None:
        """The options kept under `key` for this version, if any."""
        if self.options_version is None:
            return None
        html = cache.get(self._options_key(key))
        return None if html is None else mark_safe(html)

    def _options_key(self, key) -> str:
        return f"goal-form:{self.options_version.isoformat()}:{get_language()}:{key}"

    def _model_choices(self, name):
        field = self.form.fields[name]
        return lambda: [(str(value), label) for value, label in field.choices]

    def narrow_places(self):
        """Offer the cantons of the chosen province, and the parishes of the chosen canton, else
        of the chosen province, else of the territories of the institutions with reports (the
        country has 1,400 parishes). A parish in the URL is always offered."""
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        province, canton = data.get("provincia"), data.get("canton")
        if province is not None:
            self.set_options("canton", f"canton:{province.pk}", lambda: [
                ("", self.form.fields["canton"].empty_label),
                *((c.slug, c.name) for c in Canton.objects.filter(province=province)
                  .order_by("name")),
            ])
        else:
            self.set_options("canton", "canton", self._model_choices("canton"))
        if canton is not None:
            key, offered = f"parroquia:canton:{canton.pk}", Q(canton=canton)
        elif province is not None:
            key, offered = f"parroquia:province:{province.pk}", Q(canton__province=province)
        else:
            with_reports = Institution.objects.filter(reports__isnull=False)
            key, offered = "parroquia", (
                Q(canton__in=with_reports.values("canton_id"))
                | Q(canton__province__in=with_reports.values("province_id"))
                | Q(pk__in=with_reports.values("parish_id"))
            )
        self.form.fields["parroquia"].widget.options_html = self.parish_options(
            key, offered, data.get("parroquia"))

    def parish_options(self, key, offered: Q, chosen) -> str:
        """The parishes `offered`, kept under `key`; a chosen parish that is not among them is
        offered too (those options written afresh). One query at most."""
        html = self.kept_html(key)
        if html is not None and (chosen is None or option_start(chosen.slug) in html):
            return html
        rows = list(
            Parish.objects.filter(offered | Q(pk=chosen.pk) if chosen else offered)
            .annotate(offered=ExpressionWrapper(offered, output_field=BooleanField()))
            .order_by("name", "canton__name").values_list("slug", "name", "canton__name",
                                                          "offered")
        )
        base = self.kept_options(key, lambda: self._parish_choices(
            [row for row in rows if row[3]]))
        if chosen is None or option_start(chosen.slug) in base:
            return base
        return QuickSelect.options(self._parish_choices(rows))

    def _parish_choices(self, rows) -> list[tuple[str, str]]:
        """(slug, name, canton's name, …) rows as the select's choices: with the canton when
        they are of several."""
        several_cantons = len({row[2] for row in rows}) > 1
        field = self.form.fields["parroquia"]
        return [("", field.empty_label)] + [
            (slug, f"{name} ({canton_name})" if several_cantons else name)
            for slug, name, canton_name, *_rest in rows
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
        sole = self.kept_value("sole-institution", _sole_institution_pk)
        return Institution.objects.get(pk=sole) if sole else None

    def kept_value(self, key, build):
        """build() (a small picklable value), kept as the options are."""
        if self.options_version is None:
            return build()
        cache_key = f"goal-form:{self.options_version.isoformat()}:{key}"
        value = cache.get(cache_key)
        if value is None:
            value = build()
            cache.set(cache_key, value, OPTIONS_TIMEOUT)
        return value


def _sole_institution_pk() -> int:
    """The pk of the one institution with reports, or 0 when there are none or several."""
    institutions = list(Institution.objects.filter(reports__isnull=False).distinct()
                        .values_list("pk", flat=True)[:2])
    return institutions[0] if len(institutions) == 1 else 0
