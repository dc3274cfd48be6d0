"""PLACEHOLDER until this area's work lands: every view answers 404."""
from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


home = institution_overview = goal_list = goal_detail = _not_yet
