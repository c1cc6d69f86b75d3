"""What the course website does to a notebook on its way to a page (and nothing to the file).

Used by ``site/conf.py``; ``.ci/build-site`` runs the build. Three things live here:

* ``PARTS``: the course's parts and which notebook numbers belong to each, read by the
  landing page's table of contents. A new notebook ``NN_topic.ipynb`` appears under its part
  with no change anywhere; a new part is one line here.
* ``read_notebook``: MyST-NB's reader for ``.ipynb`` files. It collapses the reference
  solutions of the exercises (nbgrader's answer cells) behind "Show the solution", so a
  learner reading the site meets the exercise before its answer. The committed notebook,
  which the page links to, is not changed.
* ``image_outputs``: how many figures a notebook's committed outputs hold, the number the
  browser test expects to see on its page.
* ``readme_for_site``: the README as the site's pages include it. The landing page and the
  instructors' and maintainers' pages take the README's regions between ``<!-- site: NAME -->``
  and ``<!-- /site: NAME -->`` (``REGIONS`` says which page takes which), so the README and the
  site say the same; a README link to one of its own sections (``#run-it-yourself``) becomes a
  link to the page that shows that section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# (caption, first notebook number, last notebook number); COURSE.md's parts.
PARTS: list[tuple[str, int, int]] = [
    ("Part I — From scratch in numpy", 1, 5),
    ("Part II — Keras", 6, 7),
    ("Part III — The task shapes on real data", 8, 14),
    ("Part IV — Beyond the recurrence", 15, 16),
]

# README region -> the site page (site/NAME.md) that includes it.
REGIONS: dict[str, str] = {
    "intro": "index",
    "notebooks": "index",
    "run": "index",
    "instructors": "instructors",
    "maintainers": "maintainers",
}

NOTEBOOK = re.compile(r"^(\d\d)_\w+\.ipynb$")
SOLUTION_SHOW = "Show the solution"
SOLUTION_HIDE = "Hide the solution"


def notebook_number(name: str) -> int:
    """``"05_lstm_from_scratch.ipynb"`` -> 5; ``ValueError`` for a name that is not ``NN_topic.ipynb``."""
    match = NOTEBOOK.match(name)
    if not match:
        raise ValueError(f"expected a notebook named NN_topic.ipynb, received {name!r}")
    return int(match.group(1))


def part_of(name: str) -> str:
    """The caption of the part a notebook belongs to; ``ValueError`` naming the parts if none."""
    number = notebook_number(name)
    for caption, first, last in PARTS:
        if first <= number <= last:
            return caption
    ranges = ", ".join(f"{first:02d}-{last:02d}" for _, first, last in PARTS)
    raise ValueError(f"notebook {name} is in no part (parts cover {ranges}): add it to PARTS in site/course_site.py")


def group_by_part(names: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The notebooks in course order, grouped under their part's caption (parts without notebooks left out)."""
    names = sorted(names)
    groups = []
    for caption, _, _ in PARTS:
        members = [n for n in names if part_of(n) == caption]
        if members:
            groups.append((caption, members))
    return groups


def toctree_markdown(names: Iterable[str], folder: str = "notebooks") -> str:
    """One hidden MyST toctree per part, captioned, listing that part's notebooks in order.

    Hidden: they make the left-hand table of contents and the previous/next links; the landing
    page shows the notebooks as the README's table.
    """
    blocks = []
    for caption, members in group_by_part(names):
        entries = "\n".join(f"{folder}/{Path(n).stem}" for n in members)
        blocks.append(f"```{{toctree}}\n:caption: {caption}\n:hidden:\n:maxdepth: 1\n\n{entries}\n```\n")
    return "\n".join(blocks)


def is_solution(cell: dict) -> bool:
    """An nbgrader answer cell: code whose reference solution a student version replaces."""
    grader = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(grader.get("solution")) and not grader.get("grade")


def read_notebook(text: str):
    """MyST-NB reader: the notebook as committed, its answer cells collapsed behind "Show the solution"."""
    import nbformat  # here, so that .ci/build-site can import this module with a bare Python

    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        if is_solution(cell):
            tags = cell.metadata.setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")
            cell.metadata["mystnb"] = {"code_prompt_show": SOLUTION_SHOW, "code_prompt_hide": SOLUTION_HIDE}
    return nb


def image_outputs(nb: dict) -> int:
    """How many images the committed outputs of a notebook display (one per output with an image type)."""
    return sum(
        1
        for cell in nb.get("cells", [])
        for output in cell.get("outputs", [])
        if any(mime.startswith("image/") for mime in output.get("data", {}))
    )


def slug(heading: str) -> str:
    """GitHub's (and MyST's) anchor of a heading: ``"What a GPU changes"`` -> ``"what-a-gpu-changes"``."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def regions(readme: str) -> dict[str, str]:
    """The README's site regions by name; ``ValueError`` for one that is unclosed, unknown or missing."""
    found = {}
    for match in re.finditer(r"<!-- site: (\w+) -->\n(.*?)<!-- /site: \1 -->", readme, re.S):
        found[match.group(1)] = match.group(2)
    opened = set(re.findall(r"<!-- site: (\w+) -->", readme))
    if opened - set(found):
        raise ValueError(f"README regions opened but never closed: {sorted(opened - set(found))}")
    if set(found) != set(REGIONS):
        raise ValueError(f"expected the README regions {sorted(REGIONS)}, received {sorted(found)}")
    return found


def readme_for_site(readme: str, titles: dict[str, str]) -> str:
    """The README with every ``](#anchor)`` link pointed at the site page that shows that heading.

    ``titles`` maps each site page (``"instructors"``) to its own title (``"For instructors"``),
    whose anchor lives on that page too. A link to a heading that no site page shows raises
    ``ValueError`` naming it: the site would have a dead link.
    """
    where = {slug(title): page for page, title in titles.items()}
    for name, text in regions(readme).items():
        for heading in re.findall(r"^#{1,6} +(.+?) *$", text, re.M):
            where[slug(heading)] = REGIONS[name]

    def point(match: re.Match) -> str:
        anchor = match.group(1)
        if anchor not in where:
            raise ValueError(f"the README links to #{anchor}, a section no page of the site shows")
        return f"]({where[anchor]}.md#{anchor})"

    return re.sub(r"\]\(#([\w-]+)\)", point, readme)
