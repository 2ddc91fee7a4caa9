# expect: more than 100,000 iterations|stopped after 250,000 steps
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        n = 1
        while True:
            n += 1
        self.fc = nn.Linear(n, 2)

    def forward(self, x):
        return self.fc(x)
