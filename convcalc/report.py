"""The analysis: walk a network once, joining shapes, counts and receptive fields.

:func:`analyze` returns a :class:`Report`; ``Report.to_dict()`` is the JSON
contract (``schema: convcalc.report/1``) every command prints with ``--json``.
An invalid network does not raise: the report comes back with ``ok = False``,
the rows computed before the failure, and the error among its diagnostics.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import field
from fractions import Fraction
from json.encoder import encode_basestring
from typing import Any

from . import receptive
from .errors import NetworkError
from .graph import Block, Network, Node, display_order, readers, split_ref
from .layers import CONVENTIONS, KEEP, RESET, UNKNOWN, Layer, Shape, Window, dims
from .records import FACTORY, record
from .records import set_field as _set
from .values import LIMIT

SCHEMA = "convcalc.report/2"
BYTES_PER_PARAM = 4  #: float32


_new = object.__new__


@record(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    severity: str  #: "error" or "warning"
    path: str | None  #: the spec element, e.g. ``layers[5].branches[1][0]``
    message: str  #: one line, starting with the layer's type
    hint: str | None = None  #: what to change, where known
    code: str | None = None  #: stable identifier of the check (``inexact-division``, ``not-flat``, …)

    def __init__(self, *, severity, path, message, hint=None, code=None):
        _set(self, "severity", severity)  # (the one dataclass would generate: see convcalc.records)
        _set(self, "path", path)
        _set(self, "message", message)
        _set(self, "hint", hint)
        _set(self, "code", code)

    @property
    def line(self) -> str:
        return f"{self.path} {self.message}" if self.path else self.message

    def to_dict(self) -> dict[str, Any]:
        d = {"severity": self.severity, "path": self.path, "message": self.message}
        if self.hint:
            d["hint"] = self.hint
        if self.code:
            d["code"] = self.code
        return d


@record(slots=True, kw_only=True)  # not frozen: a frozen __init__ sets each of its fields through
class LayerRow:                  # object.__setattr__, a quarter of the analysis time at 100,000 rows
    """One row of the report: a layer, or a block (which comes before its children). Treat it as read-only."""

    path: str  #: spec element: ``layers[3]``, ``layers[5].branches[1][0]``
    name: str | None  #: the user's name for it, if any
    type: str  #: canonical type name (``conv2d``, ``concat``, …)
    block: bool  #: True for sequential/concat/add rows; their counts sum their children
    depth: int  #: nesting level, 0 at the top
    input_shape: Shape
    output_shape: Shape
    params: int  #: what ``module.parameters()`` counts
    trainable_params: int
    weights: int  #: weight elements (kernel or matrix)
    bias: int  #: bias elements
    buffers: int  #: BatchNorm running stats and counter
    weight_shape: Shape | None
    macs: int  #: multiply-accumulates of conv/linear weights, bias excluded, × batch
    connections: int  #: weighted inputs plus bias terms (LeCun 1998), × batch
    fc_params: int | None  #: weights of a dense layer mapping the same input volume to the same output volume
    activations: int  #: elements of the output, × batch
    weight_layers: int  #: layers with weights on the longest path through this row (a paper's "depth")
    receptive_field: tuple[int, ...] | None
    jump: tuple[int, ...] | None
    start: tuple[Fraction, ...] | None
    settings: dict[str, Any] = field(default_factory=dict)  #: kernel_size, stride, padding, dilation, groups, …
    branch_receptive_fields: tuple[tuple[int, ...] | None, ...] | None = None  #: blocks: per branch
    explain: dict[str, str] | None = None  #: --explain: the arithmetic of "shape", "params", "rf"
    node: str = ""  #: the node's dotted id (a block's row: the block's)
    inputs: tuple[str, ...] = ()  #: refs it reads: node ids, input names, ``id[i]``
    explicit_inputs: bool = False  #: the spec named them (``from:``)
    shared_with: str | None = None  #: the node whose module this call reuses (its parameters count there)
    is_output: bool = False
    output_shapes: tuple[Shape, ...] | None = None  #: every output of a chunk/split
    receptive_fields: dict[str, Any] | None = None  #: several network inputs: input name → fields
    counter_buffers: int = 0  #: buffers that are int64 counters whatever the dtype (BatchNorm's num_batches_tracked)
    trainable_param_tensors: int = 0  #: trainable parameter tensors (weight, bias, …): Adam keeps a step for each

    def __init__(self, *, path, name, type, block, depth, input_shape, output_shape, params, trainable_params,
                 weights, bias, buffers, weight_shape, macs, connections, fc_params, activations, weight_layers,
                 receptive_field, jump, start, settings=FACTORY, branch_receptive_fields=None, explain=None,
                 node="", inputs=(), explicit_inputs=False, shared_with=None, is_output=False, output_shapes=None,
                 receptive_fields=None, counter_buffers=0, trainable_param_tensors=0):
        # (the one dataclass would generate, written here: see convcalc.records)
        _fill_row(self, path, name, type, block, depth, input_shape, output_shape, params, trainable_params, weights,
                  bias, buffers, weight_shape, macs, connections, fc_params, activations, weight_layers,
                  receptive_field, jump, start, {} if settings is FACTORY else settings, branch_receptive_fields,
                  explain, node, inputs, explicit_inputs, shared_with, is_output, output_shapes, receptive_fields,
                  counter_buffers, trainable_param_tensors)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "path": self.path, "name": self.name, "type": self.type, "block": self.block, "depth": self.depth,
            "input_shape": list(self.input_shape), "output_shape": list(self.output_shape),
            "params": self.params, "trainable_params": self.trainable_params,
            "weights": self.weights, "bias": self.bias, "buffers": self.buffers,
            "weight_shape": _list(self.weight_shape), "macs": self.macs, "connections": self.connections,
            "fc_params": self.fc_params, "weight_layers": self.weight_layers, "activations": self.activations,
            "receptive_field": _list(self.receptive_field), "jump": _list(self.jump),
            "start": None if self.start is None else [s if type(s) is int else _number(s) for s in self.start],
        }
        # the layer's settings beside the counts; a named block's arguments also under "arguments" (a block
        # argument such as inception's bias="auto" must not replace the row's bias count)
        for k, v in self.settings.items():
            if k not in d:
                d[k] = _jsonable(v)
        if self.block and self.settings:
            d["arguments"] = {k: _jsonable(v) for k, v in self.settings.items()}
        if self.branch_receptive_fields is not None:
            d["branch_receptive_fields"] = [_list(b) for b in self.branch_receptive_fields]
        if self.explain is not None:
            d["explain"] = self.explain
        d["node"] = self.node
        d["inputs"] = list(self.inputs)
        d["shared_with"] = self.shared_with
        d["is_output"] = self.is_output
        if self.output_shapes is not None:
            d["output_shapes"] = [list(s) for s in self.output_shapes]
        if self.receptive_fields is not None:
            d["receptive_fields"] = {k: None if f is None else {
                "receptive_field": [x.size for x in f], "jump": [x.jump for x in f],
                "start": [_number(x.start) for x in f]} for k, f in self.receptive_fields.items()}
        return d


def _fill_row(row, path, name, type, block, depth, input_shape, output_shape, params, trainable_params, weights,
              bias, buffers, weight_shape, macs, connections, fc_params, activations, weight_layers, receptive_field,
              jump, start, settings, branch_receptive_fields, explain, node, inputs, explicit_inputs, shared_with,
              is_output, output_shapes, receptive_fields, counter_buffers, trainable_param_tensors) -> None:
    """Set each of ``row``'s fields, given by position in their order: the analysis makes a row per node, and
    CPython matches 33 keywords to parameters one by one (100,000 rows: 0.35 s by keyword, 0.13 s so)."""
    row.path = path
    row.name = name
    row.type = type
    row.block = block
    row.depth = depth
    row.input_shape = input_shape
    row.output_shape = output_shape
    row.params = params
    row.trainable_params = trainable_params
    row.weights = weights
    row.bias = bias
    row.buffers = buffers
    row.weight_shape = weight_shape
    row.macs = macs
    row.connections = connections
    row.fc_params = fc_params
    row.activations = activations
    row.weight_layers = weight_layers
    row.receptive_field = receptive_field
    row.jump = jump
    row.start = start
    row.settings = settings
    row.branch_receptive_fields = branch_receptive_fields
    row.explain = explain
    row.node = node
    row.inputs = inputs
    row.explicit_inputs = explicit_inputs
    row.shared_with = shared_with
    row.is_output = is_output
    row.output_shapes = output_shapes
    row.receptive_fields = receptive_fields
    row.counter_buffers = counter_buffers
    row.trainable_param_tensors = trainable_param_tensors


@record(frozen=True, slots=True, kw_only=True)
class Totals:
    params: int
    trainable_params: int
    non_trainable_params: int
    buffers: int
    macs: int
    param_bytes: int
    connections: int
    aux_params: int  #: parameters in auxiliary heads (included in params; 0 unless --aux)
    activations: int  #: output elements of every layer, × batch (what a forward pass keeps for backward, roughly)

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@record(frozen=True, slots=True, kw_only=True)
class Report:
    name: str | None
    input_shape: Shape
    output_shape: Shape | None  #: None when the network is invalid
    batch: int
    layers: tuple[LayerRow, ...]
    totals: Totals
    diagnostics: tuple[Diagnostic, ...]
    convention: str = "torch"
    #: --compare-conventions: path → {convention: output shape, or None where it is refused}, for the
    #: rows whose output differs under another convention
    other_conventions: dict[str, dict[str, Shape | None]] = field(default_factory=dict)
    batch_in_shapes: bool = False  #: the input was given with its batch dim: show shapes as torch prints them
    inputs: tuple[tuple[str, Shape], ...] = ()  #: (name, shape) of every network input
    #: the network analysed (with its input shapes): what the graph formats and ``draw`` lay out; not in JSON
    network: Network | None = field(default=None, repr=False, compare=False)
    outputs: tuple[tuple[str, Shape | None], ...] = ()  #: (ref, shape) of every output; the first is output_shape
    dtype: str = "float32"  #: element type for the byte figures (``memory``): float32, float16, bfloat16, int8
    optimizer: str | None = None  #: the training estimate's optimizer (sgd, momentum, adam), when asked for

    @property
    def memory(self):
        """Bytes of parameters, buffers, activations and the training estimate (:mod:`convcalc.memory`)."""
        from . import memory

        return memory.of(self)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        head, tail = self.json_parts()
        return {**head, "layers": list(self.row_dicts()), **tail}

    def json_parts(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The JSON report's top level without its rows: the keys before ``layers`` and those after it."""
        memory = self.memory
        head = {
            "schema": SCHEMA, "name": self.name, "input_shape": list(self.input_shape),
            "output_shape": _list(self.output_shape), "batch": self.batch, "ok": self.ok,
            "convention": self.convention,
        }
        tail = {
            "totals": {**self.totals.to_dict(), "param_bytes": memory.params},
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "inputs": [{"name": n, "shape": list(shape)} for n, shape in self.inputs],
            "outputs": [{"name": n, "shape": _list(shape)} for n, shape in self.outputs],
            "batch_in_shapes": self.batch_in_shapes,
            "memory": memory.to_dict(),
        }
        return head, tail

    def row_dicts(self) -> Iterator[dict[str, Any]]:
        """Each row's JSON object (``to_dict()["layers"]``), made one at a time: a large report is written
        without holding them all. Beside the row's own fields: the outputs under other conventions, and the
        byte figures at the report's dtype (``param_bytes``, ``buffer_bytes``, ``activation_bytes``)."""
        from . import memory

        size = memory.dtype_of(self.dtype).size
        for row in self.layers:
            yield self._row_dict(row, size)

    def _row_dict(self, row: LayerRow, size: int) -> dict[str, Any]:
        from . import memory

        d = row.to_dict()
        if self.other_conventions and row.path in self.other_conventions:
            d["other_conventions"] = {k: _list(v) for k, v in self.other_conventions[row.path].items()}
        m = memory.row_memory(row, size)
        d["frozen_params"] = row.params - row.trainable_params
        d["param_bytes"] = m.params
        d["buffer_bytes"] = m.buffers
        d["activation_bytes"] = m.activations
        return d

    def rows_json(self) -> Iterator[str]:
        """Each row of :meth:`row_dicts` as ``json.dumps(row, ensure_ascii=False)`` writes it. A row of the
        common form — a layer's counts and settings — is written straight from the row: making its object and
        encoding it took most of the time of a JSON report of 100,000 layers."""
        import json

        from . import memory

        size = memory.dtype_of(self.dtype).size
        encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode  # rows hold no cycles
        written: dict[int, str | None] = {}  #: id of a settings dict (rows of one layer share it) → its JSON
        for row in self.layers:
            common = not (self.other_conventions and row.path in self.other_conventions)
            text = _row_json(row, size, memory.COUNTER_BYTES, written) if common else None
            yield text if text is not None else encode(self._row_dict(row, size))


def _row_json(row: LayerRow, size: int, counter_bytes: int, written: dict[int, str | None]) -> str | None:
    """``row``'s JSON with its byte figures at ``size`` bytes an element (see :meth:`Report.rows_json`;
    :func:`convcalc.memory.row_memory`'s arithmetic), or None where it is not of the common form: a block's
    arguments, --explain, several inputs or outputs, a start that is not whole. ``written``: the settings
    written so far, by the id of their dict (the rows, and so their dicts, live while the report is written)."""
    counters = row.counter_buffers
    counts = (row.depth, row.params, row.trainable_params, row.weights, row.bias, row.buffers, row.macs,
              row.connections, row.weight_layers, row.activations, row.params - row.trainable_params,
              row.params * size, (row.buffers - counters) * size + counters * counter_bytes, row.activations * size)
    if (row.block and row.settings) or row.explain is not None or row.branch_receptive_fields is not None \
            or row.output_shapes is not None or row.receptive_fields is not None \
            or not _INT.issuperset(map(type, counts)) or type(row.block) is not bool \
            or type(row.is_output) is not bool or (row.fc_params is not None and type(row.fc_params) is not int) \
            or (row.start is not None and not _INT.issuperset(map(type, row.start))):
        return None
    settings = written.get(id(row.settings), False)
    if settings is False:
        settings = written[id(row.settings)] = _settings_json(row.settings)
    if settings is None:
        return None
    depth, params, trainable, weights, bias, buffers, macs, connections, weight_layers, activations, frozen, \
        param_bytes, buffer_bytes, activation_bytes = counts
    inputs = row.inputs
    return _ROW_JSON % (
        encode_basestring(row.path), "null" if row.name is None else encode_basestring(row.name),
        encode_basestring(row.type), "true" if row.block else "false", depth, _ints(row.input_shape),
        _ints(row.output_shape), params, trainable, weights, bias, buffers, _ints(row.weight_shape), macs,
        connections, "null" if row.fc_params is None else row.fc_params, weight_layers, activations,
        _ints(row.receptive_field), _ints(row.jump), _ints(row.start), settings, encode_basestring(row.node),
        f"[{encode_basestring(inputs[0])}]" if len(inputs) == 1 else "[" + ", ".join(map(_string, inputs)) + "]",
        _string(row.shared_with), "true" if row.is_output else "false", frozen,
        param_bytes, buffer_bytes, activation_bytes)


def _settings_json(settings: dict[str, Any]) -> str | None:
    """A row's settings as the keys they add to its JSON object (``, "stride": [1, 1]``…); None where one is not
    of the common form."""
    parts = []
    for key, value in settings.items():
        if key not in SETTINGS:
            return None
        text = _setting_json(value)
        if text is None:
            return None
        parts.append(f', "{key}": {text}')
    return "".join(parts)


#: A row's JSON object in :meth:`LayerRow.to_dict`'s order, with the byte figures :meth:`Report.row_dicts` adds
_ROW_JSON = ('{"path": %s, "name": %s, "type": %s, "block": %s, "depth": %d, "input_shape": %s, "output_shape": %s, '
             '"params": %d, "trainable_params": %d, "weights": %d, "bias": %d, "buffers": %d, "weight_shape": %s, '
             '"macs": %d, "connections": %d, "fc_params": %s, "weight_layers": %d, "activations": %d, '
             '"receptive_field": %s, "jump": %s, "start": %s%s, "node": %s, "inputs": %s, "shared_with": %s, '
             '"is_output": %s, "frozen_params": %d, "param_bytes": %d, "buffer_bytes": %d, "activation_bytes": %d}')


def _string(text: str | None) -> str:
    return "null" if text is None else encode_basestring(text)  # as json writes it with ensure_ascii=False


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _ints(values: tuple[int, ...] | None) -> str:
    """A shape (or field sizes) as JSON: ``[8, 64, 64]``, as Python writes a list of ints."""
    if values is None:
        return "null"
    text = _INTS.get(values)
    if text is None:
        text = repr(list(values))
        if len(_INTS) < 4096:  # the shapes a report repeats row after row
            _INTS[values] = text
    return text


_INTS: dict[tuple, str] = {}


def _setting_json(value: Any) -> str | None:
    """A layer setting as JSON: an int, a bool, a string, or ints (a None among them: an adaptive pool's kept
    dim); None for anything else."""
    kind = type(value)
    if kind is int:
        return repr(value)
    if kind is bool:
        return _bool(value)
    if kind is str:
        return _string(value)
    if kind is tuple and _INT.issuperset(map(type, value)):
        return repr(list(value))
    if kind is tuple and _INT_OR_NONE.issuperset(map(type, value)):
        return "[" + ", ".join("null" if v is None else repr(v) for v in value) + "]"
    return None


_INT = frozenset({int})
_INT_OR_NONE = frozenset({int, type(None)})


def _list(t):
    return None if t is None else list(t)


def _number(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _jsonable(v):
    if isinstance(v, tuple):
        return [_jsonable(i) for i in v]
    return v


Fields = tuple[receptive.Field, ...] | None
FieldsByInput = dict[str, Fields]  #: receptive field of a tensor with respect to each network input it depends on

#: Layer attributes shown in the shape table and copied into each row's JSON.
SETTINGS = ("kernel_size", "stride", "padding", "dilation", "groups", "ceil_mode", "output_padding", "output_size")


_SETTING_KEYS: dict[type, tuple[str, ...]] = {}  #: per layer class, the :data:`SETTINGS` it has


def _settings(layer: Layer) -> dict[str, Any]:
    keys = _SETTING_KEYS.get(type(layer))
    if keys is None:
        keys = _SETTING_KEYS[type(layer)] = tuple(key for key in SETTINGS if hasattr(layer, key))
    out = {}
    for key in keys:
        value = getattr(layer, key)
        if value is not None:
            out[key] = value
    if "kernel_size" in out and "stride" not in out and "stride" in keys:
        out["stride"] = layer.kernel_size  # pools: stride defaults to the kernel
    return out


class _Evaluate:
    """One pass over the nodes in topological order: shapes, counts and receptive fields per node."""

    def __init__(self, network: Network, batch: int, strict: bool, convention: str = "torch", explain: bool = False,
                 relative_to: str | None = None):
        self.network = network
        self.input_shapes = dict(network.inputs)
        self.input_names = [name for name, _ in network.inputs]
        self.relative_to = relative_to  #: a node whose output counts as an input for the receptive field
        self.explain = explain
        self.batch = batch
        self.convention = convention
        self.strict = strict
        self.values: dict[str, Shape | list[Shape]] = {}  #: node id / input name → its output (a list: several)
        self.fields: dict[str, FieldsByInput] = {}
        self.deep: dict[str, int] = {}  #: weight layers on the longest path from the inputs
        self.rows: dict[str, LayerRow] = {}  #: node id → its row
        self.modules: dict[str, tuple] = {}  #: node id → (weight shape, params, buffers) of a module called again
        self.shared = {n.shared_with for n in network.nodes if n.shared_with}  #: nodes whose module is called again
        self.diagnostics: list[Diagnostic] = []
        self.outputs = set(split_ref(r)[0] for r in network.outputs)
        self.global_noted = False  #: the note about global gates is given once
        #: (kind, settings, input shape) → the Effect a single-input layer had: a generated or repeated network
        #: meets the same layer on the same shape again and again; apply is a pure function of these
        self.effects: dict[tuple, tuple[Any, dict[str, Any]]] = {}
        #: the last row's fields, the one it shows and its columns (_rf_columns)
        self.last_fields: FieldsByInput | None = None
        self.last_primary: Fields = None
        self.last_columns: tuple = (None, None, None)
        self.several_inputs = len(network.inputs) > 1  #: rows then carry their fields per input
        for name, shape in network.inputs:
            self.values[name] = shape
            self.fields[name] = {name: receptive.initial(len(shape) - 1) if len(shape) > 1 else None}
            self.deep[name] = 0

    def value(self, ref: str, node: Node | None = None) -> Shape:
        """The tensor ``ref`` names (one piece of a chunk/split with ``[i]``)."""
        base, index = split_ref(ref)
        v = self.values[base]
        if index is None and not isinstance(v, list):
            return v  # the common case: one tensor, named by its node
        label = node.layer.label if node is not None else ref
        if index is None:
            if isinstance(v, list):
                raise NetworkError(f"{label}: {base} gives {len(v)} tensors; pick one with {base}[0] … "
                                   f"{base}[{len(v) - 1}]", path=node.path if node else None)
            return v
        if not isinstance(v, list):
            raise NetworkError(f"{label}: {base} gives one tensor, so {ref} does not exist",
                               path=node.path if node else None, hint=f"read {base} itself")
        if -len(v) <= index < 0:  # parts[-1], as Python indexes
            index += len(v)
        if not 0 <= index < len(v):
            raise NetworkError(f"{label}: {base} gives {len(v)} tensors, so {ref} does not exist",
                               path=node.path if node else None, hint=f"pick {base}[0] … {base}[{len(v) - 1}]")
        return v[index]

    def run(self) -> None:
        # a sequential block's result is also read by the block's id: alias it once its last node is done
        # (inner blocks first: an outer block's result may be an inner one's)
        aliases: dict[int, list[Block]] = {}
        for block in reversed(self.network.blocks):
            if block.output != block.id:
                aliases.setdefault(block.last, []).append(block)
        self.alias(aliases.get(-1, ()))
        for i, node in enumerate(self.network.nodes):
            try:
                self.node(node)
            except NetworkError as exc:
                exc.within[:0] = [w for w in node.within if w not in exc.within]
                raise
            if i in aliases:
                self.alias(aliases[i])

    def alias(self, blocks) -> None:
        """Give each block id its result; a block whose result is another block's (an empty block after one)
        waits for that one, whatever their order (in one pass: 20,000 empty blocks in a row took minutes)."""
        for block in _after_their_results(blocks, self.values):
            base, index = split_ref(block.output)
            # a chunk/split at the end of a block: the block gives its pieces, as the node does
            self.values[block.id] = self.values[base] if index is None else self.value(block.output)
            self.fields[block.id] = self.fields[base]
            self.deep[block.id] = self.deep[base]

    def node(self, node: Node) -> None:
        layer = node.layer
        inputs = node.inputs
        x = self.values.get(inputs[0]) if len(inputs) == 1 else None
        if type(x) is tuple and not getattr(layer, "MANY", False):  # the common case: one tensor, by its node
            bases, xs = inputs, (x,)
            effect, settings, numel, counters, tensors = self.apply(layer, x)
            rf_in = [self.fields[inputs[0]]]
            out = effect.output_shape
            if effect.receptive == KEEP and len(out) == len(x):  # element-wise: the field passes through
                rf_out = rf_in[0]
            else:
                rf_out = self.receptive(node, effect, xs, rf_in)
        else:
            bases = [split_ref(r)[0] for r in inputs]  #: the node or input each ref reads from
            xs = [self.value(ref, node) for ref in inputs]
            if getattr(layer, "MANY", False) or len(xs) > 1:
                labels = node.labels or tuple(b if b == r else r for b, r in zip(bases, inputs))
                effect, settings, numel, counters, tensors = self.made(
                    layer, layer.apply_many(xs, list(labels), self.convention))
            else:
                effect, settings, numel, counters, tensors = self.apply(layer, xs[0])
            x = xs[0]
            rf_in = [self.fields[b] for b in bases]
            out = effect.output_shape
            rf_out = self.receptive(node, effect, xs, rf_in)
        if effect.warnings:
            self.notes(layer, effect, rf_in[0])
        shared = node.shared_with
        if shared is not None:
            self.module(node, effect, x)
            params = counters = tensors = 0
        else:
            if node.id in self.shared:
                self.module(node, effect, x)
            params = effect.params
        deep = self.deep
        deep[node.id] = (max(deep[b] for b in bases) if len(bases) > 1 else deep[bases[0]]) + (1 if effect.weights else 0)
        self.values[node.id] = list(effect.outputs) if effect.outputs else out
        if node.id == self.relative_to and len(out) > 1:  # rf --relative-to: d2l's "Y sees 4 elements of X"
            rf_out = {**rf_out, RELATIVE: receptive.initial(len(out) - 1)}
        self.fields[node.id] = rf_out
        if rf_out is not self.last_fields:  # (an element-wise layer passes its input's fields on as they are)
            primary = self.primary(rf_out)
            self.last_fields, self.last_primary, self.last_columns = rf_out, primary, _rf_columns(primary)
        primary = self.last_primary
        receptive_field, jump, start = self.last_columns
        batch = self.batch
        self.rows[node.id] = row = _new(LayerRow)
        weights = effect.weights
        _fill_row(  # (by position, in the order of LayerRow's fields: see _fill_row)
            row, layer.path, layer.name, layer.type, False, node.depth,  # path, name, type, block, depth
            x, out,  # input_shape, output_shape
            params, params if layer.trainable else 0,  # params, trainable_params
            0 if shared else weights, 0 if shared else effect.bias,  # weights, bias
            0 if shared else effect.buffers,  # buffers
            effect.weight_shape,
            effect.macs * batch, effect.connections * batch, effect.fc_params,  # macs, connections, fc_params
            numel * batch, 1 if weights else 0,  # activations, weight_layers
            receptive_field, jump, start, settings,
            None,  # branch_receptive_fields
            self.working(layer, x, effect, self.primary(rf_in[0]), primary, xs) if self.explain else None,  # explain
            node.id, inputs, node.explicit,  # node, inputs, explicit_inputs
            shared, node.id in self.outputs,  # shared_with, is_output
            effect.outputs, dict(rf_out) if self.several_inputs else None,  # output_shapes, receptive_fields
            counters, tensors)  # counter_buffers, trainable_param_tensors

    def apply(self, layer: Layer, x: Shape) -> tuple:
        """:meth:`made` of ``layer.apply(x)``, remembered by what it depends on: the kind and its arguments (not
        the layer's path or name, which only its errors carry, and errors are not remembered). Rows of the same
        layer share the settings' dict: rows are read-only.

        Layers built from the same element share their arguments' ``__dict__`` (:meth:`convcalc.build._Builder.layer`):
        the dict's id stands for the arguments, as long as the network, which holds the layers, lives."""
        args = getattr(layer, "__dict__", None)
        if args is None:  # a kind without arguments of its own: no memo
            return self.made(layer, layer.apply(x, self.convention))
        key = (id(args), type(layer), layer.type, layer.trainable, layer.ndim, x)
        known = self.effects.get(key)
        if known is None:
            known = self.effects[key] = self.made(layer, layer.apply(x, self.convention))
        return known

    @staticmethod
    def made(layer: Layer, effect) -> tuple:
        """What a node's row takes from its layer and effect alone: (the effect, the layer's settings, elements
        of the output, counter buffers, trainable parameter tensors — the last two as the module's own call
        has them). Refused where the output has a dim beyond :data:`LIMIT`."""
        out = effect.output_shape
        if out and max(out) > LIMIT:
            from .errors import SpecError

            raise SpecError(f"{layer.label}: its output {dims(out)} has a dim over {LIMIT:,}, beyond convcalc's "
                            "limit", path=layer.path)
        counters = 1 if effect.buffers and getattr(layer, "track_running_stats", False) else 0
        tensors = 0
        if effect.params and layer.trainable:  # weight, bias, a norm's scale (and shift), PReLU's slopes
            affine = 1 if layer.type == "prelu" or getattr(layer, "bias", True) is not True else 2
            tensors = (effect.weights > 0) + (effect.bias > 0) + (affine if effect.extra_params else 0)
        return effect, _settings(layer), math.prod(out), counters, tensors

    def notes(self, layer: Layer, effect, rf_in: FieldsByInput) -> None:
        """The layer's warnings as diagnostics (errors under --strict where they drop input pixels)."""
        known = any(f is not None for f in rf_in.values())
        for note in effect.warnings:
            if note.code == "receptive-field" and not known:
                continue  # the field was unknown already: said where it became so
            promote = self.strict and note.code == "inexact-division"
            self.diagnostics.append(Diagnostic(severity="error" if promote else "warning", path=layer.path,
                                               message=f"{layer.label}: {note.message}", hint=note.hint, code=note.code))

    def module(self, node: Node, effect, x: Shape) -> None:
        """A module called more than once (``share:``) must be built the same at every call: its first call
        records what it was built as, later ones are checked against it."""
        layer = node.layer
        shared = node.shared_with
        module = (effect.weight_shape, effect.params, effect.buffers, effect.fixed)
        if shared is None:
            self.modules[node.id] = module
        elif self.modules.get(shared, module) != module:
            weight, params, buffers, _ = self.modules[shared]
            raise NetworkError(f"{layer.label}: reuses the module of {shared} ({params:,} parameters"
                               f"{f', weight {dims(weight)}' if weight else ''}{f', {buffers:,} buffers' if buffers else ''}"
                               f"), but its input {dims(x)} needs {effect.params:,}"
                               f"{f', weight {dims(effect.weight_shape)}' if effect.weight_shape else ''}",
                               path=layer.path, hint="a shared module must see the same sizes at every call")

    def primary(self, fields: FieldsByInput) -> Fields:
        """The field shown in the row: with respect to the first network input the tensor depends on (or to
        the ``relative_to`` node)."""
        if self.relative_to is not None:
            return fields.get(RELATIVE)
        for name in self.input_names:
            if name in fields:
                return fields[name]
        return None

    def by_input(self, fields: FieldsByInput) -> dict[str, Fields] | None:
        return dict(fields) if self.several_inputs else None

    def receptive(self, node: Node, effect, xs: list[Shape], rf_in: list[FieldsByInput]) -> FieldsByInput:
        out = effect.output_shape
        if getattr(node.layer, "MANY", False):
            if effect.receptive == UNKNOWN:  # an opaque merge (attention): no window describes it
                return {k: None for f in rf_in for k in f}
            return self.merge(node, rf_in, xs, out)
        fields = rf_in[0]  # a pad/interpolate to another tensor's size reads only that tensor's size
        if effect.receptive == RESET:
            if node.layer.type != "linear":  # flattened, each element still sees only its own window
                return {k: None for k in fields}
            # a fully connected layer sees the whole input
            return {k: receptive.whole(self.input_shapes[k][1:]) if k in self.input_shapes and
                    len(self.input_shapes[k]) > 1 else None for k in fields}
        if effect.receptive == KEEP:
            return fields if len(out) == len(xs[0]) else {k: None for k in fields}
        if isinstance(effect.receptive, Window):
            return {k: None if f is None else receptive.through_window(f, effect.receptive) for k, f in fields.items()}
        return {k: None for k in fields}

    def merge(self, node: Node, rf_in: list[FieldsByInput], xs: list[Shape], out: Shape) -> FieldsByInput:
        """The union over the paths that meet here, per network input; a warning where their jumps differ.

        A tensor broadcast over the spatial dims (an SE gate, C×1×1) sets no jump: it is the same at every
        position."""
        merged: FieldsByInput = {}
        spread = [len(x) == len(out) and len(out) > 1 and all(a == 1 < b for a, b in zip(x[1:], out[1:]))
                  for x in xs]
        keys = [name for name, _ in self.network.inputs] + [RELATIVE]
        for name in keys:
            paths = [f[name] for f in rf_in if name in f]
            if not paths:
                continue
            flags = [b for f, b in zip(rf_in, spread) if name in f]
            if all(flags) and name in self.input_shapes:  # only through a global gate: the whole input
                merged[name] = receptive.whole(self.input_shapes[name][1:]) if len(out) > 1 else None
                continue
            union, aligned = receptive.merge(paths, flags)
            if any(flags) and not all(flags) and not self.global_noted:
                self.global_noted = True
                self.diagnostics.append(Diagnostic(
                    severity="warning", path=node.path, code="receptive-field",
                    message=f"{node.layer.label}: a tensor of size 1 in every spatial dim (a global gate) is spread "
                            "over every position, so each output also depends on the whole input; the receptive "
                            "field shown here and after follows the spatial path only"))
            merged[name] = union
            if not aligned:
                jumps = ", ".join(dims(tuple(f.jump for f in p)) for p in paths)
                what = "branches" if node.block else "inputs"
                self.diagnostics.append(Diagnostic(
                    severity="warning", path=node.path, code="receptive-field",
                    message=f"{node.layer.label}: {what} are not aligned (jumps {jumps}); the receptive field "
                            f"shown is the union of their windows"))
        return merged

    def working(self, layer: Layer, x: Shape, effect, rf_in: Fields, rf_out: Fields,
                xs: list[Shape] | None = None) -> dict[str, str]:
        from . import explain

        lines = {"shape": explain.shape(layer, x, effect, self.convention, xs),
                 "params": explain.params(layer, x, effect, self.batch),
                 "rf": explain.receptive(effect, rf_in, rf_out, layer)}
        return {k: v for k, v in lines.items() if v}

    def _raw(self, ref: str):
        """The value ``ref`` names: one shape, or a chunk/split's list of pieces where it names them all."""
        base, index = split_ref(ref)
        return self.values[base] if index is None else self.value(ref)

    def block_row(self, block: Block) -> LayerRow | None:
        """A tree block's row: its merge's (or last node's) result, with the sums of its nodes."""
        nodes = self.network.nodes[block.first:block.last + 1]
        if any(n.id not in self.rows for n in nodes):
            return None  # analysis stopped inside it
        if split_ref(block.input)[0] not in self.values or split_ref(block.output)[0] not in self.values:
            return None  # analysis stopped before it
        children = [self.rows[n.id] for n in nodes if n.block is None]
        x, out = (v[0] if isinstance(v, list) else v for v in (self._raw(block.input), self._raw(block.output)))
        main = x if block.aux else out  # an auxiliary head leaves the main path as it was
        merge = self.rows.get(block.id)
        fields = self.fields.get(split_ref(block.output)[0], {}) if nodes else self.fields[split_ref(block.input)[0]]
        if block.aux:
            fields = self.fields[split_ref(block.input)[0]]
        deep_in = self.deep[split_ref(block.input)[0]]
        deep_out = self.deep[split_ref(block.output)[0]] if nodes else deep_in
        branch_rfs = None
        if block.branches is not None:
            branch_rfs = tuple(_sizes(self.primary(self.fields[split_ref(r)[0]])) for r in block.branches)
        receptive_field, jump, start = _rf_columns(self.primary(fields))
        return LayerRow(
            path=block.path, name=block.name, type=block.type, block=True, depth=block.depth,
            input_shape=x, output_shape=out, params=sum(r.params for r in children),
            trainable_params=sum(r.trainable_params for r in children),
            weights=sum(r.weights for r in children), bias=sum(r.bias for r in children),
            buffers=sum(r.buffers for r in children), weight_shape=None,
            counter_buffers=sum(r.counter_buffers for r in children),
            trainable_param_tensors=sum(r.trainable_param_tensors for r in children),
            macs=sum(r.macs for r in children), connections=sum(r.connections for r in children), fc_params=None,
            activations=math.prod(main) * self.batch, weight_layers=max(deep_out - deep_in, 0),
            settings=dict(block.settings), branch_receptive_fields=branch_rfs,
            explain=merge.explain if merge is not None else None,  # a concat's sum, an add's shapes
            node=block.id, inputs=(block.input,),
            shared_with=block.shared_with or (merge.shared_with if merge else None),
            is_output=block.id in self.outputs, receptive_fields=self.by_input(fields),
            receptive_field=receptive_field, jump=jump, start=start,
        )


def _sizes(fields: Fields) -> tuple[int, ...] | None:
    return None if fields is None else tuple(f.size for f in fields)


RELATIVE = "@relative"  #: the key of the receptive field relative to ``rf --relative-to``'s node


def _rf_columns(rf: Fields) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None, tuple | None]:
    """A row's ``receptive_field``, ``jump`` and ``start``: None where unknown; only the size where the field is
    the whole input (no window moves)."""
    if rf is None:
        return None, None, None
    sizes = tuple([f.size for f in rf])
    if any(f.jump == 0 for f in rf):
        return sizes, None, None
    return sizes, tuple([f.jump for f in rf]), tuple([f.start for f in rf])


def _find_node(network: Network, text: str) -> str:
    """A node named by its id, its spec path (``layers[2]``) or its name."""
    for node in network.nodes:
        if text in (node.id, node.path) or node.layer.name == text:
            return node.id
    for block in network.blocks:
        if text in (block.id, block.path) or block.name == text:
            return split_ref(block.output)[0]
    from .errors import SpecError, did_you_mean

    raise SpecError(f"--relative-to: no layer named {text!r}", hint=did_you_mean(
        text, [n.id for n in network.nodes]) or "give a node id, a name, or a path such as layers[2]")


def graph_warnings(network: Network) -> list[Diagnostic]:
    """Inputs nobody reads and nodes whose result nothing reads (unless they are outputs)."""
    read = readers(network)
    found = [Diagnostic(severity="warning", path=None, code="unused-input",
                        message=f"input {name!r} is read by no layer")
             for name, _ in network.inputs if name not in read]
    for node in network.nodes:
        if node.id not in read:
            found.append(Diagnostic(severity="warning", path=node.path, code="unused-node",
                                    message=f"{node.layer.label}: its result ({node.id}) is read by nothing and is "
                                            "not an output", hint="name it in outputs:, or remove it"))
    return found


def analyze(network: Network, *, input_shape: Shape | None = None, inputs: dict[str, Shape] | None = None,
            batch: int = 1, strict: bool = False, convention: str = "torch", explain: bool = False,
            relative_to: str | None = None) -> Report:
    """Analyse ``network`` on ``input_shape`` for every input (or ``inputs`` by name; default: the spec's own).

    ``strict`` turns inexact divisions that drop input pixels into errors; ``convention`` is ``torch``, ``tf`` or ``caffe``
    (see :data:`convcalc.layers.CONVENTIONS`); ``explain`` adds each layer's arithmetic to its row.
    """
    network = network.with_inputs(input_shape, inputs)
    if any(shape is None for _, shape in network.inputs):
        raise ValueError("no input shape")
    if relative_to is not None:
        relative_to = _find_node(network, relative_to)
    walk = _Evaluate(network, batch, strict, convention, explain, relative_to)
    walk.diagnostics += [Diagnostic(severity="warning", path=path, message=message, code=_note_code(message))
                         for path, message in network.notes]
    walk.diagnostics += graph_warnings(network)
    outputs: tuple[tuple[str, Shape | None], ...]
    names = network.output_names or network.outputs
    try:
        walk.run()
        outputs = tuple((name, walk.value(ref)) for name, ref in zip(names, network.outputs))
    except NetworkError as exc:
        within = f" (in {' › '.join(exc.within)})" if exc.within else ""
        walk.diagnostics.append(Diagnostic(severity="error", path=exc.path, message=exc.message + within,
                                           hint=exc.hint))
        outputs = tuple((name, None) for name in names)
    rows = []
    for item in display_order(network):
        row = walk.block_row(item) if isinstance(item, Block) else walk.rows.get(item.id)
        if row is not None:
            rows.append(row)
    leaves = [r for r in rows if not r.block]
    params = sum(r.params for r in leaves)
    trainable = sum(r.trainable_params for r in leaves)
    aux_ids = {n.id for n in network.nodes if n.aux}
    totals = Totals(params=params, trainable_params=trainable, non_trainable_params=params - trainable,
                    buffers=sum(r.buffers for r in leaves), macs=sum(r.macs for r in leaves),
                    param_bytes=params * BYTES_PER_PARAM, connections=sum(r.connections for r in leaves),
                    aux_params=sum(r.params for r in leaves if r.node in aux_ids),
                    activations=sum(r.activations for r in leaves))
    return Report(name=network.name, input_shape=network.input_shape, output_shape=outputs[0][1], batch=batch,
                  batch_in_shapes=network.batch is not None,
                  layers=tuple(rows), totals=totals, diagnostics=tuple(walk.diagnostics), convention=convention,
                  inputs=network.inputs, outputs=outputs, network=network)


def compare_conventions(network: Network, report: Report) -> Report:
    """``report`` with, for every row whose output differs under another convention, those outputs
    (None where that convention refuses the layer or an earlier one)."""
    others = {}
    for convention in CONVENTIONS:
        if convention == report.convention:
            continue
        other = analyze(network, input_shape=report.input_shape, batch=report.batch, convention=convention)
        shapes_there = {r.path: r.output_shape for r in other.layers}
        for row in report.layers:
            there = shapes_there.get(row.path)
            if there != row.output_shape:
                others.setdefault(row.path, {})[convention] = there
    return dataclasses.replace(report, other_conventions=others)



INEXACT = ("inexact-division", "padding-only-division")


def _note_code(message: str) -> str:
    """The code of a reader's note: how --input was read, a constructor argument print(model) does not show that
    was assumed with the library's default (a script can refuse those numbers), or what else reading had to assume."""
    if message.startswith("--input:"):
        return "input-read"
    return "assumed" if "assumed (the library's defaults)" in message else "reader"


def trial(network: Network, shape: Shape, memo: dict | None = None) -> tuple[NetworkError | None, bool]:
    """Shapes only, for the searches (``--min-input``): the first refusal on ``shape`` (every input), or None,
    and whether every division was exact. No rows, receptive fields or counts: many times faster than
    :func:`analyze`, whose verdict it matches on shapes.

    ``memo`` (kept by the caller across the sizes it tries) holds each node's result by the shapes it read: a
    layer's result depends on nothing else, and past a stride many input sizes meet a node with the same shape
    (GoogLeNet's inputs 193…224 all reach its last stage as 7×7), so a scan computes each shape once. It also
    holds the outcome of the rest of the graph past each *cut* — a node after which nothing earlier is read —
    by the cut's shape: a size that reaches a cut with a shape met before ends there, as that one did."""
    values: dict[str, Any] = {name: shape for name, _ in network.inputs}
    if memo is None:
        memo = {}
    plan = memo.get("plan")  # what every size's pass reads of the graph, worked out once
    if plan is None:
        aliases: dict[int, list[Block]] = {}
        for block in reversed(network.blocks):  # inner blocks first: an outer block's result may be an inner one's
            if block.output != block.id:
                aliases.setdefault(block.last, []).append(block)
        aliases = {i: _after_their_results(blocks) for i, blocks in aliases.items()}  # (trial's are made in order)
        cuts = _cuts(network, aliases)
        plan = memo["plan"] = (aliases, [(i, node, node.inputs[0] if len(node.inputs) == 1 and not
                                          node.inputs[0].endswith("]") else None, aliases.get(i), i in cuts)
                                         for i, node in enumerate(network.nodes)])
    aliases, steps = plan

    def pick(ref: str):
        base, index = split_ref(ref)
        v = values[base]
        if index is None:
            if isinstance(v, list):
                raise NetworkError(f"{base} gives {len(v)} tensors")
            return v
        if not isinstance(v, list) or not -len(v) <= index < len(v):
            raise NetworkError(f"{ref} does not exist")
        return v[index]

    exact = tail_exact = True  # (tail: past the known cut the walk ended at)
    last_inexact = -1  #: the last node walked that dropped rows
    passed: list[tuple[tuple, int]] = []  #: (memo key, node index) of each cut passed with a shape not met before
    try:
        for block in aliases.get(-1, ()):
            values[block.id] = pick(block.output)
        for i, node, single, after, cut in steps:
            x = values[single] if single is not None else None  # one tensor read by its name: the common case
            if type(x) is tuple:
                key, xs = (i, x), None
            else:
                xs = [pick(ref) for ref in node.inputs]
                key = (i, *xs)
            result = memo.get(key)
            if result is None:
                result = memo[key] = _trial_node(node, xs or [x])
            value, inexact = result
            if isinstance(value, NetworkError):
                raise value
            if inexact:
                exact, last_inexact = False, i
            values[node.id] = value
            if after:
                for block in after:
                    values[block.id] = pick(block.output)
            if cut and type(value) is tuple:
                known = memo.get(("cut", i, value))
                if known is not None:  # the rest of the graph has been walked from this shape
                    error, tail_exact = known
                    if error is not None:
                        raise error
                    exact = exact and tail_exact
                    break
                passed.append((("cut", i, value), i))
    except NetworkError as exc:
        for key, _ in passed:
            memo[key] = (exc, False)
        return exc, False
    for key, i in passed:
        memo[key] = (None, last_inexact <= i and tail_exact)  # exact past it: no row dropped after it
    return None, exact


def _after_their_results(blocks: list[Block], made: Any = None) -> list[Block]:
    """``blocks`` (whose results are read once the same node is done) in an order where a block whose result is
    another one's of them (an empty block after an empty block) comes after that one; the others keep their order.
    With ``made`` (the results so far), only the blocks whose result is there or comes from one of them."""
    ids = {b.id for b in blocks}
    ordered: list[Block] = []
    waiting: dict[str, list[Block]] = {}  #: a block's id → the blocks whose result is its
    for block in blocks:
        base = split_ref(block.output)[0]
        if base in ids:
            waiting.setdefault(base, []).append(block)
        elif made is None or base in made:
            ordered.append(block)
    i = 0
    while i < len(ordered):
        ordered += waiting.pop(ordered[i].id, ())
        i += 1
    return ordered


def _cuts(network: Network, aliases: dict[int, list[Block]]) -> set[int]:
    """The indices of the nodes after which no node reads a tensor made before them (the network's inputs
    included; a block's id read as the node it stands for): the shape there decides all that follows."""
    source: dict[str, int] = {name: -1 for name, _ in network.inputs}  #: a ref's base → the node made it

    def made_by(ref: str) -> int | None:
        return source.get(split_ref(ref)[0] if ref.endswith("]") else ref)

    for block in aliases.get(-1, ()):
        source[block.id] = made_by(block.output)
    last_read: dict[int, int] = {}  #: node index (−1: an input) → the last node that reads it
    for i, node in enumerate(network.nodes):
        for ref in node.inputs:
            by = made_by(ref)
            if by is None:  # (read before it is made: the walk refuses it; no cut is worth the risk)
                return set()
            last_read[by] = i
        source[node.id] = i
        for block in aliases.get(i, ()):
            source[block.id] = made_by(block.output)
    cuts = set()
    needed = last_read.get(-1, -1)  #: the last node reading anything made before the current one
    for i in range(len(network.nodes)):
        if needed <= i:
            cuts.add(i)
        needed = max(needed, last_read.get(i, -1))
    return cuts


def _trial_node(node: Node, xs: list) -> tuple[Any, bool]:
    """One node of :func:`trial`: its output (a shape, a list of them, or the refusal) and whether a division
    dropped rows."""
    layer = node.layer
    try:
        if getattr(layer, "MANY", False) or len(xs) > 1:
            effect = layer.apply_many(xs, list(node.labels or tuple(node.inputs)))
        else:
            effect = layer.apply(xs[0])
    except NetworkError as exc:
        return exc, False
    inexact = any(n.code in INEXACT for n in effect.warnings)
    return (list(effect.outputs) if effect.outputs else effect.output_shape), inexact


def smallest_input(network: Network, *, channels: int | None = None, limit: int = 4096) -> tuple[Shape | None, Report | None]:
    """The smallest input with all spatial dims equal that ``network`` accepts, and the report of the
    size just below it (None when size 1 already passes). Scans sizes upward from 1, so a network
    that accepts 15 but not 14 answers 15 even if it would fail again at some larger size. Each size is
    tried on shapes alone; the answer and the size below it are then analysed in full."""
    base = network.input_shape
    c = channels or base[0]
    ndim = len(base) - 1
    if ndim == 0:
        from .errors import SpecError

        raise SpecError(f"--min-input: the input {dims(base)} has no spatial dims to shrink")
    memo: dict = {}
    for size in range(1, limit + 1):
        shape = (c, *(size,) * ndim)
        if trial(network, shape, memo)[0] is None:
            report = analyze(network, input_shape=shape)
            if report.ok:
                below = analyze(network, input_shape=(c, *(size - 1,) * ndim)) if size > 1 else None
                return report.input_shape, below
    return None, analyze(network, input_shape=(c, *(limit,) * ndim))


def _periodic(network: Network) -> bool:
    """Whether every layer's output size is floor((in + a)/s) + b (or fixed): through such layers, whether every
    division is exact depends only on the input size modulo the product of the strides, so it repeats."""
    from . import layers as L

    kinds = (L.Conv, L._Pool, L.AdaptivePool, L.Linear, L.Flatten, L.BatchNorm, L.GroupNorm, L.LayerNorm,
             L.LocalResponseNorm, L.Dropout, L.Activation, L.PReLU, L.Merge, L.Pad, L.PadOp)
    return all(isinstance(n.layer, kinds) for n in network.nodes)


def exact_inputs(network: Network, start: int, stop: int) -> list[Shape]:
    """The square inputs from ``start`` to ``stop`` at which the network passes with every division
    exact (no row dropped by floor rounding: ``--strict``).

    Through convolutions and pools that pattern repeats with the network's largest effective stride P
    (its receptive field's jump): two periods are tried, checked to agree, and the rest follows from
    them; otherwise every size is tried."""
    base = network.input_shape
    ndim = len(base) - 1

    memo: dict = {}

    def exact(size: int) -> bool:
        error, ok = trial(network, (base[0], *(size,) * ndim), memo)
        return error is None and ok

    period = None
    if _periodic(network) and stop - start > 64:
        report = analyze(network, input_shape=(base[0], *(start,) * ndim))
        jumps = [j for r in report.layers if r.jump for j in r.jump]
        if report.ok and jumps:
            period = math.lcm(*jumps)
    if period is not None and stop - start + 1 > 2 * period:
        first = [exact(n) for n in range(start, start + period)]
        second = [exact(n) for n in range(start + period, start + 2 * period)]
        if first == second:
            return [(base[0], *(n,) * ndim) for n in range(start, stop + 1) if first[(n - start) % period]]
    return [(base[0], *(n,) * ndim) for n in range(start, stop + 1) if exact(n)]


def pair_rows(a: Report, b: Report) -> list[tuple[str, LayerRow | None, LayerRow | None, bool]]:
    """Rows of two reports matched by path, in A's order then B's extra rows, each with whether the
    type, output shape, params or MACs differ."""
    rows_b = {r.path: r for r in b.layers}
    seen = set()
    pairs = []
    for ra in a.layers:
        rb = rows_b.get(ra.path)
        seen.add(ra.path)
        pairs.append((ra.path, ra, rb, rb is None or (ra.type, ra.output_shape, ra.params, ra.macs)
                      != (rb.type, rb.output_shape, rb.params, rb.macs)))
    pairs += [(rb.path, None, rb, True) for rb in b.layers if rb.path not in seen]
    return pairs
