"""Shared renders (messages/memo.py) give every customer exactly the email rendering gives them.

A template whose emails differ only by the customer's first name, the recommended products
and the unsubscribe link is rendered once per combination; the copies must be byte for byte
the emails of the usual path, and a template that does anything else with the link, or reads
more than the keyed values, is never shared.
"""

from __future__ import annotations

import pytest

from lifecycle_tui.messages import Renderer, save_template
from lifecycle_tui.messages.memo import PLACEHOLDER_URL, share_key
from lifecycle_tui.messages.starter import starter_files
from lifecycle_tui.sample import DEFAULT_END, generate_shop
from lifecycle_tui.store import open_store


@pytest.fixture(scope="module")
def shop_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("shared") / "shop.db"
    generate_shop(path, customers=400, seed=9)
    return path


def _emails(renderer: Renderer, name: str, rowids) -> list:
    out = []
    for rowid in rowids:
        msg = renderer.render(name, rowid, {"dedupe_key": f"{name}/{rowid}"})
        out.append((msg.to_json(), msg.to_eml_bytes(), msg.envelope.get("errors"), msg.warnings))
    return out


def _unshared(store, name: str) -> Renderer:
    r = Renderer(store, DEFAULT_END)
    r.compiled(name).share_fields = None  # the usual path for every customer
    return r


def test_shared_newsletters_are_the_emails_of_the_usual_path(shop_path):
    with open_store(shop_path) as store:
        rowids = [r[0] for r in store.conn.execute("SELECT id FROM customers WHERE email IS NOT NULL ORDER BY id")]
        shared = Renderer(store, DEFAULT_END)
        ct = shared.compiled("newsletter")
        assert ct.share_fields == ("first_name",)
        got = _emails(shared, "newsletter", rowids)
        assert got == _emails(_unshared(store, "newsletter"), "newsletter", rowids)
        # it was shared: fewer renders than customers, and no placeholder left in any email
        assert 0 < len(ct.shared_renders) < len(rowids) * 0.9
        assert not any(PLACEHOLDER_URL.encode() in eml for _, eml, _, _ in got)
        links = {j["html"].split('unsubscribe?t=')[1][:12] for j, *_ in got}
        assert len(links) == len(rowids)  # each email has its own customer's link


def test_every_starter_template_renders_the_same_shared_or_not(shop_path):
    with open_store(shop_path) as store:
        rowids = [r[0] for r in store.conn.execute("SELECT id FROM customers ORDER BY id LIMIT 60")]
        for name in sorted(p.name.split(".")[0] for p in starter_files()):
            try:
                expected = _emails(_unshared(store, name), name, rowids)
            except Exception as exc:  # noqa: BLE001 - a template refusing a customer: both must refuse
                with pytest.raises(type(exc)):
                    _emails(Renderer(store, DEFAULT_END), name, rowids)
                continue
            assert _emails(Renderer(store, DEFAULT_END), name, rowids) == expected, name


@pytest.mark.parametrize("body", [
    '<a href="{{ unsubscribe_url | lower }}">Unsubscribe</a>',       # a filter could tell links apart
    '{% if "7" in unsubscribe_url %}x{% endif %}<a href="{{ unsubscribe_url }}">u</a>',
    '<a href="{{ unsubscribe_url ~ "&x=1" }}">u</a>',
    '{{ customer.tags }} <a href="{{ unsubscribe_url }}">u</a>',      # tags: a list, fine to read ...
    '{{ customer }} <a href="{{ unsubscribe_url }}">u</a>',            # ... but the whole record is not keyed
    '{{ order }} <a href="{{ unsubscribe_url }}">u</a>',               # order: not a keyed name
])
def test_templates_that_use_the_link_or_more_are_not_shared(shop_path, tmp_path, body):
    import shutil

    path = tmp_path / "shop.db"
    shutil.copyfile(shop_path, path)
    with open_store(path) as store:
        save_template(store, f"---\nchannel: email\nsubject: Hi\nmarketing: true\n---\n{body}\n", name="probe")
        ct = Renderer(store, DEFAULT_END).compiled("probe")
        if "customer.tags" in body:
            assert ct.share_fields == ("tags",)  # shareable, but a list value never keys a render:
            r = Renderer(store, DEFAULT_END)
            r.render("probe", 1)
            assert r.compiled("probe").shared_renders == {}
        else:
            assert ct.share_fields is None


def test_a_link_html_would_escape_is_never_shared():
    from lifecycle_tui.messages.records import Record

    customer = Record("customer", {"first_name": "Ada"})
    plain = {"customer": customer, "unsubscribe_url": "https://shop.example/u?t=1-e-abc"}
    assert share_key(("first_name",), plain) == (("Ada",), None)
    for link in ("https://shop.example/u?a=1&t=1", 'https://shop.example/u?t="x"', "mailto:u@shop.example", None):
        assert share_key(("first_name",), {**plain, "unsubscribe_url": link}) is None
    # a printed value holding the placeholder itself would be rewritten too: not shared
    tricky = Record("customer", {"first_name": f"see {PLACEHOLDER_URL}"})
    assert share_key(("first_name",), {**plain, "customer": tricky}) is None
    product = Record("product", {"product_id": "p1", "title": PLACEHOLDER_URL})
    assert share_key(("first_name",), {**plain, "recommendations": [product]}) is None
    fine = Record("product", {"product_id": "p1", "title": "Tea"})
    assert share_key(("first_name",), {**plain, "recommendations": [fine]}) == (("Ada",), ("p1",))


def test_a_shared_render_cut_at_its_placeholder_gives_what_replace_gives():
    from lifecycle_tui.messages.memo import PLACEHOLDER_URL, personalised, split_at_placeholder

    texts = ("no link here", f"{PLACEHOLDER_URL}", f"<a href=\"{PLACEHOLDER_URL}\">x</a> ({PLACEHOLDER_URL})", "")
    link = "https://shop.example/u?t=1-e-abc"
    assert personalised(split_at_placeholder(texts), link) == tuple(t.replace(PLACEHOLDER_URL, link) for t in texts)
