"""The network: a directed acyclic graph of named nodes.

A :class:`Node` is one call of one layer or tensor op (:mod:`convcalc.layers`) on the
tensors it names in ``inputs``; merges (``concat``, ``add``, ``sub``, ``mul``) read
several. A network has named inputs with shapes and one or more outputs. Node ids
are dotted like torch's module names (``features.3``, ``inception3a.1.0``); a ref
to a tensor is a node id, an input name, or ``id[i]`` for one output of a
``chunk``/``split`` node.

The tree blocks of the spec (``sequential``, ``concat``/``add`` with ``branches``,
``auxiliary``, named blocks such as ``inception``) compile to nodes too; each is
also kept as a :class:`Block` — the node range it covers — so that reports can show
a row per block before its members, as they always have. A branch block's merge
is a node whose ``block`` names it: the block's row stands for it.

``nodes`` are in topological order: a node only reads inputs and earlier nodes.
"""

from __future__ import annotations

from dataclasses import field

from .layers import Layer, Shape
from .records import FACTORY, record
from .records import set_field as _set

#: Tree blocks of the spec (they compile to nodes); ``concat``/``add`` with ``from:`` instead of ``branches:``
#: are merge nodes (:class:`convcalc.layers.Merge`).
BLOCKS = ("sequential", "concat", "add", "auxiliary")
BLOCK_ALIASES: dict[str, str] = {"cat": "concat", "residual": "add", "seq": "sequential"}



@record(slots=True, kw_only=True, unsafe_hash=True)  # not frozen: a frozen __init__ sets each field through
class Node:                                  # object.__setattr__ (a build of 100,000 nodes: 0.15 s)
    """One call of a layer in the graph: what it computes and the nodes it reads."""

    id: str  #: unique dotted name
    layer: Layer  #: what it computes; ``layer.path`` is the spec element it came from
    inputs: tuple[str, ...]  #: refs it reads, in order
    explicit: bool = False  #: the spec named its inputs (``from:``), rather than "the element before"
    shared_with: str | None = None  #: the node whose module (and parameters) this call reuses
    depth: int = 0  #: nesting level of its row
    aux: bool = False  #: inside an auxiliary head
    block: str | None = None  #: the id of the branch block whose merge this node is
    labels: tuple[str, ...] | None = None  #: how messages name the inputs ("branch 1"), where not by ref
    within: tuple[str, ...] = ()  #: names of the enclosing named blocks, outermost first

    def __init__(self, *, id, layer, inputs, explicit=False, shared_with=None, depth=0, aux=False, block=None,
                 labels=None, within=()):
        self.id = id  # (the one dataclass would generate, written here: see convcalc.records)
        self.layer = layer
        self.inputs = inputs
        self.explicit = explicit
        self.shared_with = shared_with
        self.depth = depth
        self.aux = aux
        self.block = block
        self.labels = labels
        self.within = within

    @property
    def path(self) -> str:
        return self.layer.path


@record(frozen=True, slots=True, kw_only=True)
class Block:
    """A tree block of the spec: its row and the nodes it covers (``nodes[first:last + 1]``)."""

    id: str
    type: str  #: sequential / concat / add / auxiliary, or the named block it was written as
    path: str
    name: str | None
    depth: int
    first: int  #: index of its first node (``len(nodes)`` at creation for an empty block)
    last: int  #: index of its last node (the merge, for a branch block); first − 1 when empty
    input: str  #: the ref it reads
    output: str  #: the ref of its result (an auxiliary head's last node)
    settings: dict = field(default_factory=dict)  #: a named block's arguments (inception: ch1x1, …)
    branches: tuple[str, ...] | None = None  #: refs of each branch's result (concat/add)
    aux: bool = False
    shared_with: str | None = None  #: the block whose modules this one reuses (``share:``)

    def __init__(self, *, id, type, path, name, depth, first, last, input, output, settings=FACTORY, branches=None,
                 aux=False, shared_with=None):
        _set(self, "id", id)  # (the one dataclass would generate, written here: see convcalc.records)
        _set(self, "type", type)
        _set(self, "path", path)
        _set(self, "name", name)
        _set(self, "depth", depth)
        _set(self, "first", first)
        _set(self, "last", last)
        _set(self, "input", input)
        _set(self, "output", output)
        _set(self, "settings", {} if settings is FACTORY else settings)
        _set(self, "branches", branches)
        _set(self, "aux", aux)
        _set(self, "shared_with", shared_with)


@record(frozen=True, slots=True, kw_only=True)
class Network:
    """A parsed spec: named inputs, nodes in topological order, the tree blocks over them, and outputs."""

    name: str | None
    inputs: tuple[tuple[str, Shape | None], ...]  #: (name, shape without batch); shape None until --input
    nodes: tuple[Node, ...]
    blocks: tuple[Block, ...] = ()
    outputs: tuple[str, ...] = ()  #: refs; the first is the main output
    output_names: tuple[str, ...] = ()  #: how the report names each output (the spec's word, or the element id)
    description: str | None = None
    source: str | None = None
    notes: tuple[tuple[str | None, str], ...] = ()  #: (path, warning) from reading it (PyTorch text's guesses)
    ignore: tuple[str, ...] = ()  #: the spec's ``ignore:``: warning codes not to report (``CODE`` or ``CODE@NODE``)
    batch: int | None = None  #: the batch the input shape carried (``--input 1x1x28x28``); shapes then show it

    @property
    def input_shape(self) -> Shape | None:
        """The first input's shape (every network has at least one input)."""
        return self.inputs[0][1]

    def with_inputs(self, shape: Shape | None = None, by_name: dict[str, Shape] | None = None) -> "Network":
        """This network with ``shape`` for every input, or the inputs named in ``by_name`` replaced."""
        from dataclasses import replace

        if by_name:
            return replace(self, inputs=tuple((n, by_name.get(n, s)) for n, s in self.inputs))
        if shape is None:
            return self
        return replace(self, inputs=tuple((n, shape) for n, _ in self.inputs))


def split_ref(ref: str) -> tuple[str, int | None]:
    """``"parts[1]"`` → ``("parts", 1)``; ``"enc1"`` → ``("enc1", None)``."""
    if ref.endswith("]") and "[" in ref:
        base, _, index = ref[:-1].rpartition("[")
        return base, int(index)
    return ref, None


def readers(network: Network) -> dict[str, int]:
    """How many times each node id or input name is read (by nodes and as an output)."""
    count: dict[str, int] = {}
    for node in network.nodes:
        for ref in node.inputs:
            base = split_ref(ref)[0] if ref.endswith("]") else ref
            count[base] = count.get(base, 0) + 1
    for ref in network.outputs:
        base = split_ref(ref)[0]
        count[base] = count.get(base, 0) + 1
    # reading a sequential by its id reads its result: its last node, or the block (or input) an empty one passes on
    result = {block.id: split_ref(block.output)[0] for block in network.blocks if block.output != block.id}
    read = [block_id for block_id in result if block_id in count]
    done = set(read)
    while read:
        base = result[read.pop()]
        count[base] = count.get(base, 0) + 1
        if base in result and base not in done:  # an outer block's result is an inner one's, or an empty block's
            done.add(base)                       # is the block before it
            read.append(base)
    return count


def display_order(network: Network) -> list[Node | Block]:
    """Rows as reports show them: each block before its nodes (outer blocks first); a branch block's merge
    node is represented by the block's row."""
    starts: dict[int, list[Block]] = {}
    for block in network.blocks:
        starts.setdefault(block.first, []).append(block)
    out: list[Node | Block] = []
    for i, node in enumerate(network.nodes):
        out += starts.get(i, ())
        if node.block is None:
            out.append(node)
    out += starts.get(len(network.nodes), ())
    return out
