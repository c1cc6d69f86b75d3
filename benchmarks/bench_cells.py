#!/usr/bin/env python3
"""Training throughput of the custom cells in rnnkit.cells against Keras' built-in layers.

For every Keras backend that is installed (TensorFlow, JAX, PyTorch), each in its own
process because KERAS_BACKEND is fixed once Keras is imported, this times one training
step (forward, backward and an SGD update, via ``train_on_batch``) of a small model

    Input (batch, steps, features) -> recurrent layer (units) -> Dense(1), MSE loss

with the recurrent layer being, for each of SimpleRNN, LSTM and GRU:

* ``builtin``: the built-in layer as Keras users get it (``keras.layers.LSTM(units)``); on a
  GPU this is the cuDNN path for LSTM and GRU, so there it is called ``builtin_cudnn`` and
  the built-in layer is timed a second time with ``use_cudnn=False`` as ``builtin``;
* ``custom``: ``keras.layers.RNN(rnnkit.cells.<Kind>Cell(units))``;

plus ``keras.layers.RNN(rnnkit.cells.LayerNormLSTMCell(units))``, which has no built-in twin
and is compared with the built-in LSTM.

Timing on a shared machine is noisy, so the variants of one backend are interleaved
(A, B, C, ..., A, B, C, ...; the order rotates every round), each after two warm-up steps,
and the median of the repetitions is reported. Ratios are taken within one process.

Usage::

    python benchmarks/bench_cells.py              # batch 64, 100 steps, 64 features, 256 units
    python benchmarks/bench_cells.py --quick      # tiny sizes, a few seconds per backend
    python benchmarks/bench_cells.py --backends jax torch --repeats 11

Writes ``benchmarks/results/cells_<machine>.json`` and ``.png`` (``--quick`` adds ``_quick``)
and prints a markdown table. Runs unchanged on a GPU machine: each backend is asked for its
devices with its own query.
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
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
BACKENDS = ("tensorflow", "jax", "torch")
KINDS = ("SimpleRNN", "LSTM", "GRU")
FULL = {"batch": 64, "steps": 100, "features": 64, "units": 256}
QUICK = {"batch": 8, "steps": 10, "features": 8, "units": 16}
LN = "LayerNormLSTM"


# --------------------------------------------------------------------------
# Worker: one backend, in its own process
# --------------------------------------------------------------------------


def _device() -> dict[str, Any]:
    """What the current backend runs on, asked in the backend's own way."""
    import keras

    backend = keras.backend.backend()
    gpu_name = None
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            gpu_name = details.get("device_name", "GPU")
        version = tf.__version__
    elif backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        gpu_name = gpus[0].device_kind if gpus else None
        version = jax.__version__
    elif backend == "torch":
        import torch

        gpu_name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        version = torch.__version__
    else:  # pragma: no cover - the numpy backend cannot train
        version = "?"
    return {"backend": backend, "backend_version": version, "keras_version": keras.__version__,
            "gpu": gpu_name, "device": gpu_name or "CPU"}


def _variants(units: int, gpu: bool, kinds: tuple[str, ...] = (*KINDS, "LayerNormLSTM")) -> dict[str, tuple[str, Any]]:
    """name -> (kind, factory of the recurrent layer), for the cell kinds asked for."""
    import keras

    from rnnkit import cells

    custom_cell = {"SimpleRNN": cells.RNNCell, "LSTM": cells.LSTMCell, "GRU": cells.GRUCell}
    out: dict[str, tuple[str, Any]] = {}
    for kind in (k for k in KINDS if k in kinds):
        Builtin = getattr(keras.layers, kind)
        if gpu and kind != "SimpleRNN":
            out[f"{kind}/builtin_cudnn"] = (kind, lambda B=Builtin: B(units))  # default: cuDNN
            out[f"{kind}/builtin"] = (kind, lambda B=Builtin: B(units, use_cudnn=False))
        else:
            out[f"{kind}/builtin"] = (kind, lambda B=Builtin: B(units))
        out[f"{kind}/custom"] = (kind, lambda C=custom_cell[kind]: keras.layers.RNN(C(units)))
    if LN in kinds:
        out[f"{LN}/custom"] = (LN, lambda: keras.layers.RNN(cells.LayerNormLSTMCell(units)))
    return out


def _limit_threads(threads: int) -> None:
    """Use ``threads`` CPU threads for the math (before the backend starts its thread pools)."""
    import keras

    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
    elif backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    # JAX: set in the environment before it starts (see run_backend); XLA has no exact thread count.


def worker(sizes: dict[str, int], repeats: int, jit_compile: str, threads: int | None = None,
           kinds: tuple[str, ...] = (*KINDS, LN)) -> dict[str, Any]:
    """Time every variant on the current backend; return the raw times and medians."""
    import numpy as np

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    if threads:
        _limit_threads(threads)

    keras.utils.set_random_seed(0)
    info = _device()
    B, T, D, H = sizes["batch"], sizes["steps"], sizes["features"], sizes["units"]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D)).astype("float32")
    y = rng.normal(size=(B, 1)).astype("float32")
    jit = {"auto": "auto", "true": True, "false": False}[jit_compile]

    models, errors = {}, {}
    for name, (_, make) in _variants(H, info["gpu"] is not None, kinds).items():
        try:
            model = keras.Sequential([keras.Input((T, D)), make(), keras.layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse", jit_compile=jit)
            start = time.perf_counter()
            model.train_on_batch(x, y)  # builds and compiles
            compile_s = time.perf_counter() - start
            model.train_on_batch(x, y)  # one more, so lazy initialisation is out of the way
            models[name] = (model, compile_s)
        except Exception as exc:  # one broken variant should not hide the others
            errors[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"

    names = list(models)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeats):
        order = names[r % len(names):] + names[: r % len(names)]  # rotate, so no variant always goes first
        for name in order:
            start = time.perf_counter()
            models[name][0].train_on_batch(x, y)  # returns the loss as a number: waits for the device
            times[name].append(time.perf_counter() - start)

    variants = {}
    for name in names:
        med = float(np.median(times[name]))
        q1, q3 = (float(v) for v in np.percentile(times[name], [25, 75]))
        variants[name] = {"seconds": times[name], "median_s": med, "iqr_s": [q1, q3],
                          "tokens_per_s": B * T / med, "first_step_s": models[name][1],
                          "jit_compile": bool(models[name][0].jit_compile)}
    return {**info, "threads": threads, "variants": variants, "errors": errors}


# --------------------------------------------------------------------------
# Driver: one subprocess per backend, then the table, JSON and chart
# --------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        text = pathlib.Path("/proc/cpuinfo").read_text()
        match = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.MULTILINE)
        if match:
            return match.group(1).strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", "--repeats", str(args.repeats),
           "--jit-compile", args.jit_compile] + (["--quick"] if args.quick else [])
    if getattr(args, "kinds", None):
        cmd += ["--kinds", *args.kinds]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
        if backend == "jax" and args.threads == 1:
            flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
            env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {flags}".strip()
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"backend": backend, "error": f"timed out after {args.timeout:.0f} s", "wall_s": time.perf_counter() - start}
    wall = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        return {"backend": backend, "error": f"worker exited with {proc.returncode}:\n{tail}", "wall_s": wall}
    return {**json.loads(lines[-1]), "wall_s": wall}


def ratios(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per cell kind: tokens/s of each variant and time ratios custom / built-in."""
    v = result.get("variants", {})
    rows = []
    for kind in (*KINDS, LN):
        ref = "LSTM" if kind == LN else kind
        row: dict[str, Any] = {"backend": result["backend"], "device": result.get("device", "?"), "cell": kind}
        for label, key in [("builtin", f"{ref}/builtin"), ("custom", f"{kind}/custom"), ("cudnn", f"{ref}/builtin_cudnn")]:
            row[label] = v[key]["tokens_per_s"] if key in v else None
        if row["custom"] and row["builtin"]:
            row["custom_over_builtin"] = row["builtin"] / row["custom"]  # time ratio: >1 means the custom cell is slower
        if row["custom"] and row["cudnn"]:
            row["custom_over_cudnn"] = row["cudnn"] / row["custom"]
        if row["custom"] or (kind != LN and (row["builtin"] or row["cudnn"])):  # kinds not measured have no row
            rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]], gpu: bool) -> str:
    def num(value: float | None) -> str:
        return "–" if value is None else f"{value:,.0f}"

    def ratio(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    head = "| backend | device | cell | built-in tok/s | custom tok/s | time custom / built-in |"
    sep = "|---|---|---|---:|---:|---:|"
    if gpu:
        head += " cuDNN tok/s | time custom / cuDNN |"
        sep += "---:|---:|"
    lines = [head, sep]
    for r in rows:
        cell = "LayerNormLSTM (vs LSTM)" if r["cell"] == LN else r["cell"]
        line = (f"| {r['backend']} | {r['device']} | {cell} | {num(r['builtin'])} | {num(r['custom'])} | "
                f"{ratio(r.get('custom_over_builtin'))} |")
        if gpu:
            line += f" {num(r['cudnn'])} | {ratio(r.get('custom_over_cudnn'))} |"
        lines.append(line)
    return "\n".join(lines)


def plot(results: list[dict[str, Any]], sizes: dict[str, int], title: str, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    good = [r for r in results if "variants" in r and ratios(r)]
    if not good:
        return
    fig, axes = plt.subplots(1, len(good), figsize=(4.6 * len(good), 4.4), squeeze=False)
    styles = [("builtin", "built-in layer", "tab:blue"), ("custom", "rnnkit.cells (custom)", "tab:orange"),
              ("cudnn", "built-in layer, cuDNN", "tab:purple")]
    handles = {}
    for ax, result in zip(axes[0], good, strict=True):
        rows = ratios(result)
        shown = [s for s in styles if any(r[s[0]] for r in rows)]
        width = 0.8 / len(shown)
        xs = np.arange(len(rows))
        top = max(r[key] or 0 for r in rows for key, _, _ in shown)
        for k, (key, label, color) in enumerate(shown):
            values = [r[key] or 0 for r in rows]
            bars = ax.bar(xs + (k - (len(shown) - 1) / 2) * width, values, width, label=label, color=color)
            handles[label] = bars
            if key != "custom":
                if rows[-1]["cell"] == LN:
                    bars[-1].set_alpha(0.35)  # LN-LSTM: the built-in LSTM, shown for reference
                continue
            for bar, r in zip(bars, rows, strict=True):
                if r.get("custom_over_builtin"):
                    ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.01 * top,
                            f"×{r['custom_over_builtin']:.2f}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(xs, ["LN-LSTM\n(vs LSTM)" if r["cell"] == LN else r["cell"] for r in rows])
        ax.set_ylim(0, top * 1.12)
        ax.set(title=f"{result['backend']} ({result['device']})", ylabel="tokens per second (training)")
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.grid(axis="y", alpha=0.3)
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=len(handles), fontsize=9, frameon=False)
    fig.suptitle(f"{title}: batch {sizes['batch']}, {sizes['steps']} steps, {sizes['features']} features, "
                 f"{sizes['units']} units; ×: time of custom / built-in (median of interleaved steps)", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"tiny sizes {QUICK} instead of {FULL}")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, help="default: every installed backend")
    parser.add_argument("--repeats", type=int, default=None, help="timed steps per variant (default 7, quick 3)")
    parser.add_argument("--jit-compile", choices=["auto", "true", "false"], default="auto",
                        help="model.compile(jit_compile=...); 'auto' is Keras' default")
    parser.add_argument("--threads", type=int, help="CPU threads per backend (default: the backend's own choice); "
                        "on a busy shared machine 1 gives steadier numbers")
    parser.add_argument("--kinds", nargs="+", choices=[*KINDS, LN], help="which cells (default: all)")
    parser.add_argument("--machine", help="name for the result files (default: from the GPU or the CPU model)")
    parser.add_argument("--out", type=pathlib.Path, default=RESULTS, help="folder for the JSON and PNG files")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per backend")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    args.repeats = args.repeats or (3 if args.quick else 7)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    if args.worker:
        print(json.dumps(worker(sizes, args.repeats, args.jit_compile, args.threads, tuple(args.kinds or (*KINDS, LN)))))
        return 0

    backends = args.backends or [b for b in BACKENDS if importlib.util.find_spec(b) is not None]
    if not backends:
        print("no Keras backend (tensorflow, jax, torch) is installed", file=sys.stderr)
        return 1
    if importlib.util.find_spec("keras") is None:
        print("keras is not installed", file=sys.stderr)
        return 1

    load_at_start = _load()
    results = []
    for backend in backends:
        print(f"[{backend}] timing ...", flush=True)
        result = run_backend(backend, args)
        results.append(result)
        if "error" in result:
            print(f"[{backend}] failed: {result['error']}", flush=True)
        else:
            print(f"[{backend}] done in {result['wall_s']:.0f} s on {result['device']}", flush=True)
            for name, err in result.get("errors", {}).items():
                print(f"[{backend}] variant {name} failed: {err}", flush=True)

    report, json_path, png_path = write_report(results, args, sizes, load_at_start=load_at_start)
    gpus, rows = report["gpus"], report["table"]
    print()
    print(f"machine: {report['cpu']}, {os.cpu_count()} cores" + (f", GPU {', '.join(gpus)}" if gpus else "")
          + f"; load average at the start {load_at_start}, at the end {report['load_average_at_end']}")
    print(f"sizes: {sizes}, median of {args.repeats} interleaved steps, jit_compile={args.jit_compile}, "
          f"threads={args.threads or 'backend default'}")
    print()
    print(markdown(rows, gpu=bool(gpus)))
    print()
    print(f"wrote {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path}"
          + (f" and {png_path.name}" if png_path else ""))
    return 0 if rows and not any("error" in r for r in results) else 1


def _load() -> list[float] | None:
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def write_report(results: list[dict[str, Any]], args: argparse.Namespace, sizes: dict[str, int], *, stem: str | None = None,
                 load_at_start: list[float] | None = None) -> tuple[dict, pathlib.Path, pathlib.Path | None]:
    """Write ``<stem>.json`` (and ``.png`` when something was measured) into ``args.out``; return the report and paths."""
    gpus = sorted({r["gpu"] for r in results if r.get("gpu")})
    cpu = cpu_model()
    machine = args.machine or slug(gpus[0] if gpus else f"{cpu} {os.cpu_count()} cores")
    rows = [row for r in results if "variants" in r for row in ratios(r)]
    report = {
        "machine": machine, "cpu": cpu, "cpu_count": os.cpu_count(), "gpus": gpus,
        "python": platform.python_version(), "sizes": sizes, "repeats": args.repeats,
        "jit_compile": args.jit_compile, "threads": args.threads, "quick": args.quick,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_average_at_start": load_at_start, "load_average_at_end": _load(),
        "results": results, "table": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = stem or f"cells_{machine}" + ("_quick" if args.quick else "")
    json_path, png_path = args.out / f"{stem}.json", args.out / f"{stem}.png"
    json_path.write_text(json.dumps(report, indent=1) + "\n")
    if rows:
        plot(results, sizes, f"{cpu} ({os.cpu_count()} cores)" if not gpus else gpus[0], png_path)
    return report, json_path, png_path if rows else None


if __name__ == "__main__":
    sys.exit(main())
