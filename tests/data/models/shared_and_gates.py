# convcalc: Siamese @ 1x28x28
# convcalc: GatedNet @ 8x16x16
# convcalc: ShuffleV1 @ 3x32x32
# convcalc: TwoHeads @ 3x32x32
"""A module called twice (shared weights), chunk-and-gate (x * y.sigmoid()), channel shuffle by
view-transpose-view, torch.stack and mean over dims, squeeze/unsqueeze/permute, two outputs."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.tower = nn.Sequential(
            nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.proj = nn.Linear(16, 8)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        a = self.proj(self.tower(x))
        b = self.proj(self.tower(torch.flip(x, [3]) if False else x * 0.5))
        return self.out(torch.cat([a, b], dim=1))


class GLU2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, 2 * c, 3, padding=1)

    def forward(self, x):
        a, b = self.conv(x).chunk(2, dim=1)
        return a * b.sigmoid()


class GatedNet(nn.Module):
    def __init__(self, c=8, depth=3):
        super().__init__()
        self.blocks = nn.Sequential(*[GLU2d(c) for _ in range(depth)])
        self.se_fc1 = nn.Linear(c, c // 2)
        self.se_fc2 = nn.Linear(c // 2, c)

    def forward(self, x):
        x = self.blocks(x)
        s = x.mean((2, 3))
        s = torch.sigmoid(self.se_fc2(F.relu(self.se_fc1(s))))
        x = x * s.unsqueeze(-1).unsqueeze(-1)
        pooled = torch.stack([x.mean(dim=[2, 3]), x.sum(dim=(2, 3))], dim=1)
        return pooled.permute(0, 2, 1).squeeze(1)


def channel_shuffle(x, groups):
    batchsize, num_channels, height, width = x.data.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    x = x.view(batchsize, -1, height, width)
    return x


class ShuffleUnit(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.groups = groups
        self.gconv1 = nn.Conv2d(c, c, 1, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.dw = nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.gconv2 = nn.Conv2d(c, c, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = F.relu(self.bn1(self.gconv1(x)))
        out = channel_shuffle(out, self.groups)
        out = self.bn2(self.dw(out))
        out = self.bn3(self.gconv2(out))
        return F.relu(x + out)


class ShuffleV1(nn.Module):
    def __init__(self, groups=3, width=24):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, stride=2, padding=1)
        self.units = nn.Sequential(ShuffleUnit(width, groups), ShuffleUnit(width, groups))
        self.shuffle = nn.ChannelShuffle(groups)
        self.fc = nn.Linear(width, 10)

    def forward(self, x):
        x = self.shuffle(self.units(self.stem(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).view(x.size(0), -1))


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.cls = nn.Linear(16 * 16 * 16, 10)
        self.box = nn.Conv2d(16, 4, 1)

    def forward(self, x):
        f = self.body(x)
        logits = self.cls(f.reshape(f.size(0), -1))
        boxes = self.box(f)
        return logits, boxes
