"""Open data beyond a page: the export columns and streams (`exports`), the Excel writer
(`xlsx`), the Atom feeds (`feeds`), the whole data set and each month as prebuilt files
(`downloads`), the month ZIPs (`archives`), their `datapackage.json` (`datapackage`) and file
names (`filenames`)."""
