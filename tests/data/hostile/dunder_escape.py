# expect: __class__|Python internals
# The classic sandbox escape through object's subclasses.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        for cls in ().__class__.__bases__[0].__subclasses__():
            if cls.__name__ == "Popen":
                cls(["touch", "convcalc_was_here.txt"])
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
