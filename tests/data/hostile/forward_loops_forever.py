# expect: more than 100,000 iterations|more than 100,000 nodes|stopped after
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        while True:
            x = F.relu(x)
        return self.fc(x)
