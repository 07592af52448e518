"""Sphinx configuration of the zfpcodec documentation (docs/README.md says
how to build it and why Sphinx)."""

import doctest
from importlib.metadata import version as _version

project = "zfpcodec"
author = "the zfpcodec authors"
copyright = "the zfpcodec authors"
release = _version("zfpcodec")  # the installed build documents itself
version = release

extensions = [
    "myst_parser",            # pages are Markdown
    "sphinx.ext.autodoc",     # API reference from the docstrings
    "sphinx.ext.napoleon",    # ... which are NumPy-style
    "sphinx.ext.doctest",     # every Python block on a page is a test
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "_scripts"]
# a single-backtick name in a docstring links to the object when it can
default_role = "py:obj"

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = False
napoleon_numpy_docstring = True

# doctest: the pages' {doctest} and {testcode} blocks, plus docstring
# examples, run in a scratch directory, so files they write go away
doctest_global_setup = """
import os as _os, tempfile as _tempfile
_docs_cwd = _os.getcwd()
_docs_tmp = _tempfile.TemporaryDirectory()
_os.chdir(_docs_tmp.name)
"""
doctest_global_cleanup = """
_os.chdir(_docs_cwd)
_docs_tmp.cleanup()
"""
# exception messages are part of what the pages promise: compare them too
# (Sphinx's default adds IGNORE_EXCEPTION_DETAIL)
doctest_default_flags = (doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
                         | doctest.DONT_ACCEPT_TRUE_FOR_1)

html_theme = "furo"
html_title = f"zfpcodec {release}"
html_static_path = ["_static"]
