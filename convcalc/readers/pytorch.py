"""Reading PyTorch: the text ``print(model)`` shows, and Python source that defines layers.

Both become convcalc's plain spec data — what a YAML spec holds — plus warnings. The text is
read with :mod:`ast` and regular expressions: it is never executed, and torch is not needed::

    >>> data, warnings = read("nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU())", "pytorch-code", "<stdin>")
    >>> data["layers"]
    [{'type': 'conv2d', 'in_channels': 1, 'out_channels': 6, 'kernel_size': 5}, {'type': 'relu'}]

``pytorch-repr`` — what ``print(model)`` shows::

    Net(
      (conv): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
      (features): Sequential(
        (0): ReLU(inplace=True)
      )
      (heads): ModuleList(
        (0-1): 2 x Linear(in_features=400, out_features=400, bias=True)   # ModuleList's short form
      )
    )

Named keys (``conv``) become the layer's ``name``; numeric keys are positions, not names. A
torch container (``Sequential``, ``ModuleList``, ``ModuleDict``) becomes a ``sequential`` block;
so does a custom module printed with children (``Net(``, ``BasicBlock(``), whose forward()
nobody can see: its children are assumed to run in order, and a warning says so.

``pytorch-code`` — Python source: a module-level ``nn.Sequential(...)`` (alone or assigned,
nested, with ``OrderedDict`` names), or ``nn.Module`` classes whose ``__init__`` assigns
``self.x = nn.Something(...)``. Arguments must be literals; constant arithmetic (``16 * 5 * 5``),
module-level constants and ``__init__`` arguments with literal values are followed, and an ``if``
whose test is constant is decided. A class's layers are taken in the order ``__init__`` defines
them, never in the order forward() runs them: a warning always says so, with what forward()
visibly does differently (modules used more than once, functional calls such as ``F.relu``).
A snippet that feeds its model ``torch.rand(size=(1, 1, 28, 28))`` also gives the spec's input.

Two guesses stand in for what forward() usually does, each stated in a warning:

* a module with a child named ``downsample`` or ``shortcut`` (torchvision's BasicBlock and
  Bottleneck) is read as a residual ``add``: its other children, added to that shortcut;
* a Linear that follows spatial layers inside a custom module gets a ``flatten`` before it
  (the ``torch.flatten(x, 1)`` or ``x.view(x.size(0), -1)`` of forward()).
"""

from __future__ import annotations

import ast
import operator
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import layers as L
from ..errors import SpecError
from ..build import MAX_NODES, canonical_type

KINDS = ("pytorch-repr", "pytorch-code")

Warnings = list[tuple[str | None, str]]

HINT_REPR = "convcalc reads the code without running it; paste the text print(model) shows instead"
HINT_LITERAL = ("write the value as a number (module-level constants and __init__ arguments with literal values "
                "are followed), or paste the text print(model) shows")

#: torch containers whose forward() runs the children in order
SEQUENTIAL_LIKE = frozenset({"Sequential", "Conv2dNormActivation", "Conv3dNormActivation", "ConvNormActivation"})
#: torch containers without a forward(): the children are assumed to run in order
LISTS = frozenset({"ModuleList", "ModuleDict"})
#: children that torchvision's residual blocks add to their output
SHORTCUT_NAMES = ("downsample", "shortcut")
#: torch arguments that change no shape or count
IGNORED_ARGS = ("device", "dtype")
#: convcalc's extensions, which are not torch arguments
#: leaf types that leave the shape alone (skipped when looking at what a block starts or ends with)
NEUTRAL = frozenset({*L.Activation.TYPES, *L.Dropout.TYPES})
#: leaf types whose output is still spatial (C × H × W): a Linear after them needs a flatten
SPATIAL = frozenset({*L.Conv.TYPES, *L.ConvTranspose.TYPES, *L.MaxPool.TYPES, *L.AvgPool.TYPES,
                     *L.AdaptivePool.TYPES, *L.Subsampling.TYPES, "batchnorm2d", "batchnorm3d", "localresponsenorm"})


def detect(text: str) -> str | None:
    """``'pytorch-repr'`` for the text ``print(model)`` shows, ``'pytorch-code'`` for Python source defining
    layers (an ``nn.Sequential`` expression or a module with ``__init__`` assignments), else None.

    >>> detect("Sequential(\\n  (0): ReLU()\\n)")
    'pytorch-repr'
    >>> detect("model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))")
    'pytorch-code'
    >>> detect("layers: [conv2d, relu]") is None
    True
    """
    if (re.search(r"^\s*\([^()\n]*\): (\d+ x )?[A-Za-z_][\w.]*\(", text, re.M)
            and re.search(r"^\s*[A-Za-z_][\w.]*\(\s*$", text, re.M)):
        return "pytorch-repr"
    try:
        tree = _parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # broken Python that is clearly PyTorch: read() reports the syntax error and its line
        marker = r"^\s*(import torch|from torch\b)|\bnn\.(Module|Sequential)\b|\btorch\.nn\b"
        return "pytorch-code" if re.search(marker, text, re.M) else None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _last(node.func) == "Sequential":
            return "pytorch-code"
        if isinstance(node, ast.ClassDef) and _is_module_class(node):
            return "pytorch-code"
    return None


def read(text: str, kind: str, origin: str) -> tuple[dict, Warnings]:
    """Parse ``text`` (``kind`` as :func:`detect` tells) into convcalc's plain spec data
    ``{"name": ..., "layers": [...]}`` (plus ``"input"`` where the code shows one) and a list of
    ``(path or None, warning)``.

    Raises :class:`SpecError` for unusable text: a syntax error (with its line), an unknown layer class
    (with a did-you-mean), an argument that is not a literal.

    >>> data, _ = read("Sequential(\\n  (0): Linear(in_features=4, out_features=2, bias=True)\\n)", "pytorch-repr", "")
    >>> data["layers"]
    [{'type': 'linear', 'in_features': 4, 'out_features': 2, 'bias': True}]
    """
    if kind not in KINDS:
        raise SpecError(f"{origin}: unknown PyTorch text kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        if kind == "pytorch-repr":
            data, notes = _read_repr(text, origin)
        else:
            data, notes = _CodeReader(text, origin).model()
    except RecursionError:
        raise SpecError(f"{origin}: the model is nested too deeply") from None
    return data, _warnings(data["layers"], notes)


# ----------------------------------------------------------------------------
# Shared: one layer call → one spec item
# ----------------------------------------------------------------------------
class _NotLiteral(Exception):
    """A value that is not written out: a variable, a call, an expression convcalc does not fold."""


#: a warning about an item (its path is known only once the whole tree is built), or (None, …) the model
Note = tuple[dict | None, str]


def torch_order(type_name: str) -> list[str]:
    """The positional order of torch's constructor, the input size included.

    >>> torch_order("leakyrelu")
    ['negative_slope', 'inplace']
    >>> torch_order("batchnorm2d")  # bias is keyword-only in torch
    ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats']
    """
    cls, _ = L.REGISTRY[type_name]
    accepts = getattr(cls, "ACCEPTS", None)
    if accepts is not None:  # activations: ACCEPTS lists torch's order
        return list(accepts.get(type_name, ()))
    return [f.name for f in L.arguments(cls) if not f.metadata["keyword_only"]]


def _layer(call: ast.Call, path: str, value: Callable[[ast.AST], Any]) -> dict:
    """``nn.Conv2d(1, 6, kernel_size=5)`` → ``{"type": "conv2d", "in_channels": 1, …}``: positional
    arguments in torch's own order, each value read by ``value`` (which raises :class:`_NotLiteral`)."""
    raw = _dotted(call.func)
    type_name = canonical_type(raw, path)  # an unknown name: a did-you-mean
    if type_name not in L.REGISTRY:
        raise SpecError(f"{raw} is not a torch.nn layer", path=path, hint=HINT_REPR)
    order = torch_order(type_name)
    if len(call.args) > len(order):
        raise SpecError(f"{type_name}: too many positional arguments ({len(call.args)}); torch's order is: "
                        + (", ".join(order) or "none"), path=path)
    item: dict[str, Any] = {"type": type_name}
    for argname, node in [*zip(order, call.args), *((kw.arg, kw.value) for kw in call.keywords)]:
        if argname is None or isinstance(node, ast.Starred):
            raise SpecError(f"{type_name}: *args and **kwargs cannot be read", path=path, hint=HINT_LITERAL)
        if argname in item:
            raise SpecError(f"{type_name}: {argname} given twice", path=path)
        try:
            item[argname] = value(node)
        except _NotLiteral:
            raise SpecError(f"{type_name}: {argname}={ast.unparse(node)} is not a literal", path=path,
                            hint=HINT_LITERAL) from None
    for argname in IGNORED_ARGS:
        item.pop(argname, None)
    return item


def _parse(text: str, mode: str = "exec") -> ast.AST:
    """:func:`ast.parse` without the SyntaxWarnings it prints for odd literals (``1if``): text, not code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(text, mode=mode)


def _plain(value: Any) -> Any:
    """Tuples become lists, as in JSON/YAML data."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _named(item: dict, name: str | None) -> dict:
    """Give ``item`` a name right after its type, in place: notes refer to items by identity."""
    if name:
        rest = {k: v for k, v in item.items() if k not in ("type", "name")}
        type_name = item["type"]
        item.clear()
        item.update(type=type_name, name=name, **rest)
    return item


def _dotted(node: ast.AST) -> str:
    """``torch.nn.Conv2d`` → ``"torch.nn.Conv2d"``; anything else as written."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ast.unparse(node)


def _last(node: ast.AST) -> str:
    return _dotted(node).rsplit(".", 1)[-1]


def _key_name(key: str | None) -> str | None:
    """A child's key is its name unless it is a position (``0``, ``0-2``)."""
    return None if key is None or re.fullmatch(r"\d+(-\d+)?", key) else key


# ----------------------------------------------------------------------------
# Shared: what forward() usually does around the children, and the warnings
# ----------------------------------------------------------------------------
def _leaves(item: dict, reverse: bool = False):
    """The leaf types of an item in run order (of a residual block: its main branch)."""
    if "layers" in item or "branches" in item:
        children = item["layers"] if "layers" in item else item["branches"][0]
        for child in (reversed(children) if reverse else children):
            yield from _leaves(child, reverse)
    else:
        yield item["type"]


def _first(item: dict, reverse: bool = False) -> str | None:
    """The first (or last) leaf type that changes the shape."""
    return next((t for t in _leaves(item, reverse) if t not in NEUTRAL), None)


def _insert_flatten(children: list[dict]) -> tuple[list[dict], list[str]]:
    """A ``flatten`` before each Linear that follows spatial layers: the children, and the names of the
    layers a flatten was put before.

    >>> _insert_flatten([{"type": "adaptiveavgpool2d"}, {"type": "linear", "name": "fc"}])[1]
    ["'fc'"]
    """
    out: list[dict] = []
    before: list[str] = []
    spatial = False
    for child in children:
        if spatial and _first(child) == "linear":
            out.append({"type": "flatten"})
            before.append(repr(child.get("name") or "linear"))
        out.append(child)
        last = _first(child, reverse=True)
        if last is not None:
            spatial = last in SPATIAL
    return out, before


def _residual(children: list[dict]) -> tuple[dict, str | None]:
    """A residual block: the children but the shortcut, in order, added to the shortcut (or the identity).
    Returns the block and the shortcut's name."""
    shortcut = [c for c in children if c.get("name") in SHORTCUT_NAMES]
    main = [c for c in children if c.get("name") not in SHORTCUT_NAMES]
    return {"type": "add", "branches": [main, shortcut] if shortcut else [main]}, (
        shortcut[0]["name"] if shortcut else None)


def _warnings(layers: list[dict], notes: list[Note]) -> Warnings:
    """Each note's item → its path; a message given for several items is given once, naming the others."""
    paths: dict[int, str] = {}

    def walk(items: list[dict], prefix: str) -> None:
        for i, item in enumerate(items):
            path = paths[id(item)] = f"{prefix}[{i}]"
            walk(item.get("layers", []), f"{path}.layers")
            for b, branch in enumerate(item.get("branches", [])):
                walk(branch, f"{path}.branches[{b}]")

    walk(layers, "layers")
    grouped: dict[str, list[str | None]] = {}
    for item, message in notes:
        grouped.setdefault(message, []).append(None if item is None else paths.get(id(item)))
    out: Warnings = []
    for message, where in grouped.items():
        others = [p for p in where[1:] if p]
        if others:
            listed = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
            message += f" (the same for {len(others)} more: {listed})"
        out.append((where[0], message))
    return out


# ----------------------------------------------------------------------------
# print(model): read by .torchrepr (the vocabulary of torch.nn, torchvision and timm classes)
# ----------------------------------------------------------------------------
def _read_repr(text: str, origin: str) -> tuple[dict, list[Note]]:
    """``print(model)`` → (data, notes), by :func:`convcalc.readers.torchrepr.read_data`."""
    from .torchrepr import read_data

    return read_data(text, origin)


# ----------------------------------------------------------------------------
# Python source: constant expressions
# ----------------------------------------------------------------------------
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not}
_FUNCTIONS = {"int": int, "abs": abs, "min": min, "max": max}
_BIG = 10 ** 18  #: larger integers are refused: no layer is that large, and 2 ** 10 ** 10 must not hang


def fold(node: ast.AST, env: dict[str, Any]) -> Any:
    """The value of a constant expression, computed by walking the tree (never eval): literals, names in
    ``env`` (``self.x`` as ``env["self.x"]``), arithmetic, comparisons, ``and``/``or``/``not``,
    ``a if c else b``, ``int``/``abs``/``min``/``max``. Anything else raises :class:`_NotLiteral`.

    >>> fold(ast.parse("16 * 5 * 5 + 2 ** 3", mode="eval").body, {})
    408
    >>> fold(ast.parse("stride != 1 or c != 64", mode="eval").body, {"stride": 2, "c": 64})
    True
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return [fold(e, env) for e in node.elts]
    if isinstance(node, (ast.Name, ast.Attribute)):
        key = _dotted(node)
        if key not in env or isinstance(env[key], (_Pending, _Built)):
            raise _NotLiteral()
        return env[key]
    if isinstance(node, ast.UnaryOp):
        operand = fold(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, (ast.USub, ast.UAdd)) and _number(operand):
            return -operand if isinstance(node.op, ast.USub) else operand
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = fold(node.left, env), fold(node.right, env)
        if _number(left) and _number(right):
            small = isinstance(right, int) and 0 <= right <= 64 and abs(left) < 2 ** 16
            if isinstance(node.op, ast.Pow) and not small:
                raise _NotLiteral()
            return _bounded(lambda: _BINARY[type(node.op)](left, right))
    elif isinstance(node, ast.BoolOp):  # Python's semantics: the deciding operand
        for operand in node.values:
            value = fold(operand, env)
            if bool(value) == isinstance(node.op, ast.Or):
                return value
        return value
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        left = fold(node.left, env)
        for op, right_node in zip(node.ops, node.comparators):
            right = fold(right_node, env)
            if not _bounded(lambda: _COMPARE[type(op)](left, right)):
                return False
            left = right
        return True
    elif isinstance(node, ast.IfExp):
        return fold(node.body if fold(node.test, env) else node.orelse, env)
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
          and node.func.id not in env and not node.keywords):
        args = [fold(a, env) for a in node.args]
        if args and all(_number(a) for a in args) and (len(args) == 1) == (node.func.id in ("int", "abs")):
            return _bounded(lambda: _FUNCTIONS[node.func.id](*args))
    raise _NotLiteral()


def _bounded(compute: Callable[[], Any]) -> Any:
    """Run one operation of :func:`fold`: a failure or a huge integer is no literal."""
    try:
        result = compute()
    except (ArithmeticError, TypeError, ValueError):
        raise _NotLiteral() from None
    if _number(result) and isinstance(result, int) and abs(result) > _BIG:
        raise _NotLiteral()
    return result


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ----------------------------------------------------------------------------
# Python source: forward()
# ----------------------------------------------------------------------------
@dataclass
class _Forward:
    """What forward() visibly does."""

    calls: list[str] = field(default_factory=list)  #: the children it calls (``self.x(…)``), in the order they run
    #: the children and the functional layers it runs (``F.max_pool2d(x, 2)`` as a spec item), in order
    sequence: list[str | dict] = field(default_factory=list)
    counted: list[str] = field(default_factory=list)  #: functional calls read as layers
    functional: list[str] = field(default_factory=list)  #: other calls and tensor operations, once each
    adds: bool = False
    flattens: bool = False


ADD = "a tensor add (+)"
_HARMLESS = frozenset({"size", "dim", "super", "print", "len", "range", "isinstance", "int", "float", "enumerate",
                       "zip", "list", "tuple", "getattr", "numel", "contiguous"})
_FLATTENS = frozenset({"view", "reshape", "flatten"})


#: functional layers forward() may call: name → (spec type, torch.nn.functional's positional order after input)
_FUNCTIONAL = {
    **{f"max_pool{n}d": (f"maxpool{n}d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode",
                                          "return_indices")) for n in (1, 2, 3)},
    **{f"avg_pool{n}d": (f"avgpool{n}d", ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                                          "divisor_override")) for n in (1, 2, 3)},
    **{f"adaptive_{k}_pool{n}d": (f"adaptive{k}pool{n}d", ("output_size",)) for k in ("avg", "max") for n in (1, 2, 3)},
}
_FUNCTIONAL_MODULES = ("F.", "nn.functional.", "torch.nn.functional.", "functional.")


def _functional_layer(call: ast.Call, label: str, short: str) -> dict | None:
    """``F.max_pool2d(x, 2)`` → ``{"type": "maxpool2d", "kernel_size": 2}`` where every argument is a literal."""
    if short not in _FUNCTIONAL or not label.startswith(_FUNCTIONAL_MODULES) or not call.args:
        return None
    type_name, order = _FUNCTIONAL[short]
    item: dict[str, Any] = {"type": type_name}
    try:
        for argname, node in [*zip(order, call.args[1:]), *((k.arg, k.value) for k in call.keywords)]:
            if argname is None or argname == "input" or len(call.args) - 1 > len(order):
                return None
            item[argname] = _plain(fold(node, {}))
    except _NotLiteral:
        return None
    return item


def _forward(function: ast.FunctionDef, children: set[str]) -> _Forward:
    """Read forward() for the warning: the children it calls, in run order (inner calls first), and what else
    it does. ``F.relu(self.pool(self.conv1(x)))`` runs conv1, then pool, then F.relu."""
    facts = _Forward()

    def functional(label: str) -> None:
        if label not in facts.functional:
            facts.functional.append(label)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                visit(func.value)  # the receiver runs first: self.pool(x).view(…)
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                visit(arg)
            label = _dotted(func)
            if len(label) > 40:
                label = f"….{func.attr}" if isinstance(func, ast.Attribute) else label[:40] + "…"
            short = _last(func)
            item = _functional_layer(node, label, short)
            if label.startswith("self.") and label[5:] in children:
                facts.calls.append(label[5:])
                facts.sequence.append(label[5:])
            elif item is not None:
                facts.sequence.append(item)
                if label not in facts.counted:
                    facts.counted.append(label)
            elif short not in _HARMLESS:
                functional(label)
            facts.flattens |= short in _FLATTENS
            facts.adds |= short in ("add", "add_")
            return
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, (ast.Add, ast.Mult)):
            sides = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.target, node.value)
            if not any(isinstance(s, ast.Constant) for s in sides):
                functional(ADD if isinstance(node.op, ast.Add) else "a tensor product (*)")
                facts.adds |= isinstance(node.op, ast.Add)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in function.body:
        visit(statement)
    return facts


def _class_block(cls: str, children: list[dict], forward: _Forward | None, residual: bool) -> tuple[dict, str]:
    """A class's children → a block, and the warning every class gets: forward() is not read, and what it
    visibly does differently. A flatten goes before a Linear that follows spatial layers where forward()
    flattens (or is missing); a class with a ``downsample``/``shortcut`` child whose forward() adds tensors
    is read as a residual block."""
    names = [c["name"] for c in children if c.get("name")]
    residual = residual and forward is not None and forward.adds
    reordered = _forward_order(children, names, forward, residual)
    if reordered is not None:
        children = reordered
    flattened: list[str] = []
    if forward is None or forward.flattens:
        children, flattened = _insert_flatten(children)
    item, shortcut = _residual(children) if residual else ({"type": "sequential", "layers": children}, None)
    if reordered is not None:
        return item, _straight_line_warning(cls, forward, flattened)
    parts = [f"{cls}: forward() is not read, so the layers are taken in the order __init__ defines them "
             f"({', '.join(names) or 'none'}) and functional calls are not counted"]
    flattens = [f for f in forward.functional if f.rsplit(".", 1)[-1] in _FLATTENS] if forward else []
    if forward is None:
        parts.append("it has no forward()")
    else:
        run = forward.calls
        if run and run != names:
            parts.append(f"forward() runs {', '.join(run)}")
        repeated = [f"self.{n} {run.count(n)} times" for n in names if run.count(n) > 1]
        if repeated:
            parts.append("modules used more than once in forward() are counted once, where __init__ defines them: "
                         + ", ".join(repeated))
        unused = [n for n in names if n not in run]
        if unused and run:
            parts.append(f"forward() never calls {', '.join(unused)} (counted anyway)")
        counted = ({ADD} if residual else set()) | (set(flattens) if flattened else set())
        functional = [f for f in forward.functional if f not in counted]
        if functional:
            parts.append(f"forward() also calls {', '.join(functional)}: not counted")
    if flattened:
        parts.append(f"a flatten is assumed before {', '.join(flattened)}"
                     + (f" (forward() calls {', '.join(flattens)})" if flattens else ""))
    if residual:
        parts.append("forward() adds tensors: read as a residual block, its layers in order added to "
                     + (f"'{shortcut}'" if shortcut else "the identity"))
    return item, "; ".join(parts)


#: layer types without parameters: a forward() may call them more than once without counting anything twice
PARAMETER_FREE = frozenset({*NEUTRAL, *L.MaxPool.TYPES, *L.AvgPool.TYPES, *L.AdaptivePool.TYPES, "flatten",
                            "localresponsenorm"})
#: functional calls that join tensors: forward() is then not a straight line of its children
_JOINS = frozenset({"cat", "stack", "add", "add_", "mul", "matmul", "bmm", "einsum"})


def _forward_order(children: list[dict], names: list[str], forward: _Forward | None,
                   residual: bool) -> list[dict] | None:
    """The children in the order forward() calls them, when forward() is a straight line: it calls
    every child, joins no tensors, and calls only parameter-free children more than once (so the
    parameter count stays torch's). Otherwise None: __init__'s order, with a warning."""
    if forward is None or residual or forward.adds or not forward.calls or len(names) != len(children):
        return None
    if set(forward.calls) != set(names):
        return None
    if any(f.rsplit(".", 1)[-1] in _JOINS for f in forward.functional):
        return None
    by_name = {c["name"]: c for c in children}
    if any(forward.calls.count(n) > 1 and by_name[n]["type"] not in PARAMETER_FREE for n in names):
        return None
    calls: dict[str, int] = {}
    ordered = []
    for step in forward.sequence:  # the first use keeps the item itself: warnings find their paths by identity
        if isinstance(step, dict):  # a functional layer, F.max_pool2d(x, 2)
            ordered.append(dict(step))
            continue
        k = calls[step] = calls.get(step, -1) + 1
        # a later call of the same (parameter-free) module is a node of its own, named as torch.fx names it
        ordered.append(by_name[step] if not k else {**by_name[step], "name": f"{step}_{k}"})
    return ordered


def _straight_line_warning(cls: str, forward: _Forward, flattened: list[str]) -> str:
    flattens = [f for f in forward.functional if f.rsplit(".", 1)[-1] in _FLATTENS]
    others = [f for f in forward.functional if f not in flattens]
    parts = [f"{cls}: the layers are taken in the order forward() calls them ({', '.join(forward.calls)})"]
    repeated = sorted({n for n in forward.calls if forward.calls.count(n) > 1})
    if repeated:
        parts.append(f"{', '.join(repeated)} run{'s' if len(repeated) == 1 else ''} more than once (no parameters)")
    if forward.counted:
        parts.append(f"{', '.join(forward.counted)} read as layers where forward() calls {'it' if len(forward.counted) == 1 else 'them'}")
    if others:
        parts.append(f"forward() also calls {', '.join(others)}: not counted")
    if flattened:
        parts.append(f"a flatten is assumed before {', '.join(flattened)}"
                     + (f" (forward() calls {', '.join(flattens)})" if flattens else ""))
    return "; ".join(parts)


# ----------------------------------------------------------------------------
# Python source: the model
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Pending:
    """A variable bound to an expression that builds modules, read where it is used."""

    node: ast.AST


@dataclass(frozen=True)
class _Built:
    """A module passed as an argument, already read."""

    item: dict


_TENSORS = ("torch.rand", "torch.randn", "torch.zeros", "torch.ones", "torch.empty")


class _CodeReader:
    """Python source → layers: a module-level ``nn.Sequential`` or an ``nn.Module`` class."""

    def __init__(self, text: str, origin: str):
        self.origin = origin
        try:
            self.tree = _parse(text)
        except SyntaxError as exc:
            where = f" at line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "") if exc.lineno else ""
            raise SpecError(f"{origin}: invalid Python{where}: {exc.msg}") from None
        except (ValueError, MemoryError) as exc:
            raise SpecError(f"{origin}: cannot parse the Python text: {exc}") from None
        self.classes = {n.name: n for n in self.tree.body if isinstance(n, ast.ClassDef)}
        self.notes: list[Note] = []
        self.active: list[str] = []  #: classes being read (a class that contains itself is an error)
        self.pending: set[int] = set()  #: variables being read (a = nn.Sequential(a) is an error)
        self.used: set[str] = set()  #: classes the model instantiates
        self.env: dict[str, Any] = {}  #: module-level constants and module-building variables
        for statement in self.tree.body:
            self.bind(statement, self.env)

    # -- choosing the model ---------------------------------------------------
    def model(self) -> tuple[dict, list[Note]]:
        """The last module-level ``nn.Sequential(…)`` or class instantiation; else the class no other class
        uses; else the last ``nn.Sequential(…)`` anywhere (e.g. one a function returns)."""
        candidates = []
        for statement in self.tree.body:
            target, value = _assignment(statement)
            if value is None and isinstance(statement, ast.Expr):
                value = statement.value
            value = _unwrap(value) if value is not None else None
            if isinstance(value, ast.Call) and (_last(value.func) == "Sequential" or self.class_of(value)):
                candidates.append((target.id if isinstance(target, ast.Name) else None, value))
        roots = self.root_classes()
        if candidates:
            name, call = candidates[-1]
            used = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}
            ignored = [n or "an unnamed one" for n, _ in candidates[:-1] if n not in used]
            if ignored:
                self.notes.append((None, f"several models at module level: reading the last, {name or 'unnamed'} "
                                         f"(not {', '.join(ignored)})"))
        elif roots:
            name, call = None, ast.Call(func=ast.Name(roots[-1].name), args=[], keywords=[])
            if len(roots) > 1:
                self.notes.append((None, f"several nn.Module classes: reading {roots[-1].name}, the last one no other "
                                         f"class uses (not {', '.join(c.name for c in roots[:-1])})"))
        else:
            calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and _last(n.func) == "Sequential"]
            inner = {id(c) for n in calls for c in ast.walk(n) if c is not n}
            outer = sorted((n for n in calls if id(n) not in inner), key=lambda n: (n.lineno, n.col_offset))
            if not outer:
                raise SpecError(f"{self.origin}: no nn.Sequential(…) or nn.Module class with layers found",
                                hint="e.g. model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU())")
            name, call = None, outer[-1]
        item = self.build(call, self.env, "")
        cls = self.class_of(call)
        data: dict[str, Any] = {"name": name or (cls.name if cls else None),
                                "layers": item["layers"] if item["type"] == "sequential" else [item]}
        unused = [name for name, c in self.classes.items()
                  if _is_module_class(c, self.classes) and name not in self.used]
        if unused:
            self.notes.append((None, f"{', '.join(unused)}: defined but not used by the model, not read"))
        example = self.example_input()
        if example:
            data["input"], line = example
            self.notes.append((None, f"input {'x'.join(map(str, data['input']))} taken from the example tensor at "
                                     f"line {line}"))
        return data, self.notes

    def root_classes(self) -> list[ast.ClassDef]:
        """nn.Module classes that no other class instantiates."""
        inner = {_last(n.func) for c in self.classes.values() for n in ast.walk(c) if isinstance(n, ast.Call)}
        return [c for c in self.classes.values() if _is_module_class(c, self.classes) and c.name not in inner]

    def class_of(self, call: ast.Call) -> ast.ClassDef | None:
        return self.classes.get(call.func.id) if isinstance(call.func, ast.Name) else None

    def example_input(self) -> tuple[list[int], int] | None:
        """The input the snippet feeds its model, batch dim dropped: ``X = torch.rand(size=(1, 1, 28, 28))`` →
        ``[1, 28, 28]``, when every such tensor with literal sizes agrees."""
        found: dict[tuple[int, ...], int] = {}
        for node in ast.walk(self.tree):
            if not (isinstance(node, ast.Call) and _dotted(node.func) in _TENSORS):
                continue
            size = next((k.value for k in node.keywords if k.arg == "size"), None)
            try:
                dims = fold(size, self.env) if size else [fold(a, self.env) for a in node.args]
            except _NotLiteral:
                continue
            if len(node.args) == 1 and not size and isinstance(dims[0], list):
                dims = dims[0]  # torch.rand((1, 3, 32, 32))
            if isinstance(dims, list) and 3 <= len(dims) <= 5 and all(type(d) is int and d > 0 for d in dims):
                found.setdefault(tuple(dims[1:]), node.lineno)
        if len(found) != 1:
            return None
        [(dims, line)] = found.items()
        return list(dims), line

    # -- modules -----------------------------------------------------------
    def build(self, node: ast.AST, env: dict[str, Any], path: str) -> dict:
        """One expression that builds a module → a spec item."""
        node = _unwrap(node)
        where = path or "layers[0]"
        bound = env.get(node.id) if isinstance(node, ast.Name) else None
        if isinstance(bound, _Built):
            return _copy(bound.item)
        if isinstance(bound, _Pending):
            if id(bound) in self.pending:
                raise SpecError(f"{node.id} is defined by itself", path=where)
            self.pending.add(id(bound))
            try:
                return self.build(bound.node, env, path)
            finally:
                self.pending.discard(id(bound))
        if not isinstance(node, ast.Call):
            raise SpecError(f"expected a module such as nn.Conv2d(1, 6, 5), got {ast.unparse(node)!r}", path=where,
                            hint=HINT_REPR)
        last = _last(node.func)
        if _dotted(node.func).startswith("self."):
            raise SpecError(f"{ast.unparse(node)}: built by a method of the class", path=where, hint=HINT_REPR)
        if last == "Sequential":
            if node.keywords:
                raise SpecError("nn.Sequential takes no keyword arguments", path=where)
            return {"type": "sequential", "layers": self.sequence(node.args, env, path)}
        if last in LISTS:
            item = {"type": "sequential", "layers": self.sequence(node.args[:1], env, path, unpack=True)}
            self.notes.append((item, f"{last} has no forward(): its children are assumed to run in order"))
            return item
        cls = self.class_of(node)
        if cls is not None:
            return self.instance(cls, node, env, path)
        return _layer(node, where, lambda n: _plain(fold(n, env)))

    def sequence(self, args: list[ast.AST], env: dict[str, Any], path: str, unpack: bool = False) -> list[dict]:
        """The children of ``nn.Sequential(a, b)``, ``nn.Sequential(*[a, b])``, ``nn.Sequential(OrderedDict(…))``,
        ``nn.ModuleList([a, b])``, ``nn.ModuleDict({"a": a})``."""
        named = None
        if len(args) == 1:
            arg = args[0]
            if isinstance(arg, ast.Name) and isinstance(env.get(arg.id), _Pending) and unpack:
                arg = env[arg.id].node  # nn.ModuleList(layers) with layers = [...]
            if isinstance(arg, ast.Call) and _last(arg.func) == "OrderedDict" and len(arg.args) == 1:
                arg, unpack = arg.args[0], True
            if unpack and isinstance(arg, ast.Dict):
                named = list(zip(arg.keys, arg.values))
            elif unpack and isinstance(arg, (ast.List, ast.Tuple)):
                if arg.elts and all(isinstance(e, ast.Tuple) and len(e.elts) == 2 for e in arg.elts):
                    named = [(e.elts[0], e.elts[1]) for e in arg.elts]
                else:
                    args = [ast.Starred(value=arg)]
        out: list[dict] = []

        def child(node: ast.AST, name: str | None = None) -> None:
            item = self.build(node, env, f"{path}.layers[{len(out)}]" if path else f"layers[{len(out)}]")
            out.append(_named(item, name))

        for key, node in named or []:
            try:
                name = fold(key, env) if key is not None else None
            except _NotLiteral:
                name = None
            if not isinstance(name, str):
                raise SpecError(f"module names must be strings, got {ast.unparse(key) if key else '**'}",
                                path=path or None)
            child(node, _key_name(name))
        for arg in args if named is None else []:
            if not isinstance(arg, ast.Starred):
                child(arg)
                continue
            elements = arg.value
            if isinstance(elements, ast.Name) and isinstance(env.get(elements.id), _Pending):
                elements = env[elements.id].node
            if not isinstance(elements, (ast.List, ast.Tuple)):
                raise SpecError(f"*{ast.unparse(arg.value)}: the list is built by code convcalc does not run",
                                path=path or None, hint=HINT_REPR)
            for element in elements.elts:
                child(element)
        return out

    # -- classes ------------------------------------------------------------
    def instance(self, cls: ast.ClassDef, call: ast.Call, env: dict[str, Any], path: str) -> dict:
        """``Net(10)`` with ``class Net(nn.Module)`` in the text: its ``__init__`` read with the arguments bound."""
        if cls.name in self.active:
            raise SpecError(f"{cls.name} contains itself", path=path or None)
        self.used |= {c.name for c in _lineage(cls, self.classes)}
        init = _method(cls, "__init__", self.classes)
        if init is None:
            raise SpecError(f"class {cls.name} has no __init__ to read", path=path or None, hint=HINT_REPR)
        local = {**self.env, **self.arguments(cls.name, init, call, env, path)}
        members: dict[str, dict | None] = {}
        ordered: list[dict] = []  # an nn.Sequential subclass: the children given to super().__init__
        self.active.append(cls.name)
        try:
            self.statements(cls, init.body, local, members, ordered, path)
        finally:
            self.active.pop()
        children = ordered + [_named(item, name) for name, item in members.items() if item is not None]
        function = _method(cls, "forward", self.classes)
        if function is None and any(_last(b) == "Sequential" for b in cls.bases):
            return {"type": "sequential", "layers": children}  # nn.Sequential's own forward()
        forward = None if function is None else _forward(function, {c["name"] for c in children if c.get("name")})
        assigned = {n.attr for n in ast.walk(init) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)}
        item, message = _class_block(cls.name, children, forward, residual=bool(assigned & set(SHORTCUT_NAMES)))
        self.notes.append((item, message))
        return item

    def arguments(self, cls: str, init: ast.FunctionDef, call: ast.Call, env: dict[str, Any], path: str) -> dict:
        """Bind a call's literal arguments (or modules) to ``__init__``'s parameters, defaults included."""
        spec = init.args
        positional = [a.arg for a in [*spec.posonlyargs, *spec.args]][1:]  # without self
        defaults = dict(zip(positional[::-1], spec.defaults[::-1]))
        defaults.update({a.arg: d for a, d in zip(spec.kwonlyargs, spec.kw_defaults) if d is not None})
        refused = SpecError(f"{cls}(): cannot bind the arguments of {ast.unparse(call)}", path=path or None,
                            hint=HINT_REPR)
        if len(call.args) > len(positional) or any(isinstance(a, ast.Starred) for a in call.args):
            raise refused
        given: dict[str, ast.AST] = dict(zip(positional, call.args))
        for kw in call.keywords:
            if kw.arg is None or kw.arg in given:
                raise refused
            given[kw.arg] = kw.value
        bound: dict[str, Any] = {}
        for name, node in given.items():
            if _builds(node, env):
                bound[name] = _Built(self.build(node, env, path))
                continue
            try:
                bound[name] = fold(node, env)
            except _NotLiteral:
                raise SpecError(f"{cls}(): the argument {name}={ast.unparse(node)} is not a literal",
                                path=path or None, hint=HINT_LITERAL) from None
        for name, node in defaults.items():
            if name not in bound:
                try:
                    bound[name] = fold(node, self.env)
                except _NotLiteral:
                    pass  # an error only where it is used
        missing = [n for n in [*positional, *(a.arg for a in spec.kwonlyargs)] if n not in bound and n not in defaults]
        if missing:
            raise SpecError(f"{cls}() needs the argument{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                            path=path or None, hint=f"instantiate it in the text with literal values, e.g. "
                                                    f"model = {cls}({', '.join('…' for _ in missing)})")
        return bound

    def statements(self, cls: ast.ClassDef, body: list[ast.stmt], env: dict[str, Any],
                   members: dict[str, dict | None], ordered: list[dict], path: str) -> None:
        """Read ``__init__``: ``self.x = <module>`` in order, local variables, ``if`` with a constant test."""
        for statement in body:
            target, value = _assignment(statement)
            if isinstance(statement, ast.If):
                try:
                    test = fold(statement.test, env)
                except _NotLiteral:
                    raise SpecError(f"{cls.name}.__init__, line {statement.lineno}: cannot decide "
                                    f"`if {ast.unparse(statement.test)}` without running the code",
                                    path=path or None, hint=HINT_REPR) from None
                self.statements(cls, statement.body if test else statement.orelse, env, members, ordered, path)
            elif _is_super_init(statement):
                if any(_last(b) == "Sequential" for b in cls.bases):
                    ordered.extend(self.sequence(statement.value.args, env, path))
            elif isinstance(target, ast.Attribute) and _dotted(target.value) == "self":
                self.member(cls, target.attr, value, env, members, path)
            elif isinstance(target, ast.Name):
                self.bind(statement, env)
            elif self.mentions_modules(statement):
                raise SpecError(f"{cls.name}.__init__, line {statement.lineno}: modules built by "
                                f"`{ast.unparse(statement).splitlines()[0]}` are not read", path=path or None,
                                hint=HINT_REPR)

    def member(self, cls: ast.ClassDef, name: str, value: ast.AST, env: dict[str, Any],
               members: dict[str, dict | None], path: str) -> None:
        """``self.name = value``: a child module in torch's registration order, or a constant for later use."""
        if isinstance(value, ast.Constant) and value.value is None:
            if name in members:
                members[name] = None  # torch keeps the slot, empty
        elif isinstance(value, ast.Call) and _last(value.func) == "Parameter":
            self.notes.append((None, f"{cls.name}: self.{name} = {_last(value.func)}(…) is not counted: convcalc "
                                     "counts the parameters of layers"))
        elif _builds(value, env):
            members[name] = self.build(value, env, f"{path}.layers[{len(members)}]" if path
                                       else f"layers[{len(members)}]")
        else:
            try:
                env[f"self.{name}"] = fold(value, env)
            except _NotLiteral:
                env.pop(f"self.{name}", None)

    def bind(self, statement: ast.stmt, env: dict[str, Any]) -> None:
        """``x = <constant>``, or ``x = <modules>`` (read where it is used)."""
        target, value = _assignment(statement)
        if not isinstance(target, ast.Name):
            return
        if _builds(value, env):
            env[target.id] = _Pending(value)
            return
        try:
            env[target.id] = fold(value, env)
        except _NotLiteral:
            env.pop(target.id, None)

    def mentions_modules(self, statement: ast.stmt) -> bool:
        """Whether a statement convcalc does not read (a loop, an ``add_module`` call) would build modules."""
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                last = _last(node.func)
                if last in ("add_module", "register_module") or self.class_of(node):
                    return True
                if last[:1].isupper() and last != "Parameter":
                    return True
        return False


def _lineage(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]):
    """The class, then its first base defined in the text, and so on."""
    seen = set()
    while cls is not None and cls.name not in seen:
        seen.add(cls.name)
        yield cls
        cls = next((classes[_last(b)] for b in cls.bases if _last(b) in classes), None)


def _is_module_class(cls: ast.ClassDef, classes: dict[str, ast.ClassDef] | None = None) -> bool:
    """A subclass of ``nn.Module`` / ``nn.Sequential``, directly or through a class of ``classes``."""
    return any(_last(b).endswith(("Module", "Sequential")) for c in _lineage(cls, classes or {}) for b in c.bases)


def _builds(node: ast.AST, env: dict[str, Any]) -> bool:
    """Whether an expression builds modules: a call of a class (a capitalised name), a method of the class
    (refused later), or a variable holding modules."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_builds(e, env) for e in node.elts)
    if isinstance(node, ast.Name):
        return isinstance(env.get(node.id), (_Pending, _Built))
    node = _unwrap(node)
    return isinstance(node, ast.Call) and (_last(node.func)[:1].isupper() or _dotted(node.func).startswith("self."))


def _unwrap(node: ast.AST) -> ast.AST:
    """``Net().to(device).eval()`` → ``Net()``."""
    while (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
           and node.func.attr in ("to", "cuda", "cpu", "eval", "train", "float", "double", "half")
           and isinstance(node.func.value, ast.Call)):
        node = node.func.value
    return node


def _method(cls: ast.ClassDef, name: str, classes: dict[str, ast.ClassDef]) -> ast.FunctionDef | None:
    """A method of the class, or of a base class defined in the same text."""
    for c in _lineage(cls, classes):
        for node in c.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return node
    return None


def _assignment(statement: ast.stmt) -> tuple[ast.AST | None, ast.AST | None]:
    """``target = value`` (one target) or ``target: T = value``; else (None, None)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        return statement.targets[0], statement.value
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        return statement.target, statement.value
    return None, None


def _is_super_init(statement: ast.stmt) -> bool:
    """``super().__init__(…)`` or ``super(Net, self).__init__(…)``."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    func = statement.value.func
    return (isinstance(func, ast.Attribute) and func.attr == "__init__" and isinstance(func.value, ast.Call)
            and _dotted(func.value.func) == "super")


def _copy(item: Any) -> Any:
    """A fresh copy of a module read once and used again (notes refer to items by identity)."""
    if isinstance(item, dict):
        return {k: _copy(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_copy(v) for v in item]
    return item
