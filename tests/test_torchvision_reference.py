"""The torchvision-faithful catalog entries against torchvision itself, layer by layer.

tests/data/torchvision_reference.json was recorded from torch 2.14.1 / torchvision 0.29.1 by
tools/torchvision_reference.py (forward hooks on every leaf module), so these tests need neither.
"""

import json
from pathlib import Path

import pytest

from convcalc import analyze, catalog
from convcalc.report import smallest_input

REFERENCE = json.loads((Path(__file__).parent / "data" / "torchvision_reference.json").read_text())
MODELS = {  # torchvision name -> catalog name
    "alexnet": "alexnet", "vgg11": "vgg11", "vgg16": "vgg16", "resnet18": "resnet18", "resnet50": "resnet50",
    "googlenet": "googlenet-torchvision", "inception_v3": "inception_v3", "mobilenet_v2": "mobilenet_v2",
    "squeezenet1_0": "squeezenet1_0", "densenet121": "densenet121",
}
WEIGHTED = {"Conv2d": "conv2d", "BatchNorm2d": "batchnorm2d", "Linear": "linear"}


def weighted_rows_of_torchvision(name):
    return [(WEIGHTED[r["type"]], tuple(r["out"]), r["params"], r["macs"])
            for r in REFERENCE["models"][name]["layers"] if r["type"] in WEIGHTED]


def weighted_rows_of_convcalc(report):
    return [(r.type, r.output_shape, r.params, r.macs)
            for r in report.layers if not r.block and r.type in WEIGHTED.values()]


@pytest.mark.parametrize("tv_name,name", MODELS.items(), ids=list(MODELS.values()))
def test_layer_by_layer(tv_name, name):
    ref = REFERENCE["models"][tv_name]
    report = analyze(catalog.load(name))
    assert report.ok
    ours, theirs = weighted_rows_of_convcalc(report), weighted_rows_of_torchvision(tv_name)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"weighted layer {i}: convcalc {a} != torchvision {b}"
    assert report.input_shape == tuple(ref["input_shape"])
    assert report.output_shape == tuple(ref["output_shape"])
    assert report.totals.params == ref["params"]
    assert report.totals.buffers == ref["buffers"]
    assert report.totals.macs == ref["macs"]


@pytest.mark.parametrize("tv_name,name", MODELS.items(), ids=list(MODELS.values()))
def test_smallest_input_matches_torchvision(tv_name, name):
    found, _ = smallest_input(catalog.load(name))
    hw = REFERENCE["models"][tv_name]["min_input"]["hw"]
    assert found == (3, hw, hw)


@pytest.mark.parametrize("tv_name,name", [("googlenet_aux", "googlenet-torchvision"),
                                          ("inception_v3_aux", "inception_v3")])
def test_auxiliary_heads(tv_name, name):
    ref = REFERENCE["models"][tv_name]
    report = analyze(catalog.load(name, aux=True))
    assert report.totals.params == ref["params"]
    assert report.totals.aux_params == ref["aux_params"]
