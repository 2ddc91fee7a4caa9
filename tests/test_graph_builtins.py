"""The graph-shaped built-ins (named nodes, from: skips, merges, a shared tower, several inputs/outputs)
against PyTorch.

tests/data/graph_reference.json was written by tools/graph_reference.py, which defines each model as an
ordinary torch module with the same dotted names as the spec's node ids and measures it with forward hooks
(batch 1): params (a shared module once), trainable params, buffers, MACs (per call: a shared module at
every call), input and output shapes, and the output shape of every node of the spec torch can show, at the
spec's own input size and at the other sizes in ``sizes`` (the torch code computes its pads, crops and
interpolation sizes at run time, so the spec must hold at any size torch takes), and the sizes torch rejects
(``rejects``). So these tests need no torch; the last one, when torch is installed, re-runs the torch side and
checks the JSON is current.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from convcalc import analyze, catalog

HERE = Path(__file__).parent
REFERENCE = json.loads((HERE / "data" / "graph_reference.json").read_text())
TOOL = HERE.parent / "tools" / "graph_reference.py"
MODELS = ["unet", "unet-padded", "se_resnet50", "siamese", "fcn-aux"]


#: (model, index into its "sizes") for every extra input size the reference records
SIZED = [(name, i) for name in MODELS for i in range(len(REFERENCE["models"][name].get("sizes", [])))]


def size_id(param):
    name, i = param
    inputs = REFERENCE["models"][name]["sizes"][i]["inputs"]
    return f"{name}@" + ",".join("x".join(map(str, shape)) for shape in inputs.values())


@functools.cache
def report_of(name):
    return analyze(catalog.load(name))


def at_size(name, inputs):
    """The report at ``inputs`` (name -> shape): one input through input_shape=, several by name."""
    network = catalog.load(name)
    shapes = {k: tuple(v) for k, v in inputs.items()}
    if len(shapes) == 1:
        return analyze(network, input_shape=next(iter(shapes.values())))
    return analyze(network, inputs=shapes)


@functools.cache
def report_at(name, i):
    return at_size(name, REFERENCE["models"][name]["sizes"][i]["inputs"])


def spec_of(name):
    return yaml.safe_load(catalog.text(name))


def pairs(items):
    """report.inputs / report.outputs → [(name, shape tuple)]: (name, shape) tuples as the Report holds
    them, or {name, shape} mappings as its JSON writes them."""
    out = []
    for item in items:
        if isinstance(item, dict):
            name, shape = item["name"], item["shape"]
        elif isinstance(item, (tuple, list)):
            name, shape = item
        else:
            name, shape = item.name, item.shape
        out.append((name, tuple(shape)))
    return out


def test_the_reference_covers_the_five_models():
    assert sorted(REFERENCE["models"]) == sorted(MODELS)
    for name in MODELS:
        assert catalog.text(name)  # shipped in the catalog


def check_totals(report, ref):
    assert report.ok, report.errors
    totals = report.totals
    assert (totals.params, totals.trainable_params, totals.buffers, totals.macs) == (
        ref["params"], ref["trainable_params"], ref["buffers"], ref["macs"])


def check_inputs_and_outputs(report, ref):
    """Inputs and outputs by name and shape: named outputs in the spec's order, or with no outputs: list the
    last top-level element's result, named as that element (the torch side names it the same way)."""
    assert pairs(report.inputs) == [(k, tuple(v)) for k, v in ref["inputs"].items()]
    expected = [(k, tuple(v)) for k, v in ref["outputs"].items()]
    assert pairs(report.outputs) == expected
    assert report.output_shape == expected[0][1]
    assert report.input_shape == tuple(next(iter(ref["inputs"].values())))


def check_nodes(report, ref):
    rows = {}
    for row in report.layers:
        rows.setdefault(row.node, row)
    missing = [node for node in ref["nodes"] if node not in rows]
    assert not missing, f"no report row for node ids {missing[:10]} (of {len(missing)})"
    wrong = [(node, rows[node].output_shape, tuple(shape)) for node, shape in ref["nodes"].items()
             if rows[node].output_shape != tuple(shape)]
    assert not wrong, "node: convcalc vs torch " + "; ".join(f"{n}: {a} vs {b}" for n, a, b in wrong[:10])


@pytest.mark.parametrize("name", MODELS)
def test_totals_match_torch(name):
    check_totals(report_of(name), REFERENCE["models"][name])


@pytest.mark.parametrize("name", MODELS)
def test_inputs_and_outputs_match_torch(name):
    check_inputs_and_outputs(report_of(name), REFERENCE["models"][name])


@pytest.mark.parametrize("name", MODELS)
def test_every_node_shape_matches_torch(name):
    check_nodes(report_of(name), REFERENCE["models"][name])


@pytest.mark.parametrize("sized", SIZED, ids=size_id)
def test_totals_match_torch_at_other_sizes(sized):
    name, i = sized
    check_totals(report_at(name, i), REFERENCE["models"][name]["sizes"][i])


@pytest.mark.parametrize("sized", SIZED, ids=size_id)
def test_inputs_and_outputs_match_torch_at_other_sizes(sized):
    name, i = sized
    check_inputs_and_outputs(report_at(name, i), REFERENCE["models"][name]["sizes"][i])


@pytest.mark.parametrize("sized", SIZED, ids=size_id)
def test_every_node_shape_matches_torch_at_other_sizes(sized):
    name, i = sized
    check_nodes(report_at(name, i), REFERENCE["models"][name]["sizes"][i])


def test_the_reference_has_the_extra_sizes():
    """The sizes this suite promises (a rewrite of the tool must not drop them silently)."""
    recorded = {name: [tuple(map(tuple, s["inputs"].values())) for s in REFERENCE["models"][name]["sizes"]]
                for name in MODELS}
    assert recorded == {
        "unet": [((1, 508, 508),)],
        "unet-padded": [((3, 512, 512),), ((3, 500, 500),)],
        "se_resnet50": [((3, 160, 160),)],
        "siamese": [],
        "fcn-aux": [((3, 256, 256),), ((3, 97, 97),)],
    }
    assert REFERENCE["models"]["siamese"]["rejects"] == [{"left": [1, 100, 100], "right": [1, 100, 100]}]


@pytest.mark.parametrize("name", [name for name in MODELS if REFERENCE["models"][name].get("rejects")])
def test_sizes_torch_rejects_are_errors(name):
    for inputs in REFERENCE["models"][name]["rejects"]:
        report = at_size(name, inputs)
        assert not report.ok, f"{name} at {inputs}: torch raises, convcalc reports no error"


def test_the_with_inputs_path_agrees():
    """network.with_inputs(shape) then analyze() is analyze(network, input_shape=shape)."""
    ref = REFERENCE["models"]["fcn-aux"]["sizes"][1]
    report = analyze(catalog.load("fcn-aux").with_inputs((3, 97, 97)))
    check_totals(report, ref)
    check_inputs_and_outputs(report, ref)
    check_nodes(report, ref)


def test_default_output_is_named_after_the_last_element():
    """No outputs: list → the output is named after the last top-level element (outc, not outc.conv)."""
    assert not spec_of("unet-padded").get("outputs")
    assert pairs(report_of("unet-padded").outputs) == [("outc", (2, 572, 572))]
    assert pairs(report_at("unet-padded", 1).outputs) == [("outc", (2, 500, 500))]
    assert [n for n, _ in pairs(report_of("unet").outputs)] == ["final"]
    assert [n for n, _ in pairs(report_of("se_resnet50").outputs)] == ["fc"]
    assert [n for n, _ in pairs(report_of("siamese").outputs)] == ["sigmoid"]


def _elements(items, blocks):
    for item in items or []:
        if isinstance(item, str):
            item = {"type": item}
        yield item
        yield from _elements(item.get("layers"), blocks)
        for branch in item.get("branches") or []:
            yield from _elements(branch, blocks)
    for definition in (blocks or {}).values():
        if isinstance(definition, dict):
            yield from _elements(definition.get("layers"), None)


@pytest.mark.parametrize("name", MODELS)
def test_no_size_is_written_into_the_specs(name):
    """The pads, crops and resizes follow the tensors (from: [x, like]) rather than amounts for one input
    size; a block's shortcut reads `input` rather than an identity element named for it."""
    spec = spec_of(name)
    for item in _elements(spec["layers"], spec.get("blocks")):
        kind = item.get("type")
        assert kind != "identity", f"{name}: {item}"
        if kind == "pad":
            assert "pad" not in item and len(item.get("from", [])) == 2, f"{name}: {item}"
        if kind in ("interpolate", "upsample"):
            assert "size" not in item and "scale_factor" not in item, f"{name}: {item}"


def test_paper_numbers():
    """What the papers and repos print, as the reference records it."""
    models = REFERENCE["models"]
    unet = models["unet"]
    assert unet["outputs"] == {"final": [2, 388, 388]}  # Fig. 1: 572x572 in, 388x388 out
    assert unet["nodes"]["cat4"][0] == 1024 and unet["nodes"]["cat1"][0] == 128  # bottom and top concat
    assert unet["nodes"]["bottleneck"] == [1024, 28, 28]
    assert models["unet-padded"]["outputs"] == {"outc": [2, 572, 572]}  # padding keeps the size
    assert models["unet-padded"]["params"] == 31_037_698  # milesial/Pytorch-UNet's 31.0M
    assert round(models["se_resnet50"]["params"] / 1e6, 1) == 28.1  # Hu et al. Table 1: 28.1M
    siamese = models["siamese"]
    assert siamese["nodes"]["tower.9"] == [256, 6, 6] and siamese["nodes"]["tower"] == [4096]  # Koch Fig. 4
    # one tower's MACs, twice: the shared module counts at every call and its parameters once
    tower_macs = (64 * 1 * 10 * 10 * 96 * 96 + 128 * 64 * 7 * 7 * 42 * 42 + 128 * 128 * 4 * 4 * 18 * 18
                  + 256 * 128 * 4 * 4 * 6 * 6 + 9216 * 4096)
    assert siamese["macs"] == 2 * tower_macs + 4096
    assert models["fcn-aux"]["outputs"] == {"out": [21, 128, 128], "aux": [21, 128, 128]}


def test_shared_tower_reuses_every_layer_of_the_first():
    """{share: tower, name: tower_r}: each layer of the second call names the one it reuses, costs the same
    MACs, and the parameters are counted once (the totals: test_totals_match_torch)."""
    rows = {row.node: row for row in report_of("siamese").layers}
    leaves = [node for node in rows if node.startswith("tower.")]
    assert len(leaves) == 14
    for node in leaves:
        again = rows["tower_r" + node[len("tower"):]]
        assert rows[node].shared_with is None
        assert again.shared_with == node
        assert again.macs == rows[node].macs
    assert rows["tower_r"].macs == rows["tower"].macs
    assert report_of("siamese").totals.params == REFERENCE["models"]["siamese"]["params"]


def _load_tool():
    spec = importlib.util.spec_from_file_location("graph_reference", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_json_is_current():
    """Re-run tools/graph_reference.py's torch side: the JSON must be what it writes now."""
    pytest.importorskip("torch", reason="torch is not installed: the reference JSON cannot be regenerated here")
    tool = _load_tool()
    fresh = json.loads(json.dumps(tool.build_reference()))
    stored = {k: v for k, v in REFERENCE.items() if k != "torch_version"}
    assert sorted(fresh["models"]) == sorted(stored["models"])
    for name in stored["models"]:
        assert fresh["models"][name] == stored["models"][name], (
            f"{name}: tests/data/graph_reference.json is stale; run python tools/graph_reference.py")
    assert fresh == stored
