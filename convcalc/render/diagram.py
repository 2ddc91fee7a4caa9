"""What a picture of a network shows: its tensors as feature maps, its structure as series and parallel regions.

Built from a :class:`~convcalc.graph.Network` (nodes, edges, blocks) and its
:class:`~convcalc.report.Report` (shapes, parameters); computes nothing the report does not hold.

* **Tensors.** Every node's result is one :class:`Tensor`, except that an element-wise layer (activation,
  batch norm, dropout, LRN) whose input nothing else reads is folded into the tensor it reads — a
  ``conv → bn → relu`` is one feature map, as textbooks draw it. ``Tensor.nodes`` lists the nodes it stands for.
* **Structure.** The tensors form a DAG. Between the network's input and its main output it is split
  recursively into a *series* of the tensors every path passes through, with the *regions* between
  them; a region whose paths do not all pass one tensor is a :class:`Parallel` of lanes (an Inception
  module's branches, a residual block's body and its skip, an SE gate's side path, a U-Net level's bridge
  and the path down and back up). What is not series-parallel is kept as a :class:`Seq` in topological
  order with its other edges as ``arcs``. Tensors off the input-to-output paths (auxiliary heads, other
  outputs) are :class:`Side` chains hung where they branch off.
* **Repeats.** A run of identical units (a gap and the tensor after it: ResNet's identical bottlenecks)
  becomes one :class:`Repeat` with its count.

Edges that only lend a size (``pad``/``interpolate`` with ``from: [x, like]``) are left out of the
structure: a U-Net's crop reads the encoder map, and takes only its size from the decoder's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..graph import Network, split_ref
from ..layers import Merge, Shape
from ..report import LayerRow, Report

#: Layer types folded into the tensor they read: shape-preserving, element-wise, one input.
ELEMENTWISE_PREFIXES = ("batchnorm", "instancenorm", "dropout", "alphadropout")
ELEMENTWISE = {
    "relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "mish", "sigmoid", "tanh", "hardswish", "hardsigmoid",
    "softplus", "softmax", "logsoftmax", "identity", "hardtanh", "selu", "celu", "logsigmoid", "softsign",
    "tanhshrink", "abs", "prelu", "localresponsenorm", "groupnorm", "layernorm",
}
UPSAMPLING = ("convtranspose", "upsample", "interpolate", "upsampling", "pixelshuffle")
VIRTUAL = "\0inputs"  #: the source standing for several network inputs (never drawn)


def is_elementwise(type_: str) -> bool:
    return type_ in ELEMENTWISE or type_.startswith(ELEMENTWISE_PREFIXES)


@dataclass(slots=True, kw_only=True)
class Tensor:
    """One drawn feature map (or vector): a node's result with the element-wise layers folded into it."""

    id: str  #: the node (or input name) whose result it first is
    nodes: list[str]  #: every node it stands for: its layer, then the folded element-wise ones
    type: str  #: the producing layer's type ("input" for a network input, "" for the virtual source)
    op: str = ""  #: what a merge does (concat, add, sub, mul), also where ``type`` names its block (inception)
    name: str | None  #: the user's name for the layer (or its block, for a branch block's merge)
    shape: Shape
    params: int = 0
    macs: int = 0
    settings: dict = field(default_factory=dict)
    folded: list[str] = field(default_factory=list)  #: types of the element-wise layers folded in
    inputs: list[str] = field(default_factory=list)  #: tensors it reads (ids)
    refs: list[str] = field(default_factory=list)  #: tensors it takes only a size from
    is_output: bool = False
    shared_with: str | None = None
    row: LayerRow | None = None

    @property
    def spatial(self) -> Shape:
        return self.shape[1:]

    @property
    def virtual(self) -> bool:
        return self.id == VIRTUAL

    @property
    def kind(self) -> str:
        """What colour it gets: input, conv, pool, up, linear, merge, flat (flatten/reshape), or other."""
        t = self.type
        if t == "input":
            return "input"
        if t.startswith(UPSAMPLING):
            return "up"
        if t.startswith("conv"):
            return "conv"
        if "pool" in t or t.startswith("subsampling"):
            return "pool"
        if t == "linear":
            return "linear"
        if t in ("concat", "add", "sub", "mul") or (self.row is not None and self.row.block):
            return "merge"
        if t in ("flatten", "reshape", "view"):
            return "flat"
        return "other"


@dataclass(slots=True)
class Edge:
    """A gap crossed by ``count`` plain edges (0: tensors side by side in a fallback chain, no edge)."""

    count: int = 1


@dataclass(slots=True)
class Seq:
    """A series: for a lane, gap, tensor, gap, …, gap; at the top, tensor, gap, tensor, …, tensor.
    ``arcs`` are the edges of a non-series-parallel stretch that do not join neighbours."""

    parts: list  #: Edge | Parallel | Repeat | Tensor, alternating gaps and tensors
    arcs: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Parallel:
    """A region between two tensors (drawn by the enclosing series) whose paths do not meet in between."""

    lanes: list[Seq]  #: each: gap, tensor, …, gap
    identity: int  #: direct edges from the region's source to its sink (a residual skip)
    source: Tensor
    sink: Tensor


@dataclass(slots=True)
class Repeat:
    """``count`` identical units (gap, tensor) drawn once; ``hidden`` are the tensors not drawn."""

    gap: object
    tensor: Tensor
    count: int
    hidden: list[Tensor]


@dataclass(slots=True)
class Side:
    """Tensors off the input-to-output paths (an auxiliary head): a chain hung below ``attach``."""

    attach: Tensor
    chain: Seq  #: gap, tensor, …, tensor


@dataclass(slots=True)
class Diagram:
    name: str | None
    tensors: dict[str, Tensor]  #: id → tensor, in topological order
    top: Seq  #: tensor, gap, tensor, …
    sides: list[Side]
    report: Report

    def drawn(self) -> list[Tensor]:
        """The tensors a picture draws, in order (not the virtual source, not the hidden repeats)."""
        out: list[Tensor] = []

        def walk(part) -> None:
            if isinstance(part, Tensor):
                if not part.virtual:
                    out.append(part)
            elif isinstance(part, Seq):
                for p in part.parts:
                    walk(p)
            elif isinstance(part, Parallel):
                for lane in part.lanes:
                    walk(lane)
            elif isinstance(part, Repeat):
                walk(part.gap)
                walk(part.tensor)

        walk(self.top)
        for side in self.sides:
            walk(side.chain)
        return out

    def hidden(self) -> list[Tensor]:
        out: list[Tensor] = []

        def walk(part) -> None:
            if isinstance(part, Seq):
                for p in part.parts:
                    walk(p)
            elif isinstance(part, Parallel):
                for lane in part.lanes:
                    walk(lane)
            elif isinstance(part, Repeat):
                out.extend(part.hidden)
                walk(part.gap)

        walk(self.top)
        for side in self.sides:
            walk(side.chain)
        return out


def rows_by_node(report: Report) -> dict[str, LayerRow]:
    """Each node's row; a branch block's merge is represented by the block's row (same id)."""
    rows: dict[str, LayerRow] = {}
    for row in report.layers:
        if not row.block:
            rows[row.node] = row
    for row in report.layers:
        if row.block:
            rows.setdefault(row.node, row)
    return rows


def aliases(network: Network) -> dict[str, str]:
    """A sequential block's id → the ref of its result (reading ``enc1`` reads enc1's last layer)."""
    return {b.id: b.output for b in network.blocks if b.output != b.id}


def resolve(ref: str, alias: dict[str, str]) -> str:
    """A ref → the node id or input name whose result it is (a chunk's piece → the chunk)."""
    seen = set()
    while True:
        base = split_ref(ref)[0]
        if base in alias and base not in seen:
            seen.add(base)
            ref = alias[base]
            continue
        return base


def build(network: Network, report: Report, *, collapse: bool | None = None) -> Diagram:
    """The diagram of ``network`` as ``report`` analysed it (a valid report: every node has its row).

    ``collapse`` merges runs of identical units into a count: None = blocks always, single layers only in
    large networks; False = never."""
    rows = rows_by_node(report)
    alias = aliases(network)
    outputs = [resolve(r, alias) for r in network.outputs]
    input_shapes = dict(report.inputs) or {n: s for n, s in network.inputs}
    input_names = {n for n, _ in network.inputs}
    consumers: dict[str, list[str]] = {}
    for node in network.nodes:
        for ref in node.inputs:
            consumers.setdefault(resolve(ref, alias), []).append(node.id)

    tensors: dict[str, Tensor] = {}
    of: dict[str, str] = {}  #: node id / input name → tensor id
    for name, _ in network.inputs:
        tensors[name] = Tensor(id=name, nodes=[name], type="input", name=name, shape=tuple(input_shapes[name]),
                               is_output=name in outputs)
        of[name] = name
    for node in network.nodes:
        row = rows.get(node.id)
        if row is None:
            continue  # an invalid report stops early; draw what it has
        bases = [resolve(r, alias) for r in node.inputs]
        reference = getattr(node.layer, "REFERENCE", False) and len(bases) > 1
        data = bases[:1] if reference else bases
        first = data[0] if data else None
        if (is_elementwise(node.layer.type) and len(bases) == 1 and first in of and first not in input_names
                and consumers.get(first) == [node.id]
                and first not in outputs and row.output_shape == tensors[of[first]].shape
                and split_ref(node.inputs[0])[1] is None and not row.block):
            t = tensors[of[first]]
            t.nodes.append(node.id)
            t.folded.append(node.layer.type)
            t.params += row.params
            t.macs += row.macs
            t.is_output = t.is_output or node.id in outputs
            of[node.id] = t.id
            continue
        merge_row = row.block
        name = row.name if merge_row else node.layer.name
        t = Tensor(id=node.id, nodes=[node.id], type=row.type if merge_row else node.layer.type, name=name,
                   op=node.layer.kind if isinstance(node.layer, Merge) else "",
                   shape=row.output_shape, params=0 if merge_row else row.params, macs=0 if merge_row else row.macs,
                   settings=dict(row.settings) if not merge_row else {},
                   inputs=_unique(of[b] for b in data if b in of),
                   refs=_unique(of[b] for b in bases[1:] if b in of) if reference else [],
                   is_output=node.id in outputs, shared_with=node.shared_with, row=row)
        if merge_row:
            t.settings = {}
        tensors[t.id] = t
        of[node.id] = t.id
    order = list(tensors)
    main_out = of.get(outputs[0]) if outputs and outputs[0] in of else (order[-1] if order else None)
    top, sides = _structure(tensors, order, [n for n, _ in network.inputs], main_out)
    diagram = Diagram(name=report.name, tensors=tensors, top=top, sides=sides, report=report)
    big = len(tensors) > 60
    if collapse is not False:
        _collapse(diagram.top, layers=bool(collapse) or big)
        for side in sides:
            _collapse(side.chain, layers=bool(collapse) or big)
    return diagram


def _unique(xs) -> list[str]:
    out: list[str] = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out


# -- series-parallel structure -------------------------------------------------------------------------
class _Graph:
    def __init__(self, tensors: dict[str, Tensor], order: list[str]):
        self.tensors = tensors
        self.pos = {t: i for i, t in enumerate(order)}
        self.succ: dict[str, list[str]] = {t: [] for t in order}
        self.pred: dict[str, list[str]] = {t: [] for t in order}
        self.edges: dict[tuple[str, str], int] = {}  #: (u, v) → how many edges go from u to v
        for t in order:
            for u in tensors[t].inputs:
                self.succ[u].append(t)
                self.pred[t].append(u)
                self.edges[u, t] = self.edges.get((u, t), 0) + 1

    def reach(self, start: str, forward: bool = True) -> set[str]:
        seen = {start}
        stack = [start]
        nxt = self.succ if forward else self.pred
        while stack:
            for v in nxt[stack.pop()]:
                if v not in seen:
                    seen.add(v)
                    stack.append(v)
        return seen

    def region(self, a: str, b: str, inner: set[str], direct: bool) -> list:
        """The parts strictly between ``a`` and ``b`` (gap, tensor, …, gap) over the tensors ``inner``.

        A tensor is on every a→b path exactly when no edge jumps over its place in topological order."""
        order = sorted(inner, key=self.pos.__getitem__)
        cuts = []
        edges = self._edges(a, b, inner, direct)
        by_source: dict[str, list[str]] = {}
        for u, v in edges:
            by_source.setdefault(u, []).append(v)
        reach = max((self.pos[v] for v in by_source.get(a, ())), default=self.pos[a])
        for t in order:
            if reach <= self.pos[t]:
                cuts.append(t)
            reach = max([reach, self.pos[t], *(self.pos[v] for v in by_source.get(t, ()))])
        parts: list = []
        prev, start = a, 0
        for c in [*cuts, b]:
            end = start
            while end < len(order) and order[end] != c:  # (the tensors strictly between prev and c, in order)
                end += 1
            parts.append(self.gap(prev, c, set(order[start:end]), direct or prev != a or c != b))
            if c != b:
                parts.append(self.tensors[c])
            prev, start = c, end + 1
        return parts

    def _edges(self, a: str, b: str, inner: set[str], direct: bool) -> list[tuple[str, str]]:
        """The edges out of ``a`` into ``inner`` or ``b`` (to ``b`` only if ``direct``) and out of ``inner`` into
        either; ``a``'s looked up by target: a fan-out of thousands meets each lane's few tensors."""
        nodes = inner | {a, b}
        out = []
        for v in (*inner, b):
            if v != a and (v != b or direct):
                out += [(a, v)] * self.edges.get((a, v), 0)
        for u in inner:
            for v in self.succ[u]:
                if v in nodes and v != a:
                    out.append((u, v))
        return out

    def gap(self, a: str, b: str, between: set[str], direct: bool):
        count = self.edges.get((a, b), 0) if direct else 0
        if not between:
            return Edge(count)
        comps = self.components(between)
        if len(comps) == 1 and count == 0:
            return self.chain(a, b, between)
        lanes = [Seq(self.region(a, b, comp, direct=False)) for comp in comps]
        return Parallel(lanes=lanes, identity=count, source=self.tensors[a], sink=self.tensors[b])

    def components(self, nodes: set[str]) -> list[set[str]]:
        """Weakly connected components of ``nodes``, in the order of their first tensor."""
        left = sorted(nodes, key=self.pos.__getitem__)
        seen: set[str] = set()
        comps = []
        for start in left:
            if start in seen:
                continue
            comp = {start}
            stack = [start]
            while stack:
                t = stack.pop()
                for v in (*self.succ[t], *self.pred[t]):
                    if v in nodes and v not in comp:
                        comp.add(v)
                        stack.append(v)
            seen |= comp
            comps.append(comp)
        return comps

    def chain(self, a: str, b: str, between: set[str]) -> Seq:
        """A stretch that is not series-parallel: its tensors in order, with the other edges as arcs."""
        order = sorted(between, key=self.pos.__getitem__)
        seq = [a, *order, b]
        parts: list = []
        arcs = []
        for i, t in enumerate(seq[:-1]):
            nxt = seq[i + 1]
            parts.append(Edge(1 if (t, nxt) in self.edges else 0))
            if nxt != b:
                parts.append(self.tensors[nxt])
            for v in self.succ[t]:
                if v != nxt and (v in between or v == b):
                    arcs.append((t, v))
        return Parallel(lanes=[Seq(parts, arcs)], identity=0, source=self.tensors[a], sink=self.tensors[b])


def _structure(tensors: dict[str, Tensor], order: list[str], inputs: list[str], out: str | None
               ) -> tuple[Seq, list[Side]]:
    if out is None:
        return Seq([]), []
    if len(inputs) > 1:  # several inputs: a virtual source reads them all
        virtual = Tensor(id=VIRTUAL, nodes=[], type="", name=None, shape=())
        tensors = {VIRTUAL: virtual, **tensors}
        for name in inputs:
            tensors[name].inputs = [VIRTUAL]
        order = [VIRTUAL, *order]
        source = VIRTUAL
    else:
        source = inputs[0]
    graph = _Graph(tensors, order)
    on_path = graph.reach(source) & graph.reach(out, forward=False)
    if out == source or out not in on_path:
        top = Seq([tensors[source]])
    else:
        inner = on_path - {source, out}
        top = Seq([tensors[source], *graph.region(source, out, inner, direct=True), tensors[out]])
    if len(inputs) > 1:  # the inputs' tensors no longer read anything
        for name in inputs:
            tensors[name].inputs = []
    sides = []
    rest = [t for t in order if t not in on_path and t != VIRTUAL]
    for comp in graph.components(set(rest)):
        members = sorted(comp, key=graph.pos.__getitem__)
        attach = next((u for t in members for u in tensors[t].inputs if u not in comp and u != VIRTUAL), None)
        if attach is None:
            attach = source if source != VIRTUAL else inputs[0]
        parts: list = []
        arcs = []
        prev = attach
        for t in members:
            parts.append(Edge(1 if prev in tensors[t].inputs else 0))
            parts.append(tensors[t])
            arcs += [(u, t) for u in tensors[t].inputs if u != prev and u != VIRTUAL]
            prev = t
        sides.append(Side(attach=tensors[attach], chain=Seq(parts, arcs)))
    return top, sides


# -- repeats ---------------------------------------------------------------------------------------------
def signature(part) -> tuple:
    """What makes two units the same picture: types, shapes, parameters and settings, recursively."""
    if isinstance(part, Tensor):
        return ("t", part.type, part.shape, part.params, tuple(part.folded), tuple(sorted(
            (k, repr(v)) for k, v in part.settings.items())), len(part.inputs))
    if isinstance(part, Edge):
        return ("e", part.count)
    if isinstance(part, Parallel):
        return ("p", part.identity, tuple(signature(lane) for lane in part.lanes))
    if isinstance(part, Seq):
        return ("s", tuple(signature(p) for p in part.parts), len(part.arcs))
    if isinstance(part, Repeat):
        return ("r", part.count, signature(part.gap), signature(part.tensor))
    return ("?",)


def _collapse(seq: Seq, *, layers: bool) -> None:
    """Merge runs of identical (gap, tensor) units in ``seq`` and in every lane inside it."""
    for part in seq.parts:
        if isinstance(part, Parallel):
            for lane in part.lanes:
                _collapse(lane, layers=layers)
    if seq.arcs:
        return  # a fallback chain keeps every tensor its arcs name
    parts = seq.parts
    start = 1 if parts and isinstance(parts[0], Tensor) else 0  # the top series opens with a tensor
    units = [(parts[i], parts[i + 1]) for i in range(start, len(parts) - 1, 2)
             if isinstance(parts[i + 1], Tensor)]
    if len(units) < 2:
        return
    out = parts[:start]
    i = 0
    while i < len(units):
        j = i + 1
        sig = (signature(units[i][0]), signature(units[i][1]))
        while j < len(units) and (signature(units[j][0]), signature(units[j][1])) == sig:
            j += 1
        worth = isinstance(units[i][0], Parallel) or layers
        # the run's last tensor is drawn (the next unit's arrow starts there): the earlier ones are hidden
        if j - i >= 2 and worth and not any(u[1].is_output for u in units[i:j - 1]):
            hidden = [u[1] for u in units[i:j - 1]]
            for gap, _ in units[i:j - 1]:
                hidden += _tensors_in(gap)
            out.append(Repeat(gap=units[j - 1][0], tensor=units[j - 1][1], count=j - i, hidden=hidden))
        else:
            for gap, t in units[i:j]:
                out += [gap, t]
        i = j
    out += parts[start + 2 * len(units):]
    seq.parts[:] = out


def _tensors_in(part) -> list[Tensor]:
    if isinstance(part, Tensor):
        return [part]
    if isinstance(part, Seq):
        return [t for p in part.parts for t in _tensors_in(p)]
    if isinstance(part, Parallel):
        return [t for lane in part.lanes for t in _tensors_in(lane)]
    if isinstance(part, Repeat):
        return [*part.hidden, *_tensors_in(part.tensor)]
    return []
