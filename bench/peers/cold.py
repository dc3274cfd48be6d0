"""Cold pages, bench/peers/run.py's headline: URL families drawn from the data, measured, judged.

    families = build(limit=20000, seed=0)        # in a process where Django is set up
    family.project[i], family.peer[i]            # the same rows on either side
    lists = walks(families, peer, folder)        # each side's URLs, for wrk_walk.lua
    rows = check_rows(lists, servers, 5, [])     # the first URLs asked once, rows counted
    runs = measure(lists, servers, idle, args, [], raw)    # warm-up, interleaved rounds
    checks = verdicts(results(...), ...)         # issue 21's targets; table(), markdown()

Each family is a list of distinct filter sets read from the project's database, shuffled with
`seed`, each written as the project's URL (in the goal list's one canonical order, so that it
answers 200 and not a redirect) and as Datasette's URL for the same rows:

| family | project | Datasette |
| --- | --- | --- |
| level  | `/metas/?institucion=I&periodo=M&nivel=L` | `goals?institution=I&level=L&report_month=M` |
| unit   | `/metas/?periodo=todos&unidad=U` (a unit without sub-units: every month) | `goals?institution=I&unit=U` |
| search | `/metas/?q=W&periodo=todos` (W: a word or two) | `goals?_search="W"*&_searchmode=raw` (each word so) |
| parish | `/metas/?periodo=todos&parroquia=S` (or `periodo=M`) | `goals?_where=id in (select goal_id from goal_parishes where parish = 'N')` (and `report_month=M`) |
| goal   | `/metas/<id>/` | `goals/<id>` |

Datasette's list pages also ask for the facets `unit` and `progress_pct` (the project's lists
count theirs), except the search, as bench/peers/run.py's cached pages do. The words searched
are the goals' own (folded, as `q` folds them, 4 letters or more, in two goals or more of the
reports sampled), alone and (as many) two side by side as the goals write them ("agua
potable"); Datasette's full-text index covers the same five fields as the project's
search text (dataset.py) and `"W"*` looks for a word starting with W, as `q` does. The parishes
are those whose name no other parish named by a goal shares, since Datasette's table holds the
names the export writes, not the project's parish slugs.

The project's modules are imported inside the functions: run.py imports this module before it
sets Django up for the database it measures.
"""
from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from measure import Idle, Run, measured, request, wrk  # bench/peers/measure.py

WALKER = Path(__file__).resolve().parent / "wrk_walk.lua"

PEER_TABLE = "/datasette/goals"
PEER_FACETS = [("_facet", "unit"), ("_facet", "progress_pct")]
# Reports whose goals give the words searched: over a thousand words, quick to read.
VOCABULARY_REPORTS = 600
WORD = re.compile(r"\b[a-z]{4,}\b")
# Goal ids looked up per query, within every database's limit of parameters.
ID_CHUNK = 5000

LABELS = {
    "level": "one institution × level × month",
    "unit": "a unit, every month",
    "search": "search one or two words, every period",
    "parish": "a parish, every period or one month",
    "goal": "a goal page",
}
# Families whose pages show one institution's goals: their cost should not grow with the
# number of institutions (issue 21).
SCOPED = ("level", "unit", "goal")


@dataclass
class Family:
    name: str
    project: list[str] = field(default_factory=list)
    peer: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.name]

    @property
    def scoped(self) -> bool:
        return self.name in SCOPED


def build(limit: int, seed: int) -> list[Family]:
    """Every family, each of at most `limit` URLs a side (Django must be set up)."""
    rnd = random.Random(seed)
    return [maker(rnd, limit) for maker in (_level, _unit, _search, _parish, _goal)]


def _canonical(params: list[tuple[str, str]]) -> str:
    """The goal list's URL for these filters in its one order, the filters' declared order
    (GoalFilter.canonical_query; the values here are never empty): another order would answer
    with a redirect, which check_rows() would report. Sorting, not a FilterSet per URL, which
    costs milliseconds each for tens of thousands of URLs."""
    order = _declared_filters()
    return "/metas/?" + urlencode(sorted(params, key=lambda pair: order.index(pair[0])))


@lru_cache(maxsize=1)
def _declared_filters() -> list[str]:
    from metas.filters import GoalFilter

    return list(GoalFilter.base_filters)


def _peer(params: list[tuple[str, str]], facets: bool = True) -> str:
    return f"{PEER_TABLE}?" + urlencode([*params, *(PEER_FACETS if facets else [])])


def _level(rnd: random.Random, limit: int) -> Family:
    from metas import periods
    from metas.models import ProcessLevel, Report

    months: dict[int, list[str]] = {}
    for institution, period in Report.objects.published().values_list("institution", "period"):
        months.setdefault(institution, []).append(periods.slug(period))
    combos = [
        (level, month)
        for level in ProcessLevel.objects.select_related("institution").order_by("pk")
        for month in sorted(months.get(level.institution_id, []))
    ]
    family = Family("level")
    for level, month in _sample(rnd, combos, limit):
        family.project.append(_canonical([("institucion", level.institution.slug),
                                          ("periodo", month), ("nivel", level.slug)]))
        family.peer.append(_peer([("institution", level.institution.name),
                                  ("level", level.name), ("report_month", month)]))
    return family


def _unit(rnd: random.Random, limit: int) -> Family:
    """Units without sub-units (the project's filter includes a unit's sub-units, Datasette's
    column holds one unit) that have goals."""
    from django.db.models import Exists, OuterRef

    from metas.models import Goal, Unit

    units = (Unit.objects.filter(children__isnull=True)
             .filter(Exists(Goal.objects.filter(unit=OuterRef("pk"))))
             .select_related("institution").order_by("pk"))
    family = Family("unit")
    for unit in _sample(rnd, list(units), limit):
        family.project.append(_canonical([("periodo", "todos"), ("unidad", unit.slug)]))
        family.peer.append(_peer([("institution", unit.institution.name),
                                  ("unit", unit.published_name)]))
    return family


def _search(rnd: random.Random, limit: int) -> Family:
    """Single words and as many adjacent pairs of words ("agua potable") from the goals' own
    texts, each in two goals or more: over a thousand words alone ran out within a run."""
    from metas.models import Goal, Report
    from metas.search import words

    reports = list(Report.objects.published().order_by("pk").values_list("pk", flat=True))
    sampled = _sample(random.Random(0), reports, VOCABULARY_REPORTS)
    counts, pairs = Counter(), Counter()
    for text in Goal.objects.filter(report__in=sampled).values_list("search_text", flat=True):
        found = WORD.findall(text)
        counts.update(set(found))
        pairs.update({(first, second) for first, second in zip(found, found[1:])
                      if first != second})
    vocabulary = sorted(word for word, count in counts.items()
                        if count >= 2 and words(word) == [word])
    known = set(vocabulary)
    two_words = sorted(pair for pair, count in pairs.items()
                       if count >= 2 and known.issuperset(pair))
    # As many pairs as single words: the family stays half searches of one word.
    searches = [(word,) for word in vocabulary] + _sample(random.Random(0), two_words,
                                                          len(vocabulary))
    family = Family("search")
    for terms in _sample(rnd, searches, limit):
        family.project.append(_canonical([("q", " ".join(terms)), ("periodo", "todos")]))
        family.peer.append(_peer([("_search", " ".join(f'"{term}"*' for term in terms)),
                                  ("_searchmode", "raw")], facets=False))
    return family


def _parish(rnd: random.Random, limit: int) -> Family:
    """A parish in every period and in each month whose reports name it: 422 parishes alone ran
    out within a run at 100 × 12."""
    from metas import periods
    from metas.models import GoalParish

    named = (GoalParish.objects.filter(via_coverage=False)
             .values_list("parish__slug", "parish__name").distinct())
    by_name = Counter(name for _slug, name in named)
    months = (GoalParish.objects.filter(via_coverage=False, goal__report__withdrawn_at=None)
              .values_list("parish__slug", "goal__report__period").distinct())
    chosen = {slug: name for slug, name in named if by_name[name] == 1}
    filter_sets = [(slug, None) for slug in sorted(chosen)] + sorted(
        (slug, periods.slug(period)) for slug, period in months if slug in chosen)
    family = Family("parish")
    for slug, month in _sample(rnd, filter_sets, limit):
        family.project.append(_canonical([("periodo", month or "todos"), ("parroquia", slug)]))
        quoted = chosen[slug].replace("'", "''")
        family.peer.append(_peer([
            ("_where", f"id in (select goal_id from goal_parishes where parish = '{quoted}')"),
            *([("report_month", month)] if month else []),
        ]))
    return family


def _goal(rnd: random.Random, limit: int) -> Family:
    from django.db.models import Max

    from metas.models import Goal

    published = Goal.objects.published()
    top = published.aggregate(top=Max("pk"))["top"] or 0
    candidates = rnd.sample(range(1, top + 1), min(top, 2 * limit))
    chosen = []
    for start in range(0, len(candidates), ID_CHUNK):
        chunk = candidates[start:start + ID_CHUNK]
        present = set(published.filter(pk__in=chunk).values_list("pk", flat=True))
        chosen += [pk for pk in chunk if pk in present]
    chosen = chosen[:limit]
    return Family("goal", project=[f"/metas/{pk}/" for pk in chosen],
                  peer=[f"{PEER_TABLE}/{pk}" for pk in chosen])


def _sample(rnd: random.Random, items: list, limit: int) -> list:
    items = list(items)
    rnd.shuffle(items)
    return items[:limit]


# --- Rows on either side ------------------------------------------------------------------------

def project_rows(path: str) -> int:
    """The goals a project URL lists (its own filters, in this process), or 1 for a goal."""
    from django.http import QueryDict

    from metas.filters import GoalFilter
    from metas.models import Goal

    if match := re.fullmatch(r"/metas/(\d+)/", path):
        return Goal.objects.published().filter(pk=int(match[1])).count()
    goals = GoalFilter(QueryDict(path.split("?", 1)[1]))
    if not goals.is_valid():
        raise RuntimeError(f"{path}: {goals.form.errors.as_text()}")
    return goals.qs.count()


def peer_json_path(path: str) -> str:
    """The JSON of a Datasette page, which says how many rows it selects."""
    table, _, query = path.partition("?")
    return f"{table}.json?" + (f"{query}&" if query else "") + "_size=0"


def peer_rows(answer: dict) -> int:
    """Rows a Datasette page selects, from its JSON (a row page: its rows)."""
    if "filtered_table_rows_count" in answer:
        return answer["filtered_table_rows_count"]
    return len(answer.get("rows", []))


# --- Measuring ------------------------------------------------------------------------------------

@dataclass
class Walk:
    """One family's URLs on one side, written to a file wrk_walk.lua walks, and the first one
    not asked yet: every request of a run takes the next, so none is asked twice."""

    family: Family
    side: str  # "project", or the peer server's name
    file: Path
    next: int = 0

    @property
    def paths(self) -> list[str]:
        return self.family.project if self.side == "project" else self.family.peer

    @property
    def left(self) -> int:
        return len(self.paths) - self.next


def walks(families: list[Family], peer: str, folder: Path) -> list[Walk]:
    made = []
    for family in families:
        for side in ("project", peer):
            walk = Walk(family, side, folder / f"cold-{family.name}-{side}.txt")
            walk.file.write_text("\n".join(walk.paths) + "\n")
            made.append(walk)
    return made


def check_rows(walks_: list[Walk], servers: dict, sample: int,
               headers: list[str]) -> dict[str, list[tuple[str, int, int]]]:
    """The first `sample` URLs of each family asked once on both sides (each must answer 200,
    not a redirect) and the rows each selects there: (project path, project rows, peer rows).
    They are not measured afterwards (the walks start past them)."""
    by_family: dict[str, list[Walk]] = {}
    for walk in walks_:
        by_family.setdefault(walk.family.name, []).append(walk)
    rows = {}
    for name, (project, peer) in by_family.items():
        count = min(sample, len(project.paths), len(peer.paths))
        if count == 0:
            raise RuntimeError(f"cold family {name}: no URL drawn from the data")
        rows[name] = []
        for index in range(count):
            path, peer_path = project.paths[index], peer.paths[index]
            started = time.perf_counter()
            status, _, _ = request(servers["project"].url + path, headers)
            alone_ms = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            status, _, body = request(servers[peer.side].url + peer_json_path(peer_path))
            if status != 200:
                raise RuntimeError(f"{peer_path} answered {status}: {body[:300]!r}")
            rows[name].append((path, project_rows(path), peer_rows(json.loads(body)),
                               alone_ms))
        project.next = peer.next = count
    return rows


def measure(walks_: list[Walk], servers: dict, idle: Idle, args, headers: list[str],
            raw) -> dict[tuple[str, str], list[Run]]:
    """A warm-up on each walk, then --runs interleaved rounds: every family on both sides once
    a round. `raw` (runs.tsv) gets every run."""
    def run(walk: Walk, duration: int, label: str) -> Run | None:
        server = servers[walk.side]
        result = measured(
            label, server, idle, duration,
            lambda: wrk(server.url, duration, threads=1, connections=args.cold_connections,
                        timeout=args.timeout, headers=headers, script=WALKER,
                        script_args=[str(walk.file), str(walk.next)]))
        if result is not None:
            walk.next += result.issued
        return result

    if args.warmup:
        for walk in walks_:
            run(walk, args.warmup, f"warm-up cold {walk.family.name} {walk.side}")
    results: dict[tuple[str, str], list[Run]] = {}
    for round_number in range(1, args.runs + 1):
        for walk in walks_:
            label = f"round {round_number} cold {walk.family.name} {walk.side}"
            result = run(walk, args.duration, label)
            if result is None:
                continue
            results.setdefault((walk.family.name, walk.side), []).append(result)
            raw.write(f"{round_number}\tcold_{walk.family.name}_{walk.side}\t"
                      f"{result.req_per_s:.2f}\t{result.p50_ms:.2f}\t{result.p99_ms:.2f}\t"
                      f"{result.errors}\t{result.mib_per_s:.3f}\t{result.server_cores:.2f}\t"
                      f"{result.server_peak_mb:.0f}\t{result.cpu_ms:.2f}\t"
                      f"{result.database_cores:.2f}\t{result.cost_ms:.2f}\t{result.issued}\t"
                      f"{result.wrapped}\t{result.not_ok}\t{result.load:.2f}\n")
            raw.flush()
    return results


# --- Targets and tables ---------------------------------------------------------------------------

TARGET_PEER_RATIO = 3.0
TARGET_P99_MS = 1000.0
# A larger country against BASE_SIZE on the same database: a page scoped to one institution
# costs at most this much more; a search or a parish page at most that much more.
BASE_SIZE, BASE_REPORTS = "100x12", 100 * 12  # institutions × months
TARGET_SCOPED_GROWTH = 1.3
TARGET_CROSS_GROWTH = 3.0


@dataclass
class FamilyResult:
    family: Family
    project: Run | None
    peer: Run | None
    rows: list[tuple[str, int, int, float]]  # (project path, project rows, peer rows, ms alone)
    urls: int = 0

    @property
    def ratio(self) -> float | None:
        if self.project and self.peer and self.peer.req_per_s:
            return self.project.req_per_s / self.peer.req_per_s
        return None

    @property
    def cost_ratio(self) -> float | None:
        """The peer's CPU per request over the project's (server and database)."""
        if self.project and self.peer and self.project.cost_ms:
            return self.peer.cost_ms / self.project.cost_ms
        return None

    def problems(self) -> list[str]:
        """What makes the figures not a measure of cold pages, or not a measure at all."""
        found = []
        if self.project is None or self.peer is None:
            found.append("not measured")
        if self.project and self.project.wrapped:
            found.append(f"URLs ran out: {self.project.wrapped} project requests repeated "
                         "a URL (raise --limit or lower --duration)")
        for side, run in (("project", self.project), ("peer", self.peer)):
            if run and (run.not_ok or run.errors):
                found.append(f"{side}: {run.not_ok} answers not 200, {run.errors} wrk errors")
        return found


def results(families: list[Family], medians: dict[tuple[str, str], Run], peer: str,
            rows: dict) -> list[FamilyResult]:
    return [FamilyResult(family, medians.get((family.name, "project")),
                         medians.get((family.name, peer)), rows.get(family.name, []),
                         len(family.project))
            for family in families]


def verdicts(figures: list[FamilyResult], vendor: str, larger: bool, peer: str,
             base: dict | None) -> list[tuple[str, str, bool]]:
    """(family, target, met) for each target of issue 21 that applies to this run. For a
    country `larger` than BASE_SIZE, `base` is the results.json of the latest BASE_SIZE run on
    the same kind of database (None if there is none)."""
    found = []
    by_name = {result.family.name: result for result in figures}
    for result in figures:
        if result.ratio is not None:
            found.append((result.family.name, f"≥{TARGET_PEER_RATIO:g}× {peer}",
                          result.ratio >= TARGET_PEER_RATIO))
        if vendor == "sqlite" and result.project:
            found.append((result.family.name, f"p99<{TARGET_P99_MS:g}ms",
                          result.project.p99_ms < TARGET_P99_MS))
    parish, level = by_name.get("parish"), by_name.get("level")
    if vendor == "sqlite" and parish and level and parish.project and level.project:
        found.append(("parish", "req/s ≥ the level list's",
                      parish.project.req_per_s >= level.project.req_per_s))
    if larger:
        found += growth_verdicts(figures, base, vendor)
    return found


def growth_verdicts(figures: list[FamilyResult], base: dict | None, vendor: str):
    if base is None:
        return [("", f"growth: no {BASE_SIZE} run on {vendor} to compare with "
                     f"(run --size {BASE_SIZE} on {vendor} first)", False)]
    found = []
    for result in figures:
        before = base["cold"]["families"].get(result.family.name, {}).get("project")
        if result.project is None or not before or not before["cost_ms"]:
            continue
        limit = TARGET_SCOPED_GROWTH if result.family.scoped else TARGET_CROSS_GROWTH
        growth = result.project.cost_ms / before["cost_ms"]
        found.append((result.family.name, f"cost ≤{limit:g}× {BASE_SIZE}'s ({growth:.2f}×)",
                      growth <= limit))
    return found


def growth_lines(figures: list[FamilyResult], base: dict | None) -> list[str]:
    """Each family against the BASE_SIZE run: cost (server + database CPU per request),
    req/s and p50."""
    if base is None:
        return []
    lines = [f"against the {BASE_SIZE} run ({base['run']}):"]
    for result in figures:
        before = base["cold"]["families"].get(result.family.name, {}).get("project")
        if result.project is None or not before:
            continue
        now = result.project
        lines.append(
            f"  {result.family.label:<32} cost {before['cost_ms']:.1f} -> {now.cost_ms:.1f} ms "
            f"({now.cost_ms / before['cost_ms']:.2f}×), req/s {before['req_per_s']:.1f} -> "
            f"{now.req_per_s:.1f}, p50 {before['p50_ms']:.0f} -> {now.p50_ms:.0f} ms")
    return lines


def _cells(run: Run | None, cost: bool) -> list[str]:
    if run is None:
        return ["-"] * 5
    return [f"{run.req_per_s:.1f}", f"{run.p50_ms:.0f}", f"{run.p99_ms:.0f}",
            f"{run.cost_ms if cost else run.cpu_ms:.1f}", f"{run.load:.1f}"]


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


def _rows_text(result: FamilyResult) -> str:
    return ", ".join(f"{mine:,}/{theirs:,}" for _path, mine, theirs, _ms in result.rows)


def _alone(result: FamilyResult) -> str:
    return ", ".join(f"{ms:,.0f}" for *_counts, ms in result.rows)


def table(figures: list[FamilyResult], peer: str, checks) -> list[str]:
    head = (f"{'family':<32} {'URLs':>6} | {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'cost ms':>7} {'load':>5} | {'peer':>7} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'CPU ms':>7} {'load':>5} | {'×peer':>7} {'×p.cost':>7}  targets")
    lines = [head]
    for result in figures:
        mine, theirs = _cells(result.project, True), _cells(result.peer, False)
        met = ", ".join(f"{text} {'ok' if ok else 'MISSED'}" for name, text, ok in checks
                        if name == result.family.name)
        lines.append(f"{result.family.label:<32} {result.urls:>6,} | "
                     + " ".join(f"{cell:>7}" for cell in mine[:4]) + f" {mine[4]:>5} | "
                     + " ".join(f"{cell:>7}" for cell in theirs[:4]) + f" {theirs[4]:>5} | "
                     + f"{_ratio(result.ratio):>7} {_ratio(result.cost_ratio):>7}  {met}")
    lines += [
        f"peer: {peer}, same rows. cost ms: the site's CPU per request, its gunicorn workers' "
        "and (PostgreSQL) the database backends' serving them; CPU ms: the peer's (its SQLite "
        "is in-process). ×peer: req/s over the peer's; ×p.cost: the peer's CPU per request over "
        "the site's. load: the 1-minute load average at the end of the median round.", "",
        "rows selected by the first URLs of each family, site/peer; the first request of each "
        "alone, ms:"]
    for result in figures:
        lines.append(f"  {result.family.label:<32} {_rows_text(result)}; alone {_alone(result)}")
    for name, text, ok in checks:
        if not name:
            lines.append(f"{text}: {'ok' if ok else 'MISSED'}")
    for result in figures:
        for problem in result.problems():
            lines.append(f"PROBLEM {result.family.name}: {problem}")
        if result.peer and result.peer.wrapped:
            lines.append(f"note {result.family.name}: the peer went round its list "
                         f"({result.peer.wrapped:,} requests asked a URL again; Datasette has "
                         "no page cache, so they cost what a first request costs)")
    return lines


def markdown(figures: list[FamilyResult], peer: str, checks) -> list[str]:
    out = [f"| family | URLs | req/s | p50 ms | p99 ms | cost ms | {peer} req/s | p50 ms "
           "| p99 ms | CPU ms | ×Datasette | ×Datasette CPU | rows site/Datasette | load "
           "| targets |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
           "| --- | ---: | --- |"]
    for result in figures:
        mine, theirs = _cells(result.project, True), _cells(result.peer, False)
        met = ", ".join(f"{text} {'ok' if ok else '**missed**'}" for name, text, ok in checks
                        if name == result.family.name)
        out.append(f"| {result.family.label} | {result.urls:,} | " + " | ".join(mine[:4])
                   + " | " + " | ".join(theirs[:4]) + f" | {_ratio(result.ratio)} "
                   f"| {_ratio(result.cost_ratio)} | {_rows_text(result)} | {mine[4]} | {met} |")
    out += [""] + [f"- {text}: {'ok' if ok else '**missed**'}" for name, text, ok in checks
                   if not name]
    out += ["", "First URL of each family:", ""]
    out += [f"- {r.family.name}: `{r.family.project[0]}` vs `{r.family.peer[0]}`"
            for r in figures if r.family.project]
    return out


def as_json(figures: list[FamilyResult], checks) -> dict:
    return {
        "families": {
            r.family.name: {
                "label": r.family.label, "urls": r.urls, "ratio": r.ratio,
                "cost_ratio": r.cost_ratio, "rows": r.rows, "problems": r.problems(),
                "project": asdict(r.project) if r.project else None,
                "peer": asdict(r.peer) if r.peer else None,
            } for r in figures
        },
        "targets": [{"family": name, "target": text, "met": ok} for name, text, ok in checks],
    }
