"""The staff area, /gestion/: who may publish (`permissions`), the upload and withdrawal forms
(`forms`), uploads waiting for a decision (`pending`), the import log's filters (`filters`), the
views (`views`; a scan's cell images and corrections: `scans`, what its preview lists:
`scan_review`) and their URLs (`urls`)."""
