"""Datasette as a plain ASGI app, so that uvicorn can run it with several worker processes.

`datasette serve` is one process; the project runs two gunicorn workers. This module serves the
same database with the same settings for `uvicorn --workers N datasette_asgi:app`, configured by
environment variables: BENCH_DB (the SQLite file, opened immutable) and BENCH_DS_SETTINGS (a JSON
object of Datasette settings).
"""
import json
import os

from datasette.app import Datasette

app = Datasette(
    immutables=[os.environ["BENCH_DB"]],
    settings=json.loads(os.environ.get("BENCH_DS_SETTINGS", "{}")),
).app()
