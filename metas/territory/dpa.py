"""Ecuador's political-administrative division (INEC's DPA) into Province, Canton and Parish.

    load_territory()          # idempotent: run by migration 0011 and by the browser tests

The DPA (fixtures/dpa_ecuador.csv) lists 24 provinces, 221 cantons and 1,396 parish codes.
Names are kept as INEC publishes them (`dpa_name`) and written for reading (`name`: "San Pedro
de la Bendita"; a parenthesised historical name left out: "MALACATOS (VALLADOLID)" reads
"Malacatos"), with their folded form for searching.

Cantón Loja's additions (fixtures/parroquias_loja.csv, fixtures/jdb_loja.csv) are applied on
top: its parishes keep the names, slugs and spelling variants the site always had ("El Valle",
not INEC's "VALLE"), Punzara and Carigán (urban by municipal ordinance, without INEC code) are
added, and the neighbourhood councils belong to cantón Loja.

Old codes. The DPA keeps the codes some rural parishes had before they became cantons of their
own: GUACHAPALA is a rural parish of Paute (010555) and the canton Guachapala (0114) of the
same province. The rule: a rural parish whose name (without its parenthesised part) is the name
of another canton of the same province is such an old code, and is not loaded; its place is
that canton. Rural parishes named like a canton of another province are real ("Santiago" of
cantón Loja, the canton Santiago of Morona Santiago) and are loaded.

Slugs are stable: a parish or canton keeps the slug it was given. New ones take the plain
slug of their name when it is free, else the plain slug followed by their canton's (or, for a
canton, its province's) slug, else by their INEC code, which is unique: "el-sagrario" is
Loja's, "el-sagrario-cuenca" Cuenca's.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps as installed_apps
from django.utils.text import slugify

from metas.text import fold

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DPA_FILE = FIXTURES / "dpa_ecuador.csv"
LOJA_PARISHES_FILE = FIXTURES / "parroquias_loja.csv"
LOJA_COUNCILS_FILE = FIXTURES / "jdb_loja.csv"
LOJA_CANTON = "1101"

# metas.models.Parish.Kind values of the DPA's `tipo` column.
KINDS = {"urbana": "urbana", "cabecera cantonal": "cabecera", "rural": "rural"}
_ALIAS = re.compile(r"\s*\([^()]*\)")
# Words written in lower case inside a name: "San Pedro de la Bendita".
_LOWER = frozenset("de del la las los el y e en".split())


def base_name(dpa_name: str) -> str:
    """The name without its parenthesised part: "MALACATOS (VALLADOLID)" -> "MALACATOS"."""
    return " ".join(_ALIAS.sub(" ", dpa_name).split()) or dpa_name.strip()


def reading_name(dpa_name: str) -> str:
    """INEC's upper-case name written for reading: "SAN PEDRO DE LA BENDITA" -> "San Pedro de
    la Bendita", "JULIO E. MORENO" -> "Julio E. Moreno" (accents as INEC wrote them)."""
    words = []
    for index, word in enumerate(base_name(dpa_name).split()):
        lower = word.lower()
        words.append(lower if index and lower in _LOWER else word.title())
    return " ".join(words)


@dataclass(frozen=True)
class DpaRow:
    province_code: str
    province: str
    canton_code: str
    canton: str
    code: str
    name: str
    kind: str  # a metas.models.Parish.Kind value


def read_dpa(path: Path = DPA_FILE) -> list[DpaRow]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            DpaRow(
                row["provincia_codigo"], row["provincia"], row["canton_codigo"], row["canton"],
                row["parroquia_codigo"], row["parroquia"], KINDS[row["tipo"]],
            )
            for row in csv.DictReader(handle)
        ]


def old_codes(rows: list[DpaRow]) -> set[str]:
    """Codes of rural parishes that became cantons (see the module's docstring)."""
    cantons = {(row.province_code, fold(base_name(row.canton)), row.canton_code) for row in rows}
    by_name = {}
    for province, name, code in cantons:
        by_name.setdefault((province, name), set()).add(code)
    return {
        row.code
        for row in rows
        if row.kind == "rural"
        and by_name.get((row.province_code, fold(base_name(row.name))), set()) - {row.canton_code}
    }


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class _SlugMaker:
    """Unique slugs: the plain one when free, else qualified (see the module's docstring)."""

    def __init__(self, taken):
        self.taken = set(taken)

    def new(self, name: str, qualifier: str, code: str) -> str:
        plain = slugify(name) or code
        for slug in (plain, f"{plain}-{qualifier}", f"{plain}-{code}"):
            if slug not in self.taken:
                self.taken.add(slug)
                return slug
        raise ValueError(f"no free slug for {name} ({code})")  # codes are unique: cannot happen

    def reserve(self, slug: str) -> None:
        self.taken.add(slug)


@dataclass
class Loaded:
    provinces: int = 0
    cantons: int = 0
    parishes: int = 0
    councils: int = 0
    old_codes: int = 0


def load_territory(apps=None) -> Loaded:
    """Writes the DPA and Loja's additions; existing rows are updated, never duplicated.
    `apps` is a migration's app registry (the models as they were then) or None."""
    apps = apps or installed_apps
    Province = apps.get_model("metas", "Province")
    Canton = apps.get_model("metas", "Canton")
    rows = read_dpa()
    skipped = old_codes(rows)
    loaded = Loaded(old_codes=len(skipped))

    provinces = _upsert_provinces(Province, rows)
    cantons = _upsert_cantons(Canton, rows, provinces)
    loaded.provinces, loaded.cantons = len(provinces), len(cantons)
    loaded.parishes = _upsert_parishes(
        apps.get_model("metas", "Parish"), [row for row in rows if row.code not in skipped],
        cantons,
    )
    loaded.councils = _upsert_councils(apps.get_model("metas", "Neighbourhood"), cantons)
    return loaded


def _save_all(model, objects: dict, existing: dict, fields: list[str]) -> None:
    """Creates the new objects in one statement and updates the existing ones that changed."""
    model.objects.bulk_create([obj for key, obj in objects.items() if key not in existing])
    changed = [
        obj for key, obj in objects.items()
        if key in existing and any(getattr(obj, f) != existing[key][f] for f in fields)
    ]
    if changed:
        model.objects.bulk_update(changed, fields)


def _upsert_provinces(Province, rows) -> dict:
    existing = {p["code"]: p for p in Province.objects.values()}
    slugs = _SlugMaker(p["slug"] for p in existing.values())
    provinces = {}
    for row in rows:
        if row.province_code in provinces:
            continue
        name = reading_name(row.province)
        old = existing.get(row.province_code)
        provinces[row.province_code] = Province(
            pk=old["id"] if old else None, code=row.province_code, name=name,
            dpa_name=row.province, folded_name=fold(name),
            slug=old["slug"] if old else slugs.new(name, "", row.province_code),
        )
    _save_all(Province, provinces, existing, ["name", "dpa_name", "folded_name"])
    return {p.code: p for p in Province.objects.all()}


def _upsert_cantons(Canton, rows, provinces) -> dict:
    existing = {c["code"]: c for c in Canton.objects.values()}
    slugs = _SlugMaker(c["slug"] for c in existing.values())
    cantons = {}
    for row in rows:
        if row.canton_code in cantons:
            continue
        name = reading_name(row.canton)
        province = provinces[row.province_code]
        old = existing.get(row.canton_code)
        cantons[row.canton_code] = Canton(
            pk=old["id"] if old else None, code=row.canton_code, province=province, name=name,
            dpa_name=row.canton, folded_name=fold(name),
            slug=old["slug"] if old else slugs.new(name, province.slug, row.canton_code),
        )
    _save_all(Canton, cantons, existing, ["name", "dpa_name", "folded_name"])
    return {c.code: c for c in Canton.objects.all()}


def _upsert_parishes(Parish, rows, cantons) -> int:
    loja = {row["codigo_inec"] or row["nombre"]: row for row in _read_csv(LOJA_PARISHES_FILE)}
    existing_rows = list(Parish.objects.values())
    # Loja's parishes of migration 0002 have no code yet: they are known by their slug.
    existing = {p["code"] or f"slug:{p['slug']}": p for p in existing_rows}
    slugs = _SlugMaker(p["slug"] for p in existing_rows)
    for row in loja.values():
        slugs.reserve(slugify(row["nombre"]))

    parishes = {}

    def add(code, canton, name, dpa_name, kind, variants, slug=None):
        old = existing.get(code) if code else None
        if old is None and slug:
            old = existing.get(f"slug:{slug}")
        key = code or f"slug:{slug}"
        if old is not None:
            existing[key] = old
            slug = old["slug"]
        parishes[key] = Parish(
            pk=old["id"] if old else None, code=code, canton=canton, name=name,
            dpa_name=dpa_name, folded_name=fold(name), kind=kind, variants=variants,
            slug=slug or slugs.new(name, canton.slug, code),
        )

    for row in rows:
        canton = cantons[row.canton_code]
        local = loja.get(row.code)
        if local:
            add(row.code, canton, local["nombre"], row.name, row.kind, local["variantes"],
                slugify(local["nombre"]))
        else:
            add(row.code, canton, reading_name(row.name), row.name, row.kind, "")
    for key, local in loja.items():
        if not local["codigo_inec"]:  # by municipal ordinance
            add(None, cantons[LOJA_CANTON], local["nombre"], "", local["tipo"],
                local["variantes"], slugify(local["nombre"]))
    fields = ["code", "canton", "name", "dpa_name", "folded_name", "kind", "variants"]
    _save_all(Parish, parishes, {k: _comparable(v) for k, v in existing.items()}, fields)
    return len(parishes)


def _comparable(values: dict) -> dict:
    """A row of values() under the field names _save_all compares (canton is canton_id)."""
    return {**values, "canton": _Id(values["canton_id"])}


class _Id:
    """Equal to a model instance of that pk: compares a stored foreign key with a new one."""

    def __init__(self, pk):
        self.pk = pk

    def __eq__(self, other):
        return getattr(other, "pk", other) == self.pk

    def __ne__(self, other):
        return not self == other


def _upsert_councils(Neighbourhood, cantons) -> int:
    loja = cantons[LOJA_CANTON]
    existing = {n["name"]: n for n in Neighbourhood.objects.values()}
    councils = {}
    for row in _read_csv(LOJA_COUNCILS_FILE):
        old = existing.get(row["nombre"])
        councils[row["nombre"]] = Neighbourhood(
            pk=old["id"] if old else None, canton=loja, name=row["nombre"],
            slug="jdb-" + slugify(row["nombre"]),
            group=int(row["grupo"]) if row["grupo"] else None, variants=row["variantes"],
        )
    comparable = {k: {**v, "canton": _Id(v["canton_id"])} for k, v in existing.items()}
    _save_all(Neighbourhood, councils, comparable, ["canton", "slug", "group", "variants"])
    return len(councils)
