"""The analysis: walk a network once, joining shapes, counts and receptive fields.

:func:`analyze` returns a :class:`Report`; ``Report.to_dict()`` is the JSON
contract (``schema: convcalc.report/1``) every command prints with ``--json``.
An invalid network does not raise: the report comes back with ``ok = False``,
the rows computed before the failure, and the error among its diagnostics.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import receptive
from .errors import NetworkError
from .layers import CONVENTIONS, KEEP, Layer, Shape, Window, dims
from .network import Add, Auxiliary, Block, Concat, Network, Node, Sequential

SCHEMA = "convcalc.report/1"
BYTES_PER_PARAM = 4  #: float32


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    severity: str  #: "error" or "warning"
    path: str | None  #: the spec element, e.g. ``layers[5].branches[1][0]``
    message: str  #: one line, starting with the layer's type
    hint: str | None = None  #: what to change, where known
    code: str | None = None  #: stable identifier of the check (``inexact-division``, ``not-flat``, …)

    @property
    def line(self) -> str:
        return f"{self.path} {self.message}" if self.path else self.message

    def to_dict(self) -> dict[str, Any]:
        d = {"severity": self.severity, "path": self.path, "message": self.message}
        if self.hint:
            d["hint"] = self.hint
        if self.code:
            d["code"] = self.code
        return d


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerRow:
    """One row of the report: a layer, or a block (which comes before its children)."""

    path: str  #: spec element: ``layers[3]``, ``layers[5].branches[1][0]``
    name: str | None  #: the user's name for it, if any
    type: str  #: canonical type name (``conv2d``, ``concat``, …)
    block: bool  #: True for sequential/concat/add rows; their counts sum their children
    depth: int  #: nesting level, 0 at the top
    input_shape: Shape
    output_shape: Shape
    params: int  #: what ``module.parameters()`` counts
    trainable_params: int
    weights: int  #: weight elements (kernel or matrix)
    bias: int  #: bias elements
    buffers: int  #: BatchNorm running stats and counter
    weight_shape: Shape | None
    macs: int  #: multiply-accumulates of conv/linear weights, bias excluded, × batch
    connections: int  #: weighted inputs plus bias terms (LeCun 1998), × batch
    fc_params: int | None  #: weights of a dense layer mapping the same input volume to the same output volume
    activations: int  #: elements of the output, × batch
    weight_layers: int  #: layers with weights on the longest path through this row (a paper's "depth")
    receptive_field: tuple[int, ...] | None
    jump: tuple[int, ...] | None
    start: tuple[Fraction, ...] | None
    settings: dict[str, Any] = field(default_factory=dict)  #: kernel_size, stride, padding, dilation, groups, …
    branch_receptive_fields: tuple[tuple[int, ...] | None, ...] | None = None  #: blocks: per branch
    explain: dict[str, str] | None = None  #: --explain: the arithmetic of "shape", "params", "rf"

    def to_dict(self) -> dict[str, Any]:
        d = {
            "path": self.path, "name": self.name, "type": self.type, "block": self.block, "depth": self.depth,
            "input_shape": list(self.input_shape), "output_shape": list(self.output_shape),
            "params": self.params, "trainable_params": self.trainable_params,
            "weights": self.weights, "bias": self.bias, "buffers": self.buffers,
            "weight_shape": _list(self.weight_shape), "macs": self.macs, "connections": self.connections,
            "fc_params": self.fc_params, "weight_layers": self.weight_layers, "activations": self.activations,
            "receptive_field": _list(self.receptive_field), "jump": _list(self.jump),
            "start": None if self.start is None else [_number(s) for s in self.start],
        }
        d.update({k: _jsonable(v) for k, v in self.settings.items()})
        if self.branch_receptive_fields is not None:
            d["branch_receptive_fields"] = [_list(b) for b in self.branch_receptive_fields]
        if self.explain is not None:
            d["explain"] = self.explain
        return d


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    params: int
    trainable_params: int
    non_trainable_params: int
    buffers: int
    macs: int
    param_bytes: int
    connections: int
    aux_params: int  #: parameters in auxiliary heads (included in params; 0 unless --aux)
    activations: int  #: output elements of every layer, × batch (what a forward pass keeps for backward, roughly)

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    name: str | None
    input_shape: Shape
    output_shape: Shape | None  #: None when the network is invalid
    batch: int
    layers: tuple[LayerRow, ...]
    totals: Totals
    diagnostics: tuple[Diagnostic, ...]
    convention: str = "torch"
    #: --compare-conventions: path → {convention: output shape, or None where it is refused}, for the
    #: rows whose output differs under another convention
    other_conventions: dict[str, dict[str, Shape | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        layers = [r.to_dict() for r in self.layers]
        for row in layers:
            if row["path"] in self.other_conventions:
                row["other_conventions"] = {k: _list(v) for k, v in self.other_conventions[row["path"]].items()}
        return {
            "schema": SCHEMA, "name": self.name, "input_shape": list(self.input_shape),
            "output_shape": _list(self.output_shape), "batch": self.batch, "ok": self.ok,
            "convention": self.convention, "layers": layers, "totals": self.totals.to_dict(),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def _list(t):
    return None if t is None else list(t)


def _number(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _jsonable(v):
    if isinstance(v, tuple):
        return [_jsonable(i) for i in v]
    return v


Fields = tuple[receptive.Field, ...] | None

#: Layer attributes shown in the shape table and copied into each row's JSON.
SETTINGS = ("kernel_size", "stride", "padding", "dilation", "groups", "ceil_mode", "output_padding", "output_size")


def _settings(layer: Layer) -> dict[str, Any]:
    out = {key: getattr(layer, key) for key in SETTINGS if getattr(layer, key, None) is not None}
    if "kernel_size" in out and "stride" not in out and hasattr(layer, "stride"):
        out["stride"] = layer.kernel_size  # pools: stride defaults to the kernel
    return out


class _Walk:
    """One pass over the tree, appending rows in execution order (blocks before their children)."""

    def __init__(self, batch: int, strict: bool, convention: str = "torch", explain: bool = False):
        self.explain = explain
        self.batch = batch
        self.convention = convention
        self.strict = strict
        self.in_aux = 0  #: > 0 while walking inside an auxiliary head
        self.aux_params = 0
        self.rows: list[LayerRow | None] = []
        self.diagnostics: list[Diagnostic] = []

    def nodes(self, nodes: tuple[Node, ...], x: Shape, rf: Fields, depth: int) -> tuple[Shape, Fields, int]:
        """Run ``nodes`` in order: the output shape, receptive field and weight layers on the longest path."""
        total = 0
        for node in nodes:
            x, rf, deep = self.node(node, x, rf, depth)
            total += deep
        return x, rf, total

    def node(self, node: Node, x: Shape, rf: Fields, depth: int) -> tuple[Shape, Fields, int]:
        if isinstance(node, Block):
            return self.block(node, x, rf, depth)
        return self.layer(node, x, rf, depth)

    def layer(self, layer: Layer, x: Shape, rf: Fields, depth: int) -> tuple[Shape, Fields, int]:
        effect = layer.apply(x, self.convention)
        for note in effect.warnings:
            promote = self.strict and note.code == "inexact-division"
            self.diagnostics.append(Diagnostic(severity="error" if promote else "warning", path=layer.path,
                                               message=f"{layer.label}: {note.message}", hint=note.hint, code=note.code))
        out = effect.output_shape
        if effect.receptive == KEEP:
            rf_out = rf if len(out) == len(x) else None
        elif isinstance(effect.receptive, Window) and rf is not None:
            rf_out = receptive.through_window(rf, effect.receptive)
        else:
            rf_out = None
        params = effect.params
        if self.in_aux:
            self.aux_params += params
        deep = 1 if effect.weights else 0
        self.rows.append(LayerRow(
            path=layer.path, name=layer.name, type=layer.type, block=False, depth=depth,
            input_shape=x, output_shape=out, params=params, trainable_params=params if layer.trainable else 0,
            weights=effect.weights, bias=effect.bias, buffers=effect.buffers, weight_shape=effect.weight_shape,
            macs=effect.macs * self.batch, connections=effect.connections * self.batch, fc_params=effect.fc_params,
            activations=math.prod(out) * self.batch,
            weight_layers=deep, explain=self.working(layer, x, effect, rf, rf_out) if self.explain else None, settings=_settings(layer),
            **_rf_columns(rf_out),
        ))
        return out, rf_out, deep

    def working(self, layer: Layer, x: Shape, effect, rf_in: Fields, rf_out: Fields) -> dict[str, str]:
        from . import explain

        lines = {"shape": explain.shape(layer, x, effect, self.convention), "params": explain.params(layer, x, effect),
                 "rf": explain.receptive(effect, rf_in, rf_out)}
        return {k: v for k, v in lines.items() if v}

    def block(self, block: Block, x: Shape, rf: Fields, depth: int) -> tuple[Shape, Fields, int]:
        try:
            return self._block(block, x, rf, depth)
        except NetworkError as exc:
            if block.name:  # say which named blocks the failing layer sits in
                exc.within.insert(0, block.name)
            raise

    def _block(self, block: Block, x: Shape, rf: Fields, depth: int) -> tuple[Shape, Fields, int]:
        index = len(self.rows)
        self.rows.append(None)  # the block's row, filled in once its children are known
        branch_rfs: list[Fields] | None = None
        head: Shape = x
        if isinstance(block, Sequential):
            out, rf_out, deep = self.nodes(block.layers, x, rf, depth + 1)
        elif isinstance(block, Auxiliary):
            self.in_aux += 1
            head, _, _ = self.nodes(block.layers, x, rf, depth + 1)
            self.in_aux -= 1
            out, rf_out, deep = x, rf, 0  # the main path goes on with the block's input
        else:
            results = [self.nodes(branch, x, rf, depth + 1) for branch in block.branches]
            if isinstance(block, Add) and len(results) == 1:
                results.append((x, rf, 0))  # a single branch gets the identity shortcut
            out = self.join(block, x, [r[0] for r in results])
            deep = max(r[2] for r in results)
            branch_rfs = [r[1] for r in results]
            rf_out, aligned = receptive.merge(branch_rfs)
            if not aligned:
                jumps = ", ".join(dims(tuple(f.jump for f in b)) for b in branch_rfs)
                self.diagnostics.append(Diagnostic(
                    severity="warning", path=block.path, code="receptive-field",
                    message=f"{block.label}: branches are not aligned (jumps {jumps}); "
                            "the receptive field shown is the largest branch's"))
        children = [r for r in self.rows[index + 1:] if r is not None and not r.block]
        params = sum(r.params for r in children)
        self.rows[index] = LayerRow(
            path=block.path, name=block.name, type=block.type, block=True, depth=depth,
            input_shape=x, output_shape=head if isinstance(block, Auxiliary) else out, params=params,
            trainable_params=sum(r.trainable_params for r in children),
            weights=sum(r.weights for r in children), bias=sum(r.bias for r in children),
            buffers=sum(r.buffers for r in children), weight_shape=None,
            macs=sum(r.macs for r in children), connections=sum(r.connections for r in children), fc_params=None,
            activations=math.prod(out) * self.batch,
            weight_layers=deep, settings=dict(block.settings),
            branch_receptive_fields=None if branch_rfs is None else tuple(
                None if b is None else tuple(f.size for f in b) for b in branch_rfs),
            **_rf_columns(rf_out),
        )
        return out, rf_out, deep

    def join(self, block: Block, x: Shape, outs: list[Shape]) -> Shape:
        names = [f"branch {i}" for i in range(len(outs))]
        if isinstance(block, Add) and len(block.branches) == 1:
            names[1] = "the identity shortcut"
        if isinstance(block, Concat):
            # torch.cat: every tensor has the same rank; dim counts the batch dim and is resolved
            # against the branches' outputs, not the block's input
            for name, o in zip(names[1:], outs[1:]):
                if len(o) != len(outs[0]):
                    raise NetworkError(f"{block.label}: {name} yields {dims(o)} but {names[0]} yields "
                                       f"{dims(outs[0])}; tensors must have the same number of dims", path=block.path)
            rank = len(outs[0]) + 1
            dim = block.dim + rank if block.dim < 0 else block.dim
            if not 0 <= dim < rank:
                raise NetworkError(f"{block.label}: dim={block.dim} is out of range for the branches' {rank}-dim "
                                   "outputs (batch included)", path=block.path)
            if dim == 0:
                raise NetworkError(f"{block.label}: dim={block.dim} concatenates along the batch dim, which convcalc "
                                   "does not model", path=block.path, hint="use dim=1 (the channels)")
            d = dim - 1
            for name, o in zip(names[1:], outs[1:]):
                if o[:d] + o[d + 1:] != outs[0][:d] + outs[0][d + 1:]:
                    raise NetworkError(
                        f"{block.label}: {name} yields {dims(o)} but {names[0]} yields {dims(outs[0])}; "
                        f"all dims but dim {block.dim} must agree", path=block.path,
                        hint="give every branch the same stride and padding")
            return (*outs[0][:d], sum(o[d] for o in outs), *outs[0][d + 1:])
        for name, o in zip(names[1:], outs[1:]):
            if o != outs[0]:
                hint = None
                if name == "the identity shortcut" and len(o) == len(outs[0]):
                    s = [a // b if b and a % b == 0 else None for a, b in zip(o[1:], outs[0][1:])]
                    stride = f", stride={s[0]}" if s and s[0] and s[0] > 1 and len(set(s)) == 1 else ""
                    hint = (f"add a projection shortcut as a second branch: [conv{len(o) - 1}d({outs[0][0]}, 1{stride})]"
                            if len(o) > 1 else None)
                raise NetworkError(f"{block.label}: {name} yields {dims(o)} but {names[0]} yields {dims(outs[0])}; "
                                   "added tensors must have the same shape", path=block.path, hint=hint)
        return outs[0]


def _rf_columns(rf: Fields) -> dict[str, Any]:
    if rf is None:
        return {"receptive_field": None, "jump": None, "start": None}
    return {"receptive_field": tuple(f.size for f in rf), "jump": tuple(f.jump for f in rf),
            "start": tuple(f.start for f in rf)}


def analyze(network: Network, *, input_shape: Shape | None = None, batch: int = 1, strict: bool = False,
            convention: str = "torch", explain: bool = False) -> Report:
    """Analyse ``network`` on ``input_shape`` (default: the spec's own).

    ``strict`` turns inexact divisions that drop input pixels into errors; ``convention`` is ``torch``, ``tf`` or ``caffe``
    (see :data:`convcalc.layers.CONVENTIONS`); ``explain`` adds each layer's arithmetic to its row.
    """
    x = input_shape or network.input_shape
    if x is None:
        raise ValueError("no input shape")
    walk = _Walk(batch, strict, convention, explain)
    walk.diagnostics += [Diagnostic(severity="warning", path=path, message=message, code="reader")
                         for path, message in network.notes]
    rf = receptive.initial(len(x) - 1) if len(x) > 1 else None
    out: Shape | None
    try:
        out, _, _ = walk.nodes(network.layers, x, rf, 0)
    except NetworkError as exc:
        within = f" (in {' › '.join(exc.within)})" if exc.within else ""
        walk.diagnostics.append(Diagnostic(severity="error", path=exc.path, message=exc.message + within,
                                           hint=exc.hint))
        out = None
    rows = tuple(r for r in walk.rows if r is not None)
    leaves = [r for r in rows if not r.block]
    params = sum(r.params for r in leaves)
    trainable = sum(r.trainable_params for r in leaves)
    totals = Totals(params=params, trainable_params=trainable, non_trainable_params=params - trainable,
                    buffers=sum(r.buffers for r in leaves), macs=sum(r.macs for r in leaves),
                    param_bytes=params * BYTES_PER_PARAM, connections=sum(r.connections for r in leaves),
                    aux_params=walk.aux_params, activations=sum(r.activations for r in leaves))
    return Report(name=network.name, input_shape=x, output_shape=out, batch=batch, layers=rows, totals=totals,
                  diagnostics=tuple(walk.diagnostics), convention=convention)


def compare_conventions(network: Network, report: Report) -> Report:
    """``report`` with, for every row whose output differs under another convention, those outputs
    (None where that convention refuses the layer or an earlier one)."""
    others = {}
    for convention in CONVENTIONS:
        if convention == report.convention:
            continue
        other = analyze(network, input_shape=report.input_shape, batch=report.batch, convention=convention)
        shapes_there = {r.path: r.output_shape for r in other.layers}
        for row in report.layers:
            there = shapes_there.get(row.path)
            if there != row.output_shape:
                others.setdefault(row.path, {})[convention] = there
    return dataclasses.replace(report, other_conventions=others)



def smallest_input(network: Network, *, channels: int | None = None, limit: int = 4096) -> tuple[Shape | None, Report | None]:
    """The smallest input with all spatial dims equal that ``network`` accepts, and the report of the
    size just below it (None when size 1 already passes). Scans sizes upward from 1, so a network
    that accepts 15 but not 14 answers 15 even if it would fail again at some larger size."""
    base = network.input_shape
    c = channels or base[0]
    ndim = len(base) - 1
    previous = None
    for size in range(1, limit + 1):
        report = analyze(network, input_shape=(c, *(size,) * ndim))
        if report.ok:
            return report.input_shape, previous
        previous = report
    return None, previous


def exact_inputs(network: Network, start: int, stop: int) -> list[Shape]:
    """The square inputs from ``start`` to ``stop`` at which the network passes with every division
    exact (no row dropped by floor rounding: ``--strict``)."""
    base = network.input_shape
    ndim = len(base) - 1
    inexact = ("inexact-division", "padding-only-division")
    found = []
    for size in range(start, stop + 1):
        report = analyze(network, input_shape=(base[0], *(size,) * ndim))
        if report.ok and not any(d.code in inexact for d in report.diagnostics):
            found.append(report.input_shape)
    return found


def pair_rows(a: Report, b: Report) -> list[tuple[str, LayerRow | None, LayerRow | None, bool]]:
    """Rows of two reports matched by path, in A's order then B's extra rows, each with whether the
    type, output shape, params or MACs differ."""
    rows_b = {r.path: r for r in b.layers}
    seen = set()
    pairs = []
    for ra in a.layers:
        rb = rows_b.get(ra.path)
        seen.add(ra.path)
        pairs.append((ra.path, ra, rb, rb is None or (ra.type, ra.output_shape, ra.params, ra.macs)
                      != (rb.type, rb.output_shape, rb.params, rb.macs)))
    pairs += [(rb.path, None, rb, True) for rb in b.layers if rb.path not in seen]
    return pairs
