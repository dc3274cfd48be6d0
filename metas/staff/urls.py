"""The staff area, under /gestion/: upload, preview, publish or cancel, the import log, and
withdrawing or restoring a report. Its names belong to the "metas" namespace."""
from django.urls import path

from . import files, scans, views

urlpatterns = [
    path("", views.staff_upload, name="staff-upload"),
    path("vista-previa/<uuid:pk>/", views.staff_preview, name="staff-preview"),
    path("vista-previa/<uuid:pk>/publicar/", views.staff_publish, name="staff-publish"),
    path("vista-previa/<uuid:pk>/cancelar/", views.staff_cancel, name="staff-cancel"),
    path("vista-previa/<uuid:pk>/correcciones/", scans.staff_scan_corrections,
         name="staff-scan-corrections"),
    path("vista-previa/<uuid:pk>/celda/<int:number>/<int:page>/<int:row>/<int:column>.png",
         scans.staff_scan_cell, name="staff-scan-cell"),
    path("publicado/<uuid:pk>/", views.staff_published, name="staff-published"),
    path("registro/", views.staff_import_log, name="staff-import-log"),
    path("reportes/", views.staff_reports, name="staff-reports"),
    path("archivos/", files.staff_files, name="staff-files"),
    path("archivos/<int:pk>/reintentar/", files.staff_files_retry, name="staff-files-retry"),
    path("reportes/<int:pk>/retirar/", views.staff_withdraw, name="staff-withdraw"),
    path("reportes/<int:pk>/restaurar/", views.staff_restore, name="staff-restore"),
]
