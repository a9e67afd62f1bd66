"""Foundation tables: customers, consent, suppressions, products, orders, items, events, settings."""

SCHEMA = """
CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    customer_id   TEXT NOT NULL UNIQUE,      -- the shop's own id, else the lowercased email
    email         TEXT,
    email_norm    TEXT,                      -- lowercased, trimmed: the matching key
    phone         TEXT,
    first_name    TEXT,
    last_name     TEXT,
    birthday      TEXT,                      -- YYYY-MM-DD (or --MM-DD when the year is unknown)
    created_at    TEXT,                      -- UTC ISO-8601
    accepts_email INTEGER NOT NULL DEFAULT 0,
    accepts_sms   INTEGER NOT NULL DEFAULT 0,
    accepts_push  INTEGER NOT NULL DEFAULT 0,
    push_token    TEXT,
    timezone      TEXT,
    tags          TEXT NOT NULL DEFAULT '[]', -- JSON list of strings
    attributes    TEXT NOT NULL DEFAULT '{}', -- JSON object of unknown import columns
    updated_at    TEXT
);
CREATE INDEX customers_email_norm ON customers(email_norm);
CREATE INDEX customers_phone ON customers(phone);

CREATE TABLE consent_changes (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    old_value   INTEGER,
    new_value   INTEGER NOT NULL,
    source      TEXT NOT NULL,               -- file name, command or 'unsubscribe link'
    changed_at  TEXT NOT NULL
);
CREATE INDEX consent_changes_customer ON consent_changes(customer_id);

CREATE TABLE suppressions (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    value      TEXT NOT NULL,                -- lowercased email or normalised phone
    reason     TEXT NOT NULL DEFAULT 'manual', -- unsubscribe, bounce, complaint, manual
    source     TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (kind, value)
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    product_id  TEXT NOT NULL UNIQUE,        -- SKU or the shop's product id
    title       TEXT,
    price_cents INTEGER,
    currency    TEXT,
    url         TEXT,
    attributes  TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    order_id    TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    placed_at   TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'paid', -- paid, fulfilled, pending, cancelled, refunded
    attributes  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX orders_customer_placed ON orders(customer_id, placed_at);
CREATE INDEX orders_placed ON orders(placed_at);

CREATE TABLE order_items (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line        INTEGER NOT NULL,            -- position in the order, for stable re-imports
    product_id  INTEGER REFERENCES products(id),
    sku         TEXT,
    title       TEXT,
    quantity    INTEGER NOT NULL DEFAULT 1,
    price_cents INTEGER NOT NULL DEFAULT 0,
    UNIQUE (order_id, line)
);
CREATE INDEX order_items_product ON order_items(product_id);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT,                        -- the file's own id, when it has one
    event_key   TEXT NOT NULL UNIQUE,        -- event_id, else a digest of customer/type/time/properties
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    properties  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_customer_type_time ON events(customer_id, type, occurred_at);
CREATE INDEX events_type_time ON events(type, occurred_at);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,                -- JSON-encoded typed value
    updated_at TEXT NOT NULL
);
"""


def up(conn) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
