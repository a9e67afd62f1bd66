"""The one place that opens SQLite: connection, schema, migrations, settings and shared queries.

Everything else receives a :class:`Store` from :func:`open_store` and never calls
``sqlite3.connect`` itself.
"""

from lifecycle_tui.store.connection import (
    Store,
    StoreError,
    NotAStoreError,
    open_store,
    default_store_path,
)

__all__ = ["Store", "StoreError", "NotAStoreError", "open_store", "default_store_path"]
