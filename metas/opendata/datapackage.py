"""Frictionless Data Packages (https://specs.frictionlessdata.io/) describing the exports: each
CSV with its Table Schema (names, Spanish titles and descriptions from columns.goal_columns,
types), its size, row count and SHA-256, the licence, the sources and the goal-list filters
that select its rows.

    descriptor = package("metas-todos", title, description, [csv_resource(...)], ...)
    data = dumps(descriptor)       # UTF-8 JSON bytes

Who writes them: metas.opendata.downloads for the whole files (beside them, at each
publication), metas.opendata.archives for each month's ZIP, and the /metas.datapackage.json
view for any other filters of the goal list (which measures the CSV as it streams it).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .exports import Column

# Table Schema type of each kind of exports.Column, by the kind's English text.
SCHEMA_TYPES = {
    "text": "string",
    "integer": "integer",
    "number": "number",
    "month (YYYY-MM)": "yearmonth",
    "yes / no": "boolean",
    "list of names": "string",
    "URL": "string",  # published links are kept as written: not always valid URIs
    "date (YYYY-MM-DD)": "date",
}
_TITLE_END = re.compile(r"[.;:(]")


def schema_type(column: Column) -> str:
    with translation.override(None):
        kind = str(column.kind)
    return SCHEMA_TYPES[kind]


def title_of(description: str) -> str:
    """A field's title: its description up to the first full stop, colon, semicolon or
    parenthesis ("Avance en porcentaje (0 a 100), …" -> "Avance en porcentaje")."""
    return _TITLE_END.split(str(description), 1)[0].strip().rstrip(",")


def schema(columns: Sequence[Column], primary_key: str | None = "id") -> dict:
    fields = []
    for column in columns:
        field = {
            "name": column.name,
            "title": title_of(column.description),
            "description": str(column.description),
            "type": schema_type(column),
        }
        if field["type"] == "boolean":
            # As the CSV writes them (exports.csv_lines), in the same language.
            field["trueValues"], field["falseValues"] = [_("yes")], [_("no")]
        fields.append(field)
    described = {"fields": fields, "missingValues": [""]}
    if primary_key:
        described["primaryKey"] = [primary_key]
    return described


def csv_resource(name: str, path: str, columns, *, rows: int, size: int, sha256: str,
                 title: str) -> dict:
    return {
        "name": name,
        "title": title,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",  # with a byte order mark, which readers skip
        "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
        "bytes": size,
        "hash": f"sha256:{sha256}",
        "rows": rows,
        "schema": schema(columns),
    }


def json_resource(name: str, path: str, *, size: int, sha256: str, title: str) -> dict:
    return {
        "name": name,
        "title": title,
        "path": path,
        "format": "json",
        "mediatype": "application/json",
        "encoding": "utf-8",
        "bytes": size,
        "hash": f"sha256:{sha256}",
    }


def licence(absolute_url) -> dict:
    return {
        "title": _("Public information (LOTAIP): free to reuse for any purpose, citing the "
                   "institution that published it"),
        "path": absolute_url(reverse("metas:data-dictionary")),
    }


def package(name: str, title: str, description: str, resources: list[dict], *,
            absolute_url, homepage: str, sources: list[dict], filters: dict) -> dict:
    """A Data Package; `homepage` is the goal list with the filters that select its rows,
    `filters` those filters as the goal list's URL writes them."""
    return {
        "name": name,
        "title": title,
        "description": description,
        "homepage": homepage,
        "filters": filters,
        "licenses": [licence(absolute_url)],
        "sources": sources,
        "resources": resources,
    }


def dumps(descriptor: dict) -> bytes:
    return (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def measured(pieces: Iterable[str]) -> tuple[int, str]:
    """(bytes, SHA-256) of text written in UTF-8, read once, never held whole."""
    digest, size = hashlib.sha256(), 0
    for piece in pieces:
        data = piece.encode("utf-8")
        digest.update(data)
        size += len(data)
    return size, digest.hexdigest()


class Counted:
    """An iterable that counts what passes through it."""

    def __init__(self, items: Iterable):
        self.items, self.count = items, 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item
