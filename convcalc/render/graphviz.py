"""The network as a graph for other tools: Graphviz DOT and Mermaid, with the tensor shapes on the edges.

Every node of the network is a graph node (its id, type, kernel/stride and parameters); every tensor that
flows is an edge labelled with its shape, and each output ends in an edge to an ``output`` marker carrying
the output's shape. Tree blocks (sequential, Inception modules, residual blocks, auxiliary heads) are
clusters (DOT) or subgraphs (Mermaid). ``depth`` — the tables' ``--depth`` — draws each block at that depth
as one node. Size-only inputs (``pad``/``interpolate`` to another tensor's size) are dashed edges.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field

from ..graph import Block, Network, split_ref
from ..report import Report
from . import diagram as dg


@dataclass(slots=True)
class GNode:
    id: str
    lines: list[str]
    kind: str  #: input, conv, pool, up, linear, merge, flat, other, block, output
    cluster: str | None = None  #: the innermost block (id) drawn around it
    output: bool = False


@dataclass(slots=True)
class GEdge:
    src: str
    dst: str
    label: str
    size_only: bool = False


@dataclass(slots=True)
class GCluster:
    id: str
    label: str
    parent: str | None
    aux: bool = False
    members: list[str] = field(default_factory=list)  #: node ids directly inside
    children: list[str] = field(default_factory=list)  #: cluster ids directly inside


@dataclass(slots=True)
class GraphView:
    name: str
    title: str
    nodes: list[GNode]
    edges: list[GEdge]
    clusters: dict[str, GCluster]


def _shape(shape) -> str:
    return "×".join(str(v) for v in shape) if shape else "?"


def _kind(type_: str) -> str:
    t = dg.Tensor(id="", nodes=[], type=type_, name=None, shape=())
    return t.kind


def _settings(row) -> str:
    k = row.settings.get("kernel_size")
    if not k:
        return ""
    text = " " + _shape(k)
    s = row.settings.get("stride")
    if s and any(v != 1 for v in s):
        text += f" /{s[0] if len(set(s)) == 1 else _shape(s)}"
    return text


def _params(n: int) -> str:
    return f"{n:,} params"


def view(network: Network, report: Report, depth: int | None = None) -> GraphView:
    """The nodes, edges and clusters both formats write."""
    rows = dg.rows_by_node(report)
    alias = dg.aliases(network)
    blocks = [b for b in network.blocks if b.last >= b.first]
    collapsed: dict[str, Block] = {}  # node id → the block drawn as one node
    hidden_blocks: set[str] = set()
    if depth is not None:
        last = None  # the block collapsed last: blocks come outer first, so only it can hold the next one
        for b in blocks:
            if b.depth == depth and not (last is not None and b.first >= last.first and b.last <= last.last):
                last = b
                for node in network.nodes[b.first:b.last + 1]:
                    collapsed[node.id] = b
            elif b.depth > depth:
                hidden_blocks.add(b.id)
    # clusters: every block not collapsed nor hidden, nested by node range
    clusters: dict[str, GCluster] = {}
    innermost: dict[str, str] = {}
    shown = [b for b in blocks if b.id not in hidden_blocks and not (depth is not None and b.depth >= depth)]
    cluster_parents = _cluster_parents(blocks, {b.id for b in shown})
    for b in shown:
        label = f"{b.name or b.id} · {b.type}"
        clusters[b.id] = GCluster(b.id, label, cluster_parents[b.id], aux=b.aux)
        for node in network.nodes[b.first:b.last + 1]:
            innermost[node.id] = b.id
    for cid, cl in clusters.items():
        if cl.parent in clusters:
            clusters[cl.parent].children.append(cid)

    def drawn_id(ref: str) -> str:
        base = dg.resolve(ref, alias)
        return collapsed[base].id if base in collapsed else base

    nodes: list[GNode] = []
    for name, shape in report.inputs or network.inputs:
        nodes.append(GNode(name, [name if name != "input" else "input", _shape(shape)], "input"))
    done = set()
    block_rows = {r.node: r for r in reversed(report.layers) if r.block} if collapsed else {}  # (the first one's)
    for node in network.nodes:
        row = rows.get(node.id)
        if row is None:
            continue
        if node.id in collapsed:
            b = collapsed[node.id]
            if b.id in done:
                continue
            done.add(b.id)
            brow = block_rows.get(b.id)
            lines = [b.name or b.id, b.type]
            if brow is not None and brow.params:
                lines.append(_params(brow.params))
            cluster = cluster_parents[b.id]
            nodes.append(GNode(b.id, lines, "block", cluster))
            continue
        type_ = row.type if row.block else node.layer.type
        name = row.name if row.block else node.layer.name
        lines = [f"{type_}{_settings(row)}"]
        if name and name != type_:
            lines.insert(0, name)
        if node.shared_with:
            lines.append(f"shares {node.shared_with}")
        elif row.params and not row.block:
            lines.append(_params(row.params))
        nodes.append(GNode(node.id, lines, _kind(type_) if not row.block else "merge", innermost.get(node.id)))
    for n in nodes:
        if n.cluster in clusters:
            clusters[n.cluster].members.append(n.id)
    shapes: dict[str, object] = {name: shape for name, shape in (report.inputs or network.inputs)}
    pieces: dict[str, tuple] = {}
    for node in network.nodes:
        row = rows.get(node.id)
        if row is not None:
            shapes[node.id] = row.output_shape
            if row.output_shapes:
                pieces[node.id] = row.output_shapes
    for b in network.blocks:
        base = dg.resolve(b.id, alias)
        if base in shapes:
            shapes.setdefault(b.id, shapes[base])

    def shape_of(ref: str):
        base, index = split_ref(ref)
        target = dg.resolve(base, alias)
        if index is not None and target in pieces and index < len(pieces[target]):
            return pieces[target][index]
        return shapes.get(target)

    edges: list[GEdge] = []
    seen = set()
    for node in network.nodes:
        if node.id not in rows:
            continue
        dst = drawn_id(node.id)
        reference = getattr(node.layer, "REFERENCE", False) and len(node.inputs) > 1
        for i, ref in enumerate(node.inputs):
            src = drawn_id(ref)
            if src == dst:
                continue  # inside a collapsed block
            label = _shape(shape_of(ref))
            key = (src, dst, label)
            if key in seen:
                continue
            seen.add(key)
            edges.append(GEdge(src, dst, label, size_only=reference and i > 0))
    names = network.output_names or network.outputs
    for i, (name, ref) in enumerate(zip(names, network.outputs)):
        marker = f"output:{name}"
        nodes.append(GNode(marker, [name if len(network.outputs) > 1 else "output"], "output"))
        edges.append(GEdge(drawn_id(ref), marker, _shape(shape_of(ref))))
        for n in nodes:
            if n.id == drawn_id(ref):
                n.output = True
    t = report.totals
    title = f"{report.name or 'network'}: {t.params:,} params, {t.macs:,} MACs"
    return GraphView(report.name or "network", title, nodes, edges, clusters)


def _cluster_parents(blocks: list[Block], clusters: Container[str]) -> dict[str, str | None]:
    """Each block's innermost drawn cluster around it (by id, among ``clusters``), itself left out: a cluster's
    parent, and where a collapsed block is drawn. ``blocks``: outer ones first, as the network has them, so
    those around a block are a stack (of at most MAX_DEPTH)."""
    parents: dict[str, str | None] = {}
    enclosing: list[Block] = []
    for b in blocks:
        while enclosing and not (enclosing[-1].first <= b.first and b.last <= enclosing[-1].last):
            enclosing.pop()
        parents[b.id] = next((o.id for o in reversed(enclosing) if o.id in clusters), None)
        enclosing.append(b)
    return parents


# -- DOT ------------------------------------------------------------------------------------------------------
DOT_FILL = {"input": "#eeeeee", "conv": "#cfe0f4", "pool": "#fbe3bd", "up": "#f6d0d0", "linear": "#d5eed6",
            "merge": "#e4d8f1", "flat": "#e6e6e6", "other": "#f0ebe0", "block": "#dde6f0", "output": "#ffffff"}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(network: Network, report: Report, depth: int | None = None) -> str:
    g = view(network, report, depth)
    out = [f"digraph {_q(g.name)} {{",
           f'  graph [rankdir=TB, fontname="Helvetica", fontsize=12, label={_q(g.title)}, labelloc=t, '
           'nodesep=0.25, ranksep=0.35];',
           '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, color="#555555"];',
           '  edge [fontname="Helvetica", fontsize=9, color="#555555", fontcolor="#333333"];']
    by_cluster: dict[str | None, list[GNode]] = {}
    for n in g.nodes:
        by_cluster.setdefault(n.cluster if n.cluster in g.clusters else None, []).append(n)

    def node_line(n: GNode, indent: str) -> str:
        label = '"' + "\\n".join(_q(line)[1:-1] for line in n.lines) + '"'
        attrs = [f"label={label}", f'fillcolor="{DOT_FILL[n.kind]}"']
        if n.kind == "input":
            attrs.append("shape=ellipse")
        if n.kind == "output":
            attrs += ["shape=plaintext", 'style=""']
        if n.output:
            attrs.append("penwidth=2")
        return f"{indent}{_q(n.id)} [{', '.join(attrs)}];"

    def cluster(cid: str, level: int, index: list[int]) -> list[str]:
        cl = g.clusters[cid]
        indent = "  " * (level + 1)
        index[0] += 1
        lines = [f"{indent}subgraph cluster_{index[0]} {{",
                 f"{indent}  label={_q(cl.label)}; style=\"rounded{',dashed' if cl.aux else ''}\"; "
                 f'color="#999999"; fontsize=10;']
        for n in by_cluster.get(cid, []):
            lines.append(node_line(n, indent + "  "))
        for child in cl.children:
            lines += cluster(child, level + 1, index)
        lines.append(f"{indent}}}")
        return lines

    for n in by_cluster.get(None, []):
        out.append(node_line(n, "  "))
    counter = [0]
    for cid, cl in g.clusters.items():
        if cl.parent is None:
            out += cluster(cid, 0, counter)
    for e in g.edges:
        attrs = [f"label={_q(e.label)}"]
        if e.size_only:
            attrs.append("style=dashed")
        out.append(f"  {_q(e.src)} -> {_q(e.dst)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# -- Mermaid --------------------------------------------------------------------------------------------------
MERMAID_CLASS = {"input": "fill:#eeeeee,stroke:#777", "conv": "fill:#cfe0f4,stroke:#5a7fa8",
                 "pool": "fill:#fbe3bd,stroke:#b8893a", "up": "fill:#f6d0d0,stroke:#b86a6a",
                 "linear": "fill:#d5eed6,stroke:#5d9a61", "merge": "fill:#e4d8f1,stroke:#8a6cb0",
                 "flat": "fill:#e6e6e6,stroke:#888", "other": "fill:#f0ebe0,stroke:#a39575",
                 "block": "fill:#dde6f0,stroke:#6a7f99", "output": "fill:#ffffff,stroke:#333"}


def _mq(text: str) -> str:
    """Text inside a Mermaid ``["…"]`` label: quotes and markup-ish characters as entities."""
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;"))


def to_mermaid(network: Network, report: Report, depth: int | None = None) -> str:
    g = view(network, report, depth)
    ids = {n.id: f"n{i}" for i, n in enumerate(g.nodes)}
    direction = "LR" if len(g.nodes) <= 16 else "TB"
    out = ["---", f"title: {_mq(g.title)}", "---", f"flowchart {direction}"]
    by_cluster: dict[str | None, list[GNode]] = {}
    for n in g.nodes:
        by_cluster.setdefault(n.cluster if n.cluster in g.clusters else None, []).append(n)

    def node_line(n: GNode, indent: str) -> str:
        label = "<br/>".join(_mq(line) for line in n.lines)
        if n.kind == "input":
            return f'{indent}{ids[n.id]}(["{label}"])'
        if n.kind == "output":
            return f'{indent}{ids[n.id]}(("{label}"))'
        return f'{indent}{ids[n.id]}["{label}"]'

    sub_ids = {cid: f"s{i}" for i, cid in enumerate(g.clusters)}

    def subgraph(cid: str, level: int) -> list[str]:
        cl = g.clusters[cid]
        indent = "  " * (level + 1)
        lines = [f'{indent}subgraph {sub_ids[cid]}["{_mq(cl.label)}"]']
        for n in by_cluster.get(cid, []):
            lines.append(node_line(n, indent + "  "))
        for child in cl.children:
            lines += subgraph(child, level + 1)
        lines.append(f"{indent}end")
        return lines

    for n in by_cluster.get(None, []):
        out.append(node_line(n, "  "))
    for cid, cl in g.clusters.items():
        if cl.parent is None:
            out += subgraph(cid, 0)
    for e in g.edges:
        arrow = "-.->" if e.size_only else "-->"
        out.append(f"  {ids[e.src]} {arrow}|{_mq(e.label)}| {ids[e.dst]}")
    kinds = sorted({n.kind for n in g.nodes})
    for kind in kinds:
        out.append(f"  classDef {kind} {MERMAID_CLASS[kind]}")
    for kind in kinds:
        members = ",".join(ids[n.id] for n in g.nodes if n.kind == kind)
        out.append(f"  class {members} {kind}")
    return "\n".join(out) + "\n"
