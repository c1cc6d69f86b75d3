#!/usr/bin/env python3
"""Data-parallel benchmark: training throughput and peak memory of the char LM vs the number of devices.

Usage (from the repository root)::

    python benchmarks/bench_distributed.py                 # every engine, 1, 2 and 4 devices
    python benchmarks/bench_distributed.py --engines jax --devices 1 2 4 8

Each engine runs in fresh processes through ``rnnkit.distributed.run_engine``
(JAX ``keras.distribution.DataParallel``, TensorFlow ``MirroredStrategy``,
PyTorch DDP with one process per device), which trains the LM of notebook 16 on
1 device and on N devices with the same global batch. With GPUs (at least N of
them) the engines use the GPUs; without, they simulate N CPU devices. So the
script runs unchanged on a multi-GPU machine. The global batch stays fixed
(``--batch``), so more devices means a smaller batch per device (strong scaling).

Measured: the median time of a training step after the first (which compiles),
tokens per second = batch x seq_len / step time, and the peak resident HOST memory
of the engine's process (Linux VmHWM; for PyTorch, of rank 0's process; GPU memory
is not read). On a CPU-only machine the simulated devices share the same cores:
expect no speed-up, only the cost of splitting and all-reducing.

Writes ``benchmarks/results/distributed_<machine>.json`` and ``.png`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnnkit import distributed  # noqa: E402


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", nargs="+", default=sorted(distributed.ENGINES), choices=sorted(distributed.ENGINES))
    parser.add_argument("--devices", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=32)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    machine = distributed.machine_name()
    rows = []
    for engine in args.engines:
        for n in args.devices:
            if n == 1:
                continue  # every run below measures 1 device too
            config = distributed.RunConfig(devices=n, batch_size=args.batch, seq_len=args.seq_len, steps=args.steps,
                                           units=args.units, chars=200_000, model_parallel=False)
            report = distributed.run_engine(engine, config, timeout=3600)
            for key, devices in (("one", 1), ("many", n)):
                step = float(np.median(report[key]["step_seconds"][1:]))
                rows.append({"engine": engine, "devices": devices, "step_seconds": step,
                             "tokens_per_second": args.batch * args.seq_len / step,
                             # one process ran both runs: its peak belongs to the bigger one, the N-device run
                             "peak_memory_mb": report["peak_memory_mb"] if key == "many" else None,
                             "device_names": report["devices"][:devices]})
            print(f"{engine}: {n} devices done", flush=True)
    result = {"machine": machine, "batch": args.batch, "seq_len": args.seq_len, "units": args.units, "steps": args.steps,
              "note": "simulated CPU devices share the same cores: no speed-up is possible on a CPU-only machine"
              if "gpu" not in json.dumps(rows).lower() and "cuda" not in json.dumps(rows).lower() else "",
              "rows": rows}
    out = ROOT / "benchmarks" / "results" / f"distributed_{slug(machine)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\n{machine}; global batch {args.batch} x {args.seq_len} steps, LSTM {args.units} units\n")
    print("| engine | devices | step (s) | tokens/s | peak host MiB (process) |\n|---|---|---|---|---|")
    for r in rows:
        mem = "-" if r["peak_memory_mb"] is None else f"{r['peak_memory_mb']:.0f}"
        print(f"| {r['engine']} | {r['devices']} | {r['step_seconds']:.4f} | {r['tokens_per_second']:.0f} | {mem} |")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for engine in args.engines:
        mine = {}
        for r in rows:
            if r["engine"] == engine:
                mine.setdefault(r["devices"], []).append(r["tokens_per_second"])
        xs = sorted(mine)
        ax.plot(xs, [np.median(mine[x]) for x in xs], "o-", label=engine)
    ax.set(xlabel="devices", ylabel="training tokens / s", xticks=sorted({r["devices"] for r in rows}),
           title=f"Data-parallel throughput (global batch {args.batch})\n{machine}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=150)
    print(f"\nwrote {out.relative_to(ROOT)} and {out.with_suffix('.png').name}")


if __name__ == "__main__":
    main()
