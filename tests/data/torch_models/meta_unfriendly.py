"""A forward() that needs real values (``.item()``): it cannot run on the meta device."""
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        x = self.conv(x)
        if x.mean().item() > 0:
            x = x * 2
        return x
