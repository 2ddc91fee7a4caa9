"""Plain-text renderers (JSON, CSV, Markdown) and the column views every renderer shares.

Renderers only turn a :class:`~convcalc.report.Report` into a string; they compute
nothing the report does not hold. Standard library only: rich lives in ``table.py``.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ..records import record
from ..report import LayerRow, Report
from .bars import share_bar


@record(frozen=True, slots=True)
class Column:
    header: str
    value: Callable[[LayerRow, Report], Any]  #: raw value: int, str, tuple (a shape) or None
    numeric: bool = False
    optional: bool = False  #: left out when empty in every row
    priority: int = 5  #: on a narrow terminal, columns with the highest numbers are left out first
    fold: str | None = None  #: long values may be folded onto several lines, preferably after this text
    core: bool = False  #: never left out to fit a width (a view's name, type and main figures)
    prose: bool = False  #: free text (--explain's working): folded to a comfortable width before anything is dropped
    sum: bool = False  #: a count that adds up over rows (collapsed repeats show the sum)
    terminal: bool = False  #: drawn in terminal tables only (share bars), not in CSV, Markdown or HTML

    @property
    def key(self) -> str:
        """What ``--columns`` calls it: the header, lower-case, dashes for spaces (``weight-shape``)."""
        return {"dense/conv": "dense-ratio", "": "mark"}.get(self.header, self.header.lower().replace(" ", "-"))


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


_positions: tuple = ((), {})  #: the rows of the last report :func:`_children` was asked about, and where each is


def _children(row: LayerRow, report: Report) -> list[LayerRow]:
    """The layer rows inside a block row: those whose path extends its own, which follow it. Read from the
    row's position onward, so that asking for every block's children stays linear in the rows."""
    global _positions
    rows = report.layers
    if _positions[0] is not rows:
        _positions = (rows, {id(r): i for i, r in enumerate(rows)})
    prefix = row.path + "."
    start = _positions[1].get(id(row))
    if start is None:  # not one of the report's own rows
        return [r for r in rows if r.path.startswith(prefix) and not r.block]
    out = []
    for i in range(start + 1, len(rows)):
        if not rows[i].path.startswith(prefix):
            break
        if not rows[i].block:
            out.append(rows[i])
    return out


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
    return Column("working", lambda r, _: (r.explain or {}).get(key), optional=True, priority=1, fold=" ",
                  prose=True)


def _label(row: LayerRow) -> str | None:
    """A name that is not the node's own (a label such as 'conv1 7x7/2'), else None."""
    if not row.name or row.name == row.node.rpartition(".")[2]:
        return None
    return row.name


def _type(row: LayerRow, report: Report) -> str:
    label = _label(row)
    text = row.type if not label else f"{row.type} ({label})"
    if not row.shared_with:
        return text
    from ..i18n import label

    return f"{text} {label('shares')} {row.shared_with}"  # --lang zh: 共享


def _frozen(row: LayerRow, report: Report) -> int | None:
    """Parameters of ``trainable: false`` layers (frozen): empty unless some are."""
    frozen = row.params - row.trainable_params
    return frozen or None


def _bytes(kind: str) -> Callable[[LayerRow, Report], Any]:
    def value(row: LayerRow, report: Report):
        from ..memory import row_memory

        n = getattr(row_memory(row, report.dtype), kind)
        return Bytes(n) if n else None

    return value


class Bytes(int):
    """A byte count: ``97.5 MiB`` for people, the number in CSV."""


def _reads(row: LayerRow, report: Report) -> str | None:
    """What a node reads, where the spec said (``from:``): otherwise it reads the row above or its block's input."""
    return ", ".join(row.inputs) if row.explicit_inputs else None


def _output_mark(row: LayerRow, report: Report) -> str | None:
    """Marks the outputs where it tells something: several outputs, or one that is not the last row."""
    if not row.is_output or (len(report.outputs) == 1 and row is report.layers[-1]):
        return None
    return "output"


LAYER = Column("layer", lambda r, _: r.node or r.path, priority=0, fold=".", core=True)
TYPE = Column("type", _type, priority=1, fold=" ", core=True)
def batched(shape, report: Report):
    """A shape as torch prints it when the user gave the input with its batch dim (``--input 1x1x28x28``)."""
    return (report.batch, *shape) if shape is not None and report.batch_in_shapes else shape


OUTPUT = Column("output", lambda r, rep: batched(r.output_shape, rep), priority=2, core=True)
READS = Column("reads", _reads, optional=True, priority=8, fold=", ")
MARK = Column("", _output_mark, optional=True, priority=2)
FROZEN = Column("frozen", _frozen, True, optional=True, priority=2, sum=True)

VIEWS: dict[str, tuple[Column, ...]] = {
    "shape": (
        LAYER,
        TYPE,
        READS,
        Column("kernel", lambda r, _: None if r.block else r.settings.get("kernel_size"), priority=4),
        Column("stride", lambda r, _: None if r.block else r.settings.get("stride"), priority=5),
        Column("ceil", lambda r, _: "ceil" if r.settings.get("ceil_mode") else None, optional=True, priority=7),
        Column("padding", lambda r, _: None if r.block else r.settings.get("padding"), priority=6),
        Column("dilation", lambda r, _: None if r.block else r.settings.get("dilation"), priority=9),
        Column("input", lambda r, rep: batched(r.input_shape, rep), priority=3),
        OUTPUT,
        MARK,
        Column("other conventions", _other_conventions, optional=True, priority=2, fold="; ", prose=True),
        _working("shape"),
    ),
    "params": (
        LAYER,
        TYPE,
        OUTPUT,
        MARK,
        Column("weight shape", lambda r, _: r.weight_shape, priority=6),
        Column("weights", lambda r, _: r.weights if r.weights or r.block else None, True, priority=8, sum=True),
        Column("bias", lambda r, _: r.bias if r.weights or r.block else None, True, priority=11, sum=True),
        Column("params", lambda r, _: r.params, True, priority=1, core=True, sum=True),
        FROZEN,
        Column("share", _share, True, priority=4, sum=True),
        Column("bar", share_bar("params", width=6), optional=True, priority=9, terminal=True),
        Column("MACs", lambda r, _: r.macs if r.weights or r.block or r.shared_with else None, True, priority=3,
               sum=True),
        Column("dense params", lambda r, _: r.fc_params, True, priority=10),
        Column("dense/conv", _ratio, True, priority=7),
        _working("params"),
    ),
    "rf": (
        LAYER,
        TYPE,
        OUTPUT,
        MARK,
        Column("receptive field", lambda r, _: r.receptive_field, priority=1, core=True),
        Column("jump", lambda r, _: r.jump, priority=2),
        Column("start", lambda r, _: r.start, priority=4),
        Column("per branch", lambda r, _: " | ".join(_shape(b) if b else "?" for b in r.branch_receptive_fields)
               if r.branch_receptive_fields else None, optional=True, priority=5, fold=" | "),
        _working("rf"),
    ),
    "memory": (
        LAYER,
        TYPE,
        OUTPUT,
        Column("params", lambda r, _: r.params, True, priority=4, sum=True),
        FROZEN,
        Column("param bytes", _bytes("params"), True, priority=1, core=True, sum=True),
        Column("buffer bytes", _bytes("buffers"), True, priority=3, sum=True),
        Column("activation bytes", _bytes("activations"), True, priority=2, core=True, sum=True),
    ),
}
VIEWS["check"] = VIEWS["shape"]

#: Columns any view can show with ``--columns`` (by key), beyond its own.
EXTRA: tuple[Column, ...] = (
    Column("name", lambda r, _: r.name, priority=6),
    Column("path", lambda r, _: r.path, priority=9, fold="."),
    Column("trainable", lambda r, _: r.trainable_params if r.params else None, True, priority=6, sum=True),
    Column("buffers", lambda r, _: r.buffers or None, True, priority=8, sum=True),
    Column("connections", lambda r, _: r.connections, True, priority=8, sum=True),
    Column("activations", lambda r, _: r.activations, True, priority=8, sum=True),
    Column("depth", lambda r, _: r.weight_layers, True, priority=8),
)


def every_column(view: str) -> list[Column]:
    """The view's columns, then those of the other views and :data:`EXTRA`, each key once."""
    seen: dict[str, Column] = {}
    for col in (*VIEWS[view], *(c for v in ("shape", "params", "rf", "memory") for c in VIEWS[v]), *EXTRA):
        if col.key != "working" or col in VIEWS[view]:
            seen.setdefault(col.key, col)
    return list(seen.values())


def pick_columns(view: str, keys: list[str]) -> list[Column]:
    """``--columns layer,type,params``: the named columns in that order (unknown keys are errors)."""
    from ..errors import SpecError, did_you_mean

    by_key = {c.key: c for c in every_column(view)}
    picked = []
    for key in keys:
        key = key.strip().lower().replace(" ", "-").replace("_", "-")
        key = {"macs": "macs", "rf": "receptive-field", "kind": "type", "node": "layer"}.get(key, key)
        if not key:
            continue
        if key not in by_key:
            raise SpecError(f"--columns: no column {key!r}", hint=did_you_mean(key, by_key)
                            or "the columns: " + ", ".join(by_key))
        picked.append(dataclasses.replace(by_key[key], optional=False, core=True))
    return picked
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
    if isinstance(value, Bytes):
        from ..memory import human_bytes

        return human_bytes(value) if human else str(int(value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}" if human else str(value)
    if isinstance(value, tuple):
        return _shape(value)
    return str(value)


def visible(report: Report, depth: int | None) -> list[LayerRow]:
    return [r for r in report.layers if depth is None or r.depth <= depth]


def columns(report: Report, view: str, rows: list[LayerRow], *, terminal: bool = False) -> list[Column]:
    """The view's columns, less the optional ones empty in every row (LeNet-5 has no 1x1 filters) and, unless
    for a terminal, the terminal-only ones."""
    return [c for c in VIEWS[view] if (terminal or not c.terminal)
            and (not c.optional or any(c.value(r, report) not in (None, "") for r in rows))]


def total_lines(report: Report, view: str) -> list[str]:
    """Summary lines under a table (plain text; the table renderer styles them)."""
    t = report.totals
    arrow = _arrow(report)
    batch = f" (batch {report.batch})" if report.batch != 1 else ""
    if view in ("params", "paper"):
        aux = f", auxiliary heads {t.aux_params:,}" if t.aux_params else ""
        return [
            f"params: {t.params:,} (trainable {t.trainable_params:,}, frozen {t.non_trainable_params:,}{aux})",
            f"buffers: {t.buffers:,}   MACs: {t.macs:,}{batch}   connections: {t.connections:,}",
            f"activations: {t.activations:,}   {arrow}",
            *memory_lines(report),
        ]
    if view == "memory":
        return [f"{arrow}   params {t.params:,} (trainable {t.trainable_params:,}, frozen {t.non_trainable_params:,})"
                f"   activations {t.activations:,}{batch}", *memory_lines(report, detail=True)]
    if view == "rf":
        known = [r for r in report.layers if r.receptive_field is not None and r.jump is not None]
        if not known:
            return [arrow]
        largest = max(known, key=lambda r: r.receptive_field)
        line = (f"{arrow}   largest receptive field {_shape(largest.receptive_field)} (jump {_shape(largest.jump)}) "
                f"at {largest.node or largest.path}")
        spatial = report.input_shape[1:]
        if len(spatial) == len(largest.receptive_field) and any(f > i for f, i in zip(largest.receptive_field, spatial)):
            line += f", larger than the {_shape(spatial)} input: the rest is padding"
        return [line]
    return [f"{arrow}   params {t.params:,}   MACs {t.macs:,}{batch}"]


def memory_lines(report: Report, detail: bool = False) -> list[str]:
    """The byte figures: parameters, buffers, activations and input (forward), and the training estimate
    when an optimizer is given."""
    from ..memory import human_bytes as b

    m = report.memory
    batch = f", batch {m.batch}" if m.batch != 1 or detail else ""
    lines = [f"memory ({m.dtype}{batch}): {b(m.forward)} for a forward pass =",
             f"  params {b(m.params)} + buffers {b(m.buffers)} + input {b(m.input)} + activations {b(m.activations)}"]
    if m.optimizer:
        state = "no state" if m.optimizer == "sgd" else f"state {b(m.optimizer_state)}"
        lines.append(f"training with {m.optimizer}: {b(m.training)} = forward + gradients {b(m.gradients)} + {state}")
    elif detail:
        lines.append("training: add --optimizer sgd|momentum|adam for gradients and optimizer state")
    if detail:
        lines.append("activations: every layer's output kept for the backward pass; not counted: framework "
                     "overhead, allocator caching, workspaces")
    return lines


def _arrow(report: Report) -> str:
    """``1x28x28 → 10``; with several inputs or outputs, each named: ``left 1x105x105, right … → 1``."""
    if report.output_shape is None:
        outs = "(invalid)"
    elif len(report.outputs) > 1:
        outs = ", ".join(f"{name} {_shape(batched(shape, report))}" for name, shape in report.outputs)
    else:
        outs = _shape(batched(report.output_shape, report))
    ins = (", ".join(f"{name} {_shape(batched(shape, report))}" for name, shape in report.inputs)
           if len(report.inputs) > 1 else _shape(batched(report.input_shape, report)))
    return f"{ins} → {outs}"


def to_json(report: Report) -> str:
    """The JSON report: the top level indented, each layer row on one line. (``json`` encodes in C only
    without ``indent``: one indented document of 100,000 rows took seconds longer.)"""
    buf = io.StringIO()
    write_json(report, buf)
    return buf.getvalue()


def write_json(report: Report, out, chunk: int = 1000) -> None:
    """:func:`to_json` written to ``out`` as the rows are made, ``chunk`` rows a write: a report of 100,000
    rows never holds all their objects, or its whole text, at once."""
    head, tail = report.json_parts()
    write_document(head, report.rows_json(), tail, out, chunk)


def write_document(head: dict, rows, tail: dict, out, chunk: int = 1000) -> None:
    """A report's JSON as :func:`to_json` lays it out: the ``head`` keys, ``"layers"`` with each of ``rows`` (a row's
    JSON text) on a line of its own, then the ``tail`` keys; also for reports of counts only
    (:mod:`.counts`)."""
    out.write("{\n" + "".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in head.items())
              + '  "layers": [')
    lines = []
    first = True
    for row in rows:
        lines.append(row)
        if len(lines) == chunk:
            out.write(("\n    " if first else ",\n    ") + ",\n    ".join(lines))
            lines, first = [], False
    if lines:
        out.write(("\n    " if first else ",\n    ") + ",\n    ".join(lines))
        first = False
    out.write("]" if first else "\n  ]")
    out.write("".join(f",\n  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in tail.items()) + "\n}\n")


def to_csv(report: Report, view: str, depth: int | None = None, cols: list[Column] | None = None) -> str:
    """One row per layer: ``node``, ``name`` and ``type`` apart, numbers plain; then a ``total`` row (its
    ``node`` is ``total``) with the sums of the counts and the network's input and output shapes."""
    rows = visible(report, depth)
    cols = cols or [c for c in columns(report, view, rows) if c is not MARK]
    cols = [c for c in cols if c.key not in ("layer", "type", "name")]
    buf = io.StringIO()
    import csv  # (only CSV output needs it)

    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["node", "name", "type", *(c.key for c in cols)])
    for row in rows:
        writer.writerow([row.node or row.path, row.name or "", row.type,
                         *(cell(c.value(row, report), human=False) for c in cols)])
    if report.ok:
        leaves = [r for r in report.layers if not r.block]
        totals = []
        for c in cols:
            if c.key in ("params", "weights", "bias", "macs", "frozen", "trainable", "buffers", "connections",
                         "activations", "param-bytes", "buffer-bytes", "activation-bytes"):
                totals.append(str(sum(int(c.value(r, report) or 0) for r in leaves)))
            elif c.key == "share":
                totals.append("100.00")
            elif c.key == "input":
                totals.append(_shape(report.input_shape))
            elif c.key == "output":
                totals.append(_shape(report.output_shape))
            else:
                totals.append("")
        writer.writerow(["total", "", "", *totals])
    return buf.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(report: Report, view: str, depth: int | None = None) -> str:
    """A Markdown table and the totals under it; with ``--lang zh`` its headers and totals in Chinese (the
    cells, like the JSON and CSV keys, stay as they are)."""
    from ..i18n import label, translate

    rows = visible(report, depth)
    cols = columns(report, view, rows)
    lines = []
    if report.name:
        lines += [f"**{_md_escape(report.name)}**", ""]
    lines.append("| " + " | ".join(_md_escape(label(c.header)) for c in cols) + " |")
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
    lines += [translate(line) + "  " for line in total_lines(report, view)]
    return "\n".join(lines).rstrip() + "\n"


def grid_csv(headers: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    import csv  # (only CSV output needs it)

    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue()


def grid_markdown(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def grid_plain(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> str:
    """A borderless aligned table without rich (solve's output); Chinese characters count two columns."""
    from ..i18n import display_width as width

    widths = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["   ".join(" " * (w - width(c)) + c if n else c + " " * (w - width(c))
                        for c, w, n in zip(r, widths, numeric)).rstrip() for r in [headers, *rows]]
    return "\n".join(lines) + "\n"
