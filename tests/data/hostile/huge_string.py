# expect: more than 100,000 elements
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        name = "x"
        for _ in range(64):
            name = name + name
        self.fc = nn.Linear(len(name), 2)

    def forward(self, x):
        return self.fc(x)
