"""forward() as dataflow: the tensors a model's forward() computes become the nodes of convcalc's graph.

The tracer runs the root module's ``forward`` in the interpreter with symbolic tensors
(:class:`~.values.Tensor`: the node that makes it, and its shape where the input shape is known).
A call of a child module becomes an element named after the attribute it is stored in, so node ids
are torch's module names (``layer1.0.conv1``): a layer is a node, a container or custom module a
``sequential`` block holding what its own forward() does. A module called a second time reuses the
first call's module (``share:``), so its parameters count once. Tensor arithmetic, ``torch.cat``,
``F.*`` functions and tensor methods become merges and tensor-op nodes. The result is plain spec
data (:meth:`Tracer.spec`), which :func:`convcalc.build.from_data` turns into the Network.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ... import layers as L
from ...errors import NetworkError, SpecError
from ...graph import split_ref
from . import values as V
from .limits import MAX_NODES, ReadError


class Elem:
    """One element of the spec being written: a layer or tensor op (``item``), or a block (``children``)."""

    __slots__ = ("children", "counters", "id", "inputs", "is_block", "item", "name", "names", "origin", "seq")

    def __init__(self, name: str, id_: str, *, item: dict | None = None, inputs: list[str] | None = None,
                 block: bool = False, origin: str = ""):
        self.name = name
        self.id = id_
        self.item = item
        self.inputs = inputs or []
        self.is_block = block
        self.children: list[Elem] = []
        self.names: set[str] = set()
        self.counters: dict[str, int] = {}
        self.origin = origin
        self.seq = 0  #: creation order

    def __repr__(self) -> str:
        return f"<elem {self.id}>"


class CallFrame:
    """A module's forward() running: the block it writes into, and the containers opened for calls of its
    grandchildren (``for block in self.blocks: x = block(x)`` writes into a block named ``blocks``)."""

    __slots__ = ("block", "module", "wrappers")

    def __init__(self, module: V.Module, block: Elem):
        self.module = module
        self.block = block
        self.wrappers: list[tuple[str, Elem]] = []

    def target(self) -> Elem:
        return self.wrappers[-1][1] if self.wrappers else self.block


class Tracer:
    """Runs a root module's forward() and records the graph."""

    def __init__(self, interp, root: V.Module, origin: str):
        self.interp = interp
        self.root = root
        self.origin = origin
        self.top = Elem("", "", block=True)
        self.frames: list[CallFrame] = []
        self.first: dict[int, Elem] = {}  #: id(module) → the element of its first call
        self.called: set[int] = set()
        self.count = 0
        self.broken: NetworkError | None = None  #: torch would fail here: shapes are unknown from here on
        self.paths = {id(m): p for p, m in interp.lib.walk_modules(root)}
        self.inputs: list[tuple[str, tuple | None]] = []
        self.outputs: list[str] = []
        self.notes: list[str] = []
        self.known: dict[str, V.Tensor] = {}  #: every tensor by ref, for "to the size of that tensor"
        self.broken_at: int | None = None  #: the element where torch would fail: the spec ends there

    # ------------------------------------------------------------------
    # running
    # ------------------------------------------------------------------
    def run(self, inputs: list[tuple[str, tuple | None]], node: ast.AST | None) -> Any:
        self.inputs = inputs
        tensors = [V.Tensor(name, shape) for name, shape in inputs]
        self.known.update((t.ref, t) for t in tensors)
        interp = self.interp
        saved, interp.tracer = interp.tracer, self
        self.frames.append(CallFrame(self.root, self.top))
        self.called.add(id(self.root))
        try:
            result = self.forward(self.root, tensors, {}, node)
        finally:
            self.frames.pop()
            interp.tracer = saved
        self.outputs = self.output_refs(result, node)
        return result

    def forward(self, module: V.Module, args: list, kwargs: dict, node) -> Any:
        interp = self.interp
        cls = module.cls
        if isinstance(cls, V.Class):
            for owner in cls.mro:
                if isinstance(owner, V.Class) and "forward" in owner.ns:
                    fn = owner.ns["forward"]
                    if isinstance(fn, V.Function):
                        return interp.call_function(fn, [module, *args], kwargs, node)
                    return interp.call(fn, [module, *args], kwargs, node)
                if isinstance(owner, V.TorchClass):
                    return self.base_forward(owner, module, args, kwargs, node)
        return self.base_forward(cls, module, args, kwargs, node)

    def base_forward(self, owner: Any, module: V.Module, args: list, kwargs: dict, node) -> Any:
        """torch's own forward(): nn.Sequential runs its children in order; a layer is a node."""
        role = owner.role if isinstance(owner, V.TorchClass) else module.role
        if role == "sequential":
            if len(args) != 1 or kwargs:
                raise self.fail(node, "nn.Sequential's forward() takes one input")
            x = args[0]
            for child in module.modules.values():
                if child is not None:
                    x = self.call_module(child, [x], {}, node)
            return x
        if role in ("leaf", "shuffle"):
            return self.leaf(module, args, kwargs, node, self.frames[-1].target(), None)
        if role in ("modulelist", "moduledict"):
            raise self.fail(node, f"nn.{owner.name} has no forward(): call its modules")
        if role in ("unknown", "free"):
            raise self.fail(node, f"{module.unknown_reason or module.class_name + ' is not modelled'}")
        raise self.fail(node, f"{module.class_name} has no forward()")

    def fail(self, node, message: str, hint: str | None = None) -> ReadError:
        return self.interp.fail(node, message, hint)

    # ------------------------------------------------------------------
    # module calls
    # ------------------------------------------------------------------
    def call_module(self, module: V.Module, args: list, kwargs: dict, node) -> Any:
        frame = self.frames[-1]
        tensors = [a for a in [*args, *kwargs.values()] if isinstance(a, V.Tensor)]
        for a in [*args, *kwargs.values()]:
            if isinstance(a, (list, tuple)):
                tensors += [t for t in a if isinstance(t, V.Tensor)]
        if not tensors:
            if any(isinstance(a, V.Unknown) for a in [*args, *kwargs.values()]):
                bad = V.first_unknown(*args, *kwargs.values())
                raise self.fail(node, f"{module.class_name} is called on an unknown value: {bad.reason}")
            raise self.fail(node, f"{module.class_name} is called without a tensor")
        target, name = self.place(module, frame, tensors[0], node)
        if module.kind is not None or module.role in ("unknown", "free") and not _has_forward(module):
            return self.leaf(module, args, kwargs, node, target, name)
        block = self.add(target, name, None, [tensors[0].ref], node, block=True)
        self.called.add(id(module))
        self.frames.append(CallFrame(module, block))
        try:
            result = self.forward(module, args, kwargs, node)
            return self.end_block(block, result, node)
        finally:
            self.frames.pop()

    def end_block(self, block: Elem, result: Any, node) -> Any:
        """A block must not end with a chunk/split (the engine reads a block's result as one tensor): the
        pieces of it that the module returns are taken out with getitem nodes inside the block."""
        last = block.children[-1] if block.children else None
        if last is None or last.is_block or last.item.get("type") not in ("chunk", "split"):
            return result
        frame = self.frames[-1]
        saved, frame.wrappers = frame.wrappers, []
        replaced: dict[str, V.Tensor] = {}

        def fix(v):
            if isinstance(v, V.Tensor):
                base, index = split_ref(v.ref)
                if base == last.id and index is not None:
                    if v.ref not in replaced:
                        replaced[v.ref] = self.op({"type": "getitem", "index": index}, [V.Tensor(base, None)],
                                                  node, "getitem")
                        replaced[v.ref].shape = v.shape
                    return replaced[v.ref]
                return v
            if isinstance(v, tuple):
                return tuple(fix(e) for e in v)
            if isinstance(v, list):
                return [fix(e) for e in v]
            return v

        try:
            return fix(result)
        finally:
            frame.wrappers = saved

    def place(self, module: V.Module, frame: CallFrame, x: V.Tensor, node) -> tuple[Elem, str]:
        """Where a call of ``module`` goes in the forward() of ``frame.module``, and its name: a child's
        attribute name; a grandchild's inside blocks named after the containers on the way."""
        parent = frame.module
        parts = next(([k] for k, m in parent.modules.items() if m is module), None)
        if parts is None:
            mine, theirs = self.paths.get(id(module)), self.paths.get(id(parent))
            if mine is not None and theirs is not None and (theirs == "" or mine.startswith(theirs + ".")):
                parts = (mine[len(theirs) + 1:] if theirs else mine).split(".")
            else:
                parts = [mine.rsplit(".", 1)[-1] if mine else (module.kind or module.class_name.lower())]
        containers = parts[:-1]
        keep = 0
        while keep < min(len(containers), len(frame.wrappers)) and frame.wrappers[keep][0] == containers[keep]:
            keep += 1
        del frame.wrappers[keep:]
        for part in containers[keep:]:
            wrapper = self.add(frame.target(), part, None, [x.ref], node, block=True)
            frame.wrappers.append((part, wrapper))
        return frame.target(), parts[-1]

    def leaf(self, module: V.Module, args: list, kwargs: dict, node, target: Elem, name: str | None) -> Any:
        """A call of a torch layer: a node (the first call) or a reuse of the first call's node."""
        if module.unknown_reason is not None:
            raise self.fail(node, f"{module.unknown_reason} ({module.class_name} built at {module.where})")
        if kwargs or len(args) != 1 or not isinstance(args[0], V.Tensor):
            raise self.fail(node, f"{module.class_name} is called with {len(args) + len(kwargs)} arguments; "
                                  "a layer takes one tensor")
        x = args[0]
        name = name or module.kind
        if module.kind == "channelshuffle":
            return self.channel_shuffle(x, self.plain(module.args.get("groups"), node, "groups"), node, name,
                                        target)
        first = self.first.get(id(module))
        item = self.layer_item(module, node)
        if first is None:
            elem = self.add(target, name, item, [x.ref], node)
            self.first[id(module)] = elem
            self.called.add(id(module))
            return self.result(elem, item, [x], node)
        elem = self.add(target, name, {"share": first.id}, [x.ref], node)
        return self.result(elem, item, [x], node)

    def layer_item(self, module: V.Module, node) -> dict:
        """A layer's spec item: its kind and torch's arguments as plain data."""
        item: dict[str, Any] = {"type": module.kind}
        frozen = {name: p.frozen for name, p in module.params.items()}
        if any(frozen.values()):  # `p.requires_grad = False` (fine-tuning code freezing a backbone)
            if not all(frozen.values()) or len(frozen) < len([n for n in ("weight", "bias")
                                                              if isinstance(self.interp.lib.leaf_attr(module, n),
                                                                            V.Param)]):
                raise ReadError(f"{module.where}: nn.{module.class_name} has some parameters frozen and others not; "
                                "convcalc counts a layer as trainable or not as a whole")
            item["trainable"] = False
        for key, value in module.args.items():
            item[key] = self.plain(value, node, f"nn.{module.class_name}'s {key}" if isinstance(module.cls, V.TorchClass)
                                   else f"{module.class_name}'s {key}", module)
        return item

    def plain(self, value: Any, node, what: str, module: V.Module | None = None) -> Any:
        """A value as spec data (tuples as lists), or an error naming what is not known (where the layer is
        built, for a layer's argument)."""
        if isinstance(value, V.Unknown):
            if module is not None and module.where:
                raise ReadError(f"{module.where}: {what} is not known: {value.reason}")
            raise self.fail(node, f"{what} is not known: {value.reason}")
        if isinstance(value, V.Size):
            return self.interp.need(value, node, what)
        if isinstance(value, (list, tuple)):
            return [self.plain(v, node, what, module) for v in value]
        if isinstance(value, (int, float, str, bool, type(None))):
            return value
        built = f" (built at {module.where})" if module is not None else ""
        raise self.fail(node, f"{what} is {V.describe(value)}{built}, not a value a layer takes")

    # ------------------------------------------------------------------
    # the elements
    # ------------------------------------------------------------------
    def add(self, target: Elem, name: str, item: dict | None, inputs: list[str], node, block: bool = False) -> Elem:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.interp.limit(node, f"a graph of more than {MAX_NODES:,} nodes")
        name = _unique(target, _word(name))
        elem = Elem(name, f"{target.id}.{name}" if target.id else name, item=item, inputs=inputs, block=block,
                    origin=self.interp.where(node))
        elem.seq = self.count
        target.children.append(elem)
        target.names.add(name)
        return elem

    def op(self, item: dict, inputs: list[V.Tensor], node, name: str) -> Any:
        """A tensor op or merge in the current forward(): a node, and the tensor(s) it makes."""
        for t in inputs:
            if t.expand is not None and item["type"] not in ("add", "mul", "sub"):
                raise self.fail(node, "a tensor from expand_as() is read only in element-wise arithmetic")
        elem = self.add(self.frames[-1].target(), name, item, [t.ref for t in inputs], node)
        return self.result(elem, item, inputs, node)

    def result(self, elem: Elem, item: dict, inputs: list[V.Tensor], node) -> Any:
        """The tensor a new node makes (or its pieces, for chunk/split), with its shape where known."""
        shapes = [t.shape for t in inputs]
        out_shape = None
        pieces = None
        if self.broken is None and all(s is not None for s in shapes):
            try:
                effect = _apply(item, shapes)
            except NetworkError as exc:
                self.broken = exc  # torch refuses it too: the engine will say so, with this node's path
                self.broken_at = elem.seq
            except SpecError as exc:
                what = _describe_item(item)  # the layer's own message may name it already: said once
                message = exc.message if exc.message.startswith(f"{what}: ") else f"{what}: {exc.message}"
                raise self.fail(node, message, exc.hint) from None
            else:
                out_shape = effect.output_shape
                pieces = effect.outputs
        if item.get("type") in ("chunk", "split"):
            if pieces is None:
                if self.broken is None:
                    raise self.fail(node, f"how many pieces {item['type']} makes depends on the input shape",
                                    hint="pass the input shape with --input")
                # past a refusal (the network is refused there) shapes are no longer worked out, but the forward
                # goes on: as many pieces as it asks for, where that does not depend on the shape (x[:, :c] is
                # a split in sections), their shapes unknown
                sections = item.get("split_size_or_sections")
                count = len(sections) if isinstance(sections, list) else item.get("chunks")
                pieces = (None,) * count if type(count) is int and 0 < count <= MAX_NODES else ()
            out = tuple(V.Tensor(f"{elem.id}[{i}]", p) for i, p in enumerate(pieces))
            self.known.update((t.ref, t) for t in out)
            return out
        tensor = V.Tensor(elem.id, out_shape)
        self.known[elem.id] = tensor
        return tensor

    # ------------------------------------------------------------------
    # sizes
    # ------------------------------------------------------------------
    def size(self, t: V.Tensor, dim: Any, node) -> Any:
        if isinstance(dim, V.Size):
            dim = self.interp.need(dim, node, "a dim")
        if t.shape is None:
            if dim == 0:
                return V.Size(None, ("dim", t.ref, 0))
            return V.Size(None, ("dim", t.ref, dim))
        rank = len(t.shape) + 1
        d = dim + rank if dim < 0 else dim
        if not 0 <= d < rank:
            raise self.interp.raise_py("IndexError", f"dim {dim} is out of range for a {rank}-dim tensor", node)
        return V.Size(None if d == 0 else t.shape[d - 1], ("dim", t.ref, d))

    def sizes(self, t: V.Tensor, node) -> Any:
        if t.shape is None:
            return V.Unknown(f"the shape of the tensor at {self.interp.where(node)} (pass --input to give the "
                             "input shape)")
        return tuple(self.size(t, d, node) for d in range(len(t.shape) + 1))

    # ------------------------------------------------------------------
    # tensor attributes and methods
    # ------------------------------------------------------------------
    def tensor_attr(self, t: V.Tensor, name: str, node) -> Any:
        if name == "shape":
            return self.sizes(t, node)
        if name in ("data",):
            return t
        if name == "ndim":
            return t.rank if t.rank is not None else V.Unknown("the rank of a tensor (pass --input)")
        if name in ("device", "dtype", "requires_grad", "grad", "layout"):
            return V.Opaque(f"tensor.{name}")
        if name == "is_cuda":
            return False
        if name in _TENSOR_METHODS:
            handler = _TENSOR_METHODS[name]
            return V.BoundMethod(V.Builtin(f"Tensor.{name}", lambda it, n, a, k: handler(self, n, a[0], a[1:], k)), t)
        raise self.fail(node, f"tensor.{name} is not modelled by convcalc")

    def tensor_getitem(self, t: V.Tensor, index: Any, node) -> Any:
        return _slice(self, t, index, node)

    # ------------------------------------------------------------------
    # arithmetic
    # ------------------------------------------------------------------
    def binop(self, op, a, b, node, inplace=False) -> Any:
        kind = type(op)
        if isinstance(a, V.Tensor) and isinstance(b, V.Tensor):
            merge = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "mul"}.get(kind)
            if merge is None:
                raise self.fail(node, f"`{_op_symbol(kind)}` between tensors is not modelled by convcalc")
            return self.op({"type": merge}, [a, b], node, "div" if kind is ast.Div else merge)
        tensor, other = (a, b) if isinstance(a, V.Tensor) else (b, a)
        if isinstance(other, (int, float, V.Size)) and not isinstance(other, bool):
            if kind in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.FloorDiv, ast.Mod):
                return tensor  # element-wise with a number: the same shape, no parameters
        if isinstance(other, bool) and kind in (ast.Mult, ast.Add):
            return tensor
        raise self.fail(node, f"`{_op_symbol(kind)}` of a tensor and {V.describe(other)} is not modelled by convcalc")

    def unary(self, op, value: V.Tensor, node) -> Any:
        if isinstance(op, (ast.USub, ast.UAdd)):
            return value
        raise self.fail(node, "this operator on a tensor is not modelled by convcalc")

    # ------------------------------------------------------------------
    # named ops
    # ------------------------------------------------------------------
    def channel_shuffle(self, x: V.Tensor, groups: int, node, name: str, target: Elem | None = None) -> V.Tensor:
        """nn.ChannelShuffle: C → (groups, C/groups) → transposed → C again."""
        if x.shape is None:
            raise self.fail(node, "a channel shuffle needs the input shape", hint="pass --input")
        c = x.shape[0]
        frame = self.frames[-1]
        block = self.add(target or frame.target(), name, None, [x.ref], node, block=True)
        self.frames.append(CallFrame(frame.module, block))
        try:
            y = self.op({"type": "unflatten", "dim": 1, "unflattened_size": [groups, c // groups]}, [x], node, "view")
            y = self.op({"type": "transpose", "dim0": 1, "dim1": 2}, [y], node, "transpose")
            return self.op({"type": "flatten", "start_dim": 1, "end_dim": 2}, [y], node, "view_1")
        finally:
            self.frames.pop()

    # ------------------------------------------------------------------
    # the spec
    # ------------------------------------------------------------------
    def output_refs(self, result: Any, node) -> list[str]:
        out: list[str] = []

        def collect(v):
            if isinstance(v, V.Tensor):
                out.append(v.ref)
            elif isinstance(v, (list, tuple)):
                for e in v:
                    collect(e)
            elif isinstance(v, dict):
                for e in v.values():
                    collect(e)

        collect(result)
        if not out:
            raise self.fail(node, f"forward() returns {V.describe(result)}, not a tensor")
        return out

    def spec(self) -> dict:
        """The graph as spec data: ``layers`` (and ``inputs``/``outputs`` where the defaults do not say it)."""
        if not self.top.children:
            raise self.fail(None, "forward() computes nothing convcalc can show: no layer or tensor op")
        if self.broken_at is not None:  # torch stops at the failing layer: so does the spec (the engine names it)
            _prune(self.top, self.broken_at)
            self.outputs = [_result(self.top.children[-1], self.top, self.inputs[0][0], {})]
        names = [n for n, _ in self.inputs]
        rename = {}
        for attempt in range(2):
            try:
                layers = _Renderer(self, names, rename).render()
                break
            except _Shadowed as exc:
                if attempt or exc.ref not in names:
                    raise self.fail(None, f"cannot name {exc.ref!r} in the spec: another element takes its name "
                                          "where it is read") from None
                taken = _all_names(self.top)
                new = exc.ref
                while new in taken or new in names or new == "input":
                    new = f"{new}_in"
                rename[exc.ref] = new
                names = [rename.get(n, n) for n in names]
        data: dict[str, Any] = {"layers": layers}
        shapes = [s for _, s in self.inputs]
        if names == ["input"]:
            if shapes[0] is not None:
                data["input"] = list(shapes[0])
        else:
            data["inputs"] = {n: (list(s) if s is not None else None) for n, s in zip(names, shapes)}
        outputs = [rename.get(o, o) for o in self.outputs]
        if outputs != [_result(self.top.children[-1], self.top, names[0], rename)]:
            data["outputs"] = outputs
        return data


class _Shadowed(Exception):
    def __init__(self, ref: str):
        self.ref = ref


def _prune(block: Elem, last: int) -> None:
    """Drop the elements made after element ``last``."""
    block.children = [c for c in block.children if c.seq <= last]
    for c in block.children:
        if c.is_block:
            _prune(c, last)


def _all_names(elem: Elem) -> set[str]:
    out = set(elem.names)
    for c in elem.children:
        if c.is_block:
            out |= _all_names(c)
    return out


def _result(elem: Elem, parent: Elem, parent_input: str, rename: dict) -> str:
    """The tensor an element gives the element after it: a node's own id; a block's last result."""
    if not elem.is_block:
        return elem.id
    if not elem.children:
        return rename.get(elem.inputs[0], elem.inputs[0])
    return _result(elem.children[-1], elem, elem.inputs[0], rename)


class _Renderer:
    """Elements → spec items, each ``from:`` written as the shortest name the builder resolves to the
    right tensor (the builder's scopes: the current list, the block's ``input``, the enclosing lists)."""

    def __init__(self, tracer: Tracer, inputs: list[str], rename: dict):
        self.tracer = tracer
        self.inputs = inputs
        self.rename = rename
        self.ids: set[str] = set()

    def render(self) -> list:
        return self.block(self.tracer.top, [], self.inputs[0])

    def block(self, block: Elem, chain: list, default: str) -> list:
        """``chain``: the enclosing scopes, innermost first: ("local", dict) and ("input", ref)."""
        local: dict[str, str] = {}
        scopes = [("local", local), *chain]
        out = []
        previous = default
        for index, elem in enumerate(block.children):
            item: dict[str, Any] = {}
            inputs = [self.rename.get(r, r) for r in elem.inputs]
            if elem.item is not None and "share" in elem.item:
                item["share"] = self.name_of(elem.item["share"], scopes, element=True)
            elif elem.is_block:
                item["type"] = "sequential"
            else:
                item["type"] = elem.item["type"]
            if elem.name != str(index):
                item["name"] = elem.name
            # an empty block names what it reads even where that is the default: the engine reads an empty block
            # after another block by that block's id before it is known (reported; a KeyError in report.py)
            if inputs != [previous] or (elem.is_block and not elem.children and index):
                names = [self.name_of(r, scopes) for r in inputs]
                item["from"] = names[0] if len(names) == 1 else names
            if elem.is_block:
                item["layers"] = self.block(elem, [("input", inputs[0]), *scopes], inputs[0])
            elif "share" not in elem.item:
                item.update({k: v for k, v in elem.item.items() if k != "type"})
            out.append(item)
            local[elem.name] = elem.id
            self.ids.add(elem.id)
            previous = _result(elem, block, default, self.rename)
        return out

    def name_of(self, ref: str, scopes: list, element: bool = False) -> str:
        base, index = split_ref(ref)
        suffix = "" if index is None else f"[{index}]"
        if not element:
            for kind, value in scopes:
                if kind == "input":
                    if value == ref:
                        return "input"
                    if value == base and index is not None:
                        return "input" + suffix
                    break
                if "input" in value:
                    break
        short = base.rsplit(".", 1)[-1]
        if self.lookup(short, scopes) == base:
            return short + suffix
        if "." in base and base in self.ids:
            return base + suffix
        if base in self.inputs and self.lookup(base, scopes) is None and base not in self.ids:
            return base + suffix
        raise _Shadowed(base)

    def lookup(self, name: str, scopes: list) -> str | None:
        """What the builder's lookup finds for a name: the first scope holding it."""
        for kind, value in scopes:
            if kind == "input":
                if name == "input":
                    return value
            elif name in value:
                return value[name]
        if name in self.ids:
            return name
        return None


def _unique(target: Elem, name: str) -> str:
    if name not in target.names and name != "input":
        return name
    i = target.counters.get(name, 1)
    while f"{name}_{i}" in target.names:
        i += 1
    target.counters[name] = i + 1
    return f"{name}_{i}"


def _word(name: str) -> str:
    word = re.sub(r"[\s.\[\]]+", "_", str(name)) or "module"
    return word


def _has_forward(module: V.Module) -> bool:
    cls = module.cls
    return isinstance(cls, V.Class) and any(isinstance(c, V.Class) and "forward" in c.ns for c in cls.mro)


def _describe_item(item: dict) -> str:
    return f"{item.get('type', 'a module')}"


def _op_symbol(kind) -> str:
    return {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%"}.get(kind, "?")


_LAYER_CACHE: dict[str, Any] = {}


def _apply(item: dict, shapes: list[tuple]) -> L.Effect:
    """What the engine computes for one node on inputs of these shapes (raises NetworkError where torch
    would refuse, SpecError for arguments convcalc refuses)."""
    from ...build import from_data

    names = [f"t{i}" for i in range(len(shapes))]
    key = repr((item, len(shapes)))
    layer = _LAYER_CACHE.get(key)
    if layer is None:
        data = {"inputs": {n: [1] for n in names}, "layers": [{**item, "from": names if len(names) > 1 else names[0]}]}
        network = from_data(data)
        layer = network.nodes[-1].layer
        if len(_LAYER_CACHE) < 4096:
            _LAYER_CACHE[key] = layer
    if getattr(layer, "MANY", False) or len(shapes) > 1:
        return layer.apply_many(list(shapes), names)
    return layer.apply(shapes[0])


# ----------------------------------------------------------------------------
# torch functions, F functions and tensor methods
# ----------------------------------------------------------------------------
def _bind(tr: Tracer, node, name: str, args: list, kwargs: dict, params: list[tuple[str, Any]]) -> dict:
    """Bind a torch function's arguments after the input by torch's names."""
    out: dict[str, Any] = {}
    names = [p for p, _ in params]
    if len(args) > len(params):
        raise tr.interp.raise_py("TypeError", f"{name}() takes at most {len(params)} arguments after the input", node)
    for p, value in zip(names, args):
        out[p] = value
    for key, value in kwargs.items():
        if key not in names:
            raise tr.interp.raise_py("TypeError", f"{name}() got an unexpected keyword argument {key!r}", node)
        out[key] = value
    return out


def _tensor(tr: Tracer, value: Any, node, what: str) -> V.Tensor:
    if isinstance(value, V.Tensor):
        return value
    if isinstance(value, V.Unknown):
        raise tr.fail(node, f"{what} reads an unknown value: {value.reason}")
    raise tr.fail(node, f"{what} reads {V.describe(value)}, not a tensor")


#: F.* activations: name → (layer kind, torch's arguments after the input, arguments that are not layer arguments)
_ACTIVATIONS = {
    "relu": ("relu", ["inplace"]), "relu_": ("relu", []), "relu6": ("relu6", ["inplace"]),
    "elu": ("elu", ["alpha", "inplace"]), "selu": ("selu", ["inplace"]), "celu": ("celu", ["alpha", "inplace"]),
    "leaky_relu": ("leakyrelu", ["negative_slope", "inplace"]), "leaky_relu_": ("leakyrelu", ["negative_slope"]),
    "gelu": ("gelu", ["approximate"]), "silu": ("silu", ["inplace"]), "mish": ("mish", ["inplace"]),
    "hardswish": ("hardswish", ["inplace"]), "hardsigmoid": ("hardsigmoid", ["inplace"]),
    "sigmoid": ("sigmoid", []), "tanh": ("tanh", []), "softplus": ("softplus", ["beta", "threshold"]),
    "softsign": ("softsign", []), "tanhshrink": ("tanhshrink", []), "logsigmoid": ("logsigmoid", []),
    "hardtanh": ("hardtanh", ["min_val", "max_val", "inplace"]), "hardtanh_": ("hardtanh", ["min_val", "max_val"]),
    "softmax": ("softmax", ["dim", "_stacklevel", "dtype"]), "log_softmax": ("logsoftmax", ["dim", "_stacklevel",
                                                                                           "dtype"]),
    "elu_": ("elu", ["alpha"]), "swish": ("silu", []),
}
_NOT_LAYER_ARGS = ("_stacklevel", "dtype")


def _activation(fname: str):
    kind, params = _ACTIVATIONS[fname]

    def handler(tr: Tracer, node, args, kwargs):
        x = _tensor(tr, args[0] if args else kwargs.pop("input", None), node, f"{fname}()")
        bound = _bind(tr, node, fname, list(args[1:]), kwargs, [(p, None) for p in params])
        item = {"type": kind}
        for key, value in bound.items():
            if key not in _NOT_LAYER_ARGS and value is not None:
                item[key] = tr.plain(value, node, f"{fname}'s {key}")
        return tr.op(item, [x], node, fname.rstrip("_"))
    return handler


def _pool(fname: str, kind: str, params: list[str]):
    def handler(tr: Tracer, node, args, kwargs):
        x = _tensor(tr, args[0] if args else kwargs.pop("input", None), node, f"{fname}()")
        bound = _bind(tr, node, fname, list(args[1:]), kwargs, [(p, None) for p in params])
        if bound.get("return_indices"):
            raise tr.fail(node, f"{fname}(…, return_indices=True) is not modelled by convcalc")
        window = bound.get("kernel_size")
        if (kind.startswith(("avgpool", "maxpool")) and _like(tr, window, x) == x.ref
                and not any(bound.get(k) for k in ("stride", "padding", "ceil_mode", "dilation"))):
            # a window as large as the input (F.avg_pool2d(x, x.size()[2:])): a global pool at any input size
            return tr.op({"type": f"adaptive{kind[:3]}pool{kind[-2:]}", "output_size": 1}, [x], node, fname)
        item = {"type": kind}
        for key in params:
            if bound.get(key) is not None:
                item[key] = tr.plain(bound[key], node, f"{fname}'s {key}")
        return tr.op(item, [x], node, fname)
    return handler


def _like(tr: Tracer, sizes: Any, x: V.Tensor) -> str | None:
    """The tensor whose spatial sizes ``sizes`` are (``y.shape[2:]``, ``y.size()[-2:]``), or None."""
    if not isinstance(sizes, (list, tuple)) or not sizes:
        return None
    refs = set()
    dims = []
    for s in sizes:
        if not isinstance(s, V.Size) or s.expr[0] != "dim":
            return None
        refs.add(s.expr[1])
        dims.append(s.expr[2])
    if len(refs) != 1 or x.rank is None or len(dims) != x.rank - 2:
        return None
    return refs.pop() if dims == list(range(2, x.rank)) else None


def _interpolate(fname: str, defaults: dict | None = None):
    params = ["size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"]

    def handler(tr: Tracer, node, args, kwargs):
        x = _tensor(tr, args[0] if args else kwargs.pop("input", None), node, f"{fname}()")
        bound = _bind(tr, node, fname, list(args[1:]), kwargs, [(p, None) for p in params])
        item: dict[str, Any] = {"type": "interpolate"}
        for key, value in (defaults or {}).items():
            bound.setdefault(key, value)
        inputs = [x]
        size = bound.get("size")
        like = _like(tr, size, x) if size is not None else None
        if like is not None:
            inputs.append(_find_tensor(tr, like) or V.Tensor(like, None))
        elif size is not None:
            item["size"] = tr.plain(size, node, f"{fname}'s size")
        for key in ("scale_factor", "mode", "align_corners", "recompute_scale_factor"):
            if bound.get(key) is not None:
                item[key] = tr.plain(bound[key], node, f"{fname}'s {key}")
        return tr.op(item, inputs, node, fname)
    return handler


def _find_tensor(tr: Tracer, ref: str) -> V.Tensor | None:
    """The tensor named ``ref``, with its shape."""
    return tr.known.get(ref)


def _pad(tr: Tracer, node, args, kwargs):
    x = _tensor(tr, args[0] if args else kwargs.pop("input", None), node, "F.pad()")
    bound = _bind(tr, node, "pad", list(args[1:]), kwargs, [("pad", None), ("mode", "constant"), ("value", None)])
    pad = bound.get("pad")
    if isinstance(pad, V.Unknown):
        raise tr.fail(node, f"F.pad's widths are not known: {pad.reason}")
    if not isinstance(pad, (list, tuple)):
        raise tr.fail(node, "F.pad's widths must be a list")
    like = _pad_like(pad, x)
    item: dict[str, Any] = {"type": "pad"}
    inputs = [x]
    if like is not None:
        inputs.append(_find_tensor(tr, like) or V.Tensor(like, None))
    else:
        item["pad"] = tr.plain(list(pad), node, "F.pad's widths")
    if bound.get("mode") not in (None, "constant"):
        item["mode"] = tr.plain(bound["mode"], node, "F.pad's mode")
    if bound.get("value") is not None:
        item["value"] = tr.plain(bound["value"], node, "F.pad's value")
    return tr.op(item, inputs, node, "pad")


def _pad_like(pad: Any, x: V.Tensor) -> str | None:
    """``[diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2]`` with ``diffY = y.size(2) - x.size(2)``
    (milesial's U-Net): pad x to y's spatial size, half before. The ref of y, or None."""
    if x.rank is None or len(pad) != 2 * (x.rank - 2):
        return None
    like = None
    for i in range(x.rank - 2):
        axis = x.rank - 1 - i  # pad lists the last dim first
        before, after = pad[2 * i], pad[2 * i + 1]
        if not isinstance(before, V.Size) or not isinstance(after, V.Size):
            return None
        b, a = before.expr, after.expr
        if b[0] != "//" or b[2] != ("const", 2):
            return None
        diff = b[1]
        if a != ("-", diff, b):
            return None
        if diff[0] != "-" or diff[1][0] != "dim" or diff[2][0] != "dim":
            return None
        (_, y_ref, y_axis), (_, x_ref, x_axis) = diff[1], diff[2]
        if x_ref != x.ref or y_axis != axis or x_axis != axis or (like is not None and like != y_ref):
            return None
        like = y_ref
    return like


def _dims(tr: Tracer, node, args, what: str) -> list:
    """``view(a, b)`` or ``view((a, b))``: the sizes as a list."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return list(args[0])
    if len(args) == 1 and isinstance(args[0], V.Unknown):
        raise tr.fail(node, f"{what}: {args[0].reason}")
    return list(args)


def _view(kind: str):
    def handler(tr: Tracer, node, x, args, kwargs):
        if kwargs:
            args = [*args, *(kwargs.get(k) for k in ("shape", "size") if k in kwargs)]
        dims = _dims(tr, node, args, f"{kind}()")
        return _reshape(tr, node, x, dims, kind)
    return handler


def _reshape(tr: Tracer, node, x: V.Tensor, dims: list, kind: str) -> V.Tensor:
    if not dims:
        raise tr.fail(node, f"{kind}() without sizes")
    first = dims[0]
    batch = (isinstance(first, V.Size) and first.batch) or first == -1
    if not batch:
        if isinstance(first, V.Size) and first.expr[0] == "dim":
            batch = first.expr[2] == 0
    if not batch:
        raise tr.fail(node, f"{kind}(): the first size must be the batch size (x.size(0)) or -1; convcalc does not "
                            f"model a {kind} that moves the batch dim")
    rest = []
    for d in dims[1:]:
        if isinstance(d, V.Size) and d.batch:
            raise tr.fail(node, f"{kind}(): the batch size in a later dim is not modelled")
        rest.append(tr.plain(d, node, f"{kind}'s sizes"))
    if not rest:
        raise tr.fail(node, f"{kind}() to the batch dim alone is not modelled")
    generic = _keep_spatial(x, dims[1:], rest)
    return tr.op(generic or {"type": kind, "shape": rest}, [x], node, kind)


def _keep_spatial(x: V.Tensor, given: list, values: list) -> dict | None:
    """A view that keeps the trailing spatial dims (given as sizes read off a tensor, ``x.view(N, g, C // g, H,
    W)``) and regroups only the dims before them: an unflatten or a flatten, which hold at any input size (a
    channel shuffle read so still works when --min-input tries other sizes). None where the view is no such."""
    if x.shape is None:
        return None
    keep = 0
    while (keep < min(len(given), len(x.shape)) and isinstance(given[-1 - keep], V.Size)
           and given[-1 - keep].expr[0] == "dim" and given[-1 - keep].expr[2] >= 2
           and values[-1 - keep] == x.shape[-1 - keep]):
        keep += 1
    if not keep:
        return None
    old, new = list(x.shape[:len(x.shape) - keep]), values[:len(values) - keep]
    if not old or not new:
        return None
    if -1 in new:
        known = 1
        for v in new:
            known *= v if v != -1 else 1
        total = 1
        for v in old:
            total *= v
        if not known or total % known:
            return None
        new = [total // known if v == -1 else v for v in new]
    if len(old) == 1 and len(new) > 1:
        return {"type": "unflatten", "dim": 1, "unflattened_size": new}
    if len(new) == 1 and len(old) > 1:
        return {"type": "flatten", "start_dim": 1, "end_dim": len(old)}
    return None


def _flatten(tr: Tracer, node, x: V.Tensor, args, kwargs, default_start: int):
    bound = _bind(tr, node, "flatten", list(args), kwargs, [("start_dim", default_start), ("end_dim", -1)])
    item: dict[str, Any] = {"type": "flatten"}
    start = tr.plain(bound.get("start_dim", default_start), node, "flatten's start_dim")
    item["start_dim"] = start
    if bound.get("end_dim", -1) != -1:
        item["end_dim"] = tr.plain(bound["end_dim"], node, "flatten's end_dim")
    return tr.op(item, [x], node, "flatten")


def _reduce(kind: str):
    def handler(tr: Tracer, node, x, args, kwargs):
        bound = _bind(tr, node, kind, list(args), kwargs, [("dim", None), ("keepdim", False), ("dtype", None)])
        dim = bound.get("dim")
        if dim is None:
            raise tr.fail(node, f"{kind}() over every dim reduces the batch dim too, which convcalc does not model")
        item: dict[str, Any] = {"type": kind, "dim": tr.plain(dim, node, f"{kind}'s dim")}
        if bound.get("keepdim"):
            item["keepdim"] = True
        return tr.op(item, [x], node, kind)
    return handler


def _squeeze(kind: str):
    def handler(tr: Tracer, node, x, args, kwargs):
        bound = _bind(tr, node, kind, list(args), kwargs, [("dim", None)])
        item: dict[str, Any] = {"type": kind}
        if bound.get("dim") is not None:
            item["dim"] = tr.plain(bound["dim"], node, f"{kind}'s dim")
        return tr.op(item, [x], node, kind)
    return handler


def _permute(tr: Tracer, node, x, args, kwargs):
    dims = _dims(tr, node, list(args) + ([kwargs["dims"]] if "dims" in kwargs else []), "permute()")
    return tr.op({"type": "permute", "dims": tr.plain(dims, node, "permute's dims")}, [x], node, "permute")


def _transpose(tr: Tracer, node, x, args, kwargs):
    bound = _bind(tr, node, "transpose", list(args), kwargs, [("dim0", None), ("dim1", None)])
    return tr.op({"type": "transpose", "dim0": tr.plain(bound["dim0"], node, "transpose's dim0"),
                  "dim1": tr.plain(bound["dim1"], node, "transpose's dim1")}, [x], node, "transpose")


def _chunk(tr: Tracer, node, x, args, kwargs):
    bound = _bind(tr, node, "chunk", list(args), kwargs, [("chunks", None), ("dim", 0)])
    return tr.op({"type": "chunk", "chunks": tr.plain(bound["chunks"], node, "chunk's chunks"),
                  "dim": tr.plain(bound.get("dim", 0), node, "chunk's dim")}, [x], node, "chunk")


def _split(tr: Tracer, node, x, args, kwargs):
    bound = _bind(tr, node, "split", list(args), kwargs, [("split_size_or_sections", None), ("dim", 0)])
    if "split_size" in kwargs:
        bound["split_size_or_sections"] = kwargs["split_size"]
    return tr.op({"type": "split", "split_size_or_sections": tr.plain(bound["split_size_or_sections"], node,
                                                                      "split's sizes"),
                  "dim": tr.plain(bound.get("dim", 0), node, "split's dim")}, [x], node, "split")


def _size_method(tr: Tracer, node, x, args, kwargs):
    dim = args[0] if args else kwargs.get("dim")
    if dim is None:
        return tr.sizes(x, node)
    return tr.size(x, dim, node)


def _passthrough(tr: Tracer, node, x, args, kwargs):
    return x


def _expand_as(tr: Tracer, node, x, args, kwargs):
    other = _tensor(tr, args[0] if args else kwargs.get("other"), node, "expand_as()")
    return V.Tensor(x.ref, other.shape if other.shape is not None else None, expand=x)


def _numel(tr: Tracer, node, x, args, kwargs):
    if x.shape is None:
        return V.Size(None, ("numel", x.ref))
    return V.Size(None, ("numel", x.ref))


def _dim(tr: Tracer, node, x, args, kwargs):
    return x.rank if x.rank is not None else V.Unknown("the rank of a tensor (pass --input)")


def _merge_method(kind: str, op):
    def handler(tr: Tracer, node, x, args, kwargs):
        other = args[0] if args else kwargs.get("other")
        if kwargs.get("alpha") not in (None, 1):
            pass  # a scale: the same shape
        return tr.binop(op(), x, other, node)
    return handler


def _method_activation(fname: str):
    fn = _activation(fname)
    return lambda tr, node, x, args, kwargs: fn(tr, node, [x, *args], kwargs)


def _refuse(what: str):
    def handler(tr: Tracer, node, *rest):
        raise tr.fail(node, f"{what} is not modelled by convcalc")
    return handler


_TENSOR_METHODS: dict[str, Any] = {
    "size": _size_method, "dim": _dim, "ndimension": _dim, "numel": _numel,
    "view": _view("view"), "reshape": _view("reshape"),
    "flatten": lambda tr, node, x, args, kwargs: _flatten(tr, node, x, args, kwargs, 0),
    "permute": _permute, "transpose": _transpose, "squeeze": _squeeze("squeeze"), "unsqueeze": _squeeze("unsqueeze"),
    "mean": _reduce("mean"), "sum": _reduce("sum"), "amax": _reduce("amax"), "chunk": _chunk, "split": _split,
    "expand_as": _expand_as,
    "add": _merge_method("add", ast.Add), "add_": _merge_method("add", ast.Add),
    "mul": _merge_method("mul", ast.Mult), "mul_": _merge_method("mul", ast.Mult),
    "sub": _merge_method("sub", ast.Sub), "sub_": _merge_method("sub", ast.Sub),
    "div": _merge_method("div", ast.Div), "div_": _merge_method("div", ast.Div),
    **{name: _passthrough for name in ("contiguous", "clone", "detach", "float", "double", "half", "to", "cuda", "cpu",
                                       "type_as", "requires_grad_", "clamp", "clamp_", "clamp_min", "clamp_max",
                                       "clamp_min_", "pow", "pow_", "sqrt", "exp", "abs", "neg", "abs_", "exp_",
                                       "log", "sign", "round", "floor", "ceil", "reciprocal", "square", "rsqrt",
                                       "bfloat16", "detach_", "type")},
    **{name: _method_activation(name) for name in ("relu", "relu_", "sigmoid", "tanh", "softmax", "log_softmax")},
    "sigmoid_": _method_activation("sigmoid"), "tanh_": _method_activation("tanh"),
    "view_as": lambda tr, node, x, args, kwargs: _reshape(
        tr, node, x, list(tr.sizes(_tensor(tr, args[0], node, "view_as()"), node)), "view"),
    "reshape_as": lambda tr, node, x, args, kwargs: _reshape(
        tr, node, x, list(tr.sizes(_tensor(tr, args[0], node, "reshape_as()"), node)), "reshape"),
    "matmul": _refuse("a matrix product (matmul)"), "bmm": _refuse("a batched matrix product (bmm)"),
    "max": _refuse("tensor.max()"), "min": _refuse("tensor.min()"), "argmax": _refuse("argmax()"),
    "masked_fill": _refuse("masked_fill()"), "expand": _refuse("expand()"), "repeat": _refuse("repeat()"),
    "narrow": _refuse("narrow()"), "unbind": _refuse("unbind()"), "t": _refuse("tensor.t()"),
}


def _slice(tr: Tracer, x: V.Tensor, index: Any, node) -> Any:
    """``x[:, :c]``, ``x[:, c:, 1:-1, 1:-1]``: a channel range is one piece of a split; spatial ranges are a
    crop (a pad by negative widths). The batch dim must be kept whole."""
    interp = tr.interp
    parts = list(index) if isinstance(index, tuple) else [index]
    if x.shape is None:
        raise tr.fail(node, "slicing a tensor needs its shape", hint="pass the input shape with --input")
    rank = len(x.shape) + 1
    if any(p is ... for p in parts):
        i = next(i for i, p in enumerate(parts) if p is ...)
        parts = parts[:i] + [slice(None)] * (rank - len(parts) + 1) + parts[i + 1:]
    if len(parts) > rank:
        raise interp.raise_py("IndexError", f"too many indices for a {rank}-dim tensor", node)
    parts += [slice(None)] * (rank - len(parts))
    if not all(isinstance(p, slice) for p in parts):
        raise tr.fail(node, "indexing a tensor with a number (selecting one entry) is not modelled by convcalc")
    if parts[0] != slice(None):
        raise tr.fail(node, "slicing the batch dim is not modelled by convcalc")
    ranges = []
    for d, p in enumerate(parts[1:], start=1):
        size = x.shape[d - 1]
        start, stop, step = (tr.plain(v, node, "a slice bound") if v is not None else None
                             for v in (p.start, p.stop, p.step))
        if step not in (None, 1):
            raise tr.fail(node, "slicing a tensor with a step is not modelled by convcalc")
        start, stop, _ = slice(start, stop).indices(size)
        stop = max(stop, start)
        ranges.append((d, start, stop, size))
    y = x
    channel = [r for r in ranges if r[0] == 1 and (r[1], r[2]) != (0, r[3])]
    if channel:
        _, start, stop, size = channel[0]
        if stop == start:
            raise tr.fail(node, "an empty slice of a tensor is not modelled by convcalc")
        sections = [n for n in (start, stop - start, size - stop) if n]
        pieces = tr.op({"type": "split", "split_size_or_sections": sections, "dim": 1}, [y], node, "getitem")
        y = pieces[1 if start else 0]
    spatial = [r for r in ranges if r[0] > 1]
    if any((r[1], r[2]) != (0, r[3]) for r in spatial):
        pad: list[int] = []
        for _, start, stop, size in reversed(spatial):
            if stop == start:
                raise tr.fail(node, "an empty slice of a tensor is not modelled by convcalc")
            pad += [-start, -(size - stop)]
        y = tr.op({"type": "pad", "pad": pad}, [y], node, "getitem")
    return y


def _tensors_arg(tr: Tracer, value: Any, node, what: str) -> list[V.Tensor]:
    if isinstance(value, V.Unknown):
        raise tr.fail(node, f"{what}: {value.reason}")
    items = tr.interp.materialize(value, node)
    return [_tensor(tr, t, node, what) for t in items]


def _cat(tr: Tracer, node, args, kwargs):
    bound = _bind(tr, node, "cat", list(args), kwargs, [("tensors", None), ("dim", 0), ("out", None)])
    tensors = _tensors_arg(tr, bound.get("tensors"), node, "torch.cat()")
    dim = tr.plain(bound.get("dim", 0), node, "cat's dim")
    if len(tensors) == 1:
        return tensors[0]
    return tr.op({"type": "concat", "dim": dim}, tensors, node, "cat")


def _stack(tr: Tracer, node, args, kwargs):
    bound = _bind(tr, node, "stack", list(args), kwargs, [("tensors", None), ("dim", 0), ("out", None)])
    tensors = _tensors_arg(tr, bound.get("tensors"), node, "torch.stack()")
    dim = tr.plain(bound.get("dim", 0), node, "stack's dim")
    pieces = [tr.op({"type": "unsqueeze", "dim": dim}, [t], node, "unsqueeze") for t in tensors]
    if len(pieces) == 1:
        return pieces[0]
    return tr.op({"type": "concat", "dim": dim}, pieces, node, "stack")


def _torch_binary(op):
    def handler(tr: Tracer, node, args, kwargs):
        a = args[0] if args else kwargs.get("input")
        b = args[1] if len(args) > 1 else kwargs.get("other")
        return tr.binop(op(), a, b, node)
    return handler


def _on_tensor(method: str):
    """``torch.flatten(x, 1)`` → ``x.flatten(1)``."""
    def handler(tr: Tracer, node, args, kwargs):
        x = _tensor(tr, args[0] if args else kwargs.pop("input", None), node, f"torch.{method}()")
        if method == "flatten":
            return _flatten(tr, node, x, list(args[1:]), kwargs, 0)
        return _TENSOR_METHODS[method](tr, node, x, list(args[1:]), kwargs)
    return handler


def _functional(fn):
    """A torch/F function: in forward() it builds nodes; on example tensors elsewhere (a dry run in __init__) it
    is traced apart; on anything else outside forward() it is unknown."""
    def call(it, node, args, kwargs):
        if it.tracer is None:
            flat = [*args, *kwargs.values()]
            flat += [e for a in flat if isinstance(a, (list, tuple)) for e in a]
            if any(isinstance(a, V.ExampleTensor) and a.shape is not None and len(a.shape) > 1 for a in flat):
                return it.lib.scratch(lambda tr, a, k: fn(tr, node, list(a), dict(k)), list(args), dict(kwargs), node)
            return V.UnknownCall("a tensor function outside forward()", harmless=True)
        return fn(it.tracer, node, list(args), dict(kwargs))
    return call


def _pixel_shuffle(tr: Tracer, node, args, kwargs):
    x = _tensor(tr, args[0] if args else kwargs.get("input"), node, "pixel_shuffle()")
    r = args[1] if len(args) > 1 else kwargs.get("upscale_factor")
    return tr.op({"type": "pixelshuffle", "upscale_factor": tr.plain(r, node, "upscale_factor")}, [x], node,
                 "pixel_shuffle")


def _dropout(fname: str, kind: str):
    def handler(tr: Tracer, node, args, kwargs):
        x = _tensor(tr, args[0] if args else kwargs.pop("input", None), node, f"{fname}()")
        bound = _bind(tr, node, fname, list(args[1:]), kwargs, [("p", None), ("training", None), ("inplace", None)])
        item: dict[str, Any] = {"type": kind}
        if bound.get("p") is not None:
            item["p"] = tr.plain(bound["p"], node, f"{fname}'s p")
        return tr.op(item, [x], node, fname)
    return handler


def _lrn(tr: Tracer, node, args, kwargs):
    x = _tensor(tr, args[0] if args else kwargs.pop("input", None), node, "local_response_norm()")
    bound = _bind(tr, node, "local_response_norm", list(args[1:]), kwargs,
                  [("size", None), ("alpha", None), ("beta", None), ("k", None)])
    item = {"type": "localresponsenorm", **{k: tr.plain(v, node, k) for k, v in bound.items() if v is not None}}
    return tr.op(item, [x], node, "local_response_norm")


def _normalize(tr: Tracer, node, args, kwargs):
    _tensor(tr, args[0] if args else kwargs.get("input"), node, "normalize()")
    return args[0] if args else kwargs.get("input")


def functional_namespace(lib) -> dict[str, Any]:
    """torch.nn.functional as convcalc models it."""
    handlers: dict[str, Any] = {}
    for fname in _ACTIVATIONS:
        handlers[fname] = _activation(fname)
    for n in (1, 2, 3):
        handlers[f"max_pool{n}d"] = _pool(f"max_pool{n}d", f"maxpool{n}d", ["kernel_size", "stride", "padding",
                                                                             "dilation", "ceil_mode", "return_indices"])
        handlers[f"avg_pool{n}d"] = _pool(f"avg_pool{n}d", f"avgpool{n}d", ["kernel_size", "stride", "padding",
                                                                             "ceil_mode", "count_include_pad",
                                                                             "divisor_override"])
        for k in ("avg", "max"):
            handlers[f"adaptive_{k}_pool{n}d"] = _pool(f"adaptive_{k}_pool{n}d", f"adaptive{k}pool{n}d",
                                                       ["output_size", "return_indices"])
    handlers["interpolate"] = _interpolate("interpolate")
    handlers["upsample"] = _interpolate("upsample")
    handlers["upsample_nearest"] = _interpolate("upsample_nearest", {"mode": "nearest"})
    handlers["upsample_bilinear"] = _interpolate("upsample_bilinear", {"mode": "bilinear", "align_corners": True})
    handlers["pad"] = _pad
    handlers["pixel_shuffle"] = _pixel_shuffle
    for fname, kind in (("dropout", "dropout"), ("dropout1d", "dropout1d"), ("dropout2d", "dropout2d"),
                        ("dropout3d", "dropout3d"), ("alpha_dropout", "alphadropout"),
                        ("feature_alpha_dropout", "alphadropout")):
        handlers[fname] = _dropout(fname, kind)
    handlers["local_response_norm"] = _lrn
    handlers["normalize"] = _normalize
    for fname in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "batch_norm", "layer_norm",
                  "group_norm", "instance_norm", "embedding", "prelu", "bilinear", "unfold", "fold", "grid_sample",
                  "affine_grid", "scaled_dot_product_attention", "multi_head_attention_forward", "one_hot",
                  "cross_entropy", "nll_loss", "mse_loss", "glu", "lp_pool2d"):
        handlers[fname] = _refuse(f"F.{fname}")
    return {name: V.Builtin(f"F.{name}", _functional(fn)) for name, fn in handlers.items()}


def _creator(name: str):
    """torch.randn(1, 3, 32, 32) & co: an example tensor outside forward(); inside it, not modelled."""
    def call(it, node, args, kwargs):
        if it.tracer is not None:
            raise it.fail(node, f"torch.{name}() inside forward() makes a tensor convcalc does not model")
        dims = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else kwargs.get("size", args)
        shape = tuple(dims) if isinstance(dims, (list, tuple)) else None
        if shape is not None and not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
            shape = None
        return V.ExampleTensor(shape)
    return call


def _torch_tensor(it, node, args, kwargs):
    data = args[0] if args else kwargs.get("data")
    if isinstance(data, (list, tuple)) and len(data) == 1 and isinstance(data[0], V.Size):
        return data[0]  # torch.tensor([x2.size()[2] - x1.size()[2]]) in older U-Net code: a size
    if isinstance(data, V.Size):
        return data
    if it.tracer is None:
        return V.ExampleTensor(None)
    raise it.fail(node, "torch.tensor() of values inside forward() is not modelled")


def torch_namespace(lib) -> dict[str, Any]:
    """The torch namespace (its functions over tensors; nn and the rest are added by the library)."""
    members: dict[str, Any] = {}
    fns: dict[str, Any] = {
        "cat": _cat, "concat": _cat, "concatenate": _cat, "stack": _stack,
        "add": _torch_binary(ast.Add), "mul": _torch_binary(ast.Mult), "sub": _torch_binary(ast.Sub),
        "div": _torch_binary(ast.Div), "multiply": _torch_binary(ast.Mult),
        "flatten": _on_tensor("flatten"), "transpose": _on_tensor("transpose"), "permute": _on_tensor("permute"),
        "reshape": _on_tensor("reshape"), "squeeze": _on_tensor("squeeze"), "unsqueeze": _on_tensor("unsqueeze"),
        "mean": _on_tensor("mean"), "sum": _on_tensor("sum"), "amax": _on_tensor("amax"), "chunk": _on_tensor("chunk"),
        "split": _on_tensor("split"),
        "sigmoid": _activation("sigmoid"), "tanh": _activation("tanh"), "relu": _activation("relu"),
        "relu_": _activation("relu_"), "softmax": _activation("softmax"), "log_softmax": _activation("log_softmax"),
        "pixel_shuffle": _pixel_shuffle, "dropout": _dropout("dropout", "dropout"),
        "adaptive_avg_pool1d": _pool("adaptive_avg_pool1d", "adaptiveavgpool1d", ["output_size"]),
        "max_pool2d": _pool("max_pool2d", "maxpool2d", ["kernel_size", "stride", "padding", "dilation",
                                                        "ceil_mode"]),
        "avg_pool1d": _pool("avg_pool1d", "avgpool1d", ["kernel_size", "stride", "padding", "ceil_mode",
                                                        "count_include_pad"]),
        **{name: (lambda tr, node, args, kwargs: _tensor(tr, args[0] if args else kwargs.get("input"), node,
                                                          "an element-wise function"))
           for name in ("clamp", "clip", "exp", "log", "abs", "sqrt", "neg", "pow", "sign", "square", "rsqrt",
                        "erf", "floor", "ceil", "round")},
        **{name: _refuse(f"torch.{name}") for name in ("matmul", "bmm", "einsum", "mm", "max", "min", "argmax",
                                                       "where", "gather", "topk", "sort", "roll", "unbind",
                                                       "zeros_like", "ones_like", "rand_like", "randn_like",
                                                       "full_like", "empty_like", "masked_fill", "baddbmm",
                                                       "addmm", "norm", "cdist", "outer", "kron", "tile",
                                                       "repeat_interleave", "meshgrid", "arange", "linspace")},
    }
    for name, fn in fns.items():
        members[name] = V.Builtin(f"torch.{name}", _functional(fn))
    for name in ("randn", "rand", "zeros", "ones", "empty", "randint", "full", "normal"):
        members[name] = V.Builtin(f"torch.{name}", _creator(name))
    members["tensor"] = V.Builtin("torch.tensor", _torch_tensor)
    members["as_tensor"] = members["tensor"]
    members["is_tensor"] = V.Builtin("torch.is_tensor", lambda it, n, a, k: isinstance(a[0], (V.Tensor,
                                                                                               V.ExampleTensor)))
    return members
