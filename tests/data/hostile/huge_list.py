# expect: more than 100,000 elements
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        sizes = [4] * 10 ** 9
        self.fc = nn.Linear(sizes[0], 2)

    def forward(self, x):
        return self.fc(x)
