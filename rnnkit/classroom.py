"""Classroom assignments with nbgrader: mark the exercises, make student versions, autograde.

The course notebooks follow nbgrader's conventions (https://nbgrader.readthedocs.io):
each exercise is a code cell whose solution sits between ``### BEGIN SOLUTION``
and ``### END SOLUTION``, followed by a check cell that calls :mod:`rnnkit.checks`
(or holds plain asserts) and fails when the answer is wrong. This module turns
that convention into nbgrader cell metadata and drives nbgrader itself::

    python -m rnnkit.classroom mark --all                  # store nbgrader metadata in the source notebooks
    python -m rnnkit.classroom student --out DIR [NB ...]  # student versions (solutions stripped) in DIR
    python -m rnnkit.classroom course DIR [NB ...]         # an nbgrader course directory to work in
    python -m rnnkit.classroom autograde SUBMISSIONS       # grade DIR/<student>/<assignment>/*.ipynb

``mark`` needs only nbformat; the other commands need nbgrader
(``pip install nbgrader==0.9.6``, in requirements-classroom.txt), which is imported only when
they run, so ``import rnnkit`` never needs it.

What ``mark`` writes (nbgrader cell metadata, schema version 3):

* a code cell with a ``### BEGIN SOLUTION`` line becomes an **autograded answer**
  cell (``solution: true``) with ``grade_id`` = the name of the function it defines;
* the cell right after it becomes a **graded, locked test** cell
  (``grade: true, locked: true``) with ``grade_id`` = ``<name>-check`` and
  ``points`` = the number of ★ in the exercise's heading (★ = 1, ★★ = 2, ★★★ = 3).
  Lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` in it are
  removed from the student version and put back when grading;
* every other cell is left alone (students may edit and re-run them freely);
  stale ``grade``/``solution`` marks on cells that are no longer exercises are removed.

Each notebook is its own nbgrader assignment, named after the file
(``01_sequences_and_shapes``).

Grading what was released: ``student`` records in each student notebook's metadata
(``metadata.rnnkit_release``) a fingerprint of its graded check cells (hidden tests
included) and of rnnkit's check modules, with the git commit the course was at.
``autograde`` refuses to grade a submission whose notebook or checks have changed
since (e.g. after a ``git pull``) and says how to grade against the release;
``--allow-changed`` grades anyway, with a warning.

nbgrader logs "Attribute 'checksum' for cell ... has changed!" for every check cell
with hidden tests (nbgrader issue #1961: the checksum it stores is computed before
the hidden tests are removed). It is harmless: nbgrader grades with the original
cell. ``autograde`` reads nbgrader's log, passes over that warning for the cells that
have hidden tests and reports it for every other cell, where it means that a student
edited a locked cell (nbgrader still grades the original).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import nbformat

__all__ = [
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "BEGIN_HIDDEN_TESTS",
    "END_HIDDEN_TESTS",
    "CODE_STUB",
    "ClassroomError",
    "Exercise",
    "Score",
    "find_exercises",
    "mark_notebook",
    "mark",
    "stray_markers",
    "nbgrader_config",
    "make_course",
    "student_versions",
    "autograde",
    "release_record",
    "write_scores_csv",
    "default_notebooks",
    "resolve_notebooks",
    "main",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN_TESTS = "### BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "### END HIDDEN TESTS"
#: What replaces a solution region in the student version (nbgrader's own default stub).
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
SCHEMA_VERSION = 3
STAR = "★"
COURSE_ID = "rnn-course"
#: Seconds a cell may run while autograding (nbgrader's default, 30 s, is too short for a full-mode training cell;
#: notebook 15's took 26 minutes on two CPU cores).
GRADING_CELL_TIMEOUT = 2400

NOTEBOOKS_DIR = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
#: Where ``student`` records what was released, in each student notebook's metadata.
RELEASE_KEY = "rnnkit_release"
#: The rnnkit modules whose code decides a grade (the checks and their shared machinery).
CHECK_MODULES = ("checks.py", "checks_keras.py", "checks_data.py", "checks_seq2seq.py", "checks_text.py",
                 "checks_attention.py", "checks_distributed.py", "_validate.py")
INSTALL_HINT = "pip install nbgrader==0.9.6 (it is in requirements-classroom.txt)"


class ClassroomError(Exception):
    """A notebook cannot be marked or graded as asked; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook: its answer cell, its check cell and its points."""

    number: int  #: 1, 2, ... in notebook order
    title: str  #: the exercise's markdown heading, without the leading #'s
    name: str  #: grade_id of the answer cell (the function it defines)
    solution_cell: int  #: index of the answer cell in ``nb.cells``
    check_cell: int  #: index of the check cell (the cell right after)
    points: int  #: number of ★ in the heading

    @property
    def check_name(self) -> str:
        """grade_id of the check cell."""
        return f"{self.name}-check"


@dataclasses.dataclass(frozen=True)
class Score:
    """The autograded score of one student's submission of one assignment."""

    student: str
    assignment: str
    score: float
    max_score: float
    #: grade_id -> (score, max score) for each graded check cell
    cells: dict[str, tuple[float, float]] = dataclasses.field(default_factory=dict)


# --------------------------------------------------------------------------
# Finding and marking exercises (nbformat only)
# --------------------------------------------------------------------------


def _has_line(source: str, marker: str) -> bool:
    return any(line.strip() == marker for line in source.splitlines())


def _check_regions(source: str, begin: str, end: str, where: str) -> None:
    """Raise unless every ``begin`` line is closed by an ``end`` line, without nesting."""
    inside = False
    for line in source.splitlines():
        s = line.strip()
        if s == begin:
            if inside:
                raise ClassroomError(f"{where}: nested '{begin}' (close the first region with '{end}')")
            inside = True
        elif s == end:
            if not inside:
                raise ClassroomError(f"{where}: '{end}' without a '{begin}' before it")
            inside = False
    if inside:
        raise ClassroomError(f"{where}: '{begin}' is never closed by '{end}'")


def _check_marker_lines(source: str, where: str) -> None:
    """Raise if a code line contains a marker word without being exactly the marker (nbgrader would act on it)."""
    markers = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
    for line in source.splitlines():
        if any(w in line for w in _MARKER_WORDS) and line.strip() not in markers:
            raise ClassroomError(
                f"{where}: the line {line.strip()!r} contains a marker word; nbgrader acts on any line containing it, "
                f"so write the marker alone on its line ({', '.join(markers)}) or reword it"
            )


def _exercise_heading(nb: nbformat.NotebookNode, before: int, stop: int) -> tuple[str, int] | None:
    """The exercise's title line and its number of ★: the nearest markdown cell with a ★ above cell ``before``.

    Only cells after ``stop`` (the previous exercise's check cell) are searched. In that
    cell, the line with both "Exercise" and ★ wins (a heading ``### Exercise 2 ★★: ...`` or a
    bold lead-in ``**Exercise 2 (★★): ...**``), else the first line with a ★.
    """
    for i in range(before - 1, stop, -1):
        cell = nb.cells[i]
        if cell.cell_type != "markdown" or STAR not in cell.source:
            continue
        lines = [ln for ln in cell.source.splitlines() if STAR in ln]
        named = [ln for ln in lines if "exercise" in ln.lower()]
        line = named[-1] if named else lines[0]
        title = line.strip().lstrip("#*- ").split("**")[0].strip()
        return title, line.count(STAR)
    return None


def find_exercises(nb: nbformat.NotebookNode, where: str = "notebook") -> list[Exercise]:
    """The exercises of ``nb``: every code cell with a ``### BEGIN SOLUTION`` line and the cell after it.

    Raises :class:`ClassroomError` if a region is not closed, an answer cell has no
    check cell after it, or no ★ heading says how hard the exercise is.
    """
    exercises: list[Exercise] = []
    used: set[str] = set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        _check_marker_lines(cell.source, f"{where}, cell {i}")
        if not _has_line(cell.source, BEGIN_SOLUTION):
            _check_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION, f"{where}, cell {i}")
            continue
        number = len(exercises) + 1
        here = f"{where}, exercise {number} (cell {i})"
        _check_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION, here)
        j = i + 1
        if j >= len(nb.cells) or nb.cells[j].cell_type != "code" or _has_line(nb.cells[j].source, BEGIN_SOLUTION):
            raise ClassroomError(
                f"{here}: the cell after an answer cell must be a code cell that checks it "
                "(e.g. `checks.rnn_step(rnn_step)` or plain asserts)"
            )
        _check_regions(nb.cells[j].source, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS, f"{where}, check cell {j}")
        if _has_line(cell.source, BEGIN_HIDDEN_TESTS):
            raise ClassroomError(f"{here}: hidden tests belong in the check cell after the answer cell, not in the answer cell")
        heading = _exercise_heading(nb, i, exercises[-1].check_cell if exercises else -1)
        if heading is None:
            raise ClassroomError(
                f"{here}: no markdown cell above it gives its difficulty (★ to ★★★, e.g. '### Exercise 2 ★★: ...'); "
                "the ★ are its points"
            )
        title, points = heading
        # the first top-level function or class the answer cell defines (not a method inside a class)
        match = re.search(r"^(?:def|class)\s+([A-Za-z_]\w*)", cell.source, flags=re.MULTILINE)
        name = match.group(1) if match else f"exercise{number}"
        base, k = name, 2
        while name in used or f"{name}-check" in used:
            name, k = f"{base}_{k}", k + 1
        used.update({name, f"{name}-check"})
        exercises.append(Exercise(number, title, name, i, j, points))
    return exercises


def _solution_meta(grade_id: str) -> dict[str, Any]:
    return {
        "grade": False,
        "grade_id": grade_id,
        "locked": False,
        "schema_version": SCHEMA_VERSION,
        "solution": True,
        "task": False,
    }


def _test_meta(grade_id: str, points: int) -> dict[str, Any]:
    return {
        "grade": True,
        "grade_id": grade_id,
        "locked": True,
        "points": points,
        "schema_version": SCHEMA_VERSION,
        "solution": False,
        "task": False,
    }


def mark_notebook(nb: nbformat.NotebookNode, where: str = "notebook") -> tuple[bool, list[Exercise]]:
    """Store nbgrader metadata for every exercise of ``nb`` in place; return (changed, exercises).

    Idempotent: marking a marked notebook changes nothing. Only cell metadata changes.
    """
    exercises = find_exercises(nb, where)
    wanted: dict[int, dict[str, Any]] = {}
    for ex in exercises:
        wanted[ex.solution_cell] = _solution_meta(ex.name)
        wanted[ex.check_cell] = _test_meta(ex.check_name, ex.points)
    changed = False
    for i, cell in enumerate(nb.cells):
        old = cell.metadata.get("nbgrader")
        if i in wanted:
            if old != wanted[i]:
                cell.metadata["nbgrader"] = wanted[i]
                changed = True
        elif old is not None and (old.get("grade") or old.get("solution")):
            # a graded or answer cell that is no longer an exercise; read-only marks are left alone
            del cell.metadata["nbgrader"]
            changed = True
    return changed, exercises


#: The words nbgrader looks for anywhere in a line (its markers are substrings, not whole lines).
_MARKER_WORDS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_NBSP = "\u00a0"


def stray_markers(nb: nbformat.NotebookNode) -> list[int]:
    """Markdown or raw cells whose text names a marker, e.g. prose that says "between `### BEGIN SOLUTION` and ...".

    nbgrader treats every line that *contains* ``BEGIN SOLUTION`` as the start of a
    solution region and stops ("Solution region detected in a non-solution cell")
    when the cell is not an answer cell. :func:`make_course` therefore writes such
    prose with a no-break space between the two words: it reads the same, and
    nbgrader passes over it. The source notebooks are not changed.
    """
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type != "code" and any(w in cell.source for w in _MARKER_WORDS)]


def _protect_prose(nb: nbformat.NotebookNode) -> int:
    """Replace the space inside marker words in markdown/raw cells by a no-break space; return the cells changed."""
    cells = stray_markers(nb)
    for i in cells:
        for word in _MARKER_WORDS:
            nb.cells[i].source = nb.cells[i].source.replace(word, word.replace(" ", _NBSP))
    return len(cells)


def mark(paths: Iterable[pathlib.Path], *, check_only: bool = False) -> list[pathlib.Path]:
    """Mark notebooks in place (or, with ``check_only``, only report). Return the paths that (would) change."""
    changed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        did_change, exercises = mark_notebook(nb, path.name)
        if did_change:
            changed.append(path)
            if not check_only:
                nbformat.write(nb, path)
        total = sum(ex.points for ex in exercises)
        state = ("needs marking" if check_only else "marked") if did_change else "up to date"
        print(f"{path.name}: {len(exercises)} exercises, {total} points, {state}")
        for i in stray_markers(nb):
            print(f"  note: {path.name}, cell {i} (markdown) names a solution/test marker; nbgrader would stop on it, "
                  "so `course` and `student` write it with a no-break space", file=sys.stderr)
    return changed


# --------------------------------------------------------------------------
# nbgrader (imported lazily)
# --------------------------------------------------------------------------


def _require_nbgrader() -> Any:
    try:
        import nbgrader  # noqa: F401
        from nbgrader import apps
    except ImportError as exc:
        raise ClassroomError(
            f"this command needs nbgrader, which is not installed ({exc}). Install the classroom extra with:\n"
            f"    {INSTALL_HINT}"
        ) from exc
    _alembic_on_path()
    return apps


def _alembic_on_path() -> None:
    """Put this interpreter's scripts folder on PATH when ``alembic`` is not found there.

    nbgrader's gradebook runs the ``alembic`` command as a subprocess, so
    ``.venv/bin/python -m rnnkit.classroom ...`` (or ``.venv/bin/nbgrader``) fails
    with ``No such file or directory: 'alembic'`` unless the virtual environment
    is activated.
    """
    if shutil.which("alembic") is None:
        scripts = pathlib.Path(sys.executable).parent
        if (scripts / "alembic").exists() or (scripts / "alembic.exe").exists():
            os.environ["PATH"] = str(scripts) + os.pathsep + os.environ.get("PATH", "")


def nbgrader_settings() -> dict[str, dict[str, Any]]:
    """The nbgrader configuration the course needs, as {class: {option: value}}."""
    return {
        "CourseDirectory": {"course_id": COURSE_ID},
        "ClearSolutions": {
            "begin_solution_delimeter": BEGIN_SOLUTION,
            "end_solution_delimeter": END_SOLUTION,
            "code_stub": {"python": CODE_STUB},
        },
        "ClearHiddenTests": {"begin_test_delimeter": BEGIN_HIDDEN_TESTS, "end_test_delimeter": END_HIDDEN_TESTS},
        "Execute": {"timeout": GRADING_CELL_TIMEOUT},
    }


def nbgrader_config() -> str:
    """The text of the ``nbgrader_config.py`` that :func:`make_course` writes."""
    lines = [
        "# nbgrader configuration for the RNN course (written by `python -m rnnkit.classroom course`).",
        "# Solution regions are the lines '### BEGIN SOLUTION' / '### END SOLUTION' (nbgrader's markers with",
        "# the comment mark); the student stub is nbgrader's own; grading allows a full-mode cell 10 minutes.",
        "c = get_config()  # noqa: F821",
    ]
    for cls, options in nbgrader_settings().items():
        for key, value in options.items():
            lines.append(f"c.{cls}.{key} = {value!r}")
    return "\n".join(lines) + "\n"


def _config(root: pathlib.Path) -> Any:
    from traitlets.config import Config

    config = Config()
    for cls, options in nbgrader_settings().items():
        for key, value in options.items():
            config[cls][key] = value
    config.CourseDirectory.root = str(root)
    return config


def _api(root: pathlib.Path) -> Any:
    apps = _require_nbgrader()
    from nbgrader.coursedir import CourseDirectory

    config = _config(root)
    coursedir = CourseDirectory(config=config)
    return apps.NbGraderAPI(coursedir=coursedir, config=config)


def _ok(result: dict[str, Any], what: str) -> None:
    if not result.get("success"):
        detail = "\n".join(x for x in (result.get("log"), result.get("error")) if x) or "no details"
        raise ClassroomError(f"nbgrader failed to {what}:\n{detail}")


def default_notebooks() -> list[pathlib.Path]:
    """Every notebook of the course (``notebooks/*.ipynb`` of the repository)."""
    if not NOTEBOOKS_DIR.is_dir():
        raise ClassroomError(f"no notebooks folder next to rnnkit ({NOTEBOOKS_DIR}); name the notebooks explicitly")
    return sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


def resolve_notebooks(names: Sequence[str]) -> list[pathlib.Path]:
    """Notebook paths from paths, file names or number prefixes ("03"); all notebooks if ``names`` is empty."""
    if not names:
        return default_notebooks()
    paths = []
    for name in names:
        path = pathlib.Path(name)
        if path.suffix == ".ipynb" and path.is_file():
            paths.append(path.resolve())
            continue
        found = sorted(NOTEBOOKS_DIR.glob(f"{name}*.ipynb")) if NOTEBOOKS_DIR.is_dir() else []
        if len(found) != 1:
            options = ", ".join(p.stem for p in default_notebooks()) if NOTEBOOKS_DIR.is_dir() else "none found"
            raise ClassroomError(f"no single notebook matches {name!r} (notebooks: {options})")
        paths.append(found[0])
    return paths


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _graded_cells_digest(nb: nbformat.NotebookNode) -> str:
    """A fingerprint of what grades a notebook: every graded cell's id, points and source (hidden tests included)."""
    graded = [
        [c.metadata["nbgrader"]["grade_id"], c.metadata["nbgrader"].get("points", 0), c.source]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    ]
    return _sha256(json.dumps(graded, ensure_ascii=False))


def _checks_digest() -> str:
    """A fingerprint of rnnkit's check modules, the code every check cell calls."""
    here = pathlib.Path(__file__).resolve().parent
    return _sha256("".join(f"{name}\n{(here / name).read_text(encoding='utf-8')}" for name in CHECK_MODULES
                           if (here / name).exists()))


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=NOTEBOOKS_DIR.parent, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def release_record(source: pathlib.Path) -> dict[str, Any]:
    """What ``student`` stores in a student notebook: fingerprints of the graded cells and of rnnkit's checks."""
    nb = nbformat.read(source, as_version=4)
    mark_notebook(nb, source.name)
    record: dict[str, Any] = {
        "notebook": source.name,
        "graded_cells_sha256": _graded_cells_digest(nb),
        "checks_sha256": _checks_digest(),
    }
    commit = _git_commit()
    if commit:
        record["commit"] = commit
    return record


def _release_problems(recorded: dict[str, Any] | None, source: pathlib.Path) -> list[str]:
    """What changed between the release ``recorded`` in a submission and the course as it is now."""
    if not recorded:
        return [f"it has no release record ({RELEASE_KEY} in its metadata): it was not made by "
                "`python -m rnnkit.classroom student`, or its metadata was removed"]
    now = release_record(source)
    problems = []
    if recorded.get("graded_cells_sha256") != now["graded_cells_sha256"]:
        problems.append(f"the check cells of {source.name} (or their points) changed since it was released")
    if recorded.get("checks_sha256") != now["checks_sha256"]:
        problems.append("rnnkit's check modules changed since it was released")
    return problems


_CHECKSUM_WARNING = re.compile(r"Attribute 'checksum' for cell (\S+) has changed")


def _edited_locked_cells(log: str, hidden_cells: set[str]) -> list[str]:
    """Locked cells nbgrader found changed in a submission, from its autograde log.

    Check cells with hidden tests always show up (nbgrader #1961: their checksum is computed
    before the hidden tests are removed), so they are left out; the others were edited.
    """
    return sorted({m for m in _CHECKSUM_WARNING.findall(log or "") if m not in hidden_cells})


def make_course(root: pathlib.Path, notebooks: Sequence[pathlib.Path]) -> list[str]:
    """Create or update an nbgrader course directory at ``root``; return the assignment names.

    Writes ``nbgrader_config.py`` (unless one exists) and a marked copy of each
    notebook as ``source/<name>/<name>.ipynb``: one assignment per notebook. The
    source notebooks themselves are not changed. Then use nbgrader's own commands
    in ``root`` (``nbgrader generate_assignment <name>``, ``nbgrader autograde <name>``, ...).
    """
    root.mkdir(parents=True, exist_ok=True)
    config_file = root / "nbgrader_config.py"
    if not config_file.exists():
        config_file.write_text(nbgrader_config(), encoding="utf-8")
    names = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        changed, exercises = mark_notebook(nb, path.name)
        check_cells = {ex.check_cell for ex in exercises}
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and i not in check_cells and _has_line(cell.source, BEGIN_HIDDEN_TESTS):
                raise ClassroomError(f"{path.name}, cell {i}: hidden tests are only allowed in the check cell of an exercise")
        _protect_prose(nb)
        if changed:
            print(f"note: {path.name} has no up-to-date nbgrader metadata; used a marked copy "
                  f"(store it with `python -m rnnkit.classroom mark {path.name}`)", file=sys.stderr)
        name = path.stem
        target = root / "source" / name
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target / path.name)
        names.append(name)
    return names


def student_versions(notebooks: Sequence[pathlib.Path], out: pathlib.Path, *, force: bool = False) -> list[pathlib.Path]:
    """Make the student version of each notebook with ``nbgrader generate_assignment``.

    Writes ``out/<name>/<name>.ipynb`` (nbgrader's release layout): solution regions
    replaced by ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, hidden tests
    removed, outputs cleared, check cells locked. Returns the written notebooks.
    """
    written = []
    with tempfile.TemporaryDirectory(prefix="rnnkit-course-") as tmp:
        root = pathlib.Path(tmp)
        api = _api(root)
        names = make_course(root, notebooks)
        for name in names:
            target = out / name
            if target.exists() and not force:
                raise ClassroomError(f"{target} exists; pass --force to replace it")
        for name in names:
            _ok(api.generate_assignment(name, force=True, create=True), f"generate the student version of {name}")
            target = out / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(root / "release" / name, target)
            released = target / f"{name}.ipynb"
            stu = nbformat.read(released, as_version=4)
            stu.metadata[RELEASE_KEY] = release_record(root / "source" / name / f"{name}.ipynb")
            nbformat.write(stu, released)
            written.append(released)
    return written


def autograde(
    submissions: pathlib.Path,
    *,
    notebooks: Sequence[pathlib.Path] | None = None,
    feedback: pathlib.Path | None = None,
    keep_course: pathlib.Path | None = None,
    allow_changed: bool = False,
    quick: bool = False,
) -> list[Score]:
    """Autograde ``submissions/<student>/<assignment>/<assignment>.ipynb`` with nbgrader.

    Builds a temporary course directory from the source notebooks (``notebooks``,
    default: the course's), generates each submitted assignment so nbgrader knows
    its graded cells, copies the submissions into ``submitted/`` and runs
    ``nbgrader autograde`` (which puts the original check cells back, hidden tests
    included, and runs the notebook). With ``feedback``, writes nbgrader's HTML
    feedback to ``feedback/<student>/<assignment>/``. With ``keep_course``, works in
    that folder instead of a temporary one and leaves it there (gradebook included).

    Each submission must come from the release it is graded against: its recorded
    fingerprint (see :func:`release_record`) must match the course's check cells and
    rnnkit's checks as they are now, else :class:`ClassroomError` (``allow_changed``:
    a warning, and grading goes on). ``quick`` runs the notebooks in quick mode
    (``RNNKIT_QUICK=1``), the same code on less data: minutes instead of a full run.
    """
    sources = {p.stem: p for p in (notebooks if notebooks is not None else default_notebooks())}
    pairs = sorted(
        (s.name, a.name) for s in submissions.iterdir() if s.is_dir() for a in s.iterdir() if a.is_dir()
    )
    if not pairs:
        raise ClassroomError(f"no submissions found: expected {submissions}/<student>/<assignment>/<notebook>.ipynb")
    unknown = sorted({a for _, a in pairs} - sources.keys())
    if unknown:
        raise ClassroomError(f"submissions for unknown assignments {unknown}; assignments are {sorted(sources)}")
    changed = []
    for student, a in pairs:
        files = sorted((submissions / student / a).glob("*.ipynb"))
        recorded = nbformat.read(files[0], as_version=4).metadata.get(RELEASE_KEY) if files else None
        for problem in _release_problems(recorded, sources[a]):
            commit = (recorded or {}).get("commit")
            changed.append(f"{student}/{a}: {problem}" + (f" (released from commit {commit})" if commit else ""))
    if changed:
        advice = ("grade against the release: check out the commit it was released from (git worktree add "
                  "../course-at-release <commit>) and run autograde from there, or pass --allow-changed to grade "
                  "with the current checks anyway")
        text = "\n  ".join(sorted(set(changed)))
        if not allow_changed:
            raise ClassroomError(f"these submissions were not released from the course as it is now:\n  {text}\n{advice}")
        print(f"warning: grading with the current checks although\n  {text}", file=sys.stderr)
    hidden_cells = set()
    for a in {a for _, a in pairs}:
        nb = nbformat.read(sources[a], as_version=4)
        for ex in mark_notebook(nb, sources[a].name)[1]:
            if _has_line(nb.cells[ex.check_cell].source, BEGIN_HIDDEN_TESTS):
                hidden_cells.add(ex.check_name)

    def run(root: pathlib.Path) -> list[Score]:
        api = _api(root)
        assignments = sorted({a for _, a in pairs})
        make_course(root, [sources[a] for a in assignments])
        for a in assignments:
            _ok(api.generate_assignment(a, force=True, create=True), f"generate {a}")
        scores = []
        for student, a in pairs:
            dest = root / "submitted" / student / a
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(submissions / student / a, dest)
            result = api.autograde(a, student, force=True, create=True)
            _ok(result, f"autograde {student}/{a}")
            edited = _edited_locked_cells(result.get("log", ""), hidden_cells)
            if edited:
                print(f"warning: {student}/{a}: locked cell(s) {', '.join(edited)} were edited in the submission; "
                      "nbgrader graded the original cells", file=sys.stderr)
            scores.append(_score(api, a, student))
            if feedback is not None:
                _ok(api.generate_feedback(a, student, force=True), f"generate feedback for {student}/{a}")
                shutil.copytree(root / "feedback" / student / a, feedback / student / a, dirs_exist_ok=True)
        return scores

    quick_before = os.environ.get("RNNKIT_QUICK")
    if quick:
        os.environ["RNNKIT_QUICK"] = "1"
    try:
        with warnings.catch_warnings():
            # nbgrader 0.9.6 on SQLAlchemy 2.x warns about its own session handling; the grades are right
            warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session")
            if keep_course is not None:
                return run(keep_course)
            with tempfile.TemporaryDirectory(prefix="rnnkit-grading-") as tmp:
                return run(pathlib.Path(tmp))
    finally:
        if quick:
            if quick_before is None:
                os.environ.pop("RNNKIT_QUICK", None)
            else:
                os.environ["RNNKIT_QUICK"] = quick_before


def write_scores_csv(path: pathlib.Path, scores: Sequence[Score], notebooks: Sequence[pathlib.Path] | None = None) -> None:
    """Write one row per (student, assignment): the total, then one column per exercise (``assignment/exercise``).

    Exercises are in notebook order (read from ``notebooks``, default: the course's); a
    column is empty for the rows of other assignments.
    """
    sources = {p.stem: p for p in (notebooks if notebooks is not None else default_notebooks())}
    columns: list[tuple[str, str, str]] = []  # (assignment, exercise name, grade_id of its check cell)
    for assignment in sorted({s.assignment for s in scores}):
        if assignment in sources:
            exercises = mark_notebook(nbformat.read(sources[assignment], as_version=4), sources[assignment].name)[1]
            pairs = [(ex.name, ex.check_name) for ex in exercises]
        else:
            pairs = []
        known = {c for _, c in pairs}
        extra = sorted({c for s in scores if s.assignment == assignment for c in s.cells} - known)
        pairs += [(c.removesuffix("-check"), c) for c in extra]
        columns += [(assignment, name, cell) for name, cell in pairs]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "score", "max_score"] + [f"{a}/{name}" for a, name, _ in columns])
        for s in scores:
            row: list[Any] = [s.student, s.assignment, s.score, s.max_score]
            row += [s.cells[cell][0] if a == s.assignment and cell in s.cells else "" for a, _, cell in columns]
            writer.writerow(row)


def _score(api: Any, assignment: str, student: str) -> Score:
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url) as gb:
        sub = gb.find_submission(assignment, student)
        cells = {}
        for nb in sub.notebooks:
            for grade in nb.grades:
                cells[grade.name] = (float(grade.score), float(grade.max_score))
        return Score(student, assignment, float(sub.score), float(sub.max_score), cells)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rnnkit.classroom",
        description="Classroom assignments with nbgrader: mark exercises, make student versions, autograde.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    nb_help = "notebooks: paths, file names or number prefixes such as 03 (default: every notebook of the course)"

    p = sub.add_parser("mark", help="store nbgrader metadata for the exercises of source notebooks (in place)")
    p.add_argument("notebooks", nargs="*", help=nb_help)
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook needs marking")

    p = sub.add_parser("student", help="make student versions: solutions stripped, hidden tests removed, outputs cleared")
    p.add_argument("notebooks", nargs="*", help=nb_help)
    p.add_argument("--out", required=True, type=pathlib.Path, help="folder for the student versions (one subfolder per notebook)")
    p.add_argument("--force", action="store_true", help="replace student versions already in --out")

    p = sub.add_parser("course", help="create an nbgrader course directory (config + source/) to use nbgrader's own commands in")
    p.add_argument("root", type=pathlib.Path, help="the course directory")
    p.add_argument("notebooks", nargs="*", help=nb_help)

    p = sub.add_parser("autograde", help="grade SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb; print and save scores")
    p.add_argument("submissions", type=pathlib.Path)
    p.add_argument("--csv", type=pathlib.Path, default=None, help="also write the scores to this CSV file")
    p.add_argument("--feedback", type=pathlib.Path, default=None, help="write HTML feedback to FEEDBACK/<student>/<assignment>/")
    p.add_argument("--course", type=pathlib.Path, default=None, help="keep the nbgrader course directory (gradebook) here")
    p.add_argument("--quick", action="store_true", help="run the submissions in quick mode (RNNKIT_QUICK=1): the same "
                   "checks, less data and training, minutes instead of a full run")
    p.add_argument("--allow-changed", action="store_true", help="grade even if the check cells or rnnkit's checks "
                   "changed since the assignment was released (default: refuse)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m rnnkit.classroom``."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "mark":
            changed = mark(resolve_notebooks(args.notebooks), check_only=args.check)
            if args.check and changed:
                print("run `python -m rnnkit.classroom mark` on: " + " ".join(p.name for p in changed), file=sys.stderr)
                return 1
        elif args.command == "student":
            for path in student_versions(resolve_notebooks(args.notebooks), args.out, force=args.force):
                print(f"wrote {path}")
        elif args.command == "course":
            names = make_course(args.root, resolve_notebooks(args.notebooks))
            print(f"nbgrader course directory {args.root} with assignments: {', '.join(names)}")
            print(f"next: cd {args.root} && nbgrader generate_assignment {names[0]}")
        elif args.command == "autograde":
            scores = autograde(args.submissions, feedback=args.feedback, keep_course=args.course,
                               allow_changed=args.allow_changed, quick=args.quick)
            for s in scores:
                print(f"{s.student:20s} {s.assignment:32s} {s.score:g} / {s.max_score:g}")
            if args.csv is not None:
                write_scores_csv(args.csv, scores)
    except ClassroomError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

