# expect: in_features is not known.*os, which convcalc does not read
# A layer size read from the environment: unknown, never guessed.
import os

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(int(os.environ.get("WIDTH", "4")), 2)

    def forward(self, x):
        return self.fc(x)
