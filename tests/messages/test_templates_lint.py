"""Lint: starter templates pass; each kind of fault is found, with its line."""

from __future__ import annotations

import pytest

from lifecycle_tui.messages import lint_all, lint_template, parse_source, save_template
from tests.messages.conftest import AS_OF


def test_every_starter_template_passes_lint(shop):
    reports = lint_all(shop, AS_OF)
    assert len(reports) >= 20
    failing = {r.template: [str(f) for f in r.errors] for r in reports if not r.ok}
    assert failing == {}
    # Each template was rendered for real customers (and cart templates with a sample cart).
    assert all(r.rendered_for for r in reports)
    cart = next(r for r in reports if r.template == "cart_abandoned")
    assert any("sample cart" in who for who in cart.rendered_for)


def test_renders_one_customer_per_rfm_segment(shop):
    pytest.importorskip("lifecycle_tui.segments")
    report = lint_template(shop, "welcome_1", AS_OF)
    segments = {r["rfm_segment"] for r in shop.conn.execute(
        "SELECT DISTINCT rfm_segment FROM customer_metrics WHERE rfm_segment IS NOT NULL")}
    assert segments, "metrics were brought up to as_of by lint"
    for seg in segments:
        assert any(f"({seg})" in who for who in report.rendered_for)
    assert any("(no orders)" in who for who in report.rendered_for)


@pytest.mark.parametrize("text, message, line", [
    ("---\nchannel: sms\nmarketing: false\n---\nHi {{ custmer.first_name }}\n", "unknown variable 'custmer'", 5),
    ("---\nchannel: email\nsubject: Hi {{ shop.nme }}\nmarketing: false\n---\n<p>Hi</p>\n", "shop has no field 'nme'", 3),
    ("---\nchannel: sms\nmarketing: false\n---\n\n{% for p in recommendations %}{{ p.titel }}{% endfor %}\n",
     "product has no field 'titel'; did you mean 'title'?", 6),
    ("---\nchannel: sms\nmarketing: false\n---\n{% if order %}{% for i in order.items %}{{ i.qty }}{% endfor %}{% endif %}\n",
     "order item has no field 'qty'", 5),
    ("---\nchannel: sms\nmarketing: false\n---\n{{ customer.rfm.segmnt }} {{ browsed[0].urll }}\n", "rfm has no field 'segmnt'", 5),
    ("---\nchannel: email\nsubject: Hi\n---\n<p>Hi</p>\n", "unsubscribe_url", None),
    ("---\nchannel: sms\n---\nNew tea is in!\n", "opt out", None),
    ("---\nchannel: sms\nmarketing: false\n---\n{% for i in range(60) %}Your parcel is on its way. {% endfor %}\n", "limit is 10", None),
    ("---\nchannel: push\ntitle: Hi\n---\n{{ 'x' * 5000 }}\n", "4096", None),
    ("---\nchannel: sms\nmarketing: false\n---\nline\n{% if %}\n", "syntax error", 6),
])
def test_lint_finds_errors(shop, text, message, line):
    report = lint_template(shop, parse_source(text, name="probe"), AS_OF)
    assert not report.ok
    hit = [f for f in report.errors if message in f.message]
    assert hit, [str(f) for f in report.findings]
    if line:
        assert hit[0].line == line


def test_email_warnings(shop):
    text = ('---\nchannel: email\nsubject: Hi\nmarketing: false\n---\n<p><img src="https://x.example/a.png"></p>'
            "<p>{{ 'x' * 110000 }}</p>\n")
    report = lint_template(shop, parse_source(text, name="probe"), AS_OF)
    assert report.ok
    messages = " ".join(f.message for f in report.warnings)
    assert "alt text" in messages and "Gmail clips" in messages


def test_lint_warnings_do_not_fail(shop):
    text = "---\nchannel: sms\nmarketing: false\n---\n" + "Your parcel is on its way. " * 8 + "\n"
    save_template(shop, text, name="long_sms")
    report = lint_template(shop, "long_sms", AS_OF)
    assert report.ok and any("segments" in f.message for f in report.warnings)
    assert report.to_json()["ok"] is True


def test_declared_record_fields_match_the_context(shop):
    from lifecycle_tui.messages import build_context
    from lifecycle_tui.messages.context import ensure_fresh_metrics
    from lifecycle_tui.messages.context_schema import RECORD_FIELDS

    ensure_fresh_metrics(shop, AS_OF)
    anna = build_context(shop, 1, AS_OF)  # a buyer with orders, metrics and browsing
    cara = build_context(shop, 3, AS_OF)  # a cart
    assert set(anna["customer"]) == set(RECORD_FIELDS["customer"])
    assert set(anna["customer"].rfm) == set(RECORD_FIELDS["rfm"])
    assert set(anna["shop"]) == set(RECORD_FIELDS["shop"])
    assert set(anna["order"]) == set(RECORD_FIELDS["order"])
    assert set(anna["order"].items[0]) == set(RECORD_FIELDS["order_item"])
    assert set(anna["recommendations"][0]) == set(RECORD_FIELDS["product"])
    assert set(anna["browsed"][0]) == set(RECORD_FIELDS["product"])
    assert set(anna["anniversary"]) == set(RECORD_FIELDS["anniversary"])
    assert set(cara["cart"]) == set(RECORD_FIELDS["cart"])
    assert set(cara["cart"].items[0]) == set(RECORD_FIELDS["cart_item"])


def test_every_sandbox_refusal_is_listed_with_its_line(shop):
    """A render stops at the first thing the sandbox refuses; lint lists them all, once each."""
    text = ("---\nchannel: sms\nmarketing: false\n---\n{{ customer.first_name.__class__ }}\n"
            "{{ shop.name.format.__globals__ }} {{ customer['_secret'] }}\n"
            "{% for i in range(100000000) %}{% endfor %}{% for i in range(3) %}{% endfor %}\n")
    report = lint_template(shop, parse_source(text, name="sneaky"), AS_OF)
    assert [(f.line, f.message) for f in report.errors] == [
        (5, "refused by the sandbox: '__class__' is private (a template reads only the documented fields)"),
        (6, "refused by the sandbox: '__globals__' is private (a template reads only the documented fields)"),
        (6, "refused by the sandbox: '_secret' is private (a template reads only the documented fields)"),
        (7, "refused by the sandbox: range() of 100,000,000 items (at most 10,000)"),
    ]
