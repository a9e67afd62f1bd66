"""Event types however an export spells them, and the review and NPS values the stages read."""

from __future__ import annotations

import hashlib
import json

import pytest
from import_helpers import snapshot

from lifecycle_tui.importers import ImportRefused
from lifecycle_tui.importers.batch import dump


def _events(tmp_path, rows: str):
    p = tmp_path / "e.csv"
    p.write_text("customer_id,type,occurred_at,rating,score\n" + rows)
    return p


def test_event_types_are_read_in_the_names_rules_and_stages_use(tmp_path, store, run_import):
    run_import(_events(tmp_path, (
        "C1,Review Submitted,2025-05-01,5,\n"
        "C1,nps-response,2025-05-02,,9\n"
        "C1,  PRODUCT_VIEWED ,2025-05-03,,\n"
    )), "events")
    types = [r[0] for r in store.conn.execute("SELECT type FROM events ORDER BY occurred_at")]
    assert types == ["review_submitted", "nps_response", "product_viewed"]


def test_an_event_stored_before_types_were_normalised_is_found_again_and_renamed(tmp_path, store, run_import):
    run_import(_events(tmp_path, "C1,product_viewed,2025-05-01,,\n"), "events")  # makes customer C1
    cust = store.scalar("SELECT id FROM customers WHERE customer_id = 'C1'")
    # What an earlier version stored for "Review Submitted": the type lowercased, its digest over that.
    props = {"rating": "5"}
    old_key = "sha1:" + hashlib.sha1(dump(["C1", "review submitted", "2025-05-02T00:00:00+00:00", props]).encode()).hexdigest()
    with store.transaction():
        store.conn.execute(
            "INSERT INTO events (event_key, customer_id, type, occurred_at, properties) VALUES (?, ?, ?, ?, ?)",
            (old_key, cust, "review submitted", "2025-05-02T00:00:00+00:00", json.dumps(props)),
        )
    report = run_import(_events(tmp_path, "C1,Review Submitted,2025-05-02,5,\n"), "events")
    assert (report.inserted, report.updated) == (0, 1)  # the same event, its type now the one stages read
    assert store.scalar("SELECT type FROM events WHERE event_key = ?", (old_key,)) == "review_submitted"
    again = run_import(_events(tmp_path, "C1,Review Submitted,2025-05-02,5,\n"), "events")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("row, column, reason", [
    ("C1,review_submitted,2025-05-01,five,", "rating", "'five' is not a number from 0 to 5"),
    ("C1,Review Submitted,2025-05-01,50,", "rating", "'50' is not a number from 0 to 5"),
    ("C1,nps_response,2025-05-01,,11", "score", "'11' is not a number from 0 to 10"),
    ("C1,nps_response,2025-05-01,,-1", "score", "'-1' is not a number from 0 to 10"),
])
def test_a_rating_or_nps_score_out_of_range_is_a_bad_row(tmp_path, store, run_import, row, column, reason):
    before = snapshot(store)
    with pytest.raises(ImportRefused, match=f"line 2, column '{column}': {reason}"):
        run_import(_events(tmp_path, row + "\n"), "events")
    assert snapshot(store) == before


def test_ratings_as_shops_write_them_are_taken(tmp_path, store, run_import):
    report = run_import(_events(tmp_path, (
        "C1,review_submitted,2025-05-01,\"4,5\",\n"
        "C1,review_submitted,2025-05-02,0,\n"
        "C1,review_submitted,2025-05-03,,\n"  # a review without a rating
        "C1,product_viewed,2025-05-04,five,\n"  # other events' properties are the shop's own
    )), "events")
    assert report.inserted == 4


def test_a_score_inside_the_properties_column_is_checked_there(tmp_path, store, run_import):
    p = tmp_path / "e.jsonl"
    p.write_text('{"customer_id": "C1", "type": "nps_response", "occurred_at": "2025-05-01", "properties": {"score": 12}}\n')
    with pytest.raises(ImportRefused, match="column 'properties': 12 is not a number from 0 to 10"):
        run_import(p, "events")
