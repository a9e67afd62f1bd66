"""``lifecycle segments list|show|add|export|remove``, ``lifecycle stages`` and ``lifecycle rfm``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from lifecycle_tui import segments as seg
from lifecycle_tui.cli.common import JsonOption, console, emit_json, fail, state
from lifecycle_tui.store.connection import StoreError
from lifecycle_tui.store.customers import iter_customers

segments_app = typer.Typer(
    help="Saved and built-in segments (every stage and RFM segment): list, show, add, export.",
    no_args_is_help=True,
)
SAMPLE = 10


def _find(store, name: str) -> seg.Segment:
    try:
        return seg.find_segment(store, name)
    except seg.SegmentNotFound as exc:
        fail(escape(str(exc)))


def _segment_json(s: seg.Segment, count: int) -> dict:
    return {"name": s.name, "rule": s.rule, "description": s.description, "builtin": s.builtin, "customers": count}


@segments_app.command("list")
def segments_list(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """Every segment with its rule and live member count (saved first, then stages and RFM)."""
    st = state(ctx)
    with st.open() as store:
        as_of = st.as_of_for(store)
        segs = seg.list_segments(store)
        counts = seg.segment_counts(store, segs, as_of)  # None: a saved rule that no longer parses
        rows = [_segment_json(s, counts[s.name]) for s in segs]
    if json_out:
        emit_json(rows)
        return
    table = Table("name", "customers", "rule", "description")
    for r in rows:
        count = "invalid rule" if r["customers"] is None else f"{r['customers']:,}"
        table.add_row(escape(r["name"]), count, escape(r["rule"]), escape(r["description"]))
    console.print(table)


@segments_app.command("show")
def segments_show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Segment name, e.g. 'Win-back', 'stage: Lapsed' or 'rfm: Champions'."),
    json_out: bool = JsonOption,
) -> None:
    """One segment: its rule, member count and a sample of members."""
    st = state(ctx)
    with st.open() as store:
        as_of = st.as_of_for(store)
        s = _find(store, name)
        try:
            count = seg.count_segment(store, s.rule, as_of)
            sample = list(iter_customers(store, SAMPLE, as_of=as_of, rule=s.rule))
        except seg.SegmentRuleError as exc:
            fail(escape(f"segment {s.name!r} has an invalid rule: {exc}"))
    if json_out:
        emit_json({**_segment_json(s, count), "as_of": as_of, "sample": sample})
        return
    kind = "built-in" if s.builtin else "saved"
    console.print(f"[bold]{escape(s.name)}[/] ({kind}): {count:,} customers at {as_of.isoformat()}")
    console.print(f"rule: {escape(s.rule)}")
    if s.description:
        console.print(escape(s.description))
    table = Table("customer_id", "email", "orders", "revenue", "stage", "rfm")
    for c in sample:
        table.add_row(escape(c["customer_id"]), escape(c["email"] or ""), str(c["orders"]), f"{c['revenue']:,.2f}",
                      c["stage"] or "", escape(c["rfm"]["segment"] or ""))
    console.print(table)


@segments_app.command("add")
def segments_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Name of the new segment."),
    rule: str = typer.Argument(..., help='Rule, e.g. \'orders >= 2 and days_since_last_order > 90\'.'),
    description: str = typer.Option("", "--description", help="What the segment is for."),
    replace: bool = typer.Option(False, "--replace", help="Change the rule of an existing saved segment."),
    json_out: bool = JsonOption,
) -> None:
    """Save a segment; the rule is checked first (a bad rule is refused with its position)."""
    st = state(ctx)
    with st.open() as store:
        try:
            s = seg.add_segment(store, name, rule, description, replace=replace)
        except seg.SegmentRuleError as exc:
            fail(escape(f"the rule is not valid: {exc}"))
        except seg.SegmentNameError as exc:
            fail(escape(str(exc)))
        count = seg.count_segment(store, s.rule, st.as_of_for(store))
    if json_out:
        emit_json(_segment_json(s, count))
    else:
        console.print(f"Saved segment [bold]{escape(s.name)}[/]: {count:,} customers now.")


@segments_app.command("remove")
def segments_remove(ctx: typer.Context, name: str = typer.Argument(..., help="Saved segment to delete."),
                    json_out: bool = JsonOption) -> None:
    """Delete a saved segment (built-in segments cannot be removed)."""
    with state(ctx).open() as store:
        try:
            removed = seg.remove_segment(store, name)
        except seg.SegmentInUse as exc:
            fail(escape(str(exc)))
        if not removed:
            builtin = any(s.builtin and s.name.lower() == name.strip().lower() for s in seg.builtin_segments(store))
            fail(escape(f"{name!r} is a built-in segment; built-in segments cannot be removed." if builtin
                        else f"no saved segment named {name!r}."))
    if json_out:
        emit_json({"name": name.strip(), "removed": True})
        return
    console.print(f"Removed segment {escape(name)}.")


@segments_app.command("export")
def segments_export(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Segment to export."),
    file: Path = typer.Argument(..., help="CSV file to write (created readable by you only)."),
    force: bool = typer.Option(False, "--force", help="Replace the file if it exists."),
    json_out: bool = JsonOption,
) -> None:
    """Write a segment's members to CSV (cells starting with = + - @ are neutralised)."""
    st = state(ctx)
    with st.open() as store:
        s = _find(store, name)
        try:
            rows = seg.export_csv(store, s.rule, st.as_of_for(store), file, overwrite=force)
        except seg.SegmentRuleError as exc:
            fail(escape(f"segment {s.name!r} has an invalid rule: {exc}"))
        except StoreError as exc:
            fail(escape(str(exc)))
        except OSError as exc:
            fail(escape(f"{file}: cannot write ({exc.strerror or exc})."))
    if json_out:
        emit_json({"name": s.name, "path": str(file), "rows": rows})
    else:
        console.print(f"Wrote {rows:,} customers of {escape(s.name)} to {escape(str(file))}.")


@segments_app.command("refresh")
def segments_refresh(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """Recompute every customer's metrics, stage and RFM now (records stage and RFM changes)."""
    st = state(ctx)
    with st.open() as store:
        r = seg.refresh_metrics(store, st.as_of_for(store))
    if json_out:
        emit_json({"as_of": r.as_of, "customers": r.customers, "buyers": r.buyers, "stage_changes": r.stage_changes,
                   "rfm_changes": r.rfm_changes, "recorded": r.recorded, "seconds": round(r.seconds, 3)})
        return
    console.print(
        f"Metrics for {r.customers:,} customers ({r.buyers:,} buyers) at {r.as_of} in {r.seconds:.2f} s; "
        f"{r.stage_changes:,} stage and {r.rfm_changes:,} RFM changes recorded."
        + ("" if r.recorded else " (An earlier as-of than the recorded history: changes not recorded.)")
    )


def stages(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """Customers per lifecycle stage, in funnel order, with their revenue."""
    st = state(ctx)
    with st.open() as store:
        report = seg.stage_counts(store, st.as_of_for(store))
    if json_out:
        emit_json(report)
        return
    table = Table("stage", "customers", "share", "revenue", title=f"Lifecycle stages at {report['as_of']}")
    total = report["total"] or 1
    for r in report["stages"]:
        table.add_row(r["stage"], f"{r['customers']:,}", f"{100 * r['customers'] / total:.1f}%", f"{r['revenue']:,.2f}")
    console.print(table)


def rfm(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """The RFM grid (R rows 5..1 by F columns 1..5) with counts and revenue, and per-segment totals."""
    st = state(ctx)
    with st.open() as store:
        report = seg.rfm_report(store, st.as_of_for(store))
    if json_out:
        emit_json(report)
        return
    grid = Table("R \\ F", *[str(f) for f in range(1, 6)], title=f"RFM at {report['as_of']} ({report['customers']:,} buyers)")
    for r in range(5, 0, -1):
        cells = [c for c in report["grid"] if c["r"] == r]
        grid.add_row(str(r), *[f"{escape(c['segment'])}\n{c['customers']:,} · {c['revenue']:,.0f}" for c in cells])
    console.print(grid)
    scores = Table("score", "recency (days)", "frequency (orders)", "monetary", title="What the scores mean")
    ranges = {k: {row["score"]: row for row in v} for k, v in report["scores"].items()}
    for score in range(5, 0, -1):
        cells = []
        for letter, fmt in (("r", "{:g}"), ("f", "{:g}"), ("m", "{:,.2f}")):
            row = ranges[letter].get(score)
            cells.append("-" if row is None else f"{fmt.format(row['min'])} - {fmt.format(row['max'])}")
        scores.add_row(str(score), *cells)
    console.print(scores)
    totals = Table("segment", "customers", "revenue")
    for s in report["segments"]:
        totals.add_row(escape(s["segment"]), f"{s['customers']:,}", f"{s['revenue']:,.2f}")
    console.print(totals)


def register(app: typer.Typer) -> None:
    app.add_typer(segments_app, name="segments")
    app.command("stages")(stages)
    app.command("rfm")(rfm)
