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


def funnel(stages: Sequence[str], counts: Mapping[str, int], width: int = 22) -> Table:
    """One row per stage: name, a bar scaled to the largest stage, the count and its share."""
    total = sum(counts.get(s, 0) for s in stages) or 1
    biggest = max([counts.get(s, 0) for s in stages] + [1])
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, width=13)
    table.add_column(no_wrap=True, width=width)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", no_wrap=True, style="dim")
    for i, stage in enumerate(stages):
        n = counts.get(stage, 0)
        cells = n * width / biggest
        bar = "█" * int(cells) + ("▌" if cells - int(cells) >= 0.5 else "")
        colour = "cyan" if i < FUNNEL_STAGES else "yellow"
        if i == FUNNEL_STAGES:
            table.add_row(Text("lapse states", style="dim italic"), "", "", "")
        table.add_row(stage, Text(bar or "·", style=colour), f"{n:,}", f"{100 * n / total:.0f}%")
    return table


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


def rfm_heatmap(grid: Sequence[Sequence[str]], cells: Mapping[tuple[int, int], int], cell_width: int = 13) -> Table:
    """The R x F grid (rows R=5..1, columns F=1..5): each cell's segment name and count, coloured by count."""
    biggest = max(list(cells.values()) + [1])
    table = Table(box=None, padding=0, show_edge=False, pad_edge=False, show_header=True, header_style="dim")
    table.add_column("", no_wrap=True, width=4)
    for f in range(1, 6):
        table.add_column(f"F{f}", justify="center", width=cell_width, no_wrap=True)
    for row, r in enumerate(range(5, 0, -1)):
        out: list[Text] = [Text(f"R{r} ", style="dim")]
        for f in range(1, 6):
            n = cells.get((r, f), 0)
            shade = HEAT[0] if n == 0 else HEAT[1 + min(len(HEAT) - 2, int((len(HEAT) - 1) * n / (biggest + 1)))]
            fg = "black" if shade in HEAT[-2:] else "white"
            name = grid[row][f - 1]
            label = short_name(name, cell_width - 1)
            text = Text(f"{label}\n{n:,}", style=f"{fg} on {shade}", justify="center")
            out.append(text)
        table.add_row(*out)
    return table
