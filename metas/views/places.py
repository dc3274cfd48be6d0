"""PLACEHOLDER until this area's work lands: every view answers 404."""
from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


unit_list = unit_detail = parish_list = parish_detail = _not_yet
