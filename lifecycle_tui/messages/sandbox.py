"""The sandboxed Jinja environment every template renders in, with its limits.

Why each guard exists:

- ``ImmutableSandboxedEnvironment``: no ``_private`` attributes, no Python internals, no
  mutation of lists and dicts. We also refuse ``str.format``/``format_map`` (format strings
  can reach attributes) and leave out the ``format`` and ``random`` filters.
- Templates cannot loop forever or blow up memory: every ``{% for %}`` is wrapped in a guard
  counting iterations and checking the clock; attribute access, item access and calls check
  the clock too; ``range()`` is capped; ``~``, ``*``, ``**``, ``+`` and ``%`` refuse huge results;
  filters and str methods refuse huge widths, joins and replacements before building them
  (the guards are :mod:`lifecycle_tui.messages.limits`);
  rendering streams through ``generate()`` and stops at the rendered-size cap.
- ``StrictUndefined``: a misspelt variable is an error, never an empty string in a sent email.
"""

from __future__ import annotations

from itertools import islice

import jinja2
import markupsafe
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.runtime import markup_join, str_join
from jinja2.visitor import NodeTransformer

from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.messages.filters import make_filters
from lifecycle_tui.messages.limits import (  # noqa: F401 - the MAX_* limits and render_budget re-exported
    MAX_INT_BITS, MAX_LOOP_ITERATIONS, MAX_RANGE, MAX_RENDER_BYTES, MAX_RENDER_SECONDS, WIDTH_METHODS,
    CappedNamespace, LimitExceeded, budget, capped_range, check_printf, check_size, concat_guard, guard_filter,
    loop_guard, now, precheck, render_budget, tick,
)
from lifecycle_tui.messages.records import Record

LOOP_GUARD = "_loop_guard"
CONCAT_GUARD = "_concat_guard"

# Builtin filters a shop template may use (format strings, randomness and pprint left out).
ALLOWED_FILTERS = {
    "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
    "filesizeformat", "first", "float", "forceescape", "groupby", "indent", "int", "items", "join", "last",
    "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round",
    "safe", "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "tojson", "trim",
    "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap",
}
class _GuardConcat(NodeTransformer):
    def visit_Concat(self, node):
        self.generic_visit(node)
        return nodes.Call(nodes.Name(CONCAT_GUARD, "load", lineno=node.lineno), list(node.nodes), [], None, None,
                          lineno=node.lineno)


class StrictShopUndefined(jinja2.StrictUndefined):
    """StrictUndefined with messages naming our records ("customer has no field 'nmae'")."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        label = getattr(self._undefined_obj, "_label", None)
        if label and self._undefined_hint is None:
            return f"{label} has no field {self._undefined_name!r}"
        return super()._undefined_message


class ShopSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with our limits (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, autoescape: bool, currency: str = "EUR", tz_name: str = "UTC"):
        super().__init__(autoescape=autoescape, undefined=StrictShopUndefined, trim_blocks=True, lstrip_blocks=True)
        self.filters = {k: guard_filter(k, v) for k, v in self.filters.items() if k in ALLOWED_FILTERS}
        self.filters.update({k: guard_filter(k, v) for k, v in make_filters(currency, tz_name).items()})
        self.globals = {
            "range": capped_range, "dict": dict, "namespace": CappedNamespace,
            "joiner": self.globals["joiner"], LOOP_GUARD: loop_guard,
            CONCAT_GUARD: concat_guard(markup_join if autoescape else str_join),
        }

    # -- attribute and call hooks ------------------------------------------------------
    def is_safe_attribute(self, obj, attr, value) -> bool:
        if isinstance(obj, str) and attr in ("format", "format_map"):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value):
        return None  # str.format is refused outright (is_safe_attribute), never wrapped

    def getattr(self, obj, attribute):
        if now() > budget.deadline:
            tick()
        if type(obj) is Record:  # fast path: a Record field is plain data, never a Python attribute
            try:
                return obj._data[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        if now() > budget.deadline:
            tick()
        if type(obj) is Record and isinstance(argument, str):
            try:
                return obj._data[argument]
            except KeyError:
                return self.undefined(obj=obj, name=argument)
        return super().getitem(obj, argument)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja's signature)
        tick()
        if __obj is loop_guard and len(args) == 1 and not kwargs:  # every {% for %}: a safe, plain function
            return loop_guard(args[0])
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):  # str methods: refuse huge widths, joins and replacements up front
            name = getattr(__obj, "__name__", "")
            if name in WIDTH_METHODS and any(isinstance(a, int) and a > MAX_RENDER_BYTES for a in args):
                raise LimitExceeded(f"str.{name}() width is too large")
            precheck(name, owner, (*args, *kwargs.values()))
        result = super().call(__context, __obj, *args, **kwargs)
        check_size(result)
        return result

    def call_binop(self, context, operator, left, right):
        tick()
        if operator == "**":
            if isinstance(right, int) and (right > 256 or (isinstance(left, int) and left.bit_length() * max(right, 0) > MAX_INT_BITS)):
                raise LimitExceeded("a power is too large")
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_RENDER_BYTES:
                    raise LimitExceeded(f"a repeated value would be larger than {MAX_RENDER_BYTES // 1024} KB")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise LimitExceeded("a number grew too large")
        elif operator == "%" and isinstance(left, str):  # printf-style: "%999999999s" would build ~1 GB first
            check_printf(left, right)
        result = self.binop_table[operator](left, right)
        check_size(result)
        return result

    # -- every for-loop iterates through loop_guard, every `~` through the concat guard --
    def _parse(self, source, name, filename):
        tree = _GuardConcat().visit(super()._parse(source, name, filename))
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(nodes.Name(LOOP_GUARD, "load", lineno=loop.lineno), [loop.iter], [], None, None,
                                   lineno=loop.lineno)
        return tree


def environments(currency: str = "EUR", tz_name: str = "UTC") -> dict[bool, ShopSandbox]:
    """{autoescape: env}: the HTML part renders with autoescape, every other part without."""
    return {True: ShopSandbox(autoescape=True, currency=currency, tz_name=tz_name),
            False: ShopSandbox(autoescape=False, currency=currency, tz_name=tz_name)}


def part_filename(template: str, field: str) -> str:
    return f"<template {template}:{field}>"


def compile_part(env: ShopSandbox, source: str, *, template: str, field: str, first_line: int) -> jinja2.Template:
    """Compile one templated part; syntax errors become TemplateError with the file line."""
    try:
        code = env.compile(source, name=template, filename=part_filename(template, field))
        tpl = env.template_class.from_code(env, code, env.make_globals(None), None)
    except TemplateSyntaxError as exc:
        line = first_line + (exc.lineno or 1) - 1
        raise TemplateError(f"syntax error: {exc.message}", template=template, field=field, line=line) from None
    # The compiled code escapes every {{ }} output with its module's ``escape`` (autoescape): the
    # same few strings (shop name, product titles, URLs, first names) are escaped for customer
    # after customer, so this template's ``escape`` remembers them (same Markup, no new object).
    namespace = tpl.root_render_func.__globals__
    if namespace.get("escape") is markupsafe.escape:
        namespace["escape"] = _remembered_escape
    tpl.flat_globals = dict(tpl.globals)  # render_part: one plain dict, not a ChainMap, per render
    return tpl


_ESCAPED: dict[str, markupsafe.Markup] = {}


def _remembered_escape(value):
    if type(value) is not str:
        return markupsafe.escape(value)
    hit = _ESCAPED.get(value)
    if hit is None:
        if len(_ESCAPED) > 50_000:  # a plan's distinct values are few; memory stays small
            _ESCAPED.clear()
        hit = _ESCAPED[value] = markupsafe.escape(value)
    return hit


def _utf8_len(chunk: str) -> int:
    return len(chunk) if chunk.isascii() else len(chunk.encode("utf-8", "surrogatepass"))


def render_part(tpl: jinja2.Template, context: dict, *, template: str, field: str, first_line: int) -> str:
    """Render chunk by chunk (not ``render()``) so the size cap stops a runaway template early."""
    out: list[str] = []
    chars = 0
    size = -1  # exact UTF-8 bytes, counted only once the text could be near the cap
    try:
        # root_render_func directly, as Template.generate() does but without its copy of the
        # context and its extra generator layer; chunks taken 32 at a time so the size and clock
        # checks run per batch in C-level sums rather than per chunk (~40 chunks per email)
        flat = getattr(tpl, "flat_globals", None)  # compile_part's: the Context new_context() makes, without
        # copying the globals out of a ChainMap key by key (Context keeps their names, as there)
        ctx = (tpl.new_context(context) if flat is None else
               tpl.environment.context_class(tpl.environment, {**flat, **context}, tpl.name, tpl.blocks, globals=flat))
        chunks = tpl.root_render_func(ctx)
        while batch := list(islice(chunks, 32)):
            out += batch
            # A character is at most 4 bytes of UTF-8: an ordinary email never pays for encoding.
            chars += sum(map(len, batch))
            if chars > MAX_RENDER_BYTES // 4:
                size = (sum(_utf8_len(c) for c in out) if size < 0 else size + sum(_utf8_len(c) for c in batch))
                if size > MAX_RENDER_BYTES:
                    raise LimitExceeded(f"the rendered {field} is larger than {MAX_RENDER_BYTES // 1024} KB")
            tick()  # loops, calls and lookups check the clock too
        tick()
    except TemplateError:
        raise
    except Exception:  # noqa: BLE001 - every template fault becomes a readable refusal
        try:  # as generate() does: template frames rewritten to template line numbers
            tpl.environment.handle_exception()
        except Exception as exc:  # noqa: BLE001
            raise as_template_error(exc, template=template, field=field, first_line=first_line) from None
    return "".join(out)


def as_template_error(exc: BaseException, *, template: str, field: str, first_line: int) -> TemplateError:
    """A TemplateError naming the file line where ``exc`` happened inside the part."""
    line = None
    filename = part_filename(template, field)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    if isinstance(exc, LimitExceeded):
        reason = f"refused: {exc}"
    elif isinstance(exc, SecurityError):
        reason = f"refused by the sandbox: {exc}"
    elif isinstance(exc, UndefinedError):
        reason = f"undefined: {exc}"
    elif isinstance(exc, RecursionError):
        reason = "refused: a macro calls itself too deeply"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return TemplateError(reason, template=template, field=field, line=None if line is None else first_line + line - 1)


def check_syntax(parsed) -> None:
    """Compile every part of a parsed template (raises TemplateError on the first syntax error)."""
    envs = environments()
    for field, source, first_line in parsed.jinja_parts():
        compile_part(envs[field == "html"], source, template=parsed.name, field=field, first_line=first_line)
