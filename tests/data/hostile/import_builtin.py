# expect: __import__
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        __import__("subprocess").call(["touch", "convcalc_was_here.txt"])
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
