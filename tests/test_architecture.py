"""The shape of engine/: imports run one way, with no cycle, and no module is too long to read.

The import graph is built from the source with ast, so nothing is imported: every `import` and
`from … import` anywhere in a module counts (inside functions too), relative imports are resolved,
and `from package import name` is an edge to the package's __init__ unless `name` is a submodule
(then it is an edge to the submodule)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"
MAX_LINES = 500

# Lowest first: a module may import modules of its own layer or of lower layers, never higher.
# `engine` itself and the leaf modules directly under it (report model, template, dialect …) are
# the base every stage may use.
LAYERS = (
    ("base", ("engine",)),
    ("ingest", ("engine.ingest",)),
    ("parse", ("engine.parse",)),
    ("facts", ("engine.facts",)),
    ("rules", ("engine.rules",)),
    ("evaluate", ("engine.evaluate",)),
    ("score", ("engine.score",)),
    ("render", ("engine.render",)),
    ("ledger", ("engine.ledger",)),
    ("run", ("engine.run",)),
    ("web", ("engine.web",)),
    ("cli", ("engine.cli", "engine.__main__")),
)
BASE_MODULES = ("engine", "engine.model", "engine.template", "engine.dialect", "engine.evidence",
                "engine.yamlfile", "engine.yaml_guard", "engine.spool", "engine.paths",
                "engine.dates", "engine.sources", "engine.lazy", "engine.fastcopy", "engine.code_cache",
                "engine.regex_cache")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ENGINE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def engine_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ENGINE.rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The engine modules `name` imports (anywhere in its source)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.add(_known_prefix(alias.name, modules))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in modules else _known_prefix(base, modules))
    out.discard("")
    out.discard(name)
    return out


def _known_prefix(dotted: str, modules: dict[str, Path]) -> str:
    """The longest prefix of `dotted` that is an engine module ("" for other packages)."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return ""


def import_graph() -> dict[str, set[str]]:
    modules = engine_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as [a, b, …, a], or None."""
    state: dict[str, int] = {}          # 1 on the current path, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def layer_of(name: str) -> int | None:
    if name in BASE_MODULES:
        return 0
    for i, (_, prefixes) in enumerate(LAYERS):
        if i and any(name == p or name.startswith(p + ".") for p in prefixes):
            return i
    return None


def test_the_graph_sees_every_kind_of_import(tmp_path):
    # the parser of imports itself: relative, function-level, package names and submodules
    modules = {"engine": Path("engine/__init__.py"), "engine.a": Path("engine/a/__init__.py"),
               "engine.a.b": Path("engine/a/b.py"), "engine.a.c": Path("engine/a/c.py"),
               "engine.d": Path("engine/d.py")}
    src = tmp_path / "b.py"
    src.write_text("from . import c\nfrom .. import d\nimport os\n"
                   "def f():\n    from engine.a import thing\n    import engine.d.x\n",
                   encoding="utf-8")
    assert imports_of("engine.a.b", src, modules) == {"engine.a.c", "engine.d", "engine.a"}
    assert find_cycle({"x": {"y"}, "y": {"z"}, "z": {"x"}}) == ["x", "y", "z", "x"]
    assert find_cycle({"x": {"y"}, "y": set()}) is None


def test_no_import_cycle_in_engine():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_every_engine_module_has_a_layer():
    unplaced = sorted(n for n in engine_modules() if layer_of(n) is None)
    assert not unplaced, (f"modules in no layer: {unplaced} — add their package to LAYERS (or a "
                          "leaf module to BASE_MODULES) in tests/test_architecture.py")


def test_lower_layers_do_not_import_higher_ones():
    upward = []
    for name, targets in sorted(import_graph().items()):
        own = layer_of(name)
        for target in sorted(targets):
            other = layer_of(target)
            if own is not None and other is not None and other > own:
                upward.append(f"{name} ({LAYERS[own][0]}) imports {target} ({LAYERS[other][0]})")
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_no_module_is_over_500_lines():
    long = []
    for name, path in engine_modules().items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            long.append(f"{path.relative_to(ENGINE.parent)}: {n} lines")
    assert not long, f"modules over {MAX_LINES} lines: {long}"


LAZY = re.compile(r"\blaz(y|ily)\b", re.IGNORECASE)


def function_level_imports(path: Path) -> list[int]:
    """Lines of the imports inside functions whose group carries no comment saying the load is
    lazy on purpose (on the import's line, or on the comment lines right above its group)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines), str(path))
    bare = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                i = node.lineno - 1
                said = LAZY.search(lines[i])
                while not said and i > 0:
                    i -= 1
                    text = lines[i].strip()
                    if not (text.startswith(("#", "import ", "from ")) or text == ""):
                        break
                    said = LAZY.search(text)
                if not said:
                    bare.append(node.lineno)
    return bare


def test_imports_inside_functions_are_deliberate_lazy_loads():
    bare = [f"{path.relative_to(ENGINE.parent)}:{line}" for path in sorted(ENGINE.rglob("*.py"))
            for line in function_level_imports(path)]
    assert not bare, ("imports inside functions without a comment saying why they are lazy "
                      "(import at module level, or comment the deliberate lazy load): " + ", ".join(bare))


def test_the_lazy_import_check_tells_bare_from_commented(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def f():\n    x = 1\n    import json\n    return json\n\n"
                   "def g():\n    # a deliberate lazy load: heavy\n    import pandas\n    from x import y\n",
                   encoding="utf-8")
    assert function_level_imports(src) == [3]
