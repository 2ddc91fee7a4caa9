"""A billion parameters (15 layers of 8192 -> 8192: 1,006,755,840): 4 GB as float32, nothing on the meta device."""
import torch.nn as nn

model = nn.Sequential(*[nn.Linear(8192, 8192) for _ in range(15)])
