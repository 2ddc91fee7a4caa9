"""U-Net as in the paper's Fig. 1 (the catalog's `unet`): valid 3x3 convs, the encoder map centre-cropped
(F.pad with negative amounts) and concatenated before each decoder level."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(inplace=True), nn.Conv2d(cout, cout, 3),
                         nn.ReLU(inplace=True))


def crop_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    dh, dw = x.shape[2] - like.shape[2], x.shape[3] - like.shape[3]
    return F.pad(x, [-(dw // 2), -(dw - dw // 2), -(dh // 2), -(dh - dh // 2)])


class UNet(nn.Module):
    def __init__(self, in_channels: int = 1, classes: int = 2) -> None:
        super().__init__()
        self.enc1, self.enc2 = double_conv(in_channels, 64), double_conv(64, 128)
        self.enc3, self.enc4 = double_conv(128, 256), double_conv(256, 512)
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = double_conv(512, 1024)
        self.up4, self.dec4 = nn.ConvTranspose2d(1024, 512, 2, stride=2), double_conv(1024, 512)
        self.up3, self.dec3 = nn.ConvTranspose2d(512, 256, 2, stride=2), double_conv(512, 256)
        self.up2, self.dec2 = nn.ConvTranspose2d(256, 128, 2, stride=2), double_conv(256, 128)
        self.up1, self.dec1 = nn.ConvTranspose2d(128, 64, 2, stride=2), double_conv(128, 64)
        self.final = nn.Conv2d(64, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        e3 = self.enc3(self.pool(e2))
        e4 = self.enc4(self.pool(e3))
        b = self.bottleneck(self.pool(e4))
        u4 = self.up4(b)
        d4 = self.dec4(torch.cat([crop_to(e4, u4), u4], 1))
        u3 = self.up3(d4)
        d3 = self.dec3(torch.cat([crop_to(e3, u3), u3], 1))
        u2 = self.up2(d3)
        d2 = self.dec2(torch.cat([crop_to(e2, u2), u2], 1))
        u1 = self.up1(d2)
        d1 = self.dec1(torch.cat([crop_to(e1, u1), u1], 1))
        return self.final(d1)
