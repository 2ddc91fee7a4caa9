"""The table renderer for people: the only module that imports rich.

:mod:`.layout` decides the rows, the columns and their widths so that the table fits the width
(the terminal's, ``$COLUMNS``, or 100 when piped); this module writes it — through rich on a
terminal (block rows in bold, markup off so user text like ``[conv0]`` stays as written), as plain
text otherwise. Where the output's encoding cannot draw the box rule or the arrow, ASCII stand-ins
are written instead.
"""

from __future__ import annotations

import sys

from ..records import record
from ..report import Report
from . import layout
from .text import total_lines


@record(frozen=True, slots=True, kw_only=True)
class Options:
    """How a table is drawn (the CLI's ``--depth --full --columns --wide``)."""

    width: int | None = 100  #: None: natural width
    depth: int | None = None  #: rows down to this depth, identical repeats collapsed
    full: bool = False  #: every row, even for a large model
    columns: tuple[str, ...] | None = None  #: column keys, in order
    wide: bool = False  #: every column at its natural width


def lines(report: Report, view: str, options: Options, *, ascii_only: bool = False) -> tuple[list[str], list[bool]]:
    """The table's text lines and, per line, whether it is a block row (bold on a terminal)."""
    width = None if options.wide else options.width
    summary = (view not in ("paper",) and options.depth is None and not options.full
               and len(report.layers) > layout.SUMMARY_OVER)
    depth = layout.summary_depth(report) if summary else options.depth
    rows = layout.table_rows(report, depth, collapse=depth is not None and view != "paper" and not options.full)
    grid = layout.layout(report, view, rows, width, keys=list(options.columns) if options.columns else None,
                         wide=options.wide)
    out = _assemble(report, view, grid, summary, depth, width, ascii_only)
    return out, _bold(report, grid, summary, depth, width, out)


def _head(report: Report, summary: bool, depth: int | None, width: int | None) -> list[str]:
    head = [report.name] if report.name else []
    if summary:
        from ..i18n import translate

        head += layout.wrap_lines([translate(f"{len(report.layers)} rows, shown to depth {depth} with repeats "
                                             "collapsed (--full for every row, --depth N to choose)")], width)
    return head


def _assemble(report, view, grid, summary, depth, width, ascii_only) -> list[str]:
    out = _head(report, summary, depth, width)
    out += layout.plain(grid, ascii_only=ascii_only)
    tail = list(total_lines(report, view))
    if summary:
        tail += layout.summary_lines(report)
    if grid.left_out:
        tail.append(f"columns left out to fit {width}: {', '.join(grid.left_out)} (--wide, or --columns to pick)")
    from ..i18n import translate

    out += layout.wrap_lines([translate(line) for line in tail], width)  # --lang zh: the lines under it too
    return [line.translate(layout.ASCII) for line in out] if ascii_only else out


def _bold(report, grid, summary, depth, width, out) -> list[bool]:
    flags = [False] * len(out)
    start = len(_head(report, summary, depth, width)) + max(map(len, grid.headers), default=1) + 1  # + the rule
    if report.name:
        flags[0] = True
    i = start
    for row, is_block in zip(grid.rows, grid.bold):
        height = layout.height(row)
        for k in range(height):
            if i + k < len(flags):
                flags[i + k] = is_block
        i += height
    return flags


def render(report: Report, view: str, options: Options | None = None, file=None) -> None:
    """Write the table and the lines under it to ``file`` (stdout)."""
    file = file or sys.stdout
    options = options or Options()
    ascii_only = not layout.can_draw(file)
    text, bold = lines(report, view, options, ascii_only=ascii_only)
    if not file.isatty():
        file.write("\n".join(text) + "\n")
        return
    from rich.console import Console
    from rich.control import strip_control_codes
    from rich.text import Text

    console = Console(file=file, highlight=False, soft_wrap=True, emoji=False, markup=False)
    # how this terminal shows bold (or not at all: NO_COLOR, TERM=dumb) is rich's to say, once: printing each
    # line through rich took a minute for 100,000 rows
    mark = "\ue000"
    with console.capture() as captured:
        console.print(Text(mark, style="bold"), overflow="ignore", crop=False)
    start, _, end = captured.get().partition(mark)
    out = []
    for line, strong in zip(text, bold):
        line = strip_control_codes(line)  # as rich's Text does
        out.append(f"{start}{line}{end}" if strong and line else line + "\n")
    file.write("".join(out))
