"""The rich table renderer: the only module that imports rich.

Nothing truncates or folds: every column gets a minimum width of its longest cell;
when stdout is not a terminal the table is drawn at its natural width instead of
rich's assumed 80 columns, and on a narrower terminal it is drawn whole and left
to the terminal to wrap. User text is rendered with markup off.
"""

from __future__ import annotations

import io
import sys

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..report import Report
from .text import cell, columns, total_lines, visible


def render(report: Report, view: str, depth: int | None = None, file=None) -> None:
    file = file or sys.stdout
    rows = visible(report, depth)
    cols = columns(report, view, rows)
    cells = [[cell(c.value(r, report), human=True) for c in cols] for r in rows]
    title = Text(report.name or "", style="bold") if report.name else None
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False, show_edge=False)
    for i, c in enumerate(cols):
        # every cell keeps its full width: nothing folds or truncates, whatever the terminal's width
        width = max([len(c.header), *(len(row[i]) + (2 * r.depth if i == 0 else 0) for r, row in zip(rows, cells))])
        table.add_column(c.header, justify="right" if c.numeric else "left", no_wrap=True, min_width=width)
    for r, row in zip(rows, cells):
        first = Text("  " * r.depth + row[0])
        table.add_row(first, *(Text(v) for v in row[1:]), style="bold" if r.block else None)
    tty = file.isatty()
    # Piped: draw at the table's natural width (rich would assume 80 columns and truncate), into a
    # buffer, and strip the padding rich adds to each line. On a terminal narrower than the table,
    # draw it whole all the same and let the terminal wrap it rather than cut numbers.
    console = Console(file=file if tty else io.StringIO(), highlight=False, soft_wrap=False,
                      width=None if tty else 100_000)
    if tty:
        needed = console.measure(table, options=console.options.update(max_width=100_000)).maximum
        if needed > console.width:
            console = Console(file=file, highlight=False, soft_wrap=False, width=needed)
    console.print(table)
    for line in total_lines(report, view):
        console.print(Text(line))
    if not tty:
        file.write("\n".join(line.rstrip() for line in console.file.getvalue().splitlines()) + "\n")
