"""The sandbox refuses escapes, runaway loops and huge output; undefined names are errors."""

from __future__ import annotations

import pytest

from lifecycle_tui.messages import limits
from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.messages.sandbox import compile_part, environments, render_budget, render_part


def render(src: str, ctx: dict | None = None, *, html: bool = False, seconds: float = 2.0) -> str:
    env = environments()[html]
    with render_budget(seconds):
        tpl = compile_part(env, src, template="t", field="html" if html else "text", first_line=10)
        return render_part(tpl, ctx or {}, template="t", field="html" if html else "text", first_line=10)


@pytest.mark.parametrize("src", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ f.__globals__ }}",
    "{{ ''|attr('format') }}",
    "{{ ''|attr('__class__') }}",
    "{{ '{0.__class__}'.format(x) }}",
    "{{ '{0}'.format_map(x) }}",
    "{{ x.__init__.__globals__ }}",
    "{{ cycler }}",
    "{{ lipsum() }}",
])
def test_escapes_are_refused(src):
    with pytest.raises(TemplateError) as err:
        render(src, {"x": 1, "f": render})
    assert err.value.template == "t"


def test_format_filter_is_not_available():
    with pytest.raises(TemplateError, match="format"):
        render('{{ "%s"|format(x) }}', {"x": 1})


def test_lists_and_dicts_cannot_be_mutated():
    with pytest.raises(TemplateError, match="unsafe"):
        render("{{ items.append(1) }}", {"items": []})


def test_runaway_nested_loops_stop():
    with pytest.raises(TemplateError, match="refused"):
        render("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}")


def test_time_limit_stops_a_slow_loop(monkeypatch):
    # Lift the iteration cap so only the clock can stop this loop of ~10^12 iterations.
    monkeypatch.setattr(limits, "MAX_LOOP_ITERATIONS", 10**15)
    with pytest.raises(TemplateError, match="longer than"):
        render("{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
               "{% endfor %}{% endfor %}{% endfor %}", seconds=0.2)


@pytest.mark.parametrize("src", ["{{ '%-9999999s' % 'a' }}", "{{ '%*s' % (9999999, 'a') }}"])
def test_a_printf_width_is_refused_before_the_string_is_built(src):
    with pytest.raises(TemplateError, match="a % format width is too large"):
        render(src)


def test_printf_style_formatting_still_works():
    assert render("{{ '%05.1f|%-4s|%d%%' % (3.14159, 'ab', 7) }}") == "003.1|ab  |7%"
    assert render("{{ 7 % 3 }}") == "1"


def test_range_is_capped():
    with pytest.raises(TemplateError, match="range"):
        render("{{ range(10**9)|length }}")


@pytest.mark.parametrize("src", [
    "{{ 'x' * 1000000000 }}",
    "{{ 'x'.center(1000000000) }}",
    "{{ 'x'|center(1000000000) }}",
    "{{ 2 ** 100000 }}",
    "{% set ns = namespace(s='xx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% for i in range(5000) %}{{ 'abcdefghij' * 10 }}{% endfor %}",
    # Amplifiers refused before Python builds the big value:
    "{% set s = 'x' * 200000 %}{{ s ~ s ~ s }}",
    "{% set s = 'x' * 200000 %}{{ s|replace('x', 'yy') }}",
    "{% set s = 'x' * 200000 %}{{ s.replace('x', 'yy') }}",
    "{% set s = 'x' * 200000 %}{{ [s, s]|join }}",
    "{% set s = 'x' * 20000 %}{{ ''.join([s] * 20) }}",
    "{% set s = 'x\n' * 1000 %}{{ s|indent('y' * 1000) }}",
    # printf-style widths and precisions (a width of 10^9 would build a gigabyte string first):
    "{{ '%999999999s' % 'a' }}", "{{ '%-99999999s' % 'a' }}", "{{ '%.999999999f' % 1.5 }}",
    "{{ '%(x)0999999999d' % {'x': 1} }}", "{{ '%*s' % (999999999, 'a') }}",
])
def test_size_limits(src):
    with pytest.raises(TemplateError, match="refused"):
        render(src)


def test_recursion_is_refused():
    with pytest.raises(TemplateError, match="refused"):
        render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")


def test_undefined_variable_names_the_line():
    with pytest.raises(TemplateError) as err:
        render("Hello\n{{ customer_name }}")
    assert err.value.line == 11  # the part starts at file line 10
    assert "customer_name" in err.value.reason


def test_syntax_error_names_the_line():
    with pytest.raises(TemplateError) as err:
        render("one\ntwo\n{% if x %}")
    assert err.value.line is not None and err.value.line >= 12
    assert "syntax error" in err.value.reason


def test_autoescape_only_for_html():
    assert render("{{ x }}", {"x": "<b>&"}, html=True) == "&lt;b&gt;&amp;"
    assert render("{{ x }}", {"x": "<b>&"}, html=False) == "<b>&"


def test_concat_keeps_autoescape_semantics():
    assert render("{{ a ~ b }}", {"a": "<i>", "b": 3}, html=True) == "&lt;i&gt;3"
    assert render("{{ 'a' ~ 1 ~ 'b' }}") == "a1b"


def test_loops_still_work_normally():
    out = render("{% for x in xs %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% else %}none{% endfor %}",
                 {"xs": ["a", "b"]})
    assert out == "1a,2b"
    assert render("{% for x in xs %}{{ x }}{% else %}none{% endfor %}", {"xs": []}) == "none"


def test_a_big_number_being_filtered_is_not_a_size():
    # An order of EUR 3,000 is 300000 cents: the amplifier guard limits widths and counts
    # (filter arguments), not the value being formatted.
    assert render("{{ total|money('EUR') }}", {"total": 300000}) == "€3,000.00"
    assert render("{{ (10**7)|string|length }}") == "8"
    with pytest.raises(TemplateError, match="refused"):
        render("{{ 'x'|center(300000) }}")
