"""A layer written again, or met again on the same shape, is worked out once (the speed of a generated
network of 100,000 layers): what is remembered must never change a result.

* building: an element written the same as an earlier one reuses that one's checked layer, at its own path;
* analysing: a layer of the same kind and arguments on the same input reuses the earlier effect and settings.

Each is compared with the same work done without remembering, over every built-in model and over random
chains that repeat a few elements.
"""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

from convcalc import build, catalog
from convcalc.errors import NetworkError, SpecError
from convcalc.render import text
from convcalc.report import _Evaluate, analyze


@pytest.fixture
def no_memo(monkeypatch):
    """Analyse and build without remembering anything: every layer read and applied afresh."""

    def apply(self, layer, x):
        return self.made(layer, layer.apply(x, self.convention))

    def layer(self, type_name, item, path, name, trainable):
        return self.new_layer(type_name, item, path, name, trainable)

    def run(fn):
        with monkeypatch.context() as m:
            m.setattr(_Evaluate, "apply", apply)
            m.setattr(build._Builder, "layer", layer)
            return fn()

    return run


def _json(network) -> str:
    return text.to_json(analyze(network))


@pytest.mark.parametrize("name", catalog.names())
def test_builtin_models_are_the_same_without_remembering(name, no_memo):
    assert _json(catalog.load(name)) == no_memo(lambda: _json(catalog.load(name)))


GOOD = [
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1, "bias": False},
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2},
    {"type": "conv2d", "in_channels": 4, "out_channels": 4, "kernel_size": 1},  # refused after a 3-channel input
    {"type": "maxpool2d", "kernel_size": 2},
    {"type": "batchnorm2d"},
    {"type": "batchnorm2d", "trainable": False},
    {"type": "relu", "name": "act"},
    "relu",
    "ReLU",
    {"type": "dropout", "p": 1},
]
#: elements equal to good ones in Python (1 == True, 3 == 3.0) that the spec refuses
BAD = [
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1, "bias": 0},
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3.0, "stride": 2},
    {"type": "dropout", "p": True},
]


def _outcome(spec: dict) -> str:
    """The JSON report, or the error with its path."""
    try:
        return _json(build.from_data(json.loads(json.dumps(spec))))
    except (SpecError, NetworkError) as exc:
        return f"{type(exc).__name__}: {exc.path}: {exc}"


@pytest.mark.parametrize("seed", range(60))
def test_random_repeats_are_the_same_without_remembering(seed, no_memo):
    rng = random.Random(seed)
    layers = [rng.choice(GOOD) for _ in range(rng.randint(2, 12))]
    if seed % 3 == 0:
        layers.insert(rng.randint(1, len(layers)), rng.choice(BAD))
    spec = {"input": [3, 32, 32], "layers": layers}
    assert _outcome(spec) == no_memo(lambda: _outcome(spec))


def test_a_repeated_layer_keeps_its_own_path_name_and_trainable():
    conv = {"type": "conv2d", "out_channels": 3, "kernel_size": 3, "padding": 1}
    network = build.from_data({"input": [3, 8, 8], "layers": [conv, {**conv, "name": "b"}, conv,
                                                              {**conv, "trainable": False}]})
    layers = [n.layer for n in network.nodes]
    assert [(la.path, la.name, la.trainable) for la in layers] == [
        ("layers[0]", None, True), ("layers[1]", "b", True), ("layers[2]", None, True), ("layers[3]", None, False)]
    assert dataclasses.replace(layers[2], path="layers[0]") == layers[0] and layers[0] is not layers[2]
    rows = analyze(network).layers
    assert [r.trainable_params for r in rows] == [84, 84, 84, 0]


def test_an_error_in_a_repeated_layer_names_its_own_element():
    conv = {"type": "conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": 3}
    report = analyze(build.from_data({"input": [3, 16, 16], "layers": [conv, conv]}))
    assert [(e.path, e.message) for e in report.errors] == [
        ("layers[1]", "conv2d: in_channels=3 but the previous layer gives 4 channels")]
    with pytest.raises(SpecError) as caught:
        build.from_data({"input": [3, 16, 16], "layers": [conv, {**conv, "groups": 0}]})
    assert caught.value.path == "layers[1]"
