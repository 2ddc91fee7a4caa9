"""Plain data → :class:`~convcalc.graph.Network`: the one builder every reader's output goes through.

Every format (JSON/YAML/TOML specs, inline ``--layers``, PyTorch code and ``print(model)`` text)
becomes the same plain data — a mapping with ``name``, ``input``/``inputs``, ``layers``,
``outputs``, ``blocks`` — so the rules and the error messages are the same whatever the user
wrote. Errors name the spec element by path: ``layers[3]``, ``layers[5].branches[1][0]``,
``layers[2].layers[0]``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from . import layers as L
from . import templates as T
from .errors import SpecError, did_you_mean, shown
from .graph import BLOCK_ALIASES, BLOCKS, Block, Network, Node, split_ref

MAX_NODES = 100_000  #: layers and blocks in one spec, aliases expanded
MAX_DEPTH = 100  #: block nesting

TOP_KEYS = ("name", "input", "inputs", "layers", "outputs", "blocks", "description", "source", "ignore")
COMMON_KEYS = ("type", "name", "trainable")


# ----------------------------------------------------------------------------
# Shapes
# ----------------------------------------------------------------------------
MAX_SIZE = 10 ** 9  #: a larger size is refused: no tensor dim is that large, and its products must stay cheap


def normalize_text(text: str) -> str:
    """Full-width characters typed with a CJK input method (``（１，２８）``) → ASCII, as NFKC folds them."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).replace("。", ".").replace("、", ",")


def parse_shape(value: Any, where: str = "input") -> L.Shape:
    """A shape as people write it → a tuple of sizes: ``[1, 28, 28]``, ``"1x28x28"``, ``"1×28×28"``,
    ``"1,28,28"``, ``"(1, 1, 28, 28)"``, ``"torch.Size([1, 1, 28, 28])"``, ``"28*28"``, full-width digits.
    Channels first; whether a leading batch dim or a missing channel dim is there is decided against the
    network by :func:`fit_input`."""
    if isinstance(value, str):
        text = normalize_text(value).strip()
        text = re.sub(r"^(torch\.)?Size\s*\(\s*\[?(.*?)\]?\s*\)$", r"\2", text)
        text = text.strip().strip("[]()")
        parts = [p for p in re.split(r"[x×X*,\s]+", text) if p]
        if not parts or not all(p.isdigit() for p in parts):
            raise SpecError(f"{where}: cannot read the shape {value!r}",
                            hint="write channels then spatial dims, e.g. 1x28x28 or 3x224x224 (a batch dim first, "
                                 "1x1x28x28, is read too)")
        if any(len(p) > 10 for p in parts):
            raise SpecError(f"{where}: a size in {value!r} is larger than {MAX_SIZE:,}")
        value = [int(p) for p in parts]
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise SpecError(f"{where}: the shape must be a list of sizes or a string like 1x28x28, got {value!r}")
    if len(value) > 5:
        raise SpecError(f"{where}: the shape {L.dims(value)} has {len(value)} dims; convcalc takes an optional "
                        "batch dim, channels, and at most 3 spatial dims", hint="e.g. 1x28x28 or 8x3x224x224")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise SpecError(f"{where}: sizes must be positive integers, got {v!r}")
        if v > MAX_SIZE:
            raise SpecError(f"{where}: the size {v:,} is larger than {MAX_SIZE:,}")
    return tuple(value)


def expected_rank(network: Network, name: str) -> int | None:
    """How many dims (without batch) the first layer reading input ``name`` wants: C plus its spatial dims,
    or None where it takes any (linear, activations, …)."""
    for node in network.nodes:
        if any(split_ref(r)[0] == name for r in node.inputs):
            layer = node.layer
            spatial = isinstance(layer, (L.Conv, L.ConvTranspose, L._Pool, L.AdaptivePool, L.InstanceNorm, L.Pad,
                                         L.PixelShuffle)) or (isinstance(layer, L.BatchNorm) and layer.ndim > 1)
            return layer.ndim + 1 if spatial and layer.ndim else None
    return None


def fit_input(network: Network, name: str, shape: L.Shape, layout: str = "chw"
              ) -> tuple[L.Shape, int | None, list[str]]:
    """``shape`` as given for input ``name`` → (shape without batch, the batch it carried or None, notes).

    Against the first layer's rank: one dim more is a leading batch (``1x1x28x28``, as ``print(x.shape)``
    shows it); one dim less is a missing channel dim (d2l's 2-D ``8x8`` is 1×8×8). ``layout='hwc'`` reads
    channels last (Keras) and moves them first."""
    notes = []
    rank = expected_rank(network, name)
    batch = None
    if rank is not None and len(shape) == rank + 1:
        batch, shape = shape[0], shape[1:]
    if layout == "auto-tf":  # Keras' default layout, where the shape looks it: 28x28x1, 224x224x3
        layout = "hwc" if len(shape) > 1 and shape[-1] in (1, 3, 4) and shape[0] > 4 else "chw"
    if layout == "hwc" and len(shape) > 1:
        moved = (shape[-1], *shape[:-1])
        notes.append(f"read {L.dims(shape)} channels last ({L.dims(shape[:-1])} with {shape[-1]} channel"
                     f"{'s' if shape[-1] != 1 else ''}) as {L.dims(moved)}, channels first as torch wants it")
        shape = moved
    if rank is not None and len(shape) == rank - 1:
        notes.append(f"read {L.dims(shape)} as {L.dims((1, *shape))}: one channel (convcalc writes C x H x W, "
                     "channels first)")
        shape = (1, *shape)
    return shape, batch, notes


def parse_named_shapes(text: str, where: str = "--input") -> dict[str, L.Shape]:
    """``"left=1x105x105 right=1x105x105"`` (or ``;``-separated) → {name: shape}, for networks with several inputs."""
    out: dict[str, L.Shape] = {}
    for part in re.split(r"[;\s]+(?=[^=;\s]+=)", text.strip()):
        name, _, value = part.partition("=")
        name = name.strip()
        if not name or not value.strip():
            raise SpecError(f"{where}: cannot read {part!r}", hint="write NAME=SHAPE for each input, e.g. "
                                                                  "left=1x105x105 right=1x105x105")
        if name in out:
            raise SpecError(f"{where}: the input {name!r} is given twice")
        out[name] = parse_shape(value.strip().rstrip(";"), f"{where} {name}")
    return out


# ----------------------------------------------------------------------------
# Type names
# ----------------------------------------------------------------------------
ALL_TYPES = sorted({*L.REGISTRY, *L.ALIASES, *BLOCKS, *BLOCK_ALIASES, *T.BUILTIN})


_CANONICAL: dict[str, str] = {}  #: type names as written → canonical, for the kinds and blocks met so far


def canonical_type(raw: str, path: str, templates: Mapping[str, T.Template] = T.BUILTIN) -> str:
    """``Conv2d``, ``nn.Conv2d``, ``conv`` → ``conv2d``; a named block keeps its name; unknown names get a
    did-you-mean."""
    if raw in templates:
        return raw
    name = _CANONICAL.get(raw)
    if name is not None:
        return name
    name = raw.rsplit(".", 1)[-1].lower().replace("_", "")
    name = L.ALIASES.get(name) or BLOCK_ALIASES.get(name) or name
    if name in L.REGISTRY or name in BLOCKS or name in templates:
        if name in L.REGISTRY or name in BLOCKS:  # (a spec's own block names are its own)
            _CANONICAL[raw] = name
        return name
    raise SpecError(f"unknown layer type {raw!r}", path=path,
                    hint=did_you_mean(name, [*ALL_TYPES, *templates])
                    or "run `convcalc list --types` for the layer types")


# ----------------------------------------------------------------------------
# Plain data → Network
# ----------------------------------------------------------------------------
class _Builder:
    """Plain data → the nodes and blocks of a :class:`Network`, in topological order.

    Each list of elements (``layers``, a sequential's ``layers``, a branch) is a scope: an element reads
    the one before it unless it says ``from:``, and its ``name`` is visible to later elements of the same
    list and of the lists nested in it."""

    def __init__(self, templates: Mapping[str, T.Template], aux: bool, inputs: list[str]):
        self.count = 0
        self.templates = templates
        self.aux = aux
        self.inputs = inputs
        self.nodes: list[Node] = []
        self.blocks: list[Block | None] = []
        self.ids: dict[str, str] = {}  #: element id → the ref of its result
        self.items: dict[str, tuple[Any, int, int]] = {}  #: element id → (its data, first node, first block)
        self.aux_outputs: list[str] = []
        #: while rebuilding a shared element: (nodes then, its first node, blocks then, its first block)
        self.sharing: list[tuple[int, int, int, int]] = []
        self.aux_heads: set[str] = set()  #: ids of auxiliary blocks (the main path goes on past them)
        self.seen: dict[tuple, L.Layer] = {}  #: (type, trainable, the element's keys and values) → its layer

    # -- lists and elements ---------------------------------------------------
    def sequence(self, items: Any, path: str, key: str, prefix: str, scope: tuple[dict, ...], reads: str,
                 trainable: bool, depth: int, within: tuple[str, ...], aux: bool = False) -> str:
        """Build a list of elements in order; the ref of the last one's result (``reads`` when empty)."""
        if not isinstance(items, list):
            raise SpecError(f"{key} must be a list of layers, got {type(items).__name__}", path=path or None)
        if self.count + len(items) > MAX_NODES:  # each item is one element at least: refused before any is built
            i = MAX_NODES - self.count
            raise SpecError(f"the spec has more than {MAX_NODES:,} layers (aliases expanded)",
                            path=f"{path}.{key}[{i}]" if path else f"{key}[{i}]")
        local: dict[str, str] = {}
        scope = (local, *scope)
        current = reads
        for i, item in enumerate(items):
            where = f"{path}.{key}[{i}]" if path else f"{key}[{i}]"
            current = self.element(item, where, prefix, str(i), local, scope, current, trainable, depth, within, aux)
        return current

    def element(self, item: Any, path: str, prefix: str, index: str, local: dict, scope: tuple[dict, ...],
                reads: str, trainable: bool, depth: int, within: tuple[str, ...], aux: bool) -> str:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(f"the spec has more than {MAX_NODES:,} layers (aliases expanded)", path=path)
        if depth > MAX_DEPTH:
            raise SpecError(f"blocks are nested more than {MAX_DEPTH} deep", path=path)
        if isinstance(item, str):
            item = {"type": item}
        if type(item) is not dict and not isinstance(item, Mapping):  # (a dict, as parsed, without the ABC's check)
            raise SpecError(f"a layer must be a type name or a mapping with a 'type', got {type(item).__name__}",
                            path=path)
        for key in item:
            if not isinstance(key, str):
                raise SpecError(f"keys must be strings, got {key!r}", path=path)
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            raise SpecError(f"name must be a string, got {name!r}", path=path)
        # a name that is one word names the node (and can be read with from:); any other is a label only
        word = name if name is not None and re.fullmatch(r"[^\s.\[\]]+", name) else None
        if (word or index) in local:
            raise SpecError(f"the name {word or index!r} is used twice in this list", path=path,
                            hint="give each element of a list its own name (an unnamed element is named by its "
                                 "index)")
        node_id = f"{prefix}.{word or index}" if prefix else (word or index)
        froms = item.get("from")
        if froms is not None:
            reads_list = froms = self.sources(froms, scope, path)
        else:
            reads_list = [reads]
        start, start_block = len(self.nodes), len(self.blocks)
        if "share" in item:
            ref = self.share(item, path, node_id, scope, reads_list, froms is not None, depth, within, aux)
        else:
            if "type" not in item:
                raise SpecError("missing 'type'", path=path, hint="e.g. {type: conv2d, out_channels: 6, kernel_size: 5}")
            if not isinstance(item["type"], str):
                raise SpecError(f"'type' must be a string, got {item['type']!r}", path=path)
            if not isinstance(item.get("trainable", True), bool):
                raise SpecError(f"trainable must be true or false, got {item['trainable']!r}", path=path)
            ref = self.typed(item, path, node_id, name, scope, reads_list, froms is not None,
                             trainable and item.get("trainable", True), depth, within, aux)
        if ref is None:  # an auxiliary head left out: the main path goes on unchanged
            return reads
        local[word or index] = node_id
        self.ids[node_id] = ref
        self.last_element = node_id
        self.items[node_id] = (item, start, start_block)
        return reads if node_id in self.aux_heads else ref

    def sources(self, raw: Any, scope: tuple[dict, ...], path: str) -> list[str] | None:
        """``from:`` → refs (None when not given)."""
        if raw is None:
            return None
        names = raw if isinstance(raw, list) else [raw]
        names = [str(n) if isinstance(n, int) and not isinstance(n, bool) else n for n in names]  # from: [4, x]
        if not names or not all(isinstance(n, str) for n in names):
            raise SpecError(f"from must be a name or a list of names, got {raw!r}", path=path)
        return [self.resolve(n, scope, path) for n in names]

    def resolve(self, text: str, scope: tuple[dict, ...], path: str) -> str:
        """A name as the spec writes it → a ref: the current list first, then the enclosing ones, then
        full dotted ids, then the network's inputs. Only what is defined before can be named."""
        m = re.fullmatch(r"\s*([^\s\[\]]+)\s*(?:\[\s*(-?\d+)\s*\])?\s*", text)
        if not m:
            raise SpecError(f"from: cannot read the name {text!r}", path=path, hint="write a name, or name[i] for one "
                            "output of a chunk/split")
        name, index = m.group(1), m.group(2)
        element = self.element_named(name, scope)
        ref = self.ids.get(element) if element is not None else name if name in self.inputs else None
        if ref is None:
            visible = {*self.inputs, *(i for i in self.ids if ":" not in i), *(k for s in scope for k in s)}
            raise SpecError(f"from: {name!r} names no input and no element defined before this one", path=path,
                            hint=did_you_mean(name, visible) or "an element can read only the inputs and elements "
                                                                "written before it")
        if index is not None:
            if split_ref(ref)[1] is not None:
                raise SpecError(f"from: {name!r} is already one tensor; {text!r} indexes it again", path=path)
            ref = f"{ref}[{index}]"
        return ref

    def element_named(self, name: str, scope: tuple[dict, ...]) -> str | None:
        """The id of the element ``name`` names: in the current list, the enclosing ones, or a full id."""
        element = next((s[name] for s in scope if name in s), None)
        return element if element is not None else name if name in self.ids else None

    def typed(self, item: Mapping, path: str, node_id: str, name, scope, reads: list[str], explicit: bool,
              trainable: bool, depth: int, within: tuple[str, ...], aux: bool) -> str | None:
        type_name = canonical_type(item["type"], path, self.templates)
        merge = type_name in L.REGISTRY and (type_name not in BLOCKS or ("branches" not in item and "from" in item))
        if merge:
            pass  # concat/add of named tensors (from: [a, b]) is a merge node; with branches, a block
        elif type_name in self.templates:
            return self.named_block(self.templates[type_name], item, path, node_id, name, scope, reads, trainable,
                                    depth, within, aux)
        elif type_name in BLOCKS:
            return self.block(type_name, item, path, node_id, name, scope, reads, trainable, depth, within, aux)
        layer = self.layer(type_name, item, path, name, trainable)
        many = getattr(layer, "MANY", False)
        if many and len(reads) < 2:
            raise SpecError(f"{type_name}: reads {len(reads)} tensor; a merge needs from: [a, b, …]", path=path,
                            hint=f"e.g. {{type: {type_name}, from: [a, b]}}")
        if getattr(layer, "REFERENCE", False) and len(reads) == 2:
            pass  # pad/interpolate to the size of a second tensor
        elif not many and len(reads) != 1:
            raise SpecError(f"{type_name}: reads one tensor, but from: names {len(reads)}", path=path,
                            hint="merge them first with concat, add or mul")
        if type_name == "getitem":
            base, index = split_ref(reads[0])
            if index is not None:
                raise SpecError("getitem: its input is already one tensor", path=path)
            reads = [f"{base}[{layer.index}]"]
        self.add_node(Node(id=node_id, layer=layer, inputs=tuple(reads), explicit=explicit, depth=depth, aux=aux,
                           within=within))
        return node_id

    def add_node(self, node: Node) -> None:
        if self.sharing:
            offset, first, _, _ = self.sharing[-1]
            original = self.nodes[first + len(self.nodes) - offset]
            node = dataclasses.replace(node, shared_with=original.shared_with or original.id)
        self.nodes.append(node)

    def share(self, item: Mapping, path: str, node_id: str, scope, reads: list[str], explicit: bool, depth: int,
              within: tuple[str, ...], aux: bool) -> str | None:
        """``{share: NAME}``: the element NAME built again on new inputs, every node marked as reusing its
        original's module."""
        for key in item:
            if key not in ("share", "name", "from"):
                raise SpecError(f"share: an element that reuses {item['share']!r} takes only name and from, "
                                f"not {key!r}", path=path, hint="its arguments are those of the element it reuses")
        target = item["share"]
        if not isinstance(target, str):
            raise SpecError(f"share must name an element, got {target!r}", path=path)
        original_id = self.element_named(target, scope)
        if original_id is None or original_id not in self.items:
            raise SpecError(f"share: {target!r} names no element defined before this one", path=path,
                            hint=did_you_mean(target, self.items) or "share names an earlier element (a layer or "
                                                                     "a block) whose module this call reuses")
        data, first, first_block = self.items[original_id]
        rebuilt = {k: v for k, v in data.items() if k not in ("name", "from")}
        self.sharing.append((len(self.nodes), first, len(self.blocks), first_block))
        try:
            if "share" in rebuilt:
                return self.share({**rebuilt, **({"from": item["from"]} if "from" in item else {})}, path, node_id,
                                  scope, reads, explicit, depth, within, aux)
            result = self.typed(rebuilt, path, node_id, item.get("name"), scope, reads, explicit,
                                self.nodes[first].layer.trainable if first < len(self.nodes) else True, depth,
                                within, aux)
        finally:
            self.sharing.pop()
        return result

    def named_block(self, template: T.Template, item: Mapping, path: str, node_id: str, name, scope, reads,
                    trainable: bool, depth: int, within, aux: bool) -> str | None:
        args = T.bind(template, {k: v for k, v in item.items() if k != "from"}, path)
        try:
            data = template.expand(args)
        except ValueError as exc:
            raise SpecError(f"{template.name}: {exc}", path=path) from None
        if not isinstance(data, Mapping) or canonical_type(str(data.get("type")), path, {}) not in BLOCKS:
            raise SpecError(f"{template.name}: a named block must be a sequential, concat or add block", path=path)
        settings = {k: v for k, v in args.items() if v is not None}
        type_name = canonical_type(str(data["type"]), path, {})
        return self.block(type_name, data, path, node_id, name, scope, reads, trainable, depth, within, aux,
                          shown_as=template.name, settings=settings)

    def block(self, type_name: str, item: Mapping, path: str, node_id: str, name, scope, reads: list[str],
              trainable: bool, depth: int, within: tuple[str, ...], aux: bool, *, shown_as: str | None = None,
              settings: dict | None = None) -> str | None:
        cls = type_name
        allowed = {"sequential": ("layers", "repeat"), "concat": ("branches", "dim"), "add": ("branches",),
                   "auxiliary": ("layers",)}[cls]
        self.check_keys(item, (*COMMON_KEYS, "from", *allowed), type_name, path)
        if cls == "auxiliary" and not self.aux:
            return None
        if len(reads) != 1:
            raise SpecError(f"{type_name}: a block reads one tensor, but from: names {len(reads)}", path=path,
                            hint="merge them first with concat, add or mul, or name one")
        x = reads[0]
        label = shown_as or type_name
        inner = within + (name,) if name else within
        # inside a block, `input` names what the block reads (a residual's shortcut in a named block)
        own_input = f"{node_id}:input"
        self.ids[own_input] = x
        scope = ({"input": own_input}, *scope)
        slot = len(self.blocks)
        self.blocks.append(None)
        first = len(self.nodes)
        aux = aux or cls == "auxiliary"
        branches_out = None
        if cls in ("sequential", "auxiliary"):
            items = item.get("layers", [])
            if cls == "sequential":
                repeat = item.get("repeat", 1)
                if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
                    raise SpecError(f"sequential: repeat must be a positive integer, got {repeat!r}", path=path)
                if isinstance(items, list) and items:  # (nothing repeated any number of times is nothing)
                    if len(items) * repeat > MAX_NODES:
                        raise SpecError(f"the spec has more than {MAX_NODES:,} layers (repeats expanded)", path=path)
                    items = items * repeat  # children are numbered through all repetitions
            out = self.sequence(items, path, "layers", node_id, scope, x, trainable, depth + 1, inner, aux)
            if cls == "auxiliary":
                self.aux_outputs.append(out)
                self.aux_heads.add(node_id)
        else:
            branches = item.get("branches")
            if not isinstance(branches, list) or not branches:
                raise SpecError(f"{type_name}: 'branches' must be a non-empty list of layer lists", path=path,
                                hint=f"e.g. {{type: {type_name}, branches: [[conv2d], [maxpool2d]]}}")
            refs, labels = [], []
            for b, branch in enumerate(branches):
                if not isinstance(branch, list):
                    raise SpecError(f"{type_name}: branch {b} must be a list of layers ([] for the identity)",
                                    path=path)
                refs.append(self.sequence(branch, path, f"branches[{b}]", f"{node_id}.{b}", scope, x, trainable,
                                          depth + 1, inner, aux))
                labels.append(f"branch {b}")
            if cls == "add" and len(branches) == 1:
                refs.append(x)
                labels.append("the identity shortcut")
            kwargs = {}
            if cls == "concat":
                dim = item.get("dim", 1)
                if isinstance(dim, bool) or not isinstance(dim, int) or dim == 0:
                    raise SpecError(f"concat: dim must be a non-zero integer (1 = channels), got {dim!r}", path=path)
                kwargs["dim"] = dim
            merge = L.Merge(type=label, op=cls, path=path, name=name, **kwargs)
            self.add_node(Node(id=node_id, layer=merge, inputs=tuple(refs), depth=depth, aux=aux, block=node_id,
                               labels=tuple(labels), within=inner))
            out = node_id
            branches_out = tuple(refs)
        shared = None
        if self.sharing:
            _, _, offset, first_block = self.sharing[-1]
            original = self.blocks[first_block + slot - offset]
            shared = original.shared_with or original.id
        result = node_id if cls == "sequential" else out  # a sequential's result is read by its own name
        self.blocks[slot] = Block(id=node_id, type=label, shared_with=shared, path=path, name=name, depth=depth, first=first,
                                  last=len(self.nodes) - 1, input=x, output=out, settings=settings or {},
                                  branches=branches_out, aux=cls == "auxiliary")
        return result

    def layer(self, type_name: str, item: Mapping, path: str, name, trainable: bool) -> L.Layer:
        """The layer ``item`` describes. An element written the same as one before (a generated network
        repeats a few) is a copy of that one's layer at its own path: its arguments were read and checked
        there already. The copy shares the first one's ``__dict__`` (the kind's arguments; layers are
        frozen): the analysis knows them for the same by it (:meth:`convcalc.report._Evaluate.apply`)."""
        try:
            key = (type_name, trainable, *item.items(), *map(type, item.values()))  # 1 is not True, 3 not 3.0
            seen = self.seen.get(key)
        except TypeError:  # a list or mapping among the values: read as it is
            return self.new_layer(type_name, item, path, name, trainable)
        if seen is None:
            seen = self.seen[key] = self.new_layer(type_name, item, path, name, trainable)
            return seen
        copy = object.__new__(type(seen))
        set_slot = object.__setattr__  # (as a frozen dataclass's __init__ sets them)
        set_slot(copy, "__dict__", seen.__dict__)  # the kind's arguments; the common fields are slots
        set_slot(copy, "type", seen.type)
        set_slot(copy, "path", path)
        set_slot(copy, "name", name)
        set_slot(copy, "trainable", trainable)
        set_slot(copy, "ndim", seen.ndim)
        return copy

    def new_layer(self, type_name: str, item: Mapping, path: str, name, trainable: bool) -> L.Layer:
        kind = _layer_type(type_name)
        if not kind.keys.issuperset(item):
            self.check_keys(item, kind.allowed, type_name, path)
        kwargs: dict[str, Any] = {}
        for arg, parse, required, default in kind.args:
            if arg in item:
                try:
                    kwargs[arg] = parse(item[arg], kind.ndim)
                except ValueError as exc:
                    raise SpecError(f"{type_name}: {arg} {exc}", path=path) from None
            elif default is not _UNSET:
                kwargs[arg] = default
            elif required:
                raise SpecError(f"{type_name}: missing required argument '{arg}'", path=path,
                                hint=f"{type_name} takes " + ", ".join(_signature(kind.fields)))
        return kind.cls(type=type_name, path=path, name=name, trainable=trainable, ndim=kind.ndim, **kwargs)

    @staticmethod
    def check_keys(item: Mapping, allowed, type_name: str, path: str) -> None:
        for key in item:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"{type_name} takes: " + ", ".join(a for a in allowed if a != "type")
                raise SpecError(f"{type_name}: unknown argument {shown(key)}", path=path, hint=hint)


_UNSET: Any = object()


class _LayerType:
    """What building a layer of one type needs, worked out once per type: its class and spatial dims, the
    keys an element may have (``allowed`` in order, for messages), and per argument in torch's order
    (name, parser, required, default already parsed — or ``_UNSET`` where the class's own applies)."""

    __slots__ = ("allowed", "args", "cls", "fields", "keys", "ndim")

    def __init__(self, type_name: str):
        self.cls, ndim = L.REGISTRY[type_name]
        self.ndim = ndim or 0
        self.fields = L.accepted(self.cls, type_name)
        self.allowed = (*COMMON_KEYS, "from", *(f.name for f in self.fields))
        self.keys = frozenset(self.allowed)
        self.args = tuple(
            (f.name, f.metadata["parse"], f.metadata["required"],
             _UNSET if f.metadata["required"] or f.metadata["default"] is None
             else f.metadata["parse"](f.metadata["default"], self.ndim))
            for f in self.fields)


_TYPES: dict[str, _LayerType] = {}  #: what _layer_type worked out, by type name


def _layer_type(type_name: str) -> _LayerType:
    """What building a layer of type ``type_name`` needs (worked out for the first, kept for the others)."""
    known = _TYPES.get(type_name)
    if known is None or known.cls is not L.REGISTRY[type_name][0]:
        known = _TYPES[type_name] = _LayerType(type_name)
    return known


def _signature(fields) -> list[str]:
    return [f.name if f.metadata["required"] else f"{f.name}={f.metadata['default']!r}"
            for f in fields if not f.metadata["sizing"]]


def _inputs(data: Mapping, origin: str, input_shape: L.Shape | None) -> list[tuple[str, L.Shape | None]]:
    """``input: SHAPE`` (one input named ``input``) or ``inputs: {name: SHAPE, …}``."""
    if data.get("input") is not None and data.get("inputs") is not None:
        raise SpecError(f"{origin}: give 'input' (one input) or 'inputs' (named inputs), not both")
    raw = data.get("inputs")
    if raw is None:
        shape = input_shape
        if shape is None and data.get("input") is not None:
            shape = parse_shape(data["input"], "input")
        return [("input", shape)]
    if not isinstance(raw, Mapping) or not raw:
        raise SpecError(f"{origin}: 'inputs' must map input names to shapes, e.g. inputs: {{left: [1, 28, 28]}}")
    out = []
    for key, value in raw.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][\w-]*", key):
            raise SpecError(f"{origin}: input names must be identifiers, got {key!r}")
        shape = input_shape if input_shape is not None else None if value is None else parse_shape(value, f"inputs.{key}")
        out.append((key, shape))
    return out


def from_data(data: Any, *, origin: str = "spec", input_shape: L.Shape | None = None, aux: bool = False) -> Network:
    """Build a :class:`Network` from parsed JSON/YAML/TOML data (a mapping, or a bare list of layers).

    ``aux`` keeps the ``auxiliary`` heads, which are otherwise left out."""
    if isinstance(data, list):
        data = {"layers": data}
    if not isinstance(data, Mapping):
        raise SpecError(f"{origin}: a spec must be a mapping with 'input' and 'layers', got {type(data).__name__}")
    for key in data:
        if key not in TOP_KEYS:
            raise SpecError(f"{origin}: unknown top-level key {shown(key)}",
                            hint=did_you_mean(str(key), TOP_KEYS) or "a spec has: " + ", ".join(TOP_KEYS))
    if "layers" not in data:
        raise SpecError(f"{origin}: missing 'layers'")
    if data["layers"] == []:
        raise SpecError(f"{origin}: no layers", hint="a network needs at least one layer")
    inputs = _inputs(data, origin, input_shape)
    for key in ("name", "description", "source"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise SpecError(f"{origin}: '{key}' must be a string")
    templates = dict(T.BUILTIN)
    blocks = data.get("blocks") or {}
    if not isinstance(blocks, Mapping):
        raise SpecError(f"{origin}: 'blocks' must map block names to definitions")
    for block_name, definition in blocks.items():
        if not isinstance(block_name, str) or not re.fullmatch(r"[A-Za-z_][\w-]*", block_name):
            raise SpecError(f"{origin}: block names must be identifiers, got {block_name!r}")
        if block_name in L.REGISTRY or block_name in BLOCKS or block_name in L.ALIASES:
            raise SpecError(f"{origin}: blocks.{block_name}: the name of a built-in type")
        templates[block_name] = T.from_definition(block_name, definition)
    builder = _Builder(templates, aux, [n for n, _ in inputs])
    builder.last_element = None
    last = builder.sequence(data["layers"], "", "layers", "", (), inputs[0][0], True, 0, ())
    if not builder.nodes:
        raise SpecError(f"{origin}: no layers", hint="a network needs at least one layer")
    outputs = data.get("outputs")
    if outputs is None:  # the last element's result, named as the element; then any auxiliary heads
        named = {last: builder.last_element if builder.ids.get(builder.last_element) == last else last}
    else:
        if isinstance(outputs, str):
            outputs = [outputs]
        if not isinstance(outputs, list) or not outputs or not all(isinstance(o, str) for o in outputs):
            raise SpecError(f"{origin}: 'outputs' must be a list of names")
        named = {builder.resolve(o, (), "outputs"): o.strip() for o in outputs}
    for ref in builder.aux_outputs:
        named.setdefault(ref, next((b.id for b in builder.blocks if b.aux and b.output == ref), ref))
    return Network(name=data.get("name"), inputs=tuple(inputs), nodes=tuple(builder.nodes),
                   blocks=tuple(builder.blocks), outputs=tuple(named), output_names=tuple(named.values()),
                   description=data.get("description"), source=data.get("source"),
                   ignore=tuple(str(i) for i in _ignores(data.get("ignore"), origin)))


def _ignores(value: Any, origin: str):
    """The spec's ``ignore:`` list: warning codes (``CODE`` or ``CODE@NODE``) checked against the known ones."""
    from .codes import parse_ignores

    return parse_ignores(value, f"{origin}: ignore")
