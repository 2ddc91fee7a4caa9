# expect: open\(.*what it does to the model cannot be known
# If run, building the model would write a file. convcalc has no open(): exit 2, nothing written.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, path="convcalc_was_here.txt"):
        super().__init__()
        open(path, "w").write("pwned")
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
