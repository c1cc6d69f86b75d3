"""What every committed notebook must look like to a learner, checked without running it.

* no test machinery in the text: nbval reads cell tags (``nbval-check-output``), so no
  cell carries a ``# NBVAL_...`` comment;
* the first code cell of a Keras notebook calls ``rnnkit.setup(..., keras=True)`` before
  anything imports Keras, so TensorFlow's C++ start-up lines never reach the notebook;
* committed outputs hold no error and none of those start-up lines, and the execution
  counts run 1, 2, 3, ... (a notebook stored from one full run, top to bottom).
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TF_NOISE = re.compile(r"absl::InitializeLog|cudart_stub|Could not find cuda drivers|oneDNN custom operations|cuda_dnn|cuda_blas")


def _cells(path: pathlib.Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _text(output: dict) -> str:
    if "text" in output:
        return "".join(output["text"])
    return "".join(output.get("data", {}).get("text/plain", ""))


def test_notebooks_are_found() -> None:
    assert len(NOTEBOOKS) >= 14, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_no_nbval_comments_in_the_text(path: pathlib.Path) -> None:
    marked = [i for i, c in enumerate(_cells(path)) if c["cell_type"] == "code" and "NBVAL_" in _source(c)]
    assert not marked, f"{path.name}: cells {marked} carry '# NBVAL_' comments; use the cell tag nbval-check-output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_keras_is_imported_after_setup(path: pathlib.Path) -> None:
    code = [_source(c) for c in _cells(path) if c["cell_type"] == "code"]
    if not any(re.search(r"^\s*(import keras|from keras)", s, re.M) for s in code):
        return
    first = code[0].splitlines()
    setup = next((i for i, line in enumerate(first) if "rnnkit.setup(" in line and "keras=True" in line), None)
    assert setup is not None, f"{path.name}: the first code cell must call rnnkit.setup(..., keras=True)"
    early = [line for line in first[:setup] if re.match(r"\s*(import|from)\s", line) and line.strip() != "import rnnkit"]
    assert not early, f"{path.name}: imported before rnnkit.setup (TensorFlow's start-up lines would show): {early}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_committed_outputs_are_clean(path: pathlib.Path) -> None:
    counts = []
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        counts.append(cell.get("execution_count"))
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name}, cell {i}: a committed error"
            assert not TF_NOISE.search(_text(out)), f"{path.name}, cell {i}: TensorFlow start-up lines in the output"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts} are not 1, 2, 3, ..."
