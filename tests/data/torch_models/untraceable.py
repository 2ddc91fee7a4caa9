"""A forward() torch.fx cannot trace: Python control flow on a tensor's shape. --torch runs it on meta tensors
with module hooks instead, and still sees the residual adds."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class Net(nn.Module):
    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.blocks = nn.ModuleList([Block(16) for _ in range(4)])
        self.head = nn.Linear(16, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for block in self.blocks:
            if x.shape[-1] >= 4:                 # fx: a Proxy has no truth value
                x = block(x) + x
                x = F.max_pool2d(x, 2)
        x = x.mean(dim=(2, 3))
        return self.head(x)
