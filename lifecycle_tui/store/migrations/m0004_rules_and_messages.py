"""Rules (with versions), dispatch runs and the record of every message claimed or sent."""

SCHEMA = """
CREATE TABLE rules (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    enabled     INTEGER NOT NULL DEFAULT 1,
    priority    INTEGER NOT NULL DEFAULT 50,   -- higher wins when rules collide in a run
    definition  TEXT NOT NULL,                 -- JSON: trigger, filter, steps, exits, re-entry, catch-up
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE rule_versions (
    rule_id     INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    priority    INTEGER NOT NULL,
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (rule_id, version)
);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    as_of       TEXT NOT NULL,
    who         TEXT NOT NULL,                 -- OS user that started the run
    transport   TEXT NOT NULL,
    rule_filter TEXT,                          -- --rule NAME, or NULL for all rules
    status      TEXT NOT NULL DEFAULT 'running', -- running, done, stopped, failed
    sent        INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    deferred    INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    note        TEXT
);

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER REFERENCES runs(id),
    rule         TEXT NOT NULL,
    step         INTEGER NOT NULL,             -- 1-based step of the rule
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    template     TEXT NOT NULL,
    trigger_key  TEXT NOT NULL,                -- the trigger instance (a cart, a lapse, a birthday year)
    dedupe_key   TEXT NOT NULL UNIQUE,         -- rule/step/customer/trigger: claimed before sending
    status       TEXT NOT NULL,                -- claimed, sent, failed, unknown
    reason       TEXT,                         -- failure reason
    path         TEXT,                         -- outbox file, where the transport wrote one
    due_at       TEXT NOT NULL,
    claimed_at   TEXT NOT NULL,
    sent_at      TEXT                          -- the plan's as_of time when sent (counts for caps)
);
CREATE INDEX messages_customer_channel_sent ON messages(customer_id, channel, sent_at);
CREATE INDEX messages_run ON messages(run_id);
CREATE INDEX messages_rule_customer ON messages(rule, customer_id);
"""


def up(conn) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
