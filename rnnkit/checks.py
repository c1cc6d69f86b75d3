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
    "pad_batch",
    "rnn_step",
    "rnn_forward",
    "birnn_forward",
    "rnn_param_count",
    "softmax_cross_entropy",
    "rnn_backward",
    "sample_next",
    "clip_by_global_norm",
    "spectral_radius",
    "random_orthogonal",
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
        subject = "the function" if doing == "your function" else "it"
        _fail(check, f"{subject} is not written yet (it raised NotImplementedError)",
              "replace the line `raise NotImplementedError()` with your code, run that cell, then this one")
    blocked = _blocked_in(exc)
    if blocked is not None:
        _fail(check, f"your code calls {blocked.what}: {blocked.why}",
              "write the computation out yourself; the exercise is the steps that function would do for you")
    extra = f"\n  {context}" if context else ""
    _fail(check, f"{doing} raised {type(exc).__name__}: {_first_line(exc)}{extra}{_learner_line(exc)}", hint)


#: Checks whose exercise has None as a right answer (``first_error``: equal strings have no first error).
_NONE_IS_AN_ANSWER: frozenset[str] = frozenset({"first_error"})


def _call(check: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function; turn any exception, or a result of None, into a short, readable failure."""
    if not callable(fn):
        _fail(check, f"expected a function, got {type(fn).__name__}",
              "pass the function itself, without calling it: no parentheses after its name")
    try:
        out = fn(*args)
    except CheckFailed:
        raise
    except Exception as exc:  # any bug in learner code becomes a message, not a traceback
        _raised(check, exc, "your function", "run it yourself on arrays of those shapes and print the shape of "
                "each intermediate result", context=f"when called with {_describe(args)}")
    if out is None and check not in _NONE_IS_AN_ANSWER:
        _fail(check, f"your function returned None when called with {_describe(args)}: a missing `return`?",
              "a function that ends without a `return` line gives None; end it with `return` and the result")
    return out


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


def _int_answer(check: str, fn: Callable[..., Any], args: tuple[Any, ...], want: int, hint: str,
                hints: Mapping[int, str] | None = None, *, label: str = "(D, H)", counted: str = "the layer") -> None:
    """Fail unless ``fn(*args)`` is the int ``want``; ``hints`` maps known wrong numbers to their hint."""
    got = _call(check, fn, *args)
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        if isinstance(got, (float, np.floating)) and float(got).is_integer():
            _fail(check, f"expected an int, got the float {got!r} for {label} = {args}",
                  "a count is a whole number: avoid `/` (it always gives a float), or wrap the result in int()")
        _fail(check, f"expected an int, got {type(got).__name__} {got!r} for {label} = {args}", "return a whole number")
    if got != want:
        _fail(check, f"for {label} = {args} you said {got}, but {counted} has {want} parameters",
              (hints or {}).get(int(got), hint))


# --------------------------------------------------------------------------
# 01 Sequences and tensor shapes
# --------------------------------------------------------------------------


@_check(more="make an array of zeros of shape (N, T, V) and set one entry per (n, t), or compare every id with every "
        "class number at once (an (N, T, 1) array against a (V,) array broadcasts to (N, T, V)) and turn the "
        "booleans into floats",
        forbid=[("numpy.eye", "this exercise is one-hot encoding without np.eye"),
                ("numpy.identity", "this exercise is one-hot encoding without an identity matrix")])
def one_hot(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(ids, V) -> (N, T, V)`` one-hot vectors for integer ``ids`` (N, T), without ``np.eye``."""
    name = "one_hot"
    for rng, (N, T, V) in _cases(1, [(2, 5, 7), (1, 1, 3), (3, 4, 10)], [(3, 2, 5), (1, 1, 1), (2, 6, 9)]):
        ids = rng.integers(0, V, size=(N, T))
        ids.flat[0], ids.flat[-1] = 0, V - 1  # both ends of the vocabulary
        want = (ids[..., None] == np.arange(V)).astype(np.float64)
        got = _call(name, fn, ids.copy(), V)
        if np.shape(got) == (N, T, V) and not np.issubdtype(np.asarray(got).dtype, np.floating) and _same(got, want):
            _fail(name, f"the values are right but the array has dtype {np.asarray(got).dtype}, not float",
                  "the exercise asks for floats, the dtype a network's inputs have (Keras layers compute in float32): "
                  "convert the array you built")
        if np.shape(got) == (N, T, V + 1) or np.shape(got) == (N, T, V - 1):
            _fail(name, f"for V={V} the last axis has {np.shape(got)[-1]} entries, expected V = {V}",
                  "ids run from 0 to V - 1, so there are exactly V classes")
        _mistake(name, got, want, [
            (want[..., ::-1], "the 1s sit at the mirrored positions (V - 1 - id)", "position k of the vector stands for id k"),
        ])
        _compare(name, f"one_hot(ids, V={V})", got, want,
                 "each vector is all zeros except a single 1 at the position given by its id")
    _passed(name, "correct on 3 test cases")


@_check(more="the vector of token id k is row k of E; numpy picks many rows at once when you index an array with an "
        "integer array, and the result keeps the index array's shape in front")
def embedding_lookup(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``fn(ids, E) -> (N, T, d)``: the rows of the embedding matrix ``E`` (V, d) picked by ``ids``."""
    name = "embedding_lookup"
    for rng, (N, T, V, d) in _cases(2, [(2, 5, 7, 3), (1, 1, 4, 8), (4, 2, 9, 2)], [(3, 4, 6, 5), (2, 1, 3, 7), (5, 5, 2, 3)]):
        ids = rng.integers(0, V, size=(N, T))
        ids.flat[-1] = V - 1
        E = rng.standard_normal((V, d))
        got = _call(name, fn, ids.copy(), E.copy())
        want = E[ids]
        _compare(name, "embedding_lookup(ids, E)", got, want,
                 "the vector for ids[n, t] is one row of E; E has one row per token id")
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

_SHAPE_CONFUSIONS: dict[tuple[str, str], str] = {  # (right, given) -> what to think about
    ("many-to-many (encoder-decoder)", "many-to-many (aligned)"):
        "a translation or a transcript has its own length: output t does not belong to input t",
    ("many-to-many (aligned)", "many-to-many (encoder-decoder)"):
        "here every input token gets exactly one label, at its own position",
    ("many-to-one", "many-to-many (aligned)"): "the answer is one label for the whole sequence, not one per step",
    ("one-to-many", "many-to-one"): "the input is a single item and the output is a sequence, not the other way round",
    ("many-to-one", "one-to-many"): "the input is the sequence; the output is a single label or number",
}


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


@_check(more="for each task write down what goes in and what comes out: one item or a sequence? If both are "
        "sequences, does the output have one element per input step at the same position (aligned), or a length of "
        "its own (encoder-decoder)?")
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
        listing = "\n    ".join(f"{q!r}: you said {answers[q]!r}" for q in wrong[:4])
        if len(wrong) > 4:
            listing += f"\n    ... and {len(wrong) - 4} more"
        first = wrong[0]
        why = _SHAPE_CONFUSIONS.get((_TASK_ANSWERS[first], _normalise_shape(answers[first])))
        _fail(name, f"{len(wrong)} of {len(TASK_SHAPE_QUESTIONS)} answers are not right yet:\n    {listing}",
              (f"for {first!r}: {why}" if why else
               "for each task ask: is the input one item or a sequence? is the output one item or a sequence? "
               "if both are sequences, is there exactly one output per input step?"))
    _passed(name, f"all {len(TASK_SHAPE_QUESTIONS)} tasks matched to their shape")


def _pad_reference(seqs: Sequence[Sequence[int]], maxlen: int | None, padding: str, truncating: str, value: int) -> np.ndarray:
    if maxlen is None:
        maxlen = max((len(s) for s in seqs), default=0)
    out = np.full((len(seqs), maxlen), value, dtype=np.int64)
    for n, s in enumerate(seqs):
        s = list(s)
        kept = s[:maxlen] if truncating == "post" else s[max(len(s) - maxlen, 0):]
        if kept:
            if padding == "post":
                out[n, : len(kept)] = kept
            else:
                out[n, maxlen - len(kept):] = kept
    return out


@_check(more="fill an (N, maxlen) int array with value; for each sequence first cut it (truncating='post' keeps its "
        "first maxlen ids, 'pre' its last maxlen), then place what is left at the start of the row (padding='post') or "
        "at its end ('pre')",
        reference=("rnnkit.data.pad_sequences", "keras.utils.pad_sequences"))
def pad_batch(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(seqs, maxlen=None, padding="post", truncating="post", value=0) -> (N, maxlen)`` ints."""
    name = "pad_batch"
    rng = _rng(13)
    seqs = [rng.integers(1, 9, size=k).tolist() for k in _variant((3, 1, 5, 4), (2, 6, 1, 3))]
    seqs[1 if not _hidden() else 2] = seqs[1 if not _hidden() else 2][:1]  # a one-id sequence
    longest = max(len(s) for s in seqs)
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "the defaults (maxlen=None, padding='post', truncating='post')"),
        ({"padding": "pre"}, "padding='pre'"),
        ({"maxlen": 3}, "maxlen=3 (longer sequences are cut)"),
        ({"maxlen": 3, "truncating": "pre"}, "maxlen=3, truncating='pre'"),
        ({"maxlen": 4, "padding": "pre", "truncating": "pre", "value": -1}, "maxlen=4, padding='pre', truncating='pre', value=-1"),
        ({"maxlen": longest + 2, "value": 7}, f"maxlen={longest + 2} (longer than every sequence), value=7"),
        ({"maxlen": 2, "padding": "pre", "truncating": "post"}, "maxlen=2, padding='pre', truncating='post'"),
    ]
    empty = [list(seqs[0]), [], list(seqs[2])]  # a batch with an empty sequence in it
    cases_on = [(seqs, kwargs, what) for kwargs, what in cases] + [
        (empty, {}, "an empty sequence in the batch (defaults)"),
        (empty, {"padding": "pre", "maxlen": 4}, "an empty sequence in the batch, padding='pre', maxlen=4")]
    for batch, kwargs, what in cases_on:
        copies = [list(s) for s in batch]
        if batch is empty:
            try:
                got = fn(copies, **kwargs)
            except Exception as exc:  # the usual slip: a slice that starts at -len(s) = -0
                _raised(name, exc, f"with {what} your function", "an empty sequence becomes a row of `value` only; "
                        "mind that a slice starting at -0 is a slice starting at 0: out[n, -0:] is the whole row")
            if got is None:
                _fail(name, f"with {what} your function returned None: a missing `return`?",
                      "a function that ends without a `return` line gives None; end it with `return` and the result")
        else:
            got = _call(name, lambda s, kw=kwargs: fn(s, **kw), copies)
        if copies != batch:
            _fail(name, f"with {what} your function changed the lists it was given",
                  "build a new array and copy the ids into it; do not cut or extend the input lists")
        full = {"maxlen": None, "padding": "post", "truncating": "post", "value": 0, **kwargs}
        want = _pad_reference(batch, **full)
        arr = np.asarray(got)
        if arr.shape == want.shape and arr.dtype.kind == "f":
            _fail(name, f"with {what} the result has dtype {arr.dtype}", "token ids are integers: give the array dtype=int")
        if full["maxlen"] is None and arr.ndim == 2 and arr.shape[0] == len(batch) and arr.shape[1] != max(len(q) for q in batch):
            _fail(name, f"with maxlen=None the result has {arr.shape[1]} columns, expected {max(len(q) for q in batch)}",
                  "maxlen=None means the length of the LONGEST sequence")
        flips = []
        for other_p, other_t in (("pre" if full["padding"] == "post" else "post", full["truncating"]),
                                 (full["padding"], "pre" if full["truncating"] == "post" else "post")):
            flips.append(_pad_reference(batch, full["maxlen"], other_p, other_t, full["value"]))
        _mistake(name, got, want, [
            (flips[0], f"with {what} the fillers are on the wrong side",
             "padding says where the FILLERS go: 'post' after the real ids, 'pre' before them"),
            (flips[1], f"with {what} long sequences lose the wrong ids",
             "truncating says which end is cut off: 'post' cuts the end (keeps the first ids), 'pre' cuts the front"),
            (_pad_reference(batch, full["maxlen"], full["padding"], full["truncating"], 0),
             f"with {what} the empty places hold 0, not value={full['value']}", "fill the array with `value`, not with zeros"),
        ])
        _compare(name, f"pad_batch with {what}", got, want,
                 "cut each sequence first, then place it in its row; print your result next to the expected one")
    _passed(name, f"correct for {len(cases)} combinations of maxlen, padding, truncating and value, and with an empty "
                  "sequence")


# --------------------------------------------------------------------------
# 02 The forward pass
# --------------------------------------------------------------------------


def _rnn_case(rng: np.random.Generator, N: int, T: int, D: int, H: int) -> tuple[np.ndarray, ...]:
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    Wx, Wh, b = rng.standard_normal((D, H)) * 0.5, rng.standard_normal((H, H)) * 0.5, rng.standard_normal(H) * 0.5
    return x, h0, Wx, Wh, b


@_check(more="the pre-activation has three terms: the input times its weight matrix, the previous state times the "
        "recurrent matrix, and the bias; the new state is the tanh of their sum. With x_t (N, D) and Wx (D, H), the "
        "batch stays on the left of every product",
        reference=("rnnkit.numpy_rnn.rnn_step",))
def rnn_step(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x_t, h_prev, Wx, Wh, b) -> h_t`` (N, H)."""
    name = "rnn_step"
    for rng, (N, D, H) in _cases(3, [(2, 3, 4), (1, 5, 2), (4, 1, 3)], [(3, 2, 5), (1, 4, 4)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, 1, D, H)
        x_t = x[:, 0]
        got = _call(name, fn, x_t.copy(), h0.copy(), Wx.copy(), Wh.copy(), b.copy())
        want = nr.rnn_step(x_t, h0, Wx, Wh, b)
        a = x_t @ Wx + h0 @ Wh + b
        _mistake(name, got, want, [
            (np.tanh(x_t @ Wx + h0 @ Wh), "h_t is exactly what you get without the bias b", "the bias is part of the pre-activation"),
            (np.tanh(x_t @ Wx + h0 @ Wh.T + b), "h_t is what you get with Wh transposed",
             "h_prev (N, H) times Wh (H, H): row vector times matrix, as it is"),
            (a, "h_t is the pre-activation itself: the tanh is missing", "the state is squashed into (-1, 1)"),
            (nr.sigmoid(a), "h_t uses a sigmoid instead of tanh", "a vanilla RNN's state uses tanh, with values in (-1, 1)"),
            (np.tanh(x_t @ Wx + b), "h_t ignores the previous state", "the recurrent term is what makes it an RNN"),
        ])
        _compare(name, "h_t", got, want, "compare your formula term by term with the equation above the exercise")
    _passed(name, "correct on 3 test cases")


def _rnn_states(x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, *,
                carry: bool = True, bias_twice: bool = False) -> np.ndarray:
    h, out = h0, []
    for t in range(x.shape[1]):
        prev = h if carry else h0
        h = np.tanh(x[:, t] @ Wx + prev @ Wh + b * (2 if bias_twice else 1))
        out.append(h)
    return np.stack(out, axis=1)


@_check(more="project all inputs before the loop (x @ Wx + b is (N, T, H)); in the loop keep one running state that "
        "starts as h0, add its recurrent term to slice t of the projection, take the tanh, and store the result in "
        "slot t of an (N, T, H) array",
        reference=("rnnkit.numpy_rnn.rnn_forward",))
def rnn_forward(fn: Callable[..., Any]) -> None:
    """Check ``fn(x, h0, Wx, Wh, b)`` returning all hidden states (N, T, H), alone or first in a tuple."""
    name = "rnn_forward"
    for rng, (N, T, D, H) in _cases(4, [(2, 6, 3, 4), (1, 1, 2, 2), (3, 10, 1, 5)], [(4, 5, 2, 3), (1, 2, 3, 6)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, T, D, H)
        out = _call(name, fn, x.copy(), h0.copy(), Wx.copy(), Wh.copy(), b.copy())
        got = out[0] if isinstance(out, tuple) else out
        want, _ = nr.rnn_forward(x, h0, Wx, Wh, b)
        if np.shape(got) == (N, H) and T > 1:
            _fail(name, f"the result has shape {(N, H)}: only the last state, expected all of them {(N, T, H)}",
                  "store every step's state, not only the last one")
        shifted = np.concatenate([h0[:, None], want[:, :-1]], axis=1)
        _mistake(name, got, want, [
            (shifted, "your states are one step late: slot 0 holds h0 and the last state is missing",
             "slot t holds the state AFTER reading x[:, t]; h0 is the state before the first step"),
            (_rnn_states(x, np.zeros_like(h0), Wx, Wh, b), "your states are what you get starting from zeros: h0 is ignored",
             "the first step uses the h0 you were given"),
            (_rnn_states(x, h0, Wx, Wh, b, carry=False), "every step starts again from h0: the state is not carried",
             "the previous state of step t is the state you just computed at step t - 1"),
            (_rnn_states(x, h0, Wx, Wh, b, bias_twice=True), "b is added twice",
             "the projection before the loop already holds the bias; the loop adds only the recurrent term"),
            (_rnn_states(x, h0, Wx, Wh, np.zeros_like(b)), "your states are exactly what you get without the bias b",
             "the bias is part of every step's pre-activation"),
            (_rnn_states(x, h0, Wx, Wh.T, b), "your states are what you get with Wh transposed",
             "h_prev (N, H) times Wh (H, H): row vector times matrix, as it is"),
        ])
        _compare(name, "h (every hidden state)", got, want,
                 "check one step at a time: slot t must equal tanh(x_t Wx + h_{t-1} Wh + b) with h_{-1} = h0")
    _passed(name, "correct on 3 test cases")


@_check(more="run one RNN on x and another on the sequence reversed in time; the second one's states come out in "
        "reversed order, so reverse them back before joining the two along the feature axis, forward first")
def birnn_forward(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x, fwd_weights, bwd_weights) -> (N, T, 2H)`` for a bidirectional RNN starting from zeros."""
    name = "birnn_forward"
    for rng, (N, T, D, H) in _cases(5, [(2, 5, 3, 4), (1, 3, 2, 2)], [(3, 4, 2, 3), (1, 6, 1, 2), (2, 1, 2, 3)]):
        x = rng.standard_normal((N, T, D))
        fwd = tuple(w + (rng.standard_normal(w.shape) * 0.3 if w.ndim == 1 else 0) for w in nr.init_rnn(rng, D, H))
        bwd = tuple(w + (rng.standard_normal(w.shape) * 0.3 if w.ndim == 1 else 0) for w in nr.init_rnn(rng, D, H))
        zeros = np.zeros((N, H))
        hf, _ = nr.rnn_forward(x, zeros, *fwd)
        hb_rev, _ = nr.rnn_forward(x[:, ::-1], zeros, *bwd)
        hb = hb_rev[:, ::-1]
        want = np.concatenate([hf, hb], axis=-1)
        got = _call(name, fn, x.copy(), fwd, bwd)
        hb_plain, _ = nr.rnn_forward(x, zeros, *bwd)
        _mistake(name, got, want, [
            (np.concatenate([hf, hb_rev], axis=-1), "the backward half is in reversed time order",
             "position t of both halves must describe input step t: the backward RNN's outputs come out reversed"),
            (np.concatenate([hb, hf], axis=-1), "the halves are in the wrong order", "forward states first, then backward"),
            (np.concatenate([hf, hb_plain], axis=-1), "the backward half never reads the sequence backwards",
             "the second RNN must see the inputs from the last step to the first"),
            (np.concatenate([hf, nr.rnn_forward(x[:, ::-1], zeros, *fwd)[0][:, ::-1]], axis=-1),
             "the backward half uses the forward weights", "each direction has its own weights"),
            (np.concatenate([hf, nr.rnn_forward(x[:, :, ::-1], zeros, *bwd)[0]], axis=-1),
             "the backward half reverses the features of every step, not the order of the steps",
             "x is (N, T, D): time is axis 1, so the reversal is x[:, ::-1]; the last axis holds the features"),
        ])
        if np.shape(got) == (N, 2 * T, H):
            _fail(name, f"the result has shape {(N, 2 * T, H)}: the halves are joined along time",
                  "join them along the LAST axis (features), so each step has 2H numbers")
        _compare(name, "the concatenated states", got, want,
                 "compare the first H features with a forward run alone, then the last H with a backward run")
    _passed(name, "correct on 2 test cases")


@_check(more="write down the shapes of the three arrays of one RNN, Wx (D, H), Wh (H, H) and b (H,), and add up "
        "their sizes; the sequence length does not appear because the same weights serve every step. A "
        "bidirectional layer holds two such RNNs, each with its own three arrays, and both read the D input features")
def rnn_param_count(fn: Callable[[int, int, bool], int]) -> None:
    """Check ``fn(D, H, bidirectional)``: trainable parameters of ``SimpleRNN(H)``, or of ``Bidirectional(SimpleRNN(H))``."""
    name = "rnn_param_count"
    for D, H, bi in _variant([(3, 4, False), (3, 4, True), (1, 1, True), (100, 32, False), (64, 256, True)],
                             [(7, 5, True), (2, 9, False), (50, 20, True)]):
        one = D * H + H * H + H
        hints = {D * H + H * H: "a layer also has a bias, one number per unit", D * H + H: "the recurrent matrix Wh (H x H) is missing",
                 D * H + D * D + H: "the recurrent matrix is H x H: it maps the state to the state",
                 D * H + H * H + 2 * H: "a SimpleRNN has ONE bias vector", D * H: "count Wh and b too"}
        if bi:
            hints = {k * 2: v for k, v in hints.items()}
            hints |= {one: "that is one RNN; a bidirectional layer has two, each with its own weights",
                      one + H * H + H * H + H: "the backward RNN reads the input x (D features), not the forward RNN's states",
                      D * H + 2 * (H * H + H): "the two directions do not share an input matrix: each has its own Wx"}
        else:
            hints |= {2 * one: "bidirectional=False is one RNN reading left to right: count it once"}
        _int_answer(name, fn, (D, H, bi), 2 * one if bi else one, "count the entries of Wx, Wh and b of every RNN in the layer",
                    hints, label="(D, H, bidirectional)")
    _passed(name, "correct for 5 layers, with and without Bidirectional")


# --------------------------------------------------------------------------
# 03 Backpropagation through time
# --------------------------------------------------------------------------


def _lse_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Exact mean cross-entropy and gradient, through log-sum-exp."""
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, np.asarray(targets)[..., None], axis=-1)
    d = np.exp(log_p)
    np.put_along_axis(d, np.asarray(targets)[..., None], np.take_along_axis(d, np.asarray(targets)[..., None], axis=-1) - 1.0, axis=-1)
    count = max(np.asarray(targets).size, 1)
    return float(-picked.sum() / count), d / count


@_check(more="compute log p for every class as (z - max z) - log(sum(exp(z - max z))) along the last axis; the loss is "
        "minus the mean of log p at the targets (np.take_along_axis picks them), the gradient is softmax minus one-hot, "
        "divided by the number of predictions, targets.size",
        reference=("rnnkit.numpy_rnn.softmax_cross_entropy",))
def softmax_cross_entropy(fn: Callable[..., tuple[float, np.ndarray]]) -> None:
    """Check ``fn(logits, targets) -> (mean loss, dlogits)`` for logits (..., V), exact even when a probability underflows."""
    name = "softmax_cross_entropy"
    for rng, shape in _cases(6, [(2, 3, 5), (4, 6), (1, 2, 2, 3)], [(3, 2, 4), (5, 3), (1, 1, 6), (2, 2, 2, 4)]):
        logits = rng.standard_normal(shape) * 2.0
        targets = rng.integers(0, shape[-1], size=shape[:-1])
        loss, dlogits = _unpack(name, _call(name, fn, logits.copy(), targets.copy()), 2, "loss, dlogits")
        want_loss, want_d = _lse_cross_entropy(logits, targets)
        if np.ndim(loss) == 0 and np.all(np.isfinite(np.asarray(loss, dtype=float))):
            where = f"for logits of shape {shape}"
            _mistake(name, loss, want_loss, [
                (want_loss * targets.size, f"{where} the loss is the SUM over predictions, not the mean",
                 "average over every prediction (every position of targets)"),
                (want_loss * targets.size / shape[0], f"{where} you divided by the batch size only",
                 "a (N, T, V) input has N * T predictions: divide by all of them"),
            ])
        _compare(name, f"the loss (logits of shape {shape})", loss, want_loss, "the mean of -log p[target] over every prediction")
        p = np.exp(logits - logits.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        _mistake(name, dlogits, want_d, [
            (want_d * targets.size, "dlogits is not divided by the number of predictions",
             "the loss is a mean, so its gradient carries the same 1 / count"),
            (p / targets.size, "dlogits is the softmax alone: the one-hot part is missing",
             "the gradient of -log p[target] is softmax minus one-hot"),
            (-want_d, "dlogits has the wrong sign", "the gradient points towards higher loss: p - one_hot, not one_hot - p"),
        ])
        _compare(name, f"dlogits (logits of shape {shape})", dlogits, want_d,
                 "compare one row with (softmax - one_hot) / count by hand")
    # the exercise: exact and finite when the target's probability underflows (target is not the largest logit)
    for logits, target in ((np.array([[1000.0, 0.0, -1000.0]]), 2), (np.array([[-800.0, 5.0, 900.0]]), 0),
                           (np.array([[1000.0, 0.0, -1000.0]]), 0)):
        want_loss, _ = _lse_cross_entropy(logits, np.array([target]))
        loss, dlogits = _unpack(name, _call(name, fn, logits.copy(), np.array([target])), 2, "loss, dlogits")
        value = float(np.asarray(loss, dtype=float)) if np.ndim(loss) == 0 else float("nan")
        if not np.isfinite(value) or abs(value - want_loss) > 1e-6 * (1 + want_loss):
            _fail(name, f"for logits {logits[0].astype(int).tolist()} and target {target} the loss is {value:.6g}, "
                        f"expected {want_loss:.6g}",
                  "the target's probability underflows to 0 here, so log(softmax) cannot be exact: compute log p "
                  "directly (log-sum-exp)" if target != int(np.argmax(logits)) else
                  "subtract the largest logit before np.exp, so that nothing overflows")
        if not np.all(np.isfinite(np.asarray(dlogits, dtype=float))):
            _fail(name, f"for logits {logits[0].astype(int).tolist()} dlogits contains NaN or infinity",
                  "the softmax must be computed after subtracting the largest logit")
    _passed(name, "loss and gradient correct on 3 cases, and stable for large logits")


def _bptt(dh: np.ndarray, cache: Any, *, no_tanh: bool = False, h_for_prev: bool = False) -> tuple[np.ndarray, ...]:
    """BPTT with optional slips (dhnext form, which gives the same numbers as the double sum)."""
    x, h0, Wx, Wh, h = cache
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(h.shape[2])
    carry = np.zeros_like(h0)
    for t in reversed(range(h.shape[1])):
        hprev = h[:, t] if h_for_prev else (h[:, t - 1] if t > 0 else h0)
        g = dh[:, t] + carry
        da = g if no_tanh else g * (1 - h[:, t] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hprev.T @ da
        db += da.sum(0)
        carry = da @ Wh.T
    return dx, carry, dWx, dWh, db


def _bptt_own_step_only(dh: np.ndarray, cache: Any) -> tuple[np.ndarray, ...]:
    """Each loss's gradient applied at its own step only: nothing flows back through Wh."""
    x, h0, Wx, Wh, h = cache
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(h.shape[2])
    for t in range(h.shape[1]):
        hprev = h[:, t - 1] if t > 0 else h0
        da = dh[:, t] * (1 - h[:, t] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hprev.T @ da
        db += da.sum(0)
    return dx, (dh[:, 0] * (1 - h[:, 0] ** 2)) @ Wh.T, dWx, dWh, db


@_check(more="the gradient reaching a state first goes back through the tanh (multiply by 1 - h**2 of that step); "
        "that product feeds dWx (with the input of that step), dWh (with the state BEFORE that step, h0 at the first "
        "step), db (summed over the batch), dx (times Wx transposed) and the state before (times Wh transposed). Every "
        "gradient, dx included, receives contributions from several losses: add them up",
        reference=("rnnkit.numpy_rnn.rnn_backward",))
def rnn_backward(fn: Callable[..., tuple[np.ndarray, ...]]) -> None:
    """Check ``fn(dh, cache) -> (dx, dh0, dWx, dWh, db)`` against ``rnnkit.numpy_rnn.rnn_backward``."""
    name = "rnn_backward"
    names = ("dx", "dh0", "dWx", "dWh", "db")
    hints = {
        "dx": "dx at step k collects a contribution from every loss step t >= k, each taken back through Wx",
        "dh0": "dh0 is what is left of every loss's gradient after it has gone back through the first step",
        "dWx": "dWx adds input-times-gradient over every step and every loss that reaches it",
        "dWh": "dWh pairs each step's gradient with the state BEFORE that step (h0 at the first step)",
        "db": "db adds the gradient before the tanh over the batch and over every step",
    }
    for rng, (N, T, D, H) in _cases(7, [(2, 4, 3, 5), (1, 6, 2, 3)], [(3, 5, 2, 4), (2, 3, 4, 2), (3, 1, 2, 2)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, T, D, H)
        h, cache = nr.rnn_forward(x, h0, Wx, Wh, b)
        dh = rng.standard_normal(h.shape)
        got = _unpack(name, _call(name, fn, dh.copy(), cache), 5, ", ".join(names))
        want = nr.rnn_backward(dh, cache)
        last_only = np.zeros_like(dh)
        last_only[:, -1] = dh[:, -1]
        dx_last_loss = nr.rnn_backward(last_only, cache)[0]
        dx_own_loss = (dh * (1 - h**2)) @ Wx.T
        slips = [
            (dx_last_loss, "dx is overwritten, not accumulated: it holds only the contribution of the LAST loss",
             "several losses reach step k, and each adds to dx[:, k]: use +=, not ="),
            (dx_own_loss, "dx is overwritten, not accumulated: it holds only the loss of the same step",
             "several losses reach step k, and each adds to dx[:, k]: use +=, not ="),
        ]
        own = _bptt_own_step_only(dh, cache)
        no_tanh = _bptt(dh, cache, no_tanh=True)
        h_prev = _bptt(dh, cache, h_for_prev=True)
        walked = not _same(got[2], own[2]) or _same(own[2], want[2])  # dWx: do the gradients flow back at all?
        for k, (n, g, w) in enumerate(zip(names, got, want)):
            if T > 1 and not walked:
                _mistake(name, g, w, [
                    (own[k], f"{n} holds only each loss's own step: no gradient flows back to earlier steps",
                     "the loss at step t depends on every earlier state through Wh: walk each loss's gradient back "
                     "through the steps t, t-1, ..., 0"),
                ])
            _mistake(name, g, w, ([*slips] if n == "dx" and T > 1 else []) + [
                (no_tanh[k], f"{n} is what you get without the tanh derivative", "before anything else, multiply the "
                 "gradient reaching a state by 1 - h**2 of that step"),
                (h_prev[k], f"{n} pairs each step with its own state instead of the state before it",
                 "in h_t = tanh(x_t Wx + h_{t-1} Wh + b), Wh multiplies the PREVIOUS state"),
            ])
            if n == "db" and np.shape(g) == (N, H):
                _fail(name, f"db has shape {(N, H)}: it was not summed over the batch", "b is shared by every example")
            _compare(name, n, g, w, hints[n])
    _passed(name, "all five gradients correct on 2 test cases")


class _NoChoiceGenerator(np.random.Generator):
    """A generator whose ``choice`` is ruled out (the exercise samples without it)."""

    def choice(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        raise _Blocked("rng.choice", "this exercise samples without rng.choice (the Gumbel-max trick)")


@_check(more="draw one Gumbel number per class from the rng you were given (rng.gumbel, or -log(-log(U)) from "
        "uniform U), add them to logits / temperature, and return the position of the largest sum as an int")
def sample_next(fn: Callable[[np.ndarray, float, np.random.Generator], int]) -> None:
    """Check ``fn(logits, temperature, rng) -> int`` samples from ``softmax(logits / temperature)``, without ``rng.choice``."""
    name = "sample_next"
    logits = _variant(np.array([2.0, 1.0, 0.0, -1.0]), np.array([0.5, -1.0, 1.5, 0.0, 1.0]))
    draws = 4000
    for temperature in (1.0, 0.5, 2.0):
        rng = _NoChoiceGenerator(np.random.PCG64(11 + (_HIDDEN_SEED_OFFSET if _hidden() else 0)))
        samples = []
        for _ in range(draws):
            s = _call(name, fn, logits.copy(), temperature, rng)
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or not 0 <= s < len(logits):
                _fail(name, f"expected an int in [0, {len(logits)}), got {type(s).__name__} {s!r}",
                      "return the position of the winning class as a Python int")
            samples.append(int(s))
        freq = np.bincount(samples, minlength=len(logits)) / draws
        want = nr.softmax(logits / temperature)
        top = int(np.argmax(logits))
        if freq[top] == 1.0 and want[top] < 0.99:
            _fail(name, f"at temperature {temperature} you always picked the largest logit",
                  "that is greedy decoding; noise that never moves a logit past the largest one (none, or small uniform "
                  "noise) is not enough: Gumbel noise lets every class win with its softmax probability")
        gap = 0.5 * np.abs(freq - want).sum()
        if gap > 0.04:
            problem = (f"at temperature {temperature} your samples have frequencies {np.round(freq, 3)}, "
                       f"expected about {np.round(want, 3)}")
            candidates = {
                "the temperature multiplies the logits instead of dividing them": nr.softmax(logits * temperature),
                "the temperature is ignored": nr.softmax(logits),
                "the noise is not Gumbel noise (uniform or normal noise gives other frequencies)": None,
            }
            for what, dist in candidates.items():
                if dist is not None and temperature != 1.0 and 0.5 * np.abs(freq - dist).sum() < 0.03:
                    _fail(name, f"{problem}: {what}", "divide the logits by the temperature before adding the noise")
            minus = _gumbel_minus_frequencies(logits, temperature)
            if 0.5 * np.abs(freq - minus).sum() < 0.03:
                _fail(name, f"{problem}: the noise has the wrong sign", "Gumbel noise is -log(-log(U)); it is added to z / T")
            _fail(name, problem, "the argmax of z / T plus Gumbel noise picks class i with probability softmax(z / T)_i; "
                  "uniform or normal noise does not")
    for seed in (3, 4):
        picks = {int(_call(name, fn, logits.copy(), 1.0, _NoChoiceGenerator(np.random.PCG64(seed)))) for _ in range(20)}
        if len(picks) > 1:
            _fail(name, "two calls with identically seeded generators gave different samples",
                  "draw the randomness from the rng argument, not from np.random")
    _passed(name, f"sample frequencies match softmax(logits / T) for T = 1, 0.5, 2 ({draws} draws each)")


def _gumbel_minus_frequencies(logits: np.ndarray, temperature: float) -> np.ndarray:
    g = np.random.default_rng(0).gumbel(size=(20000, len(logits)))
    return np.bincount(np.argmax(logits / temperature - g, axis=1), minlength=len(logits)) / 20000


# --------------------------------------------------------------------------
# 04 Vanishing and exploding gradients
# --------------------------------------------------------------------------


@_check(more="compute the norm of all gradients together (the square root of the sum of the squares of every entry of "
        "every array), then ONE factor, min(1, max_norm / norm), and return new arrays, each multiplied by it, with "
        "the norm you measured before scaling",
        reference=("rnnkit.numpy_rnn.clip_by_global_norm",))
def clip_by_global_norm(fn: Callable[..., tuple[list[np.ndarray], float]]) -> None:
    """Check ``fn(grads, max_norm) -> (clipped grads, norm before clipping)``; the inputs must not change."""
    name = "clip_by_global_norm"
    rng = _rng(8)
    for scale, max_norm in ((10.0, 1.0), (0.01, 5.0), (3.0, 2.0)):
        grads = [rng.standard_normal((3, 4)) * scale, rng.standard_normal(4) * scale, rng.standard_normal((2, 2)) * scale]
        copies = [g.copy() for g in grads]
        clipped, norm = _unpack(name, _call(name, fn, grads, max_norm), 2, "clipped, norm")
        if not all(np.array_equal(g, c) for g, c in zip(grads, copies)):
            _fail(name, "your function changed the gradients it was given (in place)",
                  "the exercise asks for new arrays: g * scale makes one, g *= scale overwrites g")
        want, want_norm = nr.clip_by_global_norm(copies, max_norm)
        norms = [float(np.linalg.norm(g)) for g in copies]
        _mistake(name, norm, want_norm, [
            (sum(norms), "the norm is the sum of the arrays' own norms",
             "the global norm is the norm of all entries together: square, sum over everything, then one square root"),
            (min(want_norm, max_norm), "you returned the norm after clipping", "return the norm measured BEFORE clipping"),
            (want_norm**2, "the norm is not square-rooted", "the L2 norm is the square root of the sum of squares"),
        ])
        _compare(name, "norm", norm, want_norm, "the global norm is one number for all the gradients together")
        if not isinstance(clipped, (list, tuple)) or len(clipped) != len(want):
            _fail(name, f"expected a list of {len(want)} clipped gradients", "return one array per input gradient, in order")
        per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in copies]
        always = [g * (max_norm / want_norm) for g in copies]
        if want_norm > max_norm and all(_same(c, p) for c, p in zip(clipped, per_tensor)) \
                and not all(_same(c, w) for c, w in zip(clipped, want)):
            _fail(name, "each gradient was clipped on its own",
                  "use ONE factor for all gradients, from their joint norm, so their joint direction is kept")
        if want_norm < max_norm and all(_same(c, a) for c, a in zip(clipped, always)):
            _fail(name, f"the gradients were scaled up although their norm {want_norm:.3g} is below max_norm {max_norm}",
                  "clipping only ever shrinks: the factor is at most 1")
        for k, (c, w) in enumerate(zip(clipped, want)):
            _compare(name, f"clipped[{k}]", c, w, "every gradient is multiplied by the same factor")
    _passed(name, "correct when clipping is needed and when it is not")


@_check(more="np.linalg.eigvals(W) gives the eigenvalues, often complex; np.abs of a complex number is its length; "
        "the radius is the largest of those lengths, as a float")
def spectral_radius(fn: Callable[[np.ndarray], float]) -> None:
    """Check ``fn(W) -> float``: the largest absolute eigenvalue of the square matrix ``W``."""
    name = "spectral_radius"
    rng = _rng(9)
    theta = 0.7
    rotation = 0.9 * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    skewed = np.array([[0.5, 3.0], [0.0, 0.5]])
    matrices = [np.diag([0.3, -1.2, 0.8]), skewed, rotation, rng.standard_normal((6, 6)) / np.sqrt(6)]
    if _hidden():
        matrices += [np.array([[-0.7]]), rng.standard_normal((4, 4))]
    for W in matrices:
        got = _call(name, fn, W.copy())
        eig = np.linalg.eigvals(W)
        want = float(np.max(np.abs(eig)))
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got an array of shape {np.shape(got)}",
                  "the radius is one number: the largest of the absolute eigenvalues")
        if np.iscomplexobj(got) and abs(np.imag(got)) > 1e-12:
            _fail(name, f"you returned the complex number {complex(got):.4g}", "the radius is the ABSOLUTE value, a real number")
        value = float(np.real(got))
        _mistake(name, value, want, [
            (float(np.linalg.norm(W, 2)), "you returned the largest singular value (the spectral norm)",
             "the radius uses eigenvalues, not singular values"),
            (float(np.max(np.abs(np.real(eig)))), "you dropped the imaginary parts before taking the size",
             "rotations have complex eigenvalues: their size is the complex absolute value"),
            (float(np.max(np.real(eig))), "you took the largest real part, not the largest absolute value",
             "a negative or complex eigenvalue can be the largest in size"),
            (float(np.max(np.abs(W))), "you returned the largest entry of W", "the radius comes from the eigenvalues"),
        ])
        _compare(name, "spectral radius", value, want, "take the absolute value of each eigenvalue, then the largest")
    _passed(name, "correct on 4 matrices, including a rotation with complex eigenvalues")


@_check(more="draw a square Gaussian matrix with the rng, take its QR decomposition, and return the Q factor (its "
        "columns are orthonormal); multiplying each column by the sign of the matching diagonal entry of R is optional")
def random_orthogonal(fn: Callable[[np.random.Generator, int], np.ndarray]) -> None:
    """Check ``fn(rng, H) -> (H, H)``: a random orthogonal matrix (Q.T @ Q = I), drawn with ``rng``."""
    name = "random_orthogonal"
    for H in _variant((5, 1, 2, 8), (4, 3, 7)):
        Q = _call(name, fn, _rng(40 + H), H)
        arr = _as_array(name, f"random_orthogonal(rng, {H})", Q)
        if arr.shape != (H, H):
            _fail(name, f"for H={H} the result has shape {arr.shape}, expected {(H, H)}", "return a square H x H matrix")
        gram = arr.T @ arr
        low = np.asarray(Q).dtype if np.asarray(Q).dtype in (np.float32, np.float16) else None
        if low is not None and not np.allclose(gram, np.eye(H), atol=1e-8) and np.allclose(gram, np.eye(H), atol=1e-2):
            _fail(name, f"for H={H} the matrix has dtype {low}: Q.T @ Q equals I only to {low} precision "
                        f"(up to {float(np.abs(gram - np.eye(H)).max()):.1g} off), and the check asks for 1e-8",
                  "compute in float64, numpy's default: do not convert the random numbers or Q to a lower precision")
        if not np.allclose(gram, np.eye(H), atol=1e-8):
            upper = np.allclose(np.tril(arr, -1), 0)
            col_norms = np.linalg.norm(arr, axis=0)
            if upper and H > 1:
                _fail(name, f"for H={H} the matrix is upper triangular and not orthogonal: it looks like the R factor",
                      "np.linalg.qr returns (q, r): the orthogonal one is q")
            if np.allclose(col_norms, 1) and H > 1:
                _fail(name, f"for H={H} the columns have length 1 but are not perpendicular (Q.T @ Q is not I)",
                      "normalising columns is not enough: they must also be orthogonal to each other")
            err = float(np.abs(gram - np.eye(H)).max())
            _fail(name, f"for H={H}, Q.T @ Q differs from the identity by up to {err:.3g}",
                  "an orthogonal matrix has orthonormal columns: use a decomposition that produces them")
        if H > 1:
            again = _as_array(name, "a second matrix", _call(name, fn, _rng(40 + H), H))
            other = _as_array(name, "a third matrix", _call(name, fn, _rng(90 + H), H))
            if not np.allclose(again, arr):
                _fail(name, f"for H={H} two generators with the same seed gave different matrices",
                      "draw the random numbers from the rng argument, not from np.random")
            if np.allclose(other, arr) or np.allclose(np.abs(arr), np.eye(H)):
                _fail(name, f"for H={H} the matrix does not depend on the generator (e.g. the identity)",
                      "it must be random: start from random numbers drawn with rng")
    _passed(name, "orthogonal (Q.T @ Q = I), square, and random with the generator given, for 4 sizes")


# --------------------------------------------------------------------------
# 05 LSTM and GRU
# --------------------------------------------------------------------------


def _lstm_variant(x_t: np.ndarray, h: np.ndarray, c: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
                  order: str = "ifco", *, tanh_c: bool = True, use_i: bool = True, tanh_gates: bool = False,
                  sigmoid_candidate: bool = False) -> tuple[np.ndarray, np.ndarray]:
    H = h.shape[1]
    z = x_t @ Wx + h @ Wh + b
    blocks = {k: z[:, j * H:(j + 1) * H] for j, k in enumerate(order)}
    act = np.tanh if tanh_gates else nr.sigmoid
    i, f, o = act(blocks["i"]), act(blocks["f"]), act(blocks["o"])
    g = nr.sigmoid(blocks["c"]) if sigmoid_candidate else np.tanh(blocks["c"])
    c_t = f * c + (i * g if use_i else g)
    return o * (np.tanh(c_t) if tanh_c else c_t), c_t


@_check(more="the one pre-activation (input times Wx, plus previous state times Wh, plus b) has 4H columns, in "
        "Keras' order: input gate, forget gate, candidate, output gate, H columns each; the gates use sigmoid, the candidate tanh; the new cell state keeps f of the old "
        "one and adds i of the candidate; h_t is the output gate times tanh of the NEW cell state",
        reference=("rnnkit.numpy_rnn.lstm_step",))
def lstm_step(fn: Callable[..., tuple[np.ndarray, np.ndarray]]) -> None:
    """Check ``fn(x_t, h_prev, c_prev, Wx, Wh, b) -> (h_t, c_t)`` with Keras' gate order i, f, c, o."""
    name = "lstm_step"
    for rng, (N, D, H) in _cases(10, [(2, 3, 4), (1, 2, 5), (3, 4, 2)], [(2, 5, 3), (1, 3, 6)]):
        x_t = rng.standard_normal((N, D))
        h_prev, c_prev = rng.standard_normal((N, H)) * 0.5, rng.standard_normal((N, H))
        Wx, Wh, b = rng.standard_normal((D, 4 * H)) * 0.5, rng.standard_normal((H, 4 * H)) * 0.5, rng.standard_normal(4 * H) * 0.5
        h_t, c_t = _unpack(name, _call(name, fn, x_t.copy(), h_prev.copy(), c_prev.copy(), Wx.copy(), Wh.copy(), b.copy()),
                           2, "h_t, c_t")
        want_h, want_c = nr.lstm_step(x_t, h_prev, c_prev, Wx, Wh, b)
        if _same(h_t, want_c) and _same(c_t, want_h):
            _fail(name, "h_t and c_t are swapped", "return them in the order (h_t, c_t)")
        args = (x_t, h_prev, c_prev, Wx, Wh, b)
        for order in ("ifoc", "fico", "icfo", "oifc"):
            vh, vc = _lstm_variant(*args, order=order)
            if _same(c_t, vc) and _same(h_t, vh) and order == "fico":  # the same numbers as i * c_prev + f * g
                _fail(name, "the input and forget gates are swapped: c_t equals i * c_prev + f * g",
                      "either the first two blocks are sliced the wrong way round (Keras' order is i, f, c, o) or "
                      "the update equation pairs the gates wrongly: the forget gate scales the old cell, the input gate "
                      "the candidate")
            if _same(c_t, vc) and _same(h_t, vh):
                _fail(name, f"your gates are in the order {', '.join(order)}, not Keras' i, f, c, o",
                      "Keras' kernel holds the blocks as input gate, forget gate, candidate (c), output gate")
        _mistake(name, c_t, want_c, [
            (_lstm_variant(*args, use_i=False)[1], "c_t adds the candidate without the input gate",
             "the input gate decides how much of the candidate enters the cell"),
            (_lstm_variant(*args, tanh_gates=True)[1], "the gates use tanh: their values can be negative",
             "gates are soft switches in [0, 1]: sigmoid"),
            (_lstm_variant(*args, sigmoid_candidate=True)[1], "the candidate uses a sigmoid: it can only add, never subtract",
             "the gates are sigmoids; the candidate, what could be written, is a tanh with values in (-1, 1)"),
        ])
        _compare(name, "c_t", c_t, want_c, "c_t keeps part of c_prev (forget gate) and adds part of the candidate (input gate)")
        _mistake(name, h_t, want_h, [
            (_lstm_variant(*args, tanh_c=False)[0], "h_t is the output gate times c_t itself: the tanh is missing",
             "the cell state is squashed before the output gate lets it out"),
            (nr.sigmoid(x_t @ Wx[:, 3 * H:] + h_prev @ Wh[:, 3 * H:] + b[3 * H:]) * np.tanh(c_prev),
             "h_t uses the OLD cell state", "h_t is computed from the new cell state c_t"),
        ])
        _compare(name, "h_t", h_t, want_h, "h_t comes from the output gate and the new cell state")
    _passed(name, "h_t and c_t correct on 3 test cases")


def _gru_variant(x_t: np.ndarray, h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, *, flip: bool = False,
                 reset_before: bool = False, bias_outside: bool = False, order: str = "zrh", one_bias: bool = False) -> np.ndarray:
    H = h.shape[1]
    b0, b1 = (b[0] + b[1], np.zeros_like(b[1])) if one_bias else (b[0], b[1])
    xz = x_t @ Wx + b0
    hz = h @ Wh + b1
    j = {k: slice(n * H, (n + 1) * H) for n, k in enumerate(order)}
    z = nr.sigmoid(xz[:, j["z"]] + hz[:, j["z"]])
    r = nr.sigmoid(xz[:, j["r"]] + hz[:, j["r"]])
    if reset_before:
        cand = np.tanh(xz[:, j["h"]] + (r * h) @ Wh[:, j["h"]] + b1[j["h"]])
    elif bias_outside:
        cand = np.tanh(xz[:, j["h"]] + r * (h @ Wh[:, j["h"]]) + b1[j["h"]])
    else:
        cand = np.tanh(xz[:, j["h"]] + r * hz[:, j["h"]])
    return (1 - z) * h + z * cand if flip else z * h + (1 - z) * cand


@_check(more="keep two products apart: the input part (x_t times Wx, plus the first bias row) and the recurrent part "
        "(h_prev times Wh, plus the second bias row), both (N, 3H) with blocks z, r, h; z and r are sigmoids of the sum "
        "of their two blocks; in the candidate the reset gate scales the recurrent part's h block, bias included; "
        "z is the share of h_prev that is kept",
        reference=("rnnkit.numpy_rnn.gru_step",))
def gru_step(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x_t, h_prev, Wx, Wh, b) -> h_t`` in Keras' GRU layout (reset_after=True, b of shape (2, 3H))."""
    name = "gru_step"
    for rng, (N, D, H) in _cases(12, [(2, 3, 4), (1, 2, 5), (3, 4, 2)], [(2, 5, 3), (1, 3, 6)]):
        x_t, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H)) * 0.5
        Wx, Wh, b = rng.standard_normal((D, 3 * H)) * 0.5, rng.standard_normal((H, 3 * H)) * 0.5, rng.standard_normal((2, 3 * H)) * 0.5
        got = _call(name, fn, x_t.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), b.copy())
        want = nr.gru_step(x_t, h_prev, Wx, Wh, b)
        args = (x_t, h_prev, Wx, Wh, b)
        _mistake(name, got, want, [
            (_gru_variant(*args, flip=True), "the update gate mixes the other way round",
             "z is the share of the OLD state that is kept: z * h_prev, and 1 - z of the candidate"),
            (_gru_variant(*args, reset_before=True), "the reset gate is applied BEFORE the recurrent product (reset_after=False)",
             "Keras' default, reset_after=True, multiplies r with the result of h_prev @ Wh (plus its bias)"),
            (_gru_variant(*args, bias_outside=True), "the recurrent bias of the candidate is outside the reset gate",
             "with reset_after=True, r multiplies the whole recurrent part, h_prev @ Wh + b[1]"),
            (_gru_variant(*args, order="rzh"), "the z and r blocks are swapped", "Keras' GRU kernel holds the blocks as z, r, h"),
            (_gru_variant(*args, one_bias=True), "both bias rows are added to the input part",
             "b[0] goes with x_t @ Wx and b[1] with h_prev @ Wh; they differ inside the candidate"),
            (_gru_variant(x_t, h_prev, Wx, Wh, b[::-1]), "the two bias rows are swapped",
             "b[0] is the input part's bias (with x_t @ Wx), b[1] the recurrent part's (with h_prev @ Wh)"),
        ])
        _compare(name, "h_t", got, want, "compute z, r and the candidate separately and print them next to the equations")
    _passed(name, "correct on 3 test cases")


def _lstm_stack_count(D: int, H: int, layers: int, *, blocks: int = 4, biases: int = 1, recurrent: bool = True,
                      stacked: bool = True) -> int:
    """Parameters of ``layers`` LSTM(H) layers on D features (and the numbers of the usual slips, for the hints)."""
    total, inputs = 0, D
    for _ in range(layers):
        total += blocks * (inputs * H + (H * H if recurrent else 0) + biases * H)
        inputs = H if stacked else D
    return total


@_check(more="one LSTM layer has 4 blocks (input gate, forget gate, candidate, output gate); each has an input matrix "
        "(inputs x H), an H x H recurrent matrix and H biases. The first layer's inputs are the D features; every "
        "layer above reads the sequence of H-dimensional states of the layer below")
def lstm_param_count(fn: Callable[[int, int, int], int]) -> None:
    """Check ``fn(D, H, layers)``: trainable parameters of ``layers`` stacked ``keras.layers.LSTM(H)`` on D features."""
    name = "lstm_param_count"
    for D, H, L in _variant([(3, 4, 1), (3, 4, 2), (1, 1, 3), (100, 32, 1), (64, 256, 2)],
                            [(7, 5, 2), (2, 9, 1), (50, 20, 3)]):
        one = _lstm_stack_count(D, H, 1)
        hints = {_lstm_stack_count(D, H, L, blocks=1): "that is one block per layer; an LSTM layer has four (i, f, c, o)",
                 _lstm_stack_count(D, H, L, blocks=3): "an LSTM layer has FOUR blocks: i, f, c and o",
                 _lstm_stack_count(D, H, L, recurrent=False): "each block also has a recurrent matrix, H x H",
                 _lstm_stack_count(D, H, L, biases=0): "each block also has a bias of H numbers",
                 _lstm_stack_count(D, H, L) + L * H: "the forget bias starts at 1 but it is one of the four biases, not an extra one",
                 _lstm_stack_count(D, H, L, biases=2): "that is PyTorch's count: torch.nn.LSTM keeps two bias vectors per "
                                                       "block (bias_ih and bias_hh); a Keras LSTM keeps one"}
        if L > 1:
            hints |= {one: f"that is one layer; the stack has {L}",
                      _lstm_stack_count(D, H, L, stacked=False): "the layers above the first read the H numbers of the "
                                                                 "layer below at each step, not the D input features"}
        _int_answer(name, fn, (D, H, L), _lstm_stack_count(D, H, L), "count one block, then the blocks of a layer, then "
                    "the layers, with the right number of inputs for each", hints, label="(D, H, layers)",
                    counted="the layer" if L == 1 else "the stack")
    _passed(name, "correct for 5 stacks of 1 to 3 layers")


@_check(more="a GRU layer has 3 blocks (update gate z, reset gate r, candidate h); each has a D x H input matrix and "
        "an H x H recurrent matrix. With reset_after=True the recurrent product is computed before the reset gate "
        "scales it, so it keeps a bias of its own: TWO bias vectors of H per block. With reset_after=False the reset "
        "gate scales h_(t-1) before the product, and the two biases would just add up: Keras keeps one")
def gru_param_count(fn: Callable[[int, int, bool], int]) -> None:
    """Check ``fn(D, H, reset_after)`` = trainable parameters of ``keras.layers.GRU(H, reset_after=...)`` on D features."""
    name = "gru_param_count"
    for D, H, after in _variant([(3, 4, True), (3, 4, False), (1, 1, False), (100, 32, True), (64, 256, False)],
                                [(7, 5, False), (2, 9, True), (50, 20, False)]):
        biases = 2 if after else 1
        hints = {3 * (D * H + H * H + (3 - biases) * H): (
                     "with reset_after=True each block has TWO bias vectors" if after else
                     "with reset_after=False a block has ONE bias vector: reset before the product, the input bias and "
                     "a recurrent bias would only ever be added together"),
                 4 * (D * H + H * H + biases * H): "a GRU has three blocks (z, r, h), not four",
                 3 * (D * H + biases * H): "each block also has a recurrent matrix, H x H",
                 D * H + H * H + biases * H: "that is one block; a GRU has three"}
        _int_answer(name, fn, (D, H, after), 3 * (D * H + H * H + biases * H), "count one block with its biases, then "
                    "the blocks", hints, label="(D, H, reset_after)")
    _passed(name, "correct for 5 layer sizes, with reset_after=True and False")
