"""``convcalc.records.record`` behaves as ``dataclasses.dataclass`` does, option for option: the same class
declared both ways, the same calls made on both, the same outcomes (value, repr, equality, hash, errors)."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import pickle
from dataclasses import dataclass, field

import pytest

from convcalc.records import record

OPTIONS = [dict(frozen=f, slots=s, kw_only=k, unsafe_hash=h)
           for f, s, k, h in itertools.product([False, True], repeat=4) if not (f and h)]


def declare(decorator, options):
    @decorator(**options)
    class Point:
        x: int
        y: int = 2
        tags: list = field(default_factory=list)
        note: str = field(default="", compare=False, repr=False)

    return Point


CALLS = [((1,), {}), ((), {"x": 1}), ((1, 3), {}), ((), {"x": 1, "y": 3, "tags": [4]}), ((1, 2, [3], "n"), {}),
         ((), {}), ((1, 2, [], "", 5), {}), ((), {"x": 1, "z": 2}), ((1,), {"x": 1}), ((), {"y": 1})]


def outcome(cls, args, kwargs):
    try:
        obj = cls(*args, **kwargs)
    except TypeError:
        return "TypeError"
    return obj


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("fast_init", [False, True])
def test_a_record_behaves_as_the_dataclass(options, fast_init):
    real, fast = declare(dataclass, options), declare(lambda **o: record(**o, fast_init=fast_init), options)
    assert dataclasses.is_dataclass(fast)
    assert [f.name for f in dataclasses.fields(fast)] == [f.name for f in dataclasses.fields(real)]
    made = []
    for args, kwargs in CALLS:
        a, b = outcome(real, args, kwargs), outcome(fast, args, kwargs)
        assert (a == "TypeError") == (b == "TypeError"), (args, kwargs, a, b)
        if a == "TypeError":
            continue
        assert repr(b).replace("test_a_record_behaves_as_the_dataclass.<locals>.declare.<locals>.", "") == \
            repr(a).replace("test_a_record_behaves_as_the_dataclass.<locals>.declare.<locals>.", "")
        assert dataclasses.asdict(b) == dataclasses.asdict(a)
        assert dataclasses.replace(b, y=9).y == 9 and dataclasses.replace(b, y=9) == fast(**{**dataclasses.asdict(b), "y": 9})
        made.append((a, b))
    for (a1, b1), (a2, b2) in itertools.product(made, repeat=2):
        assert (a1 == a2) == (b1 == b2)
    a, b = made[0]
    assert b != a  # another class
    assert (real.__hash__ is None) == (fast.__hash__ is None)
    if real.__hash__ is not None:
        twin = fast(**{**dataclasses.asdict(b), "tags": ()})
        assert hash(twin) == hash(fast(**{**dataclasses.asdict(b), "tags": ()}))
    for obj in (a, b):
        if options["frozen"]:
            with pytest.raises(dataclasses.FrozenInstanceError):
                obj.x = 5
            with pytest.raises(dataclasses.FrozenInstanceError):
                del obj.x
        else:
            obj.x = 5
            assert obj.x == 5
    for twin in (copy.copy(b), copy.deepcopy(b)):
        assert twin == b and twin is not b


@record(frozen=True, slots=True, kw_only=True)
class Pickled:  # at module level, where pickle finds it
    x: int
    y: tuple = (1, 2)


def test_a_frozen_record_with_slots_pickles():
    obj = Pickled(x=1)
    assert pickle.loads(pickle.dumps(obj)) == obj


def test_methods_written_in_the_class_are_kept_and_post_init_runs():
    @record(frozen=True)
    class Own:
        x: int

        def __repr__(self):
            return "own"

        def __post_init__(self):
            object.__setattr__(self, "x", self.x * 2)

    assert repr(Own(2)) == "own" and Own(2).x == 4


def test_dataclasses_is_imported_without_inspect_and_reads_it_when_needed():
    """convcalc imports dataclasses with inspect deferred (convcalc._dataclasses): a plain run never imports it,
    and a dataclass without a docstring, made later, still gets dataclass's own, from the real inspect."""
    import subprocess
    import sys

    code = ("import sys, convcalc, dataclasses\n"
            "assert 'inspect' not in sys.modules\n"
            "@dataclasses.dataclass\nclass P:\n    x: int\n    y: str = 'a'\n"
            "assert P.__doc__ == \"P(x: int, y: str = 'a')\", P.__doc__\n"
            "import inspect\nassert dataclasses.inspect is inspect and sys.modules['inspect'] is inspect\n"
            "assert inspect.signature(P).parameters['y'].default == 'a'\n"
            "from convcalc.records import record\n"
            "@record()\nclass R:\n    x: int\nassert R.__doc__ == 'R(x: int)', R.__doc__\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _hand_written():
    from convcalc.graph import Block, Node
    from convcalc.layers import Effect, Note, Window
    from convcalc.receptive import Field
    from convcalc.report import Diagnostic, LayerRow

    return [LayerRow, Node, Block, Effect, Note, Window, Field, Diagnostic]


@pytest.mark.parametrize("cls", _hand_written(), ids=lambda c: c.__name__)
def test_a_hand_written_init_is_the_one_dataclass_would_generate(cls):
    """The records made by the hundred thousand write their ``__init__`` out (dataclass compiling it cost start-up
    time): it must stay the one dataclass generates from the fields — the same parameters, kinds and defaults,
    each argument stored in its own field, a fresh value from each default factory."""
    import inspect

    from convcalc.records import FACTORY

    fields = dataclasses.fields(cls)
    twin = dataclasses.make_dataclass(cls.__name__, [
        (f.name, f.type, field(default=f.default, default_factory=f.default_factory, kw_only=f.kw_only))
        for f in fields])
    ours, theirs = (inspect.signature(c.__init__).parameters.values() for c in (cls, twin))
    assert [(p.name, p.kind) for p in ours] == [(p.name, p.kind) for p in theirs]
    for p, q in zip(ours, theirs):
        if repr(q.default) == "<factory>":
            assert p.default is FACTORY, p.name
        else:
            assert p.default == q.default and type(p.default) is type(q.default), p.name
    given = {f.name: object() for f in fields}  # every argument given: each lands in its own field
    positional = [given[f.name] for f in fields if not f.kw_only]
    made = cls(*positional, **{f.name: given[f.name] for f in fields if f.kw_only})
    assert all(getattr(made, f.name) is given[f.name] for f in fields)
    required = {f.name: given[f.name] for f in fields
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    args = [required.pop(f.name) for f in fields if not f.kw_only and f.name in required]
    one, two, reference = cls(*args, **required), cls(*args, **required), twin(*args, **required)
    for f in fields:
        assert getattr(one, f.name) == getattr(reference, f.name), f.name
        if f.default_factory is not dataclasses.MISSING:
            assert getattr(one, f.name) is not getattr(two, f.name), f.name  # a fresh one each time
    if cls.__setattr__ is not object.__setattr__:  # frozen
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(one, fields[0].name, 1)
    with pytest.raises(TypeError):
        cls(*args, **required, unknown=1)


# -- the analysis's rows, filled by position ------------------------------------------------------------------

_FEATURES = {"input": [4, 9, 9], "layers": [  # named, from:, share:, a frozen layer, a chunk, a merge, several outputs
    {"type": "conv2d", "name": "a", "out_channels": 6, "kernel_size": 3, "padding": 1},
    {"type": "batchnorm2d", "trainable": False},
    {"type": "conv2d", "name": "b", "from": "a", "out_channels": 6, "kernel_size": 3, "padding": 1, "bias": False},
    {"share": "b", "name": "c"},
    {"type": "chunk", "name": "h", "chunks": 2},
    {"type": "add", "from": ["h[0]", "h[1]"]},
    {"type": "maxpool2d", "kernel_size": 2},
    "flatten", {"type": "linear", "out_features": 5}]}


@pytest.mark.parametrize("name", ["features", "lenet5", "googlenet", "siamese", "resnet18", "unet"])
def test_each_node_row_holds_its_own_node_and_effect(name):
    """``_Evaluate.node`` fills a row's 33 fields by position (keywords cost a third of the analysis at 100,000
    rows): each field must hold what its name says — checked against the node and a fresh ``layer.apply`` of
    its own, at batch 3 so that the per-batch counts differ from the per-sample ones."""
    import math

    from convcalc import catalog
    from convcalc.build import from_data
    from convcalc.graph import split_ref
    from convcalc.report import _Evaluate, _settings, analyze

    network = from_data(_FEATURES) if name == "features" else catalog.load(name)
    report = analyze(network, batch=3)
    assert report.ok
    nodes = {n.id: n for n in network.nodes}
    outputs = {split_ref(r)[0] for r in network.outputs}
    rows = [r for r in report.layers if not r.block or r.node in nodes]
    seen = set()
    for row in rows:
        node = nodes.get(row.node)
        if node is None or len(node.inputs) != 1 or getattr(node.layer, "MANY", False):
            continue  # merges and blocks are made elsewhere
        layer = node.layer
        effect, settings, numel, counters, tensors = _Evaluate.made(layer, layer.apply(row.input_shape, "torch"))
        shared = node.shared_with
        params = 0 if shared else effect.params
        assert (row.path, row.name, row.type, row.block, row.depth) == (layer.path, layer.name, layer.type, False,
                                                                          node.depth)
        assert (row.output_shape, row.weight_shape, row.output_shapes) == (effect.output_shape, effect.weight_shape,
                                                                           effect.outputs)
        assert (row.params, row.trainable_params) == (params, params if layer.trainable else 0)
        assert (row.weights, row.bias, row.buffers) == ((0, 0, 0) if shared else
                                                        (effect.weights, effect.bias, effect.buffers))
        assert (row.macs, row.connections, row.activations) == (effect.macs * 3, effect.connections * 3,
                                                               math.prod(effect.output_shape) * 3)
        assert (row.fc_params, row.weight_layers) == (effect.fc_params, 1 if effect.weights else 0)
        assert row.settings == _settings(layer) == settings and row.branch_receptive_fields is None
        assert row.explain is None
        several = len(network.inputs) > 1  # (siamese: the fields by input name)
        assert row.receptive_fields is None if not several else set(row.receptive_fields) <= {
            n for n, _ in network.inputs}
        assert (row.node, row.inputs, row.explicit_inputs, row.shared_with, row.is_output) == (
            node.id, node.inputs, node.explicit, shared, node.id in outputs)
        assert (row.counter_buffers, row.trainable_param_tensors) == ((0, 0) if shared else (counters, tensors))
        assert (row.jump is None) == (row.start is None)  # (the whole input: a size and no jump or start)
        if row.receptive_field is not None:
            assert all(type(v) is int and v >= 1 for v in row.receptive_field)
            assert row.jump is None or len(row.jump) == len(row.start) == len(row.receptive_field)
        seen.add(row.node)
    assert len(seen) >= 5
