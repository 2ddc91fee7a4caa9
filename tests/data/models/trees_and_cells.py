# convcalc: DLA @ 3x32x32
# convcalc-invalid: "DLA(levels=(1, 2, 3))" @ 3x32x32 ~ in_channels=64 but the previous layer gives 128 channels
# convcalc: "CellNet(CellB, num_cells=2, num_planes=16)" @ 3x32x32
# convcalc: "CellNet(CellA, num_cells=1, num_planes=24)" @ 3x32x32
"""A tree of aggregation nodes built recursively and registered by name with self.__setattr__ (read back with
self.__getattr__ in forward), and NAS-style cells whose branches are chosen by the stride at construction."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Basic(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class Root(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, xs):
        return F.relu(self.bn(self.conv(torch.cat(xs, 1))))


class Tree(nn.Module):
    def __init__(self, block, cin, cout, level=1, stride=1):
        super().__init__()
        self.level = level
        if level == 1:
            self.root = Root(2 * cout, cout)
            self.left_node = block(cin, cout, stride=stride)
            self.right_node = block(cout, cout, stride=1)
        else:
            self.root = Root((level + 1) * cout, cout)
            for i in reversed(range(1, level)):
                self.__setattr__('level_%d' % i, Tree(block, cin, cout, level=i, stride=stride))
            self.left_node = block(cout, cout, stride=1)
            self.right_node = block(cout, cout, stride=1)

    def forward(self, x):
        xs = []
        for i in reversed(range(1, self.level)):
            x = self.__getattr__('level_%d' % i)(x)
            xs.append(x)
        x = self.left_node(x)
        xs.append(x)
        x = self.right_node(x)
        xs.append(x)
        return self.root(xs)


class DLA(nn.Module):
    def __init__(self, block=Basic, num_classes=10, levels=(1, 2, 2)):
        super().__init__()
        self.base = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(True))
        self.layer3 = Tree(block, 16, 32, level=levels[0], stride=1)
        self.layer4 = Tree(block, 32, 64, level=levels[1], stride=2)
        self.layer5 = Tree(block, 64, 128, level=levels[2], stride=2)  # level 3 feeds a subtree the wrong width
        self.linear = nn.Linear(128, num_classes)

    def forward(self, x):
        out = self.layer5(self.layer4(self.layer3(self.base(x))))
        out = F.avg_pool2d(out, 8)
        return self.linear(out.view(out.size(0), -1))


class SepConv(nn.Module):
    def __init__(self, cin, cout, kernel_size, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, kernel_size, stride, padding=(kernel_size - 1) // 2, bias=False,
                               groups=cin)
        self.bn1 = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn1(self.conv1(x))


class CellA(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.stride = stride
        self.sep_conv1 = SepConv(cin, cout, kernel_size=7, stride=stride)
        if stride == 2:
            self.conv1 = nn.Conv2d(cin, cout, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)

    def forward(self, x):
        y1 = self.sep_conv1(x)
        y2 = F.max_pool2d(x, kernel_size=3, stride=self.stride, padding=1)
        if self.stride == 2:
            y2 = self.bn1(self.conv1(y2))
        return F.relu(y1 + y2)


class CellB(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.stride = stride
        self.sep_conv1 = SepConv(cin, cout, kernel_size=7, stride=stride)
        self.sep_conv2 = SepConv(cin, cout, kernel_size=3, stride=stride)
        self.sep_conv3 = SepConv(cin, cout, kernel_size=5, stride=stride)
        if stride == 2:
            self.conv1 = nn.Conv2d(cin, cout, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(2 * cout, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        y1 = self.sep_conv1(x)
        y2 = self.sep_conv2(x)
        y3 = F.max_pool2d(x, kernel_size=3, stride=self.stride, padding=1)
        if self.stride == 2:
            y3 = self.bn1(self.conv1(y3))
        y4 = self.sep_conv3(x)
        y = torch.cat([F.relu(y1 + y2), F.relu(y3 + y4)], 1)
        return F.relu(self.bn2(self.conv2(y)))


class CellNet(nn.Module):
    def __init__(self, cell_type, num_cells, num_planes):
        super().__init__()
        self.in_planes = num_planes
        self.cell_type = cell_type
        self.conv1 = nn.Conv2d(3, num_planes, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(num_planes)
        self.layer1 = self._make_layer(num_planes, num_cells=num_cells)
        self.layer2 = self._downsample(num_planes * 2)
        self.layer3 = self._make_layer(num_planes * 2, num_cells=num_cells)
        self.linear = nn.Linear(num_planes * 2, 10)

    def _make_layer(self, planes, num_cells):
        layers = []
        for _ in range(num_cells):
            layers.append(self.cell_type(self.in_planes, planes, stride=1))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def _downsample(self, planes):
        layer = self.cell_type(self.in_planes, planes, stride=2)
        self.in_planes = planes
        return layer

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, 16)
        return self.linear(out.view(out.size(0), -1))
