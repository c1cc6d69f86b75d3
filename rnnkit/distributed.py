"""Data-parallel truncated BPTT of the character language model with each framework's own engine.

Data parallelism keeps one replica of the model on every device, splits the
global batch of B rows into N shards of B / N rows (row i goes to replica
i // (B / N)), runs forward and backward on every shard at once, all-reduces
the gradients and applies the same update everywhere, so the weights stay
identical. Averaged over the global batch, the gradient is the one a single
device computes on all B rows: the N-device run is the 1-device run, up to the
order of floating-point sums. This module trains the LM of notebooks 12-13 both
ways with

* JAX: ``keras.distribution`` (``DeviceMesh``, ``DataParallel``, ``ModelParallel``),
* TensorFlow: ``tf.distribute.MirroredStrategy``,
* PyTorch: ``torch.distributed`` with ``DistributedDataParallel`` (gloo on CPU,
  NCCL on GPUs), one process per device,

and reports the losses, weights and carried states of both runs.

Each engine must run in a fresh process: Keras fixes its backend at import,
JAX reads ``XLA_FLAGS`` (``--xla_force_host_platform_device_count=N`` makes N
CPU devices) when it starts, TensorFlow's logical CPU devices must be set
before it initialises, and PyTorch's engine spawns its own processes. So
:func:`run_engine` starts ``python -m rnnkit.distributed ENGINE`` with the
right environment and reads back the JSON it writes. The same command runs
unchanged on a machine with several GPUs: each engine then uses the GPUs.

The small helpers (:func:`per_replica_batch`, :func:`shard_rows`,
:func:`replica_of_row`, :func:`scaled_learning_rate`) are plain numpy and import
no framework.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from rnnkit._validate import positive_int

__all__ = [
    "ENGINES",
    "RunConfig",
    "per_replica_batch",
    "shard_rows",
    "replica_of_row",
    "scaled_learning_rate",
    "engine_env",
    "run_engine",
    "machine_name",
]

#: engine name -> (Keras backend, what the framework calls its engine)
ENGINES: dict[str, tuple[str, str]] = {
    "jax": ("jax", "keras.distribution.DataParallel"),
    "tensorflow": ("tensorflow", "tf.distribute.MirroredStrategy"),
    "torch": ("torch", "torch.distributed + DistributedDataParallel"),
}

#: seconds a torch process waits for the others (at the rendezvous or in a collective) before it fails
COLLECTIVE_TIMEOUT_S = 120


# --------------------------------------------------------------------------
# numpy helpers: the arithmetic of sharding a batch
# --------------------------------------------------------------------------


def per_replica_batch(global_batch: int, num_replicas: int) -> int:
    """Rows each replica gets when ``global_batch`` rows are split evenly over ``num_replicas`` devices.

    Raises:
        ValueError: the global batch does not divide evenly (the engines need equal shards).
    """
    global_batch = positive_int("global_batch", global_batch)
    num_replicas = positive_int("num_replicas", num_replicas)
    if global_batch % num_replicas:
        raise ValueError(f"global_batch={global_batch} does not split evenly over num_replicas={num_replicas}")
    return global_batch // num_replicas


def shard_rows(array: Any, num_replicas: int) -> list[np.ndarray]:
    """Split ``array`` (B, ...) along its first axis into ``num_replicas`` consecutive shards of B / N rows."""
    array = np.asarray(array)
    if array.ndim < 1:
        raise ValueError(f"array must have a batch axis; got shape {array.shape}")
    b = per_replica_batch(array.shape[0], num_replicas)
    return [array[r * b : (r + 1) * b] for r in range(num_replicas)]


def replica_of_row(row: int, global_batch: int, num_replicas: int) -> int:
    """The replica that holds row ``row`` of a global batch sharded by :func:`shard_rows`."""
    b = per_replica_batch(global_batch, num_replicas)
    if not 0 <= row < global_batch:
        raise ValueError(f"row must be in [0, {global_batch}); got {row}")
    return row // b


def scaled_learning_rate(base_lr: float, base_batch: int, global_batch: int) -> float:
    """The linear scaling rule: multiply the learning rate by the factor the global batch grew by.

    A starting point for SGD when more devices make the global batch bigger
    (Goyal et al., 2017), usually with a warm-up; it is a rule of thumb, not a law.
    """
    if not base_lr > 0:
        raise ValueError(f"base_lr must be positive; got {base_lr}")
    return float(base_lr) * positive_int("global_batch", global_batch) / positive_int("base_batch", base_batch)


# --------------------------------------------------------------------------
# What every engine trains
# --------------------------------------------------------------------------


@dataclass
class RunConfig:
    """The run every engine does twice: on 1 device with batch B, and on N devices with global batch B.

    ``lr`` is plain SGD's learning rate (no momentum: the update is the gradient,
    so the equivalence shows the gradients agree). ``chars`` is how much of the
    novel the stream holds.
    """

    devices: int = 4
    batch_size: int = 16
    seq_len: int = 32
    steps: int = 8
    units: int = 32
    lr: float = 1.0
    chars: int = 60_000
    seed: int = 0
    model_parallel: bool = True  # JAX only: also train under ModelParallel (embedding and softmax sharded)

    def __post_init__(self) -> None:
        per_replica_batch(self.batch_size, self.devices)
        for name in ("seq_len", "steps", "units", "chars"):
            positive_int(name, getattr(self, name))


def _lm_data(config: RunConfig) -> tuple[np.ndarray, int]:
    from rnnkit.data import load_novel
    from rnnkit.text import CharVocab

    text = load_novel()[: config.chars]
    vocab = CharVocab.from_text(text)
    return vocab.encode(text), len(vocab.chars)


def _chunks(config: RunConfig, ids: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    from rnnkit.data import stream_batches

    chunks = list(stream_batches(ids, config.batch_size, config.seq_len))[: config.steps]
    if len(chunks) < config.steps:
        raise ValueError(f"chars={config.chars} gives only {len(chunks)} chunks; steps={config.steps} needs more")
    return chunks


def _model(config: RunConfig, vocab_size: int) -> Any:
    import keras

    from rnnkit.tbptt import build_lm

    keras.utils.set_random_seed(config.seed)  # the same initial weights in every run
    return build_lm(vocab_size, units=config.units, num_layers=1, rnn="lstm")


def _peak_memory_mb() -> float:
    """This process's peak resident host memory (all simulated CPU devices together), in MiB.

    Linux's ``VmHWM``: ``ru_maxrss`` of a child process starts at its parent's peak. Device
    (GPU) memory is not included.
    """
    try:
        for line in pathlib.Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _summary(name: str, devices: list[str], runs: dict[str, dict]) -> dict:
    return {"engine": name, "devices": devices, **runs}


# --------------------------------------------------------------------------
# JAX: keras.distribution
# --------------------------------------------------------------------------


def _train_jax(config: RunConfig) -> dict:
    import keras

    from rnnkit.tbptt import TBPTTTrainer, zero_states

    ids, vocab_size = _lm_data(config)
    chunks = _chunks(config, ids)
    all_devices = keras.distribution.list_devices()  # GPUs if there are any, else the (forced) CPU devices
    if len(all_devices) < config.devices:  # fewer GPUs than asked for: simulate on the CPU instead
        all_devices = keras.distribution.list_devices("cpu")
    if len(all_devices) < config.devices:
        raise RuntimeError(f"JAX sees {len(all_devices)} device(s), the run needs {config.devices}: "
                           "set XLA_FLAGS=--xla_force_host_platform_device_count=N before JAX is imported")

    def train(distribution: Any) -> dict:
        keras.distribution.set_distribution(distribution)
        try:
            model = _model(config, vocab_size)
            trainer = TBPTTTrainer(model, keras.optimizers.SGD(config.lr))

            def shard(a: Any) -> Any:  # the batch axis is split over the mesh's "batch" axis
                a = keras.ops.convert_to_tensor(a)
                return keras.distribution.distribute_tensor(a, distribution.get_data_layout(a.shape))

            states = [shard(s) for s in zero_states(model, config.batch_size)]
            losses, times = [], []
            for x, y in chunks:
                start = time.perf_counter()
                loss, states = trainer._step(shard(x.astype("int32")), shard(y.astype("int32")), states)
                losses.append(float(loss))
                times.append(time.perf_counter() - start)
            trainer.sync()
            placement = [sorted(str(d) for d in s.sharding.device_set) for s in states[:1]]
            shards = [np.asarray(piece.data) for piece in sorted(states[0].addressable_shards, key=lambda p: p.index[0].start or 0)]
            return {
                "losses": losses,
                "step_seconds": times,
                "weights": [np.asarray(w).tolist() for w in model.get_weights()],
                "states": [np.asarray(s).tolist() for s in states],
                "state_shards": [s.tolist() for s in shards],
                "state_placement": placement,
                "weight_sharding": {
                    v.path: str(getattr(v.value.sharding, "spec", "one device")) for v in model.weights if v.path.startswith(("embedding", "logits"))
                },
            }
        finally:
            keras.distribution.set_distribution(None)

    runs = {
        "one": train(keras.distribution.DataParallel(devices=all_devices[:1])),
        "many": train(keras.distribution.DataParallel(devices=all_devices[: config.devices])),
    }
    if config.model_parallel and config.devices % 2 == 0:
        mesh = keras.distribution.DeviceMesh((config.devices // 2, 2), ["batch", "model"], all_devices[: config.devices])
        layout_map = keras.distribution.LayoutMap(mesh)
        layout_map["embedding/embeddings"] = (None, "model")  # (V, E): the embedding columns split over "model"
        layout_map["logits/kernel"] = ("model", None)  # (units, V): the softmax rows split over "model"
        runs["model_parallel"] = train(keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch"))
    runs["peak_memory_mb"] = _peak_memory_mb()
    return _summary("jax", [str(d) for d in all_devices[: config.devices]], runs)


# --------------------------------------------------------------------------
# TensorFlow: tf.distribute.MirroredStrategy
# --------------------------------------------------------------------------


def _train_tensorflow(config: RunConfig) -> dict:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if len(gpus) >= config.devices:
        names = [f"/gpu:{i}" for i in range(config.devices)]
    else:  # before TensorFlow initialises: one physical CPU becomes N logical devices
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * config.devices)
        names = [f"/cpu:{i}" for i in range(config.devices)]
    import keras

    from rnnkit.tbptt import zero_states

    ids, vocab_size = _lm_data(config)
    chunks = _chunks(config, ids)
    tokens_per_batch = config.batch_size * config.seq_len

    def train(devices: list[str]) -> dict:
        strategy = tf.distribute.MirroredStrategy(devices)
        n = strategy.num_replicas_in_sync
        with strategy.scope():  # variables made here are mirrored: one copy per device
            model = _model(config, vocab_size)
            optimizer = keras.optimizers.SGD(config.lr)
            optimizer.build(model.trainable_variables)

        def distribute(a: np.ndarray) -> Any:  # replica r gets rows r*B/N .. (r+1)*B/N - 1
            pieces = shard_rows(a, n)
            return strategy.experimental_distribute_values_from_function(
                lambda ctx: tf.constant(pieces[ctx.replica_id_in_sync_group]))

        def replica_step(x: Any, y: Any, states: list) -> tuple:
            with tf.GradientTape() as tape:
                logits, *new_states = model([x, *states], training=True)
                per_token = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
                loss = tf.reduce_sum(per_token) / tokens_per_batch  # divide by the GLOBAL batch's token count
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)  # sums the replicas' gradients, then updates
            return loss, new_states

        @tf.function
        def step(x: Any, y: Any, states: list) -> tuple:
            loss, new_states = strategy.run(replica_step, args=(x, y, states))
            return strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None), new_states

        states = [distribute(s) for s in zero_states(model, config.batch_size)]
        losses, times = [], []
        for x, y in chunks:
            start = time.perf_counter()
            loss, states = step(distribute(x.astype("int32")), distribute(y.astype("int32")), states)
            losses.append(float(loss))  # the states stay where they are: per replica, never gathered
            times.append(time.perf_counter() - start)
        shards = [np.asarray(t) for t in strategy.experimental_local_results(states[0])]
        return {
            "losses": losses,
            "step_seconds": times,
            "weights": [np.asarray(w).tolist() for w in model.get_weights()],
            "states": [np.concatenate([np.asarray(t) for t in strategy.experimental_local_results(s)]).tolist() for s in states],
            "state_shards": [s.tolist() for s in shards],
            "state_placement": [list(strategy.extended.worker_devices)],  # replica r runs on device r
        }

    runs = {"one": train(names[:1]), "many": train(names)}
    runs["peak_memory_mb"] = _peak_memory_mb()
    return _summary("tensorflow", names, runs)


# --------------------------------------------------------------------------
# PyTorch: torch.distributed + DistributedDataParallel, one process per device
# --------------------------------------------------------------------------


_WATCHDOG_ENV = "RNNKIT_ENGINE_WATCHDOG_S"


def _arm_watchdog(seconds: float) -> None:
    """After ``seconds`` (if > 0), print every thread's Python stack to stderr and exit: a hang becomes an error."""
    if seconds > 0:
        import faulthandler

        faulthandler.dump_traceback_later(seconds, exit=True)


def _loopback_interface() -> str | None:
    """The name of this machine's loopback interface ("lo" on Linux, "lo0" on macOS), if it has one."""
    import socket

    try:
        names = [name for _, name in socket.if_nameindex()]
    except (AttributeError, OSError):  # no if_nameindex on this platform
        return None
    return next((name for name in ("lo", "lo0") if name in names), None)


def _torch_worker(rank: int, world: int, store: str, config: dict, out: str) -> None:
    """One process of the PyTorch run: replica ``rank`` of ``world`` (started by torch.multiprocessing.spawn).

    The processes meet through a file (``store``, a path that does not exist yet) rather than
    a TCP port: a free port picked by one run can be taken by another run on the same machine
    before its processes bind it, and then they wait for each other forever.
    """
    import datetime

    _arm_watchdog(float(os.environ.get(_WATCHDOG_ENV, "0")))  # a spawned process: its own watchdog
    # keras.utils.set_random_seed imports TensorFlow whenever it is installed (to seed tf.data too).
    # This process needs PyTorch only: without TensorFlow a run of the tests' config took 17 s, not 24 s, here, and it
    # avoids the hangs known from TensorFlow and PyTorch in one process (tensorflow#60109,
    # pytorch#99637). A None entry makes `import tensorflow` fail, so Keras takes it for absent.
    sys.modules.setdefault("tensorflow", None)  # type: ignore[assignment]
    import torch
    import torch.distributed as dist

    cfg = RunConfig(**{**config, "devices": world})
    cuda = torch.cuda.is_available() and torch.cuda.device_count() >= world
    torch.set_num_threads(1)
    loopback = _loopback_interface()
    if not cuda and loopback:  # every process is on this machine: gloo need not guess a network interface
        os.environ.setdefault("GLOO_SOCKET_IFNAME", loopback)
    # A stuck collective raises after this long instead of hanging (a step takes well under a second).
    dist.init_process_group("nccl" if cuda else "gloo", init_method=pathlib.Path(store).as_uri(), rank=rank,
                            world_size=world, timeout=datetime.timedelta(seconds=COLLECTIVE_TIMEOUT_S))
    device = torch.device(f"cuda:{rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    import keras
    from torch.nn.parallel import DistributedDataParallel

    from rnnkit.tbptt import zero_states

    ids, vocab_size = _lm_data(cfg)
    chunks = _chunks(cfg, ids)
    model = _model(cfg, vocab_size)
    ddp = DistributedDataParallel(model, device_ids=[rank] if cuda else None)  # rank 0's weights are broadcast
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)  # mean over this rank's rows
    mine = slice(rank * (cfg.batch_size // world), (rank + 1) * (cfg.batch_size // world))
    states = [torch.as_tensor(s[mine], device=device) for s in zero_states(model, cfg.batch_size)]
    losses, times = [], []
    for x, y in chunks:
        start = time.perf_counter()
        logits, *new_states = ddp([torch.as_tensor(x[mine].astype("int32"), device=device), *states], training=True)
        loss = loss_fn(torch.as_tensor(y[mine].astype("int32"), device=device), logits)
        optimizer.zero_grad()
        loss.backward()  # DDP all-reduces (averages) the gradients during the backward pass
        optimizer.step()
        states = [s.detach() for s in new_states]  # the gradient stops at the chunk border; the rows stay here
        mean = loss.detach().clone()
        dist.all_reduce(mean)
        losses.append(float(mean) / world)
        times.append(time.perf_counter() - start)
    gathered = [[torch.zeros_like(s) for _ in range(world)] for s in states]
    for parts, s in zip(gathered, states):
        dist.all_gather(parts, s)
    if rank == 0:
        result = {
            "losses": losses,
            "step_seconds": times,
            "weights": [np.asarray(w).tolist() for w in model.get_weights()],
            "states": [torch.cat(parts).cpu().numpy().tolist() for parts in gathered],
            "state_shards": [p.cpu().numpy().tolist() for p in gathered[0]],
            "state_placement": [[f"rank {r} ({'cuda:' + str(r) if cuda else 'cpu'})" for r in range(world)]],
            "peak_memory_mb": _peak_memory_mb(),
        }
        pathlib.Path(out).write_text(json.dumps(result))
    dist.destroy_process_group()
    # End the process here, before Python frees DDP and the process group: in CI (and about 1 run in
    # 20 here) freeing them after the group was destroyed hung for good, with gloo's threads waiting
    # (the stack of such a hang ended at the line that called this function). Every result is
    # written by now, so skipping the clean-up loses nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _train_torch(config: RunConfig) -> dict:
    import torch.multiprocessing as mp

    def run(world: int) -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "rank0.json")
            args = (world, os.path.join(tmp, "store"), asdict(config), out)  # the rendezvous file
            # one process per device, as torchrun would start them; one device gets a process of its
            # own too, since each worker ends its process when it is done (see _torch_worker)
            mp.spawn(_torch_worker, args=args, nprocs=world, join=True)
            return json.loads(pathlib.Path(out).read_text())

    one, many = run(1), run(config.devices)
    one.pop("peak_memory_mb")
    return _summary("torch", many["state_placement"][0], {"one": one, "many": many,
                                                          "peak_memory_mb": many.pop("peak_memory_mb")})


_TRAIN = {"jax": _train_jax, "tensorflow": _train_tensorflow, "torch": _train_torch}


# --------------------------------------------------------------------------
# Running an engine in its own process
# --------------------------------------------------------------------------


def engine_env(engine: str, devices: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment an engine's process needs: its Keras backend and, for JAX, N host devices."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}; got {engine!r}")
    env = dict(os.environ if base is None else base)
    env["KERAS_BACKEND"] = ENGINES[engine][0]
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if engine == "jax":  # read once, when JAX starts: it has to be in the environment of a fresh process
        flags = [f for f in env.get("XLA_FLAGS", "").split() if not f.startswith("--xla_force_host_platform_device_count")]
        env["XLA_FLAGS"] = " ".join([*flags, f"--xla_force_host_platform_device_count={devices}"])
    return env


def run_engine(engine: str, config: RunConfig | None = None, *, timeout: float = 480, **overrides: Any) -> dict:
    """Train with ``engine`` in a fresh process on 1 device and on ``config.devices`` devices; return the report.

    The report holds, for the runs ``"one"`` and ``"many"`` (and, for JAX,
    ``"model_parallel"``), the per-step ``losses`` and ``step_seconds``, the final
    ``weights`` and carried ``states`` (the full batch, rows in order), the
    ``state_shards`` as each replica holds them, and where they live; plus
    ``devices`` and the process's ``peak_memory_mb``. Arrays come back as numpy.

    ``timeout`` (seconds) stays below the 600 s that the tests give a notebook cell, so that a
    hung run fails here, naming its engine; shortly before it, the process prints where each of
    its threads is and exits.

    Raises:
        RuntimeError: the engine's process failed or ran past ``timeout`` seconds (its last
            output lines, or its threads' stacks, are in the message).
    """
    config = RunConfig(**{**(asdict(config) if config else {}), **overrides})
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "report.json"
        watchdog = timeout - min(15.0, 0.2 * timeout)  # the process prints its stacks and exits before it is killed
        cmd = [sys.executable, "-m", "rnnkit.distributed", engine, "--config", json.dumps(asdict(config)), "--out", str(out),
               "--watchdog", f"{watchdog:g}"]
        root = pathlib.Path(__file__).resolve().parent.parent
        env = engine_env(engine, config.devices)
        env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [env.get("PYTHONPATH")])])
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            output = "".join(o.decode(errors="replace") if isinstance(o, bytes) else (o or "")
                             for o in (exc.stdout, exc.stderr))
            tail = "\n".join(output.splitlines()[-40:])
            raise RuntimeError(f"the {engine} run did not finish in {timeout:g} s; its last lines:\n{tail}") from None
        if proc.returncode != 0 or not out.exists():
            output = proc.stdout + proc.stderr
            if "Timeout (" in output and "Thread 0x" in output:  # the watchdog fired: the stacks of every thread
                stacks = output[output.index("Timeout ("):]
                raise RuntimeError(f"the {engine} run did not finish in {timeout:g} s; where each thread was:\n{stacks}")
            tail = "\n".join(output.splitlines()[-25:])
            raise RuntimeError(f"the {engine} run failed (exit {proc.returncode}):\n{tail}")
        report = json.loads(out.read_text())
    for key, run in report.items():
        if isinstance(run, dict):
            for field in ("weights", "states", "state_shards"):
                run[field] = [np.asarray(a, dtype="float32") for a in run[field]]
    return report


def machine_name() -> str:
    """The CPU model and core count, to name the machine a measurement comes from."""
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="one engine's 1-device and N-device runs, as JSON")
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("--config", default="{}", help="RunConfig fields as JSON")
    parser.add_argument("--out", required=True)
    parser.add_argument("--watchdog", type=float, default=0.0,
                        help="after this many seconds, print every thread's stack and exit (0: never)")
    args = parser.parse_args(argv)
    _arm_watchdog(args.watchdog)
    os.environ[_WATCHDOG_ENV] = str(args.watchdog)  # for the processes the torch engine spawns
    config = RunConfig(**json.loads(args.config))
    import keras

    if keras.backend.backend() != ENGINES[args.engine][0]:
        raise SystemExit(f"engine {args.engine} needs KERAS_BACKEND={ENGINES[args.engine][0]}; "
                         f"this process has {keras.backend.backend()}")
    report = _TRAIN[args.engine](config)
    pathlib.Path(args.out).write_text(json.dumps(report))


if __name__ == "__main__":
    _main()
