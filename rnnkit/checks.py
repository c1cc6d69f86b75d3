"""Checks for the exercises of Part I (notebooks 01-05), and the machinery every checks module shares.

For learners
------------
Each check takes the function you wrote, runs it on a few seeded test cases and
compares it with a reference. It either prints one line starting with ``✓``, or
stops with a short message: a line starting with ``✗`` that says what is wrong
and by how much, a ``Hint:`` that names the symptom or the idea to look at, and
the name of a second, more explicit hint you can ask for::

    from rnnkit import checks
    checks.rnn_step(my_rnn_step)
    # ✗ rnn_step: h_t is wrong by up to 1.32 (at index (0, 2): got 0.4, expected -0.9)
    #   Hint: ...
    #   Second hint: checks.hint("rnn_step")
    checks.hint("rnn_step")       # more explicit, still not the solution
    checks.hint()                 # the same, for the check that failed last

For check writers (every ``rnnkit.checks_*`` module uses this)
---------------------------------------------------------------
A check is a function ``name(answer) -> None`` decorated with :func:`_check`.
It builds a few seeded cases, calls the learner's code with :func:`_call`,
compares with :func:`_compare` (or names a known mistake with :func:`_mistake`
first), fails with :func:`_fail` and ends with :func:`_passed`::

    @_check(more="a second hint, more explicit than the first, never the solution line",
            reference=("rnnkit.numpy_rnn.rnn_step",))       # what a hidden test forbids calling
    def rnn_step(fn):
        name = "rnn_step"                                    # = the function's name
        for rng, (N, D, H) in _cases(3, [(2, 3, 4), (1, 5, 2)]):
            x, h, Wx, Wh, b = ...
            got = _call(name, fn, x, h, Wx, Wh, b)
            want = nr.rnn_step(x, h, Wx, Wh, b)
            _mistake(name, got, want, [(np.tanh(x @ Wx + h @ Wh), "h_t is exactly what you get without b",
                                        "the bias is part of the pre-activation")])
            _compare(name, "h_t", got, want, "the first hint: the symptom and the idea to look at")
        _passed(name, "correct on 2 test cases")

The pieces:

* ``_fail(check, problem, hint, *, more=None)`` raises :class:`CheckFailed` with
  ``✗ check: problem`` / ``Hint: hint`` / the pointer to the second hint. ``more``
  replaces the check's second hint for this failure (say more about this mistake).
  A hint names the symptom and points at the idea; it never contains the line
  that solves the exercise, and never contradicts the exercise's own rules.
* ``_call(check, fn, *args)`` calls the learner's code: an unwritten stub
  (``NotImplementedError``) becomes "not written yet"; any other exception
  becomes one message with the line of the learner's code that raised it.
* ``_compare(check, what, got, want, hint, *, tol=1e-6, more=None)``: shape
  (names a transposed or batch/time-swapped result), NaN, then values; a scalar
  is reported without an index.
* ``_mistake(check, got, want, [(wrong_value, problem, hint[, more]), ...])``:
  fails with the named problem when ``got`` equals a known wrong answer.
* ``_cases(seed, sizes)``, ``_rng(seed)`` and ``_variant(visible, hidden)`` give
  the test data; a hidden test (below) gets other seeds and ``hidden`` sizes.
* ``_check(more=..., reference=(...), forbid=(...))`` registers the check:
  its second hint (:func:`hint`), the rnnkit functions a hidden test forbids the
  answer to call (``reference``: an answer that only calls the reference is not
  an answer), and functions the exercise itself forbids (``forbid``, e.g.
  ``"numpy.eye"``), blocked in every run. Warnings raised by the learner's code
  are silenced while a check runs (nbgrader scores a check cell that writes to
  stderr as 0).
* ``hidden_test(name, answer)`` runs the registered (original) check in hidden
  mode: other data, references blocked, silent when it passes. nbgrader hidden
  tests in the notebooks call it between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS``.

A failure raises :class:`CheckFailed`, an ``AssertionError``: nbgrader gives the
cell 0 points and nbval sees a failing cell. In Jupyter (and in nbgrader's
feedback) IPython shows only the message, through ``_render_traceback_``, not the
frames of this module.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import io
import linecache
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NoReturn, TypeVar

import numpy as np

from rnnkit import numpy_rnn as nr

__all__ = [
    "CheckFailed",
    "hint",
    "hidden_test",
    "TASK_SHAPES",
    "TASK_SHAPE_QUESTIONS",
    "one_hot",
    "embedding_lookup",
    "task_shapes",
    "rnn_step",
    "rnn_forward",
    "birnn_forward",
    "rnn_param_count",
    "softmax_cross_entropy",
    "rnn_backward",
    "sample_next",
    "clip_by_global_norm",
    "spectral_radius",
    "lstm_step",
    "gru_step",
    "lstm_param_count",
    "gru_param_count",
]

#: Functions every checks module exports that are not checks.
TOOLS: tuple[str, ...] = ("hint", "hidden_test")
#: The checks of this module, in notebook order.
CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


F = TypeVar("F", bound=Callable[..., Any])


class CheckFailed(AssertionError):
    """Raised by a check when the learner's answer is wrong. The message says why.

    In IPython and Jupyter only the message is shown (``_render_traceback_``):
    the ``✗`` line(s), the hint and the pointer to the second hint, no traceback.
    """

    def __init__(self, message: str, *, check: str = "", more: str | None = None) -> None:
        super().__init__(message)
        self.check = check
        self.more = more

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message, line by line."""
        return str(self).split("\n")


# --------------------------------------------------------------------------
# Registry: second hints, references, the original check functions
# --------------------------------------------------------------------------

_SECOND_HINTS: dict[str, str] = {}  # check name -> its second hint
_REFERENCES: dict[str, tuple[str, ...]] = {}  # check name -> "module.function" a hidden test blocks
_ORIGINALS: dict[str, Callable[..., None]] = {}  # check name -> the check as defined (not as maybe replaced)
_HOMES: dict[str, str] = {}  # check name -> the module that defines it
_LAST: dict[str, Any] = {"name": None, "more": {}}  # the last failure, and per check its specific second hint
_HIDDEN: contextvars.ContextVar[bool] = contextvars.ContextVar("rnnkit_checks_hidden", default=False)

#: Top-level packages that are "library" code: a frame of one of these is never the learner's.
_LIBRARIES = frozenset({"numpy", "keras", "tensorflow", "jax", "jaxlib", "torch", "optree", "num2words", "ml_dtypes",
                        "contextlib", "functools", "importlib", "builtins", "abc", "typing", "threading", "inspect"})


def _check(more: str, *, reference: Sequence[str] = (), forbid: Sequence[tuple[str, str]] = ()) -> Callable[[F], F]:
    """Register a check: its second hint, what a hidden test forbids, what the exercise forbids.

    Args:
        more: the second hint (:func:`hint`): more explicit than the first, never the solution line.
        reference: ``"module.function"`` names (rnnkit's own versions of the exercise) that the
            answer must not call in a hidden test.
        forbid: ``("module.function", why)`` pairs the exercise itself rules out, blocked in every
            run of the check (e.g. ``("numpy.eye", "this exercise is one-hot encoding without np.eye")``).
    """

    def decorate(fn: F) -> F:
        name = fn.__name__

        @functools.wraps(fn)
        def run(answer: Any, *args: Any, **kwargs: Any) -> None:
            with warnings.catch_warnings(), np.errstate(all="ignore"), _blocking(forbid):
                warnings.simplefilter("ignore")
                return fn(answer, *args, **kwargs)

        _SECOND_HINTS[name] = more
        _REFERENCES[name] = tuple(reference)
        _ORIGINALS[name] = run
        _HOMES[name] = fn.__module__
        return run  # type: ignore[return-value]

    return decorate


def hint(name: str | None = None) -> None:
    """Print the second hint of check ``name`` (default: the check that failed last).

    More explicit than the hint in the failure message; still not the solution.
    Every ``rnnkit.checks_*`` module has this function: ``checks_data.hint("masked_mean")``.
    """
    if name is None:
        name = _LAST["name"]
        if name is None:
            print("No check has failed yet. Ask for a check by name, e.g. hint(\"rnn_step\").")
            return
    name = str(name)
    text = _LAST["more"].get(name) or _SECOND_HINTS.get(name)
    if text is None:
        known = ", ".join(sorted(_SECOND_HINTS)) or "none loaded"
        print(f"No second hint for {name!r}. Checks with one: {known}.")
        return
    print(textwrap.fill(f"Second hint for {name}: {text}", width=100, subsequent_indent="  "))


def hidden_test(name: str, answer: Any) -> None:
    """Run check ``name`` as a hidden test: other data, rnnkit's reference blocked, silent when it passes.

    For nbgrader hidden tests (the lines between ``### BEGIN HIDDEN TESTS`` and
    ``### END HIDDEN TESTS`` of a check cell). It uses the check as rnnkit defines it,
    even if a notebook has replaced ``checks.<name>``; an answer tailored to the visible
    check's cases, or one that only calls rnnkit's own version, fails it.
    """
    check = _ORIGINALS.get(name)
    if check is None:
        module = _HOMES.get(name)
        raise ValueError(f"no check called {name!r} is loaded" + (f" (import {module} first)" if module else ""))
    token = _HIDDEN.set(True)
    try:
        with _blocking([(ref, "the hidden test checks your own version, not rnnkit's") for ref in _REFERENCES[name]]):
            with contextlib.redirect_stdout(io.StringIO()):
                check(answer)
    finally:
        _HIDDEN.reset(token)


# --------------------------------------------------------------------------
# Blocking functions an answer must not call
# --------------------------------------------------------------------------


class _Blocked(Exception):
    """The learner's code called a function that this check rules out."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what} is not allowed here: {why}")
        self.what, self.why = what, why


def _top(frame: Any) -> str:
    return str(frame.f_globals.get("__name__", "")).split(".")[0]


def _learner_called(frame: Any) -> bool:
    """True if the nearest caller outside library code is the learner's code (not rnnkit)."""
    while frame is not None and _top(frame) in _LIBRARIES:
        frame = frame.f_back
    return frame is not None and _top(frame) != "rnnkit"


def _guard(original: Callable[..., Any], what: str, why: str) -> Callable[..., Any]:
    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _learner_called(sys._getframe(1)):
            raise _Blocked(what, why)
        return original(*args, **kwargs)

    guarded.__rnnkit_original__ = original  # type: ignore[attr-defined]
    return guarded


def _resolve(path: str) -> tuple[Any, str] | None:
    """(module object, attribute) for ``"pkg.module.attr"``; rnnkit and numpy are imported, others only if loaded."""
    module_name, _, attr = path.rpartition(".")
    module = sys.modules.get(module_name)
    if module is None and module_name.split(".")[0] in ("rnnkit", "numpy"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            module = None
    if module is None or not hasattr(module, attr):
        return None
    return module, attr


@contextlib.contextmanager
def _blocking(rules: Sequence[tuple[str, str]]) -> Iterator[None]:
    """Replace each ``"module.function"`` by a guard that raises :class:`_Blocked` when the learner calls it."""
    saved: list[tuple[Any, str, Any]] = []
    try:
        for path, why in rules:
            found = _resolve(path)
            if found is None:
                continue
            module, attr = found
            original = getattr(module, attr)
            saved.append((module, attr, original))
            setattr(module, attr, _guard(getattr(original, "__rnnkit_original__", original), path, why))
        yield
    finally:
        for module, attr, original in reversed(saved):
            setattr(module, attr, original)


# --------------------------------------------------------------------------
# Failing and passing
# --------------------------------------------------------------------------


def _hint_alias(check: str) -> str:
    """How the learner's code names a checks module (``checks``, ``checks_data`` ...), for the second-hint line."""
    home = _HOMES.get(check, __name__)
    frame = sys._getframe(1)
    while frame is not None and (_top(frame) == "rnnkit" or _top(frame) in _LIBRARIES):
        frame = frame.f_back
    if frame is not None:
        modules = [(k, v) for k, v in frame.f_globals.items()
                   if not k.startswith("_") and getattr(v, "__name__", "").startswith("rnnkit.checks")
                   and getattr(v, "hint", None) is hint]
        modules.sort(key=lambda kv: getattr(kv[1], "__name__", "") != home)  # the check's own module first
        if modules:
            return f"{modules[0][0]}.hint"
    return f"{home}.hint"


def _fail(check: str, problem: str, hint: str, *, more: str | None = None) -> NoReturn:
    """Stop the check: ``✗ check: problem``, ``Hint: hint``, and where the second hint is.

    ``more`` is a second hint for this very failure (otherwise the check's registered one).
    """
    label = f"{check} (hidden test)" if _HIDDEN.get() else check
    lines = [f"✗ {label}: {problem}", f"  Hint: {hint}"]
    _LAST["name"] = check
    if more:
        _LAST["more"][check] = more
    else:
        _LAST["more"].pop(check, None)
    if more or check in _SECOND_HINTS:
        lines.append(f"  Second hint: {_hint_alias(check)}({check!r})".replace("'", '"'))
    raise CheckFailed("\n".join(lines), check=check, more=more) from None


def _passed(check: str, detail: str) -> None:
    print(f"✓ {check}: {detail}")


# --------------------------------------------------------------------------
# Calling the learner's code
# --------------------------------------------------------------------------


def _describe(args: tuple[Any, ...]) -> str:
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append(f"array{tuple(a.shape)}")
        elif isinstance(a, (list, tuple)) and a and all(isinstance(x, np.ndarray) for x in a):
            parts.append("[" + ", ".join(f"array{tuple(x.shape)}" for x in a) + "]")
        elif isinstance(a, np.random.Generator):
            parts.append("rng")
        elif callable(a) and not isinstance(a, type):
            parts.append(getattr(a, "__name__", "a function"))
        else:
            text = repr(a)
            parts.append(text if len(text) <= 60 else text[:57] + "...")
    return "(" + ", ".join(parts) + ")"


def _learner_line(exc: BaseException) -> str:
    """``" at `code` (line n of fn)"``: the last line of the learner's own code in the traceback, or ``""``."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if _top(frame) not in _LIBRARIES and _top(frame) != "rnnkit":
            found = (frame.f_code.co_filename, tb.tb_lineno, frame.f_code.co_name)
        tb = tb.tb_next
    if found is None:
        return ""
    filename, lineno, function = found
    code = linecache.getline(filename, lineno).strip()
    if not code:
        return ""
    where = "your code" if function == "<lambda>" else function
    return f"\n  at `{code}` (line {lineno} of {where})"


def _not_written(exc: BaseException | None) -> bool:
    """True if a NotImplementedError is in the exception or its chain (Keras re-wraps errors)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, NotImplementedError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _blocked_in(exc: BaseException | None) -> _Blocked | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, _Blocked):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _first_line(exc: BaseException) -> str:
    """The exception's message without colour codes or Keras' "Exception encountered ..." lines."""
    lines = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()
    line = next((ln for ln in lines if ln.strip() and not ln.startswith("Exception encountered")), "")
    return line.strip()[:300]


def _raised(check: str, exc: BaseException, doing: str, hint: str, *, context: str = "") -> NoReturn:
    """Fail because the learner's code raised ``exc`` while ``doing`` something; a stub or a blocked call is named.

    The message is ``"{doing} raised {type}: {message}"``, then ``context`` (e.g. the arguments) and the
    line of the learner's own code that raised it.
    """
    if isinstance(exc, CheckFailed):
        raise exc
    if _not_written(exc):
        _fail(check, "it is not written yet (it raised NotImplementedError)",
              "replace the line `raise NotImplementedError()` with your code, run that cell, then this one")
    blocked = _blocked_in(exc)
    if blocked is not None:
        _fail(check, f"your code calls {blocked.what}: {blocked.why}",
              "write the computation out yourself; the exercise is the steps that function would do for you")
    extra = f"\n  {context}" if context else ""
    _fail(check, f"{doing} raised {type(exc).__name__}: {_first_line(exc)}{extra}{_learner_line(exc)}", hint)


def _call(check: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function; turn any exception into a short, readable failure."""
    if not callable(fn):
        _fail(check, f"expected a function, got {type(fn).__name__}",
              "pass the function itself, without calling it: no parentheses after its name")
    try:
        return fn(*args)
    except CheckFailed:
        raise
    except Exception as exc:  # any bug in learner code becomes a message, not a traceback
        _raised(check, exc, "your function", "run it yourself on arrays of those shapes and print the shape of "
                "each intermediate result", context=f"when called with {_describe(args)}")


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------


def _as_array(check: str, what: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(check, f"{what} should be a numeric array, got {type(value).__name__}", "return a numpy array (or a number)")
    return arr


def _fmt(x: Any) -> str:
    return f"{float(x):.6g}"


def _shape_problem(what: str, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    text = f"{what} has shape {got}, expected {want}"
    if len(got) == len(want) >= 2 and got != want:
        if got == want[::-1] and len(got) == 2:
            return text + ": it looks transposed"
        if got[:2] == want[1::-1] and got[2:] == want[2:]:
            return text + ": the first two axes look swapped (time-major instead of batch first?)"
    if len(want) == 0 and got:
        return f"{what} should be one number, but it has shape {got}"
    return text


def _compare(check: str, what: str, got: Any, want: Any, hint: str, *, tol: float = 1e-6, more: str | None = None) -> None:
    """Fail unless ``got`` has the shape of ``want`` and matches it to ``tol`` (relative to its scale)."""
    got = _as_array(check, what, got)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        _fail(check, _shape_problem(what, got.shape, want.shape), hint, more=more)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        bad = "NaN" if np.isnan(got).any() else "infinity"
        _fail(check, f"{what} contains {bad}", "look for an overflow (np.exp of a large number), a log of 0, "
              "or a division by 0", more=more)
    err = np.abs(got - want)
    if want.size and err.max() > tol * (1.0 + np.abs(want).max()):
        if want.ndim == 2 and want.shape[0] == want.shape[1] > 1 and np.allclose(got, want.T, atol=tol):
            _fail(check, f"{what} is the transpose of what it should be", hint, more=more)
        if want.ndim == 0:
            _fail(check, f"{what} is {_fmt(got)}, expected {_fmt(want)}", hint, more=more)
        idx = np.unravel_index(int(np.argmax(err)), err.shape)
        _fail(check, f"{what} is wrong by up to {err.max():.3g} (at index {tuple(int(i) for i in idx)}: "
                     f"got {_fmt(got[idx])}, expected {_fmt(want[idx])})", hint, more=more)


def _same(a: Any, b: Any, tol: float = 1e-6) -> bool:
    """True if ``a`` and ``b`` are numeric arrays of one shape that agree to ``tol``."""
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * (1.0 + np.abs(b).max(initial=0.0))))


def _mistake(check: str, got: Any, want: Any, mistakes: Sequence[tuple[Any, ...]], *, tol: float = 1e-6) -> None:
    """Fail with a named problem if ``got`` equals one of the known wrong answers (and not ``want``).

    ``mistakes``: ``(wrong_value, problem, hint)`` or ``(wrong_value, problem, hint, more)`` tuples.
    """
    if _same(got, want, tol):
        return
    for wrong, problem, hint_text, *rest in mistakes:
        if not _same(wrong, want, tol) and _same(got, wrong, tol):
            _fail(check, problem, hint_text, more=rest[0] if rest else None)


def _unpack(check: str, out: Any, n: int, names: str) -> tuple[Any, ...]:
    if not isinstance(out, (tuple, list)) or len(out) != n:
        got = f"a {type(out).__name__} of {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
        _fail(check, f"expected a tuple of {n} values ({names}), got {got}", f"end with `return {names}`")
    return tuple(out)


# --------------------------------------------------------------------------
# Test data: visible and hidden
# --------------------------------------------------------------------------

_HIDDEN_SEED_OFFSET = 7919


def _hidden() -> bool:
    """True while a hidden test runs (:func:`hidden_test`)."""
    return _HIDDEN.get()


def _variant(visible: Any, hidden: Any) -> Any:
    """``hidden`` during a hidden test, else ``visible`` (e.g. other layer sizes)."""
    return hidden if _HIDDEN.get() else visible


def _rng(seed: int) -> np.random.Generator:
    """The check's generator; a hidden test draws other numbers."""
    return np.random.default_rng(seed + (_HIDDEN_SEED_OFFSET if _HIDDEN.get() else 0))


def _cases(seed: int, sizes: list[tuple[int, ...]], hidden: list[tuple[int, ...]] | None = None
           ) -> list[tuple[np.random.Generator, tuple[int, ...]]]:
    """One seeded generator per size; a hidden test uses other seeds (and ``hidden`` sizes when given)."""
    chosen = hidden if (hidden is not None and _HIDDEN.get()) else sizes
    return [(_rng(seed + k), s) for k, s in enumerate(chosen)]


def _int_answer(check: str, fn: Callable[..., Any], args: tuple[int, ...], want: int, hint: str,
                hints: Mapping[int, str] | None = None, *, label: str = "(D, H)") -> None:
    """Fail unless ``fn(*args)`` is the int ``want``; ``hints`` maps known wrong numbers to their hint."""
    got = _call(check, fn, *args)
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        if isinstance(got, (float, np.floating)) and float(got).is_integer():
            _fail(check, f"expected an int, got the float {got!r} for {label} = {args}",
                  "a count is a whole number: avoid `/` (it always gives a float), or wrap the result in int()")
        _fail(check, f"expected an int, got {type(got).__name__} {got!r} for {label} = {args}", "return a whole number")
    if got != want:
        _fail(check, f"for {label} = {args} you said {got}, but the layer has {want} parameters",
              (hints or {}).get(int(got), hint))


# --------------------------------------------------------------------------
# 01 Sequences and tensor shapes
# --------------------------------------------------------------------------


@_check(more='build a (N, T, V) array of zeros and put one 1 per (n, t); or compare each id with every class number at once and turn the booleans into floats')
def one_hot(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(ids, V) -> (N, T, V)`` one-hot vectors for integer ``ids`` (N, T)."""
    name = "one_hot"
    for rng, (N, T, V) in _cases(1, [(2, 5, 7), (1, 1, 3), (3, 4, 10)]):
        ids = rng.integers(0, V, size=(N, T))
        _compare(name, "one_hot(ids, V)", _call(name, fn, ids, V), np.eye(V)[ids],
                 "each row is all zeros but a single 1 at the position ids[n, t]; np.eye(V)[ids] does all rows at once")
    _passed(name, "correct on 3 test cases")


@_check(more='the vector for token id k is row k of E; numpy can pick many rows at once when you index with an integer array')
def embedding_lookup(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``fn(ids, E) -> (N, T, d)``: the rows of the embedding matrix ``E`` (V, d) picked by ``ids``."""
    name = "embedding_lookup"
    for rng, (N, T, V, d) in _cases(2, [(2, 5, 7, 3), (1, 3, 4, 8), (4, 2, 9, 2)]):
        ids = rng.integers(0, V, size=(N, T))
        E = rng.standard_normal((V, d))
        _compare(name, "embedding_lookup(ids, E)", _call(name, fn, ids, E), E[ids],
                 "the vector for token id k is row k of E; numpy fancy indexing E[ids] picks all of them")
    _passed(name, "correct on 3 test cases")


TASK_SHAPES: tuple[str, ...] = (
    "one-to-one",
    "one-to-many",
    "many-to-one",
    "many-to-many (aligned)",
    "many-to-many (encoder-decoder)",
)

_TASK_ANSWERS: dict[str, str] = {
    "decide whether a movie review is positive or negative": "many-to-one",
    "tag every word of a sentence with its part of speech": "many-to-many (aligned)",
    "translate an English sentence into Korean": "many-to-many (encoder-decoder)",
    "write a one-line caption for a photo": "one-to-many",
    "recognise the digit in a single 8x8 image": "one-to-one",
    "flag an e-mail as spam or not": "many-to-one",
    "mark every token that is part of a person's name": "many-to-many (aligned)",
    "predict tomorrow's temperature from the last 30 days": "many-to-one",
    "compose a melody given only a genre label": "one-to-many",
    "turn a spoken sentence (audio frames) into its text": "many-to-many (encoder-decoder)",
}

TASK_SHAPE_QUESTIONS: tuple[str, ...] = tuple(_TASK_ANSWERS)


def _normalise_shape(answer: Any) -> str:
    text = re.sub(r"[\s_]+", " ", str(answer).strip().lower())
    text = re.sub(r"(one|many)[\s-]*to[\s-]*(one|many)", r"\1-to-\2", text)
    aliases = {
        "many-to-many": "many-to-many (aligned)",
        "many-to-many aligned": "many-to-many (aligned)",
        "many-to-many (unaligned)": "many-to-many (encoder-decoder)",
        "many-to-many unaligned": "many-to-many (encoder-decoder)",
        "many-to-many encoder-decoder": "many-to-many (encoder-decoder)",
        "encoder-decoder": "many-to-many (encoder-decoder)",
        "seq2seq": "many-to-many (encoder-decoder)",
    }
    return aliases.get(text.strip(), text.strip())


@_check(more="count the items on each side: a single image or label is 'one', a sentence, audio or a series is 'many'")
def task_shapes(answers: Mapping[str, str] | Callable[[], Mapping[str, str]]) -> None:
    """Check a dict (or a function returning one) mapping each task in ``TASK_SHAPE_QUESTIONS`` to one of ``TASK_SHAPES``."""
    name = "task_shapes"
    if callable(answers):
        answers = _call(name, answers)
    if not isinstance(answers, Mapping):
        _fail(name, f"expected a dict, got {type(answers).__name__}", "build {task: shape} for every task in checks.TASK_SHAPE_QUESTIONS")
    missing = [q for q in TASK_SHAPE_QUESTIONS if q not in answers]
    if missing:
        _fail(name, f"{len(missing)} task(s) have no answer, e.g. {missing[0]!r}",
              "copy the keys from checks.TASK_SHAPE_QUESTIONS so the spelling matches")
    unknown = {q: a for q, a in answers.items() if _normalise_shape(a) not in TASK_SHAPES}
    if unknown:
        q, a = next(iter(unknown.items()))
        _fail(name, f"{a!r} (for {q!r}) is not one of the shapes", f"use one of {', '.join(TASK_SHAPES)}")
    wrong = [q for q in TASK_SHAPE_QUESTIONS if _normalise_shape(answers[q]) != _TASK_ANSWERS[q]]
    if wrong:
        listing = "\n    ".join(f"{q!r}: you said {answers[q]!r}" for q in wrong)
        _fail(name, f"{len(wrong)} of {len(TASK_SHAPE_QUESTIONS)} answers are not right yet:\n    {listing}",
              "for each task ask: is the input one item or a sequence? is the output one item or a sequence? "
              "if both are sequences, is there exactly one output per input step?")
    _passed(name, f"all {len(TASK_SHAPE_QUESTIONS)} tasks matched to their shape")


# --------------------------------------------------------------------------
# 02 The forward pass
# --------------------------------------------------------------------------


def _rnn_case(rng: np.random.Generator, N: int, T: int, D: int, H: int) -> tuple[np.ndarray, ...]:
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    Wx, Wh, b = rng.standard_normal((D, H)) * 0.5, rng.standard_normal((H, H)) * 0.5, rng.standard_normal(H) * 0.1
    return x, h0, Wx, Wh, b


@_check(more='the pre-activation has three terms: the input times its matrix, the previous state times its matrix, and the bias; the state is the tanh of their sum', reference=('rnnkit.numpy_rnn.rnn_step',))
def rnn_step(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x_t, h_prev, Wx, Wh, b) -> h_t`` (N, H)."""
    name = "rnn_step"
    for rng, (N, D, H) in _cases(3, [(2, 3, 4), (1, 5, 2), (4, 1, 3)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, 1, D, H)
        _compare(name, "h_t", _call(name, fn, x[:, 0], h0, Wx, Wh, b), nr.rnn_step(x[:, 0], h0, Wx, Wh, b),
                 "h_t = np.tanh(x_t @ Wx + h_prev @ Wh + b); inputs multiply from the left")
    _passed(name, "correct on 3 test cases")


@_check(more='keep one running state that starts as h0; at each step feed the state of the previous step and write the new one into slot t of the output', reference=('rnnkit.numpy_rnn.rnn_forward',))
def rnn_forward(fn: Callable[..., Any]) -> None:
    """Check ``fn(x, h0, Wx, Wh, b)`` returning all hidden states (N, T, H), alone or first in a tuple."""
    name = "rnn_forward"
    for rng, (N, T, D, H) in _cases(4, [(2, 6, 3, 4), (1, 1, 2, 2), (3, 10, 1, 5)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, T, D, H)
        out = _call(name, fn, x, h0, Wx, Wh, b)
        got = out[0] if isinstance(out, tuple) else out
        want, _ = nr.rnn_forward(x, h0, Wx, Wh, b)
        _compare(name, "h (every hidden state)", got, want,
                 "loop t over range(T), feed the previous state into the step, and store each h_t at h[:, t]; the first step uses h0")
    _passed(name, "correct on 3 test cases")


@_check(more='the second RNN reads the sequence in reverse, so its state at its own step t belongs to input position T-1-t')
def birnn_forward(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x, fwd_weights, bwd_weights) -> (N, T, 2H)`` for a bidirectional RNN starting from zeros."""
    name = "birnn_forward"
    for rng, (N, T, D, H) in _cases(5, [(2, 5, 3, 4), (1, 3, 2, 2)]):
        x = rng.standard_normal((N, T, D))
        fwd = nr.init_rnn(rng, D, H)
        bwd = nr.init_rnn(rng, D, H)
        zeros = np.zeros((N, H))
        hf, _ = nr.rnn_forward(x, zeros, *fwd)
        hb_rev, _ = nr.rnn_forward(x[:, ::-1], zeros, *bwd)
        want = np.concatenate([hf, hb_rev[:, ::-1]], axis=-1)
        got = _call(name, fn, x, fwd, bwd)
        unaligned = np.concatenate([hf, hb_rev], axis=-1)
        if np.shape(got) == want.shape and np.allclose(got, unaligned) and not np.allclose(got, want):
            _fail(name, "the backward half is in reversed time order",
                  "the backward RNN reads x[:, ::-1]; flip its states back with [:, ::-1] so position t means input step t in both halves")
        _compare(name, "the concatenated states", got, want,
                 "run one RNN on x and another on x[:, ::-1], flip the second's states back, and np.concatenate on the last axis (forward first)")
    _passed(name, "correct on 2 test cases")


@_check(more='write down the shapes of the three arrays of one layer and add up their sizes')
def rnn_param_count(fn: Callable[[int, int], int]) -> None:
    """Check ``fn(D, H)`` = number of trainable parameters of a vanilla RNN layer."""
    name = "rnn_param_count"
    for D, H in [(3, 4), (1, 1), (100, 32), (64, 256)]:
        _int_answer(name, fn, (D, H), D * H + H * H + H, "count Wx (D x H), Wh (H x H) and b (H); the same weights serve every step")
    _passed(name, "correct for 4 layer sizes")


# --------------------------------------------------------------------------
# 03 Backpropagation through time
# --------------------------------------------------------------------------


@_check(more='work with log-probabilities: subtract the largest logit, then log p = z - log(sum(exp(z)))', reference=('rnnkit.numpy_rnn.softmax_cross_entropy',))
def softmax_cross_entropy(fn: Callable[..., tuple[float, np.ndarray]]) -> None:
    """Check ``fn(logits, targets) -> (mean loss, dlogits)``."""
    name = "softmax_cross_entropy"
    for rng, shape in _cases(6, [(2, 3, 5), (4, 6), (1, 2, 3)]):
        logits = rng.standard_normal(shape) * 2.0
        targets = rng.integers(0, shape[-1], size=shape[:-1])
        loss, dlogits = _unpack(name, _call(name, fn, logits, targets), 2, "loss, dlogits")
        want_loss, want_d = nr.softmax_cross_entropy(logits, targets)
        _compare(name, "loss", loss, np.asarray(want_loss),
                 "average -log p[target] over every prediction (every n and t), not the sum")
        _compare(name, "dlogits", dlogits, want_d,
                 "the gradient is (softmax(logits) - one_hot(targets)) / number_of_predictions")
    big = np.array([[1000.0, 0.0, -1000.0]])
    loss, _ = _unpack(name, _call(name, fn, big, np.array([0])), 2, "loss, dlogits")
    if not np.isfinite(loss) or abs(float(loss)) > 1e-6:
        _fail(name, f"for logits [1000, 0, -1000] and target 0 the loss is {loss}, expected 0",
              "subtract the largest logit before np.exp so nothing overflows")
    _passed(name, "loss and gradient correct on 3 cases, and stable for large logits")


@_check(more="at each step the gradient reaching the state goes through tanh' = 1 - h**2 before it splits into the weight gradients, the input gradient and the previous state", reference=('rnnkit.numpy_rnn.rnn_backward',))
def rnn_backward(fn: Callable[..., tuple[np.ndarray, ...]]) -> None:
    """Check ``fn(dh, cache) -> (dx, dh0, dWx, dWh, db)`` against ``rnnkit.numpy_rnn.rnn_backward``."""
    name = "rnn_backward"
    names = ("dx", "dh0", "dWx", "dWh", "db")
    hints = {
        "dx": "dx[:, t] = da @ Wx.T, where da is the gradient just before the tanh",
        "dh0": "what flows out of step 0 into h0 is da @ Wh.T of step 0",
        "dWx": "accumulate x[:, t].T @ da over every t",
        "dWh": "accumulate h_prev.T @ da over every t, with h_prev = h0 at t = 0",
        "db": "accumulate da.sum(axis=0) over every t",
    }
    for rng, (N, T, D, H) in _cases(7, [(2, 4, 3, 5), (1, 6, 2, 3)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, T, D, H)
        h, cache = nr.rnn_forward(x, h0, Wx, Wh, b)
        dh = rng.standard_normal(h.shape)
        got = _unpack(name, _call(name, fn, dh, cache), 5, ", ".join(names))
        want = nr.rnn_backward(dh, cache)
        for n, g, w in zip(names, got, want):
            extra = " Remember the gradient from step t+1 (dhnext) adds to dh[:, t]." if n != "db" else ""
            _compare(name, n, g, w, hints[n] + "." + extra)
    _passed(name, "all five gradients correct on 2 test cases")


@_check(more='scale the logits by the temperature, add noise drawn from the rng you were given, and take the argmax')
def sample_next(fn: Callable[[np.ndarray, float, np.random.Generator], int]) -> None:
    """Check ``fn(logits, temperature, rng) -> int`` samples from ``softmax(logits / temperature)``."""
    name = "sample_next"
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    draws = 4000
    for temperature in (1.0, 0.5, 2.0):
        rng = np.random.default_rng(11)
        samples = []
        for _ in range(draws):
            s = _call(name, fn, logits, temperature, rng)
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or not 0 <= s < len(logits):
                _fail(name, f"expected an int in [0, {len(logits)}), got {s!r}", "return int(rng.choice(V, p=probs))")
            samples.append(int(s))
        freq = np.bincount(samples, minlength=len(logits)) / draws
        want = nr.softmax(logits / temperature)
        if freq[0] == 1.0 and want[0] < 0.99:
            _fail(name, f"at temperature {temperature} you always picked the largest logit",
                  "that is greedy decoding; sample with rng.choice(V, p=softmax(logits / temperature))")
        gap = 0.5 * np.abs(freq - want).sum()
        if gap > 0.04:
            _fail(name, f"at temperature {temperature} your samples have frequencies {np.round(freq, 3)}, expected about {np.round(want, 3)}",
                  "divide the logits by the temperature before the softmax, and sample with the rng you are given")
    if len({int(_call(name, fn, logits, 1.0, np.random.default_rng(3))) for _ in range(20)}) > 1:
        _fail(name, "two calls with identically seeded generators gave different samples", "draw the randomness from `rng`, not from np.random")
    _passed(name, f"sample frequencies match softmax(logits / T) for T = 1, 0.5, 2 ({draws} draws each)")


# --------------------------------------------------------------------------
# 04 Vanishing and exploding gradients
# --------------------------------------------------------------------------


@_check(more='one norm for all gradients together, one scale factor, and new arrays for the result', reference=('rnnkit.numpy_rnn.clip_by_global_norm',))
def clip_by_global_norm(fn: Callable[..., tuple[list[np.ndarray], float]]) -> None:
    """Check ``fn(grads, max_norm) -> (clipped grads, norm before clipping)``."""
    name = "clip_by_global_norm"
    rng = np.random.default_rng(8)
    for scale, max_norm in ((10.0, 1.0), (0.01, 5.0), (3.0, 2.0)):
        grads = [rng.standard_normal((3, 4)) * scale, rng.standard_normal(4) * scale, rng.standard_normal((2, 2)) * scale]
        copies = [g.copy() for g in grads]
        clipped, norm = _unpack(name, _call(name, fn, grads, max_norm), 2, "clipped, norm")
        want, want_norm = nr.clip_by_global_norm(copies, max_norm)
        _compare(name, "norm", norm, np.asarray(want_norm), "the global norm is sqrt of the sum of squares of every entry of every gradient")
        if not isinstance(clipped, (list, tuple)) or len(clipped) != len(want):
            _fail(name, f"expected a list of {len(want)} clipped gradients", "return one array per input gradient, in order")
        per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in copies]
        if all(np.shape(c) == p.shape and np.allclose(c, p) for c, p in zip(clipped, per_tensor)) and want_norm > max_norm:
            if not all(np.allclose(c, w) for c, w in zip(clipped, want)):
                _fail(name, "each gradient was clipped on its own", "scale ALL gradients by the same factor max_norm / global_norm, so their joint direction is kept")
        for k, (c, w) in enumerate(zip(clipped, want)):
            _compare(name, f"clipped[{k}]", c, w, "multiply every gradient by min(1, max_norm / global_norm)")
    _passed(name, "correct when clipping is needed and when it is not")


@_check(more='the eigenvalues can be complex; their absolute values are real')
def spectral_radius(fn: Callable[[np.ndarray], float]) -> None:
    """Check ``fn(W) -> float``: the largest absolute eigenvalue of the square matrix ``W``."""
    name = "spectral_radius"
    rng = np.random.default_rng(9)
    theta = 0.7
    rotation = 0.9 * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    skewed = np.array([[0.5, 3.0], [0.0, 0.5]])
    for W in (np.diag([0.3, -1.2, 0.8]), rotation, skewed, rng.standard_normal((6, 6)) / np.sqrt(6)):
        got = _call(name, fn, W)
        want = float(np.max(np.abs(np.linalg.eigvals(W))))
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got an array of shape {np.shape(got)}", "take the max of the absolute eigenvalues")
        if abs(float(np.real(got)) - float(np.linalg.norm(W, 2))) < 1e-9 and abs(want - float(np.linalg.norm(W, 2))) > 1e-6:
            _fail(name, "you returned the largest singular value (the spectral norm)",
                  "the spectral radius uses eigenvalues: np.max(np.abs(np.linalg.eigvals(W)))")
        _compare(name, "spectral radius", np.real(got), np.asarray(want),
                 "eigenvalues can be complex (rotations!): take np.abs of np.linalg.eigvals(W), then the max")
    _passed(name, "correct on 4 matrices, including a rotation with complex eigenvalues")


# --------------------------------------------------------------------------
# 05 LSTM and GRU
# --------------------------------------------------------------------------


@_check(more="one product gives four blocks of H columns in Keras' order: input gate, forget gate, candidate, output gate", reference=('rnnkit.numpy_rnn.lstm_step',))
def lstm_step(fn: Callable[..., tuple[np.ndarray, np.ndarray]]) -> None:
    """Check ``fn(x_t, h_prev, c_prev, Wx, Wh, b) -> (h_t, c_t)`` with Keras' gate order i, f, c, o."""
    name = "lstm_step"
    for rng, (N, D, H) in _cases(10, [(2, 3, 4), (1, 2, 5), (3, 4, 2)]):
        x_t = rng.standard_normal((N, D))
        h_prev, c_prev = rng.standard_normal((N, H)) * 0.5, rng.standard_normal((N, H))
        Wx, Wh, b = rng.standard_normal((D, 4 * H)) * 0.5, rng.standard_normal((H, 4 * H)) * 0.5, rng.standard_normal(4 * H) * 0.5
        h_t, c_t = _unpack(name, _call(name, fn, x_t, h_prev, c_prev, Wx, Wh, b), 2, "h_t, c_t")
        want_h, want_c = nr.lstm_step(x_t, h_prev, c_prev, Wx, Wh, b)
        _compare(name, "c_t", c_t, want_c,
                 "c_t = f * c_prev + i * g with the blocks of z = x_t @ Wx + h_prev @ Wh + b taken in the order i, f, c (g), o")
        _compare(name, "h_t", h_t, want_h, "h_t = o * tanh(c_t), with o the LAST block of z")
    _passed(name, "h_t and c_t correct on 3 test cases")


@_check(more='compute the input part and the recurrent part separately, each with its own bias row, and let the reset gate scale only the recurrent part of the candidate', reference=('rnnkit.numpy_rnn.gru_step',))
def gru_step(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x_t, h_prev, Wx, Wh, b) -> h_t`` in Keras' GRU layout (reset_after=True, b of shape (2, 3H))."""
    name = "gru_step"
    for rng, (N, D, H) in _cases(12, [(2, 3, 4), (1, 2, 5), (3, 4, 2)]):
        x_t, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H)) * 0.5
        Wx, Wh, b = rng.standard_normal((D, 3 * H)) * 0.5, rng.standard_normal((H, 3 * H)) * 0.5, rng.standard_normal((2, 3 * H)) * 0.5
        _compare(name, "h_t", _call(name, fn, x_t, h_prev, Wx, Wh, b), nr.gru_step(x_t, h_prev, Wx, Wh, b),
                 "blocks are z, r, h; the reset gate multiplies (h_prev @ Wh + b[1]) AFTER the matmul; h_t = z * h_prev + (1 - z) * candidate")
    _passed(name, "correct on 3 test cases")


@_check(more='one block has an input matrix, a recurrent matrix and a bias; count them and multiply by the number of blocks')
def lstm_param_count(fn: Callable[[int, int], int]) -> None:
    """Check ``fn(D, H)`` = trainable parameters of ``keras.layers.LSTM(H)`` on D input features."""
    name = "lstm_param_count"
    for D, H in [(3, 4), (1, 1), (100, 32), (64, 256)]:
        _int_answer(name, fn, (D, H), 4 * (D * H + H * H + H), "an LSTM has four blocks (i, f, c, o), each with its own input weights, recurrent weights and bias")
    _passed(name, "correct for 4 layer sizes")


@_check(more='like the LSTM, but three blocks, each with two bias vectors')
def gru_param_count(fn: Callable[[int, int], int]) -> None:
    """Check ``fn(D, H)`` = trainable parameters of ``keras.layers.GRU(H)`` (reset_after=True) on D features."""
    name = "gru_param_count"
    for D, H in [(3, 4), (1, 1), (100, 32), (64, 256)]:
        _int_answer(name, fn, (D, H), 3 * (D * H + H * H + 2 * H), "three blocks (z, r, h), and with reset_after=True two biases per block (input and recurrent)")
    _passed(name, "correct for 4 layer sizes")
