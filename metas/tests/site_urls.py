"""Every URL pattern of the site, as a concrete address on the sample report, for tests that
must cover them all (headers, hostile parameters). A pattern added without an address here
makes `test_every_url_pattern_has_an_address` fail, so no new page escapes those tests.

    urls = addresses(report)        # {"metas:goal-list": "/metas/", ...}
"""
from __future__ import annotations

import uuid

from django.urls import URLResolver, get_resolver, reverse

from metas.models import Goal, Neighbourhood, Parish, Report

# Patterns that only answer POST (a GET is refused with 405, and still gets the headers).
POST_ONLY = {"logout", "metas:staff-publish", "metas:staff-cancel", "metas:staff-restore",
             "metas:staff-scan-corrections", "metas:staff-files-retry"}


def pattern_names() -> set[str]:
    """Every named URL pattern, namespaced ("metas:goal-list"); the admin's as "admin:*"."""
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.add("admin:*")
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def addresses(report: Report) -> dict[str, str]:
    """A concrete address for every pattern, on `report` (imported from the sample)."""
    institution, period = report.institution.slug, report.period_slug
    goal = Goal.objects.filter(report=report).first()
    source = report.files.first()
    parish = Parish.objects.filter(goal_tags__goal__report=report).first() or Parish.objects.first()
    council = Neighbourhood.objects.first()
    pending = uuid.uuid4()  # none exists: the staff pages answer 404 or ask to sign in
    urls = {
        "admin:*": reverse("admin:index"),
        "login": reverse("login"),
        "logout": reverse("logout"),
        "metas:home": reverse("metas:home"),
        "metas:goal-list": reverse("metas:goal-list"),
        "metas:goal-export-csv": reverse("metas:goal-export-csv"),
        "metas:goal-export-json": reverse("metas:goal-export-json"),
        "metas:goal-export-xlsx": reverse("metas:goal-export-xlsx"),
        "metas:goal-changes-feed": reverse("metas:goal-changes-feed"),
        "metas:goal-export-datapackage": reverse("metas:goal-export-datapackage"),
        "metas:goal-detail": reverse("metas:goal-detail", args=[goal.pk]),
        "metas:unit-list": reverse("metas:unit-list"),
        "metas:unit-detail": reverse("metas:unit-detail", args=[goal.unit.slug]),
        "metas:parish-list": reverse("metas:parish-list"),
        "metas:parish-detail": reverse("metas:parish-detail", args=[parish.slug]),
        "metas:report-list": reverse("metas:report-list"),
        "metas:report-detail": reverse("metas:report-detail", args=[institution, period]),
        "metas:source-file-download": reverse(
            "metas:source-file-download", args=[institution, period, source.pk]
        ),
        "metas:report-changes": reverse("metas:report-changes", args=[institution, period]),
        "metas:report-portal-file": reverse(
            "metas:report-portal-file", args=[institution, period, "conjunto-de-datos"]
        ),
        "metas:report-changes-csv": reverse(
            "metas:report-changes-csv", args=[institution, period]
        ),
        "metas:report-changes-json": reverse(
            "metas:report-changes-json", args=[institution, period]
        ),
        "metas:report-compliance": reverse("metas:report-compliance", args=[institution, period]),
        "metas:data-dictionary": reverse("metas:data-dictionary"),
        "metas:archive-list": reverse("metas:archive-list"),
        "metas:month-archive": reverse("metas:month-archive", args=[institution, period]),
        "metas:methodology": reverse("metas:methodology"),
        "metas:health": reverse("metas:health"),
        "metas:health-live": reverse("metas:health-live"),
        "metas:health-ready": reverse("metas:health-ready"),
        "metas:staff-upload": reverse("metas:staff-upload"),
        "metas:staff-preview": reverse("metas:staff-preview", args=[pending]),
        "metas:staff-publish": reverse("metas:staff-publish", args=[pending]),
        "metas:staff-cancel": reverse("metas:staff-cancel", args=[pending]),
        "metas:staff-scan-corrections": reverse("metas:staff-scan-corrections", args=[pending]),
        "metas:staff-scan-cell": reverse("metas:staff-scan-cell", args=[pending, 1, 1, 5, 2]),
        "metas:staff-import-log": reverse("metas:staff-import-log"),
        "metas:staff-published": reverse("metas:staff-published", args=[pending]),
        "metas:staff-reports": reverse("metas:staff-reports"),
        "metas:staff-withdraw": reverse("metas:staff-withdraw", args=[report.pk]),
        "metas:staff-restore": reverse("metas:staff-restore", args=[report.pk]),
        "metas:staff-files": reverse("metas:staff-files"),
        "metas:staff-files-retry": reverse("metas:staff-files-retry", args=[1]),
        "password_reset": reverse("password_reset"),
        "password_reset_done": reverse("password_reset_done"),
        "password_reset_confirm": reverse("password_reset_confirm", args=["MQ", "set-password"]),
        "password_reset_complete": reverse("password_reset_complete"),
        "metas:institution-changes-feed": reverse(
            "metas:institution-changes-feed", args=[institution]
        ),
        "metas:institution-overview": reverse("metas:institution-overview", args=[institution]),
        "metas:institution-directory": reverse("metas:institution-directory"),
        "metas:goal-series": goal.get_series_url(),
    }
    canton = report.institution.canton
    if canton is not None:
        urls["metas:province-detail"] = reverse("metas:province-detail",
                                                args=[canton.province.slug])
        urls["metas:canton-detail"] = reverse("metas:canton-detail",
                                              args=[canton.province.slug, canton.slug])
    if council is not None:
        urls["metas:parish-detail (council)"] = reverse("metas:parish-detail", args=[council.slug])
    return urls


def public(urls: dict[str, str]) -> dict[str, str]:
    """The addresses anyone may read (no staff area, no admin, no sign-in forms)."""
    return {
        name: url for name, url in urls.items()
        if name.startswith("metas:") and not name.startswith("metas:staff")
    }
