"""Memory figures against the sizes of torch's own tensors: parameters, buffers, every module's output,
gradients, and the optimizer's state after a step (SGD with momentum, Adam), in float32/float16/bfloat16."""

from __future__ import annotations

import dataclasses

import pytest

import convcalc

torch = pytest.importorskip("torch")
nn = torch.nn

LAYERS = ("conv2d(8, 3, padding=1), batchnorm2d, relu, maxpool2d(2), conv2d(16, 3, bias=False, trainable=False), "
          "groupnorm(4), prelu, flatten, linear(10)")


def torch_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, bias=False), nn.GroupNorm(4, 16), nn.PReLU(), nn.Flatten(),
                          nn.Linear(16 * 6 * 6, 10))
    model[4].weight.requires_grad_(False)
    return model


def size(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_memory_matches_torch_tensors(dtype, optimizer):
    batch = 4
    model = torch_model().to(getattr(torch, dtype))
    report = convcalc.analyze(convcalc.from_inline(LAYERS, (3, 16, 16)), batch=batch)
    m = dataclasses.replace(report, dtype=dtype, optimizer=optimizer).memory
    assert m.params == size(model.parameters())
    assert m.trainable_params == size(p for p in model.parameters() if p.requires_grad)
    assert m.buffers == size(model.buffers())  # num_batches_tracked stays int64
    outputs = []
    hooks = [mod.register_forward_hook(lambda _m, _i, out: outputs.append(out)) for mod in model]
    x = torch.randn(batch, 3, 16, 16, dtype=getattr(torch, dtype))
    assert m.input == size([x])
    model(x).float().sum().backward()
    for h in hooks:
        h.remove()
    assert m.activations == size(outputs)
    assert m.gradients == size(p.grad for p in model.parameters() if p.grad is not None)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = {"sgd": lambda: torch.optim.SGD(trainable, lr=0.1),
           "momentum": lambda: torch.optim.SGD(trainable, lr=0.1, momentum=0.9),
           "adam": lambda: torch.optim.Adam(trainable, lr=0.1)}[optimizer]()
    opt.step()
    state = [t for s in opt.state.values() for t in s.values() if torch.is_tensor(t)]
    assert m.optimizer_state == size(state)
    assert m.training == m.forward + m.gradients + m.optimizer_state
