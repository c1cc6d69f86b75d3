"""rnnkit.checks_text: the reference solutions pass, typical mistakes fail with a hint."""

from __future__ import annotations

from typing import Any

import numpy as np
import wrong_answers as W
from check_suite import check_suite

from rnnkit import checks_text
from rnnkit import numpy_rnn as nr


def _top_k(logits: np.ndarray, k: int, temperature: float, rng: np.random.Generator) -> int:
    z = np.asarray(logits, dtype=float) / temperature
    keep = np.argsort(z)[-k:]
    return int(keep[rng.choice(k, p=nr.softmax(z[keep]))])


def _top_k_no_filter(logits: np.ndarray, k: int, temperature: float, rng: np.random.Generator) -> int:
    return int(rng.choice(len(logits), p=nr.softmax(np.asarray(logits) / temperature)))


def _top_k_no_temperature(logits: np.ndarray, k: int, temperature: float, rng: np.random.Generator) -> int:
    return _top_k(logits, k, 1.0, rng)


def _chunks_time_major(ids: np.ndarray, B: int, S: int) -> list:
    """A common mistake: cut consecutive chunks of B*S tokens instead of B parallel rows."""
    n = (len(ids) - 1) // (B * S)
    return [(ids[k * B * S : (k + 1) * B * S].reshape(B, S), ids[k * B * S + 1 : (k + 1) * B * S + 1].reshape(B, S)) for k in range(n)]


def _cache_floats(N: int, T: int, D: int, H: int) -> int:
    return N * T * D + 2 * N * H + D * 4 * H + H * 4 * H + 6 * N * T * H


CASES: dict[str, tuple[Any, list[Any], str]] = {
    n: (W.RIGHT[n], [fn for _, fn, _ in W.WRONG[n]], W.WRONG[n][0][2]) for n in checks_text.CHECKS
}


(test_every_check_has_cases, test_reference_solution_passes,
 test_wrong_solutions_fail_with_a_hint,
 test_unwritten_stub_gets_a_message_not_a_traceback) = check_suite(checks_text, CASES)


