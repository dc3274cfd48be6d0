"""The HTTP layer around every page: the publication-keyed page cache and validators
(`caching`), compression (`compression`), the production headers and the client's address
(`security`)."""
