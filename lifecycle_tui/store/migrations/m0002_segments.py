"""Customer metrics (materialised per as_of), change tracking, stage/RFM history and saved segments.

``customer_metrics`` is a cache rebuilt by ``lifecycle_tui.segments.metrics.refresh_metrics``.
``metrics_state`` (one row) remembers what it was built from: the as_of, a fingerprint of the
source tables and settings, and ``generation``, a counter that the triggers below bump on every
UPDATE (of a column metrics read) or DELETE in customers, orders and events. Inserts are not
triggered (that would tax bulk imports): they show up as a new ``max(id)`` in the fingerprint.
"""

STATEMENTS = [
    """
    CREATE TABLE customer_metrics (
        customer_id           INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        as_of                 TEXT NOT NULL,     -- UTC ISO-8601 time the row was computed for
        orders                INTEGER NOT NULL,  -- counted orders (not cancelled/refunded) placed <= as_of
        revenue_cents         INTEGER NOT NULL,
        first_order_at        TEXT,
        last_order_at         TEXT,
        aov_cents             INTEGER,           -- revenue / orders, rounded; NULL without orders
        days_since_last_order INTEGER,           -- whole days elapsed (floor); NULL without orders
        stage                 TEXT NOT NULL,     -- Awareness .. Advocacy, At risk, Lapsed
        r                     INTEGER,           -- RFM scores 1-5 (5 best); NULL without orders
        f                     INTEGER,
        m                     INTEGER,
        rfm_segment           TEXT
    )
    """,
    "CREATE INDEX customer_metrics_stage ON customer_metrics(stage)",
    "CREATE INDEX customer_metrics_rfm ON customer_metrics(rfm_segment)",
    """
    CREATE TABLE metrics_state (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        as_of        TEXT,                       -- as_of of the rows in customer_metrics
        fingerprint  TEXT,                       -- source max(id)s + generation + settings digest
        generation   INTEGER NOT NULL DEFAULT 0, -- bumped by triggers on UPDATE/DELETE of sources
        recorded_as_of TEXT,                     -- latest as_of whose changes were recorded
        computed_at  TEXT,                       -- wall-clock time of the last refresh (information)
        seconds      REAL                        -- how long the last refresh took (information)
    )
    """,
    "INSERT INTO metrics_state (id, generation) VALUES (1, 0)",
    """
    CREATE TABLE segment_changes (
        id          INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('stage', 'rfm')),
        from_value  TEXT,                        -- NULL on the first ever refresh
        to_value    TEXT,                        -- NULL when a customer leaves RFM (no counted orders)
        changed_at  TEXT NOT NULL                -- the as_of of the refresh that saw the change
    )
    """,
    "CREATE INDEX segment_changes_customer ON segment_changes(customer_id, kind, changed_at)",
    "CREATE INDEX segment_changes_entered ON segment_changes(kind, to_value, changed_at)",
    # The last recorded stage/RFM segment per customer: the baseline that changes are measured
    # against. Kept apart from customer_metrics so that looking at a past as_of (which rebuilds
    # customer_metrics) never rewrites or duplicates the recorded history.
    """
    CREATE TABLE segment_baseline (
        customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        stage       TEXT,
        rfm_segment TEXT
    )
    """,
    """
    CREATE TABLE segments (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
        rule        TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    )
    """,
]

_BUMP = "UPDATE metrics_state SET generation = generation + 1 WHERE id = 1"

# Columns whose change alters metrics; customers only matter by existing (profile edits do not).
TRIGGER_COLUMNS = {
    "customers": "",
    "orders": "customer_id, placed_at, total_cents, status",
    "events": "customer_id, type, occurred_at, properties",
}


def _triggers() -> list[str]:
    out = []
    for table, columns in TRIGGER_COLUMNS.items():
        out.append(f"CREATE TRIGGER {table}_metrics_delete AFTER DELETE ON {table} BEGIN {_BUMP}; END")
        if columns:
            changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns.split(", "))
            out.append(
                f"CREATE TRIGGER {table}_metrics_update AFTER UPDATE OF {columns} ON {table} "
                f"WHEN {changed} BEGIN {_BUMP}; END"
            )
    return out


def up(conn) -> None:
    # Statements run one by one (not executescript, which would commit the migration's transaction).
    for statement in STATEMENTS + _triggers():
        conn.execute(statement)
