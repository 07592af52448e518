"""The package's structure: no import cycles between its modules (deferred
imports inside functions count too), so each concept has one owner that
the others build on."""

from __future__ import annotations

import ast
from pathlib import Path

import zfpcodec

PACKAGE = Path(zfpcodec.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """The zfpcodec modules that the module `name` at `path` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else (
                base if node.level else node.module or "")
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path, name) if m in modules and m != name}
            for name, path in modules.items()}


def test_the_package_has_no_import_cycle():
    graph = _graph()
    assert {"zfpcodec.modes", "zfpcodec.codec", "zfpcodec.zarr3"} <= set(graph)
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = path[path.index(name):] + (name,)
            # a package's __init__ re-exporting its own modules is not a cycle
            # unless a module imports the package back
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for target in graph[name]:
            if not name.startswith(target + "."):  # a submodule needs its package loaded
                visit(target, path + (name,))
        done.add(name)

    for name in graph:
        visit(name, ())


def test_the_codec_modules_share_modes_and_never_import_each_other():
    graph = _graph()
    assert "zfpcodec.zarr3" not in graph["zfpcodec.codec"]
    assert "zfpcodec.codec" not in graph["zfpcodec.zarr3"]
    assert "zfpcodec.modes" in graph["zfpcodec.codec"] & graph["zfpcodec.zarr3"]
