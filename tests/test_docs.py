"""The documentation site's examples are real: every shell example
(```` ```console ```` blocks) runs, in order, in an empty directory and
prints what the page says; every Python example is a doctest that
tools/build-docs.sh runs (sphinx.ext.doctest), so none may hide in a plain
code block.  docs/README.md explains the conventions."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if p.name != "README.md")
FENCE = re.compile(r"^(`{3,})(\S*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
DOCTEST_DIRECTIVES = {"{doctest}", "{testcode}", "{testoutput}", "{testsetup}",
                      "{testcleanup}"}
PROMPT = "$ "
# ELLIPSIS: `...` stands for what varies between runs (speeds)
CHECKER_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def fenced_blocks(page: Path) -> list[tuple[str, str]]:
    """(info string's first word, body) of each fenced block on a page."""
    return [(match[2], match[3]) for match in FENCE.finditer(page.read_text())]


def console_examples(page: Path) -> list[tuple[str, str]]:
    """(command, expected output) of every `$ ` line in a page's console blocks."""
    examples = []
    for language, body in fenced_blocks(page):
        if language != "console":
            continue
        for chunk in re.split(r"^(?=\$ )", body, flags=re.M):
            if chunk.strip():
                command, _, output = chunk.partition("\n")
                assert command.startswith(PROMPT), f"{page.name}: output before a command"
                examples.append((command[len(PROMPT):], output))
    return examples


def test_the_site_has_its_pages():
    names = {str(p.relative_to(DOCS)) for p in PAGES}
    assert {"index.md", "getting-started.md", "modes.md", "performance.md", "api.md",
            "format.md", "differences-from-zfpy.md", "hdf5.md", "missing-values.md",
            "masked-format.md", "zfpy-api.md", "doors/zfpy.md", "doors/numcodecs.md",
            "doors/zarr3.md", "doors/xarray.md", "doors/cloud.md",
            "doors/cli.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_python_example_escapes_the_doctests(page):
    for language, body in fenced_blocks(page):
        if language in DOCTEST_DIRECTIVES:
            continue
        assert language not in ("python", "py", "pycon", "ipython"), (
            f"{page.name}: a ```{language} block is not tested; make it a "
            "```{doctest} or ```{testcode} block")
        assert ">>> " not in body, f"{page.name}: '>>>' outside a doctest block"


def test_the_shell_examples_run_as_shown(tmp_path):
    examples = console_examples(DOCS / "doors" / "cli.md")
    assert len(examples) >= 8
    # the test venv's zfpcodec and python first, as for a reader who
    # installed the package
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}"
               f"{os.environ.get('PATH', '')}", COLUMNS="100")
    checker = doctest.OutputChecker()
    for command, expected in examples:
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, f"$ {command}\n{done.stdout}"
        assert checker.check_output(expected, done.stdout, CHECKER_FLAGS), (
            f"$ {command}\nexpected:\n{expected}\ngot:\n{done.stdout}")

