# expect: more than|stopped after
import itertools

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for i in itertools.count():
            layers.append(nn.ReLU())
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)
