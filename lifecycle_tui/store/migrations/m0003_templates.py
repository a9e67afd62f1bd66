"""Message templates with their full version history (every save is a new version)."""

SCHEMA = """
CREATE TABLE templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    description TEXT,
    marketing   INTEGER NOT NULL DEFAULT 1,   -- 0: transactional (no unsubscribe needed)
    source      TEXT NOT NULL,                -- the whole template file: front matter + body
    version     INTEGER NOT NULL DEFAULT 1,   -- the current version
    origin      TEXT NOT NULL DEFAULT 'import', -- starter, import, edit, restore
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE template_versions (
    template_id INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    source      TEXT NOT NULL,
    origin      TEXT NOT NULL,
    note        TEXT,                         -- e.g. 'restored from version 2'
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (template_id, version)
);
"""


def up(conn) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
