"""Text charts for the dashboard: the stage funnel (bars) and the RFM 5x5 heat map.

Pure functions from counts to Rich renderables, so they are easy to test and snapshot.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from rich.table import Table
from rich.text import Text

# Dark to bright: the heat map's background by share of the busiest cell.
HEAT = ["#22303a", "#1d4a48", "#1f6b52", "#2f8f55", "#57b35a", "#9bd35f"]
FUNNEL_STAGES = 5  # the first five stages are the funnel; the rest are lapse states


def funnel(rows: Sequence[Mapping], width: int = 22, fit: int | None = None) -> Table:
    """One row per stage (``segments.stage_counts``'s ``stages``: ``{stage, customers}`` in funnel
    order): name, a bar scaled to the largest stage, the count and its share. ``fit``: the
    columns the table may use; the bar then takes what the name, count and share leave (so
    the share is never cut to "1…")."""
    total = sum(r["customers"] for r in rows) or 1
    biggest = max([r["customers"] for r in rows] + [1])
    if fit is not None:
        count_width = max(len(f"{r['customers']:,}") for r in rows) if rows else 1
        width = max(4, fit - 13 - count_width - len("100%") - 3)  # 3: the gaps between the 4 columns
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, width=13)
    table.add_column(no_wrap=True, width=width)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", no_wrap=True, style="dim")
    for i, row in enumerate(rows):
        stage, n = row["stage"], row["customers"]
        cells = n * width / biggest
        bar = "█" * int(cells) + ("▌" if cells - int(cells) >= 0.5 else "")
        colour = "cyan" if i < FUNNEL_STAGES else "yellow"
        if i == FUNNEL_STAGES:
            table.add_row(Text("lapse states", style="dim italic"), "", "", "")
        table.add_row(stage, Text(bar or "·", style=colour), f"{n:,}", f"{100 * n / total:.0f}%")
    return table


class Funnel:
    """:func:`funnel` fitted to the width it is drawn at (it redraws to fit after a resize)."""

    def __init__(self, rows: Sequence[Mapping]) -> None:
        self.rows = list(rows)

    def __rich_console__(self, console, options):
        yield funnel(self.rows, fit=options.max_width)


def short_name(name: str, width: int) -> str:
    """``name`` fitted into ``width``: whole, else first words and an initial ("Potential L.")."""
    if len(name) <= width:
        return name
    words = name.split()
    for keep in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[:keep]) + f" {words[keep][0]}."
        if len(candidate) <= width:
            return candidate
    return name[: width - 1] + "…"


def rfm_heatmap(cells: Sequence[Mapping], cell_width: int = 13) -> Table:
    """The R x F grid (rows R=5..1, columns F=1..5) from ``segments.rfm_report``'s ``grid`` cells
    (``{r, f, segment, customers}``): each cell's segment name and count, coloured by count."""
    by_cell = {(c["r"], c["f"]): c for c in cells}
    biggest = max([c["customers"] for c in cells] + [1])
    table = Table(box=None, padding=0, show_edge=False, pad_edge=False, show_header=True, header_style="dim")
    table.add_column("", no_wrap=True, width=4)
    for f in range(1, 6):
        table.add_column(f"F{f}", justify="center", width=cell_width, no_wrap=True)
    for r in range(5, 0, -1):
        out: list[Text] = [Text(f"R{r} ", style="dim")]
        for f in range(1, 6):
            cell = by_cell.get((r, f), {"segment": "", "customers": 0})
            n = cell["customers"]
            shade = HEAT[0] if n == 0 else HEAT[1 + min(len(HEAT) - 2, int((len(HEAT) - 1) * n / (biggest + 1)))]
            fg = "black" if shade in HEAT[-2:] else "white"
            label = short_name(cell["segment"], cell_width - 1)
            out.append(Text(f"{label}\n{n:,}", style=f"{fg} on {shade}", justify="center"))
        table.add_row(*out)
    return table
