"""Open data beyond a page: the export streams and the goal rows (`exports`), the columns of
each export, declared (`columns`), a report's change list as rows (`changes`), the Excel
writer (`xlsx`), the Atom feeds (`feeds`), the whole data set and each month as prebuilt files
(`downloads`), the month ZIPs (`archives`), their `datapackage.json` (`datapackage`) and file
names (`filenames`)."""
