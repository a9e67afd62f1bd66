"""Rendering: the context, every starter template for every seeded customer, the message forms."""

from __future__ import annotations

import email
import json
from email import policy

import pytest

from lifecycle_tui.messages import (
    Renderer, TemplateError, build_context, list_templates, resolve_unsubscribe_token, save_template, unsubscribe_token,
)
from lifecycle_tui.messages.starter import starter_files
from tests.messages.conftest import AS_OF, CUSTOMERS

STARTER_NAMES = sorted(p.name.split(".")[0] for p in starter_files())


@pytest.mark.parametrize("name", STARTER_NAMES)
def test_every_starter_template_renders_for_every_customer(shop_ro, name):
    renderer = Renderer(shop_ro, AS_OF)
    for rowid, *_ in CUSTOMERS:
        msg = renderer.render(name, rowid)
        data = msg.to_json()
        assert data["channel"] == msg.channel and isinstance(data["warnings"], list)
        assert "{{" not in json.dumps(data) and "None" not in json.dumps(data)
        if msg.channel == "email":
            parsed = email.message_from_bytes(msg.to_eml_bytes(), policy=policy.default)
            assert parsed["Subject"] == msg.fields["subject"]
            assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None
            if msg.marketing:
                assert parsed["List-Unsubscribe"].strip("<>") in msg.fields["html"].replace("&amp;", "&")
        else:
            assert msg.to_payload()["channel"] == msg.channel


def test_context_for_a_repeat_buyer(shop_ro):
    ctx = build_context(shop_ro, 1, AS_OF)
    c = ctx["customer"]
    assert (c.customer_id, c.first_name, c.orders, c.revenue_cents) == ("C1", "anna", 2, 1450 + 4400 + 1450 + 990)
    assert c.last_order_at == "2026-05-20T10:00:00+00:00" and c.days_since_last_order == 41
    assert ctx["order"].order_id == "O2" and [i.title for i in ctx["order"].items] == ["Sencha, 100 g", "Genmaicha, 100 g"]
    assert ctx["shop"].name == "Kettle & Kiln"
    # Anna bought TEA-1, CUP-1, TEA-2: never recommend those.
    recs = [p.product_id for p in ctx["recommendations"]]
    assert recs and not {"TEA-1", "CUP-1", "TEA-2"} & set(recs)
    # She viewed TEA-1 (bought) and POT-1 (not bought).
    assert [p.product_id for p in ctx["browsed"]] == ["POT-1"]
    assert ctx["cart"] is None


def test_recommendations_rank_by_co_purchase(shop_ro):
    # Ben bought only TEA-1. TEA-1 was bought with CUP-1 (2 orders) and TEA-2 (1 order).
    recs = [p.product_id for p in build_context(shop_ro, 2, AS_OF)["recommendations"]]
    assert recs[:2] == ["CUP-1", "TEA-2"] and len(recs) == 3 and "TEA-1" not in recs
    # Cara bought nothing: best sellers by units (TEA-1 5 units, CUP-1 3, TEA-2 1).
    assert [p.product_id for p in build_context(shop_ro, 3, AS_OF)["recommendations"]] == ["TEA-1", "CUP-1", "TEA-2"]


def test_cancelled_orders_do_not_count(shop_ro):
    ctx = build_context(shop_ro, 2, AS_OF)
    assert ctx["customer"].orders == 1 and ctx["order"].order_id == "O3"


def test_cart_from_events_and_from_extra(shop_ro):
    cart = build_context(shop_ro, 3, AS_OF)["cart"]
    assert cart.total_cents == 6400 and cart.items[0].title == "Cast Iron Teapot"
    extra = {"cart": {"cart": [{"product_id": "TEA-2", "quantity": 2}]}}
    cart = build_context(shop_ro, 1, AS_OF, extra)["cart"]
    assert cart.total_cents == 1980 and cart.items[0].url == "https://shop.example/p/TEA-2"
    msg = Renderer(shop_ro, AS_OF).render("cart_abandoned_sms", 1, extra)
    assert "€19.80" in msg.fields["text"]


def test_as_of_hides_later_orders(shop_ro):
    from datetime import datetime, timezone

    ctx = build_context(shop_ro, 1, datetime(2025, 12, 31, tzinfo=timezone.utc))
    assert ctx["customer"].orders == 1 and ctx["order"].order_id == "O1"


def test_unsubscribe_tokens_round_trip(shop_ro):
    token = unsubscribe_token(shop_ro, 5, "sms")
    assert resolve_unsubscribe_token(shop_ro, token) == (5, "sms")
    assert resolve_unsubscribe_token(shop_ro, token.replace("-s-", "-e-")) is None
    assert resolve_unsubscribe_token(shop_ro, "5-s-" + "A" * 22) is None
    assert resolve_unsubscribe_token(shop_ro, "garbage") is None
    url = Renderer(shop_ro, AS_OF).render("welcome_1", 5).fields["html"]
    assert f"https://shop.example/unsubscribe?t={unsubscribe_token(shop_ro, 5, 'email')}" in url


def test_unsubscribe_url_and_dedupe_key_from_extra(shop_ro):
    long_url = "https://links.shop.example/u/" + "a" * 121
    assert len(long_url) == 150
    r = Renderer(shop_ro, AS_OF)
    m1 = r.render("welcome_1", 1, {"unsubscribe_url": long_url, "dedupe_key": "welcome/1/C1/signup"})
    raw = m1.to_eml_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["List-Unsubscribe"] == f"<{long_url}>"
    assert raw == r.render("welcome_1", 1, {"unsubscribe_url": long_url, "dedupe_key": "welcome/1/C1/signup"}).to_eml_bytes()
    m3 = r.render("welcome_1", 1, {"unsubscribe_url": long_url, "dedupe_key": "welcome/1/C1/other"})
    assert parsed["Message-ID"] != email.message_from_bytes(m3.to_eml_bytes(), policy=policy.default)["Message-ID"]
    assert m3.to_eml_bytes("welcome/1/C1/signup") == raw  # the transport may pass the key instead


def test_sms_and_push_fields(shop_ro):
    r = Renderer(shop_ro, AS_OF)
    sms = r.render("winback_sms", 1)
    assert set(sms.to_json()) >= {"channel", "text", "encoding", "segments", "warnings"}
    assert sms.fields["encoding"] == "GSM-7" and sms.to == "+4915100000001"
    zoe = r.render("winback_sms", 5)  # "Zoë": ë is not GSM-7
    assert zoe.fields["encoding"] == "UCS-2" and any("UCS-2" in w for w in zoe.warnings)
    p = r.render("cart_abandoned_push", 3)
    assert set(p.to_json()) >= {"title", "body", "payload_bytes"}
    assert p.to_payload()["url"] == "https://shop.example/cart" and p.fields["payload_bytes"] > 50


def test_render_refusals(shop):
    r = Renderer(shop, AS_OF)
    with pytest.raises(TemplateError, match="no such template"):
        r.render("nope", 1)
    with pytest.raises(TemplateError, match="no customer"):
        r.render("welcome_1", 999)
    save_template(shop, "---\nchannel: sms\n---\nHi {{ customer.frist_name }}. Reply STOP to opt out\n", name="typo")
    with pytest.raises(TemplateError) as err:
        r.render("typo", 1)
    assert err.value.line == 4 and "frist_name" in err.value.reason
    save_template(shop, "---\nchannel: sms\n---\n{{ 'a' * 2000 }} STOP\n", name="long")
    with pytest.raises(TemplateError, match="limit is 10"):
        r.render("long", 1)
    save_template(shop, "---\nchannel: push\ntitle: Hi\n---\n{{ 'b' * 5000 }}\n", name="huge_push")
    with pytest.raises(TemplateError, match="4096"):
        r.render("huge_push", 1)


def test_renderer_is_reused_across_customers(shop):
    r = Renderer(shop, AS_OF)
    first = r.compiled("welcome_1")
    for rowid, *_ in CUSTOMERS:
        r.render("welcome_1", rowid)
    assert r.compiled("welcome_1") is first
    assert {t.name for t in list_templates(shop)} >= set(STARTER_NAMES)


def test_stage_and_rfm_come_from_metrics(shop):
    pytest.importorskip("lifecycle_tui.segments")
    from lifecycle_tui.messages import preview
    from lifecycle_tui.messages.context import ensure_fresh_metrics

    assert build_context(shop, 1, AS_OF)["customer"].stage is None  # not computed yet
    ensure_fresh_metrics(shop, AS_OF)
    anna = build_context(shop, 1, AS_OF)["customer"]
    assert anna.stage and anna.rfm.segment and 1 <= anna.rfm.r <= 5
    assert build_context(shop, 3, AS_OF)["customer"].rfm is None  # no orders, no RFM
    save_template(shop, "---\nchannel: sms\nmarketing: false\n---\n{{ customer.stage }}/{{ customer.rfm.segment }}\n",
                  name="probe")
    assert preview(shop, "probe", 1, AS_OF).fields["text"] == f"{anna.stage}/{anna.rfm.segment}"
