"""Who may do what in the staff area. Public pages need no permission: they are read-only.

- Publishing needs the permission "metas | report | Can add report" and, except for
  superusers, being one of the institution's staff members (Institution.staff, set in the admin).
  The same people withdraw and restore reports.
- A pending upload is seen, published or cancelled only by whoever uploaded it (or a superuser).
- The import log is for those who may publish or hold "Can view import log entry"; staff read
  the attempts on their own institutions and their own attempts.
"""
from __future__ import annotations

from django.db.models import Q

from ..models import ImportLog, Institution


def allowed_institutions(user):
    """The institutions a user may publish reports for."""
    if not user.is_authenticated:
        return Institution.objects.none()
    if user.is_superuser:
        return Institution.objects.all()
    return Institution.objects.filter(staff=user)


def is_publisher(user) -> bool:
    """Whether `user` may publish (upload, withdraw, restore) reports at all; for which
    institutions: may_publish."""
    return user.has_perm("metas.add_report")


def may_publish(user, institution) -> bool:
    """Whether `user` may publish reports, and for `institution` (None: named by the files,
    which only superusers may leave open)."""
    if not is_publisher(user):
        return False
    if user.is_superuser:
        return True
    return institution is not None and institution.staff.filter(pk=user.pk).exists()


def may_see_pending(user, pending) -> bool:
    """Whether `user` may see (and publish or cancel) the pending upload `pending`."""
    return pending.user_id == user.pk or user.is_superuser


def may_read_log(user) -> bool:
    return user.has_perm("metas.view_importlog") or is_publisher(user)


def readable_log(user):
    """The import log entries `user` may read (see the module's docstring)."""
    entries = ImportLog.objects.select_related("user")
    if user.is_superuser:
        return entries
    names = list(allowed_institutions(user).values_list("name", flat=True))
    return entries.filter(Q(institution__in=names) | Q(user=user))
