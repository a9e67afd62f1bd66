"""Every starter template renders for every customer of a generated sample shop, and lints clean."""

from __future__ import annotations

import pytest

from lifecycle_tui.messages import Renderer, lint_all
from lifecycle_tui.messages.starter import starter_files
from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import resolve_as_of

sample = pytest.importorskip("lifecycle_tui.sample")


@pytest.fixture(scope="module")
def sample_shop(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    sample.generate_shop(path, customers=80, seed=11)
    store = open_store(path)
    yield store
    store.close()


def test_every_starter_renders_for_every_sample_customer(sample_shop):
    as_of = resolve_as_of(sample_shop, None)  # the sample's pinned clock
    renderer = Renderer(sample_shop, as_of)
    rowids = [r[0] for r in sample_shop.conn.execute("SELECT id FROM customers ORDER BY id")]
    names = sorted(p.name.split(".")[0] for p in starter_files())
    assert len(rowids) == 80 and len(names) >= 20
    channels = set()
    for name in names:
        for rowid in rowids:
            msg = renderer.render(name, rowid)  # raises TemplateError on any refusal
            channels.add(msg.channel)
            if msg.channel == "email":
                assert msg.to_eml_bytes().startswith(b"From: ")
    assert channels == {"email", "sms", "push"}


def test_starters_lint_clean_on_the_sample_shop(sample_shop):
    reports = lint_all(sample_shop, resolve_as_of(sample_shop, None))
    assert {r.template: [str(f) for f in r.errors] for r in reports if not r.ok} == {}
    assert max(len(r.rendered_for) for r in reports) >= 5  # several RFM segments were exercised
