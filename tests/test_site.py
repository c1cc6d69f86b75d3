"""The course website: built from the notebooks' committed outputs and read in a real browser.

One build and one browser session serve every test here (module fixtures): ``.ci/build-site``
builds the site into a temporary folder with every proxy variable pointing at a closed port (a
download attempt would fail the build), a local HTTP server serves it, and headless Chromium,
driven by Playwright, opens the landing page, every notebook page, the instructors' and the
maintainers' pages (the README's sections, included) and a search. Chromium can
resolve no host name but 127.0.0.1, so nothing can leave the machine, and every request a page
makes is recorded. Then, page by page:

* it loads with no console error, no uncaught exception, no failed request and no request to
  anything outside the site;
* its math is typeset by MathJax (every math element holds MathJax's output, none is a TeX
  error) and no raw ``$``, ``$$``, ``\\(`` or ``\\begin{`` is left in the text;
* every figure of the notebook's committed outputs is on it and was loaded (the images in the
  page's cell outputs are counted against the notebook's image outputs);
* it links to its ``.ipynb``, which is the committed notebook byte for byte, and the exercises'
  reference solutions are folded away;
* the left-hand contents group the notebooks by part in order, and previous/next links walk the
  course from the landing page through the last notebook to the maintainers' page.

Across all pages, every internal link resolves: the file exists and so does the ``#id`` it
points at. Screenshots of the landing page and of one notebook page are written to
``_build/screenshots/`` (with ``RNNKIT_SITE_SCREENSHOTS=1``, also to ``site/screenshots/``, the
ones the README shows).

Needs requirements-site.txt, Playwright (requirements-dev.txt) and a Chromium: Debian's
``chromium`` package (``apt-get install chromium``; ``.ci/run`` installs it) or any Chromium or
Chrome named by ``RNNKIT_CHROMIUM``. Without them the tests skip and say what is missing;
under CI (``CI`` set) they fail instead, so CI cannot pass without running them.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "site"))
import course_site  # noqa: E402  (site/course_site.py: the parts, the figure count)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
SCREENSHOT_PAGE = "notebooks/05_lstm_from_scratch"  # math, a figure and the exercises' layout
# The pages after the notebooks (site/index.md's last toctree): the README's sections for them.
BACK_CAPTION = "Teaching and maintaining the course"
BACK_PAGES = ["instructors", "maintainers"]
PAGES = ["index"] + [f"notebooks/{nb.stem}" for nb in NOTEBOOKS] + BACK_PAGES  # in reading order
SUMMARY: dict[str, object] = {}  # read by conftest.py's terminal summary


# --- what is needed, and skipping (never under CI) ------------------------------------------

def _chromium() -> str | None:
    named = os.environ.get("RNNKIT_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _missing() -> str | None:
    for module in ("sphinx", "myst_nb", "sphinx_book_theme", "sphinx_copybutton", "mathjax", "playwright"):
        if importlib.util.find_spec(module) is None:
            return f"the Python package {module!r} is missing: .venv/bin/python -m pip install -r requirements-dev.txt"
    if _chromium() is None:
        if os.environ.get("RNNKIT_CHROMIUM"):
            return f"RNNKIT_CHROMIUM={os.environ['RNNKIT_CHROMIUM']} does not exist"
        return ("no Chromium found: install Debian's chromium (apt-get install chromium), "
                "or name a Chromium or Chrome binary in RNNKIT_CHROMIUM")
    return None


def _skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run the website test, but {reason}", pytrace=False)
    pytest.skip(reason)


def _once(make):
    """A module fixture's body, run at most once: later tests get its result, or its failure again
    at once, so a failed build or browser start cannot be retried test after test."""
    box: dict[str, tuple] = {}

    @functools.wraps(make)
    def run(*args, **kwargs):
        if "done" not in box:
            try:
                box["done"] = (True, make(*args, **kwargs))
            except BaseException as exc:  # pytest's skip and fail outcomes too
                box["done"] = (False, exc)
        ok, value = box["done"]
        if not ok:
            raise value
        return value

    return run


# --- the build --------------------------------------------------------------------------------

class Site:
    def __init__(self, out: Path, seconds: float) -> None:
        self.out, self.seconds = out, seconds

    def page(self, name: str) -> Path:
        return self.out / f"{name}.html"


@pytest.fixture(scope="module")
@_once
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    reason = _missing()
    if reason:
        _skip_or_fail(reason)
    out = tmp_path_factory.mktemp("site") / "html"
    closed = "http://127.0.0.1:9"  # the discard port: any download attempt fails at once
    env = dict(os.environ, HTTP_PROXY=closed, HTTPS_PROXY=closed, http_proxy=closed, https_proxy=closed,
               ALL_PROXY=closed, NO_PROXY="", no_proxy="", PIP_NO_INDEX="1")
    start = time.perf_counter()
    build = subprocess.run([sys.executable, str(ROOT / ".ci" / "build-site"), "--out", str(out), "--python", sys.executable],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - start
    assert build.returncode == 0, f"the site did not build offline:\n{build.stdout}\n{build.stderr}"
    assert not build.stderr.strip(), f"the build printed warnings or errors:\n{build.stderr}"
    SUMMARY["build_s"] = seconds
    return Site(out, seconds)


# --- the browser --------------------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the requests are recorded by the browser instead
        pass


# Everything one page shows that the tests look at, read in the page after it has loaded and
# MathJax has typeset it. Text for the raw-math check: the article's prose, without code cells
# (their outputs may print anything), code, scripts and MathJax's own output.
READ_PAGE = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await document.fonts.ready;
  const article = document.querySelector('article.bd-article');
  const skip = 'div.cell, pre, code, script, style, mjx-container, .math';
  let prose = '';
  if (article) {
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.closest(skip)) { prose += node.textContent + ' '; }
    }
  }
  const math = [...document.querySelectorAll('.math')];
  return {
    title: document.title,
    math: math.length,
    untypeset: math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
    texErrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
    prose: prose,
    figures: [...document.querySelectorAll('div.cell_output img')].map(i => ({src: i.currentSrc, loaded: i.complete && i.naturalWidth > 0})),
    images: [...document.querySelectorAll('img')].map(i => ({src: i.currentSrc, loaded: i.complete && i.naturalWidth > 0})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ipynb: [...document.querySelectorAll('a.course-ipynb')].map(a => a.href),
    prev: (document.querySelector('a.left-prev') || {}).href || null,
    next: (document.querySelector('a.right-next') || {}).href || null,
    solutions: [...document.querySelectorAll('details.hide > summary')]
                 .map(s => ({shown: s.innerText.trim(), open: s.parentElement.open})),
    searchBox: !!document.querySelector('form[action$="search.html"] input[name="q"], .search-button-field, input[name="q"]'),
    nav: [...document.querySelectorAll('.bd-sidebar-primary nav.bd-links p.caption, .bd-sidebar-primary nav.bd-links a.reference')]
           .map(e => e.matches('p.caption') ? {caption: e.textContent.trim()} : {href: e.href}),
  };
}
"""


@pytest.fixture(scope="module")
@_once
def pages(site: Site) -> dict[str, dict]:
    """Open every page once; return what each showed, keyed by its name ('index', 'notebooks/01_...')."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(site.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    names = PAGES
    results: dict[str, dict] = {}
    start = time.perf_counter()
    try:
        with sync_playwright() as p:
            try:
                browser = p.chromium.launch(
                    executable_path=_chromium(),
                    args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--disable-gpu",
                          "--disable-background-networking", "--disable-component-update", "--no-first-run"])
            except PlaywrightError as exc:
                _skip_or_fail(f"Chromium ({_chromium()}) did not start: {str(exc).splitlines()[0]}")
            context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
            context.set_default_timeout(180_000)  # a busy 2-core machine can take long over one page
            page = context.new_page()
            record: dict[str, list] = {}

            def note(kind: str, value: str) -> None:
                record.setdefault(kind, []).append(value)

            page.on("console", lambda m: note("console", f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: note("pageerror", str(e)))
            # A request the browser cancelled (net::ERR_ABORTED: a late favicon when the next page
            # starts loading) is no failure of the site; a missing file is a 404, caught below.
            page.on("requestfailed", lambda r: note("failed", f"{r.url} ({r.failure})")
                    if "ERR_ABORTED" not in (r.failure or "") else None)
            page.on("response", lambda r: note("failed", f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
            page.on("request", lambda r: note("outside", r.url)
                    if urlsplit(r.url).scheme in ("http", "https", "ws", "wss", "ftp") and not r.url.startswith(base) else None)

            for name in names:
                record.clear()
                page.goto(base + name + ".html", wait_until="load")
                seen = page.evaluate(READ_PAGE)
                page.wait_for_timeout(100)  # late console messages and requests
                seen.update({k: list(v) for k, v in record.items()})
                results[name] = seen
                if name in ("index", SCREENSHOT_PAGE):
                    _screenshot(page, name)

            record.clear()
            page.goto(base + "search.html?q=forget+gate", wait_until="load")
            page.wait_for_selector("#search-results ul.search li")
            results["search"] = {
                "hits": page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)"),
                **{k: list(v) for k, v in record.items()},
            }
            browser.close()
    finally:
        server.shutdown()
    SUMMARY["browser_s"] = time.perf_counter() - start
    SUMMARY["pages"] = len(results)
    results["_base"] = {"url": base}
    return results


def _screenshot(page, name: str) -> None:
    """A PNG of what a reader sees first, made small (256 colours) for the README."""
    from PIL import Image

    if name != "index":  # the notebook page: scrolled to its first figure, with the text above it
        page.evaluate("() => { const img = document.querySelector('div.cell_output img');"
                      " if (img) { window.scrollTo(0, img.getBoundingClientRect().top + window.scrollY - 330); } }")
        page.wait_for_timeout(300)
    folder = ROOT / "_build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ("landing.png" if name == "index" else "notebook.png")
    page.screenshot(path=str(target))
    Image.open(target).convert("RGB").quantize(colors=256).save(target, optimize=True)
    if os.environ.get("RNNKIT_SITE_SCREENSHOTS") == "1":
        shutil.copy2(target, ROOT / "site" / "screenshots" / target.name)


def _page_name(url: str, base: str) -> str:
    return unquote(urlsplit(url).path)[len(urlsplit(base).path):].removesuffix(".html")


def _notebook_json(nb: Path) -> dict:
    return json.loads(nb.read_text(encoding="utf-8"))


# --- the build and the pages it made ------------------------------------------------------------

def test_the_site_has_a_page_for_every_notebook(site: Site) -> None:
    assert NOTEBOOKS, "no notebooks/NN_topic.ipynb found"
    missing = [nb.name for nb in NOTEBOOKS if not site.page(f"notebooks/{nb.stem}").is_file()]
    assert not missing, f"notebooks without a page: {missing}"
    for name in ("index", "search", *BACK_PAGES):
        assert site.page(name).is_file(), f"{name}.html was not built"
    assert (site.out / "searchindex.js").is_file(), "no search index"
    assert (site.out / "_static" / "mathjax" / "tex-chtml-full.js").is_file(), "MathJax was not copied into the site"


class _Loads(html.parser.HTMLParser):
    """What an HTML file makes the browser fetch: scripts, images, frames, media, <link> targets."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed", "track") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_no_file_of_the_site_loads_from_elsewhere(site: Site) -> None:
    """Every page, visited or not (genindex.html too), and every style sheet: nothing they make the
    browser fetch lives on another host. Links a reader may follow are not fetched and not counted."""
    offsite = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)
    css_offsite = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])(?:https?:)?//""", re.I)
    offenders = []
    for path in sorted(site.out.rglob("*.html")):
        parser = _Loads()
        parser.feed(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(site.out)}: {url}" for url in parser.urls if offsite.match(url)]
    for path in sorted(site.out.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{path.relative_to(site.out)}: {text[m.start():m.end() + 60]}" for m in css_offsite.finditer(text)]
    assert not offenders, "the site fetches from other hosts:\n" + "\n".join(offenders[:10])


@pytest.mark.parametrize("name", PAGES, ids=lambda n: n.split("/")[-1][:2] if "/" in n else n)
def test_page_loads_cleanly_and_offline(pages: dict, name: str) -> None:
    seen = pages[name]
    assert not seen.get("console"), f"{name}: console errors: {seen['console']}"
    assert not seen.get("pageerror"), f"{name}: uncaught exceptions: {seen['pageerror']}"
    assert not seen.get("failed"), f"{name}: failed requests: {seen['failed']}"
    assert not seen.get("outside"), f"{name}: requests outside the site: {seen['outside']}"
    assert seen["searchBox"], f"{name}: no search box"
    broken = [i["src"] for i in seen["images"] if not i["loaded"]]
    assert not broken, f"{name}: images that did not load: {broken}"


@pytest.mark.parametrize("name", PAGES, ids=lambda n: n.split("/")[-1][:2] if "/" in n else n)
def test_math_is_typeset(pages: dict, name: str) -> None:
    seen = pages[name]
    assert not seen["untypeset"], f"{name}: math MathJax did not typeset: {seen['untypeset'][:5]}"
    assert not seen["texErrors"], f"{name}: TeX errors on the page: {seen['texErrors'][:5]}"
    raw = re.findall(r"\$\$|\\\(|\\\[|\\begin\{|(?<![\w$])\$(?=[^\s$])[^$\n]{1,80}(?<=[^\s$])\$(?![\w$])", seen["prose"])
    assert not raw, f"{name}: raw TeX left in the text: {raw[:5]}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_notebook_math_is_on_its_page(pages: dict, nb: Path) -> None:
    markdown = "".join("".join(c["source"]) for c in _notebook_json(nb)["cells"] if c["cell_type"] == "markdown")
    if "$" in markdown:
        assert pages[f"notebooks/{nb.stem}"]["math"] > 0, f"{nb.name} has math in its text but its page shows none"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_every_committed_figure_appears(pages: dict, nb: Path) -> None:
    expected = course_site.image_outputs(_notebook_json(nb))
    figures = pages[f"notebooks/{nb.stem}"]["figures"]
    assert len(figures) == expected, f"{nb.name}: {expected} image outputs committed, {len(figures)} images on its page"
    assert all(f["loaded"] for f in figures), f"{nb.name}: figures that did not load: {[f['src'] for f in figures if not f['loaded']]}"
    SUMMARY["figures"] = SUMMARY.get("figures", 0) + len(figures)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_page_links_to_its_notebook(pages: dict, site: Site, nb: Path) -> None:
    links = pages[f"notebooks/{nb.stem}"]["ipynb"]
    assert links, f"{nb.name}: its page has no link to the .ipynb"
    target = site.out / unquote(urlsplit(links[0]).path).lstrip("/")
    assert target.name == nb.name and target.is_file(), f"{nb.name}: the page links to {links[0]}, which is not the notebook"
    assert target.read_bytes() == nb.read_bytes(), f"{nb.name}: the .ipynb the page offers differs from the committed notebook"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_solutions_are_folded(pages: dict, nb: Path) -> None:
    answers = sum(course_site.is_solution(c) for c in _notebook_json(nb)["cells"])
    folded = [s for s in pages[f"notebooks/{nb.stem}"]["solutions"] if s["shown"] == course_site.SOLUTION_SHOW and not s["open"]]
    assert len(folded) == answers, (
        f"{nb.name}: {answers} answer cells, {len(folded)} folded behind {course_site.SOLUTION_SHOW!r}")


def test_contents_are_grouped_by_part_in_order(pages: dict) -> None:
    base = pages["_base"]["url"]
    shown, part = [], None
    for entry in pages["index"]["nav"]:
        if "caption" in entry:
            part = entry["caption"]
        elif part is not None:
            shown.append((part, _page_name(entry["href"], base)))
    expected = [(caption, f"notebooks/{Path(n).stem}")
                for caption, members in course_site.group_by_part(nb.name for nb in NOTEBOOKS) for n in members]
    expected += [(BACK_CAPTION, page) for page in BACK_PAGES]
    assert shown == expected, f"left-hand contents {shown} != the parts of site/course_site.py {expected}"


def test_previous_and_next_walk_the_course(pages: dict) -> None:
    base = pages["_base"]["url"]
    order = PAGES
    for before, after in zip(order, order[1:]):
        nxt, prev = pages[before]["next"], pages[after]["prev"]
        assert nxt and _page_name(nxt, base) == after, f"'next' on {before} leads to {nxt}, not {after}"
        assert prev and _page_name(prev, base) == before, f"'previous' on {after} leads to {prev}, not {before}"
    assert pages[order[-1]]["next"] is None, f"the last page's 'next' leads to {pages[order[-1]]['next']}"


class _Ids(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        self.ids.update(value for key, value in attrs if key in ("id", "name") and value)


def test_every_internal_link_resolves(pages: dict, site: Site) -> None:
    base = pages["_base"]["url"]
    links = {link for name, seen in pages.items() if name != "_base" for link in seen.get("links", []) + seen.get("hits", [])}
    internal = sorted(link for link in links if link.startswith(base))
    ids: dict[Path, set[str]] = {}
    broken = []
    for link in internal:
        parts = urlsplit(link)
        target = site.out / unquote(parts.path).lstrip("/")
        if parts.path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{link}: no such file")
            continue
        if parts.fragment and target.suffix == ".html":
            if target not in ids:
                parser = _Ids()
                parser.feed(target.read_text(encoding="utf-8"))
                ids[target] = parser.ids
            if unquote(parts.fragment) not in ids[target]:
                broken.append(f"{link}: no element with id {parts.fragment!r}")
    SUMMARY["links"] = len(internal)
    SUMMARY["external_links"] = len([link for link in links if not link.startswith(base) and urlsplit(link).scheme in ("http", "https")])
    assert internal, "no internal links found: the pages did not load"
    assert not broken, f"{len(broken)} of {len(internal)} internal links do not resolve:\n" + "\n".join(broken[:20])


def test_search_finds_a_notebook_offline(pages: dict) -> None:
    search = pages["search"]
    assert not search.get("console") and not search.get("failed") and not search.get("outside"), search
    hits = [_page_name(h, pages["_base"]["url"]) for h in search["hits"]]
    assert "notebooks/05_lstm_from_scratch" in hits, f"searching 'forget gate' did not find notebook 05: {hits}"


# --- the pieces of site/course_site.py ------------------------------------------------------

def test_every_notebook_is_in_a_part() -> None:
    groups = course_site.group_by_part(nb.name for nb in NOTEBOOKS)
    assert sum(len(members) for _, members in groups) == len(NOTEBOOKS)


def test_parts_follow_the_course_and_reject_strays() -> None:
    names = ["01_a.ipynb", "05_b.ipynb", "06_c.ipynb", "14_d.ipynb", "16_e.ipynb"]
    assert [(c.split(" — ")[0], m) for c, m in course_site.group_by_part(names)] == [
        ("Part I", ["01_a.ipynb", "05_b.ipynb"]), ("Part II", ["06_c.ipynb"]),
        ("Part III", ["14_d.ipynb"]), ("Part IV", ["16_e.ipynb"])]
    with pytest.raises(ValueError, match="in no part"):
        course_site.part_of("17_new.ipynb")
    with pytest.raises(ValueError, match="NN_topic.ipynb"):
        course_site.part_of("attention.ipynb")


def test_the_reader_folds_answer_cells_only() -> None:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "source": "x = 1", "metadata": {"nbgrader": {"solution": True, "grade": False}},
         "outputs": [], "execution_count": None},
        {"cell_type": "code", "id": "b", "source": "check(x)", "metadata": {"nbgrader": {"solution": False, "grade": True}},
         "outputs": [], "execution_count": None},
        {"cell_type": "code", "id": "c", "source": "y = 2", "metadata": {}, "outputs": [], "execution_count": None}]}
    read = course_site.read_notebook(json.dumps(nb))
    assert [c.metadata.get("tags", []) for c in read.cells] == [["hide-input"], [], []]
    assert read.cells[0].metadata["mystnb"]["code_prompt_show"] == course_site.SOLUTION_SHOW


README_TITLES = {"index": "Course", "instructors": "For instructors", "maintainers": "For maintainers"}


def test_the_readme_has_the_regions_the_site_includes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = course_site.regions(readme)
    assert set(found) == set(course_site.REGIONS)
    for page in set(course_site.REGIONS.values()):
        assert (ROOT / "site" / f"{page}.md").is_file(), f"README regions go to site/{page}.md, which does not exist"
    assert "Run it yourself" in found["run"] and "| 01 |" in found["notebooks"]


def test_readme_links_to_its_sections_follow_them_to_their_page() -> None:
    readme = "\n".join([
        "# Title", "<!-- site: intro -->", "See [how](#run-it) and [teachers](#for-instructors).", "<!-- /site: intro -->",
        "<!-- site: notebooks -->", "## Notebooks", "<!-- /site: notebooks -->",
        "<!-- site: run -->", "## Run it", "Back to [the list](#notebooks).", "<!-- /site: run -->",
        "## For instructors", "<!-- site: instructors -->", "### Grading", "<!-- /site: instructors -->",
        "<!-- site: maintainers -->", "Read [grading](#grading).", "<!-- /site: maintainers -->"])
    out = course_site.readme_for_site(readme, README_TITLES)
    assert "[how](index.md#run-it)" in out and "[teachers](instructors.md#for-instructors)" in out
    assert "[the list](index.md#notebooks)" in out and "[grading](instructors.md#grading)" in out
    with pytest.raises(ValueError, match="#nowhere"):
        course_site.readme_for_site(readme.replace("#grading", "#nowhere"), README_TITLES)
    with pytest.raises(ValueError, match="never closed"):
        course_site.regions(readme.replace("<!-- /site: run -->", ""))
    with pytest.raises(ValueError, match="expected the README regions"):
        course_site.regions(readme.replace("site: intro", "site: other"))
