"""Checks of the layout's rules (issue 17), run by hand: python tools/design_check.py

- the import graph of logpipe has no circle (lazy imports inside functions count too);
- the largest class and module stay under their bounds (200 and 500 lines);
- one search builds its Matcher once per process, whatever the options.
Prints what it finds; exits 1 if a rule is broken.
"""
from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "logpipe"
MAX_CLASS, MAX_MODULE = 200, 500


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, name: str) -> set[str]:
    """The logpipe modules `path` imports (relative imports resolved, submodules named)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("logpipe"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                          or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("logpipe"))
    if isinstance(ast.parse(path.read_text()), ast.Module):
        pass
    return {target for target in found if target != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def sizes() -> tuple[list, list]:
    classes, modules = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        modules.append((len(text.splitlines()), str(path.relative_to(ROOT))))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                classes.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(ROOT)}:{node.name}"))
    return sorted(classes)[-3:], sorted(modules)[-3:]


def matcher_builds() -> dict[str, int]:
    """How many Matchers one search builds in this process, for several option sets."""
    sys.path.insert(0, str(ROOT))
    import tempfile

    from logpipe.options import SearchOptions
    from logpipe.pipeline import matching
    from logpipe.search import run

    built = [0]
    real = matching.Matcher.__init__

    def counting(self, *args, **kwargs):
        built[0] += 1
        real(self, *args, **kwargs)

    matching.Matcher.__init__ = counting
    counts = {}
    with tempfile.TemporaryDirectory() as tree:
        for i in range(3):
            Path(tree, f"{i}.log").write_bytes(b"2026-01-01T00:00:0%dZ error one\nok\n" % i)
        for label, options in {"lines": {}, "-c": {"count": True}, "--json": {"json": True},
                               "--records -C1": {"records": True, "after_context": 1},
                               "--since": {"since": 0.0}, "--sort time": {"sort": "time"},
                               "-j2": {"threads": 2}, "-o --color": {"only_matching": True, "color": "always"},
                               "--histogram --count-by 1": {"histogram": "auto", "count_by": ("1",)}}.items():
            built[0] = 0
            run(SearchOptions(patterns=(b"e(r)+or",), paths=(tree,), **options), io.BytesIO(), io.BytesIO())
            counts[label] = built[0]
    matching.Matcher.__init__ = real
    return counts


def main() -> int:
    graph = {module_name(path): imports(path, module_name(path)) for path in PACKAGE.rglob("*.py")}
    broken = False
    circles = cycles(graph)
    print(f"import graph: {len(graph)} modules, {sum(map(len, graph.values()))} imports, "
          f"{len(circles)} circles" + "".join(f"\n  circle: {' -> '.join(c)}" for c in circles))
    broken |= bool(circles)
    classes, modules = sizes()
    print("largest classes:", ", ".join(f"{name} ({n})" for n, name in reversed(classes)))
    print("largest modules:", ", ".join(f"{name} ({n})" for n, name in reversed(modules)))
    broken |= classes[-1][0] >= MAX_CLASS or modules[-1][0] >= MAX_MODULE
    counts = matcher_builds()
    print("Matchers built per search, in this process:", ", ".join(f"{k}: {v}" for k, v in counts.items()))
    broken |= any(count != 1 for count in counts.values())
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
