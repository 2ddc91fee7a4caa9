"""A generator of random model code for the differential test: construction-time loops, helper methods,
factories, classes passed as arguments, norm/activation factories, and forward() skips (residual adds with
conditional projections, concatenations, gates, multi-scale heads) — each file a model torch runs."""

from __future__ import annotations

import random


def random_model(rng: random.Random) -> tuple[str, str, tuple[int, int, int]]:
    """(code, the model choice, the input shape)."""
    channels = rng.choice([1, 3, 4])
    size = rng.randint(12, 40)
    width = rng.choice([4, 6, 8, 12])
    n_stages = rng.randint(1, 3)
    stages = []
    for i in range(n_stages):
        stride = 2 if size // (2 ** (sum(s == 2 for _, _, s in stages) + 1)) >= 3 and rng.random() < 0.7 else 1
        stages.append((width * rng.choice([1, 2]) * (i + 1), rng.randint(1, 3), stride))
    block = rng.choice(["Residual", "Plain", "Dense"])
    act = rng.choice(["nn.ReLU", "partial(nn.LeakyReLU, 0.1)", "nn.SiLU", "lambda: nn.Hardswish()"])
    norm = rng.choice(["nn.BatchNorm2d", "partial(nn.GroupNorm, 2)", "partial(nn.BatchNorm2d, eps=1e-3)", "None"])
    se = rng.random() < 0.4
    multiscale = rng.random() < 0.4
    pool = rng.choice(["F.adaptive_avg_pool2d(x, 1)", "x.mean((2, 3), keepdim=True)", "self.pool(x)",
                       "F.avg_pool2d(x, x.size()[2:])"])
    flat = rng.choice(["x.view(x.size(0), -1)", "torch.flatten(x, 1)", "x.flatten(1)",
                       "x.reshape(x.shape[0], -1)"])
    kernel = rng.choice([1, 3, 5])
    dropout = rng.random() < 0.3
    factory_kwargs = rng.random() < 0.5
    stage_list = ", ".join(f"({c}, {d}, {s})" for c, d, s in stages)
    code = f'''
import math
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F


def norm_act(channels, norm_layer, act_layer):
    layers = []
    if norm_layer is not None:
        layers.append(norm_layer(channels))
    layers.append(act_layer())
    return layers


class Plain(nn.Module):
    growth = 0

    def __init__(self, cin, cout, stride=1, norm_layer=None, act_layer=nn.ReLU, se=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, {kernel}, stride, {kernel} // 2, bias=norm_layer is None)
        self.post = nn.Sequential(*norm_act(cout, norm_layer, act_layer))
        self.se = SE(cout) if se else None

    def forward(self, x):
        out = self.post(self.conv(x))
        if self.se is not None:
            out = self.se(out)
        return out


class SE(nn.Module):
    def __init__(self, c, r=2):
        super().__init__()
        self.fc1 = nn.Conv2d(c, max(1, c // r), 1)
        self.fc2 = nn.Conv2d(max(1, c // r), c, 1)

    def forward(self, x):
        w = F.adaptive_avg_pool2d(x, 1)
        w = torch.sigmoid(self.fc2(F.relu(self.fc1(w))))
        return x * w


class Residual(Plain):
    def __init__(self, cin, cout, stride=1, **kwargs):
        super().__init__(cin, cout, stride, **kwargs)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False))

    def forward(self, x):
        out = self.conv2(super().forward(x))
        out += self.shortcut(x)
        return F.relu(out)


class Dense(nn.Module):
    growth = 4

    def __init__(self, cin, cout, stride=1, **kwargs):
        super().__init__()
        self.body = Plain(cin, self.growth, 1, **kwargs)
        self.trans = nn.Conv2d(cin + self.growth, cout, 1, stride)

    def forward(self, x):
        return self.trans(torch.cat([x, self.body(x)], dim=1))


class Net(nn.Module):
    def __init__(self, block, stages, in_channels={channels}, width={width}, num_classes=7, **kwargs):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, padding=1)
        self.stages = nn.ModuleList()
        cin = width
        widths = []
        for cout, depth, stride in stages:
            self.stages.append(self._make_stage(block, cin, cout, depth, stride, **kwargs))
            widths.append(cout)
            cin = cout
        self.multiscale = {multiscale}
        features = sum(widths) if self.multiscale else cin
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.2) if {dropout} else nn.Identity()
        self.fc = nn.Linear(features, num_classes)

    def _make_stage(self, block, cin, cout, depth, stride, **kwargs):
        strides = [stride] + [1] * (depth - 1)
        layers = []
        for s in strides:
            layers.append(block(cin, cout, s, **kwargs))
            cin = cout
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        if self.multiscale:
            x = torch.cat([F.adaptive_avg_pool2d(f, 1) for f in feats], 1)
        else:
            x = {pool}
        x = {flat}
        return self.fc(self.drop(x))


def build(**overrides):
    kwargs = dict(norm_layer={norm}, act_layer={act}, se={se})
    kwargs.update(overrides)
    return Net({block}, [{stage_list}], **kwargs)
'''
    choice = "build()" if factory_kwargs else f"Net({block}, [{stage_list}], norm_layer={norm}, act_layer={act}, se={se})"
    return code, choice, (channels, size, size)
