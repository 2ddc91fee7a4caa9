"""What convcalc calls each recorded op: a layer kind with its torch arguments, a merge, a tensor op — or
nothing it has a formula for (the caller makes those ``opaque``).

A module's arguments are read from its attributes, which torch names as its constructor's arguments
(``Conv2d.kernel_size``, ``BatchNorm2d.eps``); ``bias`` is whether the module has one. A function's are
read from the call as fx or the TorchFunctionMode saw it. Reshapes take the shape torch measured, so that
``x.view(x.size(0), -1)`` needs no arithmetic on sizes.
"""

from __future__ import annotations

from typing import Any

from ... import layers as L
from .trace import Const, Op, Ref, torch_class

#: torch.nn class name → convcalc type
BY_TORCH_NAME = {torch_name: type_name for type_name, torch_name in L.TORCH_NAMES.items()}

#: ops whose result is their input, as far as shapes and counts go: no node
ALIASES = frozenset({"contiguous", "clone", "detach", "to", "type", "float", "double", "half", "bfloat16",
                     "type_as", "cpu", "cuda", "requires_grad", "detach_", "identity", "data"})

#: functional activations → (convcalc type, the names of their arguments after the input, in torch's order)
ACTIVATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("relu", ()), "relu6": ("relu6", ()), "sigmoid": ("sigmoid", ()), "tanh": ("tanh", ()),
    "gelu": ("gelu", ()), "silu": ("silu", ()), "mish": ("mish", ()), "hardswish": ("hardswish", ()),
    "hardsigmoid": ("hardsigmoid", ()), "elu": ("elu", ("alpha",)), "leaky_relu": ("leakyrelu", ("negative_slope",)),
    "softplus": ("softplus", ("beta", "threshold")), "softmax": ("softmax", ("dim",)),
    "log_softmax": ("logsoftmax", ("dim",)), "hardtanh": ("hardtanh", ("min_val", "max_val")), "selu": ("selu", ()),
    "celu": ("celu", ("alpha",)), "logsigmoid": ("logsigmoid", ()), "softsign": ("softsign", ()),
    "tanhshrink": ("tanhshrink", ()), "abs": ("abs", ()),
}
_ACTIVATION_KEYS = {"negative_slope", "alpha", "approximate", "beta", "threshold", "dim", "min_val", "max_val"}

#: functional pooling → (convcalc type, torch's argument names after the input)
POOLS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{f"max_pool{n}d": (f"maxpool{n}d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode",
                                          "return_indices")) for n in (1, 2, 3)},
    **{f"avg_pool{n}d": (f"avgpool{n}d", ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                                          "divisor_override")) for n in (1, 2, 3)},
    **{f"adaptive_avg_pool{n}d": (f"adaptiveavgpool{n}d", ("output_size",)) for n in (1, 2, 3)},
    **{f"adaptive_max_pool{n}d": (f"adaptivemaxpool{n}d", ("output_size", "return_indices")) for n in (1, 2, 3)},
}
DROPOUTS = {"dropout": "dropout", "dropout1d": "dropout1d", "dropout2d": "dropout2d", "dropout3d": "dropout3d",
            "alpha_dropout": "alphadropout"}
MERGES = {"add": "add", "sub": "sub", "mul": "mul", "cat": "concat", "concat": "concat", "concatenate": "concat"}


def plain(value: Any) -> Any:
    """A module attribute as spec data: tuples and torch.Size → lists; tensors → None (not an argument)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        items = [plain(v) for v in value]
        return None if any(isinstance(v, _Unreadable) for v in items) else items
    return _Unreadable()


class _Unreadable:
    pass


def module_item(module) -> dict | None:
    """A torch.nn layer convcalc knows → its spec item (without name and from); None otherwise."""
    cls = torch_class(module)
    type_name = BY_TORCH_NAME.get(cls.__name__) if cls is not None else None
    if type_name is None or type_name not in L.REGISTRY:
        return None
    layer_cls, _ = L.REGISTRY[type_name]
    item: dict[str, Any] = {"type": type_name}
    for f in L.accepted(layer_cls, type_name):
        if f.name == "connections":
            continue
        if f.name == "bias" and f.metadata["parse"] is L.values.boolean:
            item["bias"] = getattr(module, "bias", None) is not None
            continue
        if not hasattr(module, f.name):
            continue
        value = plain(getattr(module, f.name))
        if value is None or isinstance(value, _Unreadable):
            continue
        item[f.name] = value
    return item


def _arguments(op: Op, names: tuple[str, ...], skip: int = 1) -> dict[str, Any]:
    """The call's arguments after the first ``skip`` (the tensor), by torch's names; only plain values."""
    found: dict[str, Any] = {}
    for name, value in zip(names, op.args[skip:]):
        found[name] = value
    for name in names:
        if name in op.kwargs:
            found[name] = op.kwargs[name]
    return {k: plain(v) for k, v in found.items() if v is not None and not isinstance(plain(v), _Unreadable)
            and not (isinstance(v, (list, tuple)) and not v)}


def _dims(args: tuple) -> list | None:
    """``x.permute(0, 2, 3, 1)`` or ``x.permute((0, 2, 3, 1))`` → [0, 2, 3, 1]."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    return list(args) if args and all(isinstance(a, int) and not isinstance(a, bool) for a in args) else None


def function_item(op: Op) -> dict | str | None:
    """A tensor op → its spec item (merges get ``from`` later from :func:`merge_inputs`); ``"alias"`` for an op
    that changes nothing convcalc counts; None when convcalc has no formula for it."""
    name = op.name
    if op.consts:
        return None  # it reads parameters or constants: opaque, with them counted
    if name in ALIASES:
        return "alias" if len(op.inputs) == 1 and op.outputs == op.input_shapes[:1] else None
    if name in ("cat", "concat", "concatenate"):
        parts = op.args[0] if op.args else op.kwargs.get("tensors")
        if isinstance(parts, (list, tuple)) and len(parts) == 1 and isinstance(parts[0], Ref):
            return "alias"  # torch.cat([x]): x
    if name in MERGES:
        return {"type": MERGES[name]} if merge_inputs(op) is not None else None
    out = op.outputs[0] if op.outputs else None
    if len(op.inputs) != 1 or out is None:
        return None
    if name in ACTIVATIONS:
        kind, names = ACTIVATIONS[name]
        item = {"type": kind}
        args = _arguments(op, names)
        if "approximate" in op.kwargs and kind == "gelu":
            args["approximate"] = op.kwargs["approximate"]
        item.update({k: v for k, v in args.items() if k in _ACTIVATION_KEYS
                     and k in {f.name for f in L.accepted(L.REGISTRY[kind][0], kind)}})
        return item
    if name in POOLS:
        kind, names = POOLS[name]
        return {"type": kind, **_arguments(op, names)}
    if name in DROPOUTS:
        return {"type": DROPOUTS[name], **_arguments(op, ("p",))}
    if name in ("view", "reshape", "unflatten", "view_as", "reshape_as"):
        return {"type": "reshape", "shape": list(out[1:])}
    if name == "flatten":
        args = _arguments(op, ("start_dim", "end_dim"))
        return {"type": "flatten", "start_dim": args.get("start_dim", 0), "end_dim": args.get("end_dim", -1)}
    if name == "permute":
        dims = _dims(op.args[1:]) or _dims((op.kwargs.get("dims"),) if op.kwargs.get("dims") is not None else ())
        return {"type": "permute", "dims": dims} if dims else None
    if name in ("transpose", "swapaxes", "swapdims"):
        args = _arguments(op, ("dim0", "dim1"))
        return {"type": "transpose", **args} if len(args) == 2 else None
    if name in ("squeeze", "unsqueeze"):
        args = _arguments(op, ("dim",))
        if isinstance(args.get("dim"), list):
            return None
        return {"type": name, **args}
    if name in ("mean", "sum"):
        args = _arguments(op, ("dim", "keepdim"))
        if "dim" not in args or any(k in op.kwargs for k in ("dtype",)):
            return None
        return {"type": name, **args}
    if name == "chunk":
        args = _arguments(op, ("chunks", "dim"))
        return {"type": "chunk", "chunks": args.get("chunks", 1), "dim": args.get("dim", 0)}
    if name == "split":
        args = _arguments(op, ("split_size_or_sections", "dim"))
        if "split_size" in op.kwargs:
            args["split_size_or_sections"] = plain(op.kwargs["split_size"])
        return {"type": "split", "dim": args.get("dim", 0),
                **({"split_size_or_sections": args["split_size_or_sections"]}
                   if "split_size_or_sections" in args else {})}
    if name in ("interpolate", "upsample"):
        args = _arguments(op, ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"))
        return {"type": "interpolate", **args}
    if name == "pad":
        args = _arguments(op, ("pad", "mode", "value"))
        return {"type": "pad", **args} if "pad" in args else None
    return None


def merge_inputs(op: Op) -> list[Ref] | None:
    """The tensors a merge reads, in order (a tensor twice where torch reads it twice); None when the call is
    not a merge of graph tensors (a scalar or constant operand, one tensor, ``alpha=``)."""
    if op.name in ("cat", "concat", "concatenate"):
        tensors = op.args[0] if op.args else op.kwargs.get("tensors")
        if not isinstance(tensors, (list, tuple)) or len(tensors) < 2 or not all(isinstance(t, Ref) for t in tensors):
            return None
        return list(tensors)
    operands = list(op.args[:2])
    if len(operands) != 2 or not all(isinstance(t, Ref) for t in operands) or op.kwargs.get("alpha", 1) != 1:
        return None
    return operands


def merge_dim(op: Op) -> int:
    for key in ("dim", "axis"):
        if key in op.kwargs:
            return op.kwargs[key]
    return op.args[1] if len(op.args) > 1 and isinstance(op.args[1], int) else 0


def is_const(value) -> bool:
    return isinstance(value, Const)
