# expect: nested more than 80 deep
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Net()

    def forward(self, x):
        return self.inner(x)
