"""The small sentence helpers: articles and counted nouns."""

from __future__ import annotations

import pytest

from lifecycle_tui.wording import counted, noun, sentence, with_article


@pytest.mark.parametrize("n, expected", [(0, "0 errors"), (1, "1 error"), (2, "2 errors"), (12345, "12,345 errors")])
def test_counted_puts_the_noun_in_the_number_the_count_asks_for(n, expected):
    assert counted(n, "error") == expected


def test_an_irregular_plural_is_given():
    assert counted(1, "reply", "replies") == "1 reply" and counted(3, "reply", "replies") == "3 replies"
    assert noun(1, "field") == "field" and noun(2, "field") == "fields"


def test_articles():
    assert with_article("email") == "an email" and with_article("push") == "a push"
    assert with_article("sms") == "an sms" and with_article("SMTP") == "an SMTP" and with_article("csv") == "a csv"


@pytest.mark.parametrize("text, expected", [
    ("0 failed", "0 failed."), ("0 failed.", "0 failed."), ("did you mean 'first_name'?", "did you mean 'first_name'?"),
    ("stop! ", "stop!"), ("", ""),
])
def test_sentence_ends_once(text, expected):
    assert sentence(text) == expected
