# convcalc: Net @ 3x32x32
# convcalc: "Net(width=8, act_layer=nn.SiLU, norm_layer=partial(nn.GroupNorm, 4), stages=(1, 2, 1))" @ 3x40x40
# convcalc: "Net(head=Head, act_layer=lambda: nn.LeakyReLU(0.1))" @ 3x32x32
# convcalc: make_dict_net @ 3x16x16
"""Construction styles: functools.partial and act_layer= factories, lambda, **kwargs forwarding, class
attributes and inheritance with overridden methods, super() chains, OrderedDict and add_module names,
ModuleDict, loops over zip/enumerate in forward(), early return, a class passed as an argument."""
import math
from collections import OrderedDict
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_STAGES = (2, 2, 2)


def make_norm(norm_layer, channels, **kwargs):
    if norm_layer is None:
        return nn.Identity()
    return norm_layer(channels, **kwargs)


class ConvBN(nn.Sequential):
    def __init__(self, cin, cout, k=3, s=1, *, norm_layer=nn.BatchNorm2d, act_layer=nn.ReLU):
        layers = OrderedDict()
        layers["conv"] = nn.Conv2d(cin, cout, k, s, k // 2, bias=norm_layer is None)
        layers["bn"] = make_norm(norm_layer, cout)
        if act_layer is not None:
            layers["act"] = act_layer()
        super().__init__(layers)


class Stage(nn.Module):
    kind = "plain"

    def __init__(self, cin, cout, depth, stride=2, **kwargs):
        super().__init__()
        self.blocks = nn.ModuleList()
        for i in range(depth):
            self.blocks.append(self.block(cin if i == 0 else cout, cout, stride if i == 0 else 1, **kwargs))

    def block(self, cin, cout, stride, **kwargs):
        return ConvBN(cin, cout, s=stride, **kwargs)

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return x


class ResidualStage(Stage):
    kind = "residual"

    def forward(self, x):
        for i, blk in enumerate(self.blocks):
            y = blk(x)
            x = y + x if i > 0 else y
        return x


class Head(nn.Module):
    def __init__(self, cin, num_classes, dropout=0.0):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        return self.fc(self.drop(torch.flatten(self.pool(x), 1)))


class Net(nn.Module):
    stage_types = {"plain": Stage, "residual": ResidualStage}

    def __init__(self, width=16, stages=DEFAULT_STAGES, num_classes=10, head=Head, **kwargs):
        super().__init__()
        self.stem = ConvBN(3, width, **kwargs)
        widths = [width * 2 ** i for i in range(len(stages))]
        self.stages = nn.Sequential()
        cin = width
        for i, (depth, cout) in enumerate(zip(stages, widths)):
            kind = "residual" if i % 2 else "plain"
            self.stages.add_module(f"stage{i + 1}", self.stage_types[kind](cin, cout, depth, **kwargs))
            cin = cout
        self.head = head(cin, num_classes, dropout=0.1)
        self.num_features = cin
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Conv2d):
            n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data.normal_(0, math.sqrt(2.0 / n))
        elif isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward_features(self, x):
        x = self.stem(x)
        return self.stages(x)

    def forward(self, x):
        x = self.forward_features(x)
        if self.head is None:
            return x
        return self.head(x)


class DictNet(nn.Module):
    def __init__(self, branches):
        super().__init__()
        self.branches = nn.ModuleDict({name: nn.Conv2d(3, c, 3, padding=1) for name, c in branches.items()})
        self.norms = nn.ModuleDict()
        for name, c in branches.items():
            self.norms[name] = nn.BatchNorm2d(c)
        total = sum(branches.values())
        self.fuse = nn.Conv2d(total, 8, 1)

    def forward(self, x):
        outs = []
        for name, conv in self.branches.items():
            outs.append(F.relu(self.norms[name](conv(x))))
        return self.fuse(torch.cat(outs, dim=1))


def make_dict_net():
    return DictNet({"a": 4, "b": 6, "c": 2})
