# convcalc: FPN @ 3x64x64
# convcalc: "FPN(channels=(16, 32, 64, 128), out=32, mode='bilinear')" @ 3x72x56
# convcalc: SegHead @ 3x65x47
"""A feature pyramid: lateral 1x1 convs, top-down F.interpolate to the size of another tensor, nn.Upsample by
a scale factor, several outputs returned as a tuple, and a segmentation head resized to the input."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class FPN(nn.Module):
    def __init__(self, channels=(8, 16, 32, 64), out=16, mode="nearest"):
        super().__init__()
        self.mode = mode
        self.stages = nn.ModuleList()
        cin = 3
        for c in channels:
            self.stages.append(nn.Sequential(nn.Conv2d(cin, c, 3, stride=2, padding=1), nn.ReLU(inplace=True)))
            cin = c
        self.lateral = nn.ModuleList([nn.Conv2d(c, out, 1) for c in channels])
        self.smooth = nn.ModuleList([nn.Conv2d(out, out, 3, padding=1) for _ in channels])

    def forward(self, x):
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        laterals = [lat(f) for lat, f in zip(self.lateral, feats)]
        for i in range(len(laterals) - 1, 0, -1):
            up = F.interpolate(laterals[i], size=laterals[i - 1].shape[-2:], mode=self.mode)
            laterals[i - 1] = laterals[i - 1] + up
        outs = [smooth(lat) for smooth, lat in zip(self.smooth, laterals)]
        return tuple(outs)


class SegHead(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        )
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.cls = nn.Conv2d(32, num_classes, 1)

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        y = self.up(self.enc(x))
        y = self.cls(y)
        return F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False)
