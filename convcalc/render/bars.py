"""Inline share bars for the terminal tables: each layer's share of the parameters (or MACs) as a bar, so the
dominant layer stands out (LeNet's first linear layer, VGG's classifier).

``share_bar(key)`` is a column value function ``(row, report) -> str | None`` like the others of
:mod:`convcalc.render.text`, whose params view shows it as its ``bar`` column (terminal tables only). Bars use the
block elements (eighths of a cell) where the output can encode them, ``#`` otherwise; ``CONVCALC_ASCII=1``
forces ASCII. A block row's bar is its share too (the sum of its layers).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from ..report import LayerRow, Report

WIDTH = 10  #: cells of a full (100 %) bar
EIGHTHS = " ▏▎▍▌▋▊▉█"


def unicode_ok(stream=None) -> bool:
    """Whether block elements can be written: not under CONVCALC_ASCII, and the stream's encoding has them."""
    if os.environ.get("CONVCALC_ASCII"):
        return False
    encoding = getattr(stream or sys.stdout, "encoding", None) or "ascii"
    try:
        "█▏".encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return False
    return True


def bar(fraction: float, width: int = WIDTH, *, ascii_only: bool = False) -> str:
    """``fraction`` (0–1) of ``width`` cells, padded to ``width``: ``████▌     `` or ``####      ``.
    Any non-zero share shows at least a sliver."""
    fraction = min(max(fraction, 0.0), 1.0)
    if ascii_only:
        cells = round(fraction * width)
        if fraction > 0 and cells == 0:
            cells = 1
        return ("#" * cells).ljust(width)
    eighths = round(fraction * width * 8)
    if fraction > 0 and eighths == 0:
        eighths = 1
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


def share_bar(key: str = "params", width: int = WIDTH, ascii_only: bool | None = None
              ) -> Callable[[LayerRow, Report], str | None]:
    """A column value: the row's share of ``report.totals.<key>`` (``params`` or ``macs``) as a bar; None where
    the row has none (so the cell stays empty)."""

    def value(row: LayerRow, report: Report) -> str | None:
        total = getattr(report.totals, key)
        mine = getattr(row, key)
        if not total or not mine:
            return None
        plain = (not unicode_ok()) if ascii_only is None else ascii_only
        return bar(mine / total, width, ascii_only=plain).rstrip() or None

    return value

