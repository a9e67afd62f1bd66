"""The limits every render runs under: a time and iteration budget per message, and guards
that refuse a value before it grows past the size cap (widths, joins, replacements, repeats,
printf-style formats). :mod:`lifecycle_tui.messages.sandbox` wires them into Jinja.
"""

from __future__ import annotations

import functools
import re
import threading
import time

from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace

MAX_RENDER_BYTES = 256 * 1024
MAX_RENDER_SECONDS = 2.0
MAX_RANGE = 10_000
MAX_LOOP_ITERATIONS = 200_000
MAX_INT_BITS = 4096

# str methods whose integer argument is an output width.
WIDTH_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}


class LimitExceeded(SecurityError):
    """A render went past a size, time or iteration limit."""


class _Budget(threading.local):
    deadline: float = float("inf")
    iterations: int = 0
    seconds: float = MAX_RENDER_SECONDS


budget = _Budget()


class render_budget:  # noqa: N801 - used as ``with render_budget(s):``, like a function
    """Time and iteration budget for rendering one message (all its parts); the previous budget
    is restored afterwards. (A class, not @contextmanager: no generator per message.)"""

    __slots__ = ("seconds", "previous")

    def __init__(self, seconds: float = MAX_RENDER_SECONDS):
        self.seconds = seconds

    def __enter__(self) -> None:
        b = budget
        self.previous = (b.deadline, b.iterations, b.seconds)
        b.deadline, b.iterations, b.seconds = time.monotonic() + self.seconds, 0, self.seconds

    def __exit__(self, *exc) -> bool:
        budget.deadline, budget.iterations, budget.seconds = self.previous
        return False


def tick() -> None:
    if time.monotonic() > budget.deadline:
        raise LimitExceeded(f"rendering took longer than {budget.seconds:g} s (a loop that runs too long?)")


# The hot hooks (attribute lookups, filters) test the clock inline, ``if now() > budget.deadline:
# tick()``, and call tick (which checks again and raises) only when the budget is spent: the
# same refusal without a Python call per lookup (~30 lookups per email).
now = time.monotonic


def check_size(value) -> None:
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > MAX_RENDER_BYTES:
        raise LimitExceeded(f"a value grew past {MAX_RENDER_BYTES // 1024} KB")


def loop_guard(iterable):
    """Wraps every for-loop's iterable: counts iterations and checks the clock."""
    b = budget  # a local: read per iteration
    for item in iterable:
        b.iterations += 1
        if b.iterations > MAX_LOOP_ITERATIONS:
            raise LimitExceeded(f"loops ran more than {MAX_LOOP_ITERATIONS:,} times")
        if time.monotonic() > b.deadline:
            raise LimitExceeded(f"rendering took longer than {b.seconds:g} s (a loop that runs too long?)")
        yield item


def capped_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise LimitExceeded(f"range() is limited to {MAX_RANGE:,} items")
    return rng


class CappedNamespace(Namespace):
    """``namespace()`` whose attributes cannot grow past the size cap (doubling in a loop)."""

    def __setitem__(self, name, value):  # type: ignore[override]
        check_size(value)
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise LimitExceeded("a number grew too large")
        super().__setitem__(name, value)


def precheck(name: str, value, params) -> None:
    """Refuse calls whose result would be huge *before* Python builds it (the size check after
    the call cannot stop ``s|replace('x', s)`` or ``big_list|join`` allocating gigabytes).

    ``value`` is what is filtered, ``params`` the filter's arguments. Only a parameter can be a
    size (a width, a count); a big number being filtered is just a number (an order total of
    300000 cents formatted by ``money``)."""
    if isinstance(value, (list, tuple)) and sum(len(x) for x in value if isinstance(x, str)) > MAX_RENDER_BYTES:
        raise LimitExceeded(f"{name}: the joined text would be larger than {MAX_RENDER_BYTES // 1024} KB")
    for a in params:
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_RENDER_BYTES:
            raise LimitExceeded(f"{name}: an argument is too large ({a})")
        if isinstance(a, (list, tuple)) and sum(len(x) for x in a if isinstance(x, str)) > MAX_RENDER_BYTES:
            raise LimitExceeded(f"{name}: the joined text would be larger than {MAX_RENDER_BYTES // 1024} KB")
    if name != "replace" and name != "indent":
        return
    strs = [a for a in (value, *params) if isinstance(a, str)]
    if name == "replace" and len(strs) >= 3:
        text, old, new = strs[0], strs[1], strs[2]
        if len(new) > len(old) and len(text) + (text.count(old) if old else len(text) + 1) * (len(new) - len(old)) > MAX_RENDER_BYTES:
            raise LimitExceeded(f"replace: the result would be larger than {MAX_RENDER_BYTES // 1024} KB")
    if name == "indent" and len(strs) >= 2 and len(strs[0]) + strs[0].count("\n") * len(strs[1]) > MAX_RENDER_BYTES:
        raise LimitExceeded(f"indent: the result would be larger than {MAX_RENDER_BYTES // 1024} KB")


def guard_filter(name: str, func):
    @functools.wraps(func)
    def guarded(*args, **kwargs):
        if now() > budget.deadline:
            tick()
        if kwargs:
            if args:
                precheck(name, args[0], (*args[1:], *kwargs.values()))
            else:
                precheck(name, None, tuple(kwargs.values()))
        elif len(args) != 1 or isinstance(args[0], (list, tuple)):  # one plain value: nothing to precheck
            precheck(name, args[0] if args else None, args[1:])
        result = func(*args, **kwargs)
        check_size(result)
        return result

    return guarded


def concat_guard(join):
    """``a ~ b ~ ...`` sums the parts' sizes before joining them."""
    def concat(*parts):
        if sum(len(p) for p in parts if isinstance(p, str)) > MAX_RENDER_BYTES:
            raise LimitExceeded(f"joined text would be larger than {MAX_RENDER_BYTES // 1024} KB")
        return join(parts)

    return concat


# One printf-style conversion: its width and precision (digits, or "*" taken from the values).
PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")


def check_printf(spec: str, values) -> None:
    """Refuse ``spec % values`` before it runs when a width or precision is beyond the render cap."""
    sizes = [int(n) for m in PRINTF_SPEC.finditer(spec) for n in m.groups() if n and n != "*"]
    if "*" in spec:
        args = values if isinstance(values, tuple) else (values,)
        sizes += [abs(a) for a in args if isinstance(a, int) and not isinstance(a, bool)]
    if any(n > MAX_RENDER_BYTES for n in sizes):
        raise LimitExceeded(f"a % format width is too large (at most {MAX_RENDER_BYTES:,})")
