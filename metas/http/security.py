"""What the site sends and trusts to stay safe in production, beyond Django's own settings.

- `client_ip`: the address django-axes locks out, taken from X-Forwarded-For only when the
  deployment says how many proxies stand in front of it (PROXY_COUNT), else REMOTE_ADDR.
- `PermissionsPolicyMiddleware`: the Permissions-Policy header on every page.
- `static_file_headers`: WhiteNoise's hook, so that static files carry the same CSP,
  Permissions-Policy and X-Frame-Options as pages.
- `require_collected_static`: with DEBUG off, refuse to start without `collectstatic`, in one
  line, rather than answer 500 on every page.
"""
from __future__ import annotations

import sys

from csp.utils import build_policy
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

# Nothing on this site uses the browser's sensors, devices or payment features.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "fullscreen", "geolocation", "gyroscope", "magnetometer", "microphone", "midi",
        "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock",
        "sync-xhr", "usb", "xr-spatial-tracking", "interest-cohort",
    )
)


def client_ip(request) -> str | None:
    """The client's address. Each proxy in front of the site appends the address it received
    the request from to X-Forwarded-For, so with PROXY_COUNT proxies the client is the
    PROXY_COUNT-th address from the right; whatever stands left of it, the client wrote itself.

    (django-ipware's proxy_count counts proxies listed in the header itself, which nginx's
    $proxy_add_x_forwarded_for never does, and its default trusts the left-most address.)
    """
    count = settings.PROXY_COUNT
    if count:
        forwarded = [
            address.strip()
            for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if address.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def static_file_headers(headers, path, url) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: static files bypass the middleware that sets these."""
    headers["Content-Security-Policy"] = build_policy(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS


WORKER_BOOT_ERROR = 3


def require_collected_static() -> None:
    """Without collectstatic, every page would fail to find its stylesheet's hashed name: stop
    the process with one line saying what to do."""
    if settings.DEBUG:
        return
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest and not staticfiles_storage.exists(manifest):
        print(
            f"Static files are not collected in {settings.STATIC_ROOT}: run "
            "`manage.py collectstatic --noinput` before starting the site.",
            file=sys.stderr,
        )
        # 3 is gunicorn's "worker failed to boot": its master stops, once, instead of starting
        # a new worker that fails the same way again and again.
        raise SystemExit(WORKER_BOOT_ERROR)
