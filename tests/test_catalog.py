"""The built-in models against their published tables (REFERENCE.md)."""

import pytest

from convcalc import analyze
from convcalc import catalog


def report_of(name, **kwargs):
    return analyze(catalog.load(name), **kwargs)


@pytest.mark.parametrize("name", catalog.names())
def test_every_catalog_entry_analyses_cleanly(name):
    network = catalog.load(name)
    assert network.description and network.source
    report = analyze(network)
    assert report.ok, report.errors


# GoogLeNet, Szegedy et al. 2014, Table 1: output size (HxWxC), exact weight recount (no bias), recount MACs
GOOGLENET_TABLE_1 = [
    ("conv1", (112, 112, 64), 9_408, "118.0"),
    ("conv2", (56, 56, 192), 114_688, "359.7"),
    ("3a", (28, 28, 256), 163_328, "128.0"),
    ("3b", (28, 28, 480), 388_096, "304.3"),
    ("4a", (14, 14, 512), 375_552, "73.6"),
    ("4b", (14, 14, 512), 448_512, "87.9"),
    ("4c", (14, 14, 512), 509_440, "99.9"),
    ("4d", (14, 14, 528), 604_672, "118.5"),
    ("4e", (14, 14, 832), 867_328, "170.0"),
    ("5a", (7, 7, 832), 1_042_432, "51.1"),
    ("5b", (7, 7, 1024), 1_442_816, "70.7"),
    ("fc", (1000,), 1_024_000, "1.0"),
]
# the paper's own "ops" column (M); it agrees with a recount everywhere but conv1 (34M vs 118M)
GOOGLENET_PAPER_OPS = {"conv2": 360, "3a": 128, "3b": 304, "4a": 73, "4b": 88, "4c": 100, "4d": 119, "4e": 170,
                       "5a": 54, "5b": 71, "fc": 1}


def test_googlenet_reproduces_table_1():
    report = report_of("googlenet")
    rows = {r.name: r for r in report.layers if r.depth == 0 and r.name}
    for name, hwc, weights, mmacs in GOOGLENET_TABLE_1:
        row = rows[name]
        shape = row.output_shape
        assert (shape[1:] + shape[:1] if len(shape) > 1 else shape) == hwc, name
        assert row.weights == weights, name
        assert f"{row.macs / 1e6:.1f}" == mmacs, name
    for name, ops in GOOGLENET_PAPER_OPS.items():
        assert abs(rows[name].macs / 1e6 - ops) <= 3.5, name  # the paper rounds (and 5a is 54 vs 51.1)
    inception_3a = rows["3a"]
    assert (inception_3a.settings["ch1x1"], inception_3a.settings["ch3x3red"], inception_3a.settings["pool_proj"]) == (
        64, 96, 32)
    assert [rows[n].weight_layers for n in ("conv1", "pool1", "conv2", "3a", "fc")] == [1, 0, 2, 2, 1]  # "depth"
    assert report.totals.params == 6_998_552  # with biases, no aux heads (REFERENCE.md)
    assert report.output_shape == (1000,)


def test_googlenet_receptive_field_goes_through_every_branch():
    report = report_of("googlenet")
    inception = next(r for r in report.layers if r.name == "3a")
    assert len(inception.branch_receptive_fields) == 4
    assert inception.receptive_field == max(inception.branch_receptive_fields)


# LeCun et al. 1998, sec. II-B: (params, connections) per layer
LENET5 = {"C1": (156, 122_304), "S2": (12, 5_880), "C3": (1_516, 151_600), "S4": (32, 2_000),
          "C5": (48_120, 48_120), "F6": (10_164, 10_164), "output (RBF)": (840, 840)}


def test_lenet5_matches_lecun_1998():
    report = report_of("lenet5")
    rows = {r.name: r for r in report.layers if r.name}
    assert {name: (rows[name].params, rows[name].connections) for name in LENET5} == LENET5
    assert report.totals.trainable_params == 60_000
    assert report.totals.non_trainable_params == 840  # the RBF output units are fixed, not trained
    assert report.totals.connections == 340_908
    assert report.output_shape == (10,)


def test_lenet_is_the_course_lenet():
    report = report_of("lenet")
    assert report.totals.params == 61_706
    assert report.input_shape == (1, 28, 28)


# torchvision's published metadata (REFERENCE.md): num_params, "GFLOPS" (torchinfo mult-adds, which for these
# models round to the same figure as convcalc's weight-only MACs), and the smallest accepted square input
TORCHVISION = [
    pytest.param("alexnet", 61_100_840, "0.714", 63, id="alexnet"),
    pytest.param("vgg11", 132_863_336, "7.609", 32, id="vgg11"),
    pytest.param("vgg16", 138_357_544, "15.47", 32, id="vgg16"),
    pytest.param("resnet18", 11_689_512, "1.814", None, id="resnet18"),
    pytest.param("resnet50", 25_557_032, "4.089", None, id="resnet50"),
    pytest.param("googlenet-torchvision", 6_624_904, "1.498", 15, id="googlenet-torchvision"),
    pytest.param("inception_v3", 23_834_568, "5.713", 75, id="inception_v3"),
    pytest.param("mobilenet_v2", 3_504_872, "0.301", None, id="mobilenet_v2"),
    pytest.param("squeezenet1_0", 1_248_424, "0.819", 21, id="squeezenet1_0"),
    pytest.param("densenet121", 7_978_856, "2.834", 29, id="densenet121"),
]


@pytest.mark.parametrize("name,params,gmacs,smallest", TORCHVISION)
def test_torchvision_models_match_the_published_metadata(name, params, gmacs, smallest):
    from convcalc.report import smallest_input

    report = report_of(name)
    assert report.ok
    assert report.totals.params == params
    decimals = len(gmacs.split(".")[1])
    assert f"{report.totals.macs / 1e9:.{decimals}f}" == gmacs
    assert report.output_shape == (1000,)
    if smallest is not None:
        found, below = smallest_input(catalog.load(name))
        assert found == (3, smallest, smallest)
        assert not below.ok and below.errors[0].path  # the size below fails, naming a layer


def test_inception_v3_aux_head_is_counted_apart():
    report = analyze(catalog.load("inception_v3", aux=True))
    assert report.totals.params == 27_161_264  # torchvision with aux_logits=True
    assert report.totals.aux_params == 27_161_264 - 23_834_568


@pytest.mark.parametrize("name", catalog.names())
def test_the_compiled_catalog_equals_its_yaml(name):
    """catalog.load reads compiled/<name>.json (no PyYAML at start-up); it must be the YAML's data exactly
    (run tools/compile_catalog.py after editing a catalog file)."""
    import json
    import os

    from convcalc.readers.spec import parse_text

    with open(os.path.join(catalog.HERE, "compiled", f"{name}.json"), encoding="utf-8") as f:
        assert json.load(f) == parse_text(catalog.text(name), "yaml", name)


def test_loading_a_built_in_needs_no_yaml():
    import subprocess
    import sys

    code = "import sys, convcalc.catalog as c; c.load('resnet50'); print('yaml' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
