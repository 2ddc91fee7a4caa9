"""The inline ``--layers`` text → the plain layer list a spec holds.

Inline grammar (``--layers``): the inside of an ``nn.Sequential``, parsed with
:mod:`ast` (never executed)::

    spec    := layer (("," | "->") layer)*
    layer   := NAME | NAME "(" args ")"
    args    := value ("," value)* ("," NAME "=" value)*
    value   := INT | FLOAT | "True" | "False" | "None" | NAME | STRING | "(" value, ... ")" | "[" layer, ... "]"

A lower-case name (``conv2d(6, 5, padding=2)``) takes torch's positional order
without the input-size argument, which convcalc infers; a torch class name
(``Conv2d(1, 6, 5)``, ``nn.Linear(400, 120)``) takes torch's own order, so
``in_channels``/``in_features`` are given and checked. A lower-case call that torch's order reads as a
different complete call (``conv2d(1, 6, 5)``: torch's ``Conv2d(1, 6, 5)`` is in 1, out 6, kernel 5) is
refused, with both spellings in the hint. Blocks:
``concat([branch…], [branch…])``, ``add([branch…])`` (identity shortcut),
``sequential(layer, …)``.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .. import layers as L
from .. import templates as T
from ..build import canonical_type, from_data, normalize_text
from ..errors import SpecError
from ..graph import BLOCKS, Network
from .spec import _too_many_digits


def parse_inline(text: str) -> list[Any]:
    """The ``--layers`` text → the same plain layer list a YAML spec holds."""
    # full-width （，） from a CJK input method read as ASCII; sizes written as convcalc prints them
    # (a 1x2 kernel) read as the tuple (1, 2); `from=` is a Python keyword: read as `from_=`
    text = normalize_text(text).replace("->", ",").replace("→", ",")
    text = re.sub(r"(?<![\w.])\d+(?:\s*[x×]\s*\d+)+(?![\w.])",
                  lambda m: "(" + ", ".join(re.split(r"\s*[x×]\s*", m.group(0))) + ")", text)
    source = "[" + re.sub(r"(?<![\w.])from(\s*=)(?!=)", r"from_\1", text) + "\n]"
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        if "integer string conversion" in str(exc.msg):  # Python reads at most 4,300 digits
            raise SpecError(_too_many_digits("--layers", exc)) from None
        col = max((exc.offset or 1) - 1, 1) if exc.lineno == 1 else len(text)
        message = exc.msg
        unmatched = _unbalanced(text)
        if unmatched is not None:
            col, message = unmatched
        raise SpecError(f"--layers: cannot parse the text at column {col}: {message}",
                        hint='e.g. --layers "conv2d(6, 5, padding=2), relu, maxpool2d(2), flatten, linear(10)"') from None
    except (RecursionError, MemoryError, ValueError):
        raise SpecError("--layers: the text is nested too deeply") from None
    body = tree.body
    if not isinstance(body, ast.List):  # pragma: no cover - "[...]" always parses to a list
        raise SpecError("--layers: expected a list of layers")
    if len(body.elts) == 1 and isinstance(body.elts[0], ast.Tuple):  # "a, b" inside parentheses
        body = body.elts[0]
    return [_inline_node(e, f"layers[{i}]") for i, e in enumerate(body.elts)]


def _unbalanced(text: str) -> tuple[int, str] | None:
    """The 1-based column of the first bracket that is never closed or closes nothing, and what is wrong."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    quote = None
    for i, ch in enumerate(text, 1):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            stack.append((ch, i))
        elif ch in pairs:
            if not stack or stack[-1][0] != pairs[ch]:
                return i, f"{ch!r} closes nothing"
            stack.pop()
    if stack:
        ch, i = stack[-1]
        return i, f"{ch!r} is never closed"
    return None


def _shown(node: ast.AST, width: int = 80) -> str:
    """The source of ``node`` for a message: at most ``width`` characters (a file read as inline layers can hold
    megabytes in one element)."""
    text = ast.unparse(node)
    return text if len(text) <= width else text[:width - 1] + "…"


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _inline_node(node: ast.AST, path: str) -> Any:
    if isinstance(node, (ast.Name, ast.Attribute)):
        return {"type": _dotted(node)}
    if not isinstance(node, ast.Call) or _dotted(node.func) is None:
        raise SpecError(f"expected a layer such as conv2d(6, 5) or relu, got {_shown(node)!r}", path=path)
    raw_type = _dotted(node.func)
    if raw_type == "share":  # share(tower, from=right, name=tower_r): the module of an earlier element again
        if len(node.args) != 1 or any(kw.arg not in ("from_", "name") for kw in node.keywords):
            raise SpecError("share takes the name of the element it reuses, and from= and name=", path=path,
                            hint="e.g. share(tower, from=right, name=tower_r)")
        out = {"share": _inline_ref(node.args[0], path)}
        for kw in node.keywords:
            out["from" if kw.arg == "from_" else kw.arg] = _inline_refs(kw.value, path)
        return out
    type_name = canonical_type(raw_type, path)
    out: dict[str, Any] = {"type": raw_type}
    for kw in node.keywords:
        if kw.arg is None:
            raise SpecError(f"{type_name}: **kwargs cannot be read", path=path)
        key = "from" if kw.arg == "from_" else kw.arg
        if key in out:
            raise SpecError(f"{type_name}: {key} given twice", path=path)
        out[key] = _inline_refs(kw.value, path) if key == "from" else _inline_value(kw.value, path, type_name, key)
    if type_name in ("concat", "add") and "from" in out and not node.args:
        return out  # a merge of named tensors: concat(from=[up1, enc1])
    if type_name in BLOCKS:
        if type_name == "sequential":
            out["layers"] = [_inline_node(a, f"{path}.layers[{i}]") for i, a in enumerate(node.args)]
        else:
            branches = []
            for b, arg in enumerate(node.args):
                if not isinstance(arg, (ast.List, ast.Tuple)):
                    raise SpecError(f"{type_name}: each branch must be a [list] of layers, got {_shown(arg)!r}",
                                    path=path, hint=f"e.g. {type_name}([conv2d(16, 1)], [maxpool2d(3, 1, 1)])")
                branches.append([_inline_node(e, f"{path}.branches[{b}][{i}]") for i, e in enumerate(arg.elts)])
            out["branches"] = branches
        return out
    torch_style = raw_type.rsplit(".", 1)[-1] != raw_type.rsplit(".", 1)[-1].lower()
    order = _Orders(type_name)
    names = order.torch if torch_style else order.short
    # A lower-case call is read in the short order; when torch's own order reads the same values as other
    # arguments and makes a complete call, the call is refused: it would not mean what torch means.
    check = None if torch_style else _TorchOrderCheck(order, node, raw_type)
    if len(node.args) > len(names):
        listed = ", ".join(names) if names else "none: use keywords"
        hint = None
        if check is not None and check.torch_reading is not None:
            hint = f"in torch's order it is {check.torch_call()} — {check.assigned()}: {check.what_to_type()}"
        elif check is not None and order.short != order.torch:
            hint = f"the input size is inferred; {order.torch_name}(…) takes torch's own order with it"
        raise SpecError(f"{type_name}: too many positional arguments ({len(node.args)}); in this form they are: "
                        f"{listed}", path=path, hint=hint)
    if check is not None and check.refuses():
        raise SpecError(f"{type_name}: in torch's order {ast.unparse(node)} is {check.torch_call()} — "
                        f"{check.assigned()}", path=path, hint=check.what_to_type())
    for argname, value in zip(names, node.args):
        if argname in out:
            raise SpecError(f"{type_name}: {argname} given twice", path=path)
        out[argname] = _inline_value(value, path, type_name, argname)
    return out


class _Orders:
    """The two positional orders of a layer kind or named block: torch's own (``Conv2d(1, 6, 5)``: every
    argument torch takes positionally, input size included) and the short one (``conv2d(6, 5)``: without the
    inferred input size and the arguments convcalc takes by keyword only)."""

    def __init__(self, type_name: str):
        self.type_name = type_name
        if type_name in T.BUILTIN:
            template = T.BUILTIN[type_name]
            self.torch = list(template.params)
            self.short = [p for p in template.params if p not in template.sizing]
            self.sizing = set(template.sizing)
            self.required = {p for p, default in template.params.items() if default is T.REQUIRED}  # torch's
            self.fields: dict[str, Any] = {}
            self.allowed = set(template.params)
            self.ndim = 0
            self.torch_name = type_name[:1].upper() + type_name[1:]  # inception: torchvision's Inception
        else:
            cls, ndim = L.REGISTRY[type_name]
            accepted = L.accepted(cls, type_name)
            self.torch = [f.name for f in accepted if not f.metadata["keyword_only"]]
            self.short = [f.name for f in accepted if f.metadata["positional"] and not f.metadata["sizing"]]
            self.sizing = {f.name for f in accepted if f.metadata["sizing"]}
            self.required = {f.name for f in accepted if f.metadata["required"] or f.metadata["sizing"]}
            self.fields = {f.name: f for f in accepted}
            self.allowed = set(self.fields)
            self.ndim = ndim or 0
            self.torch_name = L.TORCH_NAMES.get(type_name) or type_name[:1].upper() + type_name[1:]
        self.allowed |= {"name", "trainable"}

    def reading(self, torch: bool, args: list[ast.AST], keywords: list[str]) -> list[tuple[str, ast.AST]] | None:
        """The (argument name, value) pairs the positional ``args`` get in one order, or None when the call is
        not a complete one in that order: too many values, an argument given twice, a required one missing (in
        torch's order the input size is required too) or an unknown keyword.

        In torch's order the values are not checked as convcalc checks them: torch builds ``Conv2d(6, 5, 1, 0)``
        and ``Conv2d(6, 5, 1, 'same')`` (the stride fails only in forward). Only a non-integer input size (a
        float, a string, a tuple: ``GroupNorm(2, 0.001)``) is taken as a call torch refuses to build. In the
        short order every value must be one convcalc takes."""
        names = self.torch if torch else self.short
        if len(args) > len(names) or not set(keywords) <= self.allowed:
            return None
        given = names[:len(args)]
        if set(given) & set(keywords):
            return None
        required = self.required if torch else self.required - self.sizing
        if not required <= {*given, *keywords}:
            return None
        for argname, value in zip(given, args):
            try:
                parsed = _inline_value(value, "", self.type_name, argname)
            except SpecError:
                return None
            if torch and argname in self.sizing and not isinstance(parsed, int):
                return None
            if not torch and argname in self.fields:
                try:
                    self.fields[argname].metadata["parse"](parsed, self.ndim)
                except ValueError:
                    return None
        return list(zip(given, args))

    def ambiguous(self, args: list[ast.AST], keywords: list[str]) -> bool:
        """Whether a lower-case call gives its positional values other names than torch would, in a call that
        torch's order makes complete: then torch would build another layer than convcalc reads."""
        n = len(args)
        return self.short[:n] != self.torch[:n] and self.reading(True, args, keywords) is not None


class _TorchOrderCheck:
    """A lower-case call read in torch's order as well: what torch would build, and what to type instead."""

    def __init__(self, order: _Orders, node: ast.Call, raw_type: str):
        self.order = order
        self.node = node
        self.raw_type = raw_type
        self.keywords = [(kw.arg, kw.value) for kw in node.keywords]
        kwnames = [k for k, _ in self.keywords]
        self.torch_reading = order.reading(True, list(node.args), kwnames)
        self.short_reading = order.reading(False, list(node.args), kwnames)

    def refuses(self) -> bool:
        return self.order.ambiguous(list(self.node.args), [k for k, _ in self.keywords])

    def torch_call(self) -> str:
        return _call_text(self.order.torch_name, [v for _, v in self.torch_reading], self.keywords)

    def assigned(self) -> str:
        return ", ".join(f"{argname} {ast.unparse(value)}" for argname, value in self.torch_reading)

    def what_to_type(self) -> str:
        inferred = [argname for argname, _ in self.torch_reading if argname in self.order.sizing]
        kept = [(argname, value) for argname, value in self.torch_reading if argname not in self.order.sizing]
        short = self.spell_short(kept)
        note = f" ({', '.join(inferred)} {'is' if len(inferred) == 1 else 'are'} inferred)" if inferred else ""
        text = f"write {short}{note} or {self.torch_call()}"
        if self.short_reading is not None:  # convcalc's reading was a valid call too: how to keep it
            meant = ", ".join(f"{argname} {ast.unparse(value)}" for argname, value in self.short_reading)
            text += f"; for {meant} write {self.spell_short(self.short_reading)}"
        return text

    def spell_short(self, pairs: list[tuple[str, ast.AST]]) -> str:
        """A lower-case call giving these arguments (and the call's keywords) that both orders read alike:
        positional while the names follow the short order, keywords after."""
        run = 0
        while run < len(pairs) and run < len(self.order.short) and pairs[run][0] == self.order.short[run]:
            run += 1
        for k in range(run, -1, -1):
            keywords = [*pairs[k:], *self.keywords]
            if not self.order.ambiguous([v for _, v in pairs[:k]], [name for name, _ in keywords]):
                return _call_text(self.raw_type, [v for _, v in pairs[:k]], keywords)
        raise AssertionError("unreachable: a call without positional values reads alike in both orders")


def signatures(type_name: str) -> tuple[str, str | None]:
    """The two forms a layer kind or named block takes inline, as ``convcalc list --types`` shows them:
    ``conv2d(out_channels, kernel_size, stride=1, …, *, connections=None)`` and torch's
    ``Conv2d(in_channels, out_channels, kernel_size, …)`` (None for a kind that is not a torch class)."""
    order = _Orders(type_name)

    def default(argname: str) -> str:
        if order.fields:
            return repr(order.fields[argname].metadata["default"])
        return repr(T.BUILTIN[type_name].params[argname])

    def shown(argname: str) -> str:
        required = argname in order.required and argname not in order.sizing
        return argname if required else f"{argname}={default(argname)}"

    every = list(order.fields) if order.fields else list(order.torch)
    keyword = [a for a in every if a not in order.short and a not in order.sizing]
    parts = [shown(a) for a in order.short] + (["*", *(shown(a) for a in keyword)] if keyword else [])
    short = f"{type_name}({', '.join(parts)})"
    if type_name not in L.TORCH_NAMES and type_name not in T.BUILTIN:
        return short, None
    last = max((i for i, a in enumerate(order.torch) if a in order.required), default=-1)
    leading = order.torch[:last + 1] + (["…"] if len(order.torch) > last + 1 else [])
    return short, f"{order.torch_name}({', '.join(leading)})"


def _call_text(name: str, args: list[ast.AST], keywords: list[tuple[str, ast.AST]]) -> str:
    """``conv2d(6, 5, padding=2)``; a bare ``name`` without arguments."""
    parts = [ast.unparse(v) for v in args] + [f"{k}={ast.unparse(v)}" for k, v in keywords]
    return f"{name}({', '.join(parts)})" if parts else name


def _inline_ref(node: ast.AST, path: str) -> str:
    """A name in ``from=``/``share(…)``: ``enc1``, ``parts[1]``, ``layer1.0`` (as ``'layer1.0'``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, int):
        return f"{node.value.id}[{node.slice.value}]"
    raise SpecError(f"cannot read {_shown(node)!r} as a name", path=path,
                    hint="write a name, name[i], or a quoted dotted id: from='layer1.0'")


def _inline_refs(node: ast.AST, path: str) -> str | list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_inline_ref(e, path) for e in node.elts]
    return _inline_ref(node, path)


def _inline_value(node: ast.AST, path: str, type_name: str, argname: str) -> Any:
    if isinstance(node, ast.Name):
        return node.id  # bare words: padding=same
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise SpecError(f"{type_name}: cannot read the value of {argname}: {_shown(node)!r}", path=path) from None


def from_inline(text: str, input_shape: L.Shape | None) -> Network:
    return from_data({"layers": parse_inline(text)}, origin="--layers", input_shape=input_shape)
