"""Public pages, one module per family of URLs, named after it (/unidades/ in units.py, /datos/ in
data.py); the URLs are in metas/urls.py (the staff's in metas/staff/)."""
from .data import archive_list, data_dictionary, month_archive
from .exports import (
    goal_export_csv,
    goal_export_datapackage,
    goal_export_json,
    goal_export_xlsx,
)
from .goals import goal_detail, goal_list, goal_series
from .home import home, methodology
from .institutions import institution_directory, institution_overview
from .parishes import parish_detail, parish_list
from .reports import (
    report_changes,
    report_changes_csv,
    report_changes_json,
    report_compliance,
    report_detail,
    report_list,
    report_portal_file,
    source_file_download,
)
from .territory import canton_detail, province_detail
from .units import unit_detail, unit_list
