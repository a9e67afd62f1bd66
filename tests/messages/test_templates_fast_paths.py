"""The render speed paths give exactly what the plain paths give.

- ``html_to_text`` with a line cache equals the one-pass conversion (also for tags, comments,
  hidden blocks and links broken across lines, and on a second, cached, pass);
- ``Renderer.prefetch`` (customers read in set-based chunks) gives the same messages as
  rendering customer by customer;
- a part reading only shop-wide names is rendered once per renderer, and a part that reads the
  customer is not.
"""

from __future__ import annotations

import random

from lifecycle_tui.messages import Renderer, save_template
from lifecycle_tui.messages.htmltext import html_to_text
from lifecycle_tui.messages.starter import starter_files
from tests.messages.conftest import AS_OF, CUSTOMERS

PIECES = ["<p>", "</p>", '<a href="https://x.example/a">', "</a>", "<a href='q'\n>", "text ", "\n", "  ", "&amp;",
          "&#84", "<br>", "<li>", '<div style="display: none">', "</div>", "<div>", "<style>", "</style>",
          "<!-- c\n -->", "<!-- d -->", "a < b", '<img alt="A\n B">', "<td>", "<h1>", "</h1>", "x\u2028y", "\t",
          '<a href="x\ny">', "https://x.example/a", "<head>", "</head>", ">", "'", '"', "\u00a0"]


def test_cached_html_to_text_equals_one_pass():
    rng = random.Random(7)
    cache: dict = {}
    docs = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    for _ in range(2):  # the second pass reads lines from the cache
        for doc in docs:
            assert html_to_text(doc, cache) == html_to_text(doc), repr(doc)
    assert cache  # the cache was used


def test_cached_html_to_text_on_an_email_with_links_and_hidden_blocks():
    doc = ('<div style="display:none">\nhidden\n</div>\n<p>Hi <a href="https://x.example/n">\nour news</a></p>\n'
           "<ul>\n<li>One</li>\n<li>Two</li>\n</ul>\n<p>Bye</p>")
    cache: dict = {}
    first = html_to_text(doc, cache)
    assert first == html_to_text(doc) == html_to_text(doc, cache)
    assert "hidden" not in first and "our news (https://x.example/n)" in first


def _emails(renderer, names, prefetch):
    if prefetch:
        renderer.prefetch([c[0] for c in CUSTOMERS])
    out = []
    for name in names:
        for rowid, *_ in CUSTOMERS:
            msg = renderer.render(name, rowid, {"dedupe_key": f"{name}/{rowid}"})
            out.append((msg.to_json(), msg.to_eml_bytes() if msg.channel == "email" else msg.to_payload()))
    return out


def test_prefetched_renders_equal_one_by_one(shop_ro, monkeypatch):
    from lifecycle_tui.messages import context as ctxmod

    names = sorted(p.name.split(".")[0] for p in starter_files())
    plain = _emails(Renderer(shop_ro, AS_OF), names, prefetch=False)
    monkeypatch.setattr(ctxmod, "PREFETCH_CHUNK", 2)  # several chunks, and customers in more than one
    fast = Renderer(shop_ro, AS_OF)
    assert _emails(fast, names, prefetch=True) == plain
    assert fast.context._chunks == [[1, 2], [3, 4], [5]]


def test_shop_wide_parts_render_once(shop):
    save_template(shop, "---\nchannel: email\nsubject: \"News from {{ shop.name }}\"\nmarketing: false\n---\n"
                        "<p>Hi {{ customer.first_name }}</p>\n", name="probe")
    r = Renderer(shop, AS_OF)
    ct = r.compiled("probe")
    assert ct.shared == {"subject"}
    subjects = {r.render("probe", rowid).fields["subject"] for rowid, *_ in CUSTOMERS}
    assert subjects == {"News from Kettle & Kiln"} and ct.shared_text == {"subject": "News from Kettle & Kiln"}
    assert {r.render("probe", rowid).fields["text"] for rowid in (1, 2)} == {"Hi anna\n", "Hi Ben\n"}
