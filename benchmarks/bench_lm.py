#!/usr/bin/env python3
"""Language-model benchmark: training speed and peak memory of three LSTMs, and full vs truncated BPTT.

Usage (from the repository root)::

    KERAS_BACKEND=torch python benchmarks/bench_lm.py          # on a GPU machine
    KERAS_BACKEND=jax   python benchmarks/bench_lm.py
    python benchmarks/bench_lm.py --quick                       # small sizes (chosen automatically without a GPU)

What it measures, each configuration in a fresh Python process (so one run's
memory cannot leak into the next, and KERAS_BACKEND is fixed per process):

1. **Speed**: training tokens per second and peak memory of a character language
   model (embedding, one LSTM layer, softmax over 77 characters; Adam; the state
   carried from chunk to chunk as in truncated BPTT) for
   * ``builtin``: ``keras.layers.LSTM`` (cuDNN on a GPU where the backend has it),
   * ``custom``: ``keras.layers.RNN(rnnkit.cells.LSTMCell(units))``,
   * ``torch``: a plain ``torch.nn.LSTM`` of the same size, the reference a PyTorch
     user would pick instead (cuDNN on a GPU), independent of KERAS_BACKEND.
   GPU sizes: batch 32 x 35 steps x 256 units, and batch 128 x 256 steps x 512 units.
2. **Memory**: one pass over N sequences of T tokens with full BPTT (one update on
   all T steps) and with truncated BPTT (T / 50 updates on chunks of 50 steps),
   T from 100 to 10,000 on a GPU.

Peak memory: on a GPU the framework's own counter (``torch.cuda.max_memory_allocated``,
JAX ``memory_stats()["peak_bytes_in_use"]``, TensorFlow ``get_memory_info("GPU:0")["peak"]``),
minus what was allocated before the measured steps. On a CPU the process' peak
resident set size (Linux ``VmHWM``; ``ru_maxrss`` elsewhere) minus its value after the
warm-up steps. Note that on Linux ``ru_maxrss`` of a child starts at its parent's
peak, which is why VmHWM is read instead.

Writes ``benchmarks/results/lm_<backend>_<device>.json`` and two PNGs next to it,
and prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import resource
import subprocess
import sys
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
VOCAB = 77  # the characters of Emma (rnnkit.data.load_novel)

GPU_SPEED = [(32, 35, 256), (128, 256, 512)]  # (batch, steps, units)
CPU_SPEED = [(8, 35, 64), (16, 64, 128)]
GPU_MEMORY = dict(lengths=[100, 300, 1000, 3000, 10000], batch=32, units=256, chunk=50)
CPU_MEMORY = dict(lengths=[100, 300, 1000, 3000], batch=16, units=128, chunk=50)
QUICK_MEMORY = dict(lengths=[100, 300, 1000], batch=8, units=64, chunk=50)


# --------------------------------------------------------------------------
# Measuring (inside a worker process)
# --------------------------------------------------------------------------


def _framework() -> str:
    """The framework whose GPU counters apply: the Keras backend, or torch for the plain-torch worker."""
    return os.environ.get("BENCH_FRAMEWORK") or os.environ.get("KERAS_BACKEND", "tensorflow")


def _gpu_available(framework: str) -> bool:
    try:
        if framework == "torch":
            import torch

            return torch.cuda.is_available()
        if framework == "jax":
            import jax

            return jax.devices()[0].platform == "gpu"
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    except Exception:
        return False


def _host_peak_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb if sys.platform == "darwin" else kb * 1024


class PeakMemory:
    """Peak bytes above a baseline taken at ``start()``: GPU counters on a GPU, peak RSS on a CPU."""

    def __init__(self) -> None:
        self.framework = _framework()
        self.gpu = _gpu_available(self.framework)

    def _sync(self) -> None:
        if self.gpu and self.framework == "torch":
            import torch

            torch.cuda.synchronize()

    def start(self) -> None:
        self._sync()
        if self.gpu and self.framework == "torch":
            import torch

            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        elif self.gpu and self.framework == "tensorflow":
            import tensorflow as tf

            tf.config.experimental.reset_memory_stats("GPU:0")
            self.base = tf.config.experimental.get_memory_info("GPU:0")["current"]
        elif self.gpu:  # jax: the peak cannot be reset; the worker process is fresh, so it covers this run only
            import jax

            self.base = jax.devices()[0].memory_stats()["bytes_in_use"]
        else:
            self.base = _host_peak_bytes()

    def peak_mb(self) -> float:
        self._sync()
        if self.gpu and self.framework == "torch":
            import torch

            peak = torch.cuda.max_memory_allocated()
        elif self.gpu and self.framework == "tensorflow":
            import tensorflow as tf

            peak = tf.config.experimental.get_memory_info("GPU:0")["peak"]
        elif self.gpu:
            import jax

            peak = jax.devices()[0].memory_stats()["peak_bytes_in_use"]
        else:
            peak = _host_peak_bytes()
        return (peak - self.base) / 2**20


def _keras_lm(impl: str, units: int) -> Any:
    import keras

    from rnnkit import tbptt

    if impl == "builtin":
        return tbptt.build_lm(VOCAB, units=units, num_layers=1, rnn="lstm", embedding_dim=units)
    from rnnkit import cells

    def custom(n: int) -> Any:
        return keras.layers.RNN(cells.LSTMCell(n), return_sequences=True, return_state=True)

    return tbptt.build_lm(VOCAB, units=units, num_layers=1, rnn=custom, embedding_dim=units)


def _torch_lm(units: int, batch: int) -> tuple:
    """A plain PyTorch LM of the same shape: Embedding -> nn.LSTM -> Linear, Adam, the state carried and detached."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    emb = torch.nn.Embedding(VOCAB, units).to(device)
    lstm = torch.nn.LSTM(units, units, batch_first=True).to(device)
    head = torch.nn.Linear(units, VOCAB).to(device)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    state = [torch.zeros(1, batch, units, device=device) for _ in range(2)]

    def step(x: Any, y: Any) -> float:
        x = torch.as_tensor(x, device=device, dtype=torch.long)
        y = torch.as_tensor(y, device=device, dtype=torch.long)
        out, (h, c) = lstm(emb(x), tuple(state))
        loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        state[0], state[1] = h.detach(), c.detach()
        return float(loss)  # like TBPTTTrainer.train_step: the loss comes back to the host every step

    def reset() -> None:
        for s in state:
            s.zero_()

    return step, reset, sum(p.numel() for p in params)


def worker_speed(impl: str, batch: int, steps: int, units: int, max_steps: int, budget_s: float) -> dict:
    import numpy as np

    data = np.random.default_rng(0).integers(0, VOCAB, size=(batch, steps * (max_steps + 3) + 1)).astype("int32")
    chunk = lambda k: (data[:, k * steps : (k + 1) * steps], data[:, k * steps + 1 : (k + 1) * steps + 1])  # noqa: E731
    if impl == "torch":
        torch_step, _, n_params = _torch_lm(units, batch)

        def run(k: int) -> None:
            torch_step(*chunk(k))

        def finish() -> None:
            import torch

            if torch.cuda.is_available():
                torch.cuda.synchronize()
    else:
        import keras

        from rnnkit import tbptt

        keras.utils.set_random_seed(0)
        model = _keras_lm(impl, units)
        n_params = model.count_params()
        trainer = tbptt.TBPTTTrainer(model, keras.optimizers.Adam(1e-3))
        held = {"states": tbptt.zero_states(model, batch)}

        def run(k: int) -> None:
            _, held["states"] = trainer.train_step(*chunk(k), held["states"])  # returns the loss as a float: waits for the device

        def finish() -> None:
            pass

    mem = PeakMemory()
    for k in range(2):  # warm-up: compilation, allocator pools, optimizer slots
        run(k)
    finish()
    mem.start()
    start, done = time.perf_counter(), 0
    while done < max_steps and (done < 2 or time.perf_counter() - start < budget_s):
        run(2 + done)
        done += 1
    finish()
    seconds = time.perf_counter() - start
    return {"impl": impl, "batch": batch, "steps": steps, "units": units, "params": int(n_params), "updates": done,
            "seconds": seconds, "tokens_per_s": batch * steps * done / seconds, "peak_mb": mem.peak_mb(), "gpu": mem.gpu}


def worker_memory(mode: str, T: int, batch: int, units: int, chunk: int) -> dict:
    import keras
    import numpy as np

    from rnnkit import tbptt

    keras.utils.set_random_seed(0)
    model = _keras_lm("builtin", units)
    trainer = tbptt.TBPTTTrainer(model, keras.optimizers.Adam(1e-3))
    data = np.random.default_rng(0).integers(0, VOCAB, size=(batch, T + 1)).astype("int32")

    def one_pass(length: int) -> None:
        states = tbptt.zero_states(model, batch)
        step = length if mode == "full" else chunk
        for t in range(0, length, step):
            _, states = trainer.train_step(data[:, t : t + step], data[:, t + 1 : t + step + 1], states)

    mem = PeakMemory()
    if mem.gpu:  # the GPU counters restart at start(): warm up on the measured length itself (compiles it too)
        one_pass(T)
    else:  # the peak RSS never comes down: warm up on short lengths only (two shapes, so TensorFlow traces a
        if mode == "full":  # shape-generic step; JAX still compiles each new length inside the timed pass)
            one_pass(min(T, max(chunk // 2, 1)))
        one_pass(min(T, chunk))
    mem.start()
    start = time.perf_counter()
    one_pass(T)
    seconds = time.perf_counter() - start
    return {"mode": mode, "T": T, "batch": batch, "units": units, "chunk": chunk, "seconds": seconds, "peak_mb": mem.peak_mb(),
            "gpu": mem.gpu}


# --------------------------------------------------------------------------
# Orchestrating (the parent process)
# --------------------------------------------------------------------------


def _spawn(args: list[str], framework: str | None = None, timeout: float = 1800) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if framework:
        env["BENCH_FRAMEWORK"] = framework
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)[-400:]}
    return json.loads(lines[-1])


def _has_gpu() -> bool:
    """Whether this machine has a CUDA GPU that the chosen backend can use (checked in a subprocess)."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import bench_lm; print(bench_lm._gpu_available({backend!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}).stdout.strip()
    return out.endswith("True")


def _torch_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def _plot(result: dict, stem: pathlib.Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    where = f"{result['device']}, KERAS_BACKEND={result['backend']}"
    paths = []
    speed = [r for r in result["speed"] if "error" not in r]
    if speed:
        sizes = sorted({(r["batch"], r["steps"], r["units"]) for r in speed})
        impls = [i for i in ("builtin", "custom", "torch") if any(r["impl"] == i for r in speed)]
        labels = {"builtin": "keras.layers.LSTM", "custom": "RNN(rnnkit LSTMCell)", "torch": "torch.nn.LSTM"}
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        width = 0.8 / len(impls)
        for j, impl in enumerate(impls):
            tps = [next((r["tokens_per_s"] for r in speed if r["impl"] == impl and (r["batch"], r["steps"], r["units"]) == s), 0) for s in sizes]
            mb = [next((r["peak_mb"] for r in speed if r["impl"] == impl and (r["batch"], r["steps"], r["units"]) == s), 0) for s in sizes]
            xs = [i + (j - (len(impls) - 1) / 2) * width for i in range(len(sizes))]
            axes[0].bar(xs, tps, width=width, label=labels[impl])
            axes[1].bar(xs, mb, width=width, label=labels[impl])
        for ax in axes:
            ax.set_xticks(range(len(sizes)), [f"batch {b}, {s} steps,\n{u} units" for b, s, u in sizes])
            ax.legend(fontsize=8)
            ax.grid(axis="y", alpha=0.3)
        axes[0].set_yscale("log")
        axes[0].set_ylabel("training tokens per second (log)")
        axes[0].set_title(f"LSTM language model: speed ({where})", fontsize=10)
        axes[1].set_ylabel("peak memory above the start (MiB)")
        axes[1].set_title("Peak memory of the training steps", fontsize=10)
        fig.tight_layout()
        path = stem.with_name(stem.name.replace("lm_", "lm_speed_") + ".png")
        fig.savefig(path, dpi=150)
        plt.close(fig)
        paths.append(str(path))
    memory = [r for r in result["memory"] if "error" not in r]
    if memory:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for mode, style in (("full", "o-"), ("truncated", "s--")):
            rows = sorted((r for r in memory if r["mode"] == mode), key=lambda r: r["T"])
            label = "full BPTT" if mode == "full" else f"truncated BPTT (chunks of {rows[0]['chunk'] if rows else '?'})"
            axes[0].plot([r["T"] for r in rows], [max(r["peak_mb"], 0.0) for r in rows], style, label=label)
            axes[1].plot([r["T"] for r in rows], [r["seconds"] for r in rows], style, label=label)
        for ax in axes:
            ax.set_xscale("log")
            ax.set_xlabel("sequence length T (tokens per row)")
            ax.legend()
            ax.grid(alpha=0.3)
        m0 = memory[0]
        axes[0].set_ylabel("peak memory rise (MiB)")
        axes[0].set_title(f"One pass, batch {m0['batch']}, {m0['units']} units ({where})", fontsize=10)
        axes[1].set_yscale("log")
        axes[1].set_ylabel("seconds per pass (log)")
        axes[1].set_title("Time of one pass over T steps", fontsize=10)
        fig.tight_layout()
        path = stem.with_name(stem.name.replace("lm_", "lm_memory_") + ".png")
        fig.savefig(path, dpi=150)
        plt.close(fig)
        paths.append(str(path))
    return paths


def _markdown(result: dict) -> str:
    lines = [f"### Speed ({result['device']}, KERAS_BACKEND={result['backend']})", "",
             "| implementation | batch | steps | units | parameters | tokens/s | peak MiB |", "|---|---:|---:|---:|---:|---:|---:|"]
    names = {"builtin": "keras.layers.LSTM", "custom": "RNN(rnnkit.cells.LSTMCell)", "torch": "torch.nn.LSTM (plain PyTorch)"}
    for r in result["speed"]:
        if "error" in r:
            lines.append(f"| {names.get(r.get('impl'), r.get('impl'))} | {r.get('batch')} | {r.get('steps')} | {r.get('units')} | | failed: {r['error'][:80]} | |")
        else:
            lines.append(f"| {names[r['impl']]} | {r['batch']} | {r['steps']} | {r['units']} | {r['params']:,} | {r['tokens_per_s']:,.0f} | {r['peak_mb']:.1f} |")
    lines += ["", "### Full vs truncated BPTT, one pass", "", "| T | full: peak MiB | full: s | truncated: peak MiB | truncated: s |", "|---:|---:|---:|---:|---:|"]
    by_t: dict[int, dict[str, dict]] = {}
    for r in result["memory"]:
        if "error" not in r:
            by_t.setdefault(r["T"], {})[r["mode"]] = r
    for T in sorted(by_t):
        f, t = by_t[T].get("full"), by_t[T].get("truncated")
        cell = lambda r, k, fmt: format(r[k], fmt) if r else "failed"  # noqa: E731
        lines.append(f"| {T:,} | {cell(f, 'peak_mb', '.1f')} | {cell(f, 'seconds', '.2f')} | {cell(t, 'peak_mb', '.1f')} | {cell(t, 'seconds', '.2f')} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (automatic when there is no GPU)")
    parser.add_argument("--skip-memory", action="store_true", help="only the speed part")
    parser.add_argument("--out", type=pathlib.Path, default=RESULTS, help="folder for the JSON and PNGs")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:  # inside a fresh process: measure one configuration, print one JSON line
        kind, *rest = args.worker
        if kind == "speed":
            impl, b, s, u, n, budget = rest
            print(json.dumps(worker_speed(impl, int(b), int(s), int(u), int(n), float(budget))))
        else:
            mode, T, b, u, c = rest
            print(json.dumps(worker_memory(mode, int(T), int(b), int(u), int(c))))
        return 0

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    gpu = _has_gpu()
    small = args.quick or not gpu
    speed_sizes = CPU_SPEED if small else GPU_SPEED
    memory = (QUICK_MEMORY if args.quick else CPU_MEMORY) if small else GPU_MEMORY
    max_steps, budget = (5, 20.0) if small else (50, 30.0)
    device = "GPU" if gpu else "CPU"
    print(f"bench_lm: KERAS_BACKEND={backend}, {device}{' (small sizes)' if small else ''}, python {platform.python_version()}", flush=True)

    impls = ["builtin", "custom"] + (["torch"] if _torch_installed() else [])
    result: dict[str, Any] = {"backend": backend, "device": device, "small_sizes": small, "speed": [], "memory": [],
                              "host": {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()}}
    for b, s, u in speed_sizes:
        for impl in impls:
            r = _spawn(["speed", impl, str(b), str(s), str(u), str(max_steps), str(budget)], framework="torch" if impl == "torch" else None)
            r = {"impl": impl, "batch": b, "steps": s, "units": u, **r}
            result["speed"].append(r)
            msg = r.get("error") or f"{r['tokens_per_s']:,.0f} tokens/s, peak {r['peak_mb']:.1f} MiB ({r['updates']} updates)"
            print(f"  speed  {impl:8s} batch {b:3d} x {s:3d} steps x {u:3d} units: {msg}", flush=True)
    if not args.skip_memory:
        for T in memory["lengths"]:
            for mode in ("truncated", "full"):
                r = _spawn(["memory", mode, str(T), str(memory["batch"]), str(memory["units"]), str(memory["chunk"])])
                r = {"mode": mode, "T": T, **r}
                result["memory"].append(r)
                msg = r.get("error") or f"peak {r['peak_mb']:.1f} MiB, {r['seconds']:.2f} s"
                print(f"  memory {mode:9s} T={T:6d}: {msg}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"lm_{backend}_{device.lower()}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    pngs = _plot(result, stem)
    print()
    print(_markdown(result))
    print()
    print("wrote", ", ".join(str(pathlib.Path(p).relative_to(ROOT)) if str(p).startswith(str(ROOT)) else str(p)
                              for p in [stem.with_suffix(".json"), *pngs]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
