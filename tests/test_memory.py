"""rnnkit.memory: the peak counters, their reset, and the full-vs-truncated BPTT sweep.

CPU only. The counter tests use the CPU counter directly (framework "numpy": no Keras);
the tests marked ``keras`` run on the current KERAS_BACKEND and tests/test_backends.py
reruns them on the other two.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from rnnkit import memory

LINUX_RESET = memory.reset_peak("numpy")  # True where /proc/self/clear_refs resets VmHWM


def _touch(mib: int) -> None:
    """Allocate ``mib`` MiB, write every page (so it is resident), then free it."""
    block = np.ones(mib * memory.MIB // 8)
    assert block[-1] == 1.0
    del block


def test_the_cpu_counter_sees_a_temporary_allocation() -> None:
    meter = memory.PeakMeter("numpy")
    meter.start()
    _touch(64)
    rise = meter.rise_mib()
    if meter.exact:
        assert 60 <= rise < 200, f"64 MiB written and freed, the peak rose {rise:.1f} MiB"
    else:  # no reset: the baseline is the peak so far, and the rise a lower bound
        assert rise >= 0


@pytest.mark.skipif(not LINUX_RESET, reason="the peak resident set can only be reset on Linux (clear_refs)")
def test_reset_brings_the_cpu_peak_back_to_what_is_in_use() -> None:
    _touch(96)
    high = memory.peak_bytes("numpy")
    assert memory.reset_peak("numpy")
    low = memory.peak_bytes("numpy")
    assert high - low > 80 * memory.MIB, f"the reset lowered the peak by {(high - low) / memory.MIB:.1f} MiB only"
    meter = memory.PeakMeter("numpy")
    meter.start()
    assert meter.exact and meter.rise_mib() < 16  # nothing big since start()


def test_the_counter_is_named_and_a_reading_needs_a_start() -> None:
    meter = memory.PeakMeter("numpy")
    assert not meter.gpu and memory.device_name("numpy") == "CPU"
    if sys.platform.startswith("linux"):
        assert "VmHWM" in meter.counter
    with pytest.raises(RuntimeError, match="start"):
        meter.rise_mib()


def test_an_unknown_framework_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'cuda'"):
        memory.peak_bytes("cuda")


@pytest.mark.parametrize(
    ("lengths", "kwargs", "message"),
    [
        ([100, 120], {"chunk": 50}, "multiple of chunk=50; got 120"),
        ([], {}, "non-empty"),
        ("100", {}, "non-empty list"),
        ([100, 100], {}, "must not repeat"),
        ([0, 50], {}, "positive int; got 0"),
        ([100], {"chunk": 0}, "chunk must be a positive int"),
        ([100], {"modes": ["fast"]}, "modes must be"),
    ],
)
def test_bad_sweep_arguments_fail_before_any_process_starts(lengths: list, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        memory.bptt_sweep(lengths, backend="numpy", **kwargs)


def test_format_sweep_shows_every_row_and_what_was_measured() -> None:
    result = {"backend": "jax", "device": "CPU", "counter": "VmHWM ...", "exact": True, "errors": {"full": "timed out"},
              "truncated": [{"T": 100, "peak_mib": 1.25, "seconds": 0.5, "updates": 2}], "full": []}
    text = memory.format_sweep(result)
    assert "truncated T=   100: peak     1.2 MiB" in text and "2 updates" in text
    assert "CPU, jax backend" in text and "full: FAILED, timed out" in text


# --------------------------------------------------------------------------
# With Keras: the sweep as notebook 13 runs it, each mode in a child process
# --------------------------------------------------------------------------


@pytest.mark.keras
def test_full_bptt_memory_grows_with_the_length_and_truncated_stays_flat() -> None:
    """The claim notebook 13 shows, measured the way it measures it: each mode in a fresh process.

    Batch 16, 64 units: full BPTT at T = 800 holds about 30 MiB more activations than at
    T = 50. Truncated BPTT with chunks of 50 does the work of full BPTT at T = 50, so at
    any T it costs what full BPTT costs at T = 50: small, and not zero.
    """
    keras = pytest.importorskip("keras")
    result = memory.bptt_sweep([800, 50], chunk=50, batch=16, units=64, embedding_dim=16, timeout=1800)  # a busy machine
    assert result["backend"] == keras.config.backend() and result["errors"] == {}
    assert [r["T"] for r in result["full"]] == [r["T"] for r in result["truncated"]] == [50, 800]  # short to long
    assert [r["updates"] for r in result["truncated"]] == [1, 16] and [r["updates"] for r in result["full"]] == [1, 1]
    assert all(r["seconds"] > 0 for r in result["full"] + result["truncated"])
    full = {r["T"]: r["peak_mib"] for r in result["full"]}
    trunc = {r["T"]: r["peak_mib"] for r in result["truncated"]}
    growth = full[800] - full[50]
    assert growth > 15, f"full BPTT: {full} MiB; 16 x 800 steps of activations should add ~30 MiB"
    assert abs(trunc[800] - trunc[50]) < 0.25 * growth, f"truncated BPTT is not flat: {trunc} MiB (full: {full})"
    # Truncated BPTT at T = 800 costs about what one chunk costs: much nearer full BPTT at T = 50 than at T = 800.
    # (The bound is the midpoint: on JAX one CI run measured truncated at T = 800 21.5 MiB above full at T = 50,
    # 86.3 MiB, with full at T = 800 75.3 MiB above it; a quarter of the growth was too tight there.)
    assert abs(trunc[800] - full[50]) < 0.5 * growth, f"truncated at T=800 {trunc[800]} vs full at T=50 {full[50]} MiB"
    assert trunc[800] > 0.1, "truncated BPTT's first chunk must cost something: a zero means the baseline was wrong"
    assert result["device"] == "CPU" and result["exact"] is LINUX_RESET


def test_a_child_that_runs_out_of_time_raises_or_is_recorded() -> None:
    with pytest.raises(RuntimeError, match="truncated-BPTT measurement on numpy failed .*timed out"):
        memory.bptt_sweep([10], chunk=10, batch=2, units=4, modes=["truncated"], backend="numpy", timeout=0.01)
    result = memory.bptt_sweep([10], chunk=10, batch=2, units=4, modes=["full"], backend="numpy", timeout=0.01, strict=False)
    assert result["full"] == [] and "timed out" in result["errors"]["full"]


@pytest.mark.keras
def test_a_child_that_fails_reports_its_error() -> None:
    """Keras' numpy backend cannot train: the child exits with TBPTTTrainer's error, which comes back."""
    pytest.importorskip("keras")
    result = memory.bptt_sweep([10], chunk=10, batch=2, units=4, modes=["truncated"], backend="numpy", strict=False)
    assert result["truncated"] == [], result
    assert "exit status 1" in result["errors"]["truncated"] and "supports the backends" in result["errors"]["truncated"]
