"""Public pages. PLACEHOLDER until the public-site work lands: every view answers 404."""
from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


home = goal_list = goal_export_csv = goal_export_json = goal_detail = _not_yet
unit_list = unit_detail = parish_list = parish_detail = report_list = report_detail = _not_yet
source_file_download = data_dictionary = institution_overview = _not_yet
page_not_found = server_error = None
