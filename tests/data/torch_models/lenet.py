"""LeNet as d2l (and the catalog's `lenet`) writes it: padding 2, sigmoid, average pooling; named as the catalog."""
from collections import OrderedDict

import torch.nn as nn

net = nn.Sequential(OrderedDict([
    ("C1", nn.Conv2d(1, 6, kernel_size=5, padding=2)), ("1", nn.Sigmoid()),
    ("S2", nn.AvgPool2d(kernel_size=2, stride=2)),
    ("C3", nn.Conv2d(6, 16, kernel_size=5)), ("4", nn.Sigmoid()),
    ("S4", nn.AvgPool2d(kernel_size=2, stride=2)),
    ("6", nn.Flatten()),
    ("F5", nn.Linear(16 * 5 * 5, 120)), ("8", nn.Sigmoid()),
    ("F6", nn.Linear(120, 84)), ("10", nn.Sigmoid()),
    ("output", nn.Linear(84, 10)),
]))
