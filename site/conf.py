"""Sphinx configuration of the course website (MyST-NB + the Jupyter Book theme).

Build it with ``.ci/build-site``: it stages ``site/*.md`` and ``notebooks/NN_*.ipynb`` in
``_build/site-src`` and runs Sphinx with this folder as the configuration directory. Nothing
is executed (the pages show the committed outputs) and nothing is downloaded: the theme comes
from its pip package, MathJax 3 from the ``django-static-mathjax`` pip package (pinned in
requirements-site.txt, copied into ``_static/mathjax``), and search is Sphinx's own.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import course_site  # noqa: E402  (lives beside this file)

project = "Recurrent neural networks, from numpy loops to Keras cells"
html_title = "RNNs: numpy loops to Keras cells"
author = "the course's authors"
copyright = "the course's authors, MIT license"  # noqa: A001  (Sphinx's name)
language = "en"

extensions = ["myst_nb", "sphinx_copybutton"]
templates_path = [str(HERE / "_templates")]
html_static_path = [str(HERE / "_static")]
html_css_files = ["course.css"]
exclude_patterns = ["README.md", "_build", "**/.ipynb_checkpoints"]
root_doc = "index"

# --- notebooks: committed outputs, never executed --------------------------------------
nb_execution_mode = "off"
nb_custom_formats = {".ipynb": "course_site.read_notebook"}  # solutions collapsed, see course_site.py
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# --- math: MathJax 3 from a pip package, served from _static -----------------------------
# Sphinx 9's default is MathJax 4 from a CDN; the site must work offline.
mathjax_path = "mathjax/tex-chtml-full.js"
mathjax3_config = {"options": {}}  # myst-parser fills in the classes to typeset
MATHJAX_PARTS = ["tex-chtml-full.js", "output/chtml/fonts/woff-v2", "a11y", "sre", "ui"]

# --- HTML: the Jupyter Book theme ---------------------------------------------------------
html_theme = "sphinx_book_theme"
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
}
html_sourcelink_suffix = ""  # _sources/notebooks/NN_topic.ipynb is the committed notebook, byte for byte
html_copy_source = True
html_favicon = str(HERE / "_static" / "favicon.svg")
html_context = {"default_mode": "auto"}  # light or dark as the reader's system says
html_show_sphinx = False
html_last_updated_fmt = None

# Warnings fail the build (.ci/build-site passes -W): a broken cross-reference or a notebook in
# no table of contents is an error, not a line in a log.
suppress_warnings = ["myst.header"]  # notebooks may skip a heading level (#### inside ##)


def _mathjax_source() -> Path:
    import mathjax  # the django-static-mathjax package: MathJax 3's distribution as package data

    return Path(mathjax.__file__).resolve().parent / "static" / "mathjax"


def _copy_mathjax(app, exception) -> None:
    """Copy the parts of MathJax the pages use (the combined TeX/CHTML file, its fonts, the menu's
    accessibility extensions) into _static/mathjax, with MathJax's license."""
    if exception is not None or app.builder.format != "html":
        return
    source, target = _mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src, dst = source / "es5" / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    shutil.copy2(source / "LICENSE", target / "LICENSE")


def _notebook_pages(app) -> list[str]:
    folder = Path(app.srcdir) / "notebooks"
    return sorted(p.name for p in folder.glob("[0-9][0-9]_*.ipynb"))


def _fill_toctree(app, docname: str, source: list[str]) -> None:
    """Replace the landing page's placeholder with one captioned toctree per part."""
    if docname == root_doc:
        marker = "<!-- the parts' tables of contents -->"
        if marker not in source[0]:
            raise RuntimeError(f"index.md lost its placeholder line {marker!r}")
        source[0] = source[0].replace(marker, course_site.toctree_markdown(_notebook_pages(app)))


def _page_context(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Tell the templates which pages are notebooks, and where their .ipynb is."""
    if pagename.startswith("notebooks/") and context.get("page_source_suffix") == ".ipynb":
        context["course_notebook"] = pagename.split("/", 1)[1] + ".ipynb"


def setup(app):
    app.connect("source-read", _fill_toctree)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
