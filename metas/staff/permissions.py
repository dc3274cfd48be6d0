"""Who may do what in the staff area. Public pages need no permission: they are read-only.

- Publishing needs the permission "metas | report | Can add report" and, except for
  superusers, being one of the institution's staff members (Institution.staff, set in the admin).
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


def may_publish(user, institution) -> bool:
    """Whether `user` may publish reports, and for `institution` (None: named by the files,
    which only superusers may leave open)."""
    if not user.has_perm("metas.add_report"):
        return False
    if user.is_superuser:
        return True
    return institution is not None and institution.staff.filter(pk=user.pk).exists()


def may_read_log(user) -> bool:
    return user.has_perm("metas.view_importlog") or user.has_perm("metas.add_report")


def readable_log(user):
    """The import log entries `user` may read (see the module's docstring)."""
    entries = ImportLog.objects.select_related("user")
    if user.is_superuser:
        return entries
    names = list(allowed_institutions(user).values_list("name", flat=True))
    return entries.filter(Q(institution__in=names) | Q(user=user))
