"""``print(model)`` text → module tree → counts and convcalc's graph spec data, driven by :mod:`.vocabulary`.

Three steps, each usable alone:

1. :func:`parse` — the printed lines → a tree of :class:`Module` (class, key, own printed arguments,
   children), by the parentheses; ModuleList's short form ``(0-2): 3 x Block(`` is expanded.
2. :func:`count` — parameters and buffers leaf by leaf, from every printed line whose class the
   vocabulary knows, whether or not the forward pass can be followed. A class the vocabulary does
   not know is refused by name (:class:`Refused`, exit 2) when it is a leaf or prints arguments of its
   own; with children only, it is a container and its parameters are theirs.
3. :func:`build` — the graph spec data the engine reads: nested ``sequential`` blocks named with
   torch's module names (node ids are torch's dotted names), merges via ``from:``, ``share:`` where
   forward() calls a module twice. Each block class follows its forward pattern from the vocabulary.
   A class with children and no known forward is read in order as before (a warning says so), and
   every node from it on is *guessed*: an error there means "shapes unknown" (exit 2), never exit 1.

:func:`read_network` puts them together for the CLI (``--from pytorch-repr``).

Stop-gaps for what the engine does not have yet (each a small :class:`~convcalc.layers.Layer` subclass
patched into the built network, never registered as a spec type): ``HiddenParameter`` (parameters
that print nowhere: a class token, a position embedding, a layer scale), ``TfSamePad`` (timm's
``Conv2dSame``/``MaxPool2dSame``: TensorFlow's SAME padding, computed from the input), and ``Guarded``
(a node whose shapes rest on a guessed forward: a NetworkError there becomes "shapes unknown").
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .. import layers as L
from .. import shapes as S
from ..errors import NetworkError, SpecError, did_you_mean
from . import vocabulary as V
from .no_own_parameters import NAMES as NO_OWN_PARAMETERS

MAX_MODULES = 100_000
AVGPOOL_NOTE = ("print(model) does not show AvgPool's ceil_mode and count_include_pad: torch's defaults (False, True) "
                "are assumed")

Notes = list[tuple[str | None, str]]


class Refused(SpecError):
    """print(model) names something convcalc cannot count or place (exit 2); ``counts`` has what it could count."""

    def __init__(self, message: str, *, cls: str | None = None, path: str | None = None, hint: str | None = None,
                 counts: Counts | None = None):
        super().__init__(message, path=path, hint=hint)
        self.cls = cls
        self.counts = counts


# ----------------------------------------------------------------------------
# 1. The printed tree
# ----------------------------------------------------------------------------
@dataclass
class Module:
    """One printed module."""

    cls: str
    key: str = ""  #: its name in the parent ("" for the root)
    line: int = 0
    args: str | None = None  #: its own printed arguments (a leaf's ``(…)``, a container's extra_repr lines)
    children: list[Module] = field(default_factory=list)
    none: bool = False  #: printed as ``(key): None``
    container: bool = False  #: printed over several lines (``Cls(`` … ``)``)
    path: str = ""  #: dotted torch name
    parent: Module | None = field(default=None, repr=False)
    _values: dict | None = field(default=None, repr=False)
    _index: tuple | None = field(default=None, repr=False, compare=False)  #: see :meth:`child`
    #: on the root: the constructor arguments the user stated (``--assume``) for classes whose print(model) does
    #: not show them (see the vocabulary's ``assume``)
    assume: dict[str, str] | None = field(default=None, repr=False)

    def child(self, key: str) -> Module | None:
        """The child printed as ``(key)`` (the first, as a scan would find it), by an index rebuilt when the
        children change: a Sequential of 40,000 modules looked up child by child was quadratic."""
        index = self._index
        if index is None or index[0] != len(self.children) or (self.children and index[2] is not self.children[-1]):
            keys: dict[str, Module] = {}
            for c in self.children:
                keys.setdefault(c.key, c)
            index = self._index = (len(self.children), keys, self.children[-1] if self.children else None)
        return index[1].get(key)

    def present(self, key: str) -> bool:
        """A child that is printed, not None, and not an empty container (``Sequential()``)."""
        c = self.child(key)
        return c is not None and not c.none and not (c.container is False and c.cls in V.CONTAINERS
                                                       and not c.children and c.args in (None, ""))

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.children]

    def values(self, origin: str = "") -> dict:
        """Its own printed arguments: ``{0: 3, 1: 64, "kernel_size": [7, 7], …}`` (positions as ints)."""
        if self._values is None:
            self._values = parse_args(self.args or "", self, origin)
        return self._values

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


_CHILD = re.compile(r"\((?P<key>[^()]*(?:\([^()]*\)[^()]*)*)\): (?:(?P<count>\d+) x )?(?P<rest>.*)")
_HEAD = re.compile(r"(?P<cls>[A-Za-z_][\w.]*)\((?P<rest>.*)")
_RANGE = re.compile(r"(\d+)-(\d+)")


def _quoted(text: str, most: int = 80) -> str:
    """``text`` quoted for a message, its middle left out past ``most`` characters (a line may be 100,000 long)."""
    if len(text) <= most:
        return repr(text)
    return repr(text[:most // 2]) + f" … ({len(text):,} characters) … " + repr(text[-most // 4:])


def _balance(text: str) -> int:
    """Open minus closed parentheses and brackets outside quotes."""
    depth, quote = 0, None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth


def parse(text: str, origin: str = "<repr>") -> Module:
    """The lines of ``print(model)`` → the root :class:`Module`. ``>>>`` prompt lines before the model are
    skipped; a line that cannot be read is a :class:`SpecError` naming it."""
    root: Module | None = None
    stack: list[Module] = []
    copies: list[list[Module]] = []  #: ModuleList's ``N x`` form: the module, then its copies
    made = 0  #: modules the ``N x`` forms expand to, bounded before they are made
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        number, raw = i + 1, lines[i]
        i += 1
        line = raw.strip()
        if not line or (root is None and line.startswith(">>>")):
            continue
        where = f"{origin}: line {number}"
        if root is not None and not stack:
            raise SpecError(f"{where}: unexpected text after the model's closing ')': {line!r}")
        if line == ")":
            if not stack:
                raise SpecError(f"{where}: ')' closes nothing")
            stack.pop()
            continue
        child = _CHILD.fullmatch(line)
        if child is not None and not stack:
            raise SpecError(f"{where}: {line!r} comes before the model's first line", hint="e.g. Sequential(")
        if child is None and stack:
            # a container's own printed arguments (its extra_repr), before or between its children
            top = stack[-1]
            top.args = line if top.args is None else f"{top.args}, {line}"
            continue
        rest = child["rest"] if child else line
        key = child["key"] if child else ""
        if rest == "None":
            if stack:
                stack[-1].children.append(Module(cls="None", key=key, line=number, none=True))
            continue
        head = _HEAD.fullmatch(rest)
        if head is None:
            raise SpecError(f"{where}: cannot read {_quoted(line)}", hint="expected a module such as Conv2d(…)")
        body = head["rest"]
        depth = _balance("(" + body)
        module = Module(cls=head["cls"], key=key, line=number)
        if depth == 0:
            if not body.endswith(")"):
                raise SpecError(f"{where}: cannot read {_quoted(line)}")
            module.args = body[:-1]
        elif depth == 1 and body == "":
            module.container = True
        else:
            raise SpecError(f"{where}: cannot read {_quoted(rest)}", hint="a module is printed as Cls(…) or Cls( … )")
        count = int(child["count"]) if child and child["count"] else 1
        targets = [module]
        if count > 1 or (child and _RANGE.fullmatch(key)):
            r = _RANGE.fullmatch(key)
            first = int(r[1]) if r else 0
            n = int(r[2]) - int(r[1]) + 1 if r else count
            made += n
            if made > MAX_MODULES:  # before the copies are made: "(0-99999999): 100000000 x Block(" is one line
                raise SpecError(f"{origin}: the model has more than {MAX_MODULES:,} modules (the limit)")
            targets = [module] + [dataclasses.replace(module, children=module.children) for _ in range(n - 1)]
            for k, t in enumerate(targets):
                t.key = str(first + k)
            copies.append(targets)
        if stack:
            stack[-1].children.extend(targets)
        else:
            root = module
        if module.container:
            stack.append(module)
            # the copies of an ``N x`` container share its children list: filled once, counted N times
    if root is None:
        raise SpecError(f"{origin}: no module found", hint="paste the whole text print(model) shows")
    if stack:
        raise SpecError(f"{origin}: the text ends before {stack[-1].cls} (line {stack[-1].line}) is closed by ')'")
    for targets in reversed(copies):  # inner ones first: a copy gets its own tree
        for t in targets[1:]:
            t.children = copy.deepcopy(targets[0].children)
    _link(root, "")
    return root


def _link(m: Module, path: str) -> None:
    m.path = path
    for c in m.children:
        c.parent = m
        _link(c, f"{path}.{c.key}" if path else c.key)


def _value(node: ast.AST) -> Any:
    """A printed value: a literal, a bare word (``mode=row``), or a printed module (``Flatten(…)``: its class)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return {"class": ast.unparse(node.func), "args": [_value(a) for a in node.args],
                **{k.arg: _value(k.value) for k in node.keywords}}
    if isinstance(node, (ast.Tuple, ast.List)):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _value(node.operand)
        if isinstance(v, (int, float)):
            return -v
    if isinstance(node, ast.Attribute):
        return ast.unparse(node)
    return ast.literal_eval(node)


def parse_args(text: str, module: Module | None = None, origin: str = "") -> dict:
    """``"3, 64, kernel_size=(7, 7), bias=False"`` → ``{0: 3, 1: 64, "kernel_size": [7, 7], "bias": False}``."""
    text = text.strip()
    if not text:
        return {}
    fixed = re.sub(r"(\w+)=(?=,|$)", r"\1=''", text)  # ``pool_type=,`` (an empty string printed bare)
    fixed = re.sub(r"=inf\b", "=float('inf')", fixed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            call = ast.parse(f"f({fixed})", mode="eval").body
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "f"):
            raise SyntaxError("not one call")
        out: dict = {}
        for i, a in enumerate(call.args):
            out[i] = _value(a)
        for k in call.keywords:
            if k.arg is not None:
                out[k.arg] = _value(k.value)
        return out
    except (SyntaxError, ValueError, TypeError, RecursionError):
        where = f"{origin}: line {module.line}: " if module is not None else ""
        name = module.cls if module is not None else "module"
        raise SpecError(f"{where}cannot read the arguments of {name}: {_quoted(text)}") from None


# ----------------------------------------------------------------------------
# 2. Counting leaf by leaf
# ----------------------------------------------------------------------------
@dataclass
class Counts:
    params: int = 0
    buffers: int = 0
    lower_bound: bool = False  #: some parameters print nowhere and cannot be derived
    why: list[str] = field(default_factory=list)  #: why it is a lower bound
    modules: dict[str, tuple[str, int, int]] = field(default_factory=dict)  #: path → (class, params, buffers)
    #: classes convcalc does not know, counted as containers of their children: a parameter such a class holds
    #: itself (an ``nn.Parameter`` attribute) prints nowhere, so with them the total is a lower bound
    unknown: set[str] = field(default_factory=set)
    #: print(model) shows a shared module at every use; torch counts it once: the total may be too high
    shared: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        self.params += other.params
        self.buffers += other.buffers
        self.lower_bound |= other.lower_bound
        self.why += [w for w in other.why if w not in self.why]


def entry(m: Module) -> dict | None:
    """The vocabulary entry of a module's class (a variant chosen by its children), or None."""
    spec = V.CLASSES.get(m.cls)
    if spec is None:
        return None
    if spec.get("kind") == "leaf" and m.container:
        # another library's class of the same name, printed with children (timm's Embedding): a variant of the leaf's
        # entry that is a block (``"kind": "block"``) where one matches its children, else a class not known
        return next((dict(v) for v in spec.get("variants", ())
                     if v.get("kind") == "block" and _matches(m, v.get("when", {}))), None)
    for variant in spec.get("variants", ()):
        if _matches(m, variant.get("when", {})):
            return {**{k: v for k, v in spec.items() if k != "variants"}, **variant}
    if "variants" in spec and "forward" not in spec and spec.get("open"):
        return None  # a name users give their own classes too (Block, Attention): read as a class not known
    if "variants" in spec and "forward" not in spec and "kind" not in spec:
        return {**spec, "kind": "unmatched"}
    return spec


def _matches(m: Module, when: dict) -> bool:
    keys = set(m.keys)
    if "has" in when and not set(when["has"]) <= keys:
        return False
    if "lacks" in when and set(when["lacks"]) & keys:
        return False
    if "parent_class" in when and (m.parent is None or m.parent.cls not in when["parent_class"]):
        return False
    if "key" in when and m.key not in when["key"]:  # its own name in the parent (timm's bn3 of a block)
        return False
    if "root_class" in when and _root(m).cls not in when["root_class"]:  # only inside a model of these classes
        return False
    if "child_class" in when:
        for key, classes in when["child_class"].items():
            c = m.child(key)
            if c is None or c.cls not in classes:
                return False
    return True


def resolve(m: Module, expr: Any, origin: str = "") -> Any:
    """A value from the printed tree: ``"block.0.out_channels"``, ``"^.norm1.normalized_shape.0"`` (``^`` is the
    parent), an int as is. Argument names of leaves map through their vocabulary's positional order."""
    if not isinstance(expr, str):
        return expr
    if "|" in expr:  # alternatives: the first that the printed tree has
        for alternative in expr.split("|"):
            value = resolve(m, alternative, origin)
            if value is not None:
                return value
        return None
    node: Module | None = m
    parts = expr.split(".")
    for k, part in enumerate(parts):
        if node is None:
            return None
        if part == "^":
            node = node.parent
            continue
        child = node.child(part)
        if child is not None and not child.none:
            node = child
            continue
        # an argument of this leaf, then an index into it
        value = argument(node, part, origin)
        for index in parts[k + 1:]:
            if isinstance(value, list) and index.lstrip("-").isdigit():
                value = value[int(index)]
            else:
                return None
        return value
    return None


def argument(m: Module, name: str, origin: str = "") -> Any:
    """A leaf's printed argument by torch's name (positional ones by the vocabulary's order), or its default."""
    spec = V.CLASSES.get(m.cls) or {}
    values = m.values(origin)
    if name in values:
        return values[name]
    order = spec.get("args", ())
    if name in order and order.index(name) in values:
        return values[order.index(name)]
    return spec.get("defaults", {}).get(name)


def _prod(xs) -> int:
    return math.prod(xs if isinstance(xs, (list, tuple)) else [xs])


def own_counts(m: Module, rule: str, origin: str) -> tuple[int, int]:
    """Parameters and buffers of one module's own printed arguments, by its vocabulary rule."""

    def a(name: str, default: Any = None) -> Any:
        value = argument(m, name, origin)
        return default if value is None else value
    if rule in ("none", None):
        return 0, 0
    if rule in ("conv", "convtranspose", "scaledstdconv"):
        cin, cout, k = a("in_channels"), a("out_channels"), a("kernel_size")
        groups = a("groups", 1)
        ndim = V.CLASSES[m.cls].get("ndim", 2)
        if not isinstance(k, list):
            k = [k] * ndim
        weights = cin * cout // groups * _prod(k)
        params = weights + (cout if a("bias", True) else 0)
        if rule == "scaledstdconv":
            params += cout  # gain: (out_channels, 1, 1, 1)
        return params, 0
    if rule == "linear":
        fin, fout = a("in_features"), a("out_features")
        return fin * fout + (fout if a("bias", True) else 0), 0
    if rule == "bilinear":
        fout = a("out_features")
        return a("in1_features") * a("in2_features") * fout + (fout if a("bias", True) else 0), 0
    if rule in ("batchnorm", "instancenorm"):
        c = a("num_features")
        affine = a("affine", rule == "batchnorm")
        track = a("track_running_stats", rule == "batchnorm")
        return (c * (2 if a("bias", True) else 1) if affine else 0), (2 * c + 1 if track else 0)
    if rule == "layernorm":
        shape = a("normalized_shape")
        n = _prod(shape)
        return (n * (2 if a("bias", True) else 1) if a("elementwise_affine", True) else 0), 0
    if rule == "groupnorm":
        c = a("num_channels")
        return (c * (2 if a("bias", True) else 1) if a("affine", True) else 0), 0
    if rule == "prelu":
        return a("num_parameters", 1), 0
    if rule == "mha":  # the packed in-projection: 3·E × E weights, 3·E biases when out_proj has a bias
        e = resolve(m, "out_proj.in_features", origin)
        bias = resolve(m, "out_proj.bias", origin)
        return (3 * e * e + (3 * e if bias is not False else 0) if isinstance(e, int) else 0), 0
    if rule == "embedding":
        return a("num_embeddings") * a("embedding_dim"), 0
    if rule == "rnn":  # RNN, GRU, LSTM: per layer and direction, gates × hidden rows of W_ih, W_hh (and biases)
        return V.rnn_params(m.cls, {k: argument(m, k, origin) for k in V.RNN_ARGS}), 0
    raise AssertionError(f"unknown count rule {rule!r}")  # pragma: no cover - the vocabulary test checks them


def count(m: Module, origin: str = "<repr>") -> Counts:
    """Parameters and buffers of ``m`` and everything under it, leaf by leaf. Raises :class:`Refused` for a class
    whose own parameters cannot be counted (an unknown leaf, or an unknown class printing its own arguments)."""
    out = Counts()
    stack = [m]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_MODULES:
            raise SpecError(f"{origin}: the model has more than {MAX_MODULES:,} modules")
        if node.none:
            continue
        spec = entry(node)
        if spec is None:
            if node.container and not (node.args or "").strip():
                stack.extend(node.children)  # a container of known children: its parameters are theirs
                if node.cls not in NO_OWN_PARAMETERS:
                    out.unknown.add(node.cls)
                continue
            what = ("prints arguments of its own and children" if node.children
                    else "is a leaf convcalc does not know")
            raise Refused(f"{node.cls} {what}: its parameters cannot be counted",
                          cls=node.cls, path=node.path or None,
                          hint=_unknown_hint(node.cls))
        try:
            params, buffers = own_counts(node, spec.get("count"), origin)
            if not (type(params) is int and type(buffers) is int and params >= 0 and buffers >= 0):
                raise TypeError  # LayerNorm((nan,)): 2 * "nan" is a string (a fuzz finding)
        except (TypeError, ValueError, ZeroDivisionError):
            raise Refused(f"{node.cls}: cannot count the parameters of {node.cls}({node.args or ''})", cls=node.cls,
                          path=node.path or None) from None
        if spec.get("open") and node.cls not in NO_OWN_PARAMETERS:  # its own parameters, if any, print nowhere
            out.unknown.add(node.cls)
        if spec.get("shared"):
            out.shared.append(spec["shared"])
        for hidden in spec.get("hidden", ()):
            p, b, unknown = _hidden_count(node, hidden, origin)
            if unknown:
                out.lower_bound = True
                default = ("its size depends on the input" if hidden.get("count") is None
                           else "its size cannot be derived from the printed lines")
                reason = f"{node.cls}'s {hidden['name']} is not printed ({hidden.get('why', default)})"
                if reason not in out.why:
                    out.why.append(reason)
            params += p
            buffers += b
        out.params += params
        out.buffers += buffers
        if params or buffers:
            out.modules[node.path] = (node.cls, params, buffers)
        shares = spec.get("shares", ())  # children printed here and elsewhere (one module): counted elsewhere
        stack.extend(c for c in node.children if c.key not in shares)
    return out


def _hidden_count(m: Module, hidden: dict, origin: str) -> tuple[int, int, bool]:
    """(params, buffers, unknown) of one hidden parameter of ``m``."""
    if "when" in hidden and not _condition(m, hidden["when"], origin):
        return 0, 0, False
    if hidden.get("count") is None:
        return 0, 0, True  # its size comes from the input: known once the shapes are
    n = _factors(m, hidden["count"], origin)
    if n is None:
        return 0, 0, True
    return (0, n, False) if hidden.get("buffer") else (n, 0, False)


def _factors(m: Module, factors: Any, origin: str) -> int | None:
    """The product of a hidden count's factors (None: one is not known)."""
    n = 1
    for factor in (factors if isinstance(factors, list) else [factors]):
        if isinstance(factor, dict):  # {"assume": "window_size"} (``"span": True``: 2·w − 1 relative positions)
            if "resolve" in factor:  # a printed size (with "div": {"resolve": "BCdt_proj.conv.out_channels", "div": 3})
                v = resolve(m, factor["resolve"], origin)
            elif "children" in factor:  # how many modules a container prints: {"children": "heads"}
                c = m.child(factor["children"])
                v = len([x for x in c.children if not x.none]) if c is not None else None
            else:
                v = assumed(m, factor["assume"], origin)
            if isinstance(v, str) and "item" in factor:  # the k-th of numbers separated by / (window_spec=8/4/14/7)
                parts = v.replace(",", "/").split("/")
                k = factor["item"]
                v = int(parts[k]) if k < len(parts) and parts[k].strip().isdigit() else None
            if isinstance(v, int) and factor.get("over"):  # v over a printed size: img_size // patch size
                part = resolve(m, factor["over"], origin)
                v = v // part if isinstance(part, int) and not isinstance(part, bool) and part > 0 else None
            if isinstance(v, int) and factor.get("span"):
                v = 2 * v - 1
            if isinstance(v, int) and factor.get("grid_tokens"):  # feat_size² positions and one token
                v = v * v + 1
            if isinstance(v, int) and factor.get("into"):  # a printed size per head: PATH // num_heads
                total = resolve(m, factor["into"], origin)
                v = total // v if isinstance(total, int) and not isinstance(total, bool) and v > 0 else None
            if isinstance(v, int) and factor.get("div"):  # a quarter of a head (a rotary embedding's bands)
                v = v // factor["div"]
        else:
            v = resolve(m, factor, origin)
        if not isinstance(v, int) or isinstance(v, bool):
            return None
        n *= v
    return n


def _unknown_hint(cls: str) -> str:
    near = did_you_mean(cls, list(V.CLASSES))
    return (f"{near} " if near else "") + ("convcalc reads the classes of torch.nn, torchvision and timm it lists in "
                                           "convcalc/readers/vocabulary.py; a class printing no arguments and only "
                                           "children is read as a container")


# ----------------------------------------------------------------------------
# 3. The graph
# ----------------------------------------------------------------------------
class _Unplaceable(Exception):
    """The forward pass cannot be followed here."""

    def __init__(self, module: Module, why: str):
        super().__init__(why)
        self.module = module
        self.why = why


@dataclass
class Build:
    """What :func:`build` gives: the spec data and what the engine needs patched in."""

    data: dict
    notes: Notes
    hidden: dict[str, dict] = field(default_factory=dict)  #: element path key → HiddenParameter settings
    samepad: dict[str, dict] = field(default_factory=dict)  #: element key → TfSamePad settings
    guessed_from: str | None = None  #: the first element key read by a guessed forward
    aux: list[str] = field(default_factory=list)


#: forward name → a function (the printed module, the origin) → its steps: the vocabulary's ``forward`` computed from
#: the printed tree, registered by :mod:`.torchrepr_forwards`
PATTERNS: dict[str, Any] = {}


class _Builder:
    def __init__(self, origin: str):
        self.origin = origin
        self.notes: Notes = []
        self.hidden: dict[str, dict] = {}
        self.samepad: dict[str, dict] = {}
        self.avgpools: dict[str, str] = {}
        self.guessed: list[str] = []  #: marker keys of elements read by guessed forwards
        self.marker = 0
        self.layout_last = False  #: channels-last (after torchvision's/timm's Permute to NHWC)
        self.aux: list[str] = []
        self.ignores: list[str] = []  #: ``unused-node@ID`` for tensors forward() reads that the graph leaves open
        self.windows: dict[str, dict] = {}  #: element key → Windows settings (Swin's window padding and merging)
        self.grids: dict[str, dict] = {}  #: element key → PatchGrid settings (a size forward() needs to divide)
        #: element key → the trailing dims a ReshapeAs node takes from ``like`` (0: all: ``x.reshape_as(like)``)
        self.reshapes: dict[str, int] = {}
        self.folded: set[str] = set()  #: element keys of layers run on a folded batch (a call's ``"folded"``)
        self.node_ids: dict[int, str] = {}  #: id(module) → its node id where a forward called it by a dotted key

    def mark(self, element: dict) -> str:
        self.marker += 1
        key = f"__m{self.marker}"
        element["__marker__"] = key
        return key

    # -- one module → one element ------------------------------------------------
    def element(self, m: Module, name: str | None) -> dict:
        """The element for module ``m`` (named ``name``)."""
        spec = entry(m)
        if spec is None:
            return self.guess(m, name)
        kind = spec.get("kind", "block")
        if spec.get("note") and (None, spec["note"]) not in self.notes:
            self.notes.append((None, spec["note"]))
        if spec.get("assume"):
            note = assume_note(m, self.origin)
            if (None, note) not in self.notes:
                self.notes.append((None, note))
        if kind == "unsupported":
            raise _Unplaceable(m, spec.get("why", f"{m.cls}'s forward() is not modelled"))
        if kind == "unmatched":
            raise _Unplaceable(m, f"{m.cls} with children {', '.join(m.keys) or 'none'} matches none of the "
                                  f"forwards convcalc knows for {m.cls}")
        if kind == "leaf":
            return self.leaf(m, spec, name)
        if kind == "container":  # ModuleList / ModuleDict: a parent's forward calls them in order
            block = self.sequence(m, name, [c.key for c in m.children], spec)
            # the parent's entry says its forward() loops over it (``loops``): in order, as read, no guess to note
            if m.parent is None or m.key not in (entry(m.parent) or {}).get("loops", ()):
                self.notes.append((self.mark(block),
                                   f"{m.cls} has no forward(): its children are assumed to run in order"))
            return block
        steps = spec.get("forward")
        if steps == "sequential":
            return self.sequence(m, name, [c.key for c in m.children if not c.none], spec)
        if steps == "dense":
            return self.dense(m, name, spec)
        if isinstance(steps, str) and steps in PATTERNS:
            return self.steps(m, name, PATTERNS[steps](m, self.origin), spec)
        if steps == "append":
            keys = [c.key for c in m.children if not c.none]
            return self.steps(m, name, [*keys, {"cat": ["input", *keys]}], spec)
        if steps == "branches":
            keys = [c.key for c in m.children if not c.none]
            return self.steps(m, name, [{"call": k, "from": "input"} for k in keys] + [{"cat": keys}], spec)
        if steps is None:
            raise _Unplaceable(m, spec.get("why", f"{m.cls}'s forward() is not modelled"))
        return self.steps(m, name, steps, spec)

    def leaf(self, m: Module, spec: dict, name: str | None) -> dict:
        values = m.values(self.origin)
        order = spec.get("args", ())
        given: dict[str, Any] = {}
        for k, v in values.items():
            key = order[k] if isinstance(k, int) and k < len(order) else k
            if isinstance(key, int):
                raise SpecError(f"{self.origin}: line {m.line}: {m.cls}: too many positional arguments")
            given[key] = v
        expand = spec.get("elements")
        if expand is not None:
            return self.expand(m, spec, name, given, expand)
        engine_type = spec.get("type")
        if engine_type is None:
            raise _Unplaceable(m, spec.get("why", f"{m.cls} has no counterpart in convcalc's layers"))
        item = {"type": engine_type}
        if name is not None:
            item["name"] = name
        rename = spec.get("rename", {})
        keep = spec.get("keep")
        for k, v in given.items():
            k = rename.get(k, k)
            if k in spec.get("drop", ()) or (keep is not None and k not in keep):
                continue
            item[k] = v
        item.update(spec.get("set", {}))
        if spec.get("context") == "permute":  # torchvision's Permute() does not print its dims
            item["dims"] = [0, 3, 1, 2] if self.layout_last else [0, 2, 3, 1]
        if engine_type in L.AvgPool.TYPES and "ceil_mode" not in given:
            context = next((c for c in V.AVGPOOL_CONTEXTS if m.parent is not None
                            and m.parent.cls == c["parent_class"]
                            and c.get("parent_key", m.parent.key) == m.parent.key
                            and (not c.get("first") or m.parent.children[0] is m)
                            and (not c.get("root_class") or _root(m).cls in c["root_class"])), None)
            if context is not None:
                item.update(context["set"])
            else:
                key = self.mark(item)
                self.avgpools[key] = m.cls
                self.notes.append((key, AVGPOOL_NOTE))
        self.layout(engine_type, item)
        return item

    def layout(self, engine_type: str, item: dict) -> None:
        if engine_type == "permute":
            self.layout_last = list(item.get("dims", ())) == [0, 2, 3, 1]

    def expand(self, m: Module, spec: dict, name: str | None, given: dict, template: Any) -> dict:
        """A leaf printed as one line but run as several ops (SelectAdaptivePool2d, LayerNorm2d, Conv2dSame)."""
        if m.cls == "SelectAdaptivePool2d" and str(given.get("pool_type", "")).startswith("fast"):
            # timm's fast pools flatten inside (flatten= prints Identity): as create_classifier builds them, when a
            # Linear follows, not before a 1x1 conv classifier
            later = m.parent.children[m.parent.children.index(m) + 1:] if m.parent is not None else []
            head = next((c for c in later if c.cls in ("Linear", "Conv2d")), None)
            if head is not None and head.cls == "Linear":
                given = {**given, "flatten": {"class": "Flatten"}}
        items = V.expand(m.cls, given, self)
        if isinstance(items, dict):
            if name is not None:
                items = {**items, "name": name}
            return items
        block = {"type": "sequential", "layers": items}
        if name is not None:
            block["name"] = name
        return block

    def same_pad(self, kernel, stride, dilation, value: float = 0.0) -> dict:
        """A TensorFlow-SAME padding node (patched in after the build)."""
        item = {"type": "identity", "name": "pad_same"}
        key = self.mark(item)
        self.samepad[key] = {"kernel": kernel, "stride": stride, "dilation": dilation, "value": value}
        return item

    def param(self, settings: dict, name: str) -> dict:
        item = {"type": "identity", "name": name}
        key = self.mark(item)
        self.hidden[key] = settings
        return item

    # -- lists ------------------------------------------------------------------------
    def sequence(self, m: Module, name: str | None, keys: list[str], spec: dict | None) -> dict:
        layers = []
        for key in keys:
            c = m.child(key)
            if c is None or c.none:
                continue
            # "(0)" is a position, not a name: the engine names an unnamed element by its index, as torch does
            layers.append(self.element(c, None if key == str(len(layers)) else key))
        block = {"type": "sequential", "layers": layers}  # an empty Sequential passes its input on
        if name is not None:
            block["name"] = name
        return block

    def dense(self, m: Module, name: str | None, spec: dict) -> dict:
        """DenseNet's block: each layer reads the concatenation of the input and every earlier output."""
        layers: list[dict] = []
        current = "input"
        for c in m.children:
            item = self.element(c, c.key)
            item["from"] = current
            layers.append(item)
            cat = f"cat_{c.key}"
            layers.append({"type": "concat", "name": cat, "from": [current, c.key]})
            current = cat
        block = {"type": "sequential", "layers": layers}
        if name is not None:
            block["name"] = name
        return block

    def steps(self, m: Module, name: str | None, steps: list, spec: dict) -> dict:
        state = _Steps(self, m)
        state.run(steps)
        for hidden in spec.get("hidden", ()):
            if hidden.get("placed") or hidden["name"] in state.placed_params:
                continue
            if "when" in hidden and not _condition(m, hidden["when"], self.origin):
                continue
            # a hidden parameter forward() uses off the main path: counted where the block ends
            p, b, unknown = _hidden_count(m, hidden, self.origin)
            state.emit(self.param({"mode": "none", "params": p, "buffers": b, "unknown": unknown,
                                   "label": hidden["name"]}, state.fresh(hidden["name"])))
        block = {"type": "sequential", "layers": state.layers}
        if name is not None:
            block["name"] = name
        return block

    # -- unknown forward ---------------------------------------------------------------
    def guess(self, m: Module, name: str | None) -> dict:
        """A class convcalc does not know, printed with children only: its children in order (a child named
        ``downsample``/``shortcut`` read as a residual add, a flatten before a Linear after spatial layers)."""
        if not m.container or not m.children:
            raise _Unplaceable(m, f"{m.cls} is not a class convcalc knows")
        children = [c for c in m.children if not c.none]
        shortcut = [c for c in children if c.key in V.SHORTCUT_NAMES]
        main = [c for c in children if c.key not in V.SHORTCUT_NAMES]
        layers: list[dict] = []
        flattened = []
        spatial = None
        for c in main:
            item = self.element(c, _key_name(c.key, len(layers)))
            if spatial and _first_type(item) == "linear":
                layers.append({"type": "flatten"})
                flattened.append(repr(c.key))
            layers.append(item)
            last = _first_type(item, reverse=True)
            if last is not None:
                spatial = last in V.SPATIAL_TYPES
        message = f"{m.cls}'s forward() is unknown: "
        residual = bool(shortcut) or m.cls in self.residual_classes
        block: dict
        if residual:  # its children but the shortcut, added to the shortcut (or the identity)
            branches = [layers] + ([[self.element(shortcut[0], shortcut[0].key)]] if shortcut else [])
            block = {"type": "add", "branches": branches}
            message += ("read as a residual block, its children in order added to "
                        + (f"'{shortcut[0].key}'" if shortcut else "the identity")
                        + " (torchvision's BasicBlock/Bottleneck convention)")
        else:
            block = {"type": "sequential", "layers": layers}
            message += "its children are assumed to run in order, a residual add would be missed"
        if flattened:
            message += (f"; a flatten is assumed before {', '.join(flattened)} (forward() usually calls "
                        "torch.flatten or x.view there)")
        if m.args:
            message += f"; its other printed lines are not read: {m.args[:80]}"
        if name is not None:
            block["name"] = name
        key = self.mark(block)
        self.guessed.append(key)
        self.notes.append((key, message))
        return block

    residual_classes: frozenset[str] = frozenset()  #: unknown classes printed with a shortcut child somewhere


def _op_step(type_: str, **args: Any) -> dict:
    return {"op": {"type": type_, **args}}


def _key_name(key: str, position: int) -> str | None:
    """A child's name: its key, unless that is just its position (``(0)``)."""
    return None if key == str(position) else key


def _fresh(base: str, taken: set[str], layers: list[dict]) -> str:
    used = taken | {i.get("name") for i in layers}
    name, k = base, 0
    while name in used:
        k += 1
        name = f"{base}_{k}"
    return name


def _first_type(item: dict, reverse: bool = False) -> str | None:
    """The first (or last) leaf type of an element that changes the shape."""
    items = item.get("layers")
    if items is None:
        t = item.get("type")
        return None if t in V.NEUTRAL_TYPES else t
    for child in (reversed(items) if reverse else items):
        t = _first_type(child, reverse)
        if t is not None:
            return t
    return None


def _condition(m: Module, cond: Any, origin: str) -> bool:
    """A forward's condition on the printed tree (see :data:`.vocabulary.CONDITIONS`)."""
    if isinstance(cond, dict):
        if "not" in cond:
            return not _condition(m, cond["not"], origin)
        if "all" in cond:
            return all(_condition(m, c, origin) for c in cond["all"])
        if "any" in cond:
            return any(_condition(m, c, origin) for c in cond["any"])
        if "equal" in cond:  # {"equal": [PATH, PATH]}: two values the printed tree shows, both there and equal
            a, b = (resolve(m, p, origin) for p in cond["equal"])
            return a is not None and a == b
        raise AssertionError(cond)
    kind, _, arg = cond.partition(":")
    if kind == "has":
        return m.present(arg)
    if kind == "class":  # class:child=Cls1|Cls2 (``stages.0.blocks.0.attn.qkv``: a path into the printed tree)
        key, _, classes = arg.partition("=")
        c: Module | None = m
        for part in key.split("."):
            c = c.child(part) if c is not None else None
        return c is not None and c.cls in classes.split("|")
    if kind == "same_io":  # in == out channels and no stride: the block keeps its input's shape
        return _keeps_shape(m, origin)
    if kind == "index_in":  # index_in:KEY: the block it is in (printed under a number) is listed in assume KEY
        node: Module | None = m
        while node is not None and not node.key.isdigit():
            node = node.parent
        listed = str(assumed(m, arg, origin) or "").replace(",", "/").split("/")
        return node is not None and node.key in [v.strip() for v in listed]
    if kind == "assume":  # assume:KEY (true, non-zero, non-empty) or assume:KEY=A|B (one of them)
        key, eq, choices = arg.partition("=")
        value = assumed(m, key, origin)
        if eq:
            return str(value) in choices.split("|")
        return bool(value) and value not in ("none", "")
    raise AssertionError(cond)


def _root(m: Module) -> Module:
    while m.parent is not None:
        m = m.parent
    return m


def _block_index(block: Module | None, m: Module) -> int:
    """The index ``block`` was built at, where a library's forward depends on it (Swin shifts the windows of odd
    blocks, HieraDet picks each block's window by it): its key, which must be its place among its siblings —
    a printed model numbers a Sequential's or ModuleList's blocks 0, 1, 2, … in order; a text that does not
    cannot say which block was built where, so it is refused (an error at ``m``, the module being read)."""
    parent = block.parent if block is not None else None
    if block is None or parent is None or not block.key.isdigit():
        raise _Unplaceable(m, f"{m.cls}: not in a block of a stage's ModuleList")
    i = int(block.key)
    if i >= len(parent.children) or parent.children[i] is not block:
        place = next(j for j, c in enumerate(parent.children) if c is block)
        raise _Unplaceable(m, f"{m.cls}: the blocks are not numbered 0, 1, 2, … in order (block {block.key} is "
                              f"block {place} of {len(parent.children)}), so which was built where is not known")
    return i


def assumed(m: Module, key: str, origin: str = "") -> Any:
    """A constructor argument of ``m``'s class that print(model) does not show: the user's (``--assume``), else the
    library's default from the vocabulary's ``assume``."""
    defaults = (entry(m) or {}).get("assume", {})
    default = defaults[key]
    given = (_root(m).assume or {}).get(key)
    if given is None:
        return default  # None: required (no library default), refused by checked_network until stated
    value = _assume_value(key, given, default, origin)
    if isinstance(value, list):  # one value per stage (``num_heads=3/6/12/24``)
        stages = _stages(m)
        if len(value) != len(stages):
            raise SpecError(f"--assume {key}={given}: {len(value)} values, but {m.cls} is in {len(stages)} stages",
                            hint=f"give one value for every stage, or one for all: {key}="
                                 + "/".join(["N"] * len(stages)))
        return value[next(i for i, group in enumerate(stages) if m in group)]
    return value


def _stages(m: Module) -> list[list[Module]]:
    """The modules of ``m``'s class grouped by stage: by the container their block is in (torchvision's
    ``features.1``, timm's ``layers.0.blocks``), in printed order."""
    groups: dict[str, list[Module]] = {}
    for x in _root(m).walk():
        if x.cls == m.cls:
            holder = x.parent.parent if x.parent is not None and x.parent.parent is not None else x.parent
            groups.setdefault(holder.path if holder is not None else "", []).append(x)
    return list(groups.values())


def _assume_value(key: str, text: Any, default: Any, origin: str) -> Any:
    if not isinstance(text, str):
        return text
    t = text.strip()
    if default is None:  # a size with no library default: one whole number, or one per stage (3/6/12/24)
        parts = t.split("/")
        if not all(v.isdigit() and 0 < int(v) < 1_000_000 for v in parts):
            raise SpecError(f"--assume {key}={text}: expected a whole number, or one per stage separated by / "
                            "(e.g. 3/6/12/24)")
        return int(parts[0]) if len(parts) == 1 else [int(v) for v in parts]
    if isinstance(default, bool):
        if t.lower() in ("true", "1", "yes", "on"):
            return True
        if t.lower() in ("false", "0", "no", "off"):
            return False
        raise SpecError(f"--assume {key}={text}: expected true or false")
    if isinstance(default, int):
        if not t.isdigit() or len(t) > 9:
            raise SpecError(f"--assume {key}={text}: expected a whole number from 0 to 999,999,999")
        return int(t)
    return t


def assume_note(m: Module, origin: str) -> str:
    """What reading ``m`` assumed: each of its class's unshown arguments, the library's default or the user's."""
    defaults = (entry(m) or {}).get("assume", {})
    given = _root(m).assume or {}

    def shown(key: str) -> str:
        if defaults[key] is None:  # as the user typed it (one value per stage)
            return f"{key}={given[key]}"
        value = assumed(m, key, origin)
        text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else value
        return f"{key}={text}"
    note = f"{m.cls}: print(model) does not show {', '.join(defaults)}"
    assumed_here = [shown(k) for k in defaults if k not in given and defaults[k] is not None]
    if assumed_here:
        note += f"; assumed (the library's defaults): {', '.join(assumed_here)}"
    if given.keys() & defaults.keys():
        note += f"; as given with --assume: {', '.join(shown(k) for k in defaults if k in given)}"
    if assumed_here:
        note += "; where the model was built otherwise, say so: --assume KEY=VALUE,… (e.g. --assume reg_tokens=4)"
    return note


def _leaves(m: Module):
    if not m.children:
        yield m
    for c in m.children:
        yield from _leaves(c)


def _convs(m: Module):
    """The convolutions under ``m`` in printed order; a MixedConv2d as one (its pieces' channels summed)."""
    if m.cls == "MixedConv2d":
        yield m
        return
    if not m.children and (V.CLASSES.get(m.cls) or {}).get("count") in ("conv", "scaledstdconv"):
        yield m
    for c in m.children:
        yield from _convs(c)


def _channels(conv: Module, which: str, origin: str):
    if conv.cls == "MixedConv2d":
        values = [argument(c, which, origin) for c in conv.children if not c.none]
        return sum(values) if all(isinstance(v, int) for v in values) else None
    return argument(conv, which, origin)


def _keeps_shape(m: Module, origin: str) -> bool:
    """A block whose first conv reads as many channels as its last conv writes, with every stride 1."""
    convs = list(_convs(m))
    if not convs:
        return False
    for c in convs:
        for leaf in (c.children if c.cls == "MixedConv2d" else [c]):
            s = argument(leaf, "stride", origin)
            if s is not None and any(v != 1 for v in (s if isinstance(s, list) else [s])):
                return False
    return _channels(convs[0], "in_channels", origin) == _channels(convs[-1], "out_channels", origin)


class _Steps:
    """Runs a vocabulary forward over a module's children, emitting elements."""

    def __init__(self, builder: _Builder, m: Module):
        self.b = builder
        self.m = m
        self.layers: list[dict] = []
        self.alias: dict[str, str] = {"input": "input", "@": "input"}
        self.current = "input"
        self.calls: dict[str, int] = {}
        self.placed_params: set[str] = set()

    def fresh(self, base: str) -> str:
        return _fresh(base, set(self.m.keys), self.layers)

    def ref(self, r: str) -> str:
        if r == "@":
            return self.current
        return self.alias.get(r, r)

    def emit(self, item: dict, reads: str | list[str] | None = None) -> str:
        reads = self.current if reads is None else reads
        previous = self.layers[-1]["name"] if self.layers else "input"
        if isinstance(reads, list) or reads != previous:
            item["from"] = reads
        self.layers.append(item)
        self.current = item["name"]
        return item["name"]

    def call(self, key: str, reads: str | None = None, alias: str | None = None, optional: bool = False,
             folded: bool = False) -> None:
        """Call child ``key`` (``convs.0``: a member of a ModuleList child, named ``convs_0``: a node name has no
        dots); ``folded``: a leaf run on a tensor whose first dim is folded into torch's batch (see
        :func:`_folded_class`)."""
        *path, last = key.split(".")
        parent = self.m
        for part in path:  # stages.0.downsample: each step a child (a dotted key is no child's name)
            parent = parent.child(part) if parent is not None else None
        c = parent.child(last) if parent is not None else None
        if c is None or c.none or (optional and not parent.present(last)):
            if optional:
                if alias:
                    self.alias[alias] = self.ref(reads) if reads else self.current
                return
            raise _Unplaceable(self.m, f"{self.m.cls}'s forward calls {key}, which is not printed")
        n = self.calls.get(key, 0)
        self.calls[key] = n + 1
        source = self.ref(reads) if reads else self.current
        own = key.replace(".", "_")
        if n == 0:
            # its node id: this module's, then the name it is called by (``convs_0``), not always its torch path
            mine = self.b.node_ids.get(id(self.m), self.m.path)
            self.b.node_ids[id(c)] = f"{mine}.{own}" if mine else own
            item = self.b.element(c, own)
            if folded:
                if (entry(c) or {}).get("kind") != "leaf" or item.get("type") in (None, "sequential"):
                    raise _Unplaceable(self.m, f"{self.m.cls}'s forward runs {key} on a folded batch: read for a "
                                               "one-line module only")
                self.b.folded.add(self.b.mark(item))
            name = self.emit(item, source)
        else:
            name = self.emit({"share": own, "name": self.fresh(f"{own}_{n}")}, source)
        if alias:
            self.alias[alias] = name

    def run(self, steps: list) -> None:
        for step in steps:
            if isinstance(step, str):
                optional = step.endswith("?")
                self.call(step.rstrip("?"), optional=optional)
            elif "call" in step:
                self.call(step["call"], step.get("from"), step.get("as"), step.get("optional", False),
                          step.get("folded", False))
            elif "op" in step:
                op = {k: self.resolved(v) for k, v in step["op"].items()}
                reads = op.pop("from", None)
                base = op.pop("name", None) or op["type"]
                op = {"type": op.pop("type"), "name": self.fresh(base), **op}
                self.b.layout(op["type"], op)
                if any(step.get(k) is not None for k in ("multiple_of", "tokens_square_of", "size_of")):
                    self.grid(op, step)
                if isinstance(reads, list):
                    self.emit(op, [self.ref(r) for r in reads])
                else:
                    self.emit(op, self.ref(reads) if reads else None)
                if step.get("as"):
                    self.alias[step["as"]] = self.current
            elif any(k in step for k in ("add", "mul", "cat")):
                kind = next(k for k in ("add", "mul", "cat") if k in step)
                refs = [self.ref(r) for r in step[kind]]
                refs = [r for i, r in enumerate(refs) if r not in refs[:i]] if kind != "cat" else refs
                if len(refs) == 1:
                    self.current = refs[0]
                    continue
                item = {"type": "concat" if kind == "cat" else kind, "name": self.fresh(step.get("name", kind))}
                if "dim" in step:
                    item["dim"] = step["dim"]
                self.emit(item, refs)
                if step.get("as"):
                    self.alias[step["as"]] = self.current
            elif "set" in step and step["set"] == "@":  # go on from a named tensor
                self.current = self.ref(step["to"])
            elif "set" in step:
                self.alias[step["set"]] = self.ref(step.get("to", "@"))
            elif "windows" in step:
                self.window_op(step)
            elif "reshape_as" in step:  # x.reshape_as(like): like's shape, as many elements
                item = {"type": "pad", "name": self.fresh(step.get("name", "reshape_as"))}
                self.b.reshapes[self.b.mark(item)] = step.get("trailing", 0)
                self.emit(item, [self.current, self.ref(step["reshape_as"])])
                if step.get("as"):
                    self.alias[step["as"]] = self.current
            elif "uses" in step:  # tensors forward() reads off the graph's path (attention's q and k)
                for name in step["uses"]:
                    if name in self.alias:
                        mine = self.b.node_ids.get(id(self.m), self.m.path)
                        node = f"{mine}.{self.alias[name]}" if mine else self.alias[name]
                        self.b.ignores.append(f"unused-node@{node}")
            elif "if" in step:
                branch = step["then"] if _condition(self.m, step["if"], self.b.origin) else step.get("else", [])
                self.run(branch)
            elif "param" in step:
                self.hidden_param(step)
            elif "aux" in step:
                self.auxiliary(step["aux"])
            elif "children" in step:
                used = set(self.calls)
                for c in self.m.children:
                    if c.key not in used and not c.none and c.key not in step.get("except", ()):
                        self.call(c.key)
            elif "self" in step:
                self.own(step["self"])
            elif "in_proj" in step:
                self.in_projection()
            elif "unsupported" in step:
                raise _Unplaceable(self.m, step["unsupported"])
            else:
                raise AssertionError(step)  # pragma: no cover - the vocabulary test runs every forward

    def resolved(self, value: Any) -> Any:
        """An op's argument: ``{"resolve": "q_norm.normalized_shape.0"}`` read from the printed tree."""
        if isinstance(value, list):
            return [self.resolved(v) for v in value]
        if isinstance(value, dict) and "resolve" in value:
            found = resolve(self.m, value["resolve"], self.b.origin)
            if not isinstance(found, int) or isinstance(found, bool):
                raise _Unplaceable(self.m, f"{self.m.cls}: {value['resolve']} is not printed")
            return found
        if isinstance(value, dict) and "assume" in value:  # a constructor argument not printed (``assume``)
            found = assumed(self.m, value["assume"], self.b.origin)
            if not isinstance(found, int) or isinstance(found, bool) or found < 1:
                raise _Unplaceable(self.m, f"{self.m.cls}: {value['assume']} is not known (--assume "
                                           f"{value['assume']}=…)")
            return found
        return value

    def grid(self, op: dict, step: dict) -> None:
        """A check that the tensor's spatial dims divide by ``multiple_of`` (a number, a path, or ``assume:KEY``):
        where they do not, the class resizes the input in a way convcalc does not model (shapes unknown)."""
        spec = step.get("multiple_of", step.get("tokens_square_of", step.get("size_of")))
        value: Any = 1
        for part in (spec if isinstance(spec, list) else [spec]):  # a list: the product (patch × pool cell)
            if isinstance(part, str) and part.startswith("assume:"):
                v = assumed(self.m, part.partition(":")[2], self.b.origin)
            else:
                v = resolve(self.m, part, self.b.origin)
            value = value * v if isinstance(v, int) and not isinstance(v, bool) else None
            if value is None:
                break
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _Unplaceable(self.m, f"{self.m.cls}: {spec} is not known")
        square = "tokens_square_of" in step  # exactly value² tokens (a table sized by a resolution)
        size = value if "size_of" in step else 0  # exactly value x value (a model built for one image size)
        # ``"prefix": COND``: one more token (a class token) where COND holds
        extra = 1 if square and step.get("prefix") and _condition(self.m, step["prefix"], self.b.origin) else 0
        self.b.grids[self.b.mark(op)] = {"multiple": 1 if square or size else value, "size": size,
                                         "tokens": value * value + extra if square else 0,
                                         "why": f"{self.m.cls}: {step.get('why', '')}",
                                         "channels_last": bool(step.get("channels_last"))}

    def window_op(self, step: dict) -> None:
        """Swin's window steps (:class:`Windows`): ``pad`` to a multiple of the window (``{"assume": KEY}``, or a
        number), ``crop`` back to the size of ``like``, ``merge`` 2 × 2 patches, ``table`` (a fixed
        (2w − 1) × (2w − 1) × 2 tensor of relative coordinates, read by Swin-V2's cpb_mlp)."""
        mode = step["windows"]
        window = step.get("window", 1)
        if isinstance(window, dict) and "resolve" in window:  # printed by the module itself (TinyVitBlock)
            window = resolve(self.m, window["resolve"], self.b.origin)
        elif isinstance(window, dict):
            window = assumed(self.m, window["assume"], self.b.origin)
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            raise _Unplaceable(self.m, f"{self.m.cls}: its window size is not known (--assume window_size=…)")
        item = {"type": "pad" if mode == "crop" else "identity", "name": self.fresh(step.get("name", f"window_{mode}"))}
        settings: dict[str, Any] = {"mode": mode, "window": window}
        if step.get("timm") in ("v2", "cr"):  # timm's Swin V2 (and V2-Cr): coordinate tables, index, mask
            index = _block_index(self.m.parent, self.m)
            settings.update(clamp=not assumed(self.m, "always_partition", self.b.origin), coords=step["timm"],
                            mask=mode == "pad" and bool(index % 2)
                            and assumed(self.m, "strict_img_size", self.b.origin))
        elif step.get("timm") == "offsets":  # timm EfficientViT (MSRA): heads × window² biases, a window⁴ index
            heads = step.get("heads")
            if not isinstance(heads, int) or isinstance(heads, bool) or heads < 1:
                raise _Unplaceable(self.m, f"{self.m.cls}: its heads are not printed")
            settings.update(clamp=True, heads=heads, coords="offsets")
        elif step.get("timm"):  # timm's Swin: the window fitted to the feature map, its tables and mask held here
            heads = assumed(self.m, "num_heads", self.b.origin)
            if not isinstance(heads, int):
                raise _Unplaceable(self.m, f"{self.m.cls}: its heads are not known (--assume num_heads=…)")
            index = _block_index(self.m.parent, self.m)
            settings.update(clamp=not assumed(self.m, "always_partition", self.b.origin), heads=heads,
                            mask=bool(index % 2) and assumed(self.m, "strict_img_size", self.b.origin))
        self.b.windows[self.b.mark(item)] = settings
        reads = self.ref(step["from"]) if step.get("from") else None
        self.emit(item, [self.current, self.ref(step["like"])] if mode == "crop" else reads)
        if step.get("as"):
            self.alias[step["as"]] = self.current

    def hidden_param(self, step: dict) -> None:
        hidden = next((h for h in (entry(self.m) or {}).get("hidden", ()) if h["name"] == step["param"]), None)
        if hidden is not None and "when" in hidden and not _condition(self.m, hidden["when"], self.b.origin):
            return
        tokens = step.get("tokens", 0)
        if isinstance(tokens, str):  # "assume:reg_tokens"
            tokens = assumed(self.m, tokens.partition(":")[2], self.b.origin)
        settings = {"mode": step.get("mode", "mul"), "label": step["param"], "tokens": tokens}
        if hidden is not None and hidden.get("count") is not None:
            p, b, unknown = _hidden_count(self.m, hidden, self.b.origin)
            settings.update(params=p, buffers=b, unknown=unknown)
        elif hidden is not None and hidden.get("per_row") is not None:  # a buffer: so many elements a row (token)
            n = _factors(self.m, hidden["per_row"], self.b.origin)
            if n is None:
                raise _Unplaceable(self.m, f"{self.m.cls}: the size of {hidden['name']} is not known")
            settings.update(params=0, buffers=0, unknown=False, buffers_per_channel=n)
        else:
            settings.update(params=None, buffers=0, unknown=False, per=(hidden or {}).get("per"))
        if step.get("type"):  # the row's type (timm's RmsNorm: a weight per feature, shown as rmsnorm)
            settings["type"] = step["type"]
        # ``per: "relpos"``: BEiT's relative position tables, sized by the grid; ``per: "attention_bias"``: LeViT's
        # attention biases (``heads``, ``stride``, ``grid``)
        for key in ("heads", "copies", "stride", "grid", "width"):
            if key in step:
                settings[key] = step[key]
        if "per" in step:  # a pattern's own (torchrepr.PATTERNS): ``per: "axes"`` with its ``width``
            settings.update(params=None, per=step["per"])
        if "params" in step:  # a size a pattern computed from the printed tree and its assumptions
            settings.update(params=step["params"], buffers=step.get("buffers", 0), unknown=False)
        self.placed_params.add(step["param"])
        item = self.b.param(settings, self.fresh(step["param"]))
        source = self.current
        self.emit(item, source)
        if settings["mode"] in ("add", "mul"):  # shape-neutral: the node itself is x + p / x * p
            pass

    def own(self, engine_type: str) -> None:
        """The module's own layer, from its own printed arguments (timm's BatchNormAct2d: the BatchNorm)."""
        spec = V.CLASSES[self.m.cls]
        order = spec.get("args", ())
        given = {(order[k] if isinstance(k, int) and k < len(order) else k): v
                 for k, v in self.m.values(self.b.origin).items()}
        if engine_type == "layernorm2d":
            norm = {k: v for k, v in given.items() if k in ("normalized_shape", "eps", "elementwise_affine", "bias")}
            self.emit({"type": "permute", "name": self.fresh("to_channels_last"), "dims": [0, 2, 3, 1]})
            self.emit({"type": "layernorm", "name": self.fresh("norm"), **norm})
            self.emit({"type": "permute", "name": self.fresh("to_channels_first"), "dims": [0, 3, 1, 2]})
            return
        keep = {"batchnorm2d": ("num_features", "eps", "momentum", "affine", "track_running_stats", "bias"),
                "groupnorm": ("num_groups", "num_channels", "eps", "affine", "bias"),
                "layernorm": ("normalized_shape", "eps", "elementwise_affine", "bias"),
                "identity": ()}[engine_type]
        item = {"type": engine_type, "name": self.fresh(engine_type if engine_type != "batchnorm2d" else "bn"),
                **{k: v for k, v in given.items() if k in keep}}
        if engine_type == "identity":
            item = self.b.param({"mode": "none", "params": 0, "label": "running_stats",
                                 "buffers": _hidden_count(self.m, spec["hidden"][0], self.b.origin)[1]},
                                self.fresh("frozen_bn"))
        self.emit(item)

    def in_projection(self) -> None:
        """MultiheadAttention: the packed in-projection (3·E × E, and 3·E biases when out_proj has a bias), then
        the attention itself, which keeps the query's shape (shown as taking V: no weights, no MACs), then
        out_proj. torch runs both projections with F.linear inside."""
        e = resolve(self.m, "out_proj.in_features", self.b.origin)
        bias = resolve(self.m, "out_proj.bias", self.b.origin)
        if not isinstance(e, int):
            raise _Unplaceable(self.m, "MultiheadAttention without a printed out_proj")
        self.emit({"type": "linear", "name": self.fresh("in_proj"), "in_features": e, "out_features": 3 * e,
                   "bias": bias is not False})
        self.emit({"type": "chunk", "name": self.fresh("qkv"), "chunks": 3, "dim": -1})
        self.emit({"type": "identity", "name": self.fresh("attention")}, f"{self.current}[2]")
        self.call("out_proj")

    def auxiliary(self, key: str) -> None:
        if not self.m.present(key):
            return
        c = self.m.child(key)
        item = self.b.element(c, key)
        if item.get("type") != "sequential":
            item = {"type": "sequential", "name": key, "layers": [{k: v for k, v in item.items() if k != "name"}]}
        item["type"] = "auxiliary"
        self.b.aux.append(key)
        self.layers.append(item)  # reads the current tensor; the main path goes on unchanged
        self.calls[key] = 1


# ----------------------------------------------------------------------------
# Stop-gap layers patched into the built network
# ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class HiddenParameter(L.Layer):
    """A parameter no line of print(model) shows, used by forward(): ``mul`` (a layer scale: x · γ),
    ``add`` (a position embedding: x + P), ``cat`` (``tokens`` learned tokens put before the sequence),
    ``none`` (held, not on the main path). ``params`` None: the size of the tensor it meets."""

    TYPES: ClassVar = {}
    mode: str = "mul"
    params: int | None = None
    buffers: int = 0
    tokens: int = 0
    label: str = ""
    per: str | None = None  #: "channel": one parameter per channel of the tensor it meets (when ``params`` is None)
    buffers_per_channel: int = 0  #: buffer elements per channel of the tensor it meets (BlurPool2d's filter)
    #: ``per="relpos"`` on a (C, H, W) patch grid: ``copies`` BEiT relative position tables of ((2H − 1)(2W − 1) + 3)
    #: × ``heads`` parameters, each with its (H·W + 1)² index (a buffer)
    heads: int = 0
    copies: int = 1
    #: ``per="attention_bias"`` on a grid of tokens (``grid``: "last" an H x W x C tensor, "first" C x H x W): LeViT's
    #: attention biases, ``heads`` x the grid's H·W parameters, and their index, (H·W) x the queries' positions
    #: (the grid subsampled by ``stride``: ⌈H/s⌉·⌈W/s⌉) buffers
    stride: int = 1
    grid: str = ""
    #: ``per="axes"`` on a (C, H, W) map: a relative position embedding per axis (timm's BottleneckAttn PosEmbedRel:
    #: height_rel (2H − 1) × ``width`` and width_rel (2W − 1) × ``width`` parameters); ``per="window_bias"``: a
    #: relative position bias table over the whole map ((2H − 1)(2W − 1) × ``heads`` parameters) and its index
    #: ((H·W)² buffers; ``grid`` "last": an H x W x C map)
    width: int = 0

    def apply(self, x: L.Shape, convention: str = "torch") -> L.Effect:
        if self.per == "axes":
            if len(x) != 3:
                raise self.fail(f"expects a C x H x W map, got {L.dims(x)}")
            return L.Effect(output_shape=x, extra_params=((2 * x[1] - 1) + (2 * x[2] - 1)) * self.width)
        if self.per == "window_bias":  # timm's RelPosBias over the whole map it meets (CoAtNet's TransformerBlock2d)
            if len(x) != 3:
                raise self.fail(f"expects a C x H x W map, got {L.dims(x)}")
            h, w = x[:2] if self.grid == "last" else x[1:]
            return L.Effect(output_shape=x, extra_params=(2 * h - 1) * (2 * w - 1) * self.heads,
                            buffers=(h * w) ** 2)
        if self.per == "attention_bias":
            if len(x) != 3:
                raise self.fail(f"expects a grid of tokens (H x W x C or C x H x W), got {L.dims(x)}")
            h, w = x[:2] if self.grid == "last" else x[1:]
            queries = -(-h // self.stride) * -(-w // self.stride)
            return L.Effect(output_shape=x, extra_params=self.heads * h * w, buffers=queries * h * w)
        if self.mode == "cat":
            if len(x) != 2:
                raise self.fail(f"expects a tokens x features input, got {L.dims(x)}")
            out = (x[0] + self.tokens, x[1])
            n = self.tokens * x[1] if self.params is None else self.params
            return L.Effect(output_shape=out, extra_params=n, buffers=self.buffers, receptive=L.UNKNOWN)
        if self.per == "relpos":
            if len(x) != 3:
                raise self.fail(f"expects a C x H x W patch grid, got {L.dims(x)}")
            h, w = x[1], x[2]
            return L.Effect(output_shape=x, extra_params=self.copies * self.heads * ((2 * h - 1) * (2 * w - 1) + 3),
                            buffers=self.copies * (h * w + 1) ** 2)
        if self.params is not None:
            n = self.params
        else:
            n = x[0] if self.per == "channel" else x[-1] if self.per == "last" else math.prod(x)
        return L.Effect(output_shape=x, extra_params=n, buffers=self.buffers + self.buffers_per_channel * x[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class TfSamePad(L.Layer):
    """TensorFlow's SAME padding that timm's ``Conv2dSame``/``MaxPool2dSame``/``StdConv2dSame`` compute from the
    input before a convolution or pool with no padding: ``pad = max((ceil(i/s) − 1)·s + (k − 1)·d + 1 − i, 0)``,
    ``pad // 2`` before and the rest after."""

    TYPES: ClassVar = {}
    kernel: tuple[int, ...] = (1,)
    stride: tuple[int, ...] = (1,)
    dilation: tuple[int, ...] = (1,)

    def apply(self, x: L.Shape, convention: str = "torch") -> L.Effect:
        spatial = x[1:]
        n = len(spatial)
        k, s, d = (_per_dim(v, n) for v in (self.kernel, self.stride, self.dilation))
        pairs = [S.tf_same_padding(i, kk, ss, dd) for i, kk, ss, dd in zip(spatial, k, s, d)]
        out = (x[0], *(i + a + b for i, (a, b) in zip(spatial, pairs)))
        return L.Effect(output_shape=out, receptive=L.Window((1,) * n, (1,) * n, tuple(a for a, _ in pairs),
                                                             (1,) * n))


@dataclass(frozen=True, slots=True, kw_only=True)
class PatchGrid(L.Layer):
    """The identity where the spatial dims divide by ``multiple`` (a patch size); elsewhere the class resizes its
    input (timm's MobileViT interpolates), which convcalc does not model: shapes unknown, never a guess."""

    TYPES: ClassVar = {}
    multiple: int = 1
    why: str = ""
    tokens: int = 0  #: a tokens x features input of exactly this many tokens (0: any)
    size: int = 0  #: a C x size x size input exactly (0: any)
    channels_last: bool = False  #: an H x W x C input: the spatial dims are the leading ones

    def apply(self, x: L.Shape, convention: str = "torch") -> L.Effect:
        if self.size and (len(x) != 3 or x[1:] != (self.size, self.size)):
            raise ShapesUnknown(f"{self.why} ({L.dims(x)}: not {self.size} x {self.size})", path=self.path or None,
                                cls=self.why.split(":", 1)[0] or None,
                                hint="pass the input size the model was built for (or state it with --assume), or "
                                     "write the spec by hand")
        if self.tokens and (len(x) != 2 or x[0] != self.tokens):
            raise ShapesUnknown(f"{self.why} ({L.dims(x)}: not {self.tokens} tokens)", path=self.path or None,
                                cls=self.why.split(":", 1)[0] or None,
                                hint="pass the input size the model was built for, or write the spec by hand")
        if any(v % self.multiple for v in (x[:-1] if self.channels_last else x[1:])):
            raise ShapesUnknown(f"{self.why} ({L.dims(x)} is not a multiple of {self.multiple})",
                                path=self.path or None, cls=self.why.split(":", 1)[0] or None,
                                hint="pass an input whose size divides evenly, or write the spec by hand")
        return L.Effect(output_shape=x)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReshapeAs(L.Layer):
    """``x.reshape_as(like)``: the shape of a second tensor, with as many elements (timm LeViT's LinearNorm puts its
    BatchNorm1d's rows back in the tokens' shape; PiT puts its tokens back on their H x W grid)."""

    TYPES: ClassVar = {}
    REFERENCE: ClassVar = True
    #: ``x.reshape(B, -1, *like.shape[-k:])``: only like's last k dims, the first one inferred (timm EfficientViM's
    #: HSMSSD puts its Conv1d's rows back on the H x W map)
    trailing: int = 0

    def apply(self, x: L.Shape, convention: str = "torch") -> L.Effect:
        raise self.fail("reshape_as reads two tensors: the one to reshape and the one whose shape it takes")

    def apply_many(self, xs: list[L.Shape], names: list[str], convention: str = "torch") -> L.Effect:
        x, like = xs
        if self.trailing and len(like) >= self.trailing:
            tail = tuple(like[-self.trailing:])
            if not math.prod(tail) or math.prod(x) % math.prod(tail):
                raise self.fail(f"cannot reshape {L.dims(x)} to -1 x {L.dims(tail)}")
            like = (math.prod(x) // math.prod(tail), *tail)
        if math.prod(x) != math.prod(like):
            raise self.fail(f"cannot reshape {L.dims(x)} as {names[1]}'s {L.dims(like)}: "
                            f"{math.prod(x):,} elements against {math.prod(like):,}")
        return L.Effect(output_shape=tuple(like), receptive=L.UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class Windows(L.Layer):
    """Swin's windows on a channels-last (H, W, C) tensor: ``pad`` H and W up to multiples of ``window`` (torchvision
    pads before the attention, so qkv and proj run on the padded tokens), ``crop`` back to a second tensor's H and
    W, ``merge`` 2 × 2 neighbours into 4·C channels (PatchMerging: an odd H or W padded by one), ``table`` a
    (2·window − 1) × (2·window − 1) × 2 tensor of relative coordinates whatever the input (Swin-V2's cpb_mlp
    reads it)."""

    TYPES: ClassVar = {}
    REFERENCE: ClassVar = True
    mode: str = "pad"
    window: int = 1
    #: timm's Swin (``pad``): the window is cut to the feature map where it is smaller (``clamp``: timm's default,
    #: always_partition=False), and the module holds the relative position bias table ((2·wh − 1)(2·ww − 1) ×
    #: ``heads`` parameters), its index ((wh·ww)² buffers) and, in a shifted block (``mask``), the attention mask
    #: (windows × (wh·ww)² buffers) where the map is larger than the window
    clamp: bool = False
    heads: int = 0
    mask: bool = False
    #: timm's Swin V2 (``pad``, ``"v2"``): no bias table parameters; the (2·wh − 1)(2·ww − 1) × 2 coordinate table
    #: and the index (buffers); ``table`` with ``clamp``: the window cut to the feature map it reads. ``"cr"`` (timm's
    #: SwinTransformerV2Cr): ``table`` the (wh·ww)² × 2 log-spaced pairwise coordinates, the buffer ``pad`` counts.
    #: ``"offsets"`` (``pad``, timm's EfficientViT MSRA): ``heads`` × wh·ww attention biases, their (wh·ww)² index
    coords: str = ""

    def apply(self, x: L.Shape, convention: str = "torch") -> L.Effect:
        if self.mode == "table":
            kh = kw = self.window
            if self.clamp:
                if len(x) != 3:
                    raise self.fail(f"expects a channels-last H x W x C input, got {L.dims(x)}")
                kh, kw = min(self.window, x[0]), min(self.window, x[1])
            if self.coords == "cr":
                return L.Effect(output_shape=((kh * kw) ** 2, 2), receptive=L.UNKNOWN)
            return L.Effect(output_shape=(2 * kh - 1, 2 * kw - 1, 2), receptive=L.UNKNOWN)
        if len(x) != 3:
            raise self.fail(f"expects a channels-last H x W x C input, got {L.dims(x)}")
        h, w, c = x
        if self.mode == "merge":
            return L.Effect(output_shape=(-(-h // 2), -(-w // 2), 4 * c), receptive=L.UNKNOWN)
        kh = min(self.window, h) if self.clamp else self.window
        kw = min(self.window, w) if self.clamp else self.window
        out = (-(-h // kh) * kh, -(-w // kw) * kw, c)
        params = (self.heads * kh * kw if self.coords == "offsets" else 0 if self.coords
                  else (2 * kh - 1) * (2 * kw - 1) * self.heads)
        n = kh * kw
        buffers = (n * n * 2 if self.coords == "cr" else n * n if self.coords == "offsets"
                   else n * n + (2 * kh - 1) * (2 * kw - 1) * 2 if self.coords else n * n if self.heads else 0)
        if self.mask and (h > kh or w > kw or not self.clamp):
            buffers += (out[0] // kh) * (out[1] // kw) * n * n
        return L.Effect(output_shape=out, extra_params=params, buffers=buffers)

    def apply_many(self, xs: list[L.Shape], names: list[str], convention: str = "torch") -> L.Effect:
        x, like = xs
        if self.mode != "crop" or len(x) != 3 or len(like) != 3 or x[0] < like[0] or x[1] < like[1]:
            raise self.fail(f"cannot crop {L.dims(x)} to the size of {L.dims(like)}")
        return L.Effect(output_shape=(like[0], like[1], x[2]))


def _per_dim(v, n: int) -> tuple[int, ...]:
    v = tuple(v) if isinstance(v, (list, tuple)) else (v,)
    return v * n if len(v) == 1 else v


class ShapesUnknown(Refused):
    """The forward pass could not be followed (exit 2): parameters are known, shapes are not. ``reading`` and
    ``where`` (path, class, why) let ``params`` report the counts module by module."""

    reading: Reading | None = None
    where: tuple[str, str, str] | None = None


def _guarded_class(base: type) -> type:
    """A subclass of ``base`` whose NetworkError becomes :class:`ShapesUnknown` (the node's shapes rest on a
    forward() convcalc guessed)."""

    def apply(self, x, convention="torch"):
        try:
            return base.apply(self, x, convention)
        except NetworkError as exc:
            raise _guess_failed(self, exc) from None

    def apply_many(self, xs, names, convention="torch"):
        try:
            return base.apply_many(self, xs, names, convention)
        except NetworkError as exc:
            raise _guess_failed(self, exc) from None

    namespace = {"apply": apply, "__module__": __name__, "__qualname__": f"Guarded{base.__name__}",
                 "GUESS": ""}
    if hasattr(base, "apply_many"):
        namespace["apply_many"] = apply_many
    return type(f"Guarded{base.__name__}", (base,), namespace)


_GUARDED: dict[type, type] = {}


def _folded_class(base: type) -> type:
    """A subclass of ``base`` run on a tensor whose first dim is folded into torch's batch (``B·N`` samples, timm
    TNT's patches, each an image of its own): ``base`` on each of the N (the rest of the shape), the output with the
    N first; its MACs and connections N times, its parameters once."""

    def apply(self, x, convention="torch"):
        if len(x) < 2:
            raise self.fail(f"runs on a folded batch (N x its input), got {L.dims(x)}")
        effect = base.apply(self, tuple(x[1:]), convention)
        return dataclasses.replace(effect, output_shape=(x[0], *effect.output_shape), macs=effect.macs * x[0],
                                   connections=effect.connections * x[0], fc_params=None, receptive=L.UNKNOWN,
                                   outputs=None)

    return type(f"Folded{base.__name__}", (base,), {"apply": apply, "__module__": __name__,
                                                    "__qualname__": f"Folded{base.__name__}"})


_FOLDED: dict[type, type] = {}
_GUESSES: dict[int, str] = {}  #: id(layer) → the note on the guess it rests on
_READINGS: dict[int, "Reading"] = {}  #: id(guarded layer) → the reading it came from (its counts, for `params`)


def _guess_failed(layer: L.Layer, exc: NetworkError) -> ShapesUnknown:
    guesses = _GUESSES.get(id(layer)) or ["a forward() convcalc guessed"]
    classes = [g.split("'", 1)[0] for g in guesses]
    why = (f"{' and '.join(c + chr(39) + 's' for c in classes)} forward(), which convcalc guessed"
           if all(g.endswith("which convcalc guessed") for g in guesses) else guesses[0])
    reading = _READINGS.get(id(layer))
    counts = reading.counts if reading else None
    if counts is not None and not (counts.lower_bound or counts.unknown or counts.shared):
        hint = "torch runs this network; convcalc cannot follow its forward() (the parameters are still counted: " \
               "convcalc params)"
    else:  # `params` refuses too: say what is known, not that it lists them
        hint = (f"torch runs this network; convcalc cannot follow its forward(), and its parameters are not all "
                f"known: at least {counts.params:,}, and {', '.join(sorted(counts.unknown))} "
                f"may hold more that print(model) does not show" if counts is not None and counts.unknown else
                "torch runs this network; convcalc cannot follow its forward()")
    failed = ShapesUnknown(f"shapes unknown from here: they rest on {why}, and the guess does not fit: {exc.message}",
                           path=layer.path or None, cls=classes[0], counts=counts, hint=hint)
    failed.reading = reading
    failed.where = (layer.path or classes[0], classes[0], f"{why}, and the guess does not fit: {exc.message}")
    return failed


class _AvgPoolCeilUnknown(L.AvgPool):
    """AvgPool whose ceil_mode print(model) does not show: exact where ceil_mode does not matter."""

    def apply(self, x, convention="torch"):
        effect = L.AvgPool.apply(self, x, convention)
        other = dataclasses.replace(self, ceil_mode=not self.ceil_mode)
        try:
            alt = L.AvgPool.apply(other, x, convention)
        except NetworkError:
            return effect
        if alt.output_shape != effect.output_shape:
            raise ShapesUnknown(
                f"{self.label}: print(model) does not show AvgPool's ceil_mode, and here it matters "
                f"({L.dims(x)} → {L.dims(effect.output_shape)} without, {L.dims(alt.output_shape)} with it)",
                path=self.path or None, hint="pass an input whose size divides evenly, or write the spec by hand")
        return effect


# ----------------------------------------------------------------------------
# Putting it together
# ----------------------------------------------------------------------------
@dataclass
class Reading:
    """What print(model) says: the counts, and the graph where the forward can be followed."""

    name: str | None
    root: Module
    counts: Counts
    build: Build | None
    unplaced: tuple[str, str, str] | None  #: (module path, class, why) of the first module not placed
    notes: Notes


def read(text: str, origin: str = "<repr>", assume: dict[str, str] | None = None) -> Reading:
    """Parse, count and build (see the module docstring). Raises :class:`SpecError`/:class:`Refused` for text
    that cannot be read or a class whose parameters cannot be counted. ``assume``: constructor arguments the
    printed text does not show (``{"reg_tokens": "4"}``), for the classes whose vocabulary entry lists them."""
    root = parse(text, origin)
    if assume:
        root.assume = dict(assume)
        readers = {k for m in root.walk() for k in (entry(m) or {}).get("assume", {})}
        for key in root.assume:
            if key not in readers:
                raise SpecError(f"--assume {key}: no class of this model reads it",
                                hint=("the classes here read: " + ", ".join(sorted(readers))) if readers else
                                "--assume states constructor arguments print(model) does not show (timm's "
                                "VisionTransformer: class_token, reg_tokens, no_embed_class, pos_embed, global_pool)")
    counts = count(root, origin)
    builder = _Builder(origin)
    builder.residual_classes = frozenset(m.cls for m in root.walk() if entry(m) is None
                                         and any(c.key in V.SHORTCUT_NAMES for c in m.children))
    unplaced = None
    data = None
    try:
        spec = entry(root)
        if spec is None and root.container and root.cls not in V.CONTAINERS:
            element = builder.guess(root, None)
        else:
            element = builder.element(root, None)
        layers = element["layers"] if element.get("type") == "sequential" else [element]
        data = {"name": root.cls if root.children and root.cls not in V.CONTAINERS else None, "layers": layers}
        if not builder.guessed:  # torch applies a Linear to the last dim of tokens × features: as the model does
            builder.ignores.append("not-flat")
        if builder.ignores:
            data["ignore"] = builder.ignores
    except _Unplaceable as exc:
        unplaced = (exc.module.path or exc.module.cls, exc.module.cls, exc.why)
    build = None
    if data is not None:
        build = Build(data=data, notes=builder.notes, hidden=builder.hidden, samepad=builder.samepad,
                      guessed_from=builder.guessed[0] if builder.guessed else None, aux=builder.aux)
        build.avgpools = builder.avgpools  # type: ignore[attr-defined]
        build.windows = builder.windows  # type: ignore[attr-defined]
        build.grids = builder.grids  # type: ignore[attr-defined]
        build.reshapes = builder.reshapes  # type: ignore[attr-defined]
        build.folded = builder.folded  # type: ignore[attr-defined]
        build.guessed = builder.guessed  # type: ignore[attr-defined]
    notes = list(builder.notes)
    return Reading(name=root.cls, root=root, counts=counts, build=build, unplaced=unplaced, notes=notes)


def network(reading: Reading, origin: str = "<repr>", input_shape: L.Shape | None = None, aux: bool = False):
    """The engine's Network for a reading whose forward could be followed, with the stop-gap layers patched in."""
    from ..build import from_data
    from ..graph import Network  # noqa: F401

    build = reading.build
    assert build is not None
    data, markers, _ = _strip(copy.deepcopy(build.data))
    net = from_data(data, origin=origin, input_shape=input_shape, aux=aux)
    by_path = {m: p for m, p in markers.items()}
    patch: dict[str, Any] = {}  #: element path → a function(layer) → layer
    for marker, settings in build.hidden.items():
        patch[by_path[marker]] = lambda layer, s=settings: HiddenParameter(
            type=s.get("type") or {"cat": "concat", "none": "parameter"}.get(s["mode"], s["mode"]), path=layer.path,
            name=layer.name,
            mode=s["mode"], params=s.get("params"), buffers=s.get("buffers", 0), tokens=s.get("tokens", 0),
            label=s["label"], per=s.get("per"), buffers_per_channel=s.get("buffers_per_channel", 0),
            heads=s.get("heads", 0), copies=s.get("copies", 1), stride=s.get("stride", 1), grid=s.get("grid", ""),
            width=s.get("width", 0))
    for marker, settings in build.samepad.items():
        patch[by_path[marker]] = lambda layer, s=settings: TfSamePad(
            type="pad", path=layer.path, name=layer.name, kernel=tuple(_listify(s["kernel"])),
            stride=tuple(_listify(s["stride"])), dilation=tuple(_listify(s["dilation"])))
    for marker, settings in getattr(build, "grids", {}).items():
        patch[by_path[marker]] = lambda layer, s=settings: PatchGrid(type="identity", path=layer.path,
                                                                     name=layer.name, multiple=s["multiple"],
                                                                     tokens=s.get("tokens", 0), why=s["why"],
                                                                     size=s.get("size", 0),
                                                                     channels_last=s.get("channels_last", False))
    for marker in getattr(build, "reshapes", ()):
        patch[by_path[marker]] = lambda layer, k=build.reshapes[marker]: ReshapeAs(  # type: ignore[attr-defined]
            type="reshape", path=layer.path, name=layer.name, trailing=k)
    for marker in getattr(build, "folded", ()):
        patch[by_path[marker]] = lambda layer: _FOLDED.setdefault(type(layer), _folded_class(type(layer)))(
            **_fields(layer))
    for marker, settings in getattr(build, "windows", {}).items():
        patch[by_path[marker]] = lambda layer, s=settings: Windows(type="window", path=layer.path, name=layer.name,
                                                                   **s)
    for marker in getattr(build, "avgpools", {}):
        patch[by_path[marker]] = lambda layer: _AvgPoolCeilUnknown(**_fields(layer))
    guessed_paths = [by_path.get(k, "") for k in getattr(build, "guessed", [])]  # "": the model itself
    notes_by_marker = {k: msg for k, msg in build.notes}
    nodes = []
    guesses = [(path, _short(notes_by_marker.get(marker, ""))) for marker, path in
               zip(getattr(build, "guessed", []), guessed_paths)]
    guessing = False
    for node in net.nodes:
        layer = node.layer
        fix = patch.get(layer.path)
        if fix is not None:
            layer = fix(layer)
        within = [why for path, why in guesses
                  if path == "" or layer.path == path or layer.path.startswith(path + ".")]
        guessing = guessing or bool(within)
        if guessing:  # from the first node a guess places on: its shapes rest on guesses
            base = type(layer)
            cls = _GUARDED.setdefault(base, _guarded_class(base))
            layer = cls(**_fields(layer))
            _GUESSES[id(layer)] = within[::-1] or [why for _, why in guesses[:1]]
            _READINGS[id(layer)] = reading
        nodes.append(dataclasses.replace(node, layer=layer) if layer is not node.layer else node)
    notes = []
    for marker, message in build.notes:
        notes.append((by_path.get(marker) if marker else None, message))
    return dataclasses.replace(net, nodes=tuple(nodes), notes=tuple(notes))


def _strip(data: dict) -> tuple[dict, dict[str, str], dict[str, dict]]:
    """Take the builder's markers out of the spec data (in place): (data, marker → element path, marker → item)."""
    paths: dict[str, str] = {}
    items: dict[str, dict] = {}

    def walk(elements: list, prefix: str) -> None:
        for i, item in enumerate(elements):
            path = f"{prefix}[{i}]"
            marker = item.pop("__marker__", None)
            if marker:
                paths[marker], items[marker] = path, item
            if "layers" in item:
                walk(item["layers"], f"{path}.layers")
            for b, branch in enumerate(item.get("branches", ())):
                walk(branch, f"{path}.branches[{b}]")

    walk(data["layers"], "layers")
    return data, paths, items


def read_data(text: str, origin: str = "<repr>") -> tuple[dict, list[tuple[dict | None, str]]]:
    """print(model) → (convcalc's plain spec data, [(the item a warning is about, or None; the warning)]), for
    :func:`convcalc.readers.pytorch.read`. The data is what the engine reads, without the stop-gap layers
    :func:`read_network` patches in (hidden parameters show as ``identity``); a module whose forward() cannot
    be followed, or a class whose parameters cannot be counted, is a :class:`SpecError` naming it."""
    reading = read(text, origin)
    if reading.unplaced is not None:
        path, cls, why = reading.unplaced
        raise ShapesUnknown(f"{path}: shapes unknown from {cls}: {why}", cls=cls, counts=reading.counts,
                            hint=counts_text(reading.counts))
    data, _, items = _strip(reading.build.data)
    return data, [(items.get(marker) if marker else None, message) for marker, message in reading.build.notes]


def _short(note: str) -> str:
    found = re.match(r"(\S+)'s forward\(\) is unknown", note)
    return f"{found[1]}'s forward(), which convcalc guessed" if found else "a forward() convcalc guessed"


def _listify(v) -> list:
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _fields(layer: L.Layer) -> dict:
    return {f.name: getattr(layer, f.name) for f in dataclasses.fields(layer)}


def counts_text(counts: Counts, placed: bool = False) -> str:
    """What the printed lines say about the totals, for a refusal's hint.

    ``placed``: the graph holds the hidden parameters whose size comes from the input, so they are no reason to
    call the total a lower bound here."""
    reasons = [w for w in counts.why if not (placed and w.endswith("(its size depends on the input)"))]
    unknown = sorted(counts.unknown)
    said = [c for c in unknown if V.CLASSES.get(c, {}).get("kind") == "unsupported" and "prints" in
            V.CLASSES[c].get("why", "")]  # a class whose own entry says what its line leaves out (CondConv2d)
    reasons += [V.CLASSES[c]["why"] for c in said]
    unknown = [c for c in unknown if c not in said]
    if unknown:
        reasons.append(f"{', '.join(unknown)}: not modelled, and a parameter such a class holds itself prints nowhere")
    total = f"{counts.params:,} parameters and {counts.buffers:,} buffers"
    if counts.shared:
        return f"print(model) shows {total}, but {'; '.join(counts.shared)} (torch counts them once)"
    if counts.lower_bound or counts.unknown:
        return f"print(model) shows at least {total} ({'; '.join(reasons)})"
    return f"print(model) shows exactly {total}"


def read_network(text: str, origin: str, *, input_shape: L.Shape | None = None, aux: bool = False,
                 assume: dict[str, str] | None = None):
    """``--from pytorch-repr``: the Network, or a refusal naming the class (exit 2) with what the lines count.

    Refused: a module whose forward() convcalc cannot follow (:class:`ShapesUnknown`, naming the first such
    module), a total that is only a lower bound because a known class hides parameters it cannot size, or a
    total that counts a shared module more than once. A class convcalc does not know at all, printed with
    children, is read by the in-order guess (a warning says so) and errors after it are "shapes unknown"."""
    return checked_network(read(text, origin, assume), origin, input_shape=input_shape, aux=aux)


def checked_network(reading: Reading, origin: str, *, input_shape: L.Shape | None = None, aux: bool = False):
    """:func:`read_network` for a :class:`Reading` already made."""
    counts = reading.counts
    missing = _unstated(reading.root)
    if missing is not None:
        cls, message, hint = missing
        raise Refused(message, cls=cls, counts=counts, hint=hint)
    if reading.unplaced is not None:
        path, cls, why = reading.unplaced
        exc = ShapesUnknown(f"{path}: shapes unknown from {cls}: {why}", cls=cls, counts=counts,
                            hint=counts_text(counts))
        exc.reading, exc.where = reading, (path, cls, why)  # for `params`: the counts module by module
        raise exc
    if counts.shared:
        raise Refused(f"{reading.name}: the printed total counts shared modules more than once", cls=reading.name,
                      counts=counts, hint=counts_text(counts))
    open_ = [w for w in counts.why if not _input_sized(w, reading)]
    if open_:
        cls = open_[0].split("'", 1)[0]
        raise Refused(f"{cls}: the total is only a lower bound: {'; '.join(open_)}", cls=cls, counts=counts,
                      hint=counts_text(counts, placed=True))
    return network(reading, origin, input_shape, aux)


def _unstated(root: Module) -> tuple[str, str, str] | None:
    """The first class whose sizes print(model) does not show and that have no library default (Swin's window
    size and heads), when ``--assume`` does not state them: (class, message, hint saying what to state and where
    to read it in the model)."""
    given = root.assume or {}
    for m in root.walk():
        defaults = (entry(m) or {}).get("assume", {})
        keys = [k for k, v in defaults.items() if v is None and k not in given]
        if not keys:
            continue
        stages = _stages(m)
        example = ",".join(f"{k}=" + "/".join(["N"] * len(stages)) for k in keys)
        where = "; ".join(f"{k}: " + ", ".join(f"{_python_path(g[0])}.{k}" for g in stages) for k in keys)
        return (m.cls, f"{m.cls}: print(model) does not show {', '.join(keys)}, and no library default fits "
                       f"every model: state with --assume {example} (one value for every stage, or one for all; "
                       f"stages here: {len(stages)})",
                f"read from the model in Python: {where}")
    return None


def _python_path(m: Module) -> str:
    """``features.1.0.attn`` → ``model.features[1][0].attn``."""
    return "model" + "".join(f"[{k}]" if k.isdigit() else f".{k}" for k in m.path.split(".") if k)


def _input_sized(why: str, reading: Reading) -> bool:
    """A hidden parameter whose size comes from the input, which the graph places (so the engine counts it)."""
    return why.endswith("(its size depends on the input)") and reading.build is not None


# the family forwards register themselves in PATTERNS; imported last, as they read this module (either may be first)
from . import torchrepr_forwards  # noqa: E402, F401
