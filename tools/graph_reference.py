"""Generate tests/data/graph_reference.json: PyTorch ground truth for the graph-shaped built-ins.

DEV-ONLY TOOL, run by hand (CI reads only the JSON it writes). From the repository root, in a
virtualenv with torch (torchvision is not needed):

    python tools/graph_reference.py [-o tests/data/graph_reference.json] [--only unet siamese]

Five models are written here as ordinary PyTorch modules, the way their papers' or popular repos'
code writes them, and each catalog spec (convcalc/catalog/<name>.yaml) mirrors its module names:

* ``unet``        Ronneberger et al. 2015, Fig. 1 (valid 3x3 convs, centre crop of the skip, 1x572x572)
* ``unet-padded`` milesial/Pytorch-UNet (bilinear=False): padded DoubleConv + BN, F.pad to the skip
* ``se_resnet50`` torchvision's ResNet-50 with a Squeeze-and-Excitation gate in every Bottleneck
* ``siamese``     Koch et al. 2015: one conv tower applied to two inputs, |h_l - h_r|, linear, sigmoid
* ``fcn-aux``     a small FCN with torchvision's FCNHead as main and auxiliary classifier, two outputs

For each model the JSON records the input and output shapes (no batch dim, keyed by name), params
(``model.parameters()``: a shared module once), trainable params, buffers (BatchNorm's
num_batches_tracked included), MACs in convcalc's convention (counted per call with forward hooks,
batch 1) and ``nodes``: the output shape of every node of the spec that torch can show. ``sizes``
holds the same measurements (inputs, outputs, params, trainable params, buffers, MACs, nodes) at
other input sizes (``SIZES``): the torch code takes any valid size, so the spec must too.
``rejects`` lists input sizes at which the torch forward raises (``REJECTS``; e.g. the Siamese
tower's Linear(9216, 4096) fixes 105x105), where convcalc must report an error. The node
ids are read from the catalog YAML (the dotted path of names / indices, graph_spec.md); each is
measured as

* the output of the torch submodule of the same dotted name (its first call), or
* a functional op (``torch.cat``, ``F.pad``, ``x * s``, ...) caught with a TorchFunctionMode, by the
  module it runs in, the function's name and its occurrence there (``FUNCTIONAL`` below), or
* a later call of a shared module (``CALLS``), or an entry of a module's dict output (``ITEM_OF``).

A spec node that is named but has none of these is an error, so the spec and the torch code cannot
drift apart silently. Everything runs on CPU in eval mode under torch.no_grad() with zeros inputs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections import OrderedDict
from pathlib import Path

warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)  # numpy-less torch

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import yaml  # noqa: E402
from torch.overrides import TorchFunctionMode  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "convcalc" / "catalog"
DEFAULT_OUTPUT = ROOT / "tests" / "data" / "graph_reference.json"


# ============================================================================
# a. U-Net, Ronneberger, Fischer & Brox 2015, Fig. 1 (unpadded convolutions)
# ============================================================================
def double_conv(in_channels, out_channels):
    """Two 3x3 'valid' convolutions, each followed by a ReLU (conv with bias, no BN)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=3),
        nn.ReLU(inplace=True),
    )


def center_crop(layer, target):
    """Crop the encoder map to the decoder map's size (the paper's 'copy and crop')."""
    _, _, h, w = layer.size()
    th, tw = target.size()[2:]
    dy, dx = (h - th) // 2, (w - tw) // 2
    return layer[:, :, dy:dy + th, dx:dx + tw]


class UNet(nn.Module):
    def __init__(self, in_channels=1, n_classes=2):
        super().__init__()
        self.enc1 = double_conv(in_channels, 64)
        self.pool1 = nn.MaxPool2d(2)
        self.enc2 = double_conv(64, 128)
        self.pool2 = nn.MaxPool2d(2)
        self.enc3 = double_conv(128, 256)
        self.pool3 = nn.MaxPool2d(2)
        self.enc4 = double_conv(256, 512)
        self.pool4 = nn.MaxPool2d(2)
        self.bottleneck = double_conv(512, 1024)
        self.up4 = nn.ConvTranspose2d(1024, 512, kernel_size=2, stride=2)
        self.dec4 = double_conv(1024, 512)
        self.up3 = nn.ConvTranspose2d(512, 256, kernel_size=2, stride=2)
        self.dec3 = double_conv(512, 256)
        self.up2 = nn.ConvTranspose2d(256, 128, kernel_size=2, stride=2)
        self.dec2 = double_conv(256, 128)
        self.up1 = nn.ConvTranspose2d(128, 64, kernel_size=2, stride=2)
        self.dec1 = double_conv(128, 64)
        self.final = nn.Conv2d(64, n_classes, kernel_size=1)

    def forward(self, x):
        enc1 = self.enc1(x)
        enc2 = self.enc2(self.pool1(enc1))
        enc3 = self.enc3(self.pool2(enc2))
        enc4 = self.enc4(self.pool3(enc3))
        bottleneck = self.bottleneck(self.pool4(enc4))
        up4 = self.up4(bottleneck)
        dec4 = self.dec4(torch.cat([center_crop(enc4, up4), up4], dim=1))
        up3 = self.up3(dec4)
        dec3 = self.dec3(torch.cat([center_crop(enc3, up3), up3], dim=1))
        up2 = self.up2(dec3)
        dec2 = self.dec2(torch.cat([center_crop(enc2, up2), up2], dim=1))
        up1 = self.up1(dec2)
        dec1 = self.dec1(torch.cat([center_crop(enc1, up1), up1], dim=1))
        return self.final(dec1)


# ============================================================================
# b. milesial/Pytorch-UNet (unet/unet_parts.py, unet/unet_model.py), bilinear=False
# ============================================================================
class DoubleConv(nn.Module):
    """(convolution => [BN] => ReLU) * 2"""

    def __init__(self, in_channels, out_channels, mid_channels=None):
        super().__init__()
        if not mid_channels:
            mid_channels = out_channels
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    """Downscaling with maxpool then double conv"""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    """Upscaling then double conv"""

    def __init__(self, in_channels, out_channels, bilinear=False):
        super().__init__()
        if bilinear:
            self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
            self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)
        else:
            self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
            self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        # input is CHW
        diffY = x2.size()[2] - x1.size()[2]
        diffX = x2.size()[3] - x1.size()[3]
        x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        x = torch.cat([x2, x1], dim=1)
        return self.conv(x)


class OutConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, x):
        return self.conv(x)


class MilesialUNet(nn.Module):
    def __init__(self, n_channels=3, n_classes=2, bilinear=False):
        super().__init__()
        self.n_channels = n_channels
        self.n_classes = n_classes
        self.bilinear = bilinear
        self.inc = DoubleConv(n_channels, 64)
        self.down1 = Down(64, 128)
        self.down2 = Down(128, 256)
        self.down3 = Down(256, 512)
        factor = 2 if bilinear else 1
        self.down4 = Down(512, 1024 // factor)
        self.up1 = Up(1024, 512 // factor, bilinear)
        self.up2 = Up(512, 256 // factor, bilinear)
        self.up3 = Up(256, 128 // factor, bilinear)
        self.up4 = Up(128, 64, bilinear)
        self.outc = OutConv(64, n_classes)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        x = self.up1(x5, x4)
        x = self.up2(x, x3)
        x = self.up3(x, x2)
        x = self.up4(x, x1)
        logits = self.outc(x)
        return logits


# ============================================================================
# c. SE-ResNet-50: torchvision's ResNet-50 (Bottleneck v1.5) + an SE gate per block
#    (Hu et al. 2018; SEModule as in Cadene's pretrainedmodels senet.py)
# ============================================================================
def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class SEModule(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, kernel_size=1)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, kernel_size=1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        s = self.avg_pool(x)
        s = self.fc1(s)
        s = self.relu(s)
        s = self.fc2(s)
        s = self.sigmoid(s)
        return x * s


class SEBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, reduction=16):
        super().__init__()
        width = planes
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.se = SEModule(planes * self.expansion, reduction)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)

        out = self.conv3(out)
        out = self.bn3(out)
        out = self.se(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)
        return out


class SEResNet(nn.Module):
    def __init__(self, layers=(3, 4, 6, 3), num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * SEBottleneck.expansion, num_classes)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * SEBottleneck.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * SEBottleneck.expansion, stride),
                nn.BatchNorm2d(planes * SEBottleneck.expansion),
            )
        layers = [SEBottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * SEBottleneck.expansion
        for _ in range(1, blocks):
            layers.append(SEBottleneck(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)

        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)

        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x


# ============================================================================
# d. Siamese network, Koch, Zemel & Salakhutdinov 2015 (Omniglot one-shot), Fig. 4
# ============================================================================
class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.tower = nn.Sequential(
            nn.Conv2d(1, 64, 10), nn.ReLU(inplace=True), nn.MaxPool2d(2),    # 64@96x96 -> 64@48x48
            nn.Conv2d(64, 128, 7), nn.ReLU(inplace=True), nn.MaxPool2d(2),   # 128@42x42 -> 128@21x21
            nn.Conv2d(128, 128, 4), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 128@18x18 -> 128@9x9
            nn.Conv2d(128, 256, 4), nn.ReLU(inplace=True),                   # 256@6x6
            nn.Flatten(),
            nn.Linear(9216, 4096), nn.Sigmoid(),
        )
        self.fc = nn.Linear(4096, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, left, right):
        h_left = self.tower(left)
        h_right = self.tower(right)  # the same module: shared weights
        dist = torch.abs(h_left - h_right)
        return self.sigmoid(self.fc(dist))


# ============================================================================
# e. A small FCN with an auxiliary head, in the manner of torchvision's
#    segmentation.fcn_resnet50(aux_loss=True): IntermediateLayerGetter + FCNHead
# ============================================================================
def conv_bn_relu(in_channels, out_channels, stride=1, dilation=1):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class FCNHead(nn.Sequential):  # torchvision.models.segmentation.fcn.FCNHead
    def __init__(self, in_channels, channels):
        inter_channels = in_channels // 4
        layers = [
            nn.Conv2d(in_channels, inter_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(inter_channels),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Conv2d(inter_channels, channels, 1),
        ]
        super().__init__(*layers)


class Backbone(nn.ModuleDict):
    """A six-conv backbone (output stride 4: two stride-2 stages, then a dilated stage), returning
    the stages asked for like torchvision's IntermediateLayerGetter."""

    def __init__(self, return_layers):
        super().__init__(OrderedDict(
            stem=conv_bn_relu(3, 32),                                                  # 32@128x128
            layer1=nn.Sequential(conv_bn_relu(32, 64, stride=2), conv_bn_relu(64, 64)),     # 64@64x64
            layer2=nn.Sequential(conv_bn_relu(64, 128, stride=2), conv_bn_relu(128, 128)),  # 128@32x32
            layer3=nn.Sequential(conv_bn_relu(128, 256, dilation=2)),                 # 256@32x32
        ))
        self.return_layers = dict(return_layers)

    def forward(self, x):
        out = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out


class SmallFCN(nn.Module):
    def __init__(self, num_classes=21):
        super().__init__()
        self.backbone = Backbone({"layer3": "out", "layer2": "aux"})
        self.classifier = FCNHead(256, num_classes)
        self.aux_classifier = FCNHead(128, num_classes)

    def forward(self, x):
        input_shape = x.shape[-2:]
        features = self.backbone(x)
        result = OrderedDict()
        x = self.classifier(features["out"])
        result["out"] = F.interpolate(x, size=input_shape, mode="bilinear", align_corners=False)
        x = self.aux_classifier(features["aux"])
        result["aux"] = F.interpolate(x, size=input_shape, mode="bilinear", align_corners=False)
        return result


# ============================================================================
# The models, and how to see their functional nodes
# ============================================================================
def _se_resnet_blocks():
    return [f"layer{i + 1}.{j}" for i, n in enumerate((3, 4, 6, 3)) for j in range(n)]


MODELS = {
    # name: builder, inputs (no batch dim)
    "unet": (UNet, {"input": (1, 572, 572)}),
    "unet-padded": (MilesialUNet, {"input": (3, 572, 572)}),
    "se_resnet50": (SEResNet, {"input": (3, 224, 224)}),
    "siamese": (Siamese, {"left": (1, 105, 105), "right": (1, 105, 105)}),
    "fcn-aux": (SmallFCN, {"input": (3, 128, 128)}),
}
#: name -> further inputs to measure at (every input of the model, by name): the torch code computes its
#: pads, crops and interpolation sizes at run time, so each of these is a different set of node shapes
SIZES = {
    "unet": [{"input": (1, 508, 508)}],                                   # 508 -> 324: every crop even
    "unet-padded": [{"input": (3, 512, 512)}, {"input": (3, 500, 500)}],  # 512: no pad; 500: up2 pads 124 -> 125
    "se_resnet50": [{"input": (3, 160, 160)}],                            # 5x5 before avgpool
    "siamese": [],                                                        # Linear(9216, 4096): 105x105 only
    "fcn-aux": [{"input": (3, 256, 256)}, {"input": (3, 97, 97)}],        # 97 -> 49 -> 25, interpolated back to 97
}
#: name -> inputs at which the torch forward raises (a size the model cannot take)
REJECTS = {
    "siamese": [{"left": (1, 100, 100), "right": (1, 100, 100)}],  # the tower flattens 256x5x5 = 6400, not 9216
}

#: node id -> (the module it runs in, "" = the model's forward; function name; occurrence there)
FUNCTIONAL = {
    "unet": {
        **{f"crop{lvl}": ("", "__getitem__", k) for k, lvl in enumerate((4, 3, 2, 1))},
        **{f"cat{lvl}": ("", "cat", k) for k, lvl in enumerate((4, 3, 2, 1))},
    },
    "unet-padded": {
        **{f"up{i}.pad": (f"up{i}", "pad", 0) for i in (1, 2, 3, 4)},
        **{f"up{i}.cat": (f"up{i}", "cat", 0) for i in (1, 2, 3, 4)},
    },
    "se_resnet50": {
        "flatten": ("", "flatten", 0),
        **{f"{b}.se.scale": (f"{b}.se", "mul", 0) for b in _se_resnet_blocks()},
        **{f"{b}.add": (b, "add_", 0) for b in _se_resnet_blocks()},
    },
    "siamese": {"diff": ("", "sub", 0), "dist": ("", "abs", 0)},
    "fcn-aux": {"out": ("", "interpolate", 0), "aux": ("", "interpolate", 1)},
}
#: node id -> (module name, call index): a later call of a module (the shared tower on the right input;
#: the ReLU module a torchvision Bottleneck calls three times)
CALLS = {
    "siamese": {"tower_r": ("tower", 1), **{f"tower_r.{k}": (f"tower.{k}", 1) for k in range(14)}},
    "se_resnet50": {f"{b}.{i}": (f"{b}.relu", k) for b in _se_resnet_blocks()
                    for k, i in enumerate((2, 5, 11 if b.endswith(".0") else 10))},
}
#: node id -> (module name, key): one entry of a module's dict output (the spec's backbone sequential
#: ends with layer3, which IntermediateLayerGetter returns as "out")
ITEM_OF = {"fcn-aux": {"backbone": ("backbone", "out")}}

CONVENTIONS = {
    "shapes": "without the batch dim (batch 1 throughout); inputs and outputs keyed by name. A single "
    "input is named 'input'; a single output by the id of the spec's last top-level node.",
    "params": "sum(p.numel() for p in model.parameters()): a module called twice counts once.",
    "trainable_params": "the same over parameters with requires_grad.",
    "buffers": "sum of numel over model.buffers(), BatchNorm's num_batches_tracked included.",
    "macs": "per call (forward hooks): Conv weight.numel() * output spatial positions; ConvTranspose "
    "weight.numel() * INPUT spatial positions; Linear in_features*out_features * rows "
    "(input.numel() / in_features); nothing else. A shared module counts at every call.",
    "nodes": "node id of the catalog spec (dotted path of names/indices, graph_spec.md) -> output "
    "shape: the torch submodule of the same name (first call), or a functional op in forward() "
    "(torch.cat, F.pad, slicing, x * s, +=, torch.abs, -, F.interpolate, torch.flatten: found by the "
    "module it runs in and the name __torch_function__ receives, e.g. cat, pad, __getitem__, mul, add_, "
    "sub, abs), or a shared module's later call, or an entry of a module's dict output.",
    "sizes": "the same measurements (inputs, outputs, params, trainable_params, buffers, macs, nodes) "
    "of the same model at other input sizes; the top-level fields are at the spec's own input size.",
    "rejects": "inputs (by name) at which the torch forward raises: the model cannot take that size.",
}


# ============================================================================
# Node ids of a catalog spec (graph_spec.md), without convcalc's engine
# ============================================================================
def _substitute(data, args):
    if isinstance(data, str) and data.startswith("$") and data[1:] in args:
        return args[data[1:]]
    if isinstance(data, list):
        return [_substitute(v, args) for v in data]
    if isinstance(data, dict):
        return {k: _substitute(v, args) for k, v in data.items()}
    return data


def spec_node_ids(spec):
    """[(node id, named?)] of every node of a spec, in spec order: 'named' when the id's last part
    is a name the spec gave (not an index)."""
    blocks = spec.get("blocks") or {}
    out = []
    by_name = {}  # element name -> its data, for share: (enough for the catalog's specs)

    def element(item, prefix, index):
        if isinstance(item, str):
            item = {"type": item}
        named = "name" in item
        nid = f"{prefix}{item['name'] if named else index}"
        out.append((nid, named))
        if named:
            by_name[item["name"]] = item
        if "share" in item:  # built again under this id: its children are nid.<child>
            item = {k: v for k, v in by_name[item["share"]].items() if k not in ("name", "from")}
        kind = item["type"]
        if kind in blocks:
            body = {k: v for k, v in blocks[kind].items() if k != "params"}
            params = dict(blocks[kind].get("params") or {})
            params.update({k: v for k, v in item.items() if k not in ("type", "name", "trainable", "from")})
            item = _substitute(body, params)
            kind = item["type"]
        if kind == "sequential":
            items = list(item.get("layers", [])) * item.get("repeat", 1)
            for i, child in enumerate(items):
                element(child, nid + ".", i)
        elif "branches" in item:
            for b, branch in enumerate(item["branches"]):
                for i, child in enumerate(branch):
                    element(child, f"{nid}.{b}.", i)

    for i, item in enumerate(spec["layers"]):
        element(item, "", i)
    return out


def load_spec(name):
    return yaml.safe_load((CATALOG / f"{name}.yaml").read_text(encoding="utf-8"))


# ============================================================================
# Measuring
# ============================================================================
def shape(t):
    return list(t.shape[1:])


def call_macs(m, args, out):
    if isinstance(m, nn.modules.conv._ConvTransposeNd):
        return m.weight.numel() * math.prod(args[0].shape[2:])
    if isinstance(m, nn.modules.conv._ConvNd):
        return m.weight.numel() * math.prod(out.shape[2:])
    if isinstance(m, nn.Linear):
        return m.in_features * m.out_features * (args[0].numel() // m.in_features)
    return 0


class Recorder(TorchFunctionMode):
    """Forward hooks on every module (outputs, inputs, MACs per call) and, while active, every
    functional op returning a tensor that runs outside a leaf module, with the module it runs in."""

    def __init__(self, model):
        super().__init__()
        self.outputs: dict[str, list] = {}  # module name -> output shape per call (None: not a tensor)
        self.inputs: dict[str, list] = {}
        self.functional: dict[tuple[str, str], list] = {}  # (scope, function) -> output shapes
        self.macs = 0
        self.stack: list[tuple[str, bool]] = []
        self.handles = []
        for name, m in model.named_modules():
            leaf = next(m.children(), None) is None
            self.handles.append(m.register_forward_pre_hook(self._pre(name, leaf)))
            self.handles.append(m.register_forward_hook(self._post(name)))

    def _pre(self, name, leaf):
        def hook(m, args):
            self.stack.append((name, leaf))
            x = args[0] if args and isinstance(args[0], torch.Tensor) else None
            self.inputs.setdefault(name, []).append(shape(x) if x is not None else None)
        return hook

    def _post(self, name):
        def hook(m, args, out):
            self.stack.pop()
            if isinstance(out, torch.Tensor):
                found = shape(out)
            elif isinstance(out, dict):
                found = {k: shape(v) for k, v in out.items()}
            else:
                found = None
            self.outputs.setdefault(name, []).append(found)
            self.macs += call_macs(m, args, out)
        return hook

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if self.stack and isinstance(out, torch.Tensor) and not self.stack[-1][1]:
            key = (self.stack[-1][0], getattr(func, "__name__", repr(func)))
            self.functional.setdefault(key, []).append(shape(out))
        return out

    def remove(self):
        for h in self.handles:
            h.remove()


def output_names(spec, out):
    if isinstance(out, torch.Tensor):
        if spec.get("outputs"):
            (name,) = spec["outputs"]
        else:
            last = spec["layers"][-1]
            name = last["name"] if isinstance(last, dict) and "name" in last else str(len(spec["layers"]) - 1)
        return {name: shape(out)}
    if isinstance(out, dict):
        return {k: shape(v) for k, v in out.items()}
    return {name: shape(v) for name, v in zip(spec["outputs"], out)}


def node_shapes(name, spec, rec, module_names):
    nodes, missing = {}, []
    functional, calls = FUNCTIONAL.get(name, {}), CALLS.get(name, {})
    item_of = ITEM_OF.get(name, {})
    for nid, named in spec_node_ids(spec):
        found = None
        if nid in functional:
            scope, func, k = functional[nid]
            found = rec.functional[(scope, func)][k]
        elif nid in calls:
            module, k = calls[nid]
            found = rec.outputs[module][k]
        elif nid in item_of:
            module, key = item_of[nid]
            found = rec.outputs[module][0][key]
        elif nid in module_names and isinstance(rec.outputs[nid][0], list):
            found = rec.outputs[nid][0]
        if found is not None:
            nodes[nid] = found
        elif named:
            missing.append(nid)
        else:
            print(f"note: {name}: unnamed spec node {nid} has no torch counterpart; not recorded", file=sys.stderr)
    return nodes, missing


def measure(name, spec, model, inputs):
    """One forward pass at ``inputs`` (name -> shape without batch): what the JSON records for it."""
    module_names = {n for n, _ in model.named_modules() if n}
    rec = Recorder(model)
    xs = [torch.zeros(1, *chw) for chw in inputs.values()]
    try:
        with torch.no_grad(), rec:
            out = model(*xs)
    finally:
        rec.remove()
    nodes, missing = node_shapes(name, spec, rec, module_names)
    if missing:
        raise LookupError(f"{name}: named spec nodes torch does not show: {', '.join(missing)}")
    return {
        "inputs": {k: list(v) for k, v in inputs.items()},
        "outputs": output_names(spec, out),
        "params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffers": sum(b.numel() for b in model.buffers()),
        "macs": rec.macs,
        "nodes": nodes,
    }


def rejects(model, inputs):
    """True when the torch forward raises at ``inputs``."""
    try:
        with torch.no_grad():
            model(*[torch.zeros(1, *chw) for chw in inputs.values()])
    except RuntimeError:
        return True
    return False


def analyse(name):
    builder, inputs = MODELS[name]
    spec = load_spec(name)
    torch.manual_seed(0)
    model = builder().eval()
    for size in [inputs, *SIZES[name]]:
        if list(size) != list(inputs):
            raise ValueError(f"{name}: SIZES must name the inputs {list(inputs)}, got {list(size)}")
    result = {"builder": f"tools/graph_reference.py:{builder.__name__}", **measure(name, spec, model, inputs),
              "sizes": [measure(name, spec, model, size) for size in SIZES[name]]}
    bad = REJECTS.get(name, [])
    for size in bad:
        if not rejects(model, size):
            raise ValueError(f"{name}: torch runs at {size}, listed in REJECTS")
    if bad:
        result["rejects"] = [{k: list(v) for k, v in size.items()} for size in bad]
    return result


def build_reference(only=None):
    """The whole JSON document but the torch version (what the currency test compares)."""
    return {
        "generator": "tools/graph_reference.py",
        "conventions": CONVENTIONS,
        "models": {name: analyse(name) for name in MODELS if not only or name in only},
    }


def dump(data) -> str:
    """JSON with one line per model field and per node."""
    lines = ["{"]
    top = [(k, v) for k, v in data.items() if k != "models"]
    for k, v in top:
        if isinstance(v, dict):
            lines.append(f" {json.dumps(k)}: {{")
            lines.append(",\n".join(f"  {json.dumps(ck)}: {json.dumps(cv)}" for ck, cv in v.items()))
            lines.append(" },")
        else:
            lines.append(f" {json.dumps(k)}: {json.dumps(v)},")
    lines.append(' "models": {')
    def fields_of(md, indent):
        pad = " " * indent
        fields = []
        for fk, fv in md.items():
            if fk == "nodes":
                body = ",\n".join(f"{pad} {json.dumps(n)}: {json.dumps(s)}" for n, s in fv.items())
                fields.append(f'{pad}"nodes": {{\n{body}\n{pad}}}')
            elif fk == "sizes" and fv:
                entries = ",\n".join(f"{pad} {{\n" + fields_of(size, indent + 2) + f"\n{pad} }}" for size in fv)
                fields.append(f'{pad}"sizes": [\n{entries}\n{pad}]')
            else:
                fields.append(f"{pad}{json.dumps(fk)}: {json.dumps(fv)}")
        return ",\n".join(fields)

    models = []
    for mname, md in data["models"].items():
        models.append(f"  {json.dumps(mname)}: {{\n" + fields_of(md, 3) + "\n  }")
    lines.append(",\n".join(models))
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(DEFAULT_OUTPUT))
    ap.add_argument("--only", nargs="*", help="restrict to these models (for a look; the file is then partial)")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    data = {"torch_version": torch.__version__, **build_reference(a.only)}
    json.loads(dump(data))  # well-formed
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    with open(a.output, "w") as f:
        f.write(dump(data))
    print(f"wrote {a.output}", file=sys.stderr)
    for name, md in data["models"].items():
        for at in [md, *md["sizes"]]:
            ins = ", ".join(f"{k} {'x'.join(map(str, v))}" for k, v in at["inputs"].items())
            outs = ", ".join(f"{k} {'x'.join(map(str, v))}" for k, v in at["outputs"].items())
            print(f"{name:12s} params={at['params']:>11,} buffers={at['buffers']:>7,} macs={at['macs']:>15,} "
                  f"nodes={len(at['nodes']):>4}  {ins} -> {outs}", file=sys.stderr)
        for size in md.get("rejects", []):
            print(f"{name:12s} torch rejects {size}", file=sys.stderr)


if __name__ == "__main__":
    main()
