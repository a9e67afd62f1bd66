"""Versioned schema migrations, recorded in the store's ``schema_migrations`` table.

Each migration is a module ``mNNNN_name.py`` in this package defining ``up(conn)``.
They are discovered by file name and applied in order, each in its own transaction.
A migration that rebuilds a table sets ``FOREIGN_KEYS_OFF = True``: it then runs with
foreign-key enforcement off (so dropping the old table does not cascade), and its
transaction commits only if ``PRAGMA foreign_key_check`` finds no row without its parent
that was not already so before.
A shipped migration is never edited: change the schema by adding the next number.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from types import ModuleType
from typing import Callable

_NAME = re.compile(r"^m(\d{4})_(\w+)$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: Callable
    foreign_keys_off: bool = False


def discover() -> list[Migration]:
    """Every migration module in this package, sorted by version."""
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        m = _NAME.match(info.name)
        if not m:
            continue
        module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(int(m.group(1)), m.group(2), module.up, getattr(module, "FOREIGN_KEYS_OFF", False)))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a version number: {versions}")
    return found


def applied_versions(conn) -> set[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def apply_migrations(store) -> list[int]:
    """Apply every pending migration; return the versions applied now."""
    conn = store.conn
    done = applied_versions(conn)
    applied: list[int] = []
    for mig in discover():
        if mig.version in done:
            continue
        if _apply(store, mig):
            applied.append(mig.version)
    return applied


def _apply(store, mig: Migration) -> bool:
    conn = store.conn
    # The pragma has no effect inside a transaction: set it before, restore it after.
    enforced = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    if mig.foreign_keys_off:
        conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with store.transaction():
            # Re-check inside the write lock: another process may have just migrated.
            if conn.execute("SELECT 1 FROM schema_migrations WHERE version=?", (mig.version,)).fetchone():
                return False
            # Rows already without their parent (say, deleted in another tool) are not this
            # migration's doing and must not stop it: only new violations do.
            before = _violations(conn) if mig.foreign_keys_off else set()
            mig.up(conn)
            if mig.foreign_keys_off and _violations(conn) - before:
                raise sqlite3.IntegrityError(f"migration {mig.version} ({mig.name}) would leave rows without their parent")
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (mig.version, mig.name, datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
        return True
    finally:
        if mig.foreign_keys_off:
            conn.execute(f"PRAGMA foreign_keys = {int(enforced)}")


def _violations(conn) -> set[tuple]:
    return {tuple(r) for r in conn.execute("PRAGMA foreign_key_check")}
