"""The data model of a LOTAIP "metas y objetivos" report.

An Institution publishes one Report a month. Its ProcessLevels and Units live on across
months (so a goal can be followed over time); each Goal belongs to one Report and one Unit.
Province, Canton and Parish are Ecuador's political-administrative division as INEC codes it
(the DPA, loaded by a migration; see metas/territory/); Neighbourhood councils belong to a
canton (cantón Loja's JDB). Goals are tagged with the places their objective names, among those
of their institution's territory.
"""
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import periods
from .counts import KINDS
from .text import fold


class Province(models.Model):
    code = models.CharField(_("INEC code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # As INEC publishes it ("LOS RIOS"); `name` is written for reading ("Los Rios").
    dpa_name = models.CharField(_("name in the DPA"), max_length=100)
    folded_name = models.CharField(_("folded name"), max_length=100, db_index=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("metas:province-detail", args=[self.slug])


class Canton(models.Model):
    code = models.CharField(_("INEC code"), max_length=4, unique=True)
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="cantons", verbose_name=_("province")
    )
    name = models.CharField(_("name"), max_length=100)
    dpa_name = models.CharField(_("name in the DPA"), max_length=100)
    folded_name = models.CharField(_("folded name"), max_length=100, db_index=True)
    # Globally unique, so ?canton=<slug> needs no province: "bolivar", "bolivar-manabi".
    slug = models.SlugField(_("slug"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("canton")
        verbose_name_plural = _("cantons")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("metas:canton-detail", args=[self.province.slug, self.slug])


class InstitutionQuerySet(models.QuerySet):
    def mark_published(self):
        """Their published data changed (a report stored, replaced or withdrawn): the pages and
        downloads that show them are no longer current (metas.publication)."""
        return self.update(published_at=timezone.now())

    def version(self):
        """The version of every page and file that shows these institutions: their latest
        publication time (None if none has published). The one reader of it, for the page
        cache (metas.http.caching), the prebuilt downloads and the publication."""
        return self._latest_publication().first()

    def version_subquery(self) -> models.Subquery:
        """version() as part of another query (a prebuilt file is current when it holds it),
        so that reading both costs one query."""
        return models.Subquery(self._latest_publication())

    def _latest_publication(self):
        return (
            self.filter(published_at__isnull=False).order_by("-published_at")
            .values_list("published_at", flat=True)[:1]
        )


class Institution(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipio", _("municipality")
        PROVINCIAL = "provincial", _("provincial government")
        RURAL_PARISH = "parroquial", _("rural parish government")
        OTHER = "otra", _("other institution")

    name = models.CharField(_("name"), max_length=300, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    # When its published data last changed: the version of every page and file that shows it.
    published_at = models.DateTimeField(_("last published"), null=True, blank=True, db_index=True)
    folded_name = models.CharField(_("folded name"), max_length=300, blank=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER
    )
    # Its territory, at most one of the three: the places its goals are tagged with.
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="institutions",
        verbose_name=_("province"),
    )
    canton = models.ForeignKey(
        Canton, on_delete=models.PROTECT, null=True, blank=True, related_name="institutions",
        verbose_name=_("canton"),
    )
    parish = models.ForeignKey(
        "Parish", on_delete=models.PROTECT, null=True, blank=True, related_name="institutions",
        verbose_name=_("parish"),
    )
    # The staff members who may publish this institution's reports (superusers may publish all).
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="institutions",
        verbose_name=_("staff members"),
    )

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(province__isnull=True, canton__isnull=True)
                    | Q(province__isnull=True, parish__isnull=True)
                    | Q(canton__isnull=True, parish__isnull=True)
                ),
                name="institution_one_territory",
                violation_error_message=_(
                    "Choose one territory at most: a province, a canton or a parish."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.folded_name = fold(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "folded_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("metas:institution-overview", args=[self.slug])

    @property
    def territory(self):
        """Its Province, Canton or Parish, or None."""
        return self.parish or self.canton or self.province


class ProcessLevel(models.Model):
    """A section of the Format A matrix, e.g. "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO"."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="levels", verbose_name=_("institution")
    )
    name = models.CharField(_("name"), max_length=300)
    # Globally unique so that ?nivel=<slug> needs no institution to be unambiguous.
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    position = models.PositiveIntegerField(_("position in the report"), default=0)

    class Meta:
        verbose_name = _("process level")
        verbose_name_plural = _("process levels")
        ordering = ["institution", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="unique_level_name"),
        ]

    def __str__(self):
        return self.name


class UnitQuerySet(models.QuerySet):
    def with_descendants(self, unit) -> list[int]:
        """The pks of `unit` and of every unit below it, at any depth (one query)."""
        children = {}
        units = self.filter(institution_id=unit.institution_id).order_by()
        for pk, parent_id in units.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, pending = [], [unit.pk]
        while pending:
            pk = pending.pop()
            found.append(pk)
            pending.extend(children.get(pk, []))
        return found


class Unit(models.Model):
    """An administrative unit as published, e.g. code "6.1", "Gestión Ambiental - Gestión de
    Calidad Ambiental". A sub-unit points to its parent ("Gestión Ambiental")."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="units", verbose_name=_("institution")
    )
    level = models.ForeignKey(
        ProcessLevel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("process level"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    code = models.CharField(_("code"), max_length=20, blank=True)
    # The whole name as published ("Gestión Ambiental - Gestión de Calidad Ambiental") ...
    published_name = models.CharField(_("published name"), max_length=500)
    # ... and its own part ("Gestión de Calidad Ambiental").
    name = models.CharField(_("name"), max_length=500)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["institution", "level__position", "code", "published_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "level", "code", "published_name"], name="unique_unit"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.published_name}".strip()

    def get_absolute_url(self):
        return reverse("metas:unit-detail", args=[self.slug])


def published_lookups(to_report: str = "") -> dict:
    """What the public sees, written once: every report but those withdrawn by their
    institution's staff. `to_report` is the way from another model to its report ("report__");
    use the querysets' published() where a queryset will do."""
    return {f"{to_report}withdrawn_at__isnull": True}


class ReportQuerySet(models.QuerySet):
    def published(self):
        """The reports the public sees: all but those withdrawn by their institution's staff."""
        return self.filter(**published_lookups())

    def latest_per_institution(self):
        """Each institution's most recent published report."""
        latest = (
            Report.objects.published()
            .filter(institution=models.OuterRef("institution"))
            .order_by("-period")
            .values("pk")[:1]
        )
        return self.filter(pk=models.Subquery(latest))

    def in_scope(self, institution=None, period=None):
        """The reports a page shows, the site's one rule for it:

        - `period` None (the default of every page): each institution's latest report;
        - `period` periods.ALL ("todos"): every report;
        - `period` a date: the reports of that month;
        and only `institution`'s (an Institution or its pk) when one is given; never a
        withdrawn report.
        """
        reports = self.published()
        if institution is not None:
            reports = reports.filter(institution=institution)
        if period is None:
            return reports.latest_per_institution()
        if period == periods.ALL:
            return reports
        return reports.filter(period=period)


class ReportPartQuerySet(models.QuerySet):
    """What belongs to one report: its goals, its original files, its month's archive."""

    def published(self):
        """Those of published reports (see ReportQuerySet.published)."""
        return self.filter(**published_lookups("report__"))

    def withdrawn(self):
        """Those of reports withdrawn by their staff."""
        return self.exclude(**published_lookups("report__"))


def goal_lookups_in_scope(institution=None, period=None) -> dict:
    """Goal lookups for the goals of Report.objects.in_scope(...).

    A month or the latest reports are read first as a short list of report ids: goals and
    tags are then selected as `report_id IN (…)`, which every database reads through the report
    index, where a subquery of "each institution's latest report" written into the goals' query
    made SQLite check it against every goal of every month.
    """
    if period == periods.ALL:
        lookups = published_lookups("report__")
        return lookups if institution is None else {**lookups, "report__institution": institution}
    reports = Report.objects.in_scope(institution, period).order_by()
    return {"report_id__in": list(reports.values_list("pk", flat=True))}


class Report(models.Model):
    """One institution's report for one month, with the metadata the law requires."""

    class Format(models.TextChoices):
        MATRIX = "A", _("Matrix 2015–2023 (Art. 7 a4)")
        PORTAL = "B", _("National portal (Art. 19 numeral 1.3)")

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="reports", verbose_name=_("institution")
    )
    # Always the first day of the month reported on.
    period = models.DateField(_("period"))
    format = models.CharField(_("format"), max_length=1, choices=Format.choices)
    updated_on = models.DateField(_("update date"), null=True, blank=True)
    periodicity = models.CharField(_("periodicity"), max_length=100, blank=True)
    holder_unit = models.CharField(_("unit holding the information"), max_length=300, blank=True)
    responsible = models.CharField(_("person responsible"), max_length=300, blank=True)
    email = models.CharField(_("e-mail"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    link_text = models.CharField(_("verification link text"), max_length=500, blank=True)
    link_url = models.CharField(_("verification link URL"), max_length=1000, blank=True)
    goal_count = models.PositiveIntegerField(_("number of goals"), default=0)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    # A withdrawn report leaves the public pages and exports; nothing of it is deleted, and
    # its staff may restore it (metas.publication.withdraw / restore).
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True)
    # Filled at import by metas.accountability (record.record_import):
    # the "Cumplimiento LOTAIP" check, {"version", "published_on", "criteria": [...]};
    compliance = models.JSONField(_("LOTAIP compliance check"), default=dict, blank=True)
    # a fingerprint of the goals as published, and the first month of the run of reports with
    # exactly these goals (None when they differ from the previous report's).
    content_sha256 = models.CharField(
        _("SHA-256 of the goals"), max_length=64, blank=True, default="", db_default=""
    )
    unchanged_since = models.DateField(_("unchanged since"), null=True, blank=True)
    # Its institution's `published_at` when its facet tallies (Tally) were last made current:
    # any other value and the goal list counts its goals instead.
    tallied_for = models.DateTimeField(_("tallied for"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["institution", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "period"], name="unique_report_period"),
        ]

    def __str__(self):
        return f"{self.institution} {self.period_slug}"

    @property
    def period_slug(self):
        return periods.slug(self.period)

    def get_absolute_url(self):
        return reverse("metas:report-detail", args=[self.institution.slug, self.period_slug])


def source_file_path(instance, filename):
    # The server chooses the stored name; the uploaded name is kept in original_name only.
    return f"reports/{instance.sha256[:2]}/{instance.sha256}"


class SourceFile(models.Model):
    """An original file a report was read from, kept byte for byte."""

    class Role(models.TextChoices):
        MATRIX = "matrix", _("matrix")
        DATASET = "dataset", _("data set")
        METADATA = "metadata", _("metadata")
        DICTIONARY = "dictionary", _("dictionary")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="files", verbose_name=_("report")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    original_name = models.CharField(_("original file name"), max_length=300)
    file = models.FileField(_("file"), upload_to=source_file_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    class Format(models.TextChoices):
        TSV = "tsv", _("tab-separated text")
        CSV = "csv", _("CSV text")
        XLSX = "xlsx", _("Excel workbook")
        XLS = "xls", _("Excel 97-2003 workbook")
        ODS = "ods", _("ODS spreadsheet")
        PDF = "pdf", _("PDF")

    # What the importer found the bytes to be; a ZIP's members are stored one by one.
    detected_format = models.CharField(_("detected format"), max_length=10, choices=Format.choices)
    encoding = models.CharField(_("detected encoding"), max_length=30, blank=True)
    row_count = models.PositiveIntegerField(_("rows read"), default=0)
    # A scanned PDF, its text read by OCR (metas.importer.ocr): what is published from it
    # says so.
    read_by_ocr = models.BooleanField(_("read by OCR"), default=False, db_default=False)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    objects = ReportPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("source file")
        verbose_name_plural = _("source files")
        ordering = ["report", "pk"]

    def __str__(self):
        return self.original_name


class Parish(models.Model):
    """A parish as INEC codes it: urban (codes 01-49 of a canton), the cantonal seat (50) or
    rural (51 and up); cantón Loja's Punzara and Carigán are urban by municipal ordinance and
    have no INEC code."""

    class Kind(models.TextChoices):
        URBAN = "urbana", _("urban")
        SEAT = "cabecera", _("cantonal seat")
        RURAL = "rural", _("rural")

    code = models.CharField(_("INEC code"), max_length=6, unique=True, null=True, blank=True)
    canton = models.ForeignKey(
        Canton, on_delete=models.CASCADE, related_name="parishes", verbose_name=_("canton")
    )
    # Names repeat across the country ("El Sagrario" in Cuenca and in Loja); slugs do not.
    name = models.CharField(_("name"), max_length=200)
    dpa_name = models.CharField(_("name in the DPA"), max_length=200, blank=True)
    folded_name = models.CharField(_("folded name"), max_length=200, db_index=True)
    # Loja's as they always were ("malacatos"); another parish of a taken name gets its
    # canton's ("el-sagrario-cuenca"), then its code: unique by construction.
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Other spellings seen in reports, separated by "|".
    variants = models.CharField(_("spelling variants"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("parish")
        verbose_name_plural = _("parishes")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("metas:parish-detail", args=[self.slug])


class Neighbourhood(models.Model):
    """A Junta de Desarrollo Barrial ("JDB …") of a canton's city (cantón Loja's)."""

    canton = models.ForeignKey(
        Canton, on_delete=models.CASCADE, related_name="neighbourhoods", verbose_name=_("canton")
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    group = models.PositiveSmallIntegerField(_("group"), null=True, blank=True)
    variants = models.CharField(_("spelling variants"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("neighbourhood council")
        verbose_name_plural = _("neighbourhood councils")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("metas:parish-detail", args=[self.slug])


class GoalQuerySet(ReportPartQuerySet):
    def in_scope(self, institution=None, period=None):
        """The goals of Report.objects.in_scope(institution, period): by default, of each
        institution's latest report."""
        return self.filter(**goal_lookups_in_scope(institution, period))

    def in_band(self, slug: str):
        """The goals of a progress band ("0-24", "no-aplica"…, see PROGRESS_BANDS)."""
        return self.filter(BANDS_BY_SLUG[slug].condition)

    def count_each(self, conditions: dict, **aggregates) -> dict:
        """How many of these goals meet each condition ({key: Q}), in one query: one
        Count(filter=…) per condition, beside any other `aggregates` of the same query.
        Returns {key: count, …, name: value}, the conditions' keys in their order."""
        aliases = {f"count_{index}": key for index, key in enumerate(conditions)}
        totals = self.aggregate(
            **{alias: Count("pk", filter=conditions[key]) for alias, key in aliases.items()},
            **aggregates,
        )
        counts = {key: totals[alias] for alias, key in aliases.items()}
        return {**counts, **{name: totals[name] for name in aggregates}}

    def band_counts(self) -> dict[str, int]:
        """How many goals fall in each progress band, in one query: {"0-24": 3, ...}."""
        return self.count_each({band.slug: band.condition for band in PROGRESS_BANDS})

    def summary(self) -> dict:
        """The figures of metas.counts.Counts (their one definition) and the average progress,
        in one query."""
        return self.aggregate(
            goals=Count("pk"),
            average=Avg("progress"),
            levels=Count("unit__level", distinct=True),
            units=Count("unit", distinct=True),
            **{
                kind: Count("pk", filter=Q(**{field: value}))
                for kind, (field, value) in KINDS.items()
            },
        )


class TagQuerySet(models.QuerySet):
    """Parish, canton and council tags (GoalParish, GoalCanton, GoalNeighbourhood)."""

    def in_scope(self, institution=None, period=None):
        """The tags of Goal.objects.in_scope(institution, period).

        Written as `goal_id IN (the goals' ids)`, not as a join on the goal: the database then
        reads the scope's goals through the report index and looks their few tags up, where a
        join lets SQLite prefer to read every tag of every month (in the order of a GROUP BY's
        index) and look each one's goal up.
        """
        goals = Goal.objects.filter(**goal_lookups_in_scope(institution, period))
        return self.filter(goal__in=goals.values("pk"))


class Goal(models.Model):
    class Status(models.TextChoices):
        PERCENT = "percent", _("progress reported")
        NOT_APPLICABLE = "not_applicable", _("does not apply")
        NOT_AVAILABLE = "not_available", _("information not available")
        TEXT = "text", _("text target")

    class Change(models.TextChoices):
        UP = "sube", _("went up")
        DOWN = "baja", _("went down")
        NEW = "nueva", _("new")
        SAME = "sin-cambio", _("unchanged")

    class Reason(models.TextChoices):
        """Why a goal does not progress, read from its note (metas.accountability.reasons); in
        the order a note naming several is classified by."""

        NONE = "", _("no reason stated")
        NOT_APPLICABLE = "no-aplica", _("does not apply")
        NOT_AVAILABLE = "informacion-no-disponible", _("information not available")
        NO_FINANCING = "falta-de-financiamiento", _("lack of financing")
        STUDIES_ONLY = "solo-estudios", _("only studies")
        CONTRACTING = "en-contratacion", _("being contracted")
        UNDER_WAY = "en-ejecucion", _("under way")
        OTHER = "otra", _("another reason")

    class Coverage(models.TextChoices):
        NAMED = "", _("named parishes")
        URBAN = "urbana", _("all urban parishes")
        RURAL = "rural", _("all rural parishes")
        ALL = "todas", _("all parishes")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="goals", verbose_name=_("report")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="goals", verbose_name=_("unit")
    )
    position = models.PositiveIntegerField(_("position in the report"))
    source_file = models.ForeignKey(
        SourceFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("source file"),
    )
    # The line of a text file, or the row of a spreadsheet (1-based, as an editor shows it);
    # in a PDF, the row within its page (counting every row of text from the top of the page:
    # titles, header, table rows, footer lines), the page being source_page.
    source_line = models.PositiveIntegerField(_("source line"))
    source_page = models.PositiveIntegerField(_("source page"), null=True, blank=True)
    objective = models.TextField(_("objective"))
    indicator = models.TextField(_("indicator"), blank=True)
    target = models.TextField(_("target as published"), blank=True)
    progress = models.DecimalField(
        _("progress (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)
    lacks_financing = models.BooleanField(_("lacks financing"), default=False)
    verification_link = models.CharField(_("verification link"), max_length=1000, blank=True)
    coverage = models.CharField(
        _("territorial coverage"), max_length=10, choices=Coverage.choices, blank=True, default=""
    )
    # Lower-case, accent-free text of objective, indicator, target and unit, for ?q=.
    search_text = models.TextField(_("search text"), blank=True)
    # Read by OCR from a scan (metas.importer.scanned.review): {"confidence": {field: 0-100},
    # "review": [fields marked for review], "corrected": [fields the staff corrected],
    # "column": {field: its column in the scan's table}}; {} for a goal read from text.
    ocr = models.JSONField(_("OCR reading"), default=dict, blank=True, db_default={})

    # History across months: goals of one series are "the same goal" in successive reports.
    series = models.UUIDField(_("series"), null=True, blank=True, db_index=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next",
        verbose_name=_("same goal in the previous report"),
    )
    previous_progress = models.DecimalField(
        _("previous progress (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    change = models.CharField(
        _("change since the previous report"),
        max_length=12,
        choices=Change.choices,
        blank=True,
    )
    months_unchanged = models.PositiveSmallIntegerField(_("months without change"), default=0)
    # Why it does not progress, and the words of its note that said so (metas.accountability).
    reason = models.CharField(
        _("reason it does not progress"), max_length=30, choices=Reason.choices, blank=True,
        default="", db_default="",
    )
    reason_words = models.CharField(
        _("words that gave the reason"), max_length=300, blank=True, default="", db_default=""
    )

    parishes = models.ManyToManyField(
        Parish, through="GoalParish", related_name="goals", verbose_name=_("parishes")
    )
    cantons = models.ManyToManyField(
        Canton, through="GoalCanton", related_name="goals", verbose_name=_("cantons")
    )
    neighbourhoods = models.ManyToManyField(
        Neighbourhood,
        through="GoalNeighbourhood",
        related_name="goals",
        verbose_name=_("neighbourhood councils"),
    )

    objects = GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["report", "position"]
        indexes = [
            models.Index(fields=["report", "position"]),
            models.Index(fields=["status"]),
            models.Index(fields=["progress"]),
        ]

    def __str__(self):
        return self.objective[:80]

    def get_absolute_url(self):
        return reverse("metas:goal-detail", args=[self.pk])

    def ocr_marks(self) -> list[dict]:
        """The fields OCR read that were marked for review (metas.importer.scanned.review), as
        the goal's page says them: [{"label", "confidence", "corrected"}]."""
        labels = {
            "unit_code": _("unit code"), "unit_name": _("unit"), "objective": _("objective"),
            "indicator": _("indicator"), "target": _("target"),
        }
        ocr = self.ocr or {}
        return [
            {"label": labels.get(field, field), "confidence": ocr.get("confidence", {}).get(field),
             "corrected": field in ocr.get("corrected", [])}
            for field in ocr.get("review", [])
        ]

    def get_series_url(self):
        """The goal's permanent address: its series, whatever month is the latest (needs
        report__institution)."""
        if self.series is None:
            return self.get_absolute_url()
        return reverse("metas:goal-series", args=[self.report.institution.slug, self.series])


@dataclass(frozen=True)
class ProgressBand:
    slug: str  # as ?avance= writes it
    label: str
    condition: Q


# The progress bands of ?avance= and of the distribution chart, in reading order.
PROGRESS_BANDS = [
    ProgressBand("0-24", _("0 to 24 %"), Q(progress__lt=25)),
    ProgressBand("25-49", _("25 to 49 %"), Q(progress__gte=25, progress__lt=50)),
    ProgressBand("50-74", _("50 to 74 %"), Q(progress__gte=50, progress__lt=75)),
    ProgressBand("75-99", _("75 to 99 %"), Q(progress__gte=75, progress__lt=100)),
    ProgressBand("100", _("100 %"), Q(progress__gte=100)),
    ProgressBand("no-aplica", _("Does not apply"), Q(status=Goal.Status.NOT_APPLICABLE)),
    ProgressBand(
        "no-disponible", _("Information not available"), Q(status=Goal.Status.NOT_AVAILABLE)
    ),
]
BANDS_BY_SLUG = {band.slug: band for band in PROGRESS_BANDS}


class GoalParish(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="parish_tags")
    parish = models.ForeignKey(Parish, on_delete=models.CASCADE, related_name="goal_tags")
    # The words of the objective that produced the tag, so a reader can see why.
    matched_text = models.CharField(_("matched words"), max_length=300)
    # True when the parish is not named but covered by "las parroquias urbanas/rurales".
    via_coverage = models.BooleanField(_("covered as one of all urban or rural parishes"), default=False)

    objects = TagQuerySet.as_manager()

    class Meta:
        verbose_name = _("parish tag")
        verbose_name_plural = _("parish tags")
        constraints = [
            models.UniqueConstraint(fields=["goal", "parish"], name="unique_goal_parish"),
        ]


class GoalCanton(models.Model):
    """A canton named by a goal of its provincial government ("vía a Catamayo")."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="canton_tags")
    canton = models.ForeignKey(Canton, on_delete=models.CASCADE, related_name="goal_tags")
    matched_text = models.CharField(_("matched words"), max_length=300)

    objects = TagQuerySet.as_manager()

    class Meta:
        verbose_name = _("canton tag")
        verbose_name_plural = _("canton tags")
        constraints = [
            models.UniqueConstraint(fields=["goal", "canton"], name="unique_goal_canton"),
        ]


class GoalNeighbourhood(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="neighbourhood_tags")
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.CASCADE, related_name="goal_tags"
    )
    matched_text = models.CharField(_("matched words"), max_length=300)

    objects = TagQuerySet.as_manager()

    class Meta:
        verbose_name = _("neighbourhood tag")
        verbose_name_plural = _("neighbourhood tags")
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "neighbourhood"], name="unique_goal_neighbourhood"
            ),
        ]


class Tally(models.Model):
    """How many goals of one report and unit have one value of one of the goal list's facets
    (metas.filters.tallies), written with the goals by the publication door: a list scoped to
    institutions, months, levels and units adds up a few of these rows instead of counting its
    goals. `facet` "goals" counts them all; "parroquia" holds a parish's pk as `value`. With a
    `parish`, the row counts only the goals that name it (a list filtered by that parish)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="tallies")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="tallies")
    # Indexed with the report (below): alone, "parish IS NULL" looked selective to SQLite.
    parish = models.ForeignKey(Parish, on_delete=models.CASCADE, related_name="tallies",
                               null=True, blank=True, db_index=False)
    facet = models.CharField(_("facet"), max_length=24)
    value = models.CharField(_("value"), max_length=200)
    count = models.PositiveIntegerField(_("goals"))

    class Meta:
        verbose_name = _("facet tally")
        verbose_name_plural = _("facet tallies")
        indexes = [
            # A list's reports, whole (parish NULL) or for one parish; and a parish's reports.
            models.Index(fields=["report", "parish", "facet"], name="metas_tally_report_parish"),
            models.Index(fields=["parish", "report"], name="metas_tally_parish_report"),
        ]


class ImportLogQuerySet(models.QuerySet):
    def record(self, *, source: str, outcome: str, files=(), user=None, institution="",
               period: str | date = "", counts: dict | None = None, error_count: int = 0):
        """Write one row of the import log, its one writer (an import attempt, a withdrawal, a
        restoration). `files`: (name, SHA-256, size in bytes) of each file; `period`: a date
        or "YYYY-MM"; `user`: None or an anonymous user for nobody."""
        files = list(files)
        if isinstance(period, date):
            period = periods.slug(period)
        return self.create(
            user=user if getattr(user, "pk", None) else None,
            source=source,
            institution=str(institution or "")[:300],
            period=str(period or "")[:7],
            file_names="\n".join(name for name, _sha256, _size in files),
            sha256="\n".join(sha256 for _name, sha256, _size in files),
            size=sum(size for _name, _sha256, size in files),
            outcome=outcome,
            counts=counts or {},
            error_count=error_count,
        )


class ImportLog(models.Model):
    """One row per import attempt, from the command or the staff page. Never edited."""

    class Source(models.TextChoices):
        COMMAND = "command", _("command")
        WEB = "web", _("web upload")
        WORKER = "worker", _("file worker")

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        FORBIDDEN = "forbidden", _("forbidden")
        PREVIEWED = "previewed", _("previewed")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed unexpectedly")
        WITHDRAWN = "withdrawn", _("withdrawn")
        RESTORED = "restored", _("restored")
        UNBUILT = "unbuilt", _("files not rebuilt")

    created_at = models.DateTimeField(_("when (UTC)"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    institution = models.CharField(_("institution"), max_length=300, blank=True)
    period = models.CharField(_("period"), max_length=7, blank=True)
    file_names = models.TextField(_("file names"), blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    sha256 = models.TextField(_("SHA-256"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error_count = models.PositiveIntegerField(_("number of errors"), default=0)

    objects = ImportLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("import log entry")
        verbose_name_plural = _("import log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.outcome} {self.file_names}"


class PendingUpload(models.Model):
    """An upload that was read without errors and waits for its uploader to publish or cancel it.

    Its files are kept under MEDIA_ROOT/pending/<id>/ with names the server chose; `files` lists
    them as [{"name": uploaded name, "path": storage path, "size": bytes, "sha256": hex}].
    """

    class Decision(models.TextChoices):
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")

    class State(models.TextChoices):
        READING = "reading", _("being read")
        READY = "ready", _("ready")
        REFUSED = "refused", _("refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    # None when a superuser lets the files (or METAS_DEFAULT_INSTITUTION) name the institution.
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
    )
    # None when the period is to be taken from the report's update date.
    period = models.DateField(_("period"), null=True, blank=True)
    files = models.JSONField(_("files"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Once published or cancelled, the row stays (its files do not) until it expires, so that
    # the same upload posted again (a double click, Back) is told apart from one never made.
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, blank=True
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published as"),
    )
    # A scan or a long PDF is read by the worker, off the request (metas.staff.reading): the
    # upload is "reading" until it is done, then "ready" (the preview) or "refused" (its
    # problems kept here, its files deleted).
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.READY
    )
    # How far the worker read: {"done": pages read, "total": pages, "at": ISO time}; empty
    # until it starts.
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user}"


class Download(models.Model):
    """A prebuilt file of the whole data set (metas.opendata.downloads), rebuilt whenever an
    institution publishes."""

    name = models.CharField(_("file name"), max_length=100, unique=True)
    rows = models.PositiveIntegerField(_("rows"))
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The publication it holds (Institution.objects.version()): stale once it differs.
    version = models.DateTimeField(_("publication"), null=True)
    built_at = models.DateTimeField(_("built at"))
    # What it is made of, sent one after the other: {"head", "parts" (paths under the
    # downloads folder, each report's part), "separator", "closing"} (metas.opendata.downloads).
    parts = models.JSONField(_("parts"), null=True, blank=True)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FileBuildQuerySet(models.QuerySet):
    def unfinished(self):
        """Those the worker has still to do (waiting, or being built now), requested within
        the last FileBuild.PATIENCE: one older than that is not waited for (no worker runs,
        or it was killed), and a ZIP it would have written is then 404, not "being prepared"."""
        recent = timezone.now() - FileBuild.PATIENCE
        return self.filter(status__in=[FileBuild.Status.PENDING, FileBuild.Status.BUILDING],
                           created_at__gte=recent)


class FileBuild(models.Model):
    """One rebuild of the prebuilt files after a publication, done by the worker
    (metas.publication.files): what the staff see as "pendiente", "en construcción", "listo"
    or "falló" (with "Reintentar")."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        BUILDING = "building", _("building")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    # The institutions whose files are rebuilt (pks; None: every institution).
    institutions = models.JSONField(_("institutions"), null=True, blank=True)
    # The reports whose parts are written again (pks; None: every report of the institutions).
    reports = models.JSONField(_("reports"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    bytes_written = models.PositiveBigIntegerField(_("bytes written"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = FileBuildQuerySet.as_manager()
    # A build still unfinished after this long is given up for lost (its worker was killed):
    # nobody waits for it any more, and the staff may retry it.
    PATIENCE = timedelta(minutes=15)

    class Meta:
        verbose_name = _("file build")
        verbose_name_plural = _("file builds")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def may_retry(self) -> bool:
        """Failed, or unfinished for longer than PATIENCE."""
        if self.status == self.Status.FAILED:
            return True
        lost = self.status in (self.Status.PENDING, self.Status.BUILDING)
        return lost and self.created_at < timezone.now() - self.PATIENCE


class FullTextField(models.TextField):
    """A column of a full-text index: `field__match=<query>` is the index's MATCH."""


@FullTextField.register_lookup
class FullTextMatch(models.Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        query, query_params = self.process_rhs(compiler, connection)
        return f"{column} MATCH {query}", [*column_params, *query_params]


class GoalSearchIndex(models.Model):
    """SQLite's full-text index of Goal.search_text (an FTS5 table whose rows are the goals',
    kept by triggers: migration 0014), joined as `goal.search_index` so that a search is
    written as a filter and ordered by `rank` (metas.search). PostgreSQL has no such table:
    its index is a column of the goal itself."""

    goal = models.OneToOneField(
        Goal, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid",
        db_constraint=False, related_name="search_index",
    )
    search_text = FullTextField()
    rank = models.FloatField()

    class Meta:
        managed = False
        db_table = "metas_goal_fts"


class MonthArchive(models.Model):
    """A published month as one ZIP (metas.opendata.archives): its original files, the goals as
    CSV, their datapackage.json and SHA256SUMS; built at publication, never on request."""

    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, related_name="archive", verbose_name=_("report")
    )
    # The file's name in the downloads folder, as it is sent: "<institution>-<YYYY-MM>.zip".
    name = models.CharField(_("file name"), max_length=200, unique=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # SHA-256 of its SHA256SUMS: what it holds, so an unchanged month is not written again.
    contents_sha256 = models.CharField(_("SHA-256 of its contents list"), max_length=64)
    built_at = models.DateTimeField(_("built at"))

    objects = ReportPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("month archive")
        verbose_name_plural = _("month archives")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ReplacedGoalQuerySet(models.QuerySet):
    def remember(self, report: Report) -> None:
        """Before a re-import deletes the report's goals: where each one's address should lead."""
        self.bulk_create(
            [
                ReplacedGoal(goal_id=pk, series=series, institution_id=report.institution_id,
                             period=report.period)
                for pk, series in Goal.objects.filter(report=report).values_list("pk", "series")
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )

    def successor(self, goal_id: int) -> Goal | None:
        """The goal that replaced this one: same series, same institution, the same month if it
        is still published, else the series' latest."""
        replaced = self.filter(goal_id=goal_id).first()
        if replaced is None or replaced.series is None:
            return None
        same_series = Goal.objects.published().filter(
            series=replaced.series, report__institution_id=replaced.institution_id
        )
        return (
            same_series.filter(report__period=replaced.period).first()
            or same_series.order_by("-report__period").first()
        )


class ReplacedGoal(models.Model):
    """A goal deleted by a re-import of its month: its address /metas/<id>/ is still in links,
    bookmarks and exports, so it answers 301 to the goal of the same series."""

    goal_id = models.BigIntegerField(_("goal id"), primary_key=True)
    series = models.UUIDField(_("series"), null=True)
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    period = models.DateField(_("period"))

    objects = ReplacedGoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("replaced goal")
        verbose_name_plural = _("replaced goals")
