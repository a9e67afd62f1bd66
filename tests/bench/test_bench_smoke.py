"""Smoke test of the benchmark suite's machinery (``python -m bench``) on a tiny sample shop.

Runs every group of figures end to end (store build, the import child, metrics, dry-run, the
headless console) on 200 customers and checks the table's shape and bookkeeping. Asserts no
timing: speed is the benchmark's business, not the test suite's.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import run  # noqa: E402
from bench.sections import SECTIONS, Figure  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> tuple[int, dict, Path]:
    """One run of the whole suite (JSON output) on a 200-customer store in a temporary cache."""
    cache = tmp_path_factory.mktemp("bench")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = run.main(["--customers", "200", "--cache", str(cache), "--json", "--timeout", "600"])
    return status, json.loads(out.getvalue()), cache


def test_every_section_runs_and_reports(suite):
    status, report, _ = suite
    assert report["failed"] == []
    assert status in (0, 1)  # 1: some target missed (a tiny store cannot render 100k messages)
    assert {f["section"] for f in report["figures"]} == set(SECTIONS)
    assert report["store"]["customers"] == 200


def test_figures_carry_references_and_verdicts(suite):
    _, report, _ = suite
    figures = [Figure.from_json(f) for f in report["figures"]]
    for f, row in zip(figures, report["figures"]):
        assert f.value >= 0, f
        assert (f.met is None) == (f.target == ""), f  # a verdict exactly where there is a target
        assert row["met"] == f.met and row["target"] == f.target  # the JSON carries the verdicts
        if f.reference:
            assert f.ref_value > 0 and f.ratio == pytest.approx(f.value / f.ref_value), f
        if f.target_on == "ratio":
            assert f.met == (f.ratio <= f.target_value if f.target_op == "<=" else f.ratio >= f.target_value)
    segments = [f for f in figures if f.section == "segments"]
    assert len(segments) == 5


def test_import_loads_every_order_of_the_store(suite):
    _, report, cache = suite
    orders = report["store"]["orders"]
    imports = [f for f in report["figures"] if f["section"] == "import"]
    (wall,) = [f for f in imports if f["name"].startswith("import ") and f["reference"]]
    assert wall["name"] == f"import {orders:,} order rows"
    floors = [f for f in imports if f["name"].startswith("floor")]  # only where the sqlite3 shell exists
    assert all(f["target"] == "" and f["met"] is None and f["ref_value"] == wall["ref_value"] for f in floors)
    assert wall["note"].startswith(f"{orders:,} orders,")
    assert wall["ratio"] == pytest.approx(wall["value"] / wall["ref_value"])
    # scratch stores are removed; only the cached store and its CSV stay
    assert not list(cache.glob("run-*.db")) and not list(cache.glob("**/dispatch-bench-*.db"))


def test_dry_run_counts_every_rendered_send_though_it_keeps_none(suite):
    _, report, _ = suite
    (rate,) = [f for f in report["figures"] if f["section"] == "dryrun" and f["reference"]]
    (count,) = [f for f in report["figures"] if f["name"] == "rendered messages in the plan"]
    # the dry-run of `dispatch dry-run` drops each message once rendered: its sends still count
    assert count["value"] > 0
    assert rate["note"].startswith(f"`dispatch dry-run`: {int(count['value']):,} rendered and checked (none kept)")


def test_table_renders_every_figure(suite):
    _, report, _ = suite
    figures = [Figure.from_json(f) for f in report["figures"]]
    text, markdown = run.render_text(figures), run.render_markdown(figures)
    assert len(text.splitlines()) == len(figures) + 2
    assert len(markdown.splitlines()) == len(figures) + 2
    assert all(f.name in text and f.name in markdown for f in figures)


def test_only_selects_sections_and_refuses_unknown_ones():
    assert run.parse(["--only", "import,refresh"]).wanted == {"import", "refresh"}
    with pytest.raises(SystemExit) as exc:
        run.parse(["--only", "imports"])
    assert exc.value.code == 2


def test_verdicts_on_wall_and_cpu_time():
    from bench.sections import Figure

    slow_wall = Figure("import", "x", 3.0, "s", cpu=1.2, reference="bare", ref_value=1.0, ref_cpu=1.0,
                       target_op="<=", target_value=1.5, target_on="ratio")
    assert (slow_wall.ratio, slow_wall.met, slow_wall.met_cpu) == (3.0, False, True)
    assert run.verdict(slow_wall) == "MISSED (on CPU: met)" and slow_wall.target == "<= 1.5x"
    rate = Figure("dryrun", "y", 400.0, "msg/s", reference="bare", ref_value=1000.0,
                  target_op=">=", target_value=0.5, target_on="ratio")
    assert rate.met is False and rate.met_cpu is None and run.verdict(rate) == "MISSED"
    memory = Figure("console", "z", 120.0, "MB", target_op="<", target_value=250)
    assert memory.met is True and memory.target == "< 250 MB" and run.verdict(memory) == "MET"


def test_stamp_keeps_wall_and_cpu_through_subtraction():
    from bench.sections import Stamp

    took = Stamp(10.5, 3.0) - Stamp(10.0, 2.5)
    assert float(took) == pytest.approx(0.5) and took.cpu == pytest.approx(0.5)
    assert took < 1 and f"{took:.1f}" == "0.5"
    assert Figure("console", "t", took, "s").value.__class__ is float
