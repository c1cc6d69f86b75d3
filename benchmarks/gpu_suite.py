#!/usr/bin/env python3
"""The GPU measurements of issue 11 in one run, in priority order, within a time budget.

On a machine with an NVIDIA GPU, PyTorch and JAX (and no TensorFlow, which nothing
here imports), this runs, each measurement in fresh child processes:

1. ``lm_speed``: ``bench_lm`` training speed on ``KERAS_BACKEND=torch`` and ``jax``:
   ``keras.layers.LSTM`` (cuDNN) vs ``keras.layers.RNN(rnnkit.cells.LSTMCell)`` vs a
   plain ``torch.nn.LSTM`` (cuDNN), at batch 32 x 35 steps x 256 units and
   128 x 256 x 512: tokens/s and peak GPU memory. The first size for both backends
   goes first, since two of the goals are judged on it.
2. ``bptt_memory``: full vs truncated BPTT peak GPU memory and time for T = 100 ...
   10,000, chunks of 50 (``rnnkit.memory.bptt_sweep``), torch then jax.
3. ``cells``: ``bench_cells`` on torch and jax, with its cuDNN rows.
4. ``lm_train``: notebook 12's model (2 x 256 LSTM, embedding 32, batch 64 x 100
   steps, Adam 4e-3 with global_clipnorm 1.0, here at a constant rate) trained by
   truncated BPTT on the torch backend until its loss on the validation half of the
   held-out text is below that of notebook 12's strongest baseline, the Kneser-Ney
   7-gram (``NGRAM``), on the same characters, then scored once on the test half
   beside the 7-gram: the time to beat the counts. The target is computed here, by
   the same code as in the notebook (1.212 nats/char there, on every validation
   character; tests/test_benchmarks.py checks the two agree). On two CPU cores the
   notebook's six epochs end at 1.329, above it: the GPU shows whether more epochs
   get there, and how fast.

Each step gets a share of the budget (``SHARES``; what a step leaves unused passes on
to the next; a dry run has no shares) and nothing starts or runs past the end of the
budget: a step cut short keeps what it measured and says what it skipped. Results are written after every
step to ``--out`` as ``gpu_<machine>.json`` (everything, with the GPU's name, driver,
CUDA, cuDNN, torch, jax and keras versions, and the issue's three goals judged met
or missed with their numbers), ``gpu_<machine>.md`` (the tables) and four PNGs.

``--dry-run`` runs every step at tiny sizes on the CPU (tests/test_benchmarks.py does,
in CI): the same code paths, no meaningful numbers.

The device call (one run, ~8 minutes of work; leaves time for a rerun of a step)
-------------------------------------------------------------------------------
Here, once: ``bash benchmarks/fetch_gpu_wheels.sh`` (keras, namex, optree into .whl/,
about 2.9 MB). Then the device tool's ``run`` with::

    command:   bash benchmarks/gpu_suite.sh --budget 420
    carry:     [".whl"]
    timeout_s: 480

``gpu_suite.sh`` installs the wheels, runs this script with ``--out
benchmarks/results`` and packs the new files into ``$OUT/gpu_results.tar.gz`` (with
the log and the markdown beside it). Back here: ``tar xzf <files_at>/gpu_results.tar.gz
-C benchmarks/results``. To redo one step that failed: ``--steps cells --budget 150``
(``timeout_s`` 200).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

import bench_cells  # noqa: E402
import bench_lm  # noqa: E402

from rnnkit import memory  # noqa: E402

STEPS = ("lm_speed", "bptt_memory", "cells", "lm_train")
SHARES = {"lm_speed": 0.40, "bptt_memory": 0.22, "cells": 0.22, "lm_train": 1.0}  # of the budget
BACKENDS = ("torch", "jax")
D2L_SCRATCH_LSTM = 19_800  # tokens/s, d2l's scratch LSTM on a GPU (PyTorch), batch 32 x 35 steps x 256 units
# Notebook 12's Kneser-Ney counting model, its order and discount chosen there on the validation text: lm_train's
# target is its loss on the validation characters the LSTM is scored on (counted in the child, in about a second).
NGRAM = {"order": 7, "discount": 0.9}

GPU = {
    "speed_sizes": [(32, 35, 256), (128, 256, 512)],
    "timing": {"warmup": 3, "block": 3, "min_rounds": 5, "max_rounds": 30, "budget_s": 3.0},
    "process_timeout_s": 90.0,
    "separate": True,
    "memory": bench_lm.GPU_MEMORY,
    "cells_quick": False, "cells_repeats": 7, "cells_kinds": None,  # None: every cell
    "lm_train": {"units": 256, "layers": 2, "embedding_dim": 32, "batch": 64, "seq_len": 100, "lr": 4e-3,
                 "train_chars": None, "max_epochs": 60, "ngram": NGRAM},
}
DRY = {
    "speed_sizes": bench_lm.QUICK_SPEED,
    "timing": bench_lm.QUICK_TIMING,
    "separate": False,
    "process_timeout_s": 600.0,
    "memory": {**bench_lm.QUICK_MEMORY, "lengths": [10, 20, 40]},  # three lengths, so the goal's line fit runs
    # The sweep is rnnkit.memory.bptt_sweep, which tests/test_memory.py runs on every backend; the dry run
    # checks the suite's use of it on torch only (a JAX sweep's two children cost CI about a minute of CPU).
    "memory_backends": ["torch"],
    "cells_quick": True, "cells_repeats": 2, "cells_kinds": ["LSTM"],  # the code path, not every cell
    "lm_train": {"units": 16, "layers": 2, "embedding_dim": 8, "batch": 4, "seq_len": 25, "lr": 4e-3,
                 "train_chars": 2_000, "held_chars": 2_000, "max_epochs": 2, "ngram": NGRAM},
}


# --------------------------------------------------------------------------
# Workers (each in a fresh child process)
# --------------------------------------------------------------------------


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def worker_env() -> dict[str, Any]:
    """The machine and the library versions; imports torch, jax and keras (KERAS_BACKEND=torch)."""
    import platform

    import numpy as np

    info: dict[str, Any] = {"python": platform.python_version(), "numpy": np.__version__, "host": bench_lm.host_info()}
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=60)
        info["nvidia_smi"] = out.stdout.strip() or out.stderr.strip()[-300:]
    except (OSError, subprocess.TimeoutExpired) as exc:
        info["nvidia_smi"] = f"not available ({type(exc).__name__})"
    try:
        import torch

        info["torch"] = {"version": torch.__version__, "cuda": torch.version.cuda, "gpu": torch.cuda.is_available()}
        if torch.cuda.is_available():
            props = torch.cuda.get_device_properties(0)
            info["torch"].update(device=torch.cuda.get_device_name(0), capability=list(torch.cuda.get_device_capability(0)),
                                 memory_gib=round(props.total_memory / 2**30, 1), cudnn=torch.backends.cudnn.version(),
                                 matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32,
                                 cudnn_allow_tf32=torch.backends.cudnn.allow_tf32)
    except ImportError as exc:
        info["torch"] = {"error": str(exc)}
    try:
        import jax

        devices = jax.devices()
        info["jax"] = {"version": jax.__version__, "jaxlib": _version("jaxlib"), "platform": devices[0].platform,
                       "devices": [d.device_kind for d in devices],
                       "default_matmul_precision": str(getattr(jax.config, "jax_default_matmul_precision", None))}
    except Exception as exc:  # an import error, or a plugin that fails to start
        info["jax"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    import keras

    info["keras"] = {"version": keras.__version__, "backend_in_this_check": keras.config.backend()}
    info["packages"] = {d: _version(d) for d in ("keras", "namex", "optree", "jax-cuda13-plugin", "jax-cuda13-pjrt",
                                                  "jax-cuda12-plugin", "nvidia-cudnn-cu13", "nvidia-cudnn-cu12", "matplotlib")}
    info["tensorflow_imported"] = sys.modules.get("tensorflow") is not None
    return info


def notebook12_text(train_chars: int | None = None, held_chars: int | None = None) -> tuple[Any, Any, Any, Any]:
    """Notebook 12's text as ids, cut in reading order as the notebook cuts it: (vocab, train, validation, test).

    ``train_chars`` and ``held_chars`` keep only the start of the training text and of each held-out part (a dry run).
    Needs numpy only.
    """
    from rnnkit import text
    from rnnkit.data import load_novel

    train_text, held_text = text.split_text(load_novel(), held_out=0.1)
    val_text, test_text = text.split_text(held_text, held_out=0.5)  # validation for stopping, test scored once
    vocab = text.CharVocab.from_text(train_text)
    return (vocab, vocab.encode(train_text)[:train_chars], vocab.encode(val_text)[:held_chars],
            vocab.encode(test_text)[:held_chars])


def ngram_losses(train_ids: Any, parts: tuple[Any, ...], vocab_size: int, ngram: dict[str, Any]) -> list[Any]:
    """For each id array of ``parts``, (len(part),) the loss (nats) of its every character under notebook 12's
    counting model, fit once on ``train_ids``."""
    from rnnkit import text

    model = text.NGramLM(ngram["order"], vocab_size, discount=ngram["discount"]).fit(train_ids)
    return [-model.log_probs(ids) for ids in parts]


def worker_lm_train(cfg: dict[str, Any], budget_s: float) -> None:
    """Train notebook 12's model until its validation loss is below the n-gram's; print JSON lines as it goes."""
    import keras
    import numpy as np

    from rnnkit import tbptt, text
    from rnnkit.data import stream_batches

    t_start = time.perf_counter()
    vocab, train_ids, val_ids, test_ids = notebook12_text(cfg.get("train_chars"), cfg.get("held_chars"))
    B, S = cfg["batch"], cfg["seq_len"]
    keras.utils.set_random_seed(0)
    model = tbptt.build_lm(len(vocab), units=cfg["units"], num_layers=cfg["layers"], rnn="lstm",
                           embedding_dim=cfg["embedding_dim"], name="notebook12_lm")
    trainer = tbptt.TBPTTTrainer(model, keras.optimizers.Adam(learning_rate=cfg["lr"], global_clipnorm=1.0))
    # The target: the counts on exactly the validation characters evaluate_tbptt scores (B rows, whole chunks)
    ngram_val, ngram_test = ngram_losses(train_ids, (val_ids, test_ids), len(vocab), cfg["ngram"])  # one fit; per character
    untrained, val_pos = tbptt.token_losses(model, val_ids, batch_size=B, seq_len=S)
    target = float(ngram_val[val_pos].mean())
    print(json.dumps({"setup": {"params": int(model.count_params()), "train_chars": int(len(train_ids)),
                                "val_chars": int(len(val_ids)), "test_chars": int(len(test_ids)),
                                "chunks_per_epoch": (len(train_ids) - 1) // B // S,
                                "ngram": cfg["ngram"], "target": target, "target_chars": int(len(val_pos)),
                                "ngram_val_loss_every_char": float(ngram_val.mean()),
                                "untrained_val_loss": float(untrained.mean()),
                                "device": memory.device_name(), "backend": keras.config.backend(),
                                "setup_s": time.perf_counter() - t_start}}), flush=True)
    train_s, epoch_s, reached = 0.0, None, None
    t0 = time.perf_counter()
    for epoch in range(cfg["max_epochs"]):
        elapsed = time.perf_counter() - t0
        if epoch_s and elapsed + 1.2 * epoch_s > budget_s:
            break
        e0 = time.perf_counter()
        states, losses = tbptt.zero_states(model, B), []
        for x, y in stream_batches(train_ids, B, S):
            loss, states = trainer.train_step(x, y, states)
            losses.append(loss)
        trainer.sync()
        train_s += time.perf_counter() - e0
        val = tbptt.evaluate_tbptt(model, val_ids, batch_size=B, seq_len=S)
        epoch_s = time.perf_counter() - e0
        row = {"epoch": epoch + 1, "updates": (epoch + 1) * len(losses), "train_loss": float(np.mean(losses)),
               "val_loss": float(val), "train_s": train_s, "wall_s": time.perf_counter() - t0}
        print(json.dumps({"epoch": row}), flush=True)
        if val < target:
            reached = row
            break
    test, test_pos = tbptt.token_losses(model, test_ids, batch_size=B, seq_len=S)  # once, for the model as it ends
    sample = text.generate(model, vocab, "Emma ", 240, temperature=0.5, rng=np.random.default_rng(0))
    print(json.dumps({"done": {"reached": reached, "test_loss": float(test.mean()),
                               "ngram_test_loss": float(ngram_test[test_pos].mean()),  # the same characters
                               "sample_tau_0.5": sample}}), flush=True)


# --------------------------------------------------------------------------
# The steps (in the parent, which imports no framework)
# --------------------------------------------------------------------------


class Clock:
    """The suite's budget: one deadline overall, and (with ``shares``) each step's share of the budget."""

    def __init__(self, budget_s: float, shares: bool = True) -> None:
        self.start = time.monotonic()
        self.end = self.start + budget_s
        self.budget_s = budget_s
        self.shares = shares

    def left(self) -> float:
        return self.end - time.monotonic()

    def step_deadline(self, step: str) -> float:
        share = SHARES[step] if self.shares else 1.0
        return min(self.end, time.monotonic() + share * self.budget_s)


def _spawn_json_lines(args: list[str], backend: str, timeout: float) -> tuple[list[dict], str | None]:
    """Run this file as a worker; return the JSON lines it printed and an error (or None)."""
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", *args]
    error = None
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=bench_lm.child_env(backend), timeout=max(timeout, 1.0))
        out, err, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        def text(s: Any) -> str:
            return s.decode(errors="replace") if isinstance(s, bytes) else (s or "")
        out, err, code = text(exc.stdout), text(exc.stderr), None
        error = f"timed out after {timeout:.0f} s"
    records = []
    for line in out.splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # something a library printed, not ours
                pass
    if error is None and code != 0:
        error = f"exit status {code}: " + " | ".join((err or out).strip().splitlines()[-4:])[-600:]
    return records, error


def _run_tasks(tasks: list[Callable[[], Any]], jobs: int) -> list[Any]:
    """Run ``tasks`` (each starts its own child processes) ``jobs`` at a time; results in the tasks' order."""
    if jobs <= 1:
        return [task() for task in tasks]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda task: task(), tasks))


def step_lm_speed(cfg: dict, deadline: float, log: Callable[[str], None], jobs: int = 1) -> dict:
    """Size by size (both backends), the Keras layers per backend, the plain-torch reference once per size."""
    tasks: list[Callable[[], list[dict]]] = []
    torch_ref = bench_lm.torch_installed()
    for size in cfg["speed_sizes"]:
        for backend in cfg["backends"]:
            # shared processes (the dry run): the torch reference joins the torch backend's process
            impls = ["builtin", "custom"] + (["torch"] if torch_ref and backend == "torch" and not cfg["separate"] else [])
            tasks.append(lambda backend=backend, size=size, impls=impls: bench_lm.speed(
                backend, [size], impls, separate=cfg["separate"], timing=cfg["timing"], deadline=deadline,
                process_timeout=cfg["process_timeout_s"], log=log))
            if backend == "torch" and torch_ref and cfg["separate"]:
                tasks.append(lambda size=size: bench_lm.speed(
                    "torch", [size], ["torch"], separate=True, timing=cfg["timing"], deadline=deadline,
                    process_timeout=cfg["process_timeout_s"], log=log))
    return {"rows": [row for rows in _run_tasks(tasks, jobs) for row in rows]}


def step_bptt_memory(cfg: dict, deadline: float, log: Callable[[str], None], jobs: int = 1) -> dict:
    def sweep(k: int, backend: str) -> dict:
        waiting = 1 if jobs > 1 else len(backends) - k  # one after the other: split what is left among those to come
        share = (deadline - time.monotonic()) / waiting
        return bench_lm.memory_sweep(backend, cfg["memory"], deadline=time.monotonic() + share, log=log)

    backends = [b for b in cfg["backends"] if b in cfg.get("memory_backends", cfg["backends"])]
    return {"sweeps": _run_tasks([lambda k=k, b=b: sweep(k, b) for k, b in enumerate(backends)], jobs)}


def step_cells(cfg: dict, deadline: float, log: Callable[[str], None], out: pathlib.Path, tag: str, jobs: int = 1) -> dict:
    sizes = bench_cells.QUICK if cfg["cells_quick"] else bench_cells.FULL

    def one(k: int, backend: str) -> dict:
        left = (deadline - time.monotonic()) / (1 if jobs > 1 else len(cfg["backends"]) - k)
        if left < 10:
            return {"backend": backend, "error": "skipped: out of time"}
        ns = argparse.Namespace(repeats=cfg["cells_repeats"], jit_compile="auto", quick=cfg["cells_quick"], threads=None,
                                timeout=left, machine=None, out=out, kinds=cfg["cells_kinds"])
        result = bench_cells.run_backend(backend, ns)
        what = (result["error"].splitlines()[0][:200] if "error" in result
                else f"{len(result['variants'])} variants on {result['device']} in {result['wall_s']:.0f} s")
        log(f"  cells  {backend}: {what}")
        return result

    results = _run_tasks([lambda k=k, b=b: one(k, b) for k, b in enumerate(cfg["backends"])], jobs)
    ns = argparse.Namespace(repeats=cfg["cells_repeats"], jit_compile="auto", quick=cfg["cells_quick"], threads=None,
                            machine=None, out=out)
    report, json_path, png_path = bench_cells.write_report(results, ns, sizes, stem=f"{tag}_cells")
    gpu = bool(report["gpus"])
    return {"table": report["table"], "markdown": bench_cells.markdown(report["table"], gpu=gpu), "results": results,
            "files": [p.name for p in (json_path, png_path) if p]}


def step_lm_train(cfg: dict, deadline: float, log: Callable[[str], None]) -> dict:
    left = deadline - time.monotonic()
    if left < 30:
        return {"error": "skipped: out of time", "epochs": []}
    # the child stops itself before its budget (margin for the test score and a sample); the timeout is the backstop
    records, error = _spawn_json_lines(["lm_train", json.dumps(cfg["lm_train"]), str(left - 20)], "torch", timeout=left)
    result: dict[str, Any] = {"config": cfg["lm_train"], "epochs": [], "error": error}
    for r in records:
        if "setup" in r:
            result["setup"] = r["setup"]
        elif "epoch" in r:
            result["epochs"].append(r["epoch"])
            e = r["epoch"]
            log(f"  train  epoch {e['epoch']:2d}: train {e['train_loss']:.3f}, validation {e['val_loss']:.3f} nats/char, "
                f"{e['wall_s']:.0f} s")
        elif "done" in r:
            result.update(r["done"])
    if error:
        log(f"  train  {error}")
    return result


# --------------------------------------------------------------------------
# Goals, tables, figures
# --------------------------------------------------------------------------


def _speed_lookup(rows: list[dict]) -> dict[tuple, dict]:
    return {(r.get("backend"), r["impl"], r["batch"], r["steps"], r["units"]): r for r in rows if "error" not in r}


def _linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least-squares ``y = a + b x``: (a, b, R^2)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return a, b, (1 - ss_res / ss_tot) if ss_tot else 0.0


def evaluate_goals(results: dict[str, Any], cfg: dict) -> list[dict]:
    """Issue 11's three goals, each met / missed / not measured, with the numbers behind it."""
    goals = []
    rows = results.get("lm_speed", {}).get("rows", [])
    look = _speed_lookup(rows)
    # 1. built-in Keras LSTM (torch or jax backend) >= 0.8 x raw cuDNN torch.nn.LSTM, same run
    per_size, verdicts = [], []
    for b, s, u in cfg["speed_sizes"]:
        ref = look.get(("torch", "torch", b, s, u))
        ratios = {bk: look[(bk, "builtin", b, s, u)]["tokens_per_s"] / ref["tokens_per_s"]
                  for bk in BACKENDS if ref and (bk, "builtin", b, s, u) in look}  # only backends that were measured
        if ratios:
            best = max(ratios, key=ratios.get)
            per_size.append({"size": [b, s, u], "torch_nn_lstm_tokens_per_s": ref["tokens_per_s"],
                             "builtin_over_torch": ratios, "best": best})
            verdicts.append(ratios[best] >= 0.8)
    goals.append({
        "goal": "Keras' built-in LSTM on the torch or JAX backend reaches >= 0.8x the tokens/s of raw cuDNN torch.nn.LSTM",
        "status": "not measured" if not verdicts else "met" if all(verdicts) else "missed",
        "criterion": "at every size, the better of the two backends: builtin tokens/s / torch.nn.LSTM tokens/s >= 0.8",
        "numbers": per_size,
    })
    # 2. custom rnnkit cell >= 10 x d2l's scratch LSTM (19.8k tok/s) at d2l's size
    b, s, u = cfg["speed_sizes"][0]
    custom = {bk: look[(bk, "custom", b, s, u)]["tokens_per_s"] for bk in BACKENDS if (bk, "custom", b, s, u) in look}
    goals.append({
        "goal": f"the custom rnnkit LSTM cell reaches >= 10x d2l's scratch-LSTM GPU throughput ({D2L_SCRATCH_LSTM:,} tok/s)",
        "status": "not measured" if not custom else "met" if max(custom.values()) >= 10 * D2L_SCRATCH_LSTM else "missed",
        "criterion": f"tokens/s of RNN(rnnkit.cells.LSTMCell) at batch {b} x {s} steps x {u} units (d2l's size) >= "
                     f"{10 * D2L_SCRATCH_LSTM:,}, on either backend",
        "numbers": {bk: {"tokens_per_s": v, "times_d2l": v / D2L_SCRATCH_LSTM} for bk, v in custom.items()},
    })
    # 3. truncated BPTT's peak flat from T = 100 to 10,000, full BPTT's linear
    per_backend, verdicts = {}, []
    for sweep in results.get("bptt_memory", {}).get("sweeps", []):
        full, trunc = sweep.get("full") or [], sweep.get("truncated") or []
        if len(full) < 3 or len(trunc) < 2:
            continue
        lo, hi = trunc[0], trunc[-1]
        flat = hi["peak_mib"] <= 1.1 * lo["peak_mib"] + 1.0
        a, slope, r2 = _linear_fit([r["T"] for r in full], [r["peak_mib"] for r in full])
        linear = slope > 0 and r2 >= 0.98
        per_backend[sweep["backend"]] = {
            "truncated_peak_mib": {r["T"]: r["peak_mib"] for r in trunc}, "full_peak_mib": {r["T"]: r["peak_mib"] for r in full},
            "truncated_flat": flat, "full_fit_mib": {"intercept": a, "per_step": slope, "r2": r2}, "full_linear": linear,
            "lengths_measured": [r["T"] for r in full], "complete": not sweep.get("errors"), "exact": sweep.get("exact")}
        verdicts.append(flat and linear)
    goals.append({
        "goal": "truncated BPTT's peak memory stays flat from T = 100 to 10,000 while full BPTT's grows linearly",
        "status": "not measured" if not verdicts else "met" if all(verdicts) else "missed",
        "criterion": "truncated peak at the longest T <= 1.1 x its peak at the shortest + 1 MiB; full peaks fit a + b*T "
                     "with b > 0 and R^2 >= 0.98 (each backend)",
        "numbers": per_backend,
    })
    return goals


def _fmt_goal(g: dict) -> list[str]:
    lines = [f"- **{g['status'].upper()}**: {g['goal']}.", f"  Criterion: {g['criterion']}."]
    n = g["numbers"]
    if g["goal"].startswith("Keras' built-in"):
        for row in n:
            b, s, u = row["size"]
            ratios = ", ".join(f"{bk} {v:.2f}x" for bk, v in row["builtin_over_torch"].items())
            ref = row["torch_nn_lstm_tokens_per_s"]
            lines.append(f"  batch {b} x {s} x {u}: torch.nn.LSTM {ref:,.0f} tok/s; built-in / it: {ratios}")
    elif g["goal"].startswith("the custom"):
        for bk, v in n.items():
            lines.append(f"  {bk}: {v['tokens_per_s']:,.0f} tok/s = {v['times_d2l']:.1f}x d2l's 19.8k")
    else:
        for bk, v in n.items():
            trunc = ", ".join(f"T={k}: {x:.1f}" for k, x in v["truncated_peak_mib"].items())
            full = ", ".join(f"T={k}: {x:.1f}" for k, x in v["full_peak_mib"].items())
            lines.append(f"  {bk}: truncated {trunc} MiB ({'flat' if v['truncated_flat'] else 'NOT flat'}); full {full} MiB, "
                         f"{v['full_fit_mib']['per_step']:.3f} MiB per step, R^2 {v['full_fit_mib']['r2']:.3f}"
                         + ("" if v["complete"] else " (incomplete)"))
    return lines


def markdown_report(report: dict) -> str:
    env, res = report["environment"], report["results"]
    t = env.get("torch", {})
    dry = " (DRY RUN on the CPU: tiny sizes, not measurements)" if report["dry_run"] else ""
    jx = env.get("jax", {})
    lines = [f"# GPU suite: {report['machine']}{dry}",
             "", f"Created {report['created']}; budget {report['budget_s']:.0f} s, used {report['used_s']:.0f} s.",
             f"GPU: {env.get('nvidia_smi')}; torch {t.get('version')} (CUDA {t.get('cuda')}, cuDNN {t.get('cudnn')}, "
             f"TF32 matmul {t.get('matmul_allow_tf32')}, cuDNN TF32 {t.get('cudnn_allow_tf32')}); "
             f"jax {jx.get('version')} on {jx.get('platform')}; keras {env.get('keras', {}).get('version')}; "
             f"python {env.get('python')}, numpy {env.get('numpy')}.", "", "## Goals (issue 11)", ""]
    for g in report["goals"]:
        lines += _fmt_goal(g)
    lines += ["", "## 1. LM speed (bench_lm)", ""]
    if "lm_speed" in res:
        lines.append(bench_lm.markdown_speed(res["lm_speed"]["rows"]))
    lines += ["", "## 2. Full vs truncated BPTT (rnnkit.memory.bptt_sweep)", ""]
    for sweep in res.get("bptt_memory", {}).get("sweeps", []):
        lines += [bench_lm.markdown_memory(sweep), ""]
    lines += ["## 3. Cells (bench_cells)", "", res.get("cells", {}).get("markdown", "not run"), "",
              f"## 4. Notebook 12's model, time to beat the {NGRAM['order']}-gram counts", ""]
    tr = res.get("lm_train")
    if tr:
        su = tr.get("setup") or {}
        if "target" in su:
            lines.append(f"- target: the Kneser-Ney {su['ngram']['order']}-gram (D = {su['ngram']['discount']})'s loss on the "
                         f"{su['target_chars']:,} validation characters scored: {su['target']:.3f} nats/char "
                         f"({su['ngram_val_loss_every_char']:.3f} on every validation character; untrained LSTM "
                         f"{su['untrained_val_loss']:.3f})")
        for e in tr.get("epochs", []):
            lines.append(f"- epoch {e['epoch']}: train {e['train_loss']:.3f}, validation {e['val_loss']:.3f} nats/char, "
                         f"{e['updates']} updates, {e['train_s']:.0f} s training, {e['wall_s']:.0f} s with validation")
        reached = tr.get("reached")
        lines.append("- below the target on validation: "
                     + (f"yes, after {reached['epoch']} epochs, {reached['wall_s']:.0f} s" if reached else "no"))
        if tr.get("epochs"):
            low = min(tr["epochs"], key=lambda e: e["val_loss"])
            lines.append(f"- lowest validation loss: {low['val_loss']:.3f} nats/char, epoch {low['epoch']}")
        if "test_loss" in tr:
            lines.append(f"- test (scored once, at the end, on the same characters): LSTM {tr['test_loss']:.3f}, "
                         f"{NGRAM['order']}-gram counts {tr['ngram_test_loss']:.3f} nats/char")
        if tr.get("error"):
            lines.append(f"- error: {tr['error']}")
    for step, why in report["skipped"].items():
        lines.append(f"\nStep {step}: {why}")
    return "\n".join(lines) + "\n"


def plot_lm_train(result: dict, title: str, path: pathlib.Path) -> bool:
    epochs = result.get("epochs") or []
    if not epochs:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([e["wall_s"] for e in epochs], [e["val_loss"] for e in epochs], "o-", label="validation (half the held-out text)")
    ax.plot([e["wall_s"] for e in epochs], [e["train_loss"] for e in epochs], "s--", label="training chunks (epoch mean)")
    target = (result.get("setup") or {}).get("target")
    if target is not None:
        ax.axhline(target, color="gray", linestyle=":", label=f"target: {NGRAM['order']}-gram counts, {target:.3f} nats/char")
    ax.set_xlabel("seconds of training (validation included)")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return True


def write_outputs(report: dict, out: pathlib.Path, tag: str) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    res = report["results"]
    where = report["machine"] + (" (dry run, CPU)" if report["dry_run"] else "")
    files = [f"{tag}.json", f"{tag}.md"]
    if "lm_speed" in res and bench_lm.plot_speed(res["lm_speed"]["rows"], f"LSTM language model on {where}",
                                                 out / f"{tag}_lm_speed.png"):
        files.append(f"{tag}_lm_speed.png")
    if "bptt_memory" in res and bench_lm.plot_memory(res["bptt_memory"]["sweeps"], f"Full vs truncated BPTT on {where}",
                                                     out / f"{tag}_bptt_memory.png"):
        files.append(f"{tag}_bptt_memory.png")
    files += res.get("cells", {}).get("files", [])
    if "lm_train" in res and plot_lm_train(res["lm_train"], f"Notebook 12's model on {where}, torch backend",
                                           out / f"{tag}_lm_train.png"):
        files.append(f"{tag}_lm_train.png")
    report["files"] = sorted(set(files))
    (out / f"{tag}.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / f"{tag}.md").write_text(markdown_report(report))
    return report["files"]


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="every step at tiny sizes on the CPU")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds for all steps together (default 420)")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS), help="which steps, in priority order")
    parser.add_argument("--out", type=pathlib.Path, default=bench_lm.RESULTS, help="folder for the results")
    parser.add_argument("--jobs", type=int, help="measurements run at once within a step (default: 1 on a GPU, where "
                        "timings must not overlap; 2 in a dry run, whose timings mean nothing)")
    parser.add_argument("--worker", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, *rest = args.worker
        if kind == "env":
            print(json.dumps(worker_env()))
        elif kind == "lm_train":
            worker_lm_train(json.loads(rest[0]), float(rest[1]))
        return 0

    clock = Clock(args.budget, shares=not args.dry_run)  # a dry run must run every step, however slow the machine
    if args.dry_run:  # one CPU thread per child: two children at a time share the cores without waiting on each other
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
            os.environ.setdefault(name, "1")
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
                                   " intra_op_parallelism_threads=1").strip()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - clock.start:5.0f} s] {message}", flush=True)

    missing = [m for m in ("keras", "torch", "jax") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"gpu_suite: {', '.join(missing)} not importable (carry the wheels: benchmarks/fetch_gpu_wheels.sh)",
              file=sys.stderr)
        return 2
    records, error = _spawn_json_lines(["env"], "torch", timeout=min(180.0, clock.left()))
    env = records[-1] if records else {"error": error}
    gpu = bool(env.get("torch", {}).get("gpu"))
    if error or not records:
        print(f"gpu_suite: the environment check failed: {error}", file=sys.stderr)
        return 2
    if not gpu and not args.dry_run:
        print("gpu_suite: PyTorch sees no CUDA GPU here; use --dry-run on a CPU", file=sys.stderr)
        return 2
    cfg = dict(DRY if args.dry_run else GPU)
    jobs = args.jobs or (2 if args.dry_run else 1)
    jax_platform = env.get("jax", {}).get("platform")
    cfg["backends"] = list(BACKENDS) if args.dry_run or jax_platform == "gpu" else ["torch"]
    machine = env["torch"].get("device") if gpu else f"{env['host']['cpu']} ({env['host']['cpus']} cores)"
    tag = "gpu_" + re.sub(r"[^a-z0-9]+", "-", ("dry-run " if args.dry_run else "") + machine.lower()).strip("-")[:50]
    log(f"gpu_suite on {machine}{' (DRY RUN)' if args.dry_run else ''}: {env.get('nvidia_smi')}; torch "
        f"{env['torch'].get('version')} CUDA {env['torch'].get('cuda')} cuDNN {env['torch'].get('cudnn')}; "
        f"jax {env.get('jax', {}).get('version')} ({env.get('jax', {}).get('platform')}); keras {env['keras']['version']}")

    report: dict[str, Any] = {"machine": machine, "dry_run": args.dry_run, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
                              "budget_s": args.budget, "used_s": 0.0, "jobs": jobs, "config": cfg, "environment": env,
                              "results": {}, "skipped": {}, "errors": {}, "goals": []}
    if "jax" not in cfg["backends"]:  # its figures would be CPU figures under a GPU heading
        report["skipped"]["jax"] = f"JAX sees no GPU here (platform {jax_platform}): the JAX backend is left out"
        log(f"WARNING: {report['skipped']['jax']}")
    for step in STEPS:
        if step not in args.steps:
            continue
        if clock.left() < 15:
            report["skipped"][step] = "skipped: the budget ran out"
            log(f"{step}: skipped, the budget ran out")
            continue
        deadline = clock.step_deadline(step)
        log(f"{step}: starting, {deadline - time.monotonic():.0f} s for it, {clock.left():.0f} s left in all")
        try:
            if step == "lm_speed":
                result = step_lm_speed(cfg, deadline, log, jobs)
            elif step == "bptt_memory":
                result = step_bptt_memory(cfg, deadline, log, jobs)
            elif step == "cells":
                result = step_cells(cfg, deadline, log, args.out, tag, jobs)
            else:
                result = step_lm_train(cfg, deadline, log)
        except Exception as exc:  # one broken step must not cost the others
            result = {"error": f"{type(exc).__name__}: {exc}"}
        report["results"][step] = result
        errors = _errors(step, result)
        if errors:
            report["errors"][step] = errors
        report["used_s"] = time.monotonic() - clock.start
        report["goals"] = evaluate_goals(report["results"], cfg)
        write_outputs(report, args.out, tag)  # after every step: a run cut short keeps what it measured
    print()
    print((args.out / f"{tag}.md").read_text())
    print("wrote", ", ".join(report.get("files", [])), "in", args.out)
    print(f"files: {' '.join(str(args.out / f) for f in report.get('files', []))}")
    if report["errors"]:
        print("ERRORS:", json.dumps(report["errors"], indent=1)[:3000], file=sys.stderr)
    return 1 if report["errors"] else 0


def _errors(step: str, result: dict) -> list[str]:
    """Every failure inside a step's result (rows, sweeps, backends), skips for lack of time included."""
    found = []
    if result.get("error"):
        found.append(str(result["error"]))
    for r in result.get("rows", []):
        if "error" in r:
            found.append(f"{r.get('backend')} {r['impl']} {r['batch']}x{r['steps']}x{r['units']}: {r['error']}")
    for s in result.get("sweeps", []):
        found += [f"{s.get('backend')} {mode}: {e}" for mode, e in (s.get("errors") or {}).items()]
    for r in result.get("results", []):
        if "error" in r:
            found.append(f"{r.get('backend')}: {r['error'][:300]}")
        found += [f"{r.get('backend')} {name}: {e}" for name, e in (r.get("errors") or {}).items()]
    return found


if __name__ == "__main__":
    sys.exit(main())
