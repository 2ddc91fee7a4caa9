"""Steps convcalc has no formula for: a custom module that owns a parameter (LayerScale), torch's
nn.MultiheadAttention over the feature map's positions, and a matmul in forward(). Each becomes an opaque
node with what torch measured; the totals are torch's."""
import torch
import torch.nn as nn


class LayerScale(nn.Module):
    """Multiplies each channel by a learned factor (ConvNeXt): one parameter tensor of its own."""

    def __init__(self, channels: int, init: float = 1e-6) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels, 1, 1), init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class Net(nn.Module):
    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 32, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(32)
        self.scale = LayerScale(32)
        self.attn = nn.MultiheadAttention(32, num_heads=4, batch_first=True)
        self.proj = nn.Parameter(torch.zeros(32, 16))
        self.head = nn.Linear(16, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.scale(torch.relu(self.bn(self.stem(x))))
        tokens = x.flatten(2).transpose(1, 2)            # B x HW x C
        attended, _ = self.attn(tokens, tokens, tokens)
        pooled = (tokens + attended).mean(dim=1)         # B x C
        return self.head(pooled @ self.proj)
