"""Tables that fit: which rows and columns a table shows, and how wide each column is.

Standard library only; :mod:`.table` draws the result with rich, :func:`plain` without it.

* **Rows.** Every row by default; under ``--depth N`` the rows down to depth N, with consecutive
  siblings at depth N that are identical (same type, settings, shapes and counts, and for a block the
  same layers inside) collapsed into one row — ``layer1.1-2  bottleneck ×2`` — whose counts are the sums
  of the repeats, so every count column still adds up to the total. A model over
  :data:`SUMMARY_OVER` rows gets a one-screen summary instead (the table at the deepest depth that
  fits :data:`SUMMARY_ROWS` rows, and the heaviest layers); ``--full`` shows every row.
* **Columns.** The view's columns in order, each with a priority. When the table is wider than the
  width, in turn: headers wrap at spaces; free text (``--explain``'s working) folds to
  :data:`PROSE_WIDTH`; the lowest-priority columns that are not core are left out (and named under
  the table); foldable values (dotted names fold after a dot) fold down to :data:`MIN_FOLD`.
  ``--columns`` picks columns by key; ``--wide`` shows them all at their natural width.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import field

from ..i18n import display_width, label
from ..records import record
from ..report import LayerRow, Report
from .text import Column, cell, columns, pick_columns, visible

GAP = 2  #: spaces between columns
SUMMARY_OVER = 60  #: models with more rows than this get the summary by default
SUMMARY_ROWS = 30  #: the summary's table shows at most about this many rows
PROSE_WIDTH = 36  #: free-text columns fold to this width before any column is left out
MIN_FOLD = 12  #: no folded column gets narrower than this
HEAVIEST = 5  #: layers listed by params and by MACs in the summary

ASCII = str.maketrans({"→": "->", "×": "x", "·": "*", "…": "...", "−": "-", "—": "-", "–": "-", "─": "-",
                       "≥": ">=", "≤": "<="})


@record()
class Grid:
    """A table laid out to a width: each cell already folded into lines."""

    headers: list[list[str]]  #: per column, its header's lines
    rows: list[list[str | list[str]]]  #: per row, per column, the cell: its text, or its lines where it folds
    widths: list[int]
    numeric: list[bool]
    bold: list[bool]  #: block rows
    left_out: list[str] = field(default_factory=list)  #: keys of the columns dropped to fit

    @property
    def width(self) -> int:
        return sum(self.widths) + GAP * max(len(self.widths) - 1, 0)


# ----------------------------------------------------------------------------
# Rows
# ----------------------------------------------------------------------------
def _subtree(rows: list[LayerRow], i: int) -> list[LayerRow]:
    """The rows shown under row ``i`` (a block's members, which follow it and are deeper)."""
    depth = rows[i].depth
    end = i + 1
    while end < len(rows) and rows[end].depth > depth:
        end += 1
    return rows[i + 1:end]


def _signature(row: LayerRow, inner: list[LayerRow]) -> tuple:
    def one(r: LayerRow, base: int) -> tuple:
        return (r.type, r.depth - base, tuple(sorted((k, repr(v)) for k, v in r.settings.items())),
                r.input_shape, r.output_shape, r.params, r.trainable_params, r.macs, r.buffers, r.block)

    return (one(row, row.depth), tuple(one(r, row.depth) for r in inner), row.name is None)


def _range_label(first: str, last: str) -> str:
    """``layer1.1`` … ``layer1.2`` → ``layer1.1-2``; otherwise ``first…last``."""
    a, _, x = first.rpartition(".")
    b, _, y = last.rpartition(".")
    if a == b and x.isdigit() and y.isdigit():
        return f"{first}-{y}"
    m, n = re.match(r"^(.*?)(\d+)$", x), re.match(r"^(.*?)(\d+)$", y)
    if a == b and m and n and m.group(1) == n.group(1):
        return f"{first}-{n.group(2)}"
    return f"{first}…{last}"


def _collapse(group: list[LayerRow]) -> LayerRow:
    """One row for ``len(group)`` identical siblings: counts summed, shapes from the first and last."""
    first, last = group[0], group[-1]
    n = len(group)
    total = {k: sum(getattr(r, k) for r in group) for k in (
        "params", "trainable_params", "weights", "bias", "buffers", "macs", "connections", "activations",
        "counter_buffers", "trainable_param_tensors")}
    return dataclasses.replace(
        first, node=_range_label(first.node or first.path, last.node or last.path), type=f"{first.type} ×{n}",
        output_shape=last.output_shape, receptive_field=last.receptive_field, jump=last.jump, start=last.start,
        fc_params=None, weight_layers=sum(r.weight_layers for r in group), name=None, shared_with=None, **total)


def table_rows(report: Report, depth: int | None, collapse: bool) -> list[LayerRow]:
    """The rows down to ``depth``; with ``collapse``, identical consecutive siblings at ``depth`` as one row."""
    rows = list(report.layers)
    shown = visible(report, depth)
    if not collapse or depth is None:
        return shown
    index = {id(r): i for i, r in enumerate(rows)}
    out: list[LayerRow] = []
    group: list[LayerRow] = []
    sig = None
    for r in shown:
        s = _signature(r, _subtree(rows, index[id(r)])) if r.depth == depth else None
        if s is not None and s == sig and not r.is_output:
            group.append(r)
            continue
        if group:
            out.append(_collapse(group) if len(group) > 1 else group[0])
        group, sig = ([r], s) if s is not None else ([], None)
        if s is None:
            out.append(r)
    if group:
        out.append(_collapse(group) if len(group) > 1 else group[0])
    return out


def summary_depth(report: Report, limit: int = SUMMARY_ROWS) -> int:
    """The deepest depth whose collapsed table has at most ``limit`` rows (0 at least)."""
    deepest = max((r.depth for r in report.layers), default=0)
    best = 0
    for d in range(deepest + 1):
        if len(table_rows(report, d, True)) > limit:
            break  # a deeper table shows these rows and more: it cannot fit either
        best = d
    return best


# ----------------------------------------------------------------------------
# Columns and widths
# ----------------------------------------------------------------------------
def _words(text: str, sep: str | None) -> list[str]:
    """``text`` cut after each ``sep`` (the pieces keep it), for folding."""
    if not sep or sep not in text:
        return [text]
    parts = text.split(sep)
    return [p + sep for p in parts[:-1]] + [parts[-1]]


def fold(text: str, width: int, sep: str | None = " ") -> list[str]:
    """``text`` in lines of at most ``width``: broken after ``sep`` where possible, else hard."""
    lines: list[str] = []
    size = display_width  # a Chinese character (--lang zh) takes two columns; ASCII one, as len()
    for paragraph in text.split("\n"):
        line = ""
        for word in _words(paragraph, sep):
            if size(line) + size(word.rstrip()) <= width:
                line += word
                continue
            if line:
                lines.append(line.rstrip())
                line = ""
            while size(word.rstrip()) > width:
                cut = _cut(word, width)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line.rstrip())
    return lines or [""]


def _cut(word: str, width: int) -> int:
    """How many characters of ``word`` fill ``width`` columns (at least one)."""
    used = 0
    for i, ch in enumerate(word):
        used += display_width(ch)
        if used > width:
            return max(i, 1)
    return len(word)


def _min_width(col: Column, texts: list[str]) -> int:
    """How narrow a column may fold: its longest unbreakable piece, but not below MIN_FOLD."""
    if not col.fold:
        return max(map(len, texts), default=0)
    piece = max((len(w.rstrip()) for t in texts for w in _words(t, col.fold)), default=0)
    return max(min(piece, MIN_FOLD * 2), MIN_FOLD)


def layout(report: Report, view: str, rows: list[LayerRow], width: int | None, *, keys: list[str] | None = None,
           wide: bool = False) -> Grid:
    """Columns and widths for ``rows`` within ``width`` columns (None: natural width, nothing folded)."""
    cols = pick_columns(view, keys) if keys else columns(report, view, rows, terminal=True)
    texts = [[cell(c.value(r, report), human=True) for r in rows] for c in cols]
    natural = [max([display_width(label(c.header)), *map(len, t)]) for c, t in zip(cols, texts)]
    limit = None if wide or width is None else width
    widths = list(natural)
    headers = [[label(c.header)] for c in cols]  # --lang zh: 卷积核, 步幅, 填充 …
    keep = list(range(len(cols)))
    left_out: list[str] = []

    def total() -> int:
        return sum(widths[i] for i in keep) + GAP * (len(keep) - 1)

    if limit is not None and total() > limit:
        # 1. headers wrap at spaces where the values are narrower
        for i, c in enumerate(cols):
            values = max(map(len, texts[i]), default=0)
            if len(headers[i][0]) > values and " " in headers[i][0]:
                words = max(len(w) for w in headers[i][0].split())
                widths[i] = max(values, words)
                headers[i] = fold(headers[i][0], widths[i])
        # 2. free text folds to a comfortable width
        for i, c in enumerate(cols):
            if c.prose and total() > limit:
                widths[i] = min(widths[i], max(PROSE_WIDTH, _min_width(c, texts[i]), len(c.header)))
        # 3. the lowest-priority columns go
        for i in sorted((i for i, c in enumerate(cols) if not c.core), key=lambda i: -cols[i].priority):
            if total() <= limit:
                break
            fits_by_folding = total() - sum(widths[j] - _min_width(cols[j], texts[j] + headers[j])
                                            for j in keep if cols[j].fold and widths[j] > _min_width(
                                                cols[j], texts[j] + headers[j])) <= limit
            if fits_by_folding and cols[i].priority <= 2:
                break  # what the user asked for (working, conventions) folds rather than goes
            keep.remove(i)
            left_out.append(cols[i].key)
        # 4. foldable columns fold, the widest first
        while total() > limit:
            foldable = [j for j in keep if cols[j].fold and widths[j] > _min_width(cols[j], texts[j] + headers[j])]
            if not foldable:
                break
            j = max(foldable, key=lambda j: widths[j])
            floor = _min_width(cols[j], texts[j] + headers[j])
            widths[j] = max(floor, widths[j] - (total() - limit))
        # 5. still too wide: non-essential core columns go, last first
        for i in reversed(keep[2:]):
            if total() <= limit:
                break
            keep.remove(i)
            left_out.append(cols[i].key)
    grid_rows = []
    for r_i in range(len(rows)):
        line = []
        for i in keep:
            text = texts[i][r_i]
            line.append(fold(text, widths[i], cols[i].fold or " ") if len(text) > widths[i] else text)
        grid_rows.append(line)
    return Grid(headers=[headers[i] for i in keep], rows=grid_rows, widths=[widths[i] for i in keep],
                numeric=[cols[i].numeric for i in keep], bold=[r.block for r in rows], left_out=left_out)


# ----------------------------------------------------------------------------
# The summary and the lines under a table
# ----------------------------------------------------------------------------
def heaviest(report: Report, key: str, n: int = HEAVIEST) -> list[LayerRow]:
    leaves = [r for r in report.layers if not r.block and getattr(r, key)]
    return sorted(leaves, key=lambda r: -getattr(r, key))[:n]


def summary_lines(report: Report) -> list[str]:
    """The heaviest layers by params and by MACs, for the summary."""
    lines = []
    for key, title, total in (("params", "params", report.totals.params), ("macs", "MACs", report.totals.macs)):
        rows = heaviest(report, key)
        if not rows or not total:
            continue
        lines.append(f"heaviest by {title}:")
        name_width = max(len(r.node or r.path) for r in rows)
        type_width = max(len(r.type) for r in rows)
        for r in rows:
            value = getattr(r, key)
            lines.append(f"  {(r.node or r.path):<{name_width}}  {r.type:<{type_width}}  {value:>15,}  "
                         f"{100 * value / total:5.1f}%")
    known = [r for r in report.layers if r.receptive_field is not None and r.jump is not None]
    if known:
        largest = max(known, key=lambda r: r.receptive_field)
        lines.append(f"receptive field: {'x'.join(map(str, largest.receptive_field))} at {largest.node or largest.path}"
                     f" (jump {'x'.join(map(str, largest.jump))})")
    return lines


def wrap_lines(lines: list[str], width: int | None) -> list[str]:
    """Lines under a table, folded at spaces to ``width`` (continuations indented)."""
    if width is None:
        return lines
    out = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        indent = len(line) - len(line.lstrip()) + 2
        first, *rest = fold(line, width, " ")
        out.append(first)
        out += [" " * indent + x for x in fold(" ".join(rest), width - indent, " ")] if rest else []
    return out


def plain(grid: Grid, *, ascii_only: bool = False) -> list[str]:
    """The grid as text lines without rich: headers, a rule, rows (trailing spaces stripped)."""
    def render(cells: list[str | list[str]]) -> list[str]:
        cells = [[c] if isinstance(c, str) else c for c in cells]
        height = max(len(c) for c in cells)
        out = []
        for k in range(height):
            parts = []
            for c, w, num in zip(cells, grid.widths, grid.numeric):
                text = c[k] if k < len(c) else ""
                fill = " " * (w - _columns(text))  # a Chinese heading takes two columns a character
                parts.append(fill + text if num else text + fill)
            out.append((" " * GAP).join(parts).rstrip())
        return out

    lines = render(grid.headers)
    lines.append(("-" if ascii_only else "─") * grid.width)
    for row in grid.rows:
        lines += render(row)
    return [line.translate(ASCII) for line in lines] if ascii_only else lines


def height(row: list[str | list[str]]) -> int:
    """The lines a laid-out row takes: those of its tallest cell."""
    return max((1 if isinstance(c, str) else len(c) for c in row), default=1)


def _columns(text: str) -> int:
    """Terminal columns ``text`` takes: its length where it is ASCII (every cell of a large table, without
    looking up each character)."""
    return len(text) if text.isascii() else display_width(text)


def can_draw(stream) -> bool:
    """Whether ``stream``'s encoding has the box rule and the arrow (an ASCII or Latin-1 console has not)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "─→×".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True

