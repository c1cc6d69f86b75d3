"""rnnkit.distributed: the sharding arithmetic, and each engine's N-device run against its 1-device run.

Every engine runs in its own subprocess (rnnkit.distributed.run_engine sets KERAS_BACKEND, and XLA_FLAGS
for JAX), so these tests are not marked ``keras``: they run once, from whichever backend this pytest has,
on simulated CPU devices. Notebook 16 runs the same engines at a larger size.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from rnnkit import distributed as dist

# Small enough for CI: a few steps of a tiny LSTM LM; most of the time is the engines' start-up.
TINY = dist.RunConfig(devices=2, batch_size=4, seq_len=8, steps=3, units=8, chars=5_000)
# float32 sums in another order: the losses agree to ~1e-6, the weights and states to ~1e-7 here.
TOL = 1e-5


def test_per_replica_batch_and_rows() -> None:
    assert dist.per_replica_batch(32, 4) == 8
    assert [dist.replica_of_row(i, 8, 4) for i in range(8)] == [0, 0, 1, 1, 2, 2, 3, 3]
    with pytest.raises(ValueError, match="global_batch=10 does not split evenly over num_replicas=4"):
        dist.per_replica_batch(10, 4)
    with pytest.raises(ValueError, match="row must be in"):
        dist.replica_of_row(8, 8, 4)


def test_shard_rows_keeps_rows_in_order() -> None:
    a = np.arange(24).reshape(6, 4)
    shards = dist.shard_rows(a, 3)
    assert [s.shape for s in shards] == [(2, 4)] * 3
    np.testing.assert_array_equal(np.concatenate(shards), a)
    np.testing.assert_array_equal(shards[1], a[2:4])
    with pytest.raises(ValueError, match="batch axis"):
        dist.shard_rows(np.float32(1.0), 2)


def test_scaled_learning_rate() -> None:
    assert dist.scaled_learning_rate(0.1, 32, 128) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="base_lr must be positive"):
        dist.scaled_learning_rate(0.0, 32, 64)


def test_config_and_env_are_validated() -> None:
    with pytest.raises(ValueError, match="does not split evenly"):
        dist.RunConfig(devices=3, batch_size=16)
    with pytest.raises(ValueError, match="engine must be one of"):
        dist.engine_env("mxnet", 2)
    env = dist.engine_env("jax", 4, base={"XLA_FLAGS": "--xla_force_host_platform_device_count=2 --other"})
    assert env["KERAS_BACKEND"] == "jax"
    assert env["XLA_FLAGS"].split() == ["--other", "--xla_force_host_platform_device_count=4"]
    assert dist.engine_env("torch", 2, base={})["KERAS_BACKEND"] == "torch"


def test_machine_name_counts_the_cores() -> None:
    import os

    assert dist.machine_name().endswith(f", {os.cpu_count()} cores")


def _max_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    assert [x.shape for x in a] == [y.shape for y in b]
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


@pytest.mark.parametrize("engine", sorted(dist.ENGINES))
def test_engine_matches_one_device(engine: str) -> None:
    report = dist.run_engine(engine, TINY)
    assert len(report["devices"]) == TINY.devices
    one = report["one"]
    runs = ["many", "model_parallel"] if engine == "jax" else ["many"]
    assert set(runs) <= set(report)
    b = dist.per_replica_batch(TINY.batch_size, TINY.devices)
    for name in runs:
        run = report[name]
        np.testing.assert_allclose(run["losses"], one["losses"], atol=TOL, err_msg=f"{engine} {name}: losses")
        assert _max_diff(run["weights"], one["weights"]) < TOL, f"{engine} {name}: weights"
        assert _max_diff(run["states"], one["states"]) < TOL, f"{engine} {name}: carried states"
    # the state of row i stays with row i: replica r holds exactly rows r*b .. (r+1)*b-1 of the 1-device state
    shards = report["many"]["state_shards"]
    assert len(shards) == TINY.devices
    for r, shard in enumerate(shards):
        np.testing.assert_allclose(shard, one["states"][0][r * b:(r + 1) * b], atol=TOL, err_msg=f"{engine}: replica {r}")
    # and the training moved: a test that compares two untrained models would prove nothing
    assert one["losses"][-1] < one["losses"][0]
    assert report["peak_memory_mb"] > 0


def test_run_engine_reports_a_failing_run() -> None:
    with pytest.raises(RuntimeError, match="the jax run failed"):
        dist.run_engine("jax", TINY, chars=50)  # too short a stream for 3 chunks


def test_run_engine_reports_a_run_past_its_timeout() -> None:
    # Start-up alone (importing a framework) takes longer than this: the run must fail with a
    # message naming the engine and the limit, not hang or raise subprocess's own exception.
    with pytest.raises(RuntimeError, match=r"the torch run did not finish in 0\.5 s"):
        dist.run_engine("torch", TINY, timeout=0.5)


def test_an_engine_process_prints_its_stacks_and_exits_when_its_watchdog_fires() -> None:
    # What a hung run leaves in run_engine's error: every thread's Python stack, then exit 1.
    import json
    import subprocess
    from dataclasses import asdict

    cmd = [sys.executable, "-m", "rnnkit.distributed", "torch", "--config", json.dumps(asdict(TINY)),
           "--out", "/nonexistent/report.json", "--watchdog", "1"]
    proc = subprocess.run(cmd, env=dist.engine_env("torch", 2), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Timeout (0:00:01)!" in proc.stderr and "Thread 0x" in proc.stderr, proc.stderr[-2000:]


@pytest.mark.skipif(sys.platform != "linux", reason="the loopback interface is called lo on Linux")
def test_torch_processes_meet_on_the_loopback_interface() -> None:
    assert dist._loopback_interface() == "lo"


def test_data_parallel_diagram() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnkit import figures

    fig = figures.data_parallel(4, 8)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "rows 2-3" in texts and any("all-reduce" in t for t in texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="split evenly"):
        figures.data_parallel(3, 8)
