"""The gazetteer of an institution's territory: which places its goals are tagged with.

    atlas = Atlas.from_database()                  # the country's places: once per import
    gazetteer = atlas.for_institution(institution) # cached per territory
    gazetteer.tag("Vía a San Pedro de la Bendita")

- A canton (a municipality's territory): its urban and rural parishes, its cantonal seat, and
  its neighbourhood councils where the site knows them (cantón Loja's JDB). Where the canton
  has urban parishes and its seat is named like the canton (Loja, Catamayo), the seat is only
  the sum of those parishes and is left out.
- A province (a provincial government's): its cantons and their parishes, as above.
- A parish (a rural parish government's): that parish. No community list is known yet.
- No territory: nothing; such an institution's goals are tagged with no place.

Spellings: a place's name, its variants, and INEC's name with its parenthesised part
("Malacatos (Valladolid)"); never the parenthesised part alone ("Victoria", "Miguel Riofrío",
"Santa Rosa" are people, words and other places). Then, in this order:
- the territory's own name is guarded (metas.territory.tagger): "Catamayo" in Catamayo's
  reports is the canton, "parroquia Catamayo" its urban parish; in a province's, a parish named
  like its own canton is that canton, and the province's name is guarded;
- names that are also people's names or common words (GUARDED_NAMES) are guarded;
- a name two places share tags neither (the text cannot tell which), except that a canton
  keeps it over a parish and a cantonal seat over an urban parish of the same name (the town
  is named after it: "Cariamanga");
- every other name in the country is `elsewhere`: it takes part in the longest match and tags
  nothing, so a name that belongs to another canton is never tagged as one of these places.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.apps import apps as installed_apps

from metas.text import fold

from .dpa import base_name
from .tagger import CANTON, RURAL, SEAT, URBAN, Gazetteer, NameIndex, Place

# Parish and canton names that are also people's names, saints, feasts or common words: named
# as places only after "parroquia" or "cantón". Folded.
GUARDED_NAMES = frozenset(fold(name) for name in [
    # people
    "Sucre", "Bolívar", "Simón Bolívar", "Olmedo", "Rocafuerte", "Montalvo", "Juan Montalvo",
    "Ricaurte", "Urdaneta", "Eloy Alfaro", "García Moreno", "Pedro Carbo", "Colón",
    "Vicente Rocafuerte", "Pedro Vicente Maldonado", "Juan Benigno Vela", "Chile", "América",
    # saints, virgins and feasts
    "San José", "San Juan", "San Antonio", "San Francisco", "San Pedro", "San Pablo",
    "San Miguel", "San Luis", "San Carlos", "San Isidro", "San Vicente", "San Rafael",
    "San Roque", "San Andrés", "San Gabriel", "San Fernando", "San Jacinto", "San Joaquín",
    "San Lorenzo", "San Martín", "San Mateo", "San Simón", "San Cristóbal", "San Gerardo",
    "Santa Rosa", "Santa Ana", "Santa Lucía", "Santa Marta", "Santa Clara", "Santa Isabel",
    "Santa Cruz", "Santa Bárbara", "Santa Teresita", "Santa Fe", "El Carmen", "El Rosario",
    "La Merced", "La Concepción", "La Dolorosa", "El Cisne de Pucará",
    # common words
    "La Paz", "La Unión", "La Libertad", "La Victoria", "El Progreso", "Progreso",
    "La Esperanza", "Esperanza", "El Porvenir", "El Paraíso", "La Providencia",
    "La Independencia", "El Triunfo", "La Florida", "El Retiro", "El Cambio", "El Recreo",
    "Libertad", "Unión", "Victoria", "Bellavista", "Buenavista", "Buena Vista", "El Placer",
    "La Magdalena", "El Salto", "La Belleza", "El Edén", "Las Lajas", "El Dorado",
])


@dataclass(frozen=True)
class ProvinceRow:
    pk: int
    code: str
    name: str


@dataclass(frozen=True)
class CantonRow:
    pk: int
    code: str
    slug: str
    name: str
    dpa_name: str
    province_id: int


@dataclass(frozen=True)
class ParishRow:
    pk: int
    code: str | None
    slug: str
    name: str
    kind: str
    variants: str
    dpa_name: str
    canton_id: int


@dataclass(frozen=True)
class CouncilRow:
    slug: str
    name: str
    variants: str
    canton_id: int


_KIND_ORDER = {URBAN: 0, SEAT: 1, RURAL: 2}


def territory_key(institution) -> tuple[str, int] | None:
    """("parish" | "canton" | "province", pk) of an institution's territory, or None."""
    for kind in ("parish", "canton", "province"):
        pk = getattr(institution, f"{kind}_id", None)
        if pk is not None:
            return kind, pk
    return None


class Atlas:
    """The country's places as plain rows, and the gazetteer of each territory, each built once."""

    def __init__(self, provinces, cantons, parishes, councils):
        self.provinces = {row.pk: row for row in provinces}
        self.cantons = {row.pk: row for row in cantons}
        self.parishes = {row.pk: row for row in parishes}
        self.parishes_of = defaultdict(list)
        for row in sorted(parishes, key=_parish_order):
            self.parishes_of[row.canton_id].append(row)
        self.cantons_of = defaultdict(list)
        for row in sorted(cantons, key=lambda canton: canton.code):
            self.cantons_of[row.province_id].append(row)
        self.councils_of = defaultdict(list)
        for row in councils:
            self.councils_of[row.canton_id].append(row)
        self._gazetteers: dict = {}

    @classmethod
    def from_database(cls, apps=None) -> Atlas:
        """Reads every province, canton, parish and council (four queries). `apps` is a
        migration's app registry, or None for the current models."""
        apps = apps or installed_apps

        def rows(model_name, row_type, fields):
            model = apps.get_model("metas", model_name)
            return [row_type(*values) for values in model.objects.order_by("pk").values_list(*fields)]

        return cls(
            rows("Province", ProvinceRow, ["pk", "code", "name"]),
            rows("Canton", CantonRow, ["pk", "code", "slug", "name", "dpa_name", "province_id"]),
            rows("Parish", ParishRow, ["pk", "code", "slug", "name", "kind", "variants",
                                       "dpa_name", "canton_id"]),
            rows("Neighbourhood", CouncilRow, ["slug", "name", "variants", "canton_id"]),
        )

    def for_institution(self, institution) -> Gazetteer:
        return self.gazetteer(territory_key(institution))

    def gazetteer(self, key: tuple[str, int] | None) -> Gazetteer:
        if key not in self._gazetteers:
            self._gazetteers[key] = self._build(key)
        return self._gazetteers[key]

    @cached_property
    def elsewhere(self) -> NameIndex:
        """Every spelling of every place of the country."""
        index = NameIndex()
        for row in self.provinces.values():
            index.add(row.name)
        for row in self.cantons.values():
            for spelling in _canton_spellings(row):
                index.add(spelling)
        for row in self.parishes.values():
            for spelling in _parish_spellings(row):
                index.add(spelling)
        return index

    # --- Building ------------------------------------------------------------------------

    def _build(self, key) -> Gazetteer:
        if key is None:
            return Gazetteer(parishes=[], neighbourhoods=[])
        kind, pk = key
        if kind == "canton":
            return self._canton_gazetteer(self.cantons[pk])
        if kind == "province":
            return self._province_gazetteer(self.provinces[pk])
        parish = self.parishes[pk]
        place = _place(parish, _parish_spellings(parish), guarded_names=set())
        return Gazetteer(parishes=[place], neighbourhoods=[], elsewhere=self.elsewhere)

    def _places_of_canton(self, canton: CantonRow) -> list[ParishRow]:
        parishes = self.parishes_of[canton.pk]
        has_urban = any(p.kind == URBAN for p in parishes)
        own = _canton_names(canton)
        return [
            p for p in parishes
            if not (p.kind == SEAT and has_urban and fold(p.name) in own)
        ]

    def _canton_gazetteer(self, canton: CantonRow) -> Gazetteer:
        parishes = self._places_of_canton(canton)
        spellings = _unshared({p.pk: (p, _parish_spellings(p)) for p in parishes})
        councils = [
            Place(row.slug, row.name, None, row.variants) for row in self.councils_of[canton.pk]
        ]
        return Gazetteer(
            parishes=[_place(p, spellings[p.pk], _canton_names(canton)) for p in parishes],
            neighbourhoods=councils,
            elsewhere=self.elsewhere,
        )

    def _province_gazetteer(self, province: ProvinceRow) -> Gazetteer:
        own = {fold(province.name)}
        cantons = self.cantons_of[province.pk]
        parishes = []
        candidates = {}
        for canton in cantons:
            canton_names = _canton_names(canton)
            for parish in self._places_of_canton(canton):
                parishes.append(parish)
                kept = [s for s in _parish_spellings(parish) if fold(s) not in canton_names]
                candidates[("parish", parish.pk)] = (parish, kept)
        canton_spellings = {fold(s) for c in cantons for s in _canton_spellings(c)}
        # A canton keeps a name over a parish: the parish loses it.
        for key, (parish, kept) in candidates.items():
            candidates[key] = (parish, [s for s in kept if fold(s) not in canton_spellings])
        spellings = _unshared(candidates)
        return Gazetteer(
            parishes=[_place(p, spellings[("parish", p.pk)], own) for p in parishes],
            cantons=[
                Place(c.slug, c.name, CANTON, _canton_spellings(c)[1:],
                      guarded=_guarded(_canton_spellings(c), own))
                for c in cantons
            ],
            neighbourhoods=[],
            elsewhere=self.elsewhere,
        )


def _parish_order(row: ParishRow):
    # Urban, seat, rural; in INEC's order (cantón Loja's ordinance parishes after its others).
    return (_KIND_ORDER.get(row.kind, 3), row.code is None, row.code or "", row.pk)


def _canton_names(canton: CantonRow) -> set[str]:
    return {fold(canton.name), fold(base_name(canton.dpa_name))}


def _canton_spellings(row: CantonRow) -> list[str]:
    spellings = [row.name]
    if "(" in row.dpa_name:
        spellings.append(row.dpa_name)
    return spellings


def _parish_spellings(row: ParishRow) -> list[str]:
    """Its name, its variants and INEC's name with its parenthesised part."""
    spellings = [row.name, *(v.strip() for v in row.variants.split("|") if v.strip())]
    if "(" in row.dpa_name:
        spellings.append(row.dpa_name)
    return list(dict.fromkeys(spellings))


def _unshared(candidates: dict) -> dict:
    """Each place's spellings without those another place also has; a cantonal seat keeps a
    name it shares only with urban parishes. {key: (row, spellings)} -> {key: spellings}."""
    owners = defaultdict(list)
    for key, (row, spellings) in candidates.items():
        for spelling in spellings:
            owners[fold(spelling)].append((key, row))
    kept = {key: [] for key in candidates}
    for key, (row, spellings) in candidates.items():
        for spelling in spellings:
            others = [other for other_key, other in owners[fold(spelling)] if other_key != key]
            seat_over_urban = row.kind == SEAT and all(o.kind == URBAN for o in others)
            if not others or seat_over_urban:
                kept[key].append(spelling)
    return kept


def _guarded(spellings, own_names) -> tuple[str, ...]:
    return tuple(s for s in spellings if fold(s) in own_names or fold(s) in GUARDED_NAMES)


def _place(row: ParishRow, spellings: list[str], guarded_names) -> Place:
    """A Place with these spellings (its name among them or not)."""
    folded = {fold(s) for s in spellings}
    return Place(
        row.slug,
        row.name,
        row.kind,
        tuple(s for s in spellings if s != row.name),
        guarded=_guarded(spellings, guarded_names),
        name_is_spelling=fold(row.name) in folded,
    )
