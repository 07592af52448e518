#!/usr/bin/env bash
# Build the documentation site (docs/) into build/docs/html with warnings as
# errors, and run every Python example on its pages (sphinx.ext.doctest).
# Uses the test venv (.venv, as tools/run-tests.sh makes it: the package and
# its test extras, which the examples import) and adds the `docs` extra's
# packages to it without rebuilding the package.  The shell examples are
# run by tests/test_docs.py in the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q ".[test]"
fi
mapfile -t requirements < <(.venv/bin/python -c '
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["docs"]))')
.venv/bin/python -m pip install -q "${requirements[@]}"

out=build/docs
sphinx=(.venv/bin/python -m sphinx -W --keep-going -q -d "$out/doctrees")
"${sphinx[@]}" -E -b html docs "$out/html"   # -E: autodoc reads the installed build afresh
"${sphinx[@]}" -b doctest docs "$out/doctest"
echo "docs: $out/html/index.html; examples passed"
