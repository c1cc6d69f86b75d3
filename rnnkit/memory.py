"""How much memory training takes: this process' peak, and full vs truncated BPTT.

Two tools, shared by notebook 13 and the benchmarks:

* :class:`PeakMeter` (built on :func:`peak_bytes` and :func:`reset_peak`): the peak
  memory of *this* process on the device its framework computes on, above a baseline
  taken at ``start()``.
* :func:`bptt_sweep`: for each sequence length ``T``, the peak memory and the time of
  one pass over ``batch`` sequences of ``T`` tokens, trained by full BPTT (one update
  on all ``T`` steps) and by truncated BPTT (``T / chunk`` updates on chunks, the state
  carried). Each mode is measured in a fresh Python process (``python -m rnnkit.memory``).

Which counter is read (``framework`` is a Keras backend name; the default is the
backend of this process' Keras):

=====================  =========================================================  ===============================
framework, device      peak                                                       reset by
=====================  =========================================================  ===============================
torch, CUDA GPU        ``torch.cuda.max_memory_allocated()``                      ``reset_peak_memory_stats()``
tensorflow, GPU        ``tf.config.experimental.get_memory_info("GPU:0")``        ``reset_memory_stats("GPU:0")``
jax, GPU               ``jax.devices()[0].memory_stats()["peak_bytes_in_use"]``   nothing: use a fresh process
any, CPU, Linux        ``VmHWM`` in ``/proc/self/status`` (peak resident set)     writing 5 to ``/proc/self/clear_refs``
any, CPU, elsewhere    ``resource.getrusage(RUSAGE_SELF).ru_maxrss``              nothing
=====================  =========================================================  ===============================

The GPU counters count the framework's own allocations (tensors, workspaces), exactly.
The CPU counter is the operating system's high-water mark of the whole process: it also
counts compiled code and memory that an allocator keeps after a tensor is freed. It is
read from ``VmHWM`` rather than ``ru_maxrss`` because on Linux a child's ``ru_maxrss``
starts at its parent's peak. Where no reset exists, :meth:`PeakMeter.start` takes the
peak so far as its baseline, so the rise it reports is a lower bound (``exact`` is False).

Example::

    from rnnkit import memory

    result = memory.bptt_sweep([100, 500, 1000], chunk=50, batch=16, units=128)
    print(memory.format_sweep(result))
    result["truncated"][-1]["peak_mib"]   # MiB above the built model, truncated BPTT at T = 1000

Importing this module imports no framework; each function imports the one it reads.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from rnnkit._validate import positive_int

__all__ = ["FRAMEWORKS", "MODES", "gpu_available", "device_name", "counter_name", "peak_bytes", "reset_peak",
           "PeakMeter", "measure_bptt", "bptt_sweep", "format_sweep"]

FRAMEWORKS = ("tensorflow", "jax", "torch", "numpy")
MODES = ("truncated", "full")
MIB = 2**20
_STATUS = pathlib.Path("/proc/self/status")
_CLEAR_REFS = pathlib.Path("/proc/self/clear_refs")


# --------------------------------------------------------------------------
# The counters
# --------------------------------------------------------------------------


def _framework(framework: str | None) -> str:
    if framework is None:
        import keras

        framework = keras.config.backend()
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}; got {framework!r}")
    return framework


def gpu_available(framework: str | None = None) -> bool:
    """Whether ``framework`` (default: the Keras backend) computes on a GPU whose allocator it can count."""
    framework = _framework(framework)
    try:
        if framework == "torch":
            import torch

            return bool(torch.cuda.is_available())
        if framework == "jax":
            import jax

            device = jax.devices()[0]
            return device.platform == "gpu" and device.memory_stats() is not None
        if framework == "tensorflow":
            import tensorflow as tf

            return bool(tf.config.list_physical_devices("GPU"))
    except (ImportError, RuntimeError):  # no such framework, or a broken driver: count on the CPU
        return False
    return False  # the numpy backend runs on the CPU only


def device_name(framework: str | None = None) -> str:
    """The GPU's name (e.g. ``"NVIDIA H200"``) where :func:`gpu_available`, else ``"CPU"``."""
    framework = _framework(framework)
    if not gpu_available(framework):
        return "CPU"
    if framework == "torch":
        import torch

        return str(torch.cuda.get_device_name(0))
    if framework == "jax":
        import jax

        return str(jax.devices()[0].device_kind)
    import tensorflow as tf

    details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0])
    return str(details.get("device_name", "GPU"))


def counter_name(framework: str | None = None) -> str:
    """What :func:`peak_bytes` reads for ``framework`` on this machine, in words."""
    framework = _framework(framework)
    if gpu_available(framework):
        return {
            "torch": "torch.cuda.max_memory_allocated() (PyTorch's CUDA allocator)",
            "jax": "jax memory_stats()['peak_bytes_in_use'] (XLA's GPU allocator)",
            "tensorflow": "tf.config.experimental.get_memory_info('GPU:0')['peak'] (TensorFlow's GPU allocator)",
        }[framework]
    if _linux_status("VmHWM") is not None:
        return "VmHWM, the peak resident set size of the process (Linux /proc/self/status)"
    return "ru_maxrss, the peak resident set size of the process (getrusage)"


def _linux_status(field: str) -> int | None:
    """A ``kB`` field of ``/proc/self/status`` in bytes, or None where there is no such file."""
    try:
        match = re.search(rf"^{field}:\s+(\d+)\s+kB", _STATUS.read_text(), flags=re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) * 1024 if match else None


def _sync(framework: str) -> None:
    if framework == "torch" and gpu_available("torch"):
        import torch

        torch.cuda.synchronize()


def peak_bytes(framework: str | None = None) -> int:
    """The peak memory of this process, in bytes, by the counter of the table above.

    On a GPU: the framework's allocator peak (since the process started or the last
    :func:`reset_peak`). On a CPU: the process' peak resident set size.
    """
    framework = _framework(framework)
    if gpu_available(framework):
        _sync(framework)
        if framework == "torch":
            import torch

            return int(torch.cuda.max_memory_allocated())
        if framework == "jax":
            import jax

            return int(jax.devices()[0].memory_stats()["peak_bytes_in_use"])
        import tensorflow as tf

        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])
    hwm = _linux_status("VmHWM")
    if hwm is not None:
        return hwm
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kb if sys.platform == "darwin" else kb * 1024)  # bytes on macOS, KiB elsewhere


def reset_peak(framework: str | None = None) -> bool:
    """Make the peak counter start again from the memory in use now; False where it cannot.

    PyTorch and TensorFlow reset their GPU peaks; JAX cannot (measure in a fresh process).
    On a Linux CPU, writing ``5`` to ``/proc/self/clear_refs`` sets ``VmHWM`` back to the
    current resident set size.
    """
    framework = _framework(framework)
    if gpu_available(framework):
        _sync(framework)
        if framework == "torch":
            import torch

            torch.cuda.reset_peak_memory_stats()
            return True
        if framework == "tensorflow":
            import tensorflow as tf

            tf.config.experimental.reset_memory_stats("GPU:0")
            return True
        return False
    if _linux_status("VmHWM") is None:
        return False
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:  # an old kernel, or a sandbox that does not allow it
        return False
    return True


class PeakMeter:
    """The peak memory above a baseline, for one stretch of work.

    ``start()`` resets the peak counter where it can and takes the baseline; ``rise_mib()``
    is then how far the peak has risen above it. ``exact`` says whether the counter
    could be reset: if not, the baseline is the peak so far and the rise a lower bound.

    Example::

        meter = PeakMeter()        # the Keras backend's counter
        meter.start()
        trainer.train_step(x, y, states)
        meter.rise_mib()           # MiB the step needed above what was in use at start()
    """

    def __init__(self, framework: str | None = None) -> None:
        self.framework = _framework(framework)
        self.gpu = gpu_available(self.framework)
        self.counter = counter_name(self.framework)
        self.exact = False
        self.baseline: int | None = None

    def start(self) -> None:
        """Take the baseline now (after resetting the peak where the counter allows)."""
        self.exact = reset_peak(self.framework)
        self.baseline = peak_bytes(self.framework)

    def rise_bytes(self) -> int:
        """Bytes by which the peak has risen above the baseline since :meth:`start`."""
        if self.baseline is None:
            raise RuntimeError("call PeakMeter.start() before reading the rise")
        return max(0, peak_bytes(self.framework) - self.baseline)

    def rise_mib(self) -> float:
        """:meth:`rise_bytes` in MiB (2**20 bytes)."""
        return self.rise_bytes() / MIB


# --------------------------------------------------------------------------
# Full vs truncated BPTT
# --------------------------------------------------------------------------


def _check_sweep(lengths: Sequence[int], chunk: int, modes: Sequence[str] = MODES) -> list[int]:
    chunk = positive_int("chunk", chunk)
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Sequence) or not lengths:
        raise ValueError(f"lengths must be a non-empty list of positive ints; got {lengths!r}")
    values = [positive_int("every length", T) for T in lengths]
    if len(set(values)) != len(values):
        raise ValueError(f"lengths must not repeat; got {values}")
    for T in values:
        if T % chunk:
            raise ValueError(f"every length must be a multiple of chunk={chunk}; got {T}")
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise ValueError(f"modes must be a non-empty list drawn from {MODES}; got {list(modes)!r}")
    return sorted(values)


def measure_bptt(
    mode: str,
    lengths: Sequence[int],
    *,
    chunk: int = 50,
    batch: int = 16,
    units: int = 128,
    embedding_dim: int | None = 32,
    vocab_size: int = 77,
    rnn: str = "lstm",
    seed: int = 0,
    on_row: Any = None,
) -> dict[str, Any]:
    """Measure one mode in *this* process (:func:`bptt_sweep` runs it in a fresh one).

    The model is ``tbptt.build_lm(vocab_size, units=units, num_layers=1, rnn=rnn,
    embedding_dim=embedding_dim)`` trained by ``tbptt.TBPTTTrainer`` with Adam, on random
    tokens (memory and time do not depend on the text). What is measured:

    1. the model and the optimizer (weights and Adam's slots) are built; the peak
       counter is reset here: this is the **baseline**;
    2. for each ``T`` from short to long, one untimed warm-up on the smallest unit of
       work of this mode, only where its shape is new (truncated: one update on one
       chunk, once; full: one update on all ``T`` steps), so the timing leaves out
       tracing and compiling; then one timed **pass**: truncated BPTT makes ``T / chunk``
       updates on chunks ``(batch, chunk)``, the state carried; full BPTT one update on
       ``(batch, T)``;
    3. ``peak_mib``: how far the peak has risen above the baseline so far, and
       ``seconds``: the time of the pass.

    The peak never comes down within a process, so each figure is the most this
    mode needed up to that length: for full BPTT, whose memory grows with ``T``, the
    length's own. It includes the first step's tracing or compiling (on a CPU) and
    the gradients and the optimizer's temporaries, which is why truncated BPTT's
    figure is small but not zero: it is what one chunk of full BPTT costs.

    Args:
        mode: ``"truncated"`` or ``"full"``.
        lengths: sequence lengths, each a multiple of ``chunk``.
        on_row: called with each row as it is measured (the child process prints it).

    Returns:
        ``{"mode", "backend", "device", "gpu", "counter", "exact", "rows": [{"T", "peak_mib",
        "seconds", "updates"}, ...]}``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}")
    values = _check_sweep(lengths, chunk)
    batch, units, vocab_size = positive_int("batch", batch), positive_int("units", units), positive_int("vocab_size", vocab_size)
    import keras
    import numpy as np

    from rnnkit import tbptt

    keras.utils.set_random_seed(seed)
    model = tbptt.build_lm(vocab_size, units=units, num_layers=1, rnn=rnn, embedding_dim=embedding_dim)
    trainer = tbptt.TBPTTTrainer(model, keras.optimizers.Adam(1e-3))  # builds Adam's slots too
    data = np.random.default_rng(seed).integers(0, vocab_size, size=(batch, values[-1] + 1)).astype("int32")

    def one_pass(T: int) -> int:
        step = T if mode == "full" else chunk
        states = tbptt.zero_states(model, batch)
        for t in range(0, T, step):
            _, states = trainer.train_step(data[:, t : t + step], data[:, t + 1 : t + step + 1], states)  # waits for the device
        return T // step

    meter = PeakMeter()
    meter.start()  # the baseline: the model and the optimizer exist, no step has run
    rows, warmed = [], set()
    for T in values:
        shape = T if mode == "full" else chunk
        if shape not in warmed:  # compile (JAX) or trace (TensorFlow) this shape outside the timing
            trainer.train_step(data[:, :shape], data[:, 1 : shape + 1], tbptt.zero_states(model, batch))
            warmed.add(shape)
        start = time.perf_counter()
        updates = one_pass(T)
        row = {"T": T, "peak_mib": round(meter.rise_mib(), 3), "seconds": time.perf_counter() - start, "updates": updates}
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return {"mode": mode, "backend": keras.config.backend(), "device": device_name(), "gpu": meter.gpu,
            "counter": meter.counter, "exact": meter.exact, "rows": rows}


def _child_env(backend: str) -> dict[str, str]:
    root = str(pathlib.Path(__file__).resolve().parent.parent)  # the folder that holds rnnkit/
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": path}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def _run_child(mode: str, backend: str, args: list[str], timeout: float | None) -> tuple[list[dict], dict | None, str | None]:
    """Run ``python -m rnnkit.memory MODE ...``; return its rows, its summary and an error (or None)."""
    cmd = [sys.executable, "-m", "rnnkit.memory", mode, *args]
    error = None
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_child_env(backend), timeout=timeout)
        out, err, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        decode = lambda s: s.decode(errors="replace") if isinstance(s, bytes) else (s or "")  # noqa: E731
        out, err, code = decode(exc.stdout), decode(exc.stderr), None
        error = f"timed out after {timeout:.0f} s"
    rows, summary = [], None
    for line in out.splitlines():
        try:
            record = json.loads(line) if line.startswith("{") else None
        except json.JSONDecodeError:  # a library printed something that only looks like JSON
            record = None
        if isinstance(record, dict):
            if "row" in record:
                rows.append(record["row"])
            elif "summary" in record:
                summary = record["summary"]
    if error is None and (code != 0 or summary is None):
        tail = " | ".join((err or out).strip().splitlines()[-4:])
        error = f"exit status {code}: {tail[-600:]}"
    return rows, summary, error


def bptt_sweep(
    lengths: Sequence[int],
    *,
    chunk: int = 50,
    batch: int = 16,
    units: int = 128,
    embedding_dim: int | None = 32,
    vocab_size: int = 77,
    rnn: str = "lstm",
    backend: str | None = None,
    modes: Sequence[str] = MODES,
    timeout: float | None = None,
    strict: bool = True,
) -> dict[str, Any]:
    """Peak memory and time of full vs truncated BPTT for each length, each mode in a fresh process.

    Each mode runs :func:`measure_bptt` in its own ``python -m rnnkit.memory`` child, so
    neither sees the other's memory, nor this process' (which may have trained other models).

    Args:
        lengths: sequence lengths ``T``, each a multiple of ``chunk``.
        chunk: steps per truncated-BPTT update (``S``).
        batch, units, embedding_dim, vocab_size, rnn: the model, as in :func:`measure_bptt`.
        backend: the Keras backend of the children (default: this process' backend).
        modes: which of ``"truncated"`` and ``"full"`` to run, in this order.
        timeout: seconds allowed per child.
        strict: raise ``RuntimeError`` if a child fails; with ``False`` keep the rows it
            measured and record the failure in ``result["errors"]``.

    Returns:
        a plain dict: ``backend``, ``device``, ``gpu``, ``counter``, ``exact``, the arguments,
        one list of rows ``{"T", "peak_mib", "seconds", "updates"}`` per mode (key
        ``"truncated"`` / ``"full"``), and ``errors`` (mode -> message).
    """
    values = _check_sweep(lengths, chunk, modes)
    backend = _framework(backend)
    args = ["--lengths", ",".join(map(str, values)), "--chunk", str(chunk), "--batch", str(positive_int("batch", batch)),
            "--units", str(positive_int("units", units)), "--vocab-size", str(positive_int("vocab_size", vocab_size)),
            "--rnn", rnn, "--embedding-dim", str(embedding_dim or 0)]
    result: dict[str, Any] = {"backend": backend, "device": None, "gpu": None, "counter": None, "exact": None,
                              "lengths": values, "chunk": chunk, "batch": batch, "units": units,
                              "embedding_dim": embedding_dim, "vocab_size": vocab_size, "rnn": rnn, "errors": {}}
    for mode in modes:
        rows, summary, error = _run_child(mode, backend, args, timeout)
        result[mode] = rows
        if summary:
            for key in ("device", "gpu", "counter"):
                result[key] = summary[key]
            result["exact"] = summary["exact"] if result["exact"] is None else result["exact"] and summary["exact"]
        if error:
            if strict:
                raise RuntimeError(f"the {mode}-BPTT measurement on {backend} failed ({error})")
            result["errors"][mode] = error
    return result


def format_sweep(result: dict[str, Any]) -> str:
    """The rows of a :func:`bptt_sweep` result as aligned text, one line per mode and length."""
    lines = []
    for mode in MODES:
        for r in result.get(mode, []):
            lines.append(f"{mode:9s} T={r['T']:6,d}: peak {r['peak_mib']:7.1f} MiB above the built model, "
                         f"{r['seconds']:7.2f} s for the pass ({r['updates']} update{'s' if r['updates'] != 1 else ''})")
    if result.get("device") is None:
        lines.append(f"(nothing measured on the {result.get('backend')} backend)")
    else:
        bound = "" if result.get("exact") else ", a lower bound"
        where = f"{result['device']}, {result.get('backend')} backend"
        lines.append(f"(measured on {where}; counter: {result.get('counter')}{bound})")
    for mode, error in result.get("errors", {}).items():
        lines.append(f"{mode}: FAILED, {error}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# python -m rnnkit.memory
# --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rnnkit.memory",
        description="Peak memory and time of full vs truncated BPTT. 'sweep' runs both modes, each in a fresh child "
        "process, and prints a table; 'full' or 'truncated' measures that mode in this process and prints JSON lines.")
    parser.add_argument("mode", choices=[*MODES, "sweep"])
    parser.add_argument("--lengths", default="100,300,1000", help="comma-separated sequence lengths (default 100,300,1000)")
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--embedding-dim", type=int, default=32, help="0: the same as --units")
    parser.add_argument("--vocab-size", type=int, default=77)
    parser.add_argument("--rnn", default="lstm", choices=["lstm", "gru", "simple_rnn"])
    parser.add_argument("--json", action="store_true", help="sweep: print the result as JSON instead of a table")
    args = parser.parse_args(argv)
    lengths = [int(v) for v in args.lengths.split(",") if v.strip()]
    kwargs = dict(chunk=args.chunk, batch=args.batch, units=args.units, embedding_dim=args.embedding_dim or None,
                  vocab_size=args.vocab_size, rnn=args.rnn)
    if args.mode == "sweep":
        result = bptt_sweep(lengths, **kwargs)
        print(json.dumps(result) if args.json else format_sweep(result))
        return 0
    result = measure_bptt(args.mode, lengths, **kwargs, on_row=lambda row: print(json.dumps({"row": row}), flush=True))
    print(json.dumps({"summary": {k: v for k, v in result.items() if k != "rows"}}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
