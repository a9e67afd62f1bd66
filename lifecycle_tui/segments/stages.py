"""Lifecycle stages: names in funnel order and the SQL that assigns them at an as_of.

Definitions (design brief, "Words"; thresholds are the ``stages.*`` settings):

- Awareness: known, no counted order and no activity within ``stages.activity_days``.
- Consideration: no counted order, but activity (any event other than ``subscribed`` /
  ``unsubscribed``) within ``stages.activity_days``.
- Purchase: exactly one counted order, last order at most ``stages.active_days`` ago.
- Retention: two or more counted orders, active.
- Advocacy: an active repeat buyer with, within ``stages.advocacy_days``, a ``referral_made``
  event, a ``review_submitted`` with ``rating`` >= ``stages.advocacy_min_review`` or an
  ``nps_response`` with ``score`` (or ``nps``) >= ``stages.advocacy_min_nps``.
- At risk: last order more than ``stages.active_days`` whole days ago.
- Lapsed: last order more than ``stages.lapsed_days`` whole days ago.

"Days ago" is the whole number of days elapsed (floor), the same number shown as
``days_since_last_order``: with the default 120, a last order 120 days and 23 hours ago is still
active, 121 days ago is At risk.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lifecycle_tui.store import settings
from lifecycle_tui.store.timeutil import to_iso

AWARENESS, CONSIDERATION, PURCHASE, RETENTION, ADVOCACY = (
    "Awareness", "Consideration", "Purchase", "Retention", "Advocacy",
)
AT_RISK, LAPSED = "At risk", "Lapsed"
# Funnel order, then the lapse states: the order `lifecycle stages` prints.
STAGES = (AWARENESS, CONSIDERATION, PURCHASE, RETENTION, ADVOCACY, AT_RISK, LAPSED)

# Events that say "this person knows us" rather than "this person is shopping".
NOT_ACTIVITY = ("subscribed", "unsubscribed")

STAGE_SETTINGS = (
    "stages.active_days", "stages.lapsed_days", "stages.activity_days", "stages.advocacy_days",
    "stages.advocacy_min_review", "stages.advocacy_min_nps",
)


def _any_event_of(kinds: tuple[tuple[str, str], ...], since: str) -> str:
    # One correlated EXISTS per event type, each a short range of events_customer_type_time
    # (customer_id, type, occurred_at). The CASE below asks it only of active repeat buyers (the
    # earlier WHENs take everyone else), ~14% of customers on the benchmark store. The former
    # non-correlated IN (subquery) built the set of every matching event's customer in the window
    # first: ~100k review events, each read from the table for its rating (0.3-0.5 s at 100k
    # customers, a quarter of the refresh).
    return "(" + " OR ".join(
        f"EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.type = '{kind}'"
        f" AND e.occurred_at > :{since} AND e.occurred_at <= :as_of{' AND ' + extra if extra else ''})"
        for kind, extra in kinds
    ) + ")"


def _any_activity(condition: str) -> str:
    # Correlated EXISTS through events_customer_type_time (customer_id, type, occurred_at), which
    # covers it: "any activity" matches most events, so a non-correlated IN-set would insert every
    # event of the window into a temporary index (measured 0.7 s CPU for 500k events), while this is one
    # short index range per customer without orders (0.1 s for 35k of them).
    return f"EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND {condition} AND e.occurred_at <= :as_of)"


def _score_at_least(keys: tuple[str, ...], param: str) -> str:
    # json_valid guards one malformed properties value from aborting the whole refresh.
    value = ", ".join(f"json_extract(e.properties, '$.{k}')" for k in keys)
    value = f"coalesce({value})" if len(keys) > 1 else value
    return f"json_valid(e.properties) AND CAST({value} AS REAL) >= :{param}"


def stage_case_sql(agg: str = "a") -> str:
    """A SQL CASE giving the stage of customer ``c`` from aggregate row ``agg`` (n, days).

    Named parameters: see :func:`stage_params`.
    """
    not_activity = ", ".join(f"'{t}'" for t in NOT_ACTIVITY)
    activity = _any_activity(f"e.type NOT IN ({not_activity}) AND e.occurred_at > :activity_since")
    advocacy = _any_event_of((
        ("referral_made", ""),
        ("review_submitted", _score_at_least(("rating",), "min_review")),
        ("nps_response", _score_at_least(("score", "nps"), "min_nps")),
    ), "advocacy_since")
    return f"""CASE
        WHEN {agg}.n IS NULL THEN CASE WHEN {activity} THEN '{CONSIDERATION}' ELSE '{AWARENESS}' END
        WHEN {agg}.days > :lapsed_days THEN '{LAPSED}'
        WHEN {agg}.days > :active_days THEN '{AT_RISK}'
        WHEN {agg}.n = 1 THEN '{PURCHASE}'
        WHEN {advocacy} THEN '{ADVOCACY}'
        ELSE '{RETENTION}'
    END"""


def stage_params(store, as_of: datetime) -> dict:
    """The named parameters of :func:`stage_case_sql` from the store's settings."""
    s = {key: settings.get(store, key) for key in STAGE_SETTINGS}
    return {
        "lapsed_days": s["stages.lapsed_days"],
        "active_days": s["stages.active_days"],
        "activity_since": to_iso(as_of - timedelta(days=s["stages.activity_days"])),
        "advocacy_since": to_iso(as_of - timedelta(days=s["stages.advocacy_days"])),
        "min_review": s["stages.advocacy_min_review"],
        "min_nps": s["stages.advocacy_min_nps"],
    }
