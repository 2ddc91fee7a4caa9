"""Building blocks, imported by nets.py: a user's own files read together."""
import torch.nn as nn

WIDTH = 16


class ConvBlock(nn.Sequential):
    def __init__(self, cin, cout, stride=1):
        super().__init__(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
