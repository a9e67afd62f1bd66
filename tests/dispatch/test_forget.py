"""Forgetting a customer: their rows go (cascade), their outbox files go, the suppression list stays."""

from __future__ import annotations

import pytest
from dispatch_helpers import AS_OF, add_customers, lock_held_by_another_run, make_plan

from lifecycle_tui.automation.dispatcher import run_plan
from lifecycle_tui.automation.forget import ForgetError, forget_customer, what_forget_removes
from lifecycle_tui.automation.runlock import DispatchBusyError
from lifecycle_tui.automation.suppression import suppress
from lifecycle_tui.automation.transports.outbox import outbox_dir

PER_CUSTOMER = ("orders", "events", "messages", "consent_changes", "segment_changes")


def rows_of(store, rowid: int) -> dict[str, int]:
    return {t: store.scalar(f"SELECT count(*) FROM {t} WHERE customer_id = ?", (rowid,)) for t in PER_CUSTOMER}


def give_history(store, rowid: int) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency, status) "
                     "VALUES (?, ?, '2026-05-01T10:00:00+00:00', 1250, 'EUR', 'paid')", (f"O{rowid}", rowid))
        order = conn.execute("SELECT id FROM orders WHERE order_id = ?", (f"O{rowid}",)).fetchone()[0]
        conn.execute("INSERT INTO order_items (order_id, line, title, quantity, price_cents) VALUES (?, 1, 'Mug', 2, 625)",
                     (order,))
        conn.execute("INSERT INTO events (event_key, customer_id, type, occurred_at, properties) "
                     "VALUES (?, ?, 'product_viewed', '2026-05-02T10:00:00+00:00', '{}')", (f"e{rowid}", rowid))


def test_forget_removes_the_customer_their_history_and_their_outbox_files_only(store):
    (gone, gone_id), (kept, kept_id) = add_customers(store, 2)
    for rowid in (gone, kept):
        give_history(store, rowid)
    run_plan(store, make_plan([(gone, gone_id), (kept, kept_id)]), "outbox")
    run_plan(store, make_plan([(gone, gone_id)], channel="sms", rule="winback"), "outbox")
    folder = outbox_dir(store)
    assert len(list(folder.iterdir())) == 3
    kept_before = rows_of(store, kept)

    ahead = what_forget_removes(store, gone_id)
    assert ahead.removed == {"orders": 1, "order_items": 1, "events": 1, "messages": 2, "consent_changes": 0,
                             "stage_and_segment_changes": 0}
    assert store.scalar("SELECT count(*) FROM customers") == 2  # counting wrote nothing

    report = forget_customer(store, gone_id, at=AS_OF)
    assert report.removed == ahead.removed and report.files_removed == 2 and report.files_left == []
    assert store.scalar("SELECT count(*) FROM customers WHERE id = ?", (gone,)) == 0
    assert set(rows_of(store, gone).values()) == {0}
    assert store.scalar("SELECT count(*) FROM order_items") == 1
    assert rows_of(store, kept) == kept_before
    assert [p.name for p in folder.iterdir()] == [p.name for p in folder.iterdir() if kept_id in p.name]
    assert report.describe() == f"customer {gone_id} with 1 order, 1 order item, 1 event, 2 message records"
    assert report.what_goes().endswith("2 message records, and their outbox files")


def test_a_file_the_outbox_did_not_write_is_left_alone(store, tmp_path):
    [(rowid, cid)] = add_customers(store, 1)
    run_plan(store, make_plan([(rowid, cid)]), "outbox")
    other = tmp_path / "invoice.pdf"
    other.write_text("not ours")
    store.conn.execute("UPDATE messages SET path = ?", (str(other),))
    assert forget_customer(store, cid, at=AS_OF).files_removed == 0
    assert other.read_text() == "not ours"


def test_by_email_only_when_one_customer_has_it(store):
    customers = add_customers(store, 3)
    assert forget_customer(store, "C1@Example.com ", at=AS_OF).customer_id == customers[0][1]
    store.conn.execute("UPDATE customers SET email = 'shared@example.com', email_norm = 'shared@example.com'")
    with pytest.raises(ForgetError, match=r"more than one customer \(c0002, c0003\)"):
        forget_customer(store, "shared@example.com", at=AS_OF)
    with pytest.raises(ForgetError, match="no customer 'nobody'"):
        what_forget_removes(store, "nobody")
    assert store.scalar("SELECT count(*) FROM customers") == 2


def test_suppression_list_is_kept_and_with_suppress_their_contacts_are_added(store):
    (a, a_id), (b, b_id) = add_customers(store, 2)
    suppress(store, "c1@example.com", "unsubscribed", at=AS_OF)
    first = forget_customer(store, a_id, at=AS_OF)
    assert first.suppressed_before == ["c1@example.com"] and first.suppressed_now == []
    assert store.scalar("SELECT count(*) FROM suppressions") == 1
    second = forget_customer(store, b_id, at=AS_OF, suppress=True)
    assert second.suppressed_now == ["c2@example.com", "+49151000002"]
    reasons = {r[0]: r[1] for r in store.conn.execute("SELECT value, reason FROM suppressions")}
    assert reasons == {"c1@example.com": "unsubscribed", "c2@example.com": "forgotten", "+49151000002": "forgotten"}


def test_refused_while_a_dispatch_run_holds_the_store(store, db_path):
    [(rowid, cid)] = add_customers(store, 1)
    with lock_held_by_another_run(db_path):
        with pytest.raises(DispatchBusyError):
            forget_customer(store, cid, at=AS_OF)
    assert store.scalar("SELECT count(*) FROM customers") == 1


def test_metrics_are_recomputed_without_them(store):
    from lifecycle_tui.segments import ensure_metrics

    customers = add_customers(store, 2)
    for rowid, _ in customers:
        give_history(store, rowid)
    ensure_metrics(store, AS_OF)
    assert store.scalar("SELECT count(*) FROM customer_metrics WHERE orders = 1") == 2
    forget_customer(store, customers[0][1], at=AS_OF)
    ensure_metrics(store, AS_OF)
    assert store.scalar("SELECT count(*) FROM customer_metrics WHERE orders = 1") == 1
