"""HTTP caching keyed on publication: a public page changes only when an institution publishes,
so its validators and its cached copy are derived from that.

    @publication_scope(institution_by_slug)        # on a public view
    def institution_overview(request, slug): ...

For an anonymous GET of such a view, PublicationCacheMiddleware (placed outside the compression
middleware) computes the version of the data the page shows (one query: the latest publication
time of the whole site, or of the one institution the page is about), and then:
- answers If-None-Match / If-Modified-Since with 304 without running the view;
- else answers from the shared cache (Redis in production, local memory by default) a copy
  rendered for that version and that content encoding, without running the view;
- else runs the view and keeps its copy. Every answer carries ETag, Last-Modified and a short
  Cache-Control, so a browser or a CDN may keep it too.
The version is part of every validator, and a copy is served only for the validator it was
rendered with (one entry per address and encoding, replaced by the next rendering), so once a
report is published no stale copy is ever served: the next request computes a new version. Signed-in staff (a session cookie) always
get a fresh page. While the database cannot be reached, the page's latest copy is served, dated
(metas.http.outage), whatever its version.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from compression_middleware.middleware import compressor
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from ..models import Institution
from .outage import OUTAGE_ERRORS, stale_copy, unavailable
from .replica import PRIMARY, REPLICA, has_replica, read_primary

# Cached copies bigger than this are not kept (a page is ~60 KB, ~9 KB compressed).
MAX_CACHED_BYTES = 2 * 1024 * 1024
# stale-if-error: a proxy or CDN in front may go on serving its copy for a day while we fail.
CACHE_CONTROL = {"public": True, "max_age": 60, "stale_while_revalidate": 600,
                 "stale_if_error": 24 * 3600}
# Encodings a page may have been kept in, the client's own tried first during an outage.
ENCODINGS = ("identity", "br", "gzip", "zstd")

Scope = Callable[..., dict]


def publication_scope(scope: Scope):
    """Mark a view as cacheable by publication. `scope(request, **url_kwargs)` returns the
    Institution lookups of the institutions whose publications the page shows ({}: all)."""

    def mark(view):
        view.publication_scope = scope
        return view

    return mark


def whole_site(request, **kwargs) -> dict:
    return {}


def institution_by_slug(request, slug=None, institution=None, **kwargs) -> dict:
    return {"slug": slug or institution}


class PublicationCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = self.scope_of(request)
        if scope is None:
            return self.get_response(request)
        try:
            version = self.version(scope)
        except OUTAGE_ERRORS:
            return self.last_copy(request) or unavailable()
        # The view may key what it keeps on it too (the goal list's form, metas.filters).
        request.publication_version = version
        etag, last_modified = self.validators(request, version)
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=last_modified
        )
        if not_modified is not None:
            return self.with_validators(not_modified, etag, last_modified)
        key = self.key(request, self.encoding(request))
        response = self.cached(key, etag) if request.method == "GET" else None
        if response is None:
            response = self.get_response(request)
            if response.status_code != 200:
                return response
            if not response.has_header("ETag"):  # a prebuilt file has its own, its SHA-256
                self.with_validators(response, etag, last_modified)
            if request.method == "GET":
                self.keep(key, response, etag, version)
        return response

    @staticmethod
    def version(scope: dict):
        """The publication version, from the primary. A replica that has not replayed it yet,
        or does not answer, sends the request to the primary (metas.http.replica)."""
        institutions = Institution.objects.filter(**scope)
        if not has_replica():
            return institutions.version()
        version = institutions.using(PRIMARY).version()
        try:
            replayed = institutions.using(REPLICA).version()
        except OUTAGE_ERRORS:
            replayed = None
        if replayed != version:
            read_primary()
        return version

    @staticmethod
    def scope_of(request) -> dict | None:
        """The view's scope lookups, or None when this request is not to be cached."""
        if request.method not in ("GET", "HEAD"):
            return None
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return None  # staff: their pages may show what the public's do not
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        scope = getattr(match.func, "publication_scope", None)
        return None if scope is None else scope(request, **match.kwargs)

    @staticmethod
    def validators(request, version) -> tuple[str, int | None]:
        stamp = version.isoformat() if version else "-"
        query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
        # Today's date too: a page may say how many months ago an institution last reported.
        today = timezone.localdate().isoformat()
        digest = hashlib.sha256(
            f"{stamp}|{today}|{request.path}|{query}|{settings.LANGUAGE_CODE}".encode()
        ).hexdigest()[:32]
        # Weak: the same page is sent compressed several ways.
        return f'W/"{digest}"', int(version.timestamp()) if version else None

    @staticmethod
    def with_validators(response, etag: str, last_modified: int | None):
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        patch_cache_control(response, **CACHE_CONTROL)
        return response

    @staticmethod
    def encoding(request) -> str:
        return compressor(request.META.get("HTTP_ACCEPT_ENCODING", ""))[0] or "identity"

    @staticmethod
    def key(request, encoding: str) -> str:
        """One entry per address and encoding: its latest copy with the validator it was
        rendered for, served while that is still the page's, and dated during an outage."""
        query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
        digest = hashlib.sha256(f"{request.path}|{query}".encode()).hexdigest()[:32]
        return f"page:{digest}:{encoding}"

    @classmethod
    def last_copy(cls, request) -> HttpResponse | None:
        """The page as last rendered, dated, while the database cannot say its version."""
        if request.method != "GET":
            return None
        preferred = cls.encoding(request)
        for encoding in (preferred, *(e for e in ENCODINGS if e != preferred)):
            kept = caches["pages"].get(cls.key(request, encoding))
            if kept is not None:
                _etag, version, copy = kept
                return stale_copy(copy, version)
        return None

    @staticmethod
    def cached(key: str, etag: str) -> HttpResponse | None:
        kept = caches["pages"].get(key)
        if kept is None or kept[0] != etag:
            return None  # never kept, or rendered before the latest publication or day
        content, status, headers = kept[2]
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response

    @staticmethod
    def keep(key: str, response, etag: str, version) -> None:
        if response.streaming or len(response.content) > MAX_CACHED_BYTES:
            return
        headers = [(name, value) for name, value in response.items()]
        copy = (response.content, response.status_code, headers)
        caches["pages"].set(key, (etag, version, copy))
