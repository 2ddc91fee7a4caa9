# expect: stopped after 250,000 steps
import torch.nn as nn


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(fib(60), 2)

    def forward(self, x):
        return self.fc(x)
