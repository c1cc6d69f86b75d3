"""The GPU suite (benchmarks/gpu_suite.py): its dry run, and how it judges issue 11's goals.

The GPU machine has PyTorch and JAX but no TensorFlow. The dry run runs every step of
the suite at tiny sizes on the CPU, on KERAS_BACKEND=torch and jax (the memory sweep on
torch only: tests/test_memory.py runs that sweep on every backend), with any
``import tensorflow`` made to fail (a ``sitecustomize`` on PYTHONPATH that every child
process inherits): it must finish every step without an error, so that a step that
breaks here is found before the GPU time is spent. Its results go to a temporary
folder, never to benchmarks/results/.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import gpu_suite  # noqa: E402  (imports no framework)

NO_TENSORFLOW = 'import sys\nsys.modules["tensorflow"] = None  # as on the GPU machine: "import tensorflow" fails\n'
needs_torch_and_jax = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("keras", "torch", "jax")), reason="the suite needs keras, torch and jax")


def _env_without_tensorflow(tmp_path: pathlib.Path) -> dict[str, str]:
    site = tmp_path / "no_tensorflow"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_TENSORFLOW)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)}


def test_the_guard_really_stops_tensorflow(tmp_path: pathlib.Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "import tensorflow"], env=_env_without_tensorflow(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr, proc.stderr[-500:]


@needs_torch_and_jax
def test_the_dry_run_passes_every_step_on_torch_and_jax_without_tensorflow(tmp_path: pathlib.Path) -> None:
    results = ROOT / "benchmarks" / "results"
    before = {p.name: p.stat().st_mtime for p in results.iterdir()}
    out = tmp_path / "out"
    # A generous budget: the dry run must finish every step however busy the machine (about 80 s of CPU time in all)
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_suite.py"), "--dry-run", "--budget", "3000",
                           "--out", str(out)], env=_env_without_tensorflow(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=3600)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
    assert proc.returncode == 0, f"the dry run failed:\n{tail}"
    check_dry_run_output(out, tail)
    assert {p.name: p.stat().st_mtime for p in results.iterdir()} == before, "the dry run wrote into benchmarks/results"


def check_dry_run_output(out: pathlib.Path, tail: str = "") -> None:
    """Every step of the dry run measured something on both backends, and every file it names exists."""
    [report_path] = [p for p in out.glob("gpu_dry-run*.json") if not p.name.endswith("_cells.json")]
    report = json.loads(report_path.read_text())
    assert report["dry_run"] and report["errors"] == {} and report["skipped"] == {}, tail
    assert report["environment"]["tensorflow_imported"] is False
    res = report["results"]

    speed = {(r["backend"], r["impl"]) for r in res["lm_speed"]["rows"] if r.get("tokens_per_s", 0) > 0}
    assert speed == {("torch", "builtin"), ("torch", "custom"), ("jax", "builtin"), ("jax", "custom"), ("torch", "torch")}
    sweeps = {s["backend"]: s for s in res["bptt_memory"]["sweeps"]}
    assert set(sweeps) == {"torch"}  # the dry run's one sweep (tests/test_memory.py runs the sweep on every backend)
    for s in sweeps.values():
        assert [r["T"] for r in s["full"]] == [r["T"] for r in s["truncated"]] == s["lengths"]
    cells = {r["backend"]: r for r in res["cells"]["results"]}
    assert set(cells) == {"torch", "jax"}
    assert all(set(r["variants"]) == {"LSTM/builtin", "LSTM/custom"} for r in cells.values())  # the dry run's one cell
    train = res["lm_train"]
    assert len(train["epochs"]) == 2 and train["test_loss"] > 0 and train["sample_tau_0.5"].startswith("Emma ")
    setup = train["setup"]  # the target: the n-gram's loss on the validation characters the LSTM is scored on
    assert setup["ngram"] == gpu_suite.NGRAM and 0 < setup["target"] < setup["untrained_val_loss"], setup
    assert 0 < setup["target_chars"] <= setup["val_chars"] and train["ngram_test_loss"] > 0
    assert all(g["status"] in ("met", "missed") for g in report["goals"])  # judged, even on dry-run numbers

    for name in report["files"]:
        assert (out / name).stat().st_size > 0, name
    assert sum(name.endswith(".png") for name in report["files"]) == 4
    markdown = (out / report_path.name.replace(".json", ".md")).read_text()
    assert "DRY RUN" in markdown and "## Goals (issue 11)" in markdown
    assert f"time to beat the {gpu_suite.NGRAM['order']}-gram counts" in markdown and "- target: the Kneser-Ney" in markdown


def test_the_lm_target_is_notebook_12s_counting_model() -> None:
    """lm_train's target is the n-gram notebook 12 chose on validation, and the suite's code gives the notebook's loss."""
    nb = json.loads((ROOT / "notebooks" / "12_char_language_model.ipynb").read_text())
    printed = "".join(out.get("text", "") if isinstance(out.get("text", ""), str) else "".join(out["text"])
                      for cell in nb["cells"] if cell["cell_type"] == "code" for out in cell.get("outputs", []))
    chosen = re.search(r"chosen on validation: order (\d+) \(.*?\), D = ([\d.]+): ([\d.]+) nats/char", printed)
    assert chosen, "notebook 12's committed outputs no longer print the n-gram chosen on validation"
    assert gpu_suite.NGRAM == {"order": int(chosen[1]), "discount": float(chosen[2])}
    vocab, train_ids, val_ids, _ = gpu_suite.notebook12_text()
    (losses,) = gpu_suite.ngram_losses(train_ids, (val_ids,), len(vocab), gpu_suite.NGRAM)  # about a second
    assert losses.shape == val_ids.shape and abs(losses.mean() - float(chosen[3])) <= 5e-4, (losses.mean(), chosen[0])


# --------------------------------------------------------------------------
# Judging the goals: met, missed, not measured, on numbers made up for the test
# --------------------------------------------------------------------------


def _speed(backend: str, impl: str, tokens: float, size: tuple = (32, 35, 256)) -> dict:
    b, s, u = size
    return {"backend": backend, "impl": impl, "batch": b, "steps": s, "units": u, "tokens_per_s": tokens}


def _sweep(backend: str, trunc: list[float], full: list[float], lengths: tuple = (100, 1000, 10000)) -> dict:
    rows = lambda peaks: [{"T": T, "peak_mib": p, "seconds": 1.0, "updates": 1} for T, p in zip(lengths, peaks, strict=True)]  # noqa: E731
    return {"backend": backend, "truncated": rows(trunc), "full": rows(full), "errors": {}, "exact": True}


CFG = {"speed_sizes": [(32, 35, 256)]}


def _goals(rows: list[dict], sweeps: list[dict]) -> list[str]:
    results = {"lm_speed": {"rows": rows}, "bptt_memory": {"sweeps": sweeps}}
    return [g["status"] for g in gpu_suite.evaluate_goals(results, CFG)]


def test_goals_are_met_when_the_numbers_clear_the_bars() -> None:
    rows = [_speed("torch", "torch", 1e6), _speed("torch", "builtin", 0.79e6), _speed("jax", "builtin", 0.85e6),
            _speed("jax", "custom", 210_000), _speed("torch", "custom", 50_000)]
    sweeps = [_sweep("torch", [20.0, 20.5, 21.0], [30.0, 300.0, 3000.0])]
    assert _goals(rows, sweeps) == ["met", "met", "met"]


def test_goals_are_missed_just_below_the_bars() -> None:
    rows = [_speed("torch", "torch", 1e6), _speed("torch", "builtin", 0.79e6), _speed("jax", "builtin", 0.5e6),
            _speed("jax", "custom", 197_000)]
    growing_truncated = [_sweep("torch", [20.0, 25.0, 40.0], [30.0, 300.0, 3000.0])]
    assert _goals(rows, growing_truncated) == ["missed", "missed", "missed"]
    curved_full = [_sweep("jax", [20.0, 20.0, 20.0], [30.0, 2900.0, 3000.0])]
    assert _goals(rows, curved_full)[2] == "missed"


def test_goals_without_numbers_are_not_measured() -> None:
    failed = [{"backend": "torch", "impl": "torch", "batch": 32, "steps": 35, "units": 256, "error": "timed out"}]
    assert _goals(failed, []) == ["not measured"] * 3
