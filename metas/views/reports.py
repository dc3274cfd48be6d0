"""PLACEHOLDER until this area's work lands: every view answers 404."""
from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


report_list = report_detail = source_file_download = data_dictionary = _not_yet
