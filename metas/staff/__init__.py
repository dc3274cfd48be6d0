"""The staff area, /gestion/: who may publish (`permissions`), the upload and withdrawal forms
(`forms`), uploads waiting for a decision (`pending`), the import log's filters (`filters`), the
views (`views`) and their URLs (`urls`)."""
