"""Run a model on meta tensors and record what it does: one :class:`Op` per module call and tensor op.

Two recorders give the same records:

* :func:`fx_trace` — ``torch.fx`` symbolic tracing, then the traced graph run node by node on meta tensors
  (names and module scopes come from fx);
* :func:`hook_trace` — for a forward() fx cannot trace (Python control flow on shapes, ``len(x)``, …): the
  model itself run on meta tensors, module calls seen by forward hooks and the tensor ops between them by a
  ``TorchFunctionMode``.

A module convcalc's graph keeps whole (a *leaf*: every torch.nn layer, and a custom module that owns
parameters or buffers itself) is one op; other modules are traced through and only give a *scope* to the
ops inside them. Tensors are followed by identity: each tensor a recorded op returns is a :class:`Ref` to
it; a tensor that depends on no input of the model (a parameter, a buffer, ``torch.zeros(…)``) is a
:class:`Const` carrying the parameters and buffers it was computed from, counted where a recorded op first
reads it. FLOPs are counted per op with torch's own FLOP formulas (``torch.utils.flop_counter``).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Ref:
    """A tensor of the graph: output ``leaf`` of op ``op`` (None: its only output), or input ``-1 - op``."""

    op: int
    leaf: int | None = None


@dataclass(frozen=True)
class Const:
    """A tensor that depends on no input of the model, with the parameters and buffers (by id) it comes from."""

    params: frozenset = frozenset()
    buffers: frozenset = frozenset()
    shape: tuple = ()


@dataclass
class Op:
    """One recorded step."""

    index: int
    kind: str  #: "module" (a leaf module call) or "function" (a tensor op)
    name: str  #: a module's qualified name, or the op's function name (``add``, ``cat``, ``view``)
    target: Any  #: the module, or the function (a method's name for fx's call_method)
    scope: tuple[tuple[str, int], ...]  #: enclosing non-leaf module calls (qualified name, call number)
    call: int  #: a module's call number (0 for its first call)
    args: tuple  #: with tensors replaced by Ref / Const
    kwargs: dict
    inputs: list[Ref]  #: graph tensors read, in argument order
    consts: list[Const]  #: constant tensors read
    outputs: list[tuple[int, ...]]  #: shapes of the tensors it returns, in order (batch included)
    input_shapes: list[tuple[int, ...]]  #: shapes of ``inputs`` (batch included)
    flops: int = 0
    pointwise: bool = False  #: every aten op it ran is element-wise
    single: bool = True  #: returns one tensor (not a tuple or list of them)


@dataclass
class Trace:
    ops: list[Op]
    inputs: list[tuple[str, tuple[int, ...]]]  #: (forward()'s parameter name, shape with batch)
    outputs: list[Ref]  #: the graph tensors the model returns, in order
    method: str  #: "fx" or "hooks"
    params: dict[int, tuple[str, int, bool]] = field(default_factory=dict)  #: id → (name, numel, requires_grad)
    buffers: dict[int, tuple[str, int]] = field(default_factory=dict)  #: id → (name, numel)
    modules: dict[int, str] = field(default_factory=dict)  #: id(module) → qualified name
    failure: str | None = None  #: why fx could not trace forward()


class TraceFailure(Exception):
    """The model could not be run on meta tensors."""


# ----------------------------------------------------------------------------
# Which modules are kept whole
# ----------------------------------------------------------------------------
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict")


def torch_class(module) -> type | None:
    """The torch.nn class a module is, or inherits without changing forward(); None for a custom module."""
    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn.") and cls.__name__ != "Module":
            if cls.__name__ in CONTAINERS:
                return None
            return cls if type(module).forward is cls.forward else None
    return None


def is_leaf(module) -> bool:
    """Kept whole: a torch.nn layer (not a container), or a module that owns parameters or buffers itself."""
    if torch_class(module) is not None:
        return True
    if type(module).__module__.startswith("torch.nn.") and type(module).__name__ not in CONTAINERS:
        return True
    return any(True for _ in module.parameters(recurse=False)) or any(True for _ in module.buffers(recurse=False))


# ----------------------------------------------------------------------------
# FLOPs per op
# ----------------------------------------------------------------------------
def _counter():
    """A dispatch mode adding up torch's FLOP formulas, and whether every aten op it saw was element-wise."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    try:
        from torch.utils.flop_counter import flop_registry
    except ImportError:  # pragma: no cover - every torch ≥ 2.1 has it
        flop_registry = {}
    pointwise_tag = getattr(torch.Tag, "pointwise", None)
    neutral = {"detach", "alias", "_to_copy", "clone", "copy_", "empty_like", "lift_fresh", "_local_scalar_dense"}

    class Counter(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            return False  # else torch wraps __torch_dispatch__ in dynamo.disable: a 2–3 s import of torch._dynamo

        def __init__(self):
            super().__init__()
            self.flops = 0
            self.pointwise = True

        def reset(self) -> None:
            self.flops, self.pointwise = 0, True

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            packet = func._overloadpacket
            formula = flop_registry.get(packet)
            if formula is not None:
                try:
                    self.flops += int(formula(*args, **kwargs, out_val=out))
                except Exception:  # a formula that does not know this call: no FLOPs rather than none at all
                    pass
            if self.pointwise and packet.__name__ not in neutral and pointwise_tag not in func.tags:
                self.pointwise = False
            return out

    return Counter()


# ----------------------------------------------------------------------------
# Recording
# ----------------------------------------------------------------------------
def _map(value, fn):
    """``value`` with every tensor replaced by ``fn(tensor)`` (lists, tuples, dicts followed)."""
    import torch

    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, (list, tuple)):
        items = [_map(v, fn) for v in value]
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
            return type(value)(*items)
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _map(v, fn) for k, v in value.items()}
    return value


def tensors(value) -> list:
    """The tensors in ``value``, in order (lists, tuples, dicts followed)."""
    import torch

    out: list = []

    def walk(v):
        if isinstance(v, torch.Tensor):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    walk(value)
    return out


class Recorder:
    """Tensors by identity → Ref / Const, and the ops recorded so far."""

    def __init__(self, model):
        self.model = model
        self.ops: list[Op] = []
        self.refs: dict[int, Ref | Const] = {}
        self.alive: list = []  #: every tensor seen, so that no id is reused while recording
        self.params = {id(p): (name, p.numel(), p.requires_grad) for name, p in model.named_parameters()}
        self.buffers = {id(b): (name, b.numel()) for name, b in model.named_buffers()}
        self.modules = {id(m): name for name, m in model.named_modules()}
        self.calls: dict[int, int] = {}  #: id(module) → calls so far

    def value(self, t) -> Ref | Const:
        known = self.refs.get(id(t))
        if known is not None:
            return known
        if id(t) in self.params:
            return Const(params=frozenset({id(t)}), shape=tuple(t.shape))
        if id(t) in self.buffers:
            return Const(buffers=frozenset({id(t)}), shape=tuple(t.shape))
        return Const(shape=tuple(t.shape))

    def input(self, index: int, t) -> None:
        self.refs[id(t)] = Ref(-1 - index)
        self.alive.append(t)

    def record(self, kind: str, name: str, target, scope, args, kwargs, result, flops: int = 0,
               pointwise: bool = False, module=None) -> Op | None:
        """Record one step; None (its results are constants) when it reads no tensor of the graph."""
        values = {id(t): self.value(t) for t in tensors((args, kwargs))}
        sym_args = _map(args, lambda t: values[id(t)])
        sym_kwargs = _map(kwargs, lambda t: values[id(t)])
        ins = [t for t in tensors((args, kwargs))]
        graph = [(values[id(t)], tuple(t.shape)) for t in ins if isinstance(values[id(t)], Ref)]
        consts = [values[id(t)] for t in ins if isinstance(values[id(t)], Const)]
        outs = tensors(result)
        self.alive += ins + outs
        if not outs and module is None:
            return None  # x.size(0), x.dim(): a question about a tensor, not a step
        if module is not None:
            call = self.calls.get(id(module), 0)
            self.calls[id(module)] = call + 1
        else:
            call = 0
        if not graph:
            params = frozenset().union(*(c.params for c in consts)) if consts else frozenset()
            buffers = frozenset().union(*(c.buffers for c in consts)) if consts else frozenset()
            if module is not None:
                params |= {id(p) for p in module.parameters()}
                buffers |= {id(b) for b in module.buffers()}
            for t in outs:
                if not isinstance(self.refs.get(id(t)), Ref):
                    self.refs[id(t)] = Const(params=params, buffers=buffers, shape=tuple(t.shape))
            return None
        seen_inputs: list[Ref] = []
        shapes: list[tuple[int, ...]] = []
        for ref, shape in graph:  # a tensor read twice (x * x) is one input
            if ref not in seen_inputs:
                seen_inputs.append(ref)
                shapes.append(shape)
        import torch

        op = Op(index=len(self.ops), kind=kind, name=name, target=module if module is not None else target,
                scope=tuple(scope), call=call, args=sym_args, kwargs=sym_kwargs, inputs=seen_inputs, consts=consts,
                outputs=[tuple(t.shape) for t in outs], input_shapes=shapes, flops=flops, pointwise=pointwise,
                single=isinstance(result, torch.Tensor))
        self.ops.append(op)
        for j, t in enumerate(outs):
            self.refs[id(t)] = Ref(op.index, None if op.single else j)
        return op

    def finish(self, inputs, result, method: str) -> Trace:
        outputs = []
        for t in tensors(result):
            ref = self.refs.get(id(t))
            if isinstance(ref, Ref) and ref not in outputs:
                outputs.append(ref)
        if not outputs:
            raise TraceFailure("forward() returns no tensor computed from its inputs")
        return Trace(ops=self.ops, inputs=inputs, outputs=outputs, method=method, params=self.params,
                     buffers=self.buffers, modules=self.modules)


def function_name(target) -> str:
    """``operator.add`` → ``add``; ``Tensor.__radd__`` → ``radd``; ``'view'`` → ``view``; ``add_`` → ``add``."""
    if isinstance(target, str):
        name = target
    else:
        name = getattr(target, "__name__", None) or type(target).__name__
        if name == "__get__":  # a property of Tensor (x.shape, x.T)
            name = getattr(getattr(target, "__self__", None), "__name__", "attribute")
    name = name.strip("_") or "op"
    if name.startswith("i") and name[1:] in ("add", "sub", "mul", "truediv", "floordiv", "and", "or", "pow"):
        name = name[1:]
    if name in ("radd", "rmul"):
        name = name[1:]
    return name


# ----------------------------------------------------------------------------
# torch.fx
# ----------------------------------------------------------------------------
def fx_trace(model, inputs: list[tuple[str, Any]]) -> Trace:
    """Trace with torch.fx and run the graph on the meta tensors ``inputs`` ((name, tensor), …)."""
    import torch
    import torch.fx as fx

    class Tracer(fx.Tracer):
        def is_leaf_module(self, m, qualname: str) -> bool:
            return is_leaf(m)

    graph = Tracer().trace(model)
    module = fx.GraphModule(model, graph)
    recorder = Recorder(model)
    counter = _counter()
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    if len(placeholders) < len(inputs):
        raise TraceFailure(f"forward() takes {len(placeholders)} tensors, --input gives {len(inputs)}")

    class Runner(fx.Interpreter):
        def run_node(self, n):
            if n.op in ("placeholder", "output", "get_attr"):
                return super().run_node(n)
            args, kwargs = self.fetch_args_kwargs_from_env(n)
            counter.reset()
            result = super().run_node(n)
            stack = list(n.meta.get("nn_module_stack", {}).items())
            if n.op == "call_module":
                stack = stack[:-1]
            scope = []
            for key, (qualname, _) in stack:
                if not qualname:
                    continue
                call = int(key.rpartition("@")[2]) if "@" in key else 0
                scope.append((qualname, call))
            if n.op == "call_module":
                sub = self.fetch_attr(n.target)
                recorder.record("module", n.target, sub, scope, args, kwargs, result, counter.flops,
                                counter.pointwise, module=sub)
            elif n.op == "call_function" and n.target is operator.getitem and not isinstance(args[0], torch.Tensor):
                pass  # one element of a tuple: the tensor is already known by identity
            else:
                name = function_name(n.target)
                if n.target is getattr and len(args) > 1 and isinstance(args[1], str):
                    name = args[1]  # x.data, x.T: the attribute
                recorder.record("function", name, n.target, scope, args, kwargs, result, counter.flops,
                                counter.pointwise)
            return result

    tensors_in = [t for _, t in inputs]
    for i, t in enumerate(tensors_in):
        recorder.input(i, t)
    names = [n.name for n in placeholders[:len(inputs)]]
    with counter:
        result = Runner(module).run(*tensors_in)
    return recorder.finish([(name, tuple(t.shape)) for name, t in zip(names, tensors_in)], result, "fx")


# ----------------------------------------------------------------------------
# Hooks and a TorchFunctionMode
# ----------------------------------------------------------------------------
#: Tensor methods and functions that only ask about a tensor (never a step of the graph)
QUERIES = frozenset({"size", "dim", "numel", "shape", "dtype", "device", "is_contiguous", "element_size",
                     "stride", "storage_offset", "data_ptr", "requires_grad", "is_floating_point", "ndim",
                     "ndimension", "nelement", "get_device", "is_complex", "layout", "names", "grad_fn",
                     "is_leaf", "data", "T", "mT", "H", "mH", "real", "imag", "is_cuda", "is_meta", "item",
                     "tolist", "len", "iter", "repr", "format", "hash", "bool", "int", "float", "index"})


def hook_trace(model, inputs: list[tuple[str, Any]]) -> Trace:
    """Run the model on the meta tensors ``inputs``; leaf modules seen by forward hooks, the tensor ops
    between them by a TorchFunctionMode."""
    from torch.overrides import TorchFunctionMode

    recorder = Recorder(model)
    counter = _counter()
    stack: list[tuple[str, int]] = []  #: non-leaf module calls now running
    state = {"leaf": 0, "quiet": 0}
    pending: dict[int, list] = {}  #: id(module) → [(args, kwargs, flops before)] of the calls now running
    calls: dict[int, int] = {}

    class Functions(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if state["leaf"] or state["quiet"]:
                return func(*args, **kwargs)
            before, pointwise = counter.flops, counter.pointwise
            counter.pointwise = True
            result = func(*args, **kwargs)
            name = function_name(func)
            state["quiet"] += 1
            try:
                if name not in QUERIES and tensors(result):
                    recorder.record("function", name, func, stack, args, kwargs, result, counter.flops - before,
                                    counter.pointwise)
            finally:
                state["quiet"] -= 1
                counter.pointwise = pointwise and counter.pointwise
            return result

    def pre(module, args, kwargs):
        if state["leaf"]:
            return None
        qualname = recorder.modules.get(id(module))
        if qualname is None:
            return None
        if is_leaf(module):
            state["leaf"] += 1
            state["quiet"] += 1
            try:
                pending.setdefault(id(module), []).append((args, kwargs, counter.flops, counter.pointwise))
                counter.pointwise = True
            finally:
                state["quiet"] -= 1
        elif qualname:
            call = calls.get(id(module), 0)
            calls[id(module)] = call + 1
            stack.append((qualname, call))
        return None

    def post(module, args, kwargs, output):
        qualname = recorder.modules.get(id(module))
        if qualname is None:
            return None
        frames = pending.get(id(module))
        if frames and state["leaf"] == 1:  # the outermost leaf module returns
            args0, kwargs0, before, pointwise = frames.pop()
            state["leaf"] -= 1
            state["quiet"] += 1
            try:
                recorder.record("module", qualname, module, stack, args0, kwargs0, output, counter.flops - before,
                                counter.pointwise, module=module)
            finally:
                state["quiet"] -= 1
                counter.pointwise = pointwise and counter.pointwise
        elif not state["leaf"] and qualname and stack and stack[-1][0] == qualname:
            stack.pop()
        return None

    handles = []
    for _, m in model.named_modules():
        handles.append(m.register_forward_pre_hook(pre, with_kwargs=True))
        handles.append(m.register_forward_hook(post, with_kwargs=True))
    tensors_in = [t for _, t in inputs]
    for i, t in enumerate(tensors_in):
        recorder.input(i, t)
    try:
        with counter, Functions():
            result = model(*tensors_in)
    finally:
        for h in handles:
            h.remove()
    return recorder.finish([(name, tuple(t.shape)) for name, t in inputs], result, "hooks")
