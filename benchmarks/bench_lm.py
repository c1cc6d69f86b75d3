#!/usr/bin/env python3
"""Language-model benchmark: training speed of three LSTMs, and full vs truncated BPTT memory.

Usage (from the repository root)::

    python benchmarks/bench_lm.py                       # CPU: small sizes, the default backend (TensorFlow)
    KERAS_BACKEND=torch python benchmarks/bench_lm.py   # on a GPU machine: the GPU sizes
    KERAS_BACKEND=jax   python benchmarks/bench_lm.py
    python benchmarks/bench_lm.py --quick               # tiny sizes: a smoke test, not a measurement

The model is a character language model: ``Embedding(77, U) -> one LSTM layer of U
units -> Dense(77)``, Adam(1e-3), the recurrent state carried from chunk to chunk. One
**update** is one chunk of ``batch x steps`` tokens: forward, backward, the Adam step,
and the loss fetched back to the host (as ``rnnkit.tbptt.TBPTTTrainer`` does every step
in training), so each update waits for the device.

1. **Speed**: training tokens per second of

   * ``builtin``: ``keras.layers.LSTM`` (``rnnkit.tbptt.build_lm``), the cuDNN path on a
     GPU where the backend has one (torch, jax and tensorflow do for this layer);
   * ``custom``: ``keras.layers.RNN(rnnkit.cells.LSTMCell(U))``, no cuDNN;
   * ``torch``: plain PyTorch (``nn.Embedding``, ``nn.LSTM``, ``nn.Linear``,
     ``torch.optim.Adam``), cuDNN on a GPU: the reference a PyTorch user would pick.

   How it is timed. CPU (a shared machine): every implementation in **one** process,
   each built and warmed up (3 updates), then rounds in which each times a block of 2
   updates, the order rotating every round; the figure is the median over the rounds
   (at least 7, more while the time budget lasts), so a burst of load from another
   program hits all of them alike. GPU (a machine of its own): one fresh process per
   implementation, timed the same way, so that each one's peak memory is exact.
   ``--processes shared|separate`` overrides the choice.

   Peak memory: ``rnnkit.memory.PeakMeter`` over the warm-up updates, above the state
   after building the model and the optimizer. Exact on a GPU with PyTorch or
   TensorFlow and for one implementation per process; with several in one CPU process
   the later ones may reuse memory the earlier ones freed (marked ``memory_exact: false``).

2. **Memory**: full vs truncated BPTT, one pass over ``batch`` sequences of ``T`` tokens,
   by ``rnnkit.memory.bptt_sweep`` (each mode in a fresh process; see its docstring).

Sizes: GPU batch 32 x 35 steps x 256 units and 128 x 256 x 512, lengths 100 ... 10,000;
CPU 8 x 35 x 64 and 16 x 64 x 128, lengths 100 ... 3,000; chunks of 50 steps.
Writes ``lm_<backend>_<cpu|gpu>.json`` and two PNGs to ``--out`` (default
``benchmarks/results/``) and prints markdown tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pathlib
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rnnkit import memory  # noqa: E402  (stdlib only at import: safe in the driver process)

RESULTS = ROOT / "benchmarks" / "results"
VOCAB = 77  # the characters of Emma (rnnkit.data.load_novel)
IMPLS = ("builtin", "custom", "torch")
NAMES = {"builtin": "keras.layers.LSTM", "custom": "RNN(rnnkit.cells.LSTMCell)", "torch": "torch.nn.LSTM (plain PyTorch)"}

GPU_SPEED = [(32, 35, 256), (128, 256, 512)]  # (batch, steps, units)
CPU_SPEED = [(8, 35, 64), (16, 64, 128)]
QUICK_SPEED = [(4, 10, 16)]
GPU_MEMORY = {"lengths": [100, 300, 1000, 3000, 10000], "batch": 32, "units": 256, "chunk": 50}
CPU_MEMORY = {"lengths": [50, 100, 300, 1000, 3000], "batch": 16, "units": 128, "chunk": 50}
QUICK_MEMORY = {"lengths": [10, 40], "batch": 2, "units": 8, "chunk": 10}
TIMING = {"warmup": 3, "block": 2, "min_rounds": 7, "max_rounds": 41, "budget_s": 30.0}
QUICK_TIMING = {"warmup": 2, "block": 1, "min_rounds": 2, "max_rounds": 2, "budget_s": 0.0}


# --------------------------------------------------------------------------
# Measuring (inside a worker process)
# --------------------------------------------------------------------------


def _keras_lm(impl: str, batch: int, units: int) -> tuple[Callable, int]:
    """A Keras LM trained by TBPTTTrainer: (update(x, y) -> loss, parameter count)."""
    import keras

    from rnnkit import cells, tbptt

    keras.utils.set_random_seed(0)
    if impl == "builtin":
        rnn: Any = "lstm"
    else:
        def rnn(n: int) -> Any:
            return keras.layers.RNN(cells.LSTMCell(n), return_sequences=True, return_state=True)
    model = tbptt.build_lm(VOCAB, units=units, num_layers=1, rnn=rnn, embedding_dim=units, name=f"lm_{impl}")
    trainer = tbptt.TBPTTTrainer(model, keras.optimizers.Adam(1e-3))
    held = {"states": tbptt.zero_states(model, batch)}

    def update(x: Any, y: Any) -> float:
        loss, held["states"] = trainer.train_step(x, y, held["states"])  # a float: waits for the device
        return loss

    return update, int(model.count_params())


def _torch_lm(batch: int, units: int) -> tuple[Callable, int]:
    """The same LM in plain PyTorch: Embedding -> nn.LSTM -> Linear, Adam, the state carried and detached."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    emb = torch.nn.Embedding(VOCAB, units).to(device)
    lstm = torch.nn.LSTM(units, units, batch_first=True).to(device)
    head = torch.nn.Linear(units, VOCAB).to(device)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    state = [torch.zeros(1, batch, units, device=device) for _ in range(2)]

    def update(x: Any, y: Any) -> float:
        x = torch.as_tensor(x, device=device, dtype=torch.long)
        y = torch.as_tensor(y, device=device, dtype=torch.long)
        out, (h, c) = lstm(emb(x), (state[0], state[1]))
        loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        state[0], state[1] = h.detach(), c.detach()
        return float(loss.detach())  # like TBPTTTrainer.train_step: the loss comes back to the host every update

    return update, sum(p.numel() for p in params)


def _limit_threads(threads: int, impls: Sequence[str]) -> None:
    """Use ``threads`` CPU threads (JAX's are set through XLA_FLAGS by the driver, before JAX starts)."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend == "torch" or "torch" in impls:
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
    if backend == "tensorflow" and any(i != "torch" for i in impls):
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def worker_speed(impls: Sequence[str], batch: int, steps: int, units: int, *, warmup: int = 3, block: int = 2,
                 min_rounds: int = 7, max_rounds: int = 41, budget_s: float = 30.0, threads: int | None = None) -> dict:
    """Time ``impls`` in this process, interleaved; one dict per implementation (see the module docstring)."""
    import numpy as np

    if threads:
        _limit_threads(threads, impls)
    n_chunks = 16
    data = np.random.default_rng(0).integers(0, VOCAB, size=(batch, steps * n_chunks + 1)).astype("int32")

    def chunk(k: int) -> tuple[Any, Any]:
        k %= n_chunks
        return data[:, k * steps : (k + 1) * steps], data[:, k * steps + 1 : (k + 1) * steps + 1]

    runners: dict[str, dict[str, Any]] = {}
    for impl in impls:  # build and warm up one at a time, each with its own memory reading
        framework = "torch" if impl == "torch" else None
        update, n_params = _torch_lm(batch, units) if impl == "torch" else _keras_lm(impl, batch, units)
        meter = memory.PeakMeter(framework)
        meter.start()
        start = time.perf_counter()
        update(*chunk(0))
        first = time.perf_counter() - start
        for k in range(1, warmup):
            update(*chunk(k))
        runners[impl] = {"update": update, "next": warmup, "params": n_params, "first_update_s": first,
                         "peak_mb": meter.rise_mib(), "memory_exact": meter.exact and (meter.gpu or len(impls) == 1),
                         "gpu": meter.gpu, "device": memory.device_name(framework), "times": []}

    start, rounds = time.perf_counter(), 0
    while rounds < max_rounds and (rounds < min_rounds or time.perf_counter() - start < budget_s):
        names = list(impls)
        for impl in names[rounds % len(names):] + names[: rounds % len(names)]:  # rotate: nobody always goes first
            run = runners[impl]
            t0 = time.perf_counter()
            for _ in range(block):
                run["update"](*chunk(run["next"]))
                run["next"] += 1
            run["times"].append((time.perf_counter() - t0) / block)
        rounds += 1

    out = {}
    for impl, run in runners.items():
        times = np.asarray(run["times"])
        med = float(np.median(times))
        q1, q3 = (float(v) for v in np.percentile(times, [25, 75]))
        out[impl] = {"impl": impl, "batch": batch, "steps": steps, "units": units, "params": run["params"],
                     "rounds": rounds, "updates": rounds * block, "median_update_s": med, "iqr_update_s": [q1, q3],
                     "tokens_per_s": batch * steps / med, "tokens_per_s_iqr": [batch * steps / q3, batch * steps / q1],
                     "first_update_s": run["first_update_s"], "peak_mb": run["peak_mb"],
                     "memory_exact": run["memory_exact"], "gpu": run["gpu"], "device": run["device"],
                     "in_process_with": [i for i in impls if i != impl]}
    return out


# --------------------------------------------------------------------------
# Orchestrating (the parent process): no framework is imported here
# --------------------------------------------------------------------------


def child_env(backend: str, threads: int | None = None) -> dict[str, str]:
    """The environment of a worker: its Keras backend, rnnkit importable, TensorFlow quiet, JAX's threads."""
    env = {**os.environ, "KERAS_BACKEND": backend,
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if threads and backend == "jax":
        flags = f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} intra_op_parallelism_threads={threads}"
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {flags}".strip()
    return env


def _spawn(args: list[str], backend: str, timeout: float, threads: int | None = None) -> dict:
    """Run this file as a worker; its last stdout line is JSON. Errors come back as {"error": ...}."""
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", json.dumps(args)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=child_env(backend, threads), timeout=max(timeout, 1.0))
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-4:]
        return {"error": f"exit status {proc.returncode}: " + " | ".join(tail)[-600:]}
    return json.loads(lines[-1])


def has_gpu(backend: str) -> bool:
    """Whether ``backend`` sees a GPU here (asked in a subprocess, so this process imports no framework)."""
    code = f"from rnnkit import memory; print(memory.gpu_available({backend!r}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(backend), timeout=300)
    return proc.stdout.strip().endswith("True")


def torch_installed() -> bool:
    return importlib.util.find_spec("torch") is not None


def speed(backend: str, sizes: Sequence[tuple[int, int, int]], impls: Sequence[str], *, separate: bool,
          timing: dict[str, Any], threads: int | None = None, deadline: float | None = None,
          process_timeout: float = 1800.0, log: Callable[[str], None] = print) -> list[dict]:
    """Speed rows for every (size, implementation); failures come back as rows with an ``error``.

    ``deadline`` (a ``time.monotonic()`` value): no worker starts after it and none runs past it;
    ``process_timeout``: the most one worker may take.
    """
    rows = []
    for b, s, u in sizes:
        groups = [[impl] for impl in impls] if separate else [list(impls)]
        for group in groups:
            left = min(process_timeout, (deadline - time.monotonic()) if deadline else process_timeout)
            if left < 5:
                rows += [{"impl": i, "batch": b, "steps": s, "units": u, "error": "skipped: out of time"} for i in group]
                continue
            args = ["speed", group, b, s, u, timing, threads]
            r = _spawn(args, backend, timeout=left, threads=threads)
            for impl in group:
                row = r[impl] if impl in r else {"impl": impl, "batch": b, "steps": s, "units": u, "error": r.get("error")}
                row["backend"] = backend
                rows.append(row)
                msg = row.get("error") or (f"{row['tokens_per_s']:>11,.0f} tokens/s (median of {row['rounds']} rounds), "
                                           f"peak {row['peak_mb']:.1f} MiB")
                log(f"  speed  {backend:10s} {impl:8s} batch {b:3d} x {s:3d} steps x {u:3d} units: {msg}")
    return rows


def memory_sweep(backend: str, config: dict[str, Any], *, deadline: float | None = None,
                 log: Callable[[str], None] = print) -> dict:
    """Full vs truncated BPTT by rnnkit.memory.bptt_sweep (embedding size = units), failures recorded."""
    left = (deadline - time.monotonic()) if deadline else None
    if left is not None and left < 10:
        return {"backend": backend, "truncated": [], "full": [], "errors": {"both": "skipped: out of time"}, **config}
    per_mode = None if left is None else left / 2
    result = memory.bptt_sweep(config["lengths"], chunk=config["chunk"], batch=config["batch"], units=config["units"],
                               embedding_dim=config["units"], backend=backend, timeout=per_mode, strict=False)
    for line in memory.format_sweep(result).splitlines():
        log(f"  memory {line}")
    return result


def cpu_model() -> str:
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", pathlib.Path("/proc/cpuinfo").read_text(), flags=re.MULTILINE)
        if match:
            return match.group(1).strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def host_info() -> dict[str, Any]:
    """The machine, including its load: these benchmarks are often run on shared machines."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"python": platform.python_version(), "cpu": cpu_model(), "cpus": os.cpu_count(), "machine": platform.machine(),
            "load_average_1_5_15_min": [round(v, 2) for v in load] if load else None}


def plot_speed(rows: list[dict], title: str, path: pathlib.Path) -> bool:
    """Bar chart of tokens/s (median, IQR whiskers) and peak memory per implementation and size."""
    good = [r for r in rows if "error" not in r]
    if not good:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted({(r["batch"], r["steps"], r["units"]) for r in good})
    series = sorted({(r.get("backend", ""), r["impl"]) for r in good}, key=lambda k: (IMPLS.index(k[1]), k[0]))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    width = 0.8 / len(series)
    for j, (backend, impl) in enumerate(series):
        mine = {(r["batch"], r["steps"], r["units"]): r for r in good if r["impl"] == impl and r.get("backend", "") == backend}
        xs = [i + (j - (len(series) - 1) / 2) * width for i in range(len(sizes))]
        tps = [mine[s]["tokens_per_s"] if s in mine else 0 for s in sizes]
        low = [mine[s]["tokens_per_s"] - mine[s]["tokens_per_s_iqr"][0] if s in mine else 0 for s in sizes]
        high = [mine[s]["tokens_per_s_iqr"][1] - mine[s]["tokens_per_s"] if s in mine else 0 for s in sizes]
        label = NAMES[impl] + (f", KERAS_BACKEND={backend}" if impl != "torch" and len({k[0] for k in series}) > 1 else "")
        axes[0].bar(xs, tps, width=width, yerr=[low, high], capsize=3, label=label)
        axes[1].bar(xs, [mine[s]["peak_mb"] if s in mine else 0 for s in sizes], width=width, label=label)
    for ax in axes:
        ax.set_xticks(range(len(sizes)), [f"batch {b}, {s} steps,\n{u} units" for b, s, u in sizes])
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("training tokens per second (log scale)")
    axes[0].set_title(f"{title}\nmedian over interleaved rounds, whiskers: interquartile range", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].set_ylabel("peak memory above the built model (MiB)")
    approx = any(not r["memory_exact"] for r in good)
    axes[1].set_title("Peak memory of the first training updates" + (
        "\napproximate: several implementations shared one process, later ones reuse freed memory" if approx else ""),
        fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return True


def plot_memory(sweeps: list[dict], title: str, path: pathlib.Path) -> bool:
    """Peak memory and time of one pass against T, full and truncated, one line per backend and mode."""
    sweeps = [m for m in sweeps if m.get("full") or m.get("truncated")]
    if not sweeps:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for k, m in enumerate(sweeps):
        color = f"C{k}"  # one colour per backend, one line style per mode
        for mode, style in (("full", "o-"), ("truncated", "s--")):
            rows = m.get(mode) or []
            label = ("full BPTT" if mode == "full" else f"truncated BPTT (chunks of {m['chunk']})") + (
                f", {m['backend']}" if len(sweeps) > 1 else "")
            axes[0].plot([r["T"] for r in rows], [r["peak_mib"] for r in rows], style, color=color, label=label)
            axes[1].plot([r["T"] for r in rows], [r["seconds"] for r in rows], style, color=color, label=label)
    for ax in axes:  # linear axes: a straight line is linear growth, a level one no growth
        ax.set_xlabel("sequence length T (tokens per row)")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    m0 = sweeps[0]
    axes[0].set_ylabel("peak memory above the built model (MiB)")
    axes[0].set_title(f"{title}\none pass over {m0['batch']} rows of T tokens, {m0['units']} units", fontsize=9)
    axes[1].set_ylabel("seconds per pass")
    axes[1].set_title("Time of one pass over T steps (after a warm-up)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return True


def markdown_speed(rows: list[dict]) -> str:
    lines = ["| backend | device | implementation | batch × steps × units | parameters | tokens/s (median) | IQR | peak MiB |",
             "|---|---|---|---|---:|---:|---:|---:|"]
    for r in rows:
        size = f"{r.get('batch')} × {r.get('steps')} × {r.get('units')}"
        backend = "–" if r["impl"] == "torch" else r.get("backend", "")
        if "error" in r:
            lines.append(f"| {backend} | | {NAMES.get(r['impl'], r['impl'])} | {size} | | failed: {str(r['error'])[:80]} | | |")
        else:
            lo, hi = r["tokens_per_s_iqr"]
            mem = f"{r['peak_mb']:.1f}" + ("" if r["memory_exact"] else " (approx.)")
            lines.append(f"| {backend} | {r['device']} | {NAMES[r['impl']]} | {size} | {r['params']:,} | "
                         f"{r['tokens_per_s']:,.0f} | {lo:,.0f}–{hi:,.0f} | {mem} |")
    return "\n".join(lines)


def markdown_memory(sweep: dict) -> str:
    lines = [f"Full vs truncated BPTT ({sweep.get('backend')}, {sweep.get('device')}; batch {sweep.get('batch')}, "
             f"{sweep.get('units')} units, chunks of {sweep.get('chunk')}): peak memory above the built model, "
             "time of one pass", "",
             "| T | full: peak MiB | full: s | truncated: peak MiB | truncated: s |", "|---:|---:|---:|---:|---:|"]
    full = {r["T"]: r for r in sweep.get("full", [])}
    trunc = {r["T"]: r for r in sweep.get("truncated", [])}
    for T in sorted(set(full) | set(trunc)):
        def cell(r: dict | None, key: str, fmt: str) -> str:
            return format(r[key], fmt) if r else "–"
        lines.append(f"| {T:,} | {cell(full.get(T), 'peak_mib', '.1f')} | {cell(full.get(T), 'seconds', '.2f')} | "
                     f"{cell(trunc.get(T), 'peak_mib', '.1f')} | {cell(trunc.get(T), 'seconds', '.2f')} |")
    for mode, err in sweep.get("errors", {}).items():
        lines.append(f"\n{mode}: failed ({err})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 2 rounds: a smoke test")
    parser.add_argument("--skip-memory", action="store_true", help="only the speed part")
    parser.add_argument("--skip-speed", action="store_true", help="only the memory part")
    parser.add_argument("--processes", choices=["auto", "shared", "separate"], default="auto",
                        help="auto: one shared, interleaved process per size on a CPU, one per implementation on a GPU")
    parser.add_argument("--rounds", type=int, help=f"at least this many timed rounds (default {TIMING['min_rounds']})")
    parser.add_argument("--budget", type=float,
                        help=f"seconds of timing per process after the minimum (default {TIMING['budget_s']:.0f})")
    parser.add_argument("--threads", type=int, help="CPU threads per worker (default: each framework's own choice)")
    parser.add_argument("--out", type=pathlib.Path, default=RESULTS, help="folder for the JSON and PNGs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:  # inside a fresh process: measure, print one JSON line
        kind, impls, b, s, u, timing, threads = json.loads(args.worker)
        assert kind == "speed"
        print(json.dumps(worker_speed(impls, b, s, u, **timing, threads=threads)))
        return 0

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    gpu = has_gpu(backend)
    sizes = QUICK_SPEED if args.quick else GPU_SPEED if gpu else CPU_SPEED
    config = QUICK_MEMORY if args.quick else GPU_MEMORY if gpu else CPU_MEMORY
    timing = dict(QUICK_TIMING if args.quick else TIMING)
    if args.rounds:
        timing["min_rounds"], timing["max_rounds"] = args.rounds, max(args.rounds, timing["max_rounds"])
    if args.budget is not None:
        timing["budget_s"] = args.budget
    separate = args.processes == "separate" or (args.processes == "auto" and gpu)
    device = "gpu" if gpu else "cpu"
    host = host_info()
    print(f"bench_lm: KERAS_BACKEND={backend}, {device.upper()}, {host['cpu']} ({host['cpus']} cores), "
          f"load average {host['load_average_1_5_15_min']}", flush=True)
    impls = ["builtin", "custom"] + (["torch"] if torch_installed() else [])
    result: dict[str, Any] = {"backend": backend, "device": device.upper(), "quick": args.quick, "sizes": sizes,
                              "timing": timing, "threads": args.threads, "processes": "separate" if separate else "shared",
                              "host": host, "created": time.strftime("%Y-%m-%d %H:%M:%S"), "speed": [], "memory": None}
    if not args.skip_speed:
        result["speed"] = speed(backend, sizes, impls, separate=separate, timing=timing, threads=args.threads,
                                log=lambda m: print(m, flush=True))
    if not args.skip_memory:
        result["memory"] = memory_sweep(backend, config, log=lambda m: print(m, flush=True))
    result["host"]["load_average_at_end"] = host_info()["load_average_1_5_15_min"]

    args.out.mkdir(parents=True, exist_ok=True)
    tag = f"{backend}_{device}{'_quick' if args.quick else ''}"
    written = [args.out / f"lm_{tag}.json"]
    written[0].write_text(json.dumps(result, indent=1) + "\n")
    gpu_name = next((r["device"] for r in result["speed"] if "device" in r), "GPU")
    where = gpu_name if gpu else f"{host['cpu']}, {host['cpus']} cores"
    title = f"LSTM language model, KERAS_BACKEND={backend} ({where})"
    if plot_speed(result["speed"], title, args.out / f"lm_speed_{tag}.png"):
        written.append(args.out / f"lm_speed_{tag}.png")
    if result["memory"] and plot_memory([result["memory"]], title, args.out / f"lm_memory_{tag}.png"):
        written.append(args.out / f"lm_memory_{tag}.png")
    print()
    if result["speed"]:
        print(markdown_speed(result["speed"]))
        print()
    if result["memory"]:
        print(markdown_memory(result["memory"]))
        print()
    print("wrote", ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in written))
    failed = [r for r in result["speed"] if "error" in r] or (result["memory"] or {}).get("errors")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
