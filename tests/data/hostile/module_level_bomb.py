# expect: more than 100,000 iterations
# An endless loop at module level: crossing a bound stops the reading even outside the model.
import torch.nn as nn

while True:
    pass


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
