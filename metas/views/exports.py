"""PLACEHOLDER until this area's work lands: every view answers 404."""
from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


goal_export_csv = goal_export_json = _not_yet
