"""Koch et al.'s Siamese net (the catalog's `siamese`): ONE tower applied to both images, |h1 - h2|, a linear unit."""
import torch
import torch.nn as nn


class Siamese(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.tower = nn.Sequential(
            nn.Conv2d(1, 64, 10), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 7), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 128, 4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 4), nn.ReLU(),
            nn.Flatten(), nn.Linear(9216, 4096), nn.Sigmoid(),
        )
        self.fc = nn.Linear(4096, 1)

    def forward(self, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
        h_left = self.tower(left)
        h_right = self.tower(right)
        return torch.sigmoid(self.fc(torch.abs(h_left - h_right)))
