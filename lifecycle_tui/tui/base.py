"""What every console section shares: store access from workers, reload on change, error display.

Screens subclass :class:`SectionScreen` and implement :meth:`SectionScreen.reload`. Data is
read in thread workers through :meth:`SectionScreen.run_db`, which opens a short-lived store
connection *in the worker thread* (sqlite connections are not shared across threads), runs a
domain function, and hands the result back to a callback on the UI thread. An exception in
the worker becomes an error notification with its message, never a traceback on screen.

When the store file changes (another process, or one of our own workers, commits), the app
bumps ``store_version``; the current section reloads at once, the others when next shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, get_current_worker

if TYPE_CHECKING:
    from lifecycle_tui.store import Store
    from lifecycle_tui.tui.app import LifecycleApp

T = TypeVar("T")
PROGRESS_OPS = 20_000  # SQLite VM steps between cancellation checks (microseconds of work)


def highlighted_key(table) -> str | None:
    """The row key (its value) under a DataTable's cursor; None for an empty table."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


class StoreChanged(Message):
    """The store file changed since the last look (``PRAGMA data_version`` moved)."""

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__()


def run_db(
    node,
    fn: Callable[["Store"], T],
    done: Callable[[T], Any] | None = None,
    *,
    group: str = "db",
    exclusive: bool = True,
    on_error: Callable[[BaseException], Any] | None = None,
) -> Worker:
    """Run ``fn(store)`` in a thread worker owned by ``node`` (a screen or widget).

    The store is opened in the worker and closed after ``fn`` returns. ``done(result)`` runs on
    the UI thread unless the worker was cancelled meanwhile (an ``exclusive`` worker of the same
    ``group`` started later cancels the older one, so a slow stale query never overwrites a
    fresh result). Errors go to ``on_error`` (on the UI thread), else to ``app.report_error``.
    """
    app = node.app

    def job() -> None:
        worker = get_current_worker()
        try:
            with app.open_store() as store:
                # A superseded or cancelled worker (or the app quitting) aborts its running query
                # at once instead of finishing a scan nobody will look at.
                store.conn.set_progress_handler(lambda: int(worker.is_cancelled or app.closing), PROGRESS_OPS)
                result = fn(store)
        except Exception as exc:  # shown to the user as a notification, not raised
            if not worker.is_cancelled:
                app.call_from_thread(on_error or app.report_error, exc)
            return
        if done is not None and not worker.is_cancelled:
            app.call_from_thread(done, result)

    return node.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False)


class SectionScreen(Screen):
    """Base of every section screen: header (shop + as-of), footer, data loading and refresh.

    Subclasses implement ``compose_body`` (the widgets between header and footer) and
    ``reload`` (start workers that read the store). ``reload`` runs on mount, whenever the
    store changes while the screen is shown, and on return to a screen that went stale.
    """

    SECTION: str = ""  # the section name shown in the header ("Customers")
    _stale = False
    _seen_version = 0  # the app's store_version this screen last acted on

    @property
    def lifecycle(self) -> "LifecycleApp":
        return self.app  # type: ignore[return-value]

    @property
    def as_of(self) -> datetime:
        return self.lifecycle.as_of

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def reload(self) -> None:
        """Read what the screen shows (start workers with :meth:`run_db`). Override."""

    def unsaved_changes(self) -> str | None:
        """What leaving the console now would lose ("the template welcome_1"), else None. Override
        in a section with an editor; the app asks before it quits."""
        return None

    def run_db(self, fn: Callable[["Store"], T], done: Callable[[T], Any] | None = None, **kw) -> Worker:
        """Run ``fn(store)`` in a thread worker; see :func:`run_db`."""
        return run_db(self, fn, done, **kw)

    def store_changed(self, version: int) -> None:
        """The store changed while this screen is shown. Default: :meth:`reload`.

        Override (plain method, not a handler) to skip reloads, e.g. during a long run.
        """
        self.reload()

    # Textual dispatches handlers of every class in the MRO: a subclass's own ``on_mount``
    # runs first, then this one. Subclasses need not (and should not) call super().
    def on_mount(self) -> None:
        # Read the version before watching it: Textual initialises a reactive lazily, on first
        # access, and that initialisation calls the watchers already registered with the
        # unchanged default. Without this the first screen got a spurious StoreChanged(0) just
        # after mounting and reloaded, cancelling the workers of its first load.
        self._seen_version = self.lifecycle.store_version
        self.watch(self.app, "store_version", self._store_moved, init=False)
        self.watch(self.app, "as_of", self._as_of_moved, init=True)
        self.reload()

    def _as_of_moved(self, old: datetime, new: datetime) -> None:
        self.sub_title = self.lifecycle.header_subtitle(self.SECTION)
        if old != new:
            self._changed(self.lifecycle.store_version)

    def _store_moved(self, version: int) -> None:
        if version == self._seen_version:  # not a change (see on_mount)
            return
        self._seen_version = version
        self._changed(version)

    def _changed(self, version: int) -> None:
        if self.is_current:
            self.post_message(StoreChanged(version))
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    def on_store_changed(self, message: StoreChanged) -> None:
        self.store_changed(message.version)
