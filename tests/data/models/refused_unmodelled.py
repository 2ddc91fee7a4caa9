# convcalc-refuses: Recurrent @ 3x32x32 ~ refused_unmodelled.py:\d+:\d+: .*nn\.LSTM is not modelled
# convcalc-refuses: ViTish @ 3x32x32 ~ refused_unmodelled.py:\d+:\d+: self.cls_token = nn.Parameter.*bare one cannot be placed
# convcalc-refuses: Attention @ 3x16x16 ~ refused_unmodelled.py:\d+:\d+: torch\.einsum is not modelled
# convcalc-refuses: WithAux @ 3x32x32 ~ forward\(\) never calls aux \(Sequential
# convcalc-refuses: CBAM @ 8x16x16 ~ refused_unmodelled.py:\d+:\d+: torch\.max is not modelled
# convcalc-refuses: Buffered @ 3x8x8 ~ register_buffer\('mean'
# convcalc-refuses: Elementwise @ 3x8x8 ~ refused_unmodelled.py:\d+:\d+: F.conv2d is not modelled
"""What convcalc does not model is refused with the line and column, never guessed: recurrent layers, bare
parameters and buffers, attention by einsum, heads that forward() never calls in eval mode, reductions by max."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.rnn = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.conv(x).flatten(2).transpose(1, 2)
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


class ViTish(nn.Module):
    def __init__(self, dim=32, patch=8):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        return self.head(x[:, 0])


class Attention(nn.Module):
    def __init__(self, c=3):
        super().__init__()
        self.q = nn.Conv2d(c, 8, 1)
        self.k = nn.Conv2d(c, 8, 1)

    def forward(self, x):
        q = self.q(x).flatten(2)
        k = self.k(x).flatten(2)
        return torch.einsum("bci,bcj->bij", q, k)


class WithAux(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
        self.aux = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))

    def forward(self, x):
        x = self.body(x)
        if self.training:
            return self.head(x), self.aux(x)
        return self.head(x)


class CBAM(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 7, padding=3)

    def forward(self, x):
        avg = torch.mean(x, dim=1, keepdim=True)
        mx = torch.max(x, dim=1, keepdim=True)[0]
        return x * torch.sigmoid(self.conv(torch.cat([avg, mx], dim=1)))


class Buffered(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('mean', torch.zeros(1, 3, 1, 1))
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x - self.mean)


class Elementwise(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return F.conv2d(x, self.conv.weight)
