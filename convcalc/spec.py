"""Reading specs: JSON, YAML (safe loading only), TOML, or the inline ``--layers`` text → :class:`Network`.

Every format becomes the same plain data (a mapping with ``name``, ``input``,
``layers``) and goes through one builder, so the rules and the error messages
are the same whatever the user wrote. Errors name the spec element by path:
``layers[3]``, ``layers[5].branches[1][0]``, ``layers[2].layers[0]``.

Inline grammar (``--layers``): the inside of an ``nn.Sequential``, parsed with
:mod:`ast` (never executed)::

    spec    := layer (("," | "->") layer)*
    layer   := NAME | NAME "(" args ")"
    args    := value ("," value)* ("," NAME "=" value)*
    value   := INT | FLOAT | "True" | "False" | "None" | NAME | STRING | "(" value, ... ")" | "[" layer, ... "]"

A lower-case name (``conv2d(6, 5, padding=2)``) takes torch's positional order
without the input-size argument, which convcalc infers; a torch class name
(``Conv2d(1, 6, 5)``, ``nn.Linear(400, 120)``) takes torch's own order, so
``in_channels``/``in_features`` are given and checked. Blocks:
``concat([branch…], [branch…])``, ``add([branch…])`` (identity shortcut),
``sequential(layer, …)``.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import layers as L
from . import templates as T
from .errors import SpecError
from .network import BLOCK_ALIASES, BLOCKS, Add, Auxiliary, Concat, Network, Node, Sequential

MAX_NODES = 100_000  #: layers and blocks in one spec, aliases expanded
MAX_DEPTH = 100  #: block nesting

TOP_KEYS = ("name", "input", "layers", "blocks", "description", "source")
COMMON_KEYS = ("type", "name", "trainable")


def did_you_mean(word: str, candidates) -> str | None:
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else None


# ----------------------------------------------------------------------------
# Shapes
# ----------------------------------------------------------------------------
def parse_shape(value: Any, where: str = "input") -> L.Shape:
    """``[1, 28, 28]``, ``"1x28x28"``, ``"1×28×28"``, ``"1,28,28"`` → ``(1, 28, 28)``: channels first, no batch."""
    if isinstance(value, str):
        text = value.strip().strip("[]()")
        parts = [p for p in re.split(r"[x×X,\s]+", text) if p]
        if not parts or not all(p.isdigit() for p in parts):
            raise SpecError(f"{where}: cannot read the shape {value!r}",
                            hint="write channels then spatial dims, e.g. 1x28x28 or 3x224x224")
        value = [int(p) for p in parts]
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise SpecError(f"{where}: the shape must be a list of sizes or a string like 1x28x28, got {value!r}")
    if len(value) > 4:
        raise SpecError(f"{where}: the shape {L.dims(value)} has {len(value)} dims; convcalc takes C plus at most "
                        "3 spatial dims, without the batch dim", hint="drop the batch dim and use --batch")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise SpecError(f"{where}: sizes must be positive integers, got {v!r}")
    return tuple(value)


# ----------------------------------------------------------------------------
# Type names
# ----------------------------------------------------------------------------
ALL_TYPES = sorted({*L.REGISTRY, *L.ALIASES, *BLOCKS, *BLOCK_ALIASES, *T.BUILTIN})


def canonical_type(raw: str, path: str, templates: Mapping[str, T.Template] = T.BUILTIN) -> str:
    """``Conv2d``, ``nn.Conv2d``, ``conv`` → ``conv2d``; a named block keeps its name; unknown names get a
    did-you-mean."""
    if raw in templates:
        return raw
    name = raw.rsplit(".", 1)[-1].lower().replace("_", "")
    name = L.ALIASES.get(name) or BLOCK_ALIASES.get(name) or name
    if name in L.REGISTRY or name in BLOCKS or name in templates:
        return name
    raise SpecError(f"unknown layer type {raw!r}", path=path,
                    hint=did_you_mean(name, [*ALL_TYPES, *templates])
                    or "run `convcalc list --types` for the layer types")


# ----------------------------------------------------------------------------
# Plain data → Network
# ----------------------------------------------------------------------------
class _Builder:
    def __init__(self, templates: Mapping[str, T.Template] = T.BUILTIN, aux: bool = False):
        self.count = 0
        self.templates = templates
        self.aux = aux

    def nodes(self, items: Any, path: str, key: str, trainable: bool, depth: int) -> tuple[Node, ...]:
        if not isinstance(items, list):
            raise SpecError(f"{key} must be a list of layers, got {type(items).__name__}", path=path or None)
        prefix = f"{path}.{key}" if path else key
        built = (self.node(item, f"{prefix}[{i}]", trainable, depth) for i, item in enumerate(items))
        # auxiliary heads are left out unless asked for; the others keep their spec index
        return tuple(n for n in built if self.aux or not isinstance(n, Auxiliary))

    def node(self, item: Any, path: str, trainable: bool, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(f"the spec has more than {MAX_NODES:,} layers (aliases expanded)", path=path)
        if depth > MAX_DEPTH:
            raise SpecError(f"blocks are nested more than {MAX_DEPTH} deep", path=path)
        if isinstance(item, str):
            item = {"type": item}
        if not isinstance(item, Mapping):
            raise SpecError(f"a layer must be a type name or a mapping with a 'type', got {type(item).__name__}",
                            path=path)
        if "type" not in item:
            raise SpecError("missing 'type'", path=path, hint="e.g. {type: conv2d, out_channels: 6, kernel_size: 5}")
        if not isinstance(item["type"], str):
            raise SpecError(f"'type' must be a string, got {item['type']!r}", path=path)
        for key in item:
            if not isinstance(key, str):
                raise SpecError(f"keys must be strings, got {key!r}", path=path)
        type_name = canonical_type(item["type"], path, self.templates)
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            raise SpecError(f"{type_name}: name must be a string, got {name!r}", path=path)
        if not isinstance(item.get("trainable", True), bool):
            raise SpecError(f"{type_name}: trainable must be true or false, got {item['trainable']!r}", path=path)
        trainable = trainable and item.get("trainable", True)
        if type_name in self.templates:
            return self.named_block(self.templates[type_name], item, path, name, trainable, depth)
        if type_name in BLOCKS:
            return self.block(type_name, item, path, name, trainable, depth)
        return self.layer(type_name, item, path, name, trainable)

    def named_block(self, template: T.Template, item: Mapping, path: str, name, trainable: bool, depth: int) -> Node:
        args = T.bind(template, item, path)
        try:
            data = template.expand(args)
        except ValueError as exc:
            raise SpecError(f"{template.name}: {exc}", path=path) from None
        if not isinstance(data, Mapping) or canonical_type(str(data.get("type")), path, {}) not in BLOCKS:
            raise SpecError(f"{template.name}: a named block must be a sequential, concat or add block", path=path)
        block = self.node(data, path, trainable, depth + 1)
        settings = {k: v for k, v in args.items() if v is not None}
        return dataclasses.replace(block, type=template.name, name=name, settings=settings)

    def block(self, type_name: str, item: Mapping, path: str, name, trainable: bool, depth: int) -> Node:
        cls = BLOCKS[type_name]
        allowed = {Sequential: ("layers", "repeat"), Concat: ("branches", "dim"), Add: ("branches",),
                   Auxiliary: ("layers",)}[cls]
        self.check_keys(item, (*COMMON_KEYS, *allowed), type_name, path)
        if cls is Auxiliary:
            return Auxiliary(type=type_name, path=path, name=name,
                             layers=self.nodes(item.get("layers", []), path, "layers", trainable, depth + 1))
        if cls is Sequential:
            repeat = item.get("repeat", 1)
            if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
                raise SpecError(f"sequential: repeat must be a positive integer, got {repeat!r}", path=path)
            items = item.get("layers", [])
            if isinstance(items, list):
                if len(items) * repeat > MAX_NODES:
                    raise SpecError(f"the spec has more than {MAX_NODES:,} layers (repeats expanded)", path=path)
                items = items * repeat  # children are numbered through all repetitions
            return Sequential(type=type_name, path=path, name=name,
                              layers=self.nodes(items, path, "layers", trainable, depth + 1))
        branches = item.get("branches")
        if not isinstance(branches, list) or not branches:
            raise SpecError(f"{type_name}: 'branches' must be a non-empty list of layer lists", path=path,
                            hint=f"e.g. {{type: {type_name}, branches: [[conv2d], [maxpool2d]]}}")
        parsed = []
        for b, branch in enumerate(branches):
            if not isinstance(branch, list):
                raise SpecError(f"{type_name}: branch {b} must be a list of layers ([] for the identity)", path=path)
            parsed.append(tuple(self.node(it, f"{path}.branches[{b}][{i}]", trainable, depth + 1)
                                for i, it in enumerate(branch)))
        if cls is Concat:
            dim = item.get("dim", 1)
            if isinstance(dim, bool) or not isinstance(dim, int) or dim == 0:
                raise SpecError(f"concat: dim must be a non-zero integer (1 = channels), got {dim!r}", path=path)
            return Concat(type=type_name, path=path, name=name, branches=tuple(parsed), dim=dim)
        return Add(type=type_name, path=path, name=name, branches=tuple(parsed))

    def layer(self, type_name: str, item: Mapping, path: str, name, trainable: bool) -> L.Layer:
        cls, ndim = L.REGISTRY[type_name]
        fields = L.accepted(cls, type_name)
        self.check_keys(item, (*COMMON_KEYS, *(f.name for f in fields)), type_name, path)
        kwargs: dict[str, Any] = {}
        for f in fields:
            if f.name in item:
                raw = item[f.name]
            elif f.metadata["required"]:
                raise SpecError(f"{type_name}: missing required argument '{f.name}'", path=path,
                                hint=f"{type_name} takes " + ", ".join(_signature(fields)))
            else:
                raw = f.metadata["default"]
                if raw is None:
                    continue
            try:
                kwargs[f.name] = f.metadata["parse"](raw, ndim or 0)
            except ValueError as exc:
                raise SpecError(f"{type_name}: {f.name} {exc}", path=path) from None
        return cls(type=type_name, path=path, name=name, trainable=trainable, ndim=ndim or 0, **kwargs)

    @staticmethod
    def check_keys(item: Mapping, allowed, type_name: str, path: str) -> None:
        for key in item:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"{type_name} takes: " + ", ".join(a for a in allowed if a != "type")
                raise SpecError(f"{type_name}: unknown argument {key!r}", path=path, hint=hint)


def _signature(fields) -> list[str]:
    return [f.name if f.metadata["required"] else f"{f.name}={f.metadata['default']!r}"
            for f in fields if not f.metadata["sizing"]]


def from_data(data: Any, *, origin: str = "spec", input_shape: L.Shape | None = None, aux: bool = False) -> Network:
    """Build a :class:`Network` from parsed JSON/YAML/TOML data (a mapping, or a bare list of layers).

    ``aux`` keeps the ``auxiliary`` heads, which are otherwise left out."""
    if isinstance(data, list):
        data = {"layers": data}
    if not isinstance(data, Mapping):
        raise SpecError(f"{origin}: a spec must be a mapping with 'input' and 'layers', got {type(data).__name__}")
    for key in data:
        if key not in TOP_KEYS:
            raise SpecError(f"{origin}: unknown top-level key {key!r}",
                            hint=did_you_mean(str(key), TOP_KEYS) or "a spec has: " + ", ".join(TOP_KEYS))
    if "layers" not in data:
        raise SpecError(f"{origin}: missing 'layers'")
    if data["layers"] == []:
        raise SpecError(f"{origin}: no layers", hint="a network needs at least one layer")
    shape = input_shape
    if shape is None and data.get("input") is not None:
        shape = parse_shape(data["input"], "input")
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
    layers = _Builder(templates, aux).nodes(data["layers"], "", "layers", True, 0)
    return Network(name=data.get("name"), input_shape=shape, layers=layers,
                   description=data.get("description"), source=data.get("source"))


# ----------------------------------------------------------------------------
# Text formats
# ----------------------------------------------------------------------------
def parse_text(text: str, fmt: str, origin: str, *, trusted: bool = False) -> Any:
    """Parse ``text`` as ``json``, ``yaml`` or ``toml`` into plain data.

    ``trusted`` (the catalog's own files) allows libyaml's fast C loader."""
    try:
        if fmt == "json":
            try:
                return json.loads(text, object_pairs_hook=_unique_keys(origin))
            except json.JSONDecodeError as exc:
                raise SpecError(f"{origin}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        if fmt == "toml":
            import tomllib

            try:
                return tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise SpecError(f"{origin}: invalid TOML: {exc}") from None
        import yaml

        try:
            # The pure-Python safe loader: libyaml's C loader overflows the C stack (a
            # segfault) on deeply nested input, while this one stops at Python's
            # recursion limit with an error we can report.
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if trusted else _strict_yaml_loader()
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise SpecError(f"{origin}: invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise SpecError(f"{origin}: the {fmt.upper()} is nested too deeply") from None


def _unique_keys(origin: str):
    """json's object_pairs_hook: a key given twice is an error, not 'the last one wins'."""

    def hook(pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                raise SpecError(f"{origin}: the key {key!r} is given twice in one mapping")
            seen[key] = value
        return seen

    return hook


_YAML_LOADER = None


def _strict_yaml_loader():
    """yaml.SafeLoader refusing a key given twice in one mapping (PyYAML keeps the last one)."""
    global _YAML_LOADER
    if _YAML_LOADER is None:
        import yaml

        class StrictSafeLoader(yaml.SafeLoader):
            def construct_mapping(self, node, deep=False):
                keys = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=deep)
                    if isinstance(key, (str, int, float, bool)) and key in keys:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"the key {key!r} is given twice in one mapping", key_node.start_mark)
                    if isinstance(key, (str, int, float, bool)):
                        keys.add(key)
                return super().construct_mapping(node, deep=deep)

        _YAML_LOADER = StrictSafeLoader
    return _YAML_LOADER


def sniff(text: str) -> str:
    """Guess json / toml / yaml from the content."""
    head = text.lstrip()
    if head.startswith(("{", "[")):
        return "json"
    if re.match(r"^\s*(\[\[?[\w.]+\]\]?\s*$|[\w\"]+\s*=)", text, re.M) and not re.search(r"^\s*\w+\s*:", text, re.M):
        return "toml"
    return "yaml"


FORMAT_BY_SUFFIX = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".py": "pytorch-code"}


#: Input formats: ``--from`` names one; otherwise the suffix or the content decides.
FORMATS = ("json", "yaml", "toml", "inline", "pytorch-code", "pytorch-repr")


def detect(text: str) -> str:
    """The format of ``text``: PyTorch code or ``print(model)`` text, else JSON / TOML / YAML."""
    from . import pytorch

    return pytorch.detect(text) or sniff(text)


def read_text(text: str, origin: str, *, fmt: str | None = None, input_shape: L.Shape | None = None,
              aux: bool = False) -> Network:
    """Any supported text → Network: ``fmt`` as given, else detected from the content."""
    detected = fmt is None
    fmt = fmt or detect(text)
    if fmt == "inline":
        return from_data({"layers": parse_inline(text)}, origin=origin, input_shape=input_shape, aux=aux)
    if fmt in ("pytorch-code", "pytorch-repr"):
        from . import pytorch

        data, notes = pytorch.read(text, fmt, origin)
        if input_shape is not None:  # --input wins over the example tensor the code feeds its model
            notes = [n for n in notes if "taken from the example tensor" not in n[1]]
        network = from_data(data, origin=origin, input_shape=input_shape, aux=aux)
        return dataclasses.replace(network, notes=tuple(notes))
    if not text.strip():
        raise SpecError(f"{origin}: empty", hint="a spec needs 'input' and 'layers'")
    data = parse_text(text, fmt, origin)
    if detected and isinstance(data, str):  # YAML reads "conv2d(6, 5), relu" as one string: inline layers
        return from_data({"layers": parse_inline(text)}, origin=origin, input_shape=input_shape, aux=aux)
    return from_data(data, origin=origin, input_shape=input_shape, aux=aux)


def read_file(path: Path, *, input_shape: L.Shape | None = None, aux: bool = False, fmt: str | None = None) -> Network:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a UTF-8 text file") from None
    fmt = fmt or FORMAT_BY_SUFFIX.get(path.suffix.lower())
    return read_text(text, str(path), fmt=fmt, input_shape=input_shape, aux=aux)


def read_stdin(text: str, *, input_shape: L.Shape | None = None, aux: bool = False, fmt: str | None = None) -> Network:
    return read_text(text, "<stdin>", fmt=fmt, input_shape=input_shape, aux=aux)


# ----------------------------------------------------------------------------
# Inline text
# ----------------------------------------------------------------------------
def parse_inline(text: str) -> list[Any]:
    """The ``--layers`` text → the same plain layer list a YAML spec holds."""
    source = "[" + text.replace("->", ",") + "\n]"
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        col = max((exc.offset or 1) - 1, 1)
        message = "unbalanced brackets" if "']'" in exc.msg or "'['" in exc.msg or "never closed" in exc.msg \
            else exc.msg
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
        raise SpecError(f"expected a layer such as conv2d(6, 5) or relu, got {ast.unparse(node)!r}", path=path)
    raw_type = _dotted(node.func)
    type_name = canonical_type(raw_type, path)
    out: dict[str, Any] = {"type": raw_type}
    for kw in node.keywords:
        if kw.arg is None:
            raise SpecError(f"{type_name}: **kwargs cannot be read", path=path)
        if kw.arg in out:
            raise SpecError(f"{type_name}: {kw.arg} given twice", path=path)
        out[kw.arg] = _inline_value(kw.value, path, type_name, kw.arg)
    if type_name in BLOCKS:
        if type_name == "sequential":
            out["layers"] = [_inline_node(a, f"{path}.layers[{i}]") for i, a in enumerate(node.args)]
        else:
            branches = []
            for b, arg in enumerate(node.args):
                if not isinstance(arg, (ast.List, ast.Tuple)):
                    raise SpecError(f"{type_name}: each branch must be a [list] of layers, got {ast.unparse(arg)!r}",
                                    path=path, hint=f"e.g. {type_name}([conv2d(16, 1)], [maxpool2d(3, 1, 1)])")
                branches.append([_inline_node(e, f"{path}.branches[{b}][{i}]") for i, e in enumerate(arg.elts)])
            out["branches"] = branches
        return out
    torch_style = raw_type.rsplit(".", 1)[-1] != raw_type.rsplit(".", 1)[-1].lower()
    if type_name in T.BUILTIN:
        template = T.BUILTIN[type_name]
        names = [p for p in template.params if torch_style or p not in template.sizing]
    else:
        cls, _ = L.REGISTRY[type_name]
        names = [f.name for f in L.accepted(cls, type_name) if not f.metadata["keyword_only"]
                 and (torch_style or (f.metadata["positional"] and not f.metadata["sizing"]))]
    if len(node.args) > len(names):
        listed = ", ".join(names) if names else "none: use keywords"
        raise SpecError(f"{type_name}: too many positional arguments ({len(node.args)}); in this form they are: "
                        f"{listed}", path=path,
                        hint=None if torch_style else f"the input size is inferred; {raw_type.capitalize()}(…) "
                                                      "takes torch's own order with it")
    for argname, value in zip(names, node.args):
        if argname in out:
            raise SpecError(f"{type_name}: {argname} given twice", path=path)
        out[argname] = _inline_value(value, path, type_name, argname)
    return out


def _inline_value(node: ast.AST, path: str, type_name: str, argname: str) -> Any:
    if isinstance(node, ast.Name):
        return node.id  # bare words: padding=same
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise SpecError(f"{type_name}: cannot read the value of {argname}: {ast.unparse(node)!r}", path=path) from None


def from_inline(text: str, input_shape: L.Shape | None) -> Network:
    return from_data({"layers": parse_inline(text)}, origin="--layers", input_shape=input_shape)
