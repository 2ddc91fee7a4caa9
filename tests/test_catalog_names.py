"""The torchvision catalog models name their nodes as torchvision names its modules.

tests/data/torchvision_reference.json (torch 2.14.1 / torchvision 0.29.1, forward hooks) lists every leaf
module call of each model in ``layers`` with the module's ``name``, and every function call outside a leaf
module (``F.relu``, ``torch.cat``, ``x + identity``, ``torch.flatten``) in ``functional_calls`` with the module
it runs in (``scope``), both in one execution order (``seq``). So a user of ``convcalc params resnet50`` reads
``layer1.0.conv1`` where torchinfo and ``print(model)`` say ``layer1.0.conv1``.

Each leaf row of the report, in order, is one of those calls:

* a module call: its node id is the module's name; a module called again (ResNet's block calls its one
  ``relu`` after the add too) is a ``share:`` of the first call, its row's ``shared_with`` that name;
* a function call: a node inside the block of the module that calls it (``layer1.0.add``,
  ``inception3a.cat``, ``flatten`` at the top), under a name that is no module's.

The only call without a row is DenseNet's ``torch.cat([x])`` at the start of each block's first layer (a
copy of one tensor). The catalog's DenseNet cats join the previous layer's cat and that layer's new channels
rather than the whole list (the same tensor; the drawing stays one skip per layer), so inputs are not compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from convcalc import analyze, catalog

REFERENCE = json.loads((Path(__file__).parent / "data" / "torchvision_reference.json").read_text())
MODELS = {  # torchvision name -> catalog name
    "alexnet": "alexnet", "vgg11": "vgg11", "vgg16": "vgg16", "resnet18": "resnet18", "resnet50": "resnet50",
    "googlenet": "googlenet-torchvision", "inception_v3": "inception_v3", "mobilenet_v2": "mobilenet_v2",
    "squeezenet1_0": "squeezenet1_0", "densenet121": "densenet121",
}
MODULES = {"Conv2d": "conv2d", "BatchNorm2d": "batchnorm2d", "Linear": "linear", "ReLU": "relu", "ReLU6": "relu6",
           "MaxPool2d": "maxpool2d", "AvgPool2d": "avgpool2d", "AdaptiveAvgPool2d": "adaptiveavgpool2d",
           "Dropout": "dropout"}
FUNCTIONS = {"torch.nn.functional.relu": "relu", "torch.cat": "concat", "Tensor.add": "add", "Tensor.add_": "add",
             "torch.flatten": "flatten", "torch.nn.functional.avg_pool2d": "avgpool2d",
             "torch.nn.functional.max_pool2d": "maxpool2d",
             "torch.nn.functional.adaptive_avg_pool2d": "adaptiveavgpool2d"}


def calls(tv_name: str) -> list[dict]:
    """The reference's module and function calls in execution order, without torch.cat of a single tensor."""
    model = REFERENCE["models"][tv_name]
    out = [{**row, "kind": "module"} for row in model["layers"]]
    for call in model["functional_calls"]:
        if call["func"] == "torch.cat" and len(call["in"][0]) == 1:
            continue
        out.append({**call, "kind": "function"})
    return sorted(out, key=lambda c: c["seq"])


def leaves(report):
    return [row for row in report.layers if not row.block]


def module_name(row) -> str:
    """The torch module a row calls: its own node, or the node whose module it calls again."""
    return row.shared_with or row.node


def parent(node: str) -> str:
    return node.rpartition(".")[0]


@pytest.fixture(scope="module")
def reports():
    cache = {}

    def get(name, aux=False):
        if (name, aux) not in cache:
            cache[name, aux] = analyze(catalog.load(name, aux=aux))
        return cache[name, aux]

    return get


@pytest.mark.parametrize("tv_name,name", MODELS.items(), ids=list(MODELS.values()))
def test_module_rows_are_named_as_torchvision_names_its_modules(tv_name, name, reports):
    """The rows that are module calls, in order, name exactly the modules torchvision calls, in its order."""
    report = reports(name)
    assert report.ok
    modules = {row["name"] for row in REFERENCE["models"][tv_name]["layers"]}
    ours = [module_name(row) for row in leaves(report) if module_name(row) in modules]
    assert ours == [row["name"] for row in REFERENCE["models"][tv_name]["layers"]]


@pytest.mark.parametrize("tv_name,name", MODELS.items(), ids=list(MODELS.values()))
def test_every_leaf_row_is_one_call_of_the_forward_pass(tv_name, name, reports):
    """Row by row against the reference's calls: module rows by name, type and output shape (a module called
    again shares the first call); function rows by type, output shape and the module they run in, under a
    name no module has."""
    rows = leaves(reports(name))
    expected = calls(tv_name)
    modules = {row["name"] for row in REFERENCE["models"][tv_name]["layers"]}
    assert len(rows) == len(expected), [r.node for r in rows][:5]
    seen: set[str] = set()
    for i, (row, call) in enumerate(zip(rows, expected)):
        where = f"row {i} ({row.node}, {row.type}) vs {call.get('name') or call['func']}"
        assert row.output_shape == tuple(call["out"]), where
        if call["kind"] == "module":
            assert row.type == MODULES[call["type"]], where
            if call["name"] in seen:
                assert row.shared_with == call["name"], where
            else:
                assert row.node == call["name"] and row.shared_with is None, where
                seen.add(call["name"])
        else:
            assert row.type == FUNCTIONS[call["func"]], where
            assert parent(row.node) == ("" if call["scope"] == "<root>" else call["scope"]), where
            assert row.node not in modules and row.shared_with is None, where


# torchvision 0.29's InceptionAux heads run only in training mode, so the reference (eval mode) records their
# parameters per head but no calls; their modules, from torchvision's source: googlenet's
# F.adaptive_avg_pool2d, conv (BasicConv2d), torch.flatten, fc1, F.relu, dropout (nn.Dropout(0.7)), fc2;
# inception_v3's F.avg_pool2d(5, 3), conv0, conv1 (BasicConv2d), F.adaptive_avg_pool2d, torch.flatten, fc.
def googlenet_aux(head):
    return [("adaptiveavgpool2d", None), ("conv2d", f"{head}.conv.conv"), ("batchnorm2d", f"{head}.conv.bn"),
            ("relu", None), ("flatten", None), ("linear", f"{head}.fc1"), ("relu", None),
            ("dropout", f"{head}.dropout"), ("linear", f"{head}.fc2")]


AUX = {
    ("googlenet_aux", "googlenet-torchvision"): {"aux1": googlenet_aux("aux1"), "aux2": googlenet_aux("aux2")},
    ("inception_v3_aux", "inception_v3"): {"AuxLogits": [
        ("avgpool2d", None), ("conv2d", "AuxLogits.conv0.conv"), ("batchnorm2d", "AuxLogits.conv0.bn"), ("relu", None),
        ("conv2d", "AuxLogits.conv1.conv"), ("batchnorm2d", "AuxLogits.conv1.bn"), ("relu", None),
        ("adaptiveavgpool2d", None), ("flatten", None), ("linear", "AuxLogits.fc")]},
}


@pytest.mark.parametrize("tv_name,name", AUX, ids=[name for _, name in AUX])
def test_auxiliary_heads_are_named_as_torchvision_names_them(tv_name, name, reports):
    """With --aux, each head is the block torchvision names (aux1, aux2, AuxLogits), holding the parameters the
    reference counts for that head, and its rows name its modules; its function calls are named in it."""
    report = reports(name, aux=True)
    heads = AUX[tv_name, name]
    blocks = {row.node: row for row in report.layers if row.block}
    assert {head: blocks[head].params for head in heads} == REFERENCE["models"][tv_name]["aux_params_by_head"]
    main = {row.node for row in leaves(reports(name))}
    for head, expected in heads.items():
        rows = [row for row in leaves(report) if row.node.startswith(head + ".")]
        assert [(row.type, row.node if module else None) for row, (_, module) in zip(rows, expected)] == expected
        functions = [row for row, (_, module) in zip(rows, expected) if module is None]
        assert all(row.node.rpartition(".")[2] in ("relu", "flatten", "adaptive_avg_pool2d", "avg_pool2d")
                   for row in functions)
    assert main == {row.node for row in leaves(report)} - {row.node for row in leaves(report)
                                                            if row.node.split(".")[0] in heads}


def test_the_tables_show_the_module_names():
    """What a user reads: torchvision's names in the rows, the summary and the collapsed repeats."""
    from typer.testing import CliRunner

    from convcalc.cli import app

    def run(*args):
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "100"}).stdout

    full = run("params", "resnet50", "--full")
    for name in ("layer1.0.conv1", "layer1.0.relu_1", "layer2.0.downsample.0", "layer4.2.bn3", "fc"):
        assert any(line.split()[:1] == [name] for line in full.splitlines()), name
    assert "relu shares layer1.0.relu" in full
    summary = run("params", "resnet50")
    assert "layer1.1-2  bottleneck ×2" in summary and "layer4.0.conv2" in summary
    dense = run("params", "densenet121", "--depth", "2")
    assert "features.denseblock1.denselayer1" in dense and "features.transition1" in dense
    assert "Mixed_5b.branch5x5_2.conv" in run("params", "inception_v3", "--full")


ROUTE = [("alexnet.py", "alexnet"), ("vgg.py:vgg11", "vgg11"), ("vgg.py:vgg16", "vgg16"),
         ("resnet.py:resnet18", "resnet18"), ("resnet.py:resnet50", "resnet50"),
         ("densenet.py:densenet121", "densenet121"), ("googlenet.py", "googlenet-torchvision"),
         ("mobilenet_v2.py", "mobilenet_v2"), ("squeezenet.py", "squeezenet1_0")]


@pytest.mark.parametrize("source,name", ROUTE, ids=[name for _, name in ROUTE])
def test_the_torch_route_gives_the_same_node_ids(source, name, reports):
    """``--torch`` on torchvision's code (tests/data/torch_models) names every node as the catalog does, so
    ``convcalc verify`` pairs them by id: the same blocks, and the same leaves with the same type, output,
    parameters, MACs and shared module. Needs torch (skipped without it)."""
    pytest.importorskip("torch")
    from convcalc.readers import torchroute

    models = Path(__file__).parent / "data" / "torch_models"
    traced = analyze(torchroute.read(str(models / source), input_text="3x224x224"))

    def nodes(report):
        return ([row.node for row in report.layers if row.block],
                [(row.node, row.type, row.output_shape, row.params, row.macs, row.shared_with)
                 for row in leaves(report)])

    assert nodes(traced) == nodes(reports(name))
    assert traced.totals == reports(name).totals
