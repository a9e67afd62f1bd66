"""Console benchmark on the big store (100k customers): time to first paint of Dashboard and
Customers, page and search times, and memory after scrolling to the end of Customers.

Headless (``App.run_test``) at 120x36, as of the big store's pinned clock. Targets: first paint
under 1 s, memory under 250 MB. Prints figures; asserts nothing. The store is only read (its
metrics were computed for this as-of when it was built; if not, the first run computes them).

    .venv/bin/python bench/tui_bench.py [--store PATH] [--no-scroll]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.data import AS_OF, big_store  # noqa: E402
from lifecycle_tui.store import open_store  # noqa: E402
from lifecycle_tui.store.browse import CustomerQuery, count_customers, customer_page  # noqa: E402
from lifecycle_tui.tui.app import LifecycleApp  # noqa: E402

SIZE = (120, 36)


def rss_mb() -> float:
    """Resident memory now (MB), from /proc; falls back to the peak from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def wait_for(pilot, condition, timeout: float = 120.0) -> float:
    """Seconds until ``condition()`` holds (checked every 5 ms), then one repaint.

    The check sleeps with plain ``asyncio.sleep``: ``pilot.pause`` waits for every widget's
    queue and forces a full screen update, and doing that 200 times a second took the GIL
    from the workers being timed (it doubled the Dashboard's first paint). Not for timing a
    paint: the final ``pilot.pause`` also waits for the process to go idle, up to 1 s (see
    :class:`PaintClock`).
    """
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the console did not get there in time")
        await asyncio.sleep(0.005)
    await pilot.pause()
    return time.perf_counter() - started


def _holds(condition) -> bool:
    try:
        return bool(condition())
    except Exception:  # e.g. the screen asked about is not composed yet
        return False


class PaintClock:
    """Times paints: the moments the screen's compositor hands an update to the driver.

    Textual renders what changed into a ``CompositorUpdate`` and passes it to
    ``App._display`` (headless, the driver drops it instead of writing it to a terminal), so a
    ``_display`` call after the figures were set is the moment they are on screen. This is
    what "first paint" means here.

    It replaces timing with ``wait_for`` (condition, then ``pilot.pause()``): ``pilot.pause``
    ends with Textual's ``wait_for_idle``, which waits until the *process* uses little CPU, for
    at most 1 s. While the Dashboard's sales scan and dry run work in their threads the process
    is never idle, so every "first paint" measured that way carried a full second of waiting
    (the unexplained 1.5 s gap of the earlier runs: ~1 s of this plus the start-up).
    """

    def __init__(self, app) -> None:
        self._waiting: list[list] = []  # [condition, perf_counter of the first paint it held at]
        display = app._display

        def timed_display(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is None or app._batch_count:  # nothing painted
                return
            now = None
            for waiter in self._waiting:
                if waiter[1] is None and _holds(waiter[0]):
                    waiter[1] = now = now or time.perf_counter()

        app._display = timed_display

    def expect(self, condition) -> list:
        """Start watching paints for ``condition`` (before doing what should lead to it)."""
        waiter = [condition, None]
        self._waiting.append(waiter)
        return waiter

    async def wait(self, waiter: list, timeout: float = 120.0):
        """The ``time.perf_counter()`` of the first paint since :meth:`expect` at which the condition held."""
        started = time.perf_counter()
        try:
            while waiter[1] is None:
                if time.perf_counter() - started > timeout:
                    raise TimeoutError("the console did not paint that in time")
                await asyncio.sleep(0.005)
        finally:
            self._waiting.remove(waiter)
        return waiter[1]

    async def painted(self, condition, after=None, timeout: float = 120.0):
        """:meth:`wait` for ``condition``, watching from before ``after`` (an awaitable: a key press) runs."""
        waiter = self.expect(condition)
        if after is not None:
            await after
        return await self.wait(waiter, timeout)


def idle(app, group: str) -> bool:
    return not any(w.group == group and not w.is_finished for w in app.workers)


async def run_console(path: Path, scroll: bool) -> dict:
    figures: dict = {}
    started = time.perf_counter()
    app = LifecycleApp(path, as_of=AS_OF)
    clock = PaintClock(app)
    dash_painted = clock.expect(lambda: app.screen.figures is not None)
    async with app.run_test(size=SIZE) as pilot:
        figures["app started (s)"] = time.perf_counter() - started
        say = lambda key: print(f"  {key:<42} {figures[key]:,.3f}", flush=True)  # noqa: E731
        say("app started (s)")
        dash = app.screen
        figures["dashboard first paint (s)"] = await clock.wait(dash_painted) - started
        say("dashboard first paint (s)")
        figures["dashboard sales chart (s)"] = await clock.painted(lambda: dash.sales is not None) - started
        say("dashboard sales chart (s)")
        figures["dashboard dry-run summary (s)"] = (
            await clock.painted(lambda: dash.plan_summary is not None, timeout=600) - started)
        say("dashboard dry-run summary (s)")
        await wait_for(pilot, lambda: idle(app, "dash-plan"))

        t0 = time.perf_counter()
        table = lambda: app.screen.query_one("#customers-table")  # noqa: E731
        figures["customers first paint (s)"] = await clock.painted(
            lambda: app.current_mode == "customers" and table().row_count > 0, after=pilot.press("2")) - t0
        say("customers first paint (s)")
        figures["customers rows in the widget"] = table().row_count

        t0 = time.perf_counter()
        figures["customers re-sorted by revenue (s)"] = await clock.painted(
            lambda: app.screen.query_state.sort == "revenue" and idle(app, "customers") and table().row_count > 0,
            after=pilot.press("s", "s", "s", "s")) - t0  # sort by revenue, highest first
        say("customers re-sorted by revenue (s)")
        # Back to customer id: four more of the eight sorts. (This pressed five until 2026-11-22
        # and so walked the table sorted by name, where each page's query sorts all customers.)
        await pilot.press("s", "s", "s", "s")
        await wait_for(pilot, lambda: idle(app, "customers"))
        if app.screen.query_state.sort != "customer_id":
            raise RuntimeError(f"the walk below is meant for the customer-id sort, not {app.screen.query_state}")
        figures["memory after first page (MB)"] = rss_mb()
        screen = app.screen

        def at_end() -> bool:
            return screen._after is None and not screen._loading_more and table().cursor_row == table().row_count - 1

        t0 = time.perf_counter()
        figures["End: jump to the last customer (s)"] = await clock.painted(at_end, after=pilot.press("end")) - t0
        say("End: jump to the last customer (s)")

        def at_top() -> bool:
            return screen._offset == 0 and not screen._loading_more and table().cursor_row == 0

        t0 = time.perf_counter()
        figures["Home: back to the first customer (s)"] = await clock.painted(at_top, after=pilot.press("home")) - t0
        say("Home: back to the first customer (s)")

        if scroll:
            # The walk: the cursor goes to the last row the table holds, as holding the down arrow
            # would get it there, which loads the next page (and drops the oldest) — every page of
            # the 100k customers passes through the table, unlike End, which reads the last one.
            t0 = time.perf_counter()
            pages = 0
            while screen._after is not None:
                reached = screen._offset + len(screen._rows)
                loaded = clock.expect(lambda: not screen._loading_more and screen._offset + len(screen._rows) > reached)
                table().move_cursor(row=table().row_count - 1)
                await clock.wait(loaded, timeout=60)
                pages += 1
            figures["scrolled to the last customer (s)"] = time.perf_counter() - t0
            figures["pages loaded while scrolling"] = pages
            walked = figures["scrolled to the last customer (s)"]
            figures["per page: load, swap rows, repaint (ms)"] = walked / max(pages, 1) * 1000
            figures["customers rows in the widget at the end"] = table().row_count
            figures["memory after scrolling to the end (MB)"] = rss_mb()
        await pilot.press("q")
    return figures


def domain_figures(path: Path) -> dict:
    """The paging queries alone (what each worker runs), for comparison with the paint times."""
    out = {}
    with open_store(path) as store:
        for label, query in (
            ("page 1 by customer id (ms)", CustomerQuery()),
            ("page 1 by revenue (ms)", CustomerQuery(sort="revenue", descending=True)),
            ("search 'schmidt' page 1 (ms)", CustomerQuery(search="schmidt")),
        ):
            t0 = time.perf_counter()
            page = customer_page(store, query)
            out[label] = (time.perf_counter() - t0) * 1000
            if page.after:
                t0 = time.perf_counter()
                customer_page(store, query, after=page.after)
                out[label.replace("page 1", "next page")] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        out["customers"] = count_customers(store, CustomerQuery())
        out["count all (ms)"] = (time.perf_counter() - t0) * 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="store to use (default: bench/data.py's big store)")
    parser.add_argument("--no-scroll", action="store_true", help="skip scrolling to the end of Customers")
    args = parser.parse_args()
    path = args.store or big_store()
    print(f"store: {path} ({path.stat().st_size / 1e6:,.0f} MB), as of {AS_OF.isoformat()}")
    for key, value in {**domain_figures(path), **asyncio.run(run_console(path, not args.no_scroll))}.items():
        shown = f"{value:,.3f}" if isinstance(value, float) and value < 10 else f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        print(f"  {key:<42} {shown}")
    print("targets: first paint < 1 s, memory < 250 MB")


if __name__ == "__main__":
    main()
