"""The file format, templates in the store, versions, restore and seeding."""

from __future__ import annotations

import pytest

from lifecycle_tui.messages import (
    TemplateError, get_template, get_version, list_templates, list_versions, parse_source, restore_version, save_template,
)
from lifecycle_tui.messages.starter import seed_templates, starter_files

SMS = "---\nchannel: sms\nmarketing: false\n---\nYour order has shipped, {{ customer.first_name }}.\n"


def test_parse_email_with_text_part():
    src = parse_source("---\nchannel: email\nsubject: Hi\npreheader: Peek\n---\n\n<p>Hi</p>\n--- text ---\nHi there\n",
                       filename="hello.email.jinja")
    assert (src.name, src.channel, src.body, src.text_part) == ("hello", "email", "<p>Hi</p>", "Hi there")
    assert src.body_line == 7 and src.text_line == 9 and src.marketing is True
    assert src.meta["subject"] == "Hi" and src.field_lines["subject"] == 3


@pytest.mark.parametrize("text, line, words", [
    ("channel: sms\nHi", 1, "front matter"),
    ("---\nchannel: sms\nHi", 1, "not closed"),
    ("---\nchannel: fax\n---\nHi", 2, "channel"),
    ("---\nchannel: email\n---\n<p>x</p>", 2, "subject"),
    ("---\nchannel: sms\nsubjct: x\n---\nHi", 3, "unknown field"),
    ("---\nchannel: sms\nmarketing: maybe\n---\nHi", 3, "true or false"),
    ("---\nchannel: sms\nname: [x\n---\nHi", 3, "YAML"),
    ("---\nchannel: sms\n---\n\n", 4, "no body"),
    ("---\nchannel: sms\n---\nHi\n--- text ---\nx", 5, "only for email"),
    ("---\nchannel: push\ntitle: {{ shop.name }}\n---\nHi", 3, "in quotes"),
])
def test_parse_errors_name_line_and_reason(text, line, words):
    with pytest.raises(TemplateError) as err:
        parse_source(text, filename="bad.sms.jinja")
    assert err.value.line == line, err.value
    assert words in str(err.value)


def test_too_large_source_is_refused():
    with pytest.raises(TemplateError, match="KB"):
        parse_source("---\nchannel: sms\n---\n" + "x" * 70_000)


def test_save_versions_and_restore(store):
    first = save_template(store, SMS, name="shipped")
    assert first.created and first.template.version == 1
    again = save_template(store, SMS, name="shipped")
    assert not again.changed and again.template.version == 1
    edited = SMS.replace("shipped", "left our workshop")
    second = save_template(store, edited, name="shipped", origin="edit")
    assert second.changed and second.template.version == 2
    assert [v["version"] for v in list_versions(store, "shipped")] == [1, 2]
    assert get_version(store, "shipped", 1) == SMS
    restored = restore_version(store, "shipped", 1)
    assert restored.template.version == 3 and get_template(store, "shipped").source_text == SMS
    versions = list_versions(store, "shipped")
    assert versions[-1]["note"] == "restored from version 1" and versions[-1]["current"]
    with pytest.raises(TemplateError, match="no version 9"):
        get_version(store, "shipped", 9)


def test_save_refuses_bad_jinja_and_changes_nothing(store):
    save_template(store, SMS, name="shipped")
    with pytest.raises(TemplateError) as err:
        save_template(store, SMS.replace("}}.", "}.").replace("{{ customer", "{{ customer"), name="shipped")
    assert err.value.line == 5
    assert get_template(store, "shipped").version == 1


def test_init_seeds_every_starter_file(store):
    names = {t.name for t in list_templates(store)}
    assert len(starter_files()) >= 20
    assert names == {parse_source(p.read_text(), filename=p.name).name for p in starter_files()}


def test_seeding_is_idempotent_and_keeps_owner_edits(store):
    tpl = get_template(store, "welcome_1")
    edited = tpl.source_text.replace("Welcome, ", "Hello and welcome, ")
    save_template(store, edited, name="welcome_1", origin="edit")
    assert seed_templates(store) == 0
    assert get_template(store, "welcome_1").source_text == edited
    store.conn.execute("DELETE FROM templates WHERE name = 'winback_sms'")
    assert seed_templates(store) == 1
