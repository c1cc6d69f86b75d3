"""Classroom assignments: nbgrader marking, student versions and autograding (rnnkit.classroom).

What is tested:

* ``mark`` on small made-up notebooks (points from ★, grade ids, idempotence,
  clear errors) and that every course notebook's committed metadata is up to date;
* ``import rnnkit`` needs no nbgrader, and a missing nbgrader gives a clear message;
* the student version of **every** notebook (nbgrader generate_assignment; cheap, no
  execution): solutions replaced by the stub, hidden tests gone, outputs cleared,
  everything else unchanged;
* for **every** notebook, without running it: no cell outside an exercise (its answer
  cell and its graded check cell) uses a student's answer, which in the student version
  is a stub that raises;
* the student version **executed** in quick mode: exactly the graded check cells fail
  (the stubs are really empty), with the checks' "not written yet" message, and every
  other cell runs. By default this runs for every numpy (Part I) notebook and the first
  Keras notebook with exercises; RNNKIT_CLASSROOM_RUN=all runs every notebook, and
  RNNKIT_CLASSROOM_RUN=01,07 the ones named;
* nbgrader autograde of a solved copy gives full marks (first numpy notebook and first
  Keras notebook with exercises), and of a partly solved copy exactly the solved
  exercise's points, with the hidden tests put back.

The nbgrader tests need nbgrader, which requirements-classroom.txt installs (requirements-dev.txt
includes it). Without it they are skipped, except under CI (environment variable CI set), where they fail.
"""

from __future__ import annotations

import ast
import csv
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from rnnkit import classroom

# nbgrader 0.9.6 with SQLAlchemy 2.x warns about its own session handling while autograding; harmless
pytestmark = pytest.mark.filterwarnings(r"ignore:Object of type <\w+> not in session")

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
IDS = [p.stem[:2] for p in NOTEBOOKS]


def _read(path: pathlib.Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _is_keras(nb: nbformat.NotebookNode) -> bool:
    return any(c.cell_type == "code" and ("keras=True" in c.source or "import keras" in c.source) for c in nb.cells)


def _has_exercises(nb: nbformat.NotebookNode) -> bool:
    return any(c.cell_type == "code" and classroom.BEGIN_SOLUTION in c.source for c in nb.cells)


def _to_execute() -> list[pathlib.Path]:
    """Notebooks whose student version is executed (see the module docstring)."""
    choice = os.environ.get("RNNKIT_CLASSROOM_RUN", "").strip()
    if choice == "all":
        return NOTEBOOKS
    if choice:
        wanted = {s.strip() for s in choice.split(",")}
        return [p for p in NOTEBOOKS if p.stem[:2] in wanted]
    numpy_nbs = [p for p in NOTEBOOKS if not _is_keras(_read(p))]
    keras_nbs = [p for p in NOTEBOOKS if _is_keras(_read(p)) and _has_exercises(_read(p))]
    return numpy_nbs + keras_nbs[:1]


def _to_autograde() -> list[pathlib.Path]:
    """The first numpy notebook and the first Keras notebook that have exercises."""
    with_ex = [p for p in NOTEBOOKS if _has_exercises(_read(p))]
    numpy_nbs = [p for p in with_ex if not _is_keras(_read(p))]
    keras_nbs = [p for p in with_ex if _is_keras(_read(p))]
    return numpy_nbs[:1] + keras_nbs[:1]


def need_nbgrader() -> None:
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        msg = "nbgrader is not installed: pip install nbgrader==0.9.6 (it is in requirements-classroom.txt)"
        if os.environ.get("CI"):
            pytest.fail(f"{msg} (CI must install it: a skipped classroom test proves nothing)", pytrace=False)
        pytest.skip(msg)


# --------------------------------------------------------------------------
# mark, on made-up notebooks
# --------------------------------------------------------------------------


def _toy() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    return v4.new_notebook(cells=[
        v4.new_markdown_cell("# Toy\n\nSolutions go between `### BEGIN SOLUTION` and `### END SOLUTION`."),
        v4.new_code_cell("import numpy as np"),
        v4.new_markdown_cell("### Exercise 1 ★★: double it\n\nWrite `double(x)`."),
        v4.new_code_cell("def double(x):\n    '''2x'''\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
        v4.new_code_cell("assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(-1) == -2\n### END HIDDEN TESTS"),
        v4.new_markdown_cell("Some text in between, with a star ★ in it.\n\n**Exercise 2 (★★★): the answer.** Say 42."),
        v4.new_code_cell("def answer():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION"),
        v4.new_code_cell("assert answer() == 42"),
        v4.new_markdown_cell("## Summary"),
    ])


def test_mark_sets_nbgrader_metadata_from_the_stars():
    nb = _toy()
    changed, exercises = classroom.mark_notebook(nb)
    assert changed
    assert [(e.number, e.name, e.solution_cell, e.check_cell, e.points) for e in exercises] == [
        (1, "double", 3, 4, 2),
        (2, "answer", 6, 7, 3),
    ]
    assert exercises[1].title.startswith("Exercise 2 (★★★)")
    assert nb.cells[3].metadata.nbgrader == {
        "grade": False, "grade_id": "double", "locked": False, "schema_version": 3, "solution": True, "task": False,
    }
    assert nb.cells[4].metadata.nbgrader == {
        "grade": True, "grade_id": "double-check", "locked": True, "points": 2, "schema_version": 3,
        "solution": False, "task": False,
    }
    assert nb.cells[7].metadata.nbgrader["points"] == 3
    others = [c for i, c in enumerate(nb.cells) if i not in (3, 4, 6, 7)]
    assert all("nbgrader" not in c.metadata for c in others)
    assert classroom.stray_markers(nb) == [0]


def test_mark_is_idempotent_and_refreshes_stale_marks():
    nb = _toy()
    classroom.mark_notebook(nb)
    assert classroom.mark_notebook(nb)[0] is False
    # an exercise whose difficulty changed, and a cell that is no longer graded
    nb.cells[2].source = nb.cells[2].source.replace("★★", "★")
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "old", "locked": True, "points": 5,
                                        "schema_version": 3, "solution": False, "task": False}
    nb.cells[8].metadata["nbgrader"] = {"grade": False, "grade_id": "ro", "locked": True,
                                        "schema_version": 3, "solution": False, "task": False}
    sources = [c.source for c in nb.cells]
    assert classroom.mark_notebook(nb)[0] is True
    assert nb.cells[4].metadata.nbgrader["points"] == 1
    assert "nbgrader" not in nb.cells[1].metadata  # stale grade mark removed
    assert nb.cells[8].metadata.nbgrader["locked"]  # an instructor's read-only mark is kept
    assert [c.source for c in nb.cells] == sources  # marking never touches sources


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda nb: nb.cells.pop(4), "must be a code cell that checks it"),
        (lambda nb: setattr(nb.cells[2], "source", "### Exercise 1: no stars"), "difficulty"),
        (lambda nb: setattr(nb.cells[3], "source", "def f():\n    ### BEGIN SOLUTION\n    return 1"), "never closed"),
        (lambda nb: setattr(nb.cells[1], "source", "x = 1  # see BEGIN SOLUTION below"), "contains a marker word"),
        (lambda nb: setattr(nb.cells[3], "source", nb.cells[3].source + "\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"),
         "hidden tests belong in the check cell"),
    ],
)
def test_mark_explains_what_is_wrong(edit, message):
    nb = _toy()
    edit(nb)
    with pytest.raises(classroom.ClassroomError, match=message):
        classroom.mark_notebook(nb, "toy.ipynb")


def test_protected_prose_reads_the_same_but_has_no_marker():
    nb = _toy()
    assert classroom._protect_prose(nb) == 1
    text = nb.cells[0].source
    assert "BEGIN SOLUTION" not in text and text.replace("\u00a0", " ") == _toy().cells[0].source


# --------------------------------------------------------------------------
# The course notebooks, as committed
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_marked_for_nbgrader(path):
    nb = _read(path)
    changed, exercises = classroom.mark_notebook(nb, path.name)
    assert not changed, f"{path.name}: nbgrader metadata missing or stale; run `python -m rnnkit.classroom mark {path.name}`"
    committed = _read(path)
    for ex in exercises:
        # the committed outputs (a full run) show each check passing with the solutions in place
        outputs = committed.cells[ex.check_cell].get("outputs", [])
        passed = outputs and not any(o.output_type == "error" for o in outputs)
        assert passed, f"{path.name}: {ex.check_name} has no passing output"


def test_import_rnnkit_needs_no_nbgrader():
    code = "import sys, rnnkit, rnnkit.checks, rnnkit.classroom; assert not [m for m in sys.modules if m.startswith('nbgrader')]"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_missing_nbgrader_gives_a_clear_message(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "nbgrader", None)  # as if it were not installed
    with pytest.raises(classroom.ClassroomError, match=r"pip install nbgrader==0\.9\.6"):
        classroom._require_nbgrader()
    assert classroom.main(["student", "--out", str(tmp_path), str(NOTEBOOKS[0])]) == 2
    assert "nbgrader==0.9.6" in capsys.readouterr().err


# --------------------------------------------------------------------------
# Student versions (nbgrader generate_assignment)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    need_nbgrader()
    out = tmp_path_factory.mktemp("student")
    classroom.student_versions(NOTEBOOKS, out)
    return out


def _student(student_dir: pathlib.Path, path: pathlib.Path) -> nbformat.NotebookNode:
    return _read(student_dir / path.stem / path.name)


def _without_hidden(source: str) -> str:
    lines, hidden = [], False
    for line in source.split("\n"):
        if line.strip() == classroom.BEGIN_HIDDEN_TESTS:
            hidden = True
        elif line.strip() == classroom.END_HIDDEN_TESTS:
            hidden = False
        elif not hidden:
            lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_version_strips_solutions_and_keeps_the_rest(student_dir, path):
    src = _read(path)
    _, exercises = classroom.mark_notebook(src, path.name)
    stu = _student(student_dir, path)
    answers = {e.solution_cell for e in exercises}
    checks_ = {e.check_cell for e in exercises}
    assert len(stu.cells) == len(src.cells)
    for i, (s, t) in enumerate(zip(src.cells, stu.cells, strict=True)):
        where = f"{path.name}, cell {i}"
        assert t.cell_type == s.cell_type, where
        if t.cell_type == "code":
            assert t.outputs == [] and t.execution_count is None, f"{where}: outputs not cleared"
        for word in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
            assert word not in t.source, f"{where}: {word!r} left in the student version"
        if i in answers:
            head = s.source.split(classroom.BEGIN_SOLUTION)[0]
            indent = head.split("\n")[-1]
            assert t.source.startswith(head.rstrip(" ")), f"{where}: the def line and docstring must stay"
            assert f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()" in t.source, where
            assert t.metadata.nbgrader["solution"] is True
        elif i in checks_:
            assert t.source == _without_hidden(s.source), f"{where}: a check cell changed"
            assert t.metadata.nbgrader["grade"] is True and t.metadata.get("editable") is False
        else:
            assert t.source.replace("\u00a0", " ") == s.source, f"{where}: a cell that is not an exercise changed"
    hidden = [e for e in exercises if classroom.BEGIN_HIDDEN_TESTS in src.cells[e.check_cell].source]
    for e in hidden:  # the visible part of the check is still there
        assert stu.cells[e.check_cell].source.strip()


def _defined_and_used(source: str) -> tuple[set[str], set[str]]:
    """Top-level names a cell defines, and every name it reads (IPython magics skipped)."""
    code = "\n".join(line for line in source.split("\n") if not line.lstrip().startswith(("%", "!")))
    tree = ast.parse(code)
    defined: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return defined, used


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_only_check_cells_use_a_students_answer(path):
    """In the student version every answer is a stub that raises, so a cell outside the exercise
    (not its answer cell, not its graded check cell) that calls it would fail for every student."""
    nb = _read(path)
    _, exercises = classroom.mark_notebook(nb, path.name)
    answers = {e.solution_cell: e for e in exercises}
    checks_ = {e.check_cell for e in exercises}
    theirs: dict[str, int] = {}  # name -> exercise number, while the student's version is the live one
    offending = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        defined, used = _defined_and_used(cell.source)
        if i in answers:
            theirs.update(dict.fromkeys(defined, answers[i].number))
            continue
        if i not in checks_:
            offending += [f"cell {i} uses {name!r} (exercise {theirs[name]})" for name in sorted(used & set(theirs))]
        for name in defined:  # redefined by the notebook itself: no longer the student's
            theirs.pop(name, None)
    assert not offending, f"{path.name}: move these into the exercise's check cell: {offending}"


def _run(nb: nbformat.NotebookNode, folder: pathlib.Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    env_before = os.environ.get("RNNKIT_QUICK")
    os.environ["RNNKIT_QUICK"] = "1"
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if env_before is None:
            del os.environ["RNNKIT_QUICK"]
        else:
            os.environ["RNNKIT_QUICK"] = env_before
    return nb


@pytest.mark.parametrize("path", _to_execute(), ids=lambda p: p.stem[:2])
def test_student_version_runs_but_its_checks_fail(student_dir, path):
    _, exercises = classroom.mark_notebook(_read(path), path.name)
    nb = _run(_student(student_dir, path), student_dir / path.stem)
    errors = {}
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.output_type == "error":
                errors[i] = out
    graded = {e.check_cell: e for e in exercises}
    not_graded = {i: f"{o.ename}: {o.evalue}"[:300] for i, o in errors.items() if i not in graded}
    assert not not_graded, f"{path.name}: cells that are not graded checks fail in the student version: {not_graded}"
    passing = [e.check_name for i, e in graded.items() if i not in errors]
    assert not passing, f"{path.name}: these checks pass although the stubs are empty: {passing}"
    for i, out in errors.items():
        # a check from rnnkit says "not written yet"; a cell of plain asserts shows the stub's NotImplementedError
        helpful = (out.ename == "CheckFailed" and "not written yet" in out.evalue) or out.ename == "NotImplementedError"
        assert helpful, f"{path.name}, {graded[i].check_name}: unhelpful failure {out.ename}: {out.evalue[:300]}"
        if out.ename == "CheckFailed":  # what the learner sees: the message only, no traceback
            shown = [ln for ln in re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(out.traceback)).split("\n") if ln.strip()]
            assert shown[0].startswith("✗ ") and len(shown) <= 8, f"{path.name}, {graded[i].check_name}: {shown}"


# --------------------------------------------------------------------------
# Autograding (nbgrader autograde)
# --------------------------------------------------------------------------


def _solve(student_nb: nbformat.NotebookNode, source: nbformat.NotebookNode, names: set[str]) -> nbformat.NotebookNode:
    """A student's copy with the answers named in ``names`` written in (the solutions, markers removed)."""
    solved = nbformat.from_dict(student_nb)
    answers = {c.metadata.nbgrader["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in solved.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta["grade_id"] in names:
            lines = answers[meta["grade_id"]].split("\n")
            markers = (classroom.BEGIN_SOLUTION, classroom.END_SOLUTION)
            cell.source = "\n".join(ln for ln in lines if ln.strip() not in markers)
    return solved


@pytest.mark.parametrize("path", _to_autograde(), ids=lambda p: p.stem[:2])
def test_autograde_gives_full_marks_to_a_solved_copy(student_dir, tmp_path, path):
    source = _read(path)
    _, exercises = classroom.mark_notebook(source, path.name)  # marked in memory, as the course copy is
    total = sum(e.points for e in exercises)
    student_nb = _student(student_dir, path)
    subs = tmp_path / "submissions"
    everyone = {e.name for e in exercises}
    first_only = {exercises[0].name}
    cases = {"solver": everyone}
    if not _is_keras(source):  # one notebook is enough to test partial credit
        cases["partial"] = first_only
    for student, names in cases.items():
        folder = subs / student / path.stem
        folder.mkdir(parents=True)
        nbformat.write(_solve(student_nb, source, names), folder / path.name)

    course = tmp_path / "course"
    scores = {s.student: s for s in classroom.autograde(subs, notebooks=[path], keep_course=course)}

    solver = scores["solver"]
    assert solver.max_score == total
    assert solver.score == total, f"{path.name}: a solved copy got {solver.score} / {total}: {solver.cells}"
    if "partial" in scores:
        partial = scores["partial"]
        assert partial.score == exercises[0].points, partial.cells
        assert partial.cells[exercises[0].check_name] == (exercises[0].points, exercises[0].points)
    # nbgrader put the original check cells back, hidden tests included
    graded = _read(course / "autograded" / "solver" / path.stem / path.name)
    for e in exercises:
        assert graded.cells[e.check_cell].source == source.cells[e.check_cell].source


# --------------------------------------------------------------------------
# Grading what was released; the CSV; nbgrader's checksum warning
# --------------------------------------------------------------------------


def _toy_course(tmp_path: pathlib.Path) -> pathlib.Path:
    nb = _toy()
    nb.cells[4].source = "assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(-1) == -2\n### END HIDDEN TESTS"
    path = tmp_path / "notebooks" / "99_toy.ipynb"
    path.parent.mkdir()
    classroom.mark_notebook(nb)
    nbformat.write(nb, path)
    return path


def _submit(tmp_path: pathlib.Path, student_nb: pathlib.Path, source: pathlib.Path) -> pathlib.Path:
    nb = _solve(_read(student_nb), _read(source), {"double", "answer"})
    folder = tmp_path / "subs" / "ann" / "99_toy"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "99_toy.ipynb")
    return tmp_path / "subs"


def test_student_versions_record_the_release(tmp_path):
    need_nbgrader()
    path = _toy_course(tmp_path)
    [stu] = classroom.student_versions([path], tmp_path / "release")
    record = _read(stu).metadata[classroom.RELEASE_KEY]
    assert record == {**classroom.release_record(path), **({"commit": record["commit"]} if "commit" in record else {})}
    assert set(record) >= {"notebook", "graded_cells_sha256", "checks_sha256"}


def test_autograde_refuses_a_release_whose_checks_changed(tmp_path, capsys):
    need_nbgrader()
    path = _toy_course(tmp_path)
    [stu] = classroom.student_versions([path], tmp_path / "release")
    subs = _submit(tmp_path, stu, path)
    # the instructor pulls a new version of the course: a check cell changed after release
    nb = _read(path)
    nb.cells[4].source = nb.cells[4].source.replace("double(-1) == -2", "double(-3) == -6")
    nbformat.write(nb, path)
    with pytest.raises(classroom.ClassroomError, match=r"(?s)not released from the course as it is now.*check cells of 99_toy"):
        classroom.autograde(subs, notebooks=[path])
    [score] = classroom.autograde(subs, notebooks=[path], allow_changed=True)
    assert "warning: grading with the current checks" in capsys.readouterr().err
    assert score.score == score.max_score == 5
    # a submission without a record (not made by `student`) is refused too
    bare = _read(subs / "ann" / "99_toy" / "99_toy.ipynb")
    del bare.metadata[classroom.RELEASE_KEY]
    nbformat.write(bare, subs / "ann" / "99_toy" / "99_toy.ipynb")
    with pytest.raises(classroom.ClassroomError, match="no release record"):
        classroom.autograde(subs, notebooks=[path])


def test_release_record_changes_with_the_checks(monkeypatch, tmp_path):
    path = _toy_course(tmp_path)
    before = classroom.release_record(path)
    monkeypatch.setattr(classroom, "_checks_digest", lambda: "other")
    assert classroom._release_problems(before, path) == ["rnnkit's check modules changed since it was released"]
    assert classroom._release_problems(None, path)[0].startswith("it has no release record")


def test_the_csv_has_a_column_per_exercise(tmp_path):
    path = _toy_course(tmp_path)
    scores = [classroom.Score("ann", "99_toy", 2.0, 5.0, {"double-check": (2.0, 2.0), "answer-check": (0.0, 3.0)}),
              classroom.Score("bob", "99_toy", 5.0, 5.0, {"double-check": (2.0, 2.0), "answer-check": (3.0, 3.0)})]
    out = tmp_path / "grades.csv"
    classroom.write_scores_csv(out, scores, notebooks=[path])
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["student", "assignment", "score", "max_score", "99_toy/double", "99_toy/answer"]
    assert rows[1] == ["ann", "99_toy", "2.0", "5.0", "2.0", "0.0"] and rows[2][4:] == ["2.0", "3.0"]


def test_checksum_warnings_of_hidden_test_cells_are_not_reported():
    log = ("[AutogradeApp | WARNING] Attribute 'checksum' for cell double-check has changed! (should be: a, got: b)\n"
           "[AutogradeApp | WARNING] Attribute 'checksum' for cell answer-check has changed! (should be: c, got: d)\n")
    assert classroom._edited_locked_cells(log, {"double-check"}) == ["answer-check"]
    assert classroom._edited_locked_cells("", set()) == []


# Notebooks still waiting for their hidden tests (the issue-12 notebook pass): expected to fail until then.
_HIDDEN_TESTS_PENDING: set[str] = set()


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(strict=True, reason="hidden tests not added yet"))
    if p.stem[:2] in _HIDDEN_TESTS_PENDING else p
    for p in NOTEBOOKS if _has_exercises(_read(p))], ids=lambda p: p.stem[:2])
def test_every_graded_notebook_has_a_hidden_test(path):
    """A stub-gaming answer (tailored to the visible cases, or calling rnnkit's own version) fails a hidden test."""
    nb = _read(path)
    hidden = [c for c in nb.cells if c.cell_type == "code" and classroom.BEGIN_HIDDEN_TESTS in c.source
              and "hidden_test(" in c.source]
    assert hidden, f"{path.name}: no check cell calls hidden_test between the hidden-test markers"
