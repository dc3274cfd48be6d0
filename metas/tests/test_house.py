"""Guard rails for the house (issue 18): the folders show the design, and the design holds.

Each module of metas/ stands on a floor; it may import from its own floor or below, never from
above, and no two modules import each other, however indirectly. Imports sit at the top of
their module, where a reader sees them; one inside a function only loads a heavy optional
library, and says so in a comment.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Bottom to top. A module's floor is that of the longest prefix listed.
FLOORS = [
    # 0: pure Python, no models
    ["metas.text", "metas.periods", "metas.units", "metas.presentation"],
    # 1: the data
    ["metas.models", "metas.counts"],
    # 2: rules over the data
    ["metas.bulk", "metas.search", "metas.history", "metas.territory", "metas.accountability",
     "metas.http"],
    ["metas.filters"],
    ["metas.opendata"],
    # what changes published data, through one door
    ["metas.publication"],
    ["metas.importer", "metas.demo"],
    # what answers a request or a command
    ["metas.staff", "metas.views", "metas.admin", "metas.templatetags", "metas.management",
     "metas.urls", "metas.apps"],
]
# Libraries slow or heavy enough to load only where they are needed.
HEAVY = {"pdfplumber", "pdfminer", "openpyxl", "cv2", "pytesseract", "img2table", "xlrd"}
MAX_TOP_LEVEL_MODULES = 14
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in ROOT.rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
    }


MODULES = source_modules()


def floor_of(module: str) -> int:
    best = None
    for floor, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > len(best[1]):
                    best = (floor, prefix)
    assert best is not None, f"{module} stands on no floor: add it to FLOORS"
    return best[0]


def imported_modules(module: str, path: Path):
    """(line, imported module of metas) for every import of the module, wherever it sits."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""])
            else:
                base = node.module or ""
            targets = [f"{base.rstrip('.')}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            # A package's own __init__ is not a dependency of its modules.
            if target and target != module and not module.startswith(target + "."):
                yield node.lineno, target


def loads_heavy_library(module: str) -> bool:
    """Whether the module imports a heavy library at its top level."""
    for node in ast.parse(MODULES[module].read_text()).body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        if any(name.split(".")[0] in HEAVY for name in names):
            return True
    return False


GRAPH = {module: dict((t, line) for line, t in imported_modules(module, path))
         for module, path in MODULES.items()}


def test_every_module_stands_on_a_floor():
    for module in MODULES:
        if module != "metas":
            floor_of(module)


def test_no_import_runs_up_a_floor():
    upward = [
        f"{MODULES[module].relative_to(ROOT.parent)}:{line} imports {target} "
        f"(floor {floor_of(target)} above {floor_of(module)})"
        for module, targets in GRAPH.items() if module != "metas"
        for target, line in targets.items()
        if floor_of(target) > floor_of(module)
    ]
    assert not upward, "\n".join(upward)


def strongly_connected(graph: dict) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that reach each other."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_no_import_circle():
    assert strongly_connected(GRAPH) == []


def lazily_imported(module: str, path: Path, node) -> list[str]:
    """The libraries or modules of ours an import statement inside a function loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module or ""]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).rstrip(".")
    return [base if base in MODULES else f"{base}.{alias.name}" for alias in node.names]


def says_why(lines: list[str], index: int) -> bool:
    """Whether a comment stands right above this import and the imports just before it."""
    while index > 0 and lines[index - 1].strip().startswith(("import ", "from ")):
        index -= 1
    return index > 0 and lines[index - 1].strip().startswith("#")


def test_imports_sit_at_the_top_of_their_module():
    hidden = []
    for module, path in MODULES.items():
        lines = path.read_text().splitlines()
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                heavy = all(
                    name.split(".")[0] in HEAVY or (name in MODULES and loads_heavy_library(name))
                    for name in lazily_imported(module, path, node)
                )
                commented = "#" in lines[node.lineno - 1] or says_why(lines, node.lineno - 1)
                if not (heavy and commented):
                    where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                    hidden.append(f"{where} {lines[node.lineno - 1].strip()}")
    assert not hidden, "\n".join(hidden)


def test_the_top_floor_of_metas_stays_small():
    top = sorted(path.name for path in ROOT.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_functions_are_short():
    """A long function is several jobs; declarative lists are module-level data instead."""
    long = [
        f"{MODULES[module].relative_to(ROOT.parent)}:{node.lineno} {node.name}: "
        f"{node.end_lineno - node.lineno + 1} lines"
        for module in MODULES
        for node in ast.walk(ast.parse(MODULES[module].read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, "\n".join(long)
