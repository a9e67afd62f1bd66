"""One dispatch run in its own process, for the crash (SIGKILL) and concurrency tests.

usage: python dispatch_script.py DB N MODE
  MODE plan: run the hand-built plan over the first N customers (lock, recovery, run_plan)
  MODE cli:  `lifecycle --db DB dispatch run --yes --json` through the real CLI
The outbox transport is replaced, in this process only, by a slowed copy:
  LIFECYCLE_TEST_SEND_DELAY        seconds to wait before writing each file
  LIFECYCLE_TEST_SEND_DELAY_AFTER  seconds to wait after writing it (before it is marked sent)
  LIFECYCLE_TEST_GATE              after the first message, wait until this file exists
Prints the run report as JSON; exits 3 when refused because another run holds the store.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dispatch_helpers import make_plan  # noqa: E402

from lifecycle_tui.automation.dispatcher import recover_interrupted, run_plan  # noqa: E402
from lifecycle_tui.automation.runlock import DispatchBusyError, run_lock  # noqa: E402
from lifecycle_tui.automation.transports import OutboxTransport, register_transport  # noqa: E402
from lifecycle_tui.store import open_store  # noqa: E402


class SlowOutbox(OutboxTransport):
    """The real outbox, slowed so that a test can kill the process in the middle of a run."""

    sent = 0

    def send(self, record, rendered):
        gate = os.environ.get("LIFECYCLE_TEST_GATE")
        while gate and self.sent and not os.path.exists(gate):
            time.sleep(0.02)
        SlowOutbox.sent += 1
        time.sleep(float(os.environ.get("LIFECYCLE_TEST_SEND_DELAY", "0")))
        result = super().send(record, rendered)
        time.sleep(float(os.environ.get("LIFECYCLE_TEST_SEND_DELAY_AFTER", "0")))
        return result


def main() -> int:
    db, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    register_transport("outbox", SlowOutbox.for_store)
    if mode == "cli":
        from lifecycle_tui.cli.main import app

        app(["--db", db, "dispatch", "run", "--yes", "--json"])
        return 0
    with open_store(db) as store:
        try:
            with run_lock(store):
                recovered = recover_interrupted(store)  # before planning, as the CLI does
                customers = [tuple(r) for r in store.conn.execute(
                    "SELECT id, customer_id FROM customers ORDER BY id LIMIT ?", (n,))]
                report = run_plan(store, make_plan(customers), "outbox")
                report.recovered = recovered + report.recovered
        except DispatchBusyError as exc:
            print(json.dumps({"refused": str(exc)}))
            return 3
    print(json.dumps(report.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
