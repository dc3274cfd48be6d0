"""Public URLs are Spanish, as the site's users read them. Staff URLs live under /gestion/."""
from django.urls import include, path, register_converter

from . import periods, views
from .views import health
from .opendata import feeds
from .staff import urls as staff_urls


class PeriodConverter:
    """A month in a URL, "2019-08", given to the view as date(2019, 8, 1); a month that does
    not exist ("2019-13") matches no URL, so it is a 404."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value):
        period = periods.parse(value)
        if period is None:
            raise ValueError(value)
        return period

    def to_url(self, value):
        return periods.slug(value) if hasattr(value, "year") else value


register_converter(PeriodConverter, "period")

app_name = "metas"

urlpatterns = [
    path("", views.home, name="home"),
    path("metas/", views.goal_list, name="goal-list"),
    path("metas.csv", views.goal_export_csv, name="goal-export-csv"),
    path("metas.json", views.goal_export_json, name="goal-export-json"),
    path("metas.xlsx", views.goal_export_xlsx, name="goal-export-xlsx"),
    path("metas.atom", feeds.GoalListChangesFeed(), name="goal-changes-feed"),
    path("metas.datapackage.json", views.goal_export_datapackage, name="goal-export-datapackage"),
    path("metas/<int:pk>/", views.goal_detail, name="goal-detail"),
    path("unidades/", views.unit_list, name="unit-list"),
    path("unidades/<slug:slug>/", views.unit_detail, name="unit-detail"),
    path("instituciones/", views.institution_directory, name="institution-directory"),
    path("territorio/<slug:provincia>/", views.province_detail, name="province-detail"),
    path(
        "territorio/<slug:provincia>/<slug:canton>/", views.canton_detail, name="canton-detail"
    ),
    path("parroquias/", views.parish_list, name="parish-list"),
    path("parroquias/<slug:slug>/", views.parish_detail, name="parish-detail"),
    path("reportes/", views.report_list, name="report-list"),
    path("reportes/<slug:institution>/<period:period>/", views.report_detail, name="report-detail"),
    path(
        "reportes/<slug:institution>/<period:period>/archivos/<int:pk>/",
        views.source_file_download,
        name="source-file-download",
    ),
    path(
        "reportes/<slug:institution>/<period:period>/cambios/",
        views.report_changes,
        name="report-changes",
    ),
    path(
        "reportes/<slug:institution>/<period:period>/cambios.csv",
        views.report_changes_csv,
        name="report-changes-csv",
    ),
    path(
        "reportes/<slug:institution>/<period:period>/cambios.json",
        views.report_changes_json,
        name="report-changes-json",
    ),
    path(
        "reportes/<slug:institution>/<period:period>/cumplimiento/",
        views.report_compliance,
        name="report-compliance",
    ),
    path("datos/", views.data_dictionary, name="data-dictionary"),
    path("datos/archivos/", views.archive_list, name="archive-list"),
    path(
        "datos/<slug:institution>/<period:period>.zip", views.month_archive, name="month-archive"
    ),
    path("metodologia/", views.methodology, name="methodology"),
    path("salud/", health.status, name="health"),
    path("salud/vivo/", health.liveness, name="health-live"),
    path("salud/listo/", health.readiness, name="health-ready"),
    # Staff area (login: /gestion/entrar/, in transparencia/urls.py).
    path("gestion/", include(staff_urls)),
    path(
        "<slug:slug>/cambios.atom",
        feeds.InstitutionChangesFeed(),
        name="institution-changes-feed",
    ),
    # A goal's permanent address, whatever month is its latest.
    path("<slug:slug>/metas/<uuid:series>/", views.goal_series, name="goal-series"),
    # Last: an institution's own overview, /<institution-slug>/.
    path("<slug:slug>/", views.institution_overview, name="institution-overview"),
]
