"""Channel rules: SMS encoding and segments, push limits, the email message on the wire."""

from __future__ import annotations

import email
from datetime import datetime, timezone
from email import policy

import pytest

from lifecycle_tui.messages import email_message, push, sms
from lifecycle_tui.messages.htmltext import html_to_text, wrap_html


@pytest.mark.parametrize("text, encoding, segments", [
    ("a" * 160, "GSM-7", 1),
    ("a" * 161, "GSM-7", 2),
    ("a" * 306, "GSM-7", 2),
    ("a" * 307, "GSM-7", 3),
    ("a" * 159 + "€", "GSM-7", 2),   # € counts twice: 161 units
    ("a" * 158 + "{", "GSM-7", 1),   # 160 units exactly
    ("a" * 152 + "{" + "a" * 8, "GSM-7", 2),  # the escape pair is not split across parts
    ("a" * 70, "GSM-7", 1),
    ("ä" * 160, "GSM-7", 1),         # ä is in the GSM-7 basic table
    ("ë" * 70, "UCS-2", 1),
    ("ë" * 71, "UCS-2", 2),
    ("a" * 68 + "😀", "UCS-2", 1),   # the emoji is two UTF-16 units: 70
    ("a" * 69 + "😀", "UCS-2", 2),   # 71 units
    ("", "GSM-7", 0),
])
def test_sms_segments(text, encoding, segments):
    info = sms.analyse(text)
    assert (info.encoding, info.segments) == (encoding, segments)


def test_sms_units_count_extension_chars_twice():
    assert sms.analyse("^{}\\[~]|€\f").units == 20
    assert sms.analyse("a😀").units == 3


def test_sms_split_keeps_escape_pairs_whole():
    # 152 plain + '{' (2 units) = 154 > 153, so '{' starts part two: 2 parts, not 3.
    assert sms.analyse("a" * 152 + "{" + "a" * 151).segments == 2
    assert sms.analyse("a" * 152 + "{" + "a" * 152).segments == 3


def test_sms_checks():
    _, errors, warnings = sms.check("Hi! New tea is in.", marketing=True)
    assert any("STOP" in e for e in errors)
    _, errors, _ = sms.check("Your parcel has shipped.", marketing=False)
    assert errors == []
    _, errors, warnings = sms.check("a" * 200 + " Reply STOP to opt out", marketing=True)
    assert errors == [] and any("2 segments" in w for w in warnings)
    _, errors, _ = sms.check("a" * 1600, marketing=False)
    assert any("limit is 10" in e for e in errors)


def test_push_limits():
    payload = push.payload_for(to="tok", title="T" * 60, body="B" * 200, url=None, template="x", customer_id="C1")
    errors, warnings = push.check("T" * 60, "B" * 200, push.payload_bytes(payload))
    assert errors == [] and len(warnings) == 2
    big = push.payload_for(to="tok", title="T", body="€" * 1500, url=None, template="x", customer_id="C1")
    errors, _ = push.check("T", "€" * 1500, push.payload_bytes(big))
    assert any("4096" in e for e in errors)


def _eml(url: str, seed: str = "k") -> bytes:
    return email_message.build_eml(
        subject=("Ein schöner Tag bei Kettle & Kiln " * 3).strip(), from_name="Mara at Kettle & Kiln", from_email="hello@kk.example",
        to_name="Zoë Ålund", to_email="zoe@example.com", text="Hallo Zoë\n", html="<p>Hallo Zoë</p>",
        date=datetime(2026, 6, 30, 12, tzinfo=timezone.utc), seed=seed, unsubscribe_url=url, marketing=True,
    )


def test_email_parses_back_with_long_unsubscribe_url():
    url = "https://kettleandkiln.example/unsubscribe?t=" + "x" * (150 - 44)
    assert len(url) == 150
    raw = _eml(url)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["List-Unsubscribe"] == f"<{url}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Hallo Zoë\n"
    assert msg.get_body(("html",)).get_content().strip() == "<p>Hallo Zoë</p>"
    assert msg["To"].addresses[0].display_name == "Zoë Ålund"
    assert msg["Subject"] == ("Ein schöner Tag bei Kettle & Kiln " * 3).strip()
    assert msg["Date"] and msg["Message-ID"].endswith("@kk.example>")


def test_email_bytes_are_stable_and_keyed():
    assert _eml("https://x.example/u?t=1") == _eml("https://x.example/u?t=1")
    assert _eml("https://x.example/u?t=1", seed="a") != _eml("https://x.example/u?t=1", seed="b")


def test_html_to_text():
    text = html_to_text('<style>p{}</style><h1>Hi</h1><p>Read <a href="https://x.example/a">the story</a>.</p>'
                        "<ul><li>One</li><li>Two</li></ul><p>A&amp;B<br>next</p>")
    assert text == "Hi\n\nRead the story (https://x.example/a).\n\n- One\n- Two\n\nA&B\nnext\n"


def test_layout_wraps_fragments_and_hides_the_preheader():
    html = wrap_html("<p>Body</p>", title="Subject", preheader="Peek")
    assert html.startswith("<!doctype html>") and "<p>Body</p>" in html and "Peek" in html
    assert "Peek" not in html_to_text(html)
    full = wrap_html("<html><body><p>x</p></body></html>", title="S", preheader="Peek")
    assert full.index("Peek") > full.index("<body>")


def test_layout_is_filled_in_exactly_as_its_template_says():
    # The layout's head is filled in once per subject and preheader (cached): same document.
    import html as htmlmod

    from lifecycle_tui.messages.htmltext import LAYOUT, preheader_block

    for body in ["<p>x</p>", "  <p>{title}</p>\n", "\u00a0<p>Grüße</p>\t", ""]:
        for title, pre in [("A & B", "peek"), ("{body}", ""), ("t", "<b>")]:
            expected = LAYOUT.format(title=htmlmod.escape(title), preheader=preheader_block(pre), body=body.strip())
            assert wrap_html(body, title=title, preheader=pre) == expected


@pytest.mark.parametrize("subject", [
    "Short", "word " * 40, "Zoë, your basket at Kettle & Kiln is waiting — 3 items · €64.00 " * 3,
    "A" * 120, "emoji 😀 subject",
])
@pytest.mark.parametrize("body", [
    "plain\n", "line with trailing spaces   \n.\nFrom here\n" + "long " * 60 + "\n", "Grüße € 😀\n\tTabbed\n",
])
def test_email_writer_round_trips(subject, body):
    raw = email_message.build_eml(
        subject=subject.strip(), from_name="Mara (Kettle & Kiln)", from_email="hello@kk.example", to_name="Zoë",
        to_email="zoe@example.com", text=body, html=f"<p>{body}</p>", date=datetime(2026, 6, 30, tzinfo=timezone.utc),
        seed="s", unsubscribe_url=None, marketing=False,
    )
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == " ".join(subject.split())
    assert msg["From"].addresses[0].display_name == "Mara (Kettle & Kiln)"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == body
    assert not msg.defects and all(not part.defects for part in msg.walk())
