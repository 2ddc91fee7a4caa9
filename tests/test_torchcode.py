"""convcalc.readers.torchcode: the bounded interpreter, the forward() tracer, choosing the model, the CLI.

These run without torch (the differential tests against torch are in test_torchcode_corpus.py)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from convcalc import analyze, catalog
from convcalc.errors import SpecError
from convcalc.readers import torchcode
from convcalc.readers.torchcode import limits
from convcalc.readers.torchcode.interpreter import Interpreter

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

ROOT = Path(__file__).resolve().parents[1]
MODELS = Path(__file__).parent / "data" / "models"


def run(text: str, **kw):
    """Read and analyse model code: the report and the reader's notes."""
    network = torchcode.read_network(text, "t.py", **kw)
    return analyze(network), list(network.notes)


def value_of(expr: str, prelude: str = ""):
    """What the interpreter computes for an expression after running ``prelude``."""
    interp = Interpreter()
    scope = interp.run_module(prelude + f"\n__result__ = {expr}\n", "t.py", tolerant=False)
    return scope.vars["__result__"]


# ----------------------------------------------------------------------------
# The interpreter: Python's semantics where it computes
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("expr,expected", [
    ("16 * 5 * 5 + 2 ** 3", 408), ("int(64 * 0.25)", 16), ("max(1, int(24 * 0.25))", 6), ("round(2.5)", 2),
    ("[c * 2 for c in (8, 16) if c > 8]", [32]), ("{k: v for k, v in zip('ab', (1, 2))}", {"a": 1, "b": 2}),
    ("sum(x for x in range(5))", 10), ("sorted([3, 1, 2], reverse=True)", [3, 2, 1]),
    ("list(enumerate('ab', 1))", [(1, "a"), (2, "b")]), ("'layer%d' % 3", "layer3"), ("f'{3:02d}x'", "03x"),
    ("'{}_{}'.format('a', 2)", "a_2"), ("math.floor(7 * 0.5)", 3), ("math.ceil(7 / 2)", 4),
    ("[1] * 3 + [2]", [1, 1, 1, 2]), ("(lambda a, *b, c=3, **d: (a, b, c, d))(1, 2, c=4, e=5)",
                                      (1, (2,), 4, {"e": 5})),
    ("functools.reduce(operator.mul, [2, 3, 4])", 24), ("list(itertools.product([1, 2], 'a'))",
                                                        [(1, "a"), (2, "a")]),
    ("divmod(7, 2)", (3, 1)), ("isinstance(3, (list, int))", True), ("'M' in [64, 'M']", True),
    ("min([4, 2, 8], key=lambda v: -v)", 8), ("any(v == 'M' for v in [1, 2])", False),
])
def test_expressions(expr, expected):
    assert value_of(expr, "import math, functools, operator, itertools") == expected


_ints = st.integers(-1000, 1000)


@st.composite
def _arithmetic(draw, depth=0):
    if depth > 3 or draw(st.booleans()):
        return str(draw(_ints))
    op = draw(st.sampled_from(["+", "-", "*", "//", "%", "<<", "&", "|"]))
    if op == "<<":
        return f"({draw(_arithmetic(depth + 1))} << {draw(st.integers(0, 8))})"
    return f"({draw(_arithmetic(depth + 1))} {op} {draw(_arithmetic(depth + 1))})"


@settings(max_examples=200, deadline=None)
@given(_arithmetic())
def test_arithmetic_agrees_with_python(text):
    try:
        expected = eval(text)
    except ZeroDivisionError:
        expected = ZeroDivisionError
    try:
        got = value_of(text)
    except limits.PyRaise as exc:
        assert exc.type_name == "ZeroDivisionError" and expected is ZeroDivisionError
    else:
        assert got == expected


def test_classes_inheritance_super_and_class_attributes():
    prelude = '''
class A:
    scale = 2
    def __init__(self, n):
        self.n = n * self.scale
    def size(self):
        return self.n
class B(A):
    scale = 3
    def __init__(self, n, extra=1):
        super().__init__(n)
        self.n += extra
    @staticmethod
    def twice(v):
        return 2 * v
    @property
    def double(self):
        return self.twice(self.n)
'''
    assert value_of("B(4).size()", prelude) == 13
    assert value_of("B(4, extra=0).double", prelude) == 24
    assert value_of("[B.scale, A.scale, isinstance(B(1), A)]", prelude) == [3, 2, True]


def test_try_except_and_raise():
    prelude = '''
def pick(cfg, key):
    try:
        return cfg[key]
    except KeyError:
        return -1
'''
    assert value_of("[pick({'a': 1}, 'a'), pick({}, 'b')]", prelude) == [1, -1]
    with pytest.raises(limits.PyRaise, match="bad stride"):
        value_of("f()", "def f():\n    raise ValueError('bad stride')\n")


# ----------------------------------------------------------------------------
# What cannot be known
# ----------------------------------------------------------------------------
def test_unknown_spreads_and_is_an_error_only_where_needed():
    code = '''
import numpy as np
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.stats = np.zeros(3)          # never needed: fine
        self.fc = nn.Linear(n, 2)
        self.debug = np.log(self.stats)   # still unknown, still fine

    def forward(self, x):
        return self.fc(x)
'''
    report, _ = run(code, input_shape=(4,))
    assert report.ok and report.totals.params == 10
    with pytest.raises(SpecError) as info:
        run(code.replace("nn.Linear(n, 2)", "nn.Linear(int(np.prod([2, 2])), 2)"), input_shape=(4,))
    assert str(info.value) == ("t.py:9:19: nn.Linear's in_features is not known: np.prod: prod comes from numpy, "
                               "which convcalc does not read (imported at t.py:2:1)")
    with pytest.raises(SpecError, match=r"^t\.py:9:12: cannot decide `if np.random.rand\(\) > 0.5`: "):
        run(code.replace("        self.fc = nn.Linear(n, 2)\n",
                         "        if np.random.rand() > 0.5:\n            pass\n        self.fc = nn.Linear(n, 2)\n"),
            input_shape=(4,))


def test_a_needed_unknown_name_is_named_with_line_and_column():
    code = "import torch.nn as nn\nfrom mylib import Block\n\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), Block(8))\n"
    with pytest.raises(SpecError) as info:
        run(code, input_shape=(3, 8, 8))
    assert str(info.value) == ("t.py:4:9: Sequential's module '1' is not known: Block: Block comes from mylib, "
                               "which convcalc does not read (imported at t.py:2:1)")


def test_training_code_at_module_level_is_ignored():
    code = '''
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

parser = argparse.ArgumentParser()
args = parser.parse_args()
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10) if False else nn.Identity())
loader = DataLoader(dataset, batch_size=args.batch)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(100):
    for x, y in loader:
        optimizer.zero_grad()
        loss = model(x).sum()
'''
    report, _ = run(code, input_shape=(1, 8, 8))
    assert report.ok and report.output_shape == (144,)


# ----------------------------------------------------------------------------
# Bounds
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("body,message", [
    ("while True:\n    pass", "t.py:4:1: a loop of more than 100,000 iterations"),
    ("x = [0] * 10 ** 9", "t.py:4:5: a sequence of more than 100,000 elements"),
    ("x = list(range(10 ** 9))", "t.py:4:5: a container of more than 100,000 elements"),
    ("x = 2 ** 10 ** 10", "t.py:4:5: 2 ** 10000000000 is an integer of more than 4096 bits"),
    ("def f(n):\n    return f(n + 1)\nf(0)", "t.py:5:12: calls nested more than 80 deep"),
    ("def f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\nx = f(40)", "stopped after 250,000 steps"),
])
def test_every_bound_is_an_error_naming_the_line(body, message):
    code = "import torch.nn as nn\nclass Net(nn.Module):\n    pass\n" + body + "\nmodel = nn.Sequential(nn.ReLU())\n"
    with pytest.raises(limits.LimitError) as info:
        torchcode.read(code, "t.py", input_shape=(4,))
    assert message in str(info.value)
    assert info.value.hint == "convcalc reads model code within fixed bounds; a model needs far less"


def test_the_package_runs_nothing_and_imports_no_torch():
    """No eval/exec/compile/__import__ of user code, no torch, no os/subprocess/open in the reader."""
    banned_calls = {"eval", "exec", "compile", "__import__", "open"}
    for path in (ROOT / "convcalc" / "readers" / "torchcode").glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
                     and not n.level}
        assert not imported & {"torch", "torchvision", "os", "subprocess", "importlib", "socket", "shutil"}, path
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not calls & banned_calls, (path, calls & banned_calls)


def test_cli_start_up_does_not_load_the_interpreter():
    code = ("import sys, convcalc.cli\n"
            "print(sorted(m for m in sys.modules if 'torchcode' in m or m.split('.')[0] == 'torch'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------
# forward() into the graph
# ----------------------------------------------------------------------------
def test_node_ids_are_torchs_module_names():
    report, _ = run("import torchvision\nmodel = torchvision.models.resnet18(num_classes=10)\n",
                    input_shape=(3, 64, 64))
    nodes = [r.node for r in report.layers]
    assert {"conv1", "layer1.0.conv1", "layer2.0.downsample.0", "layer4.1.bn2", "fc"} <= set(nodes)
    add = next(r for r in report.layers if r.node == "layer2.0.add")
    assert add.inputs == ("layer2.0.bn2", "layer2.0.downsample.1")


def test_a_module_called_twice_is_shared_and_counted_once():
    code = '''
import torch
import torch.nn as nn

class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.tower = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(8, 1)

    def forward(self, left, right):
        return self.head(torch.cat([self.tower(left), self.tower(right)], 1))
'''
    report, _ = run(code, input_shapes={"left": (1, 16, 16), "right": (1, 16, 16)})
    assert [n for n, _ in report.inputs] == ["left", "right"]
    assert report.totals.params == 40 + 9
    shared = [r for r in report.layers if r.shared_with]
    assert [(r.node, r.shared_with) for r in shared][:2] == [("tower_1.0", "tower.0"), ("tower_1.1", "tower.1")]


def test_tuple_returns_are_several_outputs_and_dead_aux_heads_are_refused():
    code = '''
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Conv2d(3, 4, 3)
        self.a = nn.Conv2d(4, 2, 1)
        self.b = nn.Conv2d(4, 5, 1)

    def forward(self, x):
        f = self.body(x)
        return self.a(f), self.b(f)
'''
    report, _ = run(code, input_shape=(3, 8, 8))
    assert [(n, s) for n, s in report.outputs] == [("a", (2, 6, 6)), ("b", (5, 6, 6))]
    with pytest.raises(SpecError, match=r"^t\.py: forward\(\) never calls b \(Conv2d, built at t\.py:9:18\): torch "
                                        r"counts its parameters"):
        run(code.replace("return self.a(f), self.b(f)", "return self.a(f)"), input_shape=(3, 8, 8))


def test_milesial_style_pad_and_interpolate_take_the_other_tensors_size():
    """F.pad(x1, [diffX // 2, diffX - diffX // 2, …]) and F.interpolate(x, size=y.shape[2:]) become `from: [x, y]`:
    the spec keeps working at any input size."""
    code = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

class Up(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(2, 2, 3, stride=2)
        self.up = nn.ConvTranspose2d(2, 2, 2, stride=2)

    def forward(self, x):
        y = self.up(self.down(x))
        diffY = x.size()[2] - y.size()[2]
        diffX = x.size()[3] - y.size()[3]
        y = F.pad(y, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        z = F.interpolate(self.down(x), size=x.shape[2:], mode="bilinear")
        return torch.cat([x, y, z], dim=1)
'''
    data, _ = torchcode.read(code, "t.py", input_shape=(2, 17, 17))
    pad = next(i for i in data["layers"] if i.get("type") == "pad")
    interp = next(i for i in data["layers"] if i.get("type") == "interpolate")
    assert pad == {"type": "pad", "name": "pad", "from": ["up", "input"]}
    assert interp["from"] == ["down_1", "input"] and "size" not in interp
    network = torchcode.read_network(code, "t.py", input_shape=(2, 17, 17))
    for size in (17, 29, 40):
        assert analyze(network.with_inputs((2, size, size))).output_shape == (6, size, size)


def test_a_block_ending_in_a_split_keeps_its_pieces():
    """convcalc's engine cannot read a block whose last node has several outputs (reported); the tracer takes
    the pieces the module returns out with getitem nodes inside the block."""
    code = '''
import torch.nn as nn

class Split(nn.Module):
    def forward(self, x):
        return x.chunk(2, dim=1)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.split = Split()
        self.conv = nn.Conv2d(2, 3, 1)

    def forward(self, x):
        a, b = self.split(x)
        return self.conv(b) + self.conv(a)
'''
    report, _ = run(code, input_shape=(4, 5, 5))
    assert report.ok and report.output_shape == (3, 5, 5)
    assert [r.type for r in report.layers][:4] == ["sequential", "chunk", "getitem", "getitem"]


def test_frozen_parameters_are_not_trainable():
    code = '''
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
        for p in self.backbone.parameters():
            p.requires_grad = False
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.backbone(x).mean((2, 3)))
'''
    report, _ = run(code, input_shape=(3, 8, 8))
    assert (report.totals.params, report.totals.trainable_params) == (224 + 16 + 18, 18)


def test_a_network_torch_refuses_is_invalid_not_unreadable():
    code = "import torch.nn as nn\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(4, 8, 3))\n"
    report, _ = run(code, input_shape=(3, 16, 16))
    assert not report.ok
    assert report.errors[0].line == "layers[1] conv2d: in_channels=4 but the previous layer gives 8 channels"


@pytest.mark.parametrize("name,params", [
    ("resnet18", 11_689_512), ("resnet50", 25_557_032), ("vgg16", 138_357_544), ("alexnet", 61_100_840),
    ("mobilenet_v2", 3_504_872), ("squeezenet1_0", 1_248_424), ("densenet121", 7_978_856),
])
def test_torchvision_models_match_the_catalog(name, params):
    report, _ = run(f"import torchvision\nmodel = torchvision.models.{name}(weights=None)\n",
                    input_shape=(3, 224, 224))
    builtin = analyze(catalog.load(name))
    assert report.totals.params == builtin.totals.params == params
    assert report.totals.macs == builtin.totals.macs
    assert report.output_shape == builtin.output_shape


def test_torchvision_blocks():
    code = '''
import torch.nn as nn
from torchvision.ops import Conv2dNormActivation, SqueezeExcitation
from torchvision.ops.misc import StochasticDepth

model = nn.Sequential(
    Conv2dNormActivation(3, 16, stride=2, activation_layer=nn.Hardswish),
    SqueezeExcitation(16, 4),
    StochasticDepth(0.1, "row"),
    Conv2dNormActivation(16, 8, kernel_size=1, norm_layer=None),
)
'''
    report, _ = run(code, input_shape=(3, 32, 32))
    assert report.ok and report.output_shape == (8, 16, 16)
    assert report.totals.params == (3 * 9 * 16 + 32) + (16 * 4 + 4 + 4 * 16 + 16) + (16 * 8 + 8)


# ----------------------------------------------------------------------------
# Choosing the model
# ----------------------------------------------------------------------------
def test_split_choice(tmp_path):
    path = tmp_path / "resnet.py"
    path.write_text("x = 1\n")
    assert torchcode.split_choice(f"{path}:ResNet18") == (path, "ResNet18")
    assert torchcode.split_choice(f'{path}:"ResNet(BasicBlock, [2, 2, 2, 2])"') == (path, "ResNet(BasicBlock, [2, 2, 2, 2])")
    assert torchcode.split_choice(f"{tmp_path}/other.py:Net") is None
    assert torchcode.split_choice("resnet18") is None


def test_the_default_model_and_the_note_that_names_the_others():
    data, notes = torchcode.read_path(MODELS / "kuangliu_resnet.py")
    assert data["name"] == "ResNet18" and data["input"] == [3, 32, 32]
    assert notes[0] == (None, "read ResNet18 (the last model a function of the file builds); the file also has "
                              "ResNet34: choose with kuangliu_resnet.py:NAME — `convcalc list kuangliu_resnet.py` "
                              "lists them")


def test_models_lists_what_a_file_defines():
    text = (MODELS / "kuangliu_resnet.py").read_text()
    found = {c.name: c for c in torchcode.models(text, "resnet.py")}
    assert found["ResNet"].choice == '"ResNet(block, num_blocks)"' and not found["ResNet"].root
    assert found["ResNet18"].choice == "ResNet18" and found["ResNet18"].signature == "def ResNet18()"


def invoke(*args, cwd=None):
    return CliRunner().invoke(__import__("convcalc.cli", fromlist=["app"]).app, [str(a) for a in args])


def test_cli_file_expr_and_list(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet.py").write_text((MODELS / "kuangliu_resnet.py").read_text())
    listed = invoke("list", "resnet.py")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines()[2].split() == ["resnet.py:ResNet18", "def", "ResNet18()", "line", "67"]
    result = invoke("params", 'resnet.py:ResNet(BasicBlock, [2, 2, 2, 2], num_classes=100)', "--input", "3x32x32",
                    "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["totals"]["params"] == 11_220_132 and report["output_shape"] == [100]
    batched = json.loads(invoke("params", "resnet.py:ResNet18", "--input", "2x3x32x32", "--json").stdout)
    assert batched["input_shape"] == [3, 32, 32] and batched["totals"]["params"] == 11_173_962
    typo = invoke("params", "resnet.py:ResNet81")
    assert typo.exit_code == 2 and "hint: did you mean 'ResNet18'?" in typo.stderr


def test_cli_reads_a_users_files_together(tmp_path):
    result = invoke("params", MODELS / "pkg" / "nets.py", "--input", "3x32x32", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["params"] == (432 + 32) + (16 * 32 * 9 + 64) + (32 * 10 + 10)
