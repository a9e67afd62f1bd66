"""Recursive-descent parser of the segment rule language -> a typed AST.

Grammar (keywords are case-insensitive)::

    rule      := or_expr EOF
    or_expr   := and_expr ("or" and_expr)*
    and_expr  := not_expr ("and" not_expr)*
    not_expr  := "not" not_expr | primary
    primary   := "(" or_expr ")" | "all" | did | condition
    did       := "did" ["not"] EVENT_TYPE [count] [window]
    count     := "at" ("least" | "most") INT "time[s]" | "exactly" INT "time[s]"
    window    := "in" ["the"] "last" INT unit | "ever"
    condition := field ( OP value | ["not"] "in" "[" value ("," value)* "]"
                       | "in" ["the"] "last" INT unit | ["not"] "contains" value
                       | "is" ["not"] "empty" | <nothing, for consent flags> )
    field     := NAME | "attributes" "." (NAME | STRING)
    value     := STRING | NUMBER | "true" | "false" | NUMBER unit "ago"
    unit      := minute[s] | hour[s] | day[s] | week[s]
    OP        := = == != <> < <= > >=

Values are checked against the field's kind here (numbers for counts, currency units for
money, dates or ``N days ago`` for times, stage names for ``stage``), so every error carries
the position of the offending token. Negated forms (``!=``, ``not in``, ``not contains``,
``is not empty``, ``did not``) become :class:`Not` nodes: a negation is always the exact
complement of the positive form (missing values included).
"""

from __future__ import annotations

import difflib
from lifecycle_tui.segments import fields as F
from lifecycle_tui.segments.errors import SegmentRuleError
from lifecycle_tui.segments.lexer import Token, tokenize
from lifecycle_tui.segments.nodes import (
    Ago, All, And, Compare, Contains, Did, Empty, InList, Not, Or, Truth, Within,
)
from lifecycle_tui.segments.stages import STAGES
from lifecycle_tui.store.timeutil import parse_datetime, to_iso

MAX_DEPTH = 40
MAX_CONDITIONS = 200
MAX_DAYS = 36_500  # relative times reach back at most a century
UNITS = {"minute": "minutes", "minutes": "minutes", "hour": "hours", "hours": "hours",
         "day": "days", "days": "days", "week": "weeks", "weeks": "weeks"}


def parse(text: str):
    """The AST of a rule; raises :class:`SegmentRuleError` (with position and caret)."""
    if not isinstance(text, str) or not text.strip():
        raise SegmentRuleError("the rule is empty; write a condition such as: orders >= 2", 0, text or "")
    try:
        return _Parser(tokenize(text)).rule()
    except SegmentRuleError as exc:
        raise exc.with_text(text) from None


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0  # open parentheses and nots: bounded, so no rule can exhaust the stack
        self.leaves = 0  # conditions: bounded, so the SQL stays within SQLite's expression depth

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return t

    def accept(self, *words: str) -> Token | None:
        if self.tok.is_word(*words):
            return self.advance()
        return None

    def expect_word(self, *words: str) -> Token:
        if not self.tok.is_word(*words):
            self.error(f"expected {' or '.join(repr(w) for w in words)}")
        return self.advance()

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            self.error(f"expected {what}")
        return self.advance()

    def error(self, reason: str, tok: Token | None = None):
        tok = tok or self.tok
        found = "the end of the rule" if tok.kind == "EOF" else repr(tok.text)
        raise SegmentRuleError(f"{reason}, found {found}", tok.pos)

    # grammar
    def rule(self):
        node = self.or_expr()
        if self.tok.kind != "EOF":
            self.error("expected 'and', 'or' or the end of the rule")
        return node

    def or_expr(self):
        items = [self.and_expr()]
        while self.accept("or"):
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self):
        items = [self.not_expr()]
        while self.accept("and"):
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def nest(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SegmentRuleError(f"the rule nests 'not' and parentheses more than {MAX_DEPTH} deep", tok.pos)

    def not_expr(self):
        tok = self.tok
        if self.accept("not"):
            self.nest(tok)
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        self.leaves += 1
        if self.leaves > MAX_CONDITIONS:
            raise SegmentRuleError(f"the rule has more than {MAX_CONDITIONS} conditions", tok.pos)
        return self.primary()

    def primary(self):
        tok = self.tok
        if tok.kind == "(":
            self.nest(tok)
            self.advance()
            node = self.or_expr()
            self.expect(")", "')'")
            self.depth -= 1
            return node
        if tok.is_word("all", "everyone"):
            self.advance()
            return All()
        if tok.is_word("did"):
            self.advance()
            return self.did()
        if tok.kind == "IDENT":
            return self.condition()
        self.error("expected a field name, 'did', 'not' or '('")

    def did(self):
        negate = bool(self.accept("not"))
        tok = self.tok
        if tok.kind not in ("IDENT", "STRING") or (tok.kind == "IDENT" and tok.is_word("in", "at", "exactly", "ever")):
            self.error("expected an event type such as product_viewed")
        event = str(self.advance().value)
        count_op = count = None
        if self.accept("at"):
            word = self.expect_word("least", "most")
            count_op = ">=" if word.is_word("least") else "<="
            count = self.count_times()
        elif self.accept("exactly"):
            count_op, count = "=", self.count_times()
        window = None
        if self.accept("in"):
            self.accept("the")
            self.expect_word("last")
            window = self.amount_unit()
        else:
            self.accept("ever")
        node = Did(event, count_op, count, window)
        return Not(node) if negate else node

    def count_times(self) -> int:
        tok = self.tok
        if tok.kind != "NUMBER" or not isinstance(tok.value, int) or tok.value < 0:
            self.error("expected a whole number of times")
        self.advance()
        self.expect_word("time", "times")
        return int(tok.value)

    def amount_unit(self) -> tuple[float, str]:
        tok = self.tok
        if tok.kind != "NUMBER" or tok.value < 0:
            self.error("expected a number of days, hours or weeks")
        self.advance()
        unit = self.tok
        if not (unit.kind == "IDENT" and unit.text.lower() in UNITS):
            self.error("expected a time unit: days, hours, weeks or minutes")
        self.advance()
        unit_name = UNITS[unit.text.lower()]
        if tok.value / {"minutes": 1440, "hours": 24, "days": 1, "weeks": 1 / 7}[unit_name] > MAX_DAYS:
            raise SegmentRuleError(f"{tok.text} {unit.text} is too long a time (at most {MAX_DAYS} days)", tok.pos)
        return tok.value, unit_name

    def field(self) -> F.Field:
        tok = self.advance()
        name = tok.text.lower()
        if name == F.ATTRIBUTES:
            self.expect(".", "'.' and a key, as in attributes.size")
            key = self.tok
            if key.kind not in ("IDENT", "STRING") or not str(key.value) or '"' in str(key.value):
                self.error("expected an attribute key")
            self.advance()
            return F.attribute_field(str(key.value))
        if name in F.FIELDS:
            return F.FIELDS[name]
        close = F.closest_field(name)
        hint = f"; did you mean {close!r}?" if close else f"; fields are: {', '.join(F.field_names())}"
        raise SegmentRuleError(f"unknown field {tok.text!r}{hint}", tok.pos)

    def condition(self):
        start = self.tok
        field = self.field()
        tok = self.tok
        if tok.kind == "OP":
            self.advance()
            value = self.value(field)
            if tok.value == "!=":
                return Not(self.compare(field, "=", value, tok))
            return self.compare(field, tok.value, value, tok)
        if tok.is_word("not"):
            self.advance()
            if self.tok.is_word("in"):
                self.advance()
                return Not(self.in_list(field))
            if self.tok.is_word("contains"):
                self.advance()
                return Not(self.contains(field))
            self.error("expected 'in' or 'contains' after 'not'")
        if tok.is_word("in"):
            self.advance()
            if self.tok.is_word("last", "the"):
                self.accept("the")
                self.advance()
                if field.kind not in (F.DATETIME, F.ATTRIBUTE):
                    self.error(f"'{field.name} in last ...' needs a date field such as last_order_at", tok)
                amount, unit = self.amount_unit()
                return Within(field, amount, unit)
            return self.in_list(field)
        if tok.is_word("contains"):
            self.advance()
            return self.contains(field)
        if tok.is_word("is"):
            self.advance()
            negate = bool(self.accept("not"))
            self.expect_word("empty")
            node = Empty(field)
            return Not(node) if negate else node
        if field.kind == F.BOOL:
            return Truth(field)
        if field.kind == F.TAGS:
            self.error('tags are tested with contains, as in: tags contains "vip"')
        raise SegmentRuleError(
            f"expected a comparison after {start.text!r} (= != < <= > >=, in [...], contains, is empty)",
            tok.pos,
        )

    def compare(self, field: F.Field, op: str, value, tok: Token):
        if field.kind == F.TAGS:
            self.error('tags are tested with contains, as in: tags contains "vip"', tok)
        if field.kind == F.BOOL and op != "=":
            self.error(f"{field.name} is yes/no: use = true or = false", tok)
        return Compare(field, op, value)

    def in_list(self, field: F.Field):
        if field.kind in (F.TAGS, F.BOOL, F.DATETIME):
            self.error(f"'in [...]' does not apply to {field.name}")
        self.expect("[", "'[' to start a list")
        values = [self.value(field)]
        while self.tok.kind == ",":
            self.advance()
            values.append(self.value(field))
        self.expect("]", "',' or ']'")
        return InList(field, tuple(values))

    def contains(self, field: F.Field):
        if field.kind not in (F.TEXT, F.TAGS, F.ATTRIBUTE, F.STAGE):
            self.error(f"'contains' needs a text field; {field.name} is a {field.kind}")
        tok = self.tok
        if tok.kind not in ("STRING", "NUMBER"):
            self.error('expected a quoted text, as in contains "vip"')
        self.advance()
        return Contains(field, tok.text if tok.kind == "NUMBER" else str(tok.value))

    def value(self, field: F.Field):
        """One literal, converted and checked for the field's kind."""
        tok = self.tok
        kind = field.kind
        if tok.kind == "NUMBER" and self.tokens[self.i + 1].kind == "IDENT" and \
                self.tokens[self.i + 1].text.lower() in UNITS:
            amount, unit = self.amount_unit()
            self.expect_word("ago")
            if kind not in (F.DATETIME, F.ATTRIBUTE):
                raise SegmentRuleError(f"'... ago' needs a date field; {field.name} is a {kind}", tok.pos)
            return Ago(amount, unit)
        if tok.kind not in ("STRING", "NUMBER", "IDENT") or (tok.kind == "IDENT" and not tok.is_word(
                "true", "false", "yes", "no")):
            self.error("expected a value (a number, a \"quoted text\", true or false)")
        self.advance()
        if kind == F.BOOL:
            if tok.is_word("true", "yes") or (tok.kind == "NUMBER" and tok.value == 1):
                return 1
            if tok.is_word("false", "no") or (tok.kind == "NUMBER" and tok.value == 0):
                return 0
            raise SegmentRuleError(f"{field.name} is yes/no: use true or false", tok.pos)
        if tok.kind == "IDENT":  # true/false for a non-yes/no field
            raise SegmentRuleError(f"{field.name} is not a yes/no field", tok.pos)
        if kind in (F.NUMBER, F.MONEY):
            if tok.kind != "NUMBER":
                raise SegmentRuleError(f"{field.name} needs a number, not text", tok.pos)
            return round(tok.value * 100) if kind == F.MONEY else tok.value
        if kind == F.DATETIME:
            if tok.kind != "STRING":
                raise SegmentRuleError(
                    f'{field.name} needs a date such as "2025-01-01" or a relative time such as 90 days ago',
                    tok.pos,
                )
            try:
                return to_iso(parse_datetime(str(tok.value), "UTC"))
            except ValueError as exc:
                raise SegmentRuleError(str(exc), tok.pos) from None
        if kind == F.STAGE:
            return self.stage_name(tok)
        if kind == F.ATTRIBUTE:
            return tok.value
        return tok.text if tok.kind == "NUMBER" else str(tok.value)

    def stage_name(self, tok: Token) -> str:
        text = str(tok.value)
        for stage in STAGES:
            if stage.lower() == text.lower():
                return stage
        close = difflib.get_close_matches(text, list(STAGES), n=1, cutoff=0.4)
        hint = f"; did you mean {close[0]!r}?" if close else f"; stages are: {', '.join(STAGES)}"
        raise SegmentRuleError(f"unknown stage {text!r}{hint}", tok.pos)
