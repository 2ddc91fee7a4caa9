# expect: os\.system.*os, which convcalc does not read
# If run, building the model would run a shell command.
import os

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        os.system("touch convcalc_was_here.txt")
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
