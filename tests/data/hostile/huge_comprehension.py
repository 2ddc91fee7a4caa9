# expect: more than 100,000|stopped after
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        sizes = [i for i in range(10 ** 9)]
        self.fc = nn.Linear(sizes[4], 2)

    def forward(self, x):
        return self.fc(x)
