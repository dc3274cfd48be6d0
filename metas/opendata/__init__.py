"""Open data beyond a page: the whole data set as prebuilt files (downloads)."""
