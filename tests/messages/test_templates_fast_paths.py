"""The render speed paths give exactly what the plain paths give.

- ``html_to_text`` with a line cache equals the one-pass conversion (also for tags, comments,
  hidden blocks and links broken across lines, and on a second, cached, pass), and its final
  tidying (whole-text passes) equals the line-by-line definition;
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


def _finish_line_by_line(out: list[str]) -> str:
    """The definition: each line stripped, space runs to one, at most one blank line in a row."""
    import re

    lines: list[str] = []
    blank = True
    for ln in "".join(out).split("\n"):
        ln = ln.strip()
        if not ln:
            if not blank:
                lines.append(ln)
                blank = True
            continue
        lines.append(re.sub(r"[ \t]{2,}", " ", ln))
        blank = False
    if lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def test_finish_equals_the_line_by_line_definition():
    from lifecycle_tui.messages.htmltext import _finish

    rng = random.Random(5)
    bits = ["a", "b c", " ", "  ", "\t", "\n", "\n\n", "\n \n", "\u00a0", "\u2028", "\r", "x\ty", " \t ", ""]
    for _ in range(5000):
        out = [rng.choice(bits) for _ in range(rng.randint(0, 12))]
        assert _finish(out) == _finish_line_by_line(out), repr(out)


def test_cached_html_to_text_with_a_personal_url_equals_one_pass():
    # The footer's unsubscribe link differs per customer: its line is cached with a placeholder.
    rng = random.Random(11)
    urls = [f"https://x.example/u?t={n}-e-Ab_c" for n in range(40)] + ["https://x.example/u?a=1&t=9", "mailto:u@x.example"]
    extra = ['<a href="{u}">', '<a href="{u}" style="c">Unsubscribe</a>', "{u}", '<a href="{u}">{u}</a>',
             '<a href="{u}x">', "href=\"{u}\"", "<div style='{u}'>", '<img alt="{u}">', '&amp<a href="{u}">']
    cache: dict = {}
    docs = ["".join(rng.choice(PIECES + extra) for _ in range(rng.randint(1, 30))) for _ in range(1500)]
    for _ in range(2):
        for doc in docs:
            for url in rng.sample(urls, 3):
                filled = doc.replace("{u}", url)
                assert html_to_text(filled, cache, url) == html_to_text(filled), repr(filled)
    footer = '<p>Bye<br><a href="{u}" style="color:#888;">Unsubscribe</a> with one click.</p>'
    for url in urls[:3]:
        assert html_to_text(footer.replace("{u}", url), cache, url).endswith(f"Unsubscribe ({url}) with one click.\n")
    assert any("zzPersonalUrlzz" in k for k in cache if isinstance(k, str))  # the placeholder path was taken


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


def test_fields_read_finds_plain_field_reads_only():
    from lifecycle_tui.messages.render import fields_read
    from lifecycle_tui.messages.sandbox import environments

    env = environments()[True]
    read = {src: fields_read(env.parse(src), "customer") for src in (
        '{{ customer.first_name }} {{ customer["email"] }} {{ customer.attributes.vip }}',
        "{% macro m() %}{{ customer.rfm.segment }}{% endmacro %}{{ m() }}",
        "{{ customer }}", "{{ customer | first_name_or }}", "{% for k in customer %}{% endfor %}", "{{ customer[k] }}",
        "{% set c = customer %}{{ c.tags }}", "{% macro m(customer) %}{{ customer.x }}{% endmacro %}",
    )}
    assert list(read.values()) == [{"first_name", "email", "attributes"}, {"rfm"}, None, None, None, None, None, None]


def test_partial_customer_record_renders_as_the_full_one(shop_ro):
    # A template reading a few customer fields gets a record of just those (plus what rendering
    # needs); every field read gives what the full record gives, and a misspelt field still fails.
    from lifecycle_tui.messages.context_schema import RECORD_FIELDS
    from lifecycle_tui.messages.errors import TemplateError
    from lifecycle_tui.messages.source import parse_source

    every = " ".join(f"{{{{ customer.{f} }}}}" for f in RECORD_FIELDS["customer"])
    for body in (every, "{{ customer.tags | join(',') }} {{ customer.rfm.segment if customer.rfm }}", "{{ customer }}"):
        parsed = parse_source(f"---\nchannel: sms\nmarketing: false\n---\n{body}\n", name="probe")
        r = Renderer(shop_ro, AS_OF)
        ct = r.compile(parsed)
        assert (ct.customer_fields is None) == (body == "{{ customer }}")
        full = r.compile(parsed)
        full.customer_fields = None
        for rowid, *_ in CUSTOMERS:
            assert r.render_compiled(ct, rowid, check=False).fields == r.render_compiled(full, rowid, check=False).fields
    typo = r.compile(parse_source("---\nchannel: sms\nmarketing: false\n---\n{{ customer.frist_name }}\n", name="t"))
    try:
        r.render_compiled(typo, 1)
    except TemplateError as exc:
        assert "customer has no field 'frist_name'" in str(exc)
    else:
        raise AssertionError("a misspelt field rendered")
