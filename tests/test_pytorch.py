"""convcalc.readers.pytorch: the text print(model) shows and PyTorch source → convcalc's spec data.

The reprs below were printed by torch 2.13 (``test_pinned_reprs_are_what_torch_prints`` checks them
when torch is installed), so every test but the torch ones runs without torch. The torch tests build
the same models — the code constants are executed by torch here, never by convcalc — and compare
every convcalc row with the output of the torch module of the same name (forward hooks).
"""

from __future__ import annotations

import ast
import contextlib
import io
import random
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcalc
from convcalc import analyze, from_data
from convcalc.errors import SpecError
from convcalc.readers.pytorch import detect, read, torch_order

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------
# PyTorch code: each defines a working model (the name after it is the model or its class)
# ----------------------------------------------------------------------------
LENET_CODE = '''
import torch
from torch import nn

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(),
    nn.Linear(84, 10))

X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
for layer in net:
    X = layer(X)
    print(layer.__class__.__name__, 'output shape: \\t', X.shape)
'''

TUTORIAL_CODE = '''
from collections import OrderedDict
import torch.nn as nn

model = nn.Sequential(OrderedDict([
    ("conv1", nn.Conv2d(1, 6, 5)),
    ("relu1", nn.ReLU()),
    ("pool1", nn.MaxPool2d(2, 2)),
    ("conv2", nn.Conv2d(6, 16, 5)),
    ("relu2", nn.ReLU()),
    ("pool2", nn.MaxPool2d(2)),
    ("flatten", nn.Flatten()),
    ("fc1", nn.Linear(16 * 5 * 5, 120)),
    ("relu3", nn.ReLU()),
    ("fc2", nn.Linear(120, 84)),
    ("relu4", nn.ReLU()),
    ("fc3", nn.Linear(84, 10)),
]))
'''

VGG_CODE = '''
import torch
import torch.nn as nn

NUM_CLASSES = 10


class SmallVGG(nn.Module):
    """Two conv stages, an adaptive pool and a classifier, as torchvision's VGG."""

    def __init__(self, num_classes=NUM_CLASSES, width=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(width, 2 * width, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=True),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(2 * width * 2 * 2, 64),
            nn.ReLU(True),
            nn.Dropout(p=0.5),
            nn.Linear(64, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)
'''

RESIDUAL_CODE = '''
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(cout),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class ResNetLike(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.layer1 = Block(16, 16)
        self.layer2 = Block(16, 32, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        x = self.layer2(self.layer1(x))
        x = self.pool(x).view(x.size(0), -1)
        return self.fc(x)
'''

SIGNAL_CODE = '''
import torch.nn as nn

model = nn.Sequential(
    nn.Conv1d(2, 8, 7, stride=2, padding=3),
    nn.BatchNorm1d(8),
    nn.LeakyReLU(0.2, inplace=True),
    nn.MaxPool1d(3, 2, 1),
    nn.Conv1d(8, 16, 3, dilation=2, groups=2),
    nn.GELU(),
    nn.AdaptiveAvgPool1d(4),
    nn.Flatten(),
    nn.Dropout(0.1),
    nn.Linear(16 * 4, 2 ** 3),
    nn.Softmax(dim=1),
)
'''

ZOO_CODE = '''
import torch.nn as nn

model = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding="same", padding_mode="reflect"),
    nn.GroupNorm(2, 8),
    nn.ELU(0.5),
    nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1),
    nn.Hardswish(),
    nn.Conv2d(4, 8, (3, 1), stride=(2, 1), dilation=(1, 2), groups=4),
    nn.LocalResponseNorm(3),
    nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
    nn.AvgPool2d(2),
    nn.LayerNorm(5),
    nn.Dropout2d(0.2),
    nn.Softplus(),
    nn.Flatten(start_dim=2),
    nn.Linear(2 * 5, 7, bias=False),
    nn.LogSoftmax(dim=-1),
)
'''

#: (code, the model variable or class, input shape)
WORKING_CODE = {
    "lenet": (LENET_CODE, "net", (1, 28, 28)),
    "tutorial": (TUTORIAL_CODE, "model", (1, 32, 32)),
    "vgg": (VGG_CODE, "SmallVGG", (3, 32, 32)),
    "residual": (RESIDUAL_CODE, "ResNetLike", (3, 32, 32)),
    "signal": (SIGNAL_CODE, "model", (2, 64)),
    "zoo": (ZOO_CODE, "model", (3, 9, 9)),
}

COURSE_CODE = '''
import torch
import torch.nn.functional as F


class Net(torch.nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1=torch.nn.Conv2d(1,10,kernel_size=5)
        self.conv2=torch.nn.Conv2d(10,20,kernel_size=5)
        self.poolig=torch.nn.MaxPool2d(2)
        self.fc=torch.nn.Linear(320,10)

    def forward(self,x):
        batch_size=x.size(0)
        x=F.relu(self.poolig(self.conv1(x)))
        x=F.relu(self.poolig(self.conv2(x)))
        x=x.view(batch_size,-1)
        x=self.fc(x)
        return x


model=Net()
'''


# ----------------------------------------------------------------------------
# print(model), as torch 2.13 prints it
# ----------------------------------------------------------------------------
BROKEN_LENET_REPR = """\
Sequential(
  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (1): Sigmoid()
  (2): AvgPool2d(kernel_size=2, stride=2, padding=0)
  (3): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (4): Sigmoid()
  (5): AvgPool2d(kernel_size=2, stride=2, padding=0)
  (6): Flatten(start_dim=1, end_dim=-1)
  (7): Linear(in_features=400, out_features=120, bias=True)
  (8): Sigmoid()
  (9): Linear(in_features=120, out_features=84, bias=True)
  (10): Sigmoid()
  (11): Linear(in_features=84, out_features=10, bias=True)
)
"""

LENET_REPR = """\
Sequential(
  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
  (1): Sigmoid()
  (2): AvgPool2d(kernel_size=2, stride=2, padding=0)
  (3): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (4): Sigmoid()
  (5): AvgPool2d(kernel_size=2, stride=2, padding=0)
  (6): Flatten(start_dim=1, end_dim=-1)
  (7): Linear(in_features=400, out_features=120, bias=True)
  (8): Sigmoid()
  (9): Linear(in_features=120, out_features=84, bias=True)
  (10): Sigmoid()
  (11): Linear(in_features=84, out_features=10, bias=True)
)
"""

VGG_REPR = """\
SmallVGG(
  (features): Sequential(
    (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
    (1): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    (2): ReLU(inplace=True)
    (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    (4): Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    (5): ReLU(inplace=True)
    (6): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=True)
  )
  (avgpool): AdaptiveAvgPool2d(output_size=(2, 2))
  (classifier): Sequential(
    (0): Dropout(p=0.5, inplace=False)
    (1): Linear(in_features=128, out_features=64, bias=True)
    (2): ReLU(inplace=True)
    (3): Dropout(p=0.5, inplace=False)
    (4): Linear(in_features=64, out_features=10, bias=True)
  )
)
"""

ZOO_REPR = """\
Sequential(
  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=reflect)
  (1): GroupNorm(2, 8, eps=1e-05, affine=True, bias=True)
  (2): ELU(alpha=0.5)
  (3): ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))
  (4): Hardswish()
  (5): Conv2d(4, 8, kernel_size=(3, 1), stride=(2, 1), dilation=(1, 2), groups=4)
  (6): LocalResponseNorm(3, alpha=0.0001, beta=0.75, k=1.0)
  (7): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)
  (8): AvgPool2d(kernel_size=2, stride=2, padding=0)
  (9): LayerNorm((5,), eps=1e-05, elementwise_affine=True, bias=True)
  (10): Dropout2d(p=0.2, inplace=False)
  (11): Softplus(beta=1.0, threshold=20.0)
  (12): Flatten(start_dim=2, end_dim=-1)
  (13): Linear(in_features=10, out_features=7, bias=False)
  (14): LogSoftmax(dim=-1)
)
"""

RESNET_REPR = """\
ResNet(
  (conv1): Conv2d(3, 16, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
  (bn1): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
  (relu): ReLU(inplace=True)
  (maxpool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)
  (layer1): Sequential(
    (0): BasicBlock(
      (conv1): Conv2d(16, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
      (bn1): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
      (relu): ReLU(inplace=True)
      (conv2): Conv2d(16, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
      (bn2): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    )
    (1): BasicBlock(
      (conv1): Conv2d(16, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
      (bn1): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
      (relu): ReLU(inplace=True)
      (conv2): Conv2d(16, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
      (bn2): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    )
  )
  (layer2): Sequential(
    (0): BasicBlock(
      (conv1): Conv2d(16, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)
      (bn1): BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
      (relu): ReLU(inplace=True)
      (conv2): Conv2d(32, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
      (bn2): BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
      (downsample): Sequential(
        (0): Conv2d(16, 32, kernel_size=(1, 1), stride=(2, 2), bias=False)
        (1): BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
      )
    )
  )
  (avgpool): AdaptiveAvgPool2d(output_size=(1, 1))
  (fc): Linear(in_features=32, out_features=10, bias=True)
)
"""

def analyse(text: str, shape, kind: str | None = None):
    """read → from_data → analyze, as the CLI will: the report and the reader's warnings."""
    data, notes = read(text, kind or detect(text), "<test>")
    return analyze(from_data(data, input_shape=tuple(shape))), notes


def summary(report):
    """What must agree whichever form a model is written in."""
    leaves = [r for r in report.layers if not r.block]
    return ([(r.type, r.output_shape, r.params) for r in leaves], report.output_shape, report.totals.params,
            report.totals.buffers, report.totals.macs)


# ----------------------------------------------------------------------------
# The acceptance test of the issue
# ----------------------------------------------------------------------------
def test_broken_lenet_repr_names_the_layer_and_the_number_to_fix_it():
    """torch says "mat1 and mat2 shapes cannot be multiplied (2x256 and 400x120)"; convcalc names the layer."""
    assert detect(BROKEN_LENET_REPR) == "pytorch-repr"
    data, notes = read(BROKEN_LENET_REPR, "pytorch-repr", "<paste>")
    report = analyze(from_data(data, input_shape=(1, 28, 28)))
    assert not report.ok
    error = report.errors[0]
    assert error.line == "layers[7] linear: in_features=400 but receives 256 features"
    assert error.hint == "set in_features=256"
    assert [r.output_shape for r in report.layers][:7] == [
        (6, 24, 24), (6, 24, 24), (6, 12, 12), (16, 8, 8), (16, 8, 8), (16, 4, 4), (256,)]


def test_broken_lenet_code_gives_the_same_error():
    code = LENET_CODE.replace("padding=2", "padding=0")
    report, notes = analyse(code, (1, 28, 28))
    assert notes == [(None, "input 1x28x28 taken from the example tensor at line 15")]
    assert report.errors[0].line == "layers[7] linear: in_features=400 but receives 256 features"
    assert report.errors[0].hint == "set in_features=256"


@pytest.mark.parametrize("code,shape", [(LENET_CODE, (1, 28, 28)), (TUTORIAL_CODE, (1, 32, 32))])
def test_code_and_repr_of_lenet_agree_with_the_catalog(code, shape):
    report, notes = analyse(code, shape)
    assert report.ok and all(path is None and message.startswith("input ") for path, message in notes)
    assert report.output_shape == (10,) and report.totals.params == 61_706
    if code is LENET_CODE:
        assert summary(analyse(LENET_REPR, shape)[0]) == summary(report)
        builtin = convcalc.read_file(ROOT / "convcalc" / "catalog" / "lenet.yaml")
        assert summary(analyze(builtin)) == summary(report)


# ----------------------------------------------------------------------------
# detect
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("text,kind", [
    (LENET_REPR, "pytorch-repr"),
    (RESNET_REPR, "pytorch-repr"),
    (">>> print(model)\n" + VGG_REPR, "pytorch-repr"),
    (LENET_CODE, "pytorch-code"),
    (VGG_CODE, "pytorch-code"),
    (COURSE_CODE, "pytorch-code"),
    ("nn.Sequential(nn.Linear(4, 2))", "pytorch-code"),
    ("import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 2)", "pytorch-code"),  # a syntax error: read says where
    ('{"layers": ["relu"]}', None),
    ("name: lenet\ninput: [1, 28, 28]\nlayers:\n  - {type: conv2d, out_channels: 6, kernel_size: 5}\n", None),
    ('name = "x"\n[[layers]]\ntype = "relu"\n', None),
    ("conv2d(6, 5), relu, maxpool2d(2)", None),
    ("", None),
])
def test_detect(text, kind):
    assert detect(text) == kind


def test_detect_leaves_every_catalog_spec_alone():
    for path in sorted((ROOT / "convcalc" / "catalog").glob("*.yaml")):
        assert detect(path.read_text()) is None, path.name


# ----------------------------------------------------------------------------
# print(model)
# ----------------------------------------------------------------------------
def test_repr_keeps_named_keys_as_names_and_nests_sequentials():
    data, notes = read(VGG_REPR, "pytorch-repr", "<test>")
    assert data["name"] == "SmallVGG"
    assert [(i["type"], i.get("name")) for i in data["layers"]] == [
        ("sequential", "features"), ("adaptiveavgpool2d", "avgpool"), ("flatten", None), ("sequential", "classifier")]
    features = data["layers"][0]["layers"]
    assert "name" not in features[0]  # "(0)" is a position, not a name
    assert features[0] == {"type": "conv2d", "in_channels": 3, "out_channels": 16, "kernel_size": [3, 3],
                           "stride": [1, 1], "padding": [1, 1], "bias": False}
    assert features[1] == {"type": "batchnorm2d", "num_features": 16, "eps": 1e-05, "momentum": 0.1, "affine": True,
                           "track_running_stats": True, "bias": True}  # torch 2.13 prints BatchNorm's bias
    assert features[6]["ceil_mode"] is True
    assert notes == [(None, "SmallVGG's forward() is unknown: its children are assumed to run in order, a residual "
                            "add would be missed; a flatten is assumed before 'classifier' (forward() usually calls "
                            "torch.flatten or x.view there)")]
    report = analyze(from_data(data, input_shape=(3, 32, 32)))
    assert report.ok and report.output_shape == (10,) and report.totals.params == 14_010


def test_repr_quirks_of_real_torch_layers():
    data, notes = read(ZOO_REPR, "pytorch-repr", "<test>")
    layers = data["layers"]
    assert layers[0]["padding"] == "same" and layers[0]["padding_mode"] == "reflect"  # printed as bare words
    assert layers[1] == {"type": "groupnorm", "num_groups": 2, "num_channels": 8, "eps": 1e-05, "affine": True,
                         "bias": True}
    assert layers[2] == {"type": "elu", "alpha": 0.5}
    assert layers[3]["output_padding"] == [1, 1]
    assert layers[9] == {"type": "layernorm", "normalized_shape": [5], "eps": 1e-05, "elementwise_affine": True,
                         "bias": True}
    assert layers[12] == {"type": "flatten", "start_dim": 2, "end_dim": -1}
    assert layers[14] == {"type": "logsoftmax", "dim": -1}
    assert notes == [("layers[8]", "print(model) does not show AvgPool's ceil_mode and count_include_pad: torch's "
                                   "defaults (False, True) are assumed")]
    report = analyze(from_data(data, input_shape=(3, 9, 9)))
    assert report.ok and report.output_shape == (8, 7) and report.totals.params == 644


@pytest.mark.parametrize("line,item", [
    ("ReLU(inplace=True)", {"type": "relu", "inplace": True}),
    ("GELU(approximate='none')", {"type": "gelu", "approximate": "none"}),
    ("Softmax(dim=1)", {"type": "softmax", "dim": 1}),
    ("Softmax(dim=None)", {"type": "softmax", "dim": None}),
    ("LeakyReLU(negative_slope=0.01)", {"type": "leakyrelu", "negative_slope": 0.01}),
    ("Dropout(p=0.5, inplace=False)", {"type": "dropout", "p": 0.5, "inplace": False}),
    ("AdaptiveAvgPool2d(output_size=(1, 1))", {"type": "adaptiveavgpool2d", "output_size": [1, 1]}),
    ("AdaptiveMaxPool2d(output_size=(None, 7))", {"type": "adaptivemaxpool2d", "output_size": [None, 7]}),
    ("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
     {"type": "maxpool2d", "kernel_size": 2, "stride": 2, "padding": 0, "dilation": 1, "ceil_mode": False}),
    ("BatchNorm1d(10, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)",
     {"type": "batchnorm1d", "num_features": 10, "eps": 1e-05, "momentum": 0.1, "affine": False,
      "bias": False, "track_running_stats": False}),
    ("Conv3d(1, 2, kernel_size=(1, 2, 3), stride=(1, 1, 1))",
     {"type": "conv3d", "in_channels": 1, "out_channels": 2, "kernel_size": [1, 2, 3], "stride": [1, 1, 1]}),
    ("Identity()", {"type": "identity"}),
])
def test_repr_layer_lines(line, item):
    data, _ = read(f"Sequential(\n  (0): {line}\n)", "pytorch-repr", "<test>")
    assert data["layers"] == [item]
    from_data(data)  # every key is one convcalc knows


def test_repr_of_a_module_list_expands_repeated_modules():
    text = ("Net(\n  (blocks): ModuleList(\n    (0-2): 3 x Linear(in_features=8, out_features=8, bias=True)\n"
            "    (3): ReLU()\n  )\n  (head): Linear(in_features=8, out_features=2, bias=True)\n)")
    data, notes = read(text, "pytorch-repr", "<test>")
    blocks = data["layers"][0]
    assert blocks["name"] == "blocks" and len(blocks["layers"]) == 4
    assert ("layers[0]", "ModuleList has no forward(): its children are assumed to run in order") in notes
    report = analyze(from_data(data, input_shape=(8,)))
    assert report.ok and report.totals.params == 3 * 72 + 18


def test_repr_of_a_resnet_follows_torchvisions_forward():
    """ResNet and BasicBlock are torchvision's classes, so their forward() comes from the vocabulary — no longer a
    guess with a warning (the old reader read them "by torchvision's convention" and said so): the residual add
    reads bn2 and the downsample (or the block's input), and the second ReLU is the same module called again."""
    data, notes = read(RESNET_REPR, "pytorch-repr", "<test>")
    assert data["name"] == "ResNet" and notes == []
    layer1, layer2 = data["layers"][4], data["layers"][5]
    assert layer1["name"] == "layer1" and [b["type"] for b in layer1["layers"]] == ["sequential", "sequential"]
    block = layer2["layers"][0]
    assert [i.get("name") for i in block["layers"]] == ["conv1", "bn1", "relu", "conv2", "bn2", "downsample", "add",
                                                        "relu_1"]
    assert block["layers"][5]["from"] == "input" and block["layers"][6]["from"] == ["bn2", "downsample"]
    assert block["layers"][7]["share"] == "relu"
    assert layer1["layers"][0]["layers"][5]["from"] == ["bn2", "input"]  # no downsample: the identity
    report = analyze(from_data(data, input_shape=(3, 64, 64)))
    assert report.ok and report.output_shape == (10,) and report.totals.params == 26_586
    assert [r.node for r in report.layers if r.type == "add"][:1] == ["layer1.0.add"]


def test_a_custom_module_without_a_shortcut_is_read_in_order_with_a_warning():
    text = ("Sequential(\n  (0): Block(\n    (conv): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))\n"
            "    (act): ReLU()\n  )\n)")
    data, notes = read(text, "pytorch-repr", "<test>")
    assert data["layers"] == [{"type": "sequential", "layers": [
        {"type": "conv2d", "name": "conv", "in_channels": 1, "out_channels": 4, "kernel_size": [3, 3],
         "stride": [1, 1]},
        {"type": "relu", "name": "act"}]}]
    assert notes == [("layers[0]", "Block's forward() is unknown: its children are assumed to run in order, a "
                                   "residual add would be missed")]


@pytest.mark.parametrize("text,message", [
    ("Sequential(\n  (0): Conv2d(1, 2, kernel_size=(3, 3))\n", "<test>: the text ends before Sequential (line 1) is "
                                                               "closed by ')'"),
    ("Sequential(\n  (0): Conv2d(1, 2, kernel_size=(3, 3)\n)", "<test>: line 2: cannot read "
                                                               "'Conv2d(1, 2, kernel_size=(3, 3)'"),
    ("Sequential(\n  (0): ReLU()\n)\ntrailing", "<test>: line 4: unexpected text after the model's closing ')'"),
    ("(0): ReLU()", "<test>: line 1: '(0): ReLU()' comes before the model's first line"),
    ("\n\n", "<test>: no module found"),
])
def test_malformed_repr_names_the_line(text, message):
    with pytest.raises(SpecError) as info:
        read(text, "pytorch-repr", "<test>")
    assert str(info.value).startswith(message)


def test_unknown_class_in_a_repr_gets_a_did_you_mean():
    """An unknown leaf is refused by its class, at torch's module name ("1"), because its parameters cannot be
    counted. (``Swish`` was refused here before; it is timm's SiLU and now in the vocabulary.)"""
    with pytest.raises(SpecError) as info:
        read("Sequential(\n  (0): ReLU()\n  (1): MaxPol2d(kernel_size=2)\n)", "pytorch-repr", "<test>")
    assert str(info.value) == "1 MaxPol2d is a leaf convcalc does not know: its parameters cannot be counted"
    assert info.value.hint.startswith("did you mean 'MaxPool2d'?")
    with pytest.raises(SpecError, match="0 Swizzle is a leaf convcalc does not know"):
        read("Sequential(\n  (0): Swizzle()\n)", "pytorch-repr", "<test>")
    data, _ = read("Sequential(\n  (0): Swish()\n)", "pytorch-repr", "<test>")
    assert data["layers"] == [{"type": "silu"}]


def test_batchnorm_without_bias_counts_the_scale_only():
    # torch 2.13: BatchNorm2d(64, bias=False) has 64 parameters, GroupNorm(4, 16, bias=False) 16
    data, _ = read("Sequential(\n  (0): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=False, "
                   "track_running_stats=True)\n  (1): GroupNorm(2, 4, eps=1e-05, affine=True, bias=False)\n)",
                   "pytorch-repr", "<test>")
    report = analyze(from_data(data, input_shape=(4, 8, 8)))
    assert [r.params for r in report.layers if not r.block] == [4, 4]


# ----------------------------------------------------------------------------
# PyTorch code
# ----------------------------------------------------------------------------
def test_sequential_code_folds_constant_arithmetic():
    data, notes = read(LENET_CODE, "pytorch-code", "<test>")
    assert data["name"] == "net"
    assert data["input"] == [1, 28, 28]  # from X = torch.rand(size=(1, 1, 28, 28), …)
    assert notes == [(None, "input 1x28x28 taken from the example tensor at line 15")]
    assert data["layers"][7] == {"type": "linear", "in_features": 400, "out_features": 120}
    assert data["layers"][0] == {"type": "conv2d", "in_channels": 1, "out_channels": 6, "kernel_size": 5,
                                 "padding": 2}


def test_ordered_dict_keeps_the_names():
    data, notes = read(TUTORIAL_CODE, "pytorch-code", "<test>")
    assert [i["name"] for i in data["layers"]] == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten",
                                                  "fc1", "relu3", "fc2", "relu4", "fc3"]
    assert notes == []


@pytest.mark.parametrize("text", [
    "nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU())",
    "torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5), torch.nn.ReLU())",
    "from torch.nn import *\nSequential(Conv2d(1, 6, 5), ReLU())",
    "model = nn.Sequential(*[nn.Conv2d(1, 6, 5), nn.ReLU()]).to(device)",
    "conv = nn.Conv2d(1, 6, 5)\nnet = nn.Sequential(conv, nn.ReLU())",
    "C = 6\nnet = nn.Sequential(nn.Conv2d(1, C, kernel_size=C - 1), nn.ReLU(inplace=False))",
])
def test_sequential_spellings(text):
    data, notes = read(text, "pytorch-code", "<test>")
    assert [i["type"] for i in data["layers"]] == ["conv2d", "relu"]
    assert data["layers"][0]["out_channels"] == 6 and notes == []


def test_nested_sequentials_referenced_by_name():
    text = ("features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))\n"
            "classifier = nn.Sequential(nn.Flatten(), nn.Linear(8, 2))\n"
            "model = nn.Sequential(features, classifier)\n")
    data, notes = read(text, "pytorch-code", "<test>")
    assert data["name"] == "model" and notes == []
    assert [i["type"] for i in data["layers"]] == ["sequential", "sequential"]
    assert analyze(from_data(data, input_shape=(3, 8, 8))).output_shape == (2,)


def test_several_unrelated_sequentials_read_the_last_with_a_warning():
    data, notes = read("a = nn.Sequential(nn.ReLU())\nb = nn.Sequential(nn.Tanh())", "pytorch-code", "<test>")
    assert data["layers"] == [{"type": "tanh"}]
    assert notes == [(None, "read b (the last model the file builds at module level); the file also has a: choose "
                            "with <test>:NAME — `convcalc list <test>` lists them")]


def test_torch_positional_order_includes_the_input_size_and_every_argument():
    data, _ = read("nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, 1, 1, False), nn.BatchNorm2d(8, 1e-3, None), "
                   "nn.LeakyReLU(0.2, True), nn.MaxPool2d(3, 2, 1), nn.ELU(0.5))", "pytorch-code", "<test>")
    assert data["layers"] == [
        {"type": "conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1,
         "dilation": 1, "groups": 1, "bias": False},
        {"type": "batchnorm2d", "num_features": 8, "eps": 0.001, "momentum": None},
        {"type": "leakyrelu", "negative_slope": 0.2, "inplace": True},
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "padding": 1},
        {"type": "elu", "alpha": 0.5},
    ]
    assert torch_order("linear") == ["in_features", "out_features", "bias"]
    assert torch_order("conv2d")[-1] == "padding_mode"  # convcalc's own `connections` is no torch argument


def test_the_course_example_follows_forward():
    """The pool is defined once and used twice: forward() is traced, so the second call reuses the first's module
    (share:), F.relu and x.view are nodes, and the network is torch's (conv1 260 + conv2 5,020 + fc 3,210 = 8,490
    params). The old reader guessed from __init__'s order and warned; the tracer needs no guess."""
    data, notes = read(COURSE_CODE, "pytorch-code", "<test>")
    assert data["name"] == "model" and notes == []
    assert [(i.get("type") or f"share {i['share']}", i.get("name")) for i in data["layers"]] == [
        ("conv2d", "conv1"), ("maxpool2d", "poolig"), ("relu", "relu"), ("conv2d", "conv2"), ("share poolig", "poolig_1"),
        ("relu", "relu_1"), ("view", "view"), ("linear", "fc")]
    report = analyze(from_data(data, input_shape=(1, 28, 28)))
    assert report.ok and report.output_shape == (10,)
    assert [r.output_shape for r in report.layers][:7] == [(10, 24, 24), (10, 12, 12), (10, 12, 12), (20, 8, 8),
                                                           (20, 4, 4), (20, 4, 4), (320,)]
    assert report.totals.params == 8490


def test_a_reused_module_with_parameters_is_shared():
    text = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.conv(self.conv(x)).mean((2, 3)))
"""
    data, notes = read(text, "pytorch-code", "<test>")
    assert data["layers"][1] == {"share": "conv", "name": "conv_1"}  # its parameters count once, its MACs twice
    report = analyze(from_data(data, input_shape=(4, 8, 8)))
    assert report.totals.params == 4 * 4 * 9 + 4 + 4 * 2 + 2
    assert report.totals.macs == 2 * 4 * 4 * 9 * 64 + 8


def test_a_max_over_whole_dims_is_an_amax():
    """``torch.amax(x, dim=(2, 3))`` and ``x.amax(1)``: a max over whole dims (torch 2.13: output (1, 10), 314
    parameters for conv 3→8 3×3 and linear 8→10), no longer only expressible as a mean of the same shape."""
    text = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = torch.amax(self.conv(x), dim=(2, 3))
        return self.fc(x)
"""
    data, _ = read(text, "pytorch-code", "<test>")
    assert data["layers"][1] == {"type": "amax", "name": "amax", "dim": [2, 3]}
    report = analyze(from_data(data, input_shape=(3, 32, 32)))
    assert report.ok and report.output_shape == (10,) and report.totals.params == 314
    report = analyze(from_data({"input": [3, 4, 5], "layers": [{"type": "amax", "dim": 1, "keepdim": True}]}))
    assert report.output_shape == (1, 4, 5) and report.totals.macs == 0


def test_class_with_arguments_constants_and_a_conditional_shortcut():
    """forward() is traced: `out += self.shortcut(x)` is an add of the block's layers and its shortcut (an empty
    nn.Sequential where the shapes agree: the identity), `.view(x.size(0), -1)` a view — no guess, no warning."""
    data, notes = read(RESIDUAL_CODE, "pytorch-code", "<test>")
    assert data["name"] == "ResNetLike" and notes == []
    layer1, layer2 = data["layers"][3], data["layers"][4]
    assert layer1["type"] == "sequential" and layer1["name"] == "layer1"
    assert layer1["layers"][5] == {"type": "sequential", "name": "shortcut", "from": "input", "layers": []}
    assert layer1["layers"][6] == {"type": "add", "name": "add", "from": ["bn2", "input"]}  # + the identity
    assert [i["type"] for i in layer2["layers"][5]["layers"]] == ["conv2d", "batchnorm2d"]
    assert layer2["layers"][0]["stride"] == 2
    assert {"type": "view", "name": "view", "shape": [-1]} in data["layers"]


def test_module_level_instance_with_arguments():
    text = VGG_CODE + "\nmodel = SmallVGG(num_classes=NUM_CLASSES * 2, width=8)\n"
    data, notes = read(text, "pytorch-code", "<test>")
    assert data["name"] == "model"
    assert data["layers"][-1]["layers"][-1] == {"type": "linear", "in_features": 64, "out_features": 20}
    assert data["layers"][0]["layers"][0]["out_channels"] == 8


def test_sequential_subclass_needs_no_warning():
    text = ("class Stem(nn.Sequential):\n    def __init__(self, c):\n"
            "        super().__init__(nn.Conv2d(3, c, 3), nn.BatchNorm2d(c), nn.ReLU())\n"
            "model = nn.Sequential(Stem(16), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 2))\n")
    data, notes = read(text, "pytorch-code", "<test>")
    assert notes == []
    assert [i["type"] for i in data["layers"][0]["layers"]] == ["conv2d", "batchnorm2d", "relu"]


def test_module_list_and_dict_in_code():
    text = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.convs = nn.ModuleList([nn.Conv2d(1, 4, 3), nn.Conv2d(4, 4, 3)])\n"
            "        self.heads = nn.ModuleDict({'pool': nn.AdaptiveAvgPool2d(1), 'flat': nn.Flatten()})\n")
    with pytest.raises(SpecError, match="Net has no forward()"):  # torch cannot run it either
        read(text, "pytorch-code", "<test>")
    text += "    def forward(self, x):\n        for c in self.convs:\n            x = c(x)\n" \
            "        return self.heads['flat'](self.heads['pool'](x))\n"
    data, notes = read(text, "pytorch-code", "<test>")
    assert [(i["name"], [c.get("name") for c in i["layers"]]) for i in data["layers"]] == [
        ("convs", [None, None]), ("heads", ["pool", "flat"])]  # node ids convs.0, convs.1, heads.pool, heads.flat
    assert analyze(from_data(data, input_shape=(1, 8, 8))).output_shape == (4,)


@pytest.mark.parametrize("text,message,hint", [
    ("import torch.nn as nn\n\nnet = nn.Sequential(\n    nn.Conv2d(1, 6, 5),\n    nn.ReLU() nn.Tanh(),\n)\n",
     "<test>: invalid Python at line 5, column 5: invalid syntax", None),
    ("class Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(4, 2))\n",
     "<test>: invalid Python at line 3, column 34: unmatched ')'", None),
    # the interpreter (convcalc.readers.torchcode) names the file, line and column of what it cannot read
    ("nn.Sequential(nn.ReLU(), nn.Conv2dd(1, 6, 5))", "<test>:1:1: Sequential's module '1' is not known: "
     "nn.Conv2dd: torch.nn has no Conv2dd (did you mean 'Conv2d'?)", None),
    ("nn.Sequential(nn.ReLU(), nn.Conv2d(in_ch, 6, 5))", "<test>:1:26: nn.Conv2d's in_channels is not known: name "
     "'in_ch' is not defined (at <test>:1:36)", None),
    ("nn.Sequential(nn.Linear(n_features(), 2))", "<test>:1:15: nn.Linear's in_features is not known: n_features: "
     "name 'n_features' is not defined (at <test>:1:25)", None),
    ("nn.Sequential(nn.Linear(4, __import__('os').system('true')))",
     "<test>:1:15: nn.Linear's out_features is not known: __import__('os').system: __import__: the built-in "
     "__import__() is not available to model code read by convcalc", None),
    ("nn.Sequential(nn.Linear(2 ** 10 ** 10, 2))", "<test>:1:25: 2 ** 10000000000 is an integer of more than 4096 "
     "bits", "fixed bounds"),
    ("nn.Sequential(nn.Linear(4, 2, *extra))", "<test>:1:1: Sequential's module '0' is not known: *extra: name "
     "'extra' is not defined (at <test>:1:32)", None),
    ("nn.Sequential(nn.Linear(4, 2, 3, 4))", "<test>:1:15: the model code raises TypeError: nn.Linear() takes at "
     "most 3 positional arguments (in_features, out_features, bias), got 4", None),
    ("nn.Sequential(nn.Linear(4, 2, in_features=4))", "<test>:1:15: the model code raises TypeError: nn.Linear() "
     "got multiple values for argument 'in_features'", None),
    ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.layer1 = self._make_layer(64, 2)\n",
     "<test>:4:23: the model code raises AttributeError: 'Net' object has no attribute '_make_layer'", None),
    ("class Net(nn.Module):\n    def __init__(self, cfg):\n        super().__init__()\n"
     "        for c in cfg:\n            self.add_module(str(c), nn.Conv2d(3, c, 3))\n"
     "model = Net([8, 16])\n", "<test>: Net has no forward()", None),
    ("class Net(nn.Module):\n    def __init__(self, use_bn):\n        super().__init__()\n"
     "        if use_bn:\n            self.bn = nn.BatchNorm2d(3)\n",
     "<test>: no model to read without a choice (models: \"Net(use_bn)\")", "<test>:\"Net(use_bn)\""),
    ("class Net(nn.Module):\n    def __init__(self, use_bn=flag()):\n        super().__init__()\n"
     "        if use_bn:\n            self.bn = nn.BatchNorm2d(3)\n",
     "<test>:4:12: cannot decide `if use_bn`: flag: name 'flag' is not defined (at <test>:2:31)", None),
    ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.net = Net()\n"
     "model = Net()", "<test>:4:20: calls nested more than 80 deep", None),
    ("a = nn.Sequential(a)", "<test>:1:5: Sequential's module '0' is not known: name 'a' is not defined", None),
    ("model = nn.Sequential(nn.Sequential, nn.ReLU())", "<test>:1:9: the model code raises TypeError: the class "
     "nn.Sequential is not a Module subclass", None),
    ("x = torch.zeros(3)", "<test>: no model found", "model = nn.Sequential("),
])
def test_unusable_code_is_a_spec_error(text, message, hint):
    with pytest.raises(SpecError) as info:
        read(text, "pytorch-code", "<test>")
    assert str(info.value).startswith(message), str(info.value)
    if hint:
        assert hint in info.value.hint


def test_code_is_never_executed(tmp_path):
    """Module-level code the model does not need is left unknown; a call in forward() whose effect convcalc
    cannot know (exec) is refused, exit 2. Nothing runs either way."""
    marker = tmp_path / "ran"
    text = (f"import os\nos.system('touch {marker}')\n"
            f"class Net(nn.Module):\n    def __init__(self, n=open('{marker}', 'w')):\n"
            f"        super().__init__()\n        self.fc = nn.Linear(4, 2)\n"
            f"    def forward(self, x):\n        exec('import os')\n        return self.fc(x)\n")
    with pytest.raises(SpecError, match=r"<test>:8:9: `exec\('import os'\)`: exec: the built-in exec\(\) is not "
                                        "available"):
        read(text, "pytorch-code", "<test>")
    data, _ = read(text.replace("exec('import os')", "pass"), "pytorch-code", "<test>")
    assert data["layers"] == [{"type": "linear", "name": "fc", "in_features": 4, "out_features": 2}]
    assert not marker.exists()


def test_the_module_imports_no_torch_and_calls_no_eval():
    source = (ROOT / "convcalc" / "readers" / "pytorch.py").read_text()
    tree = ast.parse(source)
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(name.split(".")[0] == "torch" for name in imported)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not calls & {"eval", "exec", "compile", "__import__"}


def test_unknown_kind_is_a_spec_error():
    with pytest.raises(SpecError, match="unknown PyTorch text kind 'keras'"):
        read("x", "keras", "<test>")


# ----------------------------------------------------------------------------
# Robustness (the code reader's arithmetic is the interpreter's: tests/test_torchcode.py)
# ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["Sequential(", ")", "(0): ", "(a): ", "ReLU()", "Conv2d(1, 2, kernel_size=3)",
                              "Net(", "2 x ", "\n", "  ", "nn.Sequential(", "nn.Linear(4, 2)", ", ",
                              "class N(nn.Module):",
                              "def __init__(self):", "self.x = ", "if x:", "import torch"]), max_size=30).map("".join),
))
def test_any_text_is_read_or_refused_with_a_spec_error(text):
    kind = detect(text)
    for k in ([kind] if kind else ["pytorch-repr", "pytorch-code"]):
        try:
            data, notes = read(text, k, "<fuzz>")
        except SpecError:
            continue
        assert isinstance(data["layers"], list)
        assert all(isinstance(p, (str, type(None))) and isinstance(m, str) for p, m in notes)


# ----------------------------------------------------------------------------
# Against torch (skipped without it)
# ----------------------------------------------------------------------------
def _torch():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    return pytest.importorskip("torch")


def _build(code: str, name: str):
    """Run one of this file's code constants in torch (the test runs it; convcalc never does)."""
    _torch()
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, namespace)  # noqa: S102 - the test's own constants
    model = namespace[name]
    return model() if isinstance(model, type) else model


def _torchvision_like_resnet():
    """A two-stage ResNet with torchvision's BasicBlock (``downsample`` child) — the source of RESNET_REPR."""
    torch = _torch()
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 16))
            down = nn.Sequential(nn.Conv2d(16, 32, 1, 2, bias=False), nn.BatchNorm2d(32))
            self.layer2 = nn.Sequential(BasicBlock(16, 32, 2, down))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(32, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.avgpool(self.layer2(self.layer1(x)))
            return self.fc(torch.flatten(x, 1))

    return ResNet()


def _broken_lenet():
    nn = _torch().nn
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def test_pinned_reprs_are_what_torch_prints():
    pinned = {
        "BROKEN_LENET_REPR": (BROKEN_LENET_REPR, _broken_lenet),
        "LENET_REPR": (LENET_REPR, lambda: _build(LENET_CODE, "net")),
        "VGG_REPR": (VGG_REPR, lambda: _build(VGG_CODE, "SmallVGG")),
        "ZOO_REPR": (ZOO_REPR, lambda: _build(ZOO_CODE, "model")),
        "RESNET_REPR": (RESNET_REPR, _torchvision_like_resnet),
    }
    for const, (text, make) in pinned.items():
        assert str(make()) + "\n" == text, const


def test_torch_refuses_the_broken_lenet_where_convcalc_says():
    torch = _torch()
    with pytest.raises(RuntimeError, match=r"\(2x256 and 400x120\)"):
        _broken_lenet()(torch.zeros(2, 1, 28, 28))


def _qualnames(items: list[dict], prefix: str = "layers", parent: str = "") -> dict[str, str]:
    """Each spec path → the torch module name it stands for: a child's name, else its position."""
    out = {}
    for i, item in enumerate(items):
        path = f"{prefix}[{i}]"
        qual = f"{parent}.{item.get('name') or i}" if parent else str(item.get("name") or i)
        out[path] = qual
        out.update(_qualnames(item.get("layers", []), f"{path}.layers", qual))
        for b, branch in enumerate(item.get("branches", [])):
            out.update(_qualnames(branch, f"{path}.branches[{b}]", qual))
    return out


def _compare_with_torch(model, data: dict, shape) -> None:
    """Every convcalc row that stands for a torch module has that module's output shape and parameters;
    every torch leaf module has a row; totals agree."""
    torch = _torch()
    outputs: dict[str, tuple] = {}

    def record(name):
        def hook(module, inputs, output):
            # the first call; returns None (a hook that returns a value replaces the output)
            outputs.setdefault(name, tuple(output.shape[1:]))
        return hook

    hooks = [m.register_forward_hook(record(name)) for name, m in model.named_modules() if name]
    model.eval()
    with torch.no_grad():
        final = model(torch.zeros(2, *shape))
    for h in hooks:
        h.remove()
    modules = dict(model.named_modules())
    report = analyze(from_data(data, input_shape=tuple(shape)))
    assert report.ok, [d.line for d in report.errors]
    names = _qualnames(data["layers"])
    seen = set()
    for row in report.layers:
        name = names[row.path]
        if name not in modules:
            # what forward() does between modules (F.relu, the flatten before fc, the residual add; the code reader
            # traces them all) and a module called again (shared_with): no parameters of their own
            assert row.params == 0, row.path
            continue
        seen.add(name)
        assert row.output_shape == outputs[name], (row.path, name)
        assert row.params == sum(p.numel() for p in modules[name].parameters()), (row.path, name)
        assert row.buffers == sum(b.numel() for b in modules[name].buffers()), (row.path, name)
    leaves = {n for n, m in modules.items() if n and not list(m.children())}
    assert leaves <= seen
    assert report.output_shape == tuple(final.shape[1:])
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    assert report.totals.buffers == sum(b.numel() for b in model.buffers())


@pytest.mark.parametrize("case", sorted(WORKING_CODE))
def test_code_of_a_working_model_gives_exactly_torchs_shapes(case):
    code, name, shape = WORKING_CODE[case]
    model = _build(code, name)
    data, _ = read(code, detect(code), "<test>")
    _compare_with_torch(model, data, shape)


@pytest.mark.parametrize("case", sorted(WORKING_CODE))
def test_repr_of_a_working_model_gives_exactly_torchs_shapes(case):
    code, name, shape = WORKING_CODE[case]
    model = _build(code, name)
    text = str(model)
    assert detect(text) == "pytorch-repr"
    data, _ = read(text, "pytorch-repr", "<test>")
    _compare_with_torch(model, data, shape)


def test_repr_of_a_torchvision_like_resnet_gives_exactly_torchs_shapes():
    _compare_with_torch(_torchvision_like_resnet(), read(RESNET_REPR, "pytorch-repr", "<test>")[0], (3, 64, 64))


def _random_stack(rng: random.Random, torch) -> tuple[str, tuple]:
    """A random valid nn.Sequential as code text: conv/pool/norm/activation stages, then a dense head whose
    in_features torch itself tells."""
    nn = torch.nn
    c, size = rng.choice([1, 3]), rng.randint(12, 40)
    shape = (c, size, size)
    x = torch.zeros(1, *shape)
    parts: list[str] = []

    def add(text: str) -> bool:
        nonlocal x
        try:
            with torch.no_grad():
                y = eval(text, {"nn": nn}).eval()(x)  # noqa: S307 - the test's own generated text
        except (RuntimeError, ValueError):
            return False
        if min(y.shape) < 1:
            return False
        parts.append(text)
        x = y
        return True

    for _ in range(rng.randint(1, 5)):
        out = rng.choice([4, 8, 12])
        k, s, p, d = rng.choice([1, 3, 5]), rng.choice([1, 2]), rng.randint(0, 2), rng.choice([1, 1, 2])
        g = rng.choice([1, 2]) if x.shape[1] % 2 == 0 and out % 2 == 0 else 1
        if not add(f"nn.Conv2d({x.shape[1]}, {out}, {k}, stride={s}, padding={p}, dilation={d}, groups={g}, "
                   f"bias={rng.random() < 0.5})"):
            break
        for text in rng.sample([f"nn.BatchNorm2d({x.shape[1]})", "nn.ReLU(inplace=True)", "nn.LeakyReLU(0.1)",
                                f"nn.MaxPool2d({rng.choice([2, 3])}, ceil_mode={rng.random() < 0.5})",
                                f"nn.AvgPool2d(2, padding={rng.randint(0, 1)})", "nn.Dropout2d(0.1)"], 2):
            add(text)
    if rng.random() < 0.5:
        add(f"nn.AdaptiveAvgPool2d({rng.choice([1, 2, '(2, 3)'])})")
    add("nn.Flatten()")
    features = x.shape[1]
    add(f"nn.Linear({features}, 10)")
    return "import torch.nn as nn\n\nmodel = nn.Sequential(\n    " + ",\n    ".join(parts) + ",\n)\n", shape


@pytest.mark.parametrize("seed", range(25))
def test_random_sequentials_as_code_and_repr_match_torch(seed):
    torch = _torch()
    code, shape = _random_stack(random.Random(seed), torch)
    model = _build(code, "model")
    for text in (code, str(model)):
        data, notes = read(text, detect(text), "<test>")
        assert notes == [] or all("AvgPool" in m for _, m in notes), notes
        _compare_with_torch(model, data, shape)


@pytest.mark.parametrize("text,expected", [
    ("model = nn.Sequential(nn.Conv2d(3, 8, 3))\n"
     "if __name__ == '__main__':\n    print(model(torch.randn(2, 3, 32, 32)))",
     [3, 32, 32]),
    ("model = nn.Sequential(nn.Conv2d(3, 8, 3))\nx = torch.zeros((1, 3, 16, 16))", [3, 16, 16]),
    ("model = nn.Sequential(nn.Conv2d(3, 8, 3))\na = torch.rand(1, 3, 16, 16)\nb = torch.rand(1, 3, 32, 32)", None),
    ("model = nn.Sequential(nn.Linear(3, 8))\nx = torch.rand(4, 3)", None),  # no C × spatial: no guess
    ("model = nn.Sequential(nn.Conv2d(3, 8, 3))\nx = torch.rand(1, 3, n, n)", None),
])
def test_example_input_of_a_snippet(text, expected):
    data, _ = read(text, "pytorch-code", "<test>")
    assert data.get("input") == expected


def test_a_bare_parameter_is_refused_with_its_line():
    """torch counts a bare nn.Parameter; the graph (layers only) cannot hold it, so the total would be wrong:
    refused (exit 2) rather than the old warning with a total one short."""
    text = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.scale = nn.Parameter(torch.ones(1))\n        self.fc = nn.Linear(4, 2)\n"
            "        sizes = []\n        for s in (1, 2):\n            sizes.append(s)\n"
            "    def forward(self, x):\n        return self.fc(x) * self.scale\n")
    with pytest.raises(SpecError, match=r"^<test>:4:22: self.scale = nn.Parameter\(…\) in the model: convcalc "
                                        "counts the parameters and buffers of layers"):
        read(text, "pytorch-code", "<test>")


def test_a_subclass_of_a_module_defined_in_the_text_is_the_model():
    text = ("class Base(nn.Module):\n    def __init__(self, n=4):\n        super().__init__()\n"
            "        self.fc = nn.Linear(n, 2)\n\nclass Net(Base):\n    pass\n\nclass Other(nn.Module):\n"
            "    def __init__(self):\n        super().__init__()\n        self.net = Net()\n"
            "    def forward(self, x):\n        return self.net(x)\n")
    text = text.replace("        self.fc = nn.Linear(n, 2)\n", "        self.fc = nn.Linear(n, 2)\n"
                        "    def forward(self, x):\n        return self.fc(x)\n")
    data, notes = read(text, "pytorch-code", "<test>")
    assert data["name"] == "Other" and data["layers"][0]["layers"][0]["in_features"] == 4
    assert notes == []


def test_docstring_examples():
    import doctest

    import convcalc.readers.pytorch

    assert doctest.testmod(convcalc.readers.pytorch).failed == 0


def test_functional_pooling_in_forward_is_read_as_a_layer():
    """pytorch/examples' MNIST net pools with F.max_pool2d(x, 2): read as a layer where forward() calls it,
    the net is torch's: 64x12x12 = 9,216 features reach fc1, 1,199,882 parameters."""
    text = '''
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)
'''
    report, notes = analyse(text, (1, 28, 28), "pytorch-code")
    assert notes == []  # forward() is traced: every call is a node, in the order it runs
    assert report.ok and report.output_shape == (10,)
    assert [r.type for r in report.layers] == ["conv2d", "relu", "conv2d", "relu", "maxpool2d", "dropout", "flatten",
                                               "linear", "relu", "dropout", "linear", "logsoftmax"]
    assert report.totals.params == 1_199_882


TUTORIAL_NET = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
'''


def test_the_pytorch_tutorial_net_gives_torchs_shapes():
    """The 60-minute blitz Net pools functionally; read as layers it is the 61,706-parameter LeNet."""
    report, _ = analyse(TUTORIAL_NET, (1, 32, 32), "pytorch-code")
    assert report.ok
    assert [(r.type, r.output_shape) for r in report.layers if r.type != "relu"] == [
        ("conv2d", (6, 28, 28)), ("maxpool2d", (6, 14, 14)), ("conv2d", (16, 10, 10)), ("maxpool2d", (16, 5, 5)),
        ("flatten", (400,)), ("linear", (120,)), ("linear", (84,)), ("linear", (10,))]
    assert report.totals.params == 61_706
