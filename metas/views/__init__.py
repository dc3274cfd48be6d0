"""Public pages and staff pages, one module per area; URLs are in metas/urls.py."""
from .exports import goal_export_csv, goal_export_json
from .goals import goal_detail, goal_list, home, institution_overview
from .places import parish_detail, parish_list, unit_detail, unit_list
from .reports import data_dictionary, report_detail, report_list, source_file_download
