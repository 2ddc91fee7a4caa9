"""The torch route (``--torch``) and ``convcalc verify``: models built by PyTorch on the meta device.

The model files are tests/data/torch_models/ (written as torchvision, the papers or the tutorials write
them); the reader corpus is tests/data/models/. CI installs torch 2.13 CPU; without torch these tests are
skipped (``CONVCALC_REQUIRE_TORCH=1`` makes that an error).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")  # before the app is imported
torch = pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from convcalc import analyze, catalog  # noqa: E402
from convcalc.cli import app  # noqa: E402
from convcalc.readers import torchroute  # noqa: E402
from convcalc.readers.torchroute.source import parse  # noqa: E402

MODELS = Path(__file__).parent / "data" / "torch_models"
CORPUS = Path(__file__).parent / "data" / "models"
ROOT = Path(__file__).parent.parent


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def route(source: str, shape: str | None = None):
    return analyze(torchroute.read(source, input_text=shape))


def torch_counts(source: str):
    """What torch itself says, counted on the meta device: parameters and buffers the model holds."""
    from convcalc.readers.torchroute.source import build

    model = build(parse(source)).model
    return (sum(p.numel() for p in model.parameters()), sum(b.numel() for b in model.buffers()))


WEIGHTED = {"conv2d", "batchnorm2d", "linear", "convtranspose2d"}


def weighted_rows(report):
    return [(r.type, r.output_shape, r.params, r.buffers, r.macs, r.receptive_field)
            for r in report.layers if not r.block and r.type in WEIGHTED]


# ----------------------------------------------------------------------------
# The route against the catalog and against torch
# ----------------------------------------------------------------------------
CATALOG = [  # (source, --input, the catalog's equivalent)
    ("lenet.py", "1x28x28", "lenet"),
    ("lenet_tutorial.py", "1x32x32", "lenet-tutorial"),
    ("mnist_cnn.py", "1x28x28", "mnist-cnn"),
    ("alexnet.py", "3x224x224", "alexnet"),
    ("vgg.py:vgg11", "3x224x224", "vgg11"),
    ("vgg.py:vgg16", "3x224x224", "vgg16"),
    ("resnet.py:resnet18", "3x224x224", "resnet18"),
    ("resnet.py:resnet50", "3x224x224", "resnet50"),
    ("mobilenet_v2.py", "3x224x224", "mobilenet_v2"),
    ("squeezenet.py", "3x224x224", "squeezenet1_0"),
    ("densenet.py:densenet121", "3x224x224", "densenet121"),
    ("googlenet.py", "3x224x224", "googlenet-torchvision"),
    ("siamese.py", "1x105x105", "siamese"),
    ("unet.py", "1x572x572", "unet"),
]


@pytest.mark.parametrize("source,shape,name", CATALOG, ids=[c[2] for c in CATALOG])
def test_the_route_gives_the_catalog_model_layer_by_layer(source, shape, name):
    """Same totals, same output, and every conv/BN/linear in the same order with the same output shape,
    parameters, buffers, MACs and receptive field as convcalc's built-in model of the same network."""
    ours = route(str(MODELS / source), shape)
    theirs = analyze(catalog.load(name))
    assert ours.ok, ours.errors
    assert (ours.totals.params, ours.totals.buffers, ours.totals.macs) == \
        (theirs.totals.params, theirs.totals.buffers, theirs.totals.macs)
    assert [s for _, s in ours.outputs] == [s for _, s in theirs.outputs]
    assert weighted_rows(ours) == weighted_rows(theirs)
    assert not [r for r in ours.layers if r.type.startswith("opaque")]
    assert (ours.totals.params, ours.totals.buffers) == torch_counts(str(MODELS / source))


def test_node_ids_are_torch_module_names():
    report = route(str(MODELS / "resnet.py:resnet18"), "3x224x224")
    ids = {r.node for r in report.layers}
    assert {"conv1", "layer1", "layer1.0", "layer1.0.conv1", "layer2.0.downsample.0", "layer4.1.bn2", "fc"} <= ids
    adds = [r for r in report.layers if r.type == "add"]
    assert len(adds) == 8 and adds[0].node == "layer1.0.add" and set(adds[0].inputs) == {"layer1.0.bn2", "maxpool"}


def test_a_module_called_twice_shares_its_parameters():
    report = route(str(MODELS / "siamese.py"), "left=1x105x105 right=1x105x105")
    second = next(r for r in report.layers if r.node == "tower_1.0")
    assert second.shared_with == "tower.0" and second.params == 0 and second.macs == 58_982_400
    assert [n for n, _ in report.inputs] == ["left", "right"]


def test_a_name_that_would_find_the_wrong_tensor_lays_the_network_out_flat():
    report = route(str(MODELS / "crossing.py"), "3x16x16")
    assert [r.node for r in report.layers] == ["stem", "relu", "mid", "inner_relu", "inner_conv", "add"]
    add = report.layers[-1]
    assert add.inputs == ("inner_conv", "relu") and report.totals.params == 224 + 584 + 72


# ----------------------------------------------------------------------------
# Opaque nodes, the hooks fallback, a billion parameters
# ----------------------------------------------------------------------------
def test_a_custom_module_and_unknown_ops_are_opaque_with_torch_totals():
    source = str(MODELS / "custom.py")
    report = route(source, "3x32x32")
    assert report.ok
    assert (report.totals.params, report.totals.buffers) == torch_counts(source)
    opaque = {r.node: r for r in report.layers if r.type == "opaque"}
    assert set(opaque) == {"scale", "attn", "matmul"}
    assert opaque["scale"].params == 32 and opaque["attn"].params == 4_224 and opaque["matmul"].params == 512
    assert opaque["attn"].macs > 0  # torch's FLOP counter / 2
    assert opaque["scale"].receptive_field == (3, 3)  # x * gamma is element-wise: the field goes through
    assert opaque["attn"].receptive_field is None
    said = [d for d in report.warnings if "no formula" in d.message]
    assert len(said) == 1 and "receptive field is unknown from attn on" in said[0].message
    assert report.output_shape == (10,)


def test_a_forward_fx_cannot_trace_is_read_with_hooks():
    source = str(MODELS / "untraceable.py")
    network = torchroute.read(source, input_text="3x32x32")
    report = analyze(network)
    assert any("torch.fx cannot trace" in message for _, message in network.notes)
    assert (report.totals.params, report.totals.buffers) == torch_counts(source)
    assert [r.type for r in report.layers].count("add") == 4  # the residual adds forward() makes
    assert report.output_shape == (10,)
    assert report.totals.macs == 442_368 + 2_359_296 + 589_824 + 147_456 + 36_864 + 160


def test_a_billion_parameters_read_in_seconds_with_little_memory(tmp_path):
    script = ("import resource, sys, time\n"
              "t = time.perf_counter()\n"
              "from convcalc.cli import run\n"
              "sys.argv = ['convcalc', 'params', sys.argv[1], '--torch', '--input', '8192', '--format', 'json']\n"
              "try:\n    run()\nexcept SystemExit:\n    pass\n"
              # the peak of this process's own memory: VmHWM resets at exec, while ru_maxrss carries the
              # forking parent's peak over on Linux (pytest's, over 1 GiB late in a full run)
              "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "try:\n    peak = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
              "except (OSError, StopIteration):\n    pass\n"
              "sys.stderr.write(f'\\nSTATS {time.perf_counter() - t} {peak}\\n')\n")
    done = subprocess.run([sys.executable, "-c", script, str(MODELS / "billion.py")], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["totals"]["params"] == 1_006_755_840  # 4 GB as float32
    seconds, kib = done.stderr.rsplit("STATS ", 1)[1].split()
    assert float(seconds) < 60, f"{seconds} s"  # about 2 s here, the import of torch included
    assert int(kib) < 1024 * 1024, f"{int(kib) // 1024} MiB"  # about 260 MiB: no weight memory


def test_the_example_call_gives_the_input():
    network = torchroute.read(str(MODELS / "lenet_tutorial.py"))
    assert network.input_shape == (1, 32, 32)
    assert any("taken from the call" in message for _, message in network.notes)


# ----------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------
def test_torch_on_every_analysis_command():
    lenet = MODELS / "lenet.py"
    for command in ("shape", "params", "rf"):
        result = invoke(command, lenet, "--torch", "--input", "1x28x28", "--format", "json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["totals"]["params"] == 61_706 and data["output_shape"] == [10]
    result = invoke("check", lenet, "--torch", "--input", "1x28x28")
    assert result.exit_code == 0 and "61,706 params, 416,520 MACs" in result.stdout
    result = invoke("check", lenet, "--torch", "--input", "1x28x28", "--max-params", "60000")
    assert result.exit_code == 1


def test_torch_is_said_in_the_help_to_run_code():
    result = invoke("params", "--help")
    assert "--torch" in result.stdout and "RUNS YOUR CODE" in result.stdout


@pytest.mark.parametrize("args,message", [
    (["params", "--layers", "conv2d(6, 5)", "--input", "1x28x28", "--torch"], "does not take --layers"),
    (["check", MODELS / "lenet.py", "--torch", "--input", "1x28x28", "--min-input"], "--min-input"),
    (["params", MODELS / "lenet.py", "--torch"], "needs --input"),
    (["params", MODELS / "nothere.py", "--torch", "--input", "1x28x28"], "no such file"),
    (["params", f"{MODELS / 'two_models.py'}:Smal", "--torch", "--input", "8"], "did you mean 'Small'"),
    (["params", f"{MODELS / 'two_models.py'}:\"Big(\"", "--torch", "--input", "8"], "cannot read the expression"),
    (["params", f"{MODELS / 'meta_unfriendly.py'}", "--torch", "--input", "3x8x8"], "cannot run on meta tensors"),
], ids=["layers", "min-input", "no-input", "no-file", "no-attribute", "bad-expression", "needs-values"])
def test_unusable_sources_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_an_input_torch_refuses_exits_1():
    result = invoke("params", MODELS / "lenet.py", "--torch", "--input", "3x28x28")
    assert result.exit_code == 1
    assert "torch refuses the input 3x28x28" in result.stderr


@pytest.mark.parametrize("text,path,module,attribute,expression", [
    ("model.py", "model.py", None, None, None),
    ("model.py:Net", "model.py", None, "Net", None),
    ('model.py:"Net(10, width=2)"', "model.py", None, None, "Net(10, width=2)"),
    ("torchvision.models:resnet50()", None, "torchvision.models", None, "resnet50()"),
    ("pkg.models:build", None, "pkg.models", "build", None),
])
def test_sources(text, path, module, attribute, expression, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text("")
    src = parse(text)
    assert (str(src.path) if src.path else None, src.module, src.attribute, src.expression) == \
        (path, module, attribute, expression)


def test_a_module_expression_and_a_class_with_arguments():
    report = route('torch.nn:"Sequential(Conv2d(3, 8, 3), ReLU(), Flatten(), LazyLinear(10))"', "3x8x8")
    assert report.output_shape == (10,)
    assert report.totals.params == 224 + 2_890
    assert route(f"{MODELS / 'two_models.py'}:\"Big(32)\"", "8").totals.params == 8 * 32 + 32 + 32 * 2 + 2


def test_without_torch_both_exit_2_with_how_to_install(monkeypatch):
    monkeypatch.setattr(torchroute, "available", lambda: False)
    for args in (["params", MODELS / "lenet.py", "--torch", "--input", "1x28x28"], ["verify", MODELS / "lenet.py"]):
        result = invoke(*args)
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [
            f"error: {'--torch' if args[0] == 'params' else 'verify'} needs PyTorch, which is not installed: "
            "pip install 'convcalc[torch]'"]


def test_the_default_path_never_imports_torch():
    code = "import sys, convcalc, convcalc.cli; assert 'torch' not in sys.modules, 'torch imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    code = ("import sys; from convcalc.cli import run; sys.argv = ['convcalc', 'params', 'lenet', '--format', 'json'];\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\nassert 'torch' not in sys.modules, 'torch imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


# ----------------------------------------------------------------------------
# verify
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("source,shape", [("lenet.py", "1x28x28"), ("lenet_tutorial.py", "1x32x32"),
                                          ("alexnet.py", "3x224x224"), ("mnist_cnn.py", "1x28x28")])
def test_verify_agrees_where_the_torch_free_reader_is_exact(source, shape):
    result = invoke("verify", MODELS / source, "--input", shape)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("agree: ")


def test_verify_says_agree_exactly_when_the_numbers_agree():
    """surgery.py replaces fc3 after building the model (20 classes). Whether the torch-free reader follows
    that or not, verify's verdict is the comparison of the two readings."""
    source = MODELS / "surgery.py"
    result = invoke("verify", source, "--input", "1x32x32", "--json")
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert data["torch"]["outputs"][0]["shape"] == [20] and data["torch"]["totals"]["params"] == 62_556
    same = data["torch_free"]["totals"] == data["torch"]["totals"] and \
        data["torch_free"]["outputs"][0]["shape"] == data["torch"]["outputs"][0]["shape"]
    assert data["agree"] is same and (result.exit_code == 0) is same
    if not same:
        assert {"node": "fc3", "what": "output", "torch_free": "10", "torch": "20"} in data["differences"]


def test_verify_reports_a_node_changed_in_the_torch_free_reading(monkeypatch):
    """The planted disagreement the other way: the torch-free side reads conv2 with 12 channels."""
    from convcalc.build import from_data

    def planted(source, *, input_text=None, aux=False):
        return from_data({"name": "Net", "input": [1, 32, 32], "layers": [
            {"type": "conv2d", "name": "conv1", "out_channels": 6, "kernel_size": 5}, "relu",
            {"type": "maxpool2d", "kernel_size": 2},
            {"type": "conv2d", "name": "conv2", "out_channels": 12, "kernel_size": 5}, "relu",
            {"type": "maxpool2d", "kernel_size": 2}, "flatten",
            {"type": "linear", "name": "fc1", "out_features": 120}, "relu",
            {"type": "linear", "name": "fc2", "out_features": 84}, "relu",
            {"type": "linear", "name": "fc3", "out_features": 10}]})

    monkeypatch.setattr(torchroute, "read_static", planted)
    result = invoke("verify", MODELS / "lenet_tutorial.py", "--input", "1x32x32")
    assert result.exit_code == 1
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["conv2", "output", "12x10x10", "16x10x10"] in rows
    assert ["fc1", "params", "36,120", "48,120"] in rows


def test_verify_exits_2_when_a_side_cannot_read_it(monkeypatch):
    from convcalc.build import from_data
    from convcalc.errors import SpecError

    def unreadable(source, *, input_text=None, aux=False):
        raise SpecError("model.py:3:1: nothing to read here")

    monkeypatch.setattr(torchroute, "read_static", unreadable)
    result = invoke("verify", MODELS / "lenet.py", "--input", "1x28x28")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the torch-free reader cannot read it: model.py:3:1")

    def readable(source, *, input_text=None, aux=False):
        return from_data({"input": [3, 8, 8], "layers": [{"type": "conv2d", "out_channels": 8, "kernel_size": 3}]})

    monkeypatch.setattr(torchroute, "read_static", readable)
    result = invoke("verify", MODELS / "meta_unfriendly.py", "--input", "3x8x8")  # .item() on meta tensors
    assert result.exit_code == 2
    assert result.stderr.startswith("error: torch cannot run it: ")


def test_compare_pairs_nodes_by_id_then_in_order():
    from convcalc import from_data
    from convcalc.verify import compare

    a = analyze(from_data({"input": [1, 8, 8], "layers": [
        {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel_size": 3}, "relu",
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3}, "flatten", {"type": "linear", "out_features": 2}]}))
    b = analyze(from_data({"input": [1, 8, 8], "layers": [
        {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel_size": 3},
        {"type": "conv2d", "name": "c2", "out_channels": 4, "kernel_size": 3}, "flatten",
        {"type": "linear", "name": "fc", "out_features": 2}]}))
    verdict = compare(a, b)
    assert verdict.agree and verdict.compared == 3
    assert [r.node for r in verdict.only_static] == ["1"]  # the relu: listed, not a disagreement
    c = analyze(from_data({"input": [1, 8, 8], "layers": [
        {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel_size": 3},
        {"type": "conv2d", "name": "c2", "out_channels": 4, "kernel_size": 3, "bias": False}, "flatten",
        {"type": "linear", "name": "fc", "out_features": 2}]}))
    verdict = compare(a, c)
    assert not verdict.agree
    assert [(d.node, d.what) for d in verdict.differences] == [("c2 (2)", "params"), ("total", "params")]


# ----------------------------------------------------------------------------
# The reader corpus
# ----------------------------------------------------------------------------
def corpus_cases():
    if not CORPUS.is_dir():
        return []
    import re

    case = re.compile(r"^#\s*convcalc(?P<kind>-refuses|-invalid)?:\s*(?P<choice>.+?)\s*@\s*(?P<shape>[\dx]+)"
                      r"(?:\s*~.*)?$", re.M)
    out = []
    for path in sorted(CORPUS.glob("*.py")):
        for m in case.finditer(path.read_text(encoding="utf-8")):
            choice = m["choice"].strip()
            if choice.startswith('"') and choice.endswith('"'):
                choice = choice[1:-1]
            out.append((path, choice, m["shape"], (m["kind"] or "-exact")[1:]))
    return out


@pytest.mark.parametrize("path,choice,shape,kind", corpus_cases(),
                         ids=[f"{p.stem}:{c[:30]}" for p, c, _, _ in corpus_cases()])
def test_the_reader_corpus_reads_with_torch_totals(path, choice, shape, kind):
    """Every model of the torch-free reader's corpus — also those that reader refuses (an LSTM, einsum, a
    bare nn.Parameter) — reads by the route with torch's totals; a model torch fails on is exit 1. verify
    gives a verdict on each (0 or 1) or says which side cannot read it (2), never an internal error."""
    source = f'{path}:"{choice}"'
    if kind == "invalid":
        with pytest.raises(torchroute.NetworkError):
            torchroute.read(source, input_text=shape)
        return
    network = torchroute.read(source, input_text=shape)
    report = analyze(network)
    assert report.ok, report.errors
    params, buffers = torch_counts(source)
    unused = [message for _, message in network.notes if message.startswith("forward() does not use")]
    if unused:  # an auxiliary head forward() never calls, a bias F.conv2d is not given: named, not counted
        assert report.totals.params < params or report.totals.buffers < buffers
    else:
        assert (report.totals.params, report.totals.buffers) == (params, buffers)
    result = invoke("verify", source, "--input", shape, "--json")
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code in (0, 1):
        assert json.loads(result.stdout)["agree"] is (result.exit_code == 0)
