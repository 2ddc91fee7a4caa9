"""Plain-text renderers (JSON, CSV, Markdown) and the column views every renderer shares.

Renderers only turn a :class:`~convcalc.report.Report` into a string; they compute
nothing the report does not hold. Standard library only: rich lives in ``table.py``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..report import LayerRow, Report


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    value: Callable[[LayerRow, Report], Any]  #: raw value: int, str, tuple (a shape) or None
    numeric: bool = False
    optional: bool = False  #: left out when empty in every row


def _shape(t) -> str:
    if t is None:
        return ""
    return "x".join(_num(v) for v in t)


def _num(v) -> str:
    if isinstance(v, Fraction):
        return str(int(v)) if v.denominator == 1 else f"{float(v):g}"
    return str(v)


class Percent(float):
    """A share: ``12.3%`` for people, ``12.3`` in CSV."""


class Times(float):
    """A ratio: ``24,586x`` for people, ``24586.0`` in CSV."""


def _share(row: LayerRow, report: Report) -> Percent | None:
    total = report.totals.params
    if not total or not row.params:
        return None
    return Percent(100 * row.params / total)


def _ratio(row: LayerRow, report: Report) -> Times | None:
    if row.fc_params is None or not row.weights:
        return None
    return Times(row.fc_params / row.weights)


def _children(row: LayerRow, report: Report) -> list[LayerRow]:
    prefix = row.path + "."
    return [r for r in report.layers if r.path.startswith(prefix) and not r.block]


def _patch(row: LayerRow, report: Report) -> str | None:
    """Kernel/stride as a paper writes it (7x7/2); a block shows its largest kernel, an Inception module none."""
    if "ch1x1" in row.settings:
        return None
    candidates = [row] if not row.block else [r for r in _children(row, report) if "kernel_size" in r.settings]
    if not candidates:
        return None
    best = max(candidates, key=lambda r: sum(r.settings["kernel_size"]) if "kernel_size" in r.settings else -1)
    if "kernel_size" not in best.settings:
        return None
    stride = best.settings["stride"]
    return f"{_shape(best.settings['kernel_size'])}/{stride[0] if len(set(stride)) == 1 else _shape(stride)}"


def _paper_output(row: LayerRow, report: Report) -> str:
    """H×W×C, as GoogLeNet's Table 1 writes sizes."""
    shape = row.output_shape
    return _shape((*shape[1:], shape[0])) if len(shape) > 1 else _shape(shape)


def _reduce(key: str) -> Callable[[LayerRow, Report], Any]:
    """Table 1's filter columns: an inception row's own settings; a 1x1-then-3x3 conv block fills the 3x3 pair."""

    def value(row: LayerRow, report: Report):
        if key in row.settings:
            return row.settings[key]
        if row.block and key in ("ch3x3red", "ch3x3"):
            convs = [r for r in _children(row, report) if r.weight_shape and len(r.weight_shape) == 4]
            if [c.settings.get("kernel_size") for c in convs] == [(1, 1), (3, 3)]:
                return convs[0 if key == "ch3x3red" else 1].output_shape[0]
        return None

    return value


def _other_conventions(row: LayerRow, report: Report) -> str | None:
    others = report.other_conventions.get(row.path)
    if not others:
        return None
    return "; ".join(f"{name} {_shape(shape) if shape else 'refused'}" for name, shape in others.items())


def _millions(row: LayerRow, report: Report) -> str | None:
    if not row.macs:
        return None
    return f"{row.macs / 1e6:,.1f}M" if row.macs >= 100_000 else f"{row.macs / 1e3:,.1f}K"


def _working(key: str) -> Column:
    """--explain's column: the row's arithmetic for this view, when asked for."""
    return Column("working", lambda r, _: (r.explain or {}).get(key), optional=True)


def _type(row: LayerRow, report: Report) -> str:
    text = row.type if not row.name else f"{row.type} ({row.name})"
    return f"{text} shares {row.shared_with}" if row.shared_with else text


def _reads(row: LayerRow, report: Report) -> str | None:
    """What a node reads, where the spec said (``from:``): otherwise it reads the row above or its block's input."""
    return ", ".join(row.inputs) if row.explicit_inputs else None


def _output_mark(row: LayerRow, report: Report) -> str | None:
    """Marks the outputs where it tells something: several outputs, or one that is not the last row."""
    if not row.is_output or (len(report.outputs) == 1 and row is report.layers[-1]):
        return None
    return "output"


LAYER = Column("layer", lambda r, _: r.path)
TYPE = Column("type", _type)
OUTPUT = Column("output", lambda r, _: r.output_shape)
READS = Column("reads", _reads, optional=True)
MARK = Column("", _output_mark, optional=True)

VIEWS: dict[str, tuple[Column, ...]] = {
    "shape": (
        LAYER,
        TYPE,
        READS,
        Column("kernel", lambda r, _: None if r.block else r.settings.get("kernel_size")),
        Column("stride", lambda r, _: None if r.block else r.settings.get("stride")),
        Column("ceil", lambda r, _: "ceil" if r.settings.get("ceil_mode") else None, optional=True),
        Column("padding", lambda r, _: None if r.block else r.settings.get("padding")),
        Column("dilation", lambda r, _: None if r.block else r.settings.get("dilation")),
        Column("input", lambda r, _: r.input_shape),
        OUTPUT,
        MARK,
        Column("other conventions", _other_conventions, optional=True),
        _working("shape"),
    ),
    "params": (
        LAYER,
        TYPE,
        OUTPUT,
        MARK,
        Column("weight shape", lambda r, _: r.weight_shape),
        Column("weights", lambda r, _: r.weights if r.weights or r.block else None, True),
        Column("bias", lambda r, _: r.bias if r.weights or r.block else None, True),
        Column("params", lambda r, _: r.params, True),
        Column("share", _share, True),
        Column("MACs", lambda r, _: r.macs if r.weights or r.block or r.shared_with else None, True),
        Column("dense params", lambda r, _: r.fc_params, True),
        Column("dense/conv", _ratio, True),
        _working("params"),
    ),
    "rf": (
        LAYER,
        TYPE,
        OUTPUT,
        MARK,
        Column("receptive field", lambda r, _: r.receptive_field),
        Column("jump", lambda r, _: r.jump),
        Column("start", lambda r, _: r.start),
        Column("per branch", lambda r, _: " | ".join(_shape(b) if b else "?" for b in r.branch_receptive_fields)
               if r.branch_receptive_fields else None, optional=True),
        _working("rf"),
    ),
}
VIEWS["check"] = VIEWS["shape"]
#: A paper's table (GoogLeNet's Table 1; LeNet-5's params and connections): top-level rows.
VIEWS["paper"] = (
    Column("layer", lambda r, _: r.name or r.path),
    Column("type", lambda r, _: r.type),
    Column("patch/stride", _patch, optional=True),
    Column("output", _paper_output),
    Column("depth", lambda r, _: r.weight_layers, True),
    Column("#1x1", _reduce("ch1x1"), True, optional=True),
    Column("#3x3 reduce", _reduce("ch3x3red"), True, optional=True),
    Column("#3x3", _reduce("ch3x3"), True, optional=True),
    Column("#5x5 reduce", _reduce("ch5x5red"), True, optional=True),
    Column("#5x5", _reduce("ch5x5"), True, optional=True),
    Column("pool proj", _reduce("pool_proj"), True, optional=True),
    Column("params", lambda r, _: r.params, True),
    Column("connections", lambda r, _: r.connections, True),
    Column("ops", _millions, True, optional=True),
)


def cell(value: Any, *, human: bool) -> str:
    """A raw column value as text: shapes as ``6x28x28``; ints with thousands separators when ``human``."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{value:.1f}%" if human else f"{value:.2f}"
    if isinstance(value, Times):
        return f"{value:,.0f}x" if human else f"{value:.1f}"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}" if human else str(value)
    if isinstance(value, tuple):
        return _shape(value)
    return str(value)


def visible(report: Report, depth: int | None) -> list[LayerRow]:
    return [r for r in report.layers if depth is None or r.depth <= depth]


def columns(report: Report, view: str, rows: list[LayerRow]) -> list[Column]:
    """The view's columns, less the optional ones empty in every row (LeNet-5 has no 1x1 filters)."""
    return [c for c in VIEWS[view] if not c.optional or any(c.value(r, report) not in (None, "") for r in rows)]


def total_lines(report: Report, view: str) -> list[str]:
    """Summary lines under a table (plain text; the table renderer styles them)."""
    t = report.totals
    arrow = _arrow(report)
    batch = f" (batch {report.batch})" if report.batch != 1 else ""
    if view in ("params", "paper"):
        return [
            f"params: {t.params:,} (trainable {t.trainable_params:,}, non-trainable {t.non_trainable_params:,}), "
            f"{t.param_bytes / 1024 ** 2:,.2f} MiB as float32",
            f"buffers: {t.buffers:,}   MACs: {t.macs:,}{batch}   connections: {t.connections:,}   "
            f"activations: {t.activations:,}   {arrow}",
        ]
    if view == "rf":
        known = [r for r in report.layers if r.receptive_field is not None and r.jump is not None]
        if not known:
            return [arrow]
        largest = max(known, key=lambda r: r.receptive_field)
        line = (f"{arrow}   largest receptive field {_shape(largest.receptive_field)} (jump {_shape(largest.jump)}) "
                f"at {largest.path}")
        spatial = report.input_shape[1:]
        if len(spatial) == len(largest.receptive_field) and any(f > i for f, i in zip(largest.receptive_field, spatial)):
            line += f", larger than the {_shape(spatial)} input: the rest is padding"
        return [line]
    return [f"{arrow}   params {t.params:,}   MACs {t.macs:,}{batch}"]


def _arrow(report: Report) -> str:
    """``1x28x28 → 10``; with several inputs or outputs, each named: ``left 1x105x105, right … → 1``."""
    if report.output_shape is None:
        outs = "(invalid)"
    elif len(report.outputs) > 1:
        outs = ", ".join(f"{name} {_shape(shape)}" for name, shape in report.outputs)
    else:
        outs = _shape(report.output_shape)
    ins = (", ".join(f"{name} {_shape(shape)}" for name, shape in report.inputs) if len(report.inputs) > 1
           else _shape(report.input_shape))
    return f"{ins} → {outs}"


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def to_csv(report: Report, view: str, depth: int | None = None) -> str:
    rows = visible(report, depth)
    cols = columns(report, view, rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.header for c in cols])
    for row in rows:
        writer.writerow([cell(c.value(row, report), human=False) for c in cols])
    return buf.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(report: Report, view: str, depth: int | None = None) -> str:
    rows = visible(report, depth)
    cols = columns(report, view, rows)
    lines = []
    if report.name:
        lines += [f"**{_md_escape(report.name)}**", ""]
    lines.append("| " + " | ".join(c.header for c in cols) + " |")
    lines.append("|" + "|".join("---:" if c.numeric else "---" for c in cols) + "|")
    for row in rows:
        cells = []
        for i, c in enumerate(cols):
            text = _md_escape(cell(c.value(row, report), human=True))
            if i == 0 and row.depth:
                text = "&nbsp;&nbsp;" * row.depth + text
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += [line + "  " for line in total_lines(report, view)]
    return "\n".join(lines).rstrip() + "\n"


def grid_csv(headers: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue()


def grid_markdown(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def grid_plain(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> str:
    """A borderless aligned table without rich (solve's output)."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["   ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(r, widths, numeric)).rstrip()
             for r in [headers, *rows]]
    return "\n".join(lines) + "\n"
