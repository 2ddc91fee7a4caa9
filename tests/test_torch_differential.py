"""Differential test against PyTorch: random layer stacks built both as a convcalc spec and as torch modules.

Each stack is generated layer by layer from a seeded ``random.Random``; every layer is built as a
torch module from the very same spec dict and run (eval mode, no_grad, a zeros batch of 2) on the
real output of the previous one, so the generator always knows the true current shape and can pick
arguments that are sometimes valid and sometimes not. Then convcalc analyses the same spec and must
agree on everything torch knows:

* every leaf layer's input and output shape, parameter count, buffer count and (conv / transposed
  conv / linear) weight shape, keyed by the spec path (``layers[3]``, ``layers[2].branches[1][0]``,
  ``layers[4].layers[0]``);
* every concat / add / sequential block's shapes, parameters and buffers;
* the network's output shape and total parameters and buffers;
* refusals: when torch refuses a layer (at construction or in forward), convcalc must refuse the
  same element: ``from_data`` raises ``SpecError`` with that path, or ``analyze`` returns a report
  that is not ok and whose first error has that path. When torch accepts, the report must be ok
  (warnings allowed). convcalc raising anything else is reported as a crash.

After a refused layer the generator appends a few more layers that torch never sees: convcalc must
still point at the first refused one.

Concat and add have no torch module; the tiny ``Concat`` / ``Add`` wrappers below implement
convcalc's documented semantics (concat = ``torch.cat`` along ``dim``, counted with the batch dim;
add = sum of the branches, an empty branch is the identity, a single branch gets an identity
shortcut, torch's broadcasting between tensors of the same rank). Two torch behaviours are set aside: a
concat whose dim lands on the batch dim counts as a refusal (convcalc refuses dim 0 as it refuses
flatten start_dim=0), and a layer returning an empty tensor ends the comparison there, where
convcalc may refuse it or model it (a transposed conv whose padding eats the whole output: torch's
native kernel refuses it, its oneDNN path returns an empty tensor; which one runs depends on the
sizes and the thread count).

``test_edge_cases_match_torch`` adds hand-picked stacks (minimal repros of past disagreements among
them), with torch's verdict taken live.

Reproduce a failure: the message prints the family, the seed and the spec as JSON;
``_case(family, seed)`` regenerates the case and ``execute(spec)`` replays a printed spec in torch.
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
import warnings
from dataclasses import dataclass, field

import pytest

warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)  # numpy-less torch
torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

import convcalc  # noqa: E402

#: What torch raises when it refuses a layer or an input. Anything else (TypeError, ...) is a bug in
#: this test's generator and is allowed to propagate.
REFUSALS = (ValueError, RuntimeError, IndexError)

BATCH = 2

# The tensors here are tiny: one thread avoids OpenMP start-up and spin-waiting, several times faster
# on a busy 2-core machine.
torch.set_num_threads(1)


# ----------------------------------------------------------------------------
# Torch side: spec dict -> module
# ----------------------------------------------------------------------------
def _tupled(v):
    if isinstance(v, list):
        return tuple(_tupled(i) for i in v)
    return v


class Concat(nn.Module):
    """convcalc's ``concat``: every branch on the same input, ``torch.cat`` along ``dim``."""

    def __init__(self, branches, dim=1):
        super().__init__()
        self.branches = nn.ModuleList(branches)
        self.dim = dim

    def join(self, x, outs):
        if self.dim == 0 or self.dim == -outs[0].dim():
            # torch.cat would stack along the batch dim; convcalc does not model the batch dim (as with
            # flatten start_dim=0) and must refuse, as for any other dim out of its range
            raise RuntimeError(f"concat: dim={self.dim} is the batch dim of a {outs[0].dim()}-dim tensor")
        return torch.cat(outs, dim=self.dim)

    def forward(self, x):
        return self.join(x, [b(x) for b in self.branches])


class Add(nn.Module):
    """convcalc's ``add``: branches summed with torch's broadcasting; a single branch gets the identity shortcut;
    tensors of different rank are refused (with a batch of N the batch dim would meet a feature dim)."""

    def __init__(self, branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def join(self, x, outs):
        outs = list(outs)
        if len(outs) == 1:
            outs.append(x)
        for o in outs[1:]:
            if o.dim() != outs[0].dim():  # the batch dim must not broadcast against a feature dim
                raise RuntimeError(f"add: shapes {tuple(o.shape)} and {tuple(outs[0].shape)} differ in rank")
        return sum(outs[1:], outs[0])  # torch's broadcasting

    def forward(self, x):
        return self.join(x, [b(x) for b in self.branches])


def build_module(spec: dict, x: tuple[int, ...]) -> nn.Module:
    """The torch module for one leaf spec, given the (batch-less) shape it receives.

    Sizing arguments the spec leaves out (in_channels, num_features, in_features) are taken from
    the real input, exactly as a user writing the torch model would.
    """
    t = spec["type"]
    kw = {k: _tupled(v) for k, v in spec.items() if k != "type"}
    nd = t[-2:] if t[-2:] in ("1d", "2d", "3d") else ""
    if t.startswith("convtranspose"):
        kw.setdefault("in_channels", x[0])
        return getattr(nn, f"ConvTranspose{nd}")(**kw)
    if t.startswith("conv"):
        kw.setdefault("in_channels", x[0])
        return getattr(nn, f"Conv{nd}")(**kw)
    if t.startswith("maxpool"):
        return getattr(nn, f"MaxPool{nd}")(**kw)
    if t.startswith("avgpool"):
        return getattr(nn, f"AvgPool{nd}")(**kw)
    if t.startswith("adaptiveavgpool"):
        return getattr(nn, f"AdaptiveAvgPool{nd}")(**kw)
    if t.startswith("adaptivemaxpool"):
        return getattr(nn, f"AdaptiveMaxPool{nd}")(**kw)
    if t.startswith("batchnorm"):
        kw.setdefault("num_features", x[0])
        return getattr(nn, f"BatchNorm{nd}")(**kw)
    if t == "linear":
        kw.setdefault("in_features", x[-1])
        return nn.Linear(**kw)
    simple = {"flatten": nn.Flatten, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU,
              "dropout": nn.Dropout, "identity": nn.Identity}
    return simple[t](**kw)


def _params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def _buffers(m: nn.Module) -> int:
    return sum(b.numel() for b in m.buffers())


@dataclass(frozen=True)
class TorchRow:
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    buffers: int
    weight_shape: tuple[int, ...] | None


class Refused(Exception):
    def __init__(self, path: str, stage: str, error: Exception):
        super().__init__(f"{path} ({stage}): {type(error).__name__}: {error}")
        self.path, self.stage, self.error = path, stage, error


def run_leaf(spec: dict, t, path: str, rows: dict) -> tuple[nn.Module, object]:
    x = tuple(t.shape[1:])
    try:
        m = build_module(spec, x)
    except REFUSALS as exc:
        raise Refused(path, "construct", exc) from None
    m.eval()
    # pools take no padding strings; torch says so with a TypeError when called
    refusals = REFUSALS + (TypeError,) if "pool" in spec["type"] and isinstance(spec.get("padding"), str) else REFUSALS
    try:
        with torch.no_grad():
            y = m(t)
    except refusals as exc:
        raise Refused(path, "forward", exc) from None
    assert y.shape[0] == BATCH, (path, spec, tuple(y.shape))
    weight = getattr(m, "weight", None) if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)) else None
    rows[path] = TorchRow(x, tuple(y.shape[1:]), _params(m), _buffers(m),
                          None if weight is None else tuple(weight.shape))
    if y.numel() == 0:
        # A transposed conv whose padding eats the whole output: torch's native kernel refuses it
        # ("Output size is too small"), but its oneDNN path (taken for some sizes, and for all with
        # several threads) returns an empty tensor. convcalc may refuse it here or model it; nothing
        # after it is compared.
        raise Refused(path, "empty", RuntimeError(f"torch returns an empty tensor {tuple(y.shape)}"))
    return m, y


# ----------------------------------------------------------------------------
# The generator: one layer at a time, from the true current shape
# ----------------------------------------------------------------------------
def _one_or_per_dim(rng: random.Random, n: int, make):
    """An int for every dim, or a list with one (possibly different) int per dim."""
    if rng.random() < 0.5:
        return make(None)
    return [make(d) for d in range(n)]


def _expand(v, n):
    return list(v) if isinstance(v, list) else [v] * n


def _bounded(rng, spatial, d, hi, wild=0.08, wild_hi=7):
    """A size in 1..min(hi, input size) (over all dims when d is None); sometimes anything up to wild_hi."""
    if rng.random() < wild:
        return rng.randint(1, wild_hi)
    size = min(spatial) if d is None else spatial[d]
    return rng.randint(1, max(1, min(hi, size)))


def gen_conv(rng, x, nd):
    spatial = x[1:]
    c = x[0]
    spec = {"type": f"conv{nd}d", "out_channels": rng.randint(1, 16)}
    kernel = _one_or_per_dim(rng, nd, lambda d: _bounded(rng, spatial, d, 5))
    spec["kernel_size"] = kernel
    r = rng.random()
    if r < 0.55:
        pass  # stride 1
    elif r < 0.9:
        spec["stride"] = _one_or_per_dim(rng, nd, lambda d: rng.choice([1, 2, 2, 3]))
    else:
        spec["stride"] = 2
    r = rng.random()
    ks = _expand(kernel, nd)
    if r < 0.4:
        spec["padding"] = rng.randint(0, min(ks) // 2)
    elif r < 0.6:
        spec["padding"] = [rng.randint(0, k // 2) for k in ks]
    elif r < 0.72:
        spec["padding"] = "same"
    elif r < 0.8:
        spec["padding"] = "valid"
    elif r < 0.88:
        spec["padding"] = rng.randint(0, max(ks) + 1)  # more padding than usual
    if rng.random() < 0.25:
        spec["dilation"] = _one_or_per_dim(rng, nd, lambda d: rng.choice([1, 2, 2, 3]))
    r = rng.random()
    if r < 0.25:
        divisors = [g for g in range(2, 9) if c % g == 0]
        if divisors and rng.random() < 0.8:
            g = rng.choice(divisors)
            spec["groups"] = g
            if rng.random() < 0.85:
                spec["out_channels"] = g * rng.randint(1, max(1, 16 // g))
        else:
            spec["groups"] = rng.randint(2, 4)  # may well not divide the channels
    if rng.random() < 0.3:
        spec["bias"] = rng.random() < 0.4
    if rng.random() < 0.2:
        spec["in_channels"] = c if rng.random() < 0.8 else c + rng.randint(1, 3)
    if rng.random() < 0.08:
        spec["padding_mode"] = rng.choice(["zeros", "reflect", "replicate", "circular"])
        spec.setdefault("padding", rng.randint(1, 3))
    return spec


def gen_convtranspose(rng, x, nd):
    c = x[0]
    spec = {"type": f"convtranspose{nd}d", "out_channels": rng.randint(1, 12)}
    kernel = _one_or_per_dim(rng, nd, lambda d: rng.randint(1, 4))
    spec["kernel_size"] = kernel
    if rng.random() < 0.7:
        spec["stride"] = _one_or_per_dim(rng, nd, lambda d: rng.randint(1, 3))
    if rng.random() < 0.6:
        hi = max(_expand(kernel, nd)) + (2 if rng.random() < 0.2 else 0)
        spec["padding"] = _one_or_per_dim(rng, nd, lambda d: rng.randint(0, hi))
    if rng.random() < 0.25:
        spec["dilation"] = _one_or_per_dim(rng, nd, lambda d: rng.randint(1, 2))
    if rng.random() < 0.35:
        stride, dil = _expand(spec.get("stride", 1), nd), _expand(spec.get("dilation", 1), nd)
        if rng.random() < 0.7:  # valid: below the stride or the dilation
            spec["output_padding"] = [rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dil)]
        else:  # anything up to max(stride, dilation): sometimes invalid
            spec["output_padding"] = _one_or_per_dim(
                rng, nd, lambda d: rng.randint(0, max(stride[d or 0], dil[d or 0])))
    if rng.random() < 0.15:
        divisors = [g for g in range(2, 5) if c % g == 0]
        g = rng.choice(divisors) if divisors and rng.random() < 0.7 else rng.randint(2, 4)
        spec["groups"] = g
        if rng.random() < 0.8:
            spec["out_channels"] = g * rng.randint(1, 4)
    if rng.random() < 0.25:
        spec["bias"] = rng.random() < 0.5
    if rng.random() < 0.15:
        spec["in_channels"] = c if rng.random() < 0.7 else c + 1
    return spec


def gen_pool(rng, x, nd, kind):
    spatial = x[1:]
    spec = {"type": f"{kind}{nd}d"}
    kernel = _one_or_per_dim(rng, nd, lambda d: _bounded(rng, spatial, d, 4, wild_hi=6))
    spec["kernel_size"] = kernel
    ks = _expand(kernel, nd)
    r = rng.random()
    if r < 0.35:
        pass  # stride defaults to the kernel
    elif r < 0.45:
        spec["stride"] = None
    else:
        spec["stride"] = _one_or_per_dim(rng, nd, lambda d: rng.randint(1, 3))
    r = rng.random()
    if r < 0.5:
        pass
    elif r < 0.85:
        spec["padding"] = _one_or_per_dim(rng, nd, lambda d: rng.randint(0, (min(ks) if d is None else ks[d]) // 2))
    elif r < 0.96:  # sometimes more than half the kernel: torch refuses
        spec["padding"] = _one_or_per_dim(rng, nd, lambda d: rng.randint(0, (min(ks) if d is None else ks[d]) // 2 + 2))
    else:  # TensorFlow's padding strings: torch's pools refuse them
        spec["padding"] = rng.choice(["same", "valid"])
    if rng.random() < 0.4:
        spec["ceil_mode"] = rng.random() < 0.6
    if kind == "maxpool" and rng.random() < 0.25:
        spec["dilation"] = _one_or_per_dim(rng, nd, lambda d: rng.randint(1, 3))
    if kind == "avgpool" and rng.random() < 0.2:
        spec["count_include_pad"] = rng.random() < 0.5
    if kind == "avgpool" and nd > 1 and rng.random() < 0.1:  # AvgPool1d has no divisor_override
        spec["divisor_override"] = rng.randint(1, 4)
    return spec


def gen_adaptive(rng, x, nd):
    spatial = x[1:]
    spec = {"type": f"adaptive{rng.choice(['avg', 'max'])}pool{nd}d"}
    if nd == 1 or rng.random() < 0.4:
        spec["output_size"] = rng.randint(1, max(1, min(spatial)) + 2)
    else:
        spec["output_size"] = [None if rng.random() < 0.3 else rng.randint(1, s + 2) for s in spatial]
    return spec


def gen_batchnorm(rng, x, nd):
    spec = {"type": f"batchnorm{nd}d"}
    if rng.random() < 0.3:
        spec["num_features"] = x[0] if rng.random() < 0.8 else x[0] + rng.randint(1, 3)
    if rng.random() < 0.25:
        spec["affine"] = False
    if rng.random() < 0.25:
        spec["track_running_stats"] = False
    return spec


def gen_activation(rng, x):
    kind = rng.choice(["relu", "relu", "sigmoid", "tanh", "gelu", "dropout", "identity"])
    spec = {"type": kind}
    if kind == "gelu" and rng.random() < 0.3:
        spec["approximate"] = "tanh"
    if kind == "dropout" and rng.random() < 0.5:
        spec["p"] = rng.choice([0.1, 0.25, 0.5])
    return spec


def gen_flatten(rng, x):
    spec = {"type": "flatten"}
    r = rng.random()
    if len(x) >= 3 and r < 0.12:
        spec["start_dim"] = 2
    elif len(x) >= 3 and r < 0.24:
        spec["end_dim"] = -2
    return spec


def gen_linear(rng, x):
    spec = {"type": "linear", "out_features": rng.randint(1, 32)}
    if rng.random() < 0.3:
        spec["in_features"] = x[-1] if rng.random() < 0.7 else x[-1] + rng.choice([-1, 1, 2])
        spec["in_features"] = max(1, spec["in_features"])
    if rng.random() < 0.2:
        spec["bias"] = False
    return spec


def gen_wrong_rank(rng, x):
    """A spatial layer whose number of spatial dims does not fit the input: torch refuses it.

    A k-d torch layer also takes an unbatched (k+1)-dim tensor, so k = len(x) (batch-less rank) would
    be misread by torch as unbatched; that k is never chosen.
    """
    r = len(x)
    ks = [k for k in (1, 2, 3) if k != r - 1 and k != r]
    k = rng.choice(ks)
    kind = rng.choice(["conv", "maxpool", "avgpool", "adaptive", "batchnorm"])
    if kind == "conv":
        return {"type": f"conv{k}d", "out_channels": rng.randint(1, 4), "kernel_size": 1}
    if kind in ("maxpool", "avgpool"):
        return {"type": f"{kind}{k}d", "kernel_size": 1}
    if kind == "adaptive":  # not adaptiveavgpool: torch's pools the last k dims of any tensor with >= k dims
        return {"type": f"adaptivemaxpool{k}d", "output_size": 1}
    bn_ok = {1: (1, 2), 2: (3,), 3: (4,)}  # batch-less ranks BatchNorm{k}d takes
    k = rng.choice([k for k in (1, 2, 3) if r not in bn_ok[k]])
    return {"type": f"batchnorm{k}d"}


def gen_layer(rng, x, *, small_enough_to_grow=True):
    """One random leaf layer for an input of batch-less shape ``x``; spatial layers follow its rank."""
    nd = len(x) - 1
    if nd >= 1:
        options = [
            (24, lambda: gen_conv(rng, x, nd)),
            (6 if small_enough_to_grow else 0, lambda: gen_convtranspose(rng, x, nd)),
            (10, lambda: gen_pool(rng, x, nd, "maxpool")),
            (7, lambda: gen_pool(rng, x, nd, "avgpool")),
            (4, lambda: gen_adaptive(rng, x, nd)),
            (8, lambda: gen_batchnorm(rng, x, nd)),
            (14, lambda: gen_activation(rng, x)),
            (5, lambda: gen_flatten(rng, x)),
            (2, lambda: gen_linear(rng, x)),  # on a non-flat input: the last dim
            (2, lambda: gen_wrong_rank(rng, x)),
        ]
    else:
        options = [
            (40, lambda: gen_linear(rng, x)),
            (18, lambda: gen_activation(rng, x)),
            (8, lambda: gen_batchnorm(rng, x, 1)),
            (3, lambda: gen_flatten(rng, x)),
            (3, lambda: gen_wrong_rank(rng, x)),
        ]
    weights = [w for w, _ in options]
    return rng.choices([f for _, f in options], weights)[0]()


# -- blocks -------------------------------------------------------------------
def gen_branch_layer(rng, x, *, out_channels=None):
    """Mostly size-preserving layers, so branches usually agree; sometimes a stride 2."""
    nd = len(x) - 1
    if nd < 1:  # flat (a nested sequential flattened it)
        return gen_layer(rng, x)
    r = rng.random()
    if r < 0.5 or out_channels is not None:
        k = rng.choice([1, 3, 3, 5])
        spec = {"type": f"conv{nd}d", "out_channels": out_channels or rng.randint(1, 12), "kernel_size": k}
        rr = rng.random()
        if rr < 0.3:
            spec["padding"] = "same"
            if rng.random() < 0.3:
                spec["dilation"] = 2
        elif rr < 0.9:
            spec["padding"] = k // 2
        else:
            spec["padding"] = k // 2
            spec["stride"] = 2
        if rng.random() < 0.3:
            spec["bias"] = False
        return spec
    if r < 0.7:
        if rng.random() < 0.85:
            return {"type": f"{rng.choice(['maxpool', 'avgpool'])}{nd}d", "kernel_size": 3, "stride": 1, "padding": 1}
        return {"type": f"maxpool{nd}d", "kernel_size": 2}
    if r < 0.85:
        return {"type": f"batchnorm{nd}d"}
    if r < 0.93:
        return {"type": rng.choice(["relu", "gelu", "identity"])}
    return gen_flatten(rng, x)  # branches of different ranks


def gen_block(rng, x):
    """A concat or add block spec (branches filled in as they run) and its plan: layers per branch,
    and for add the channel count every branch must end with."""
    if rng.random() < 0.5:
        spec = {"type": "concat", "branches": []}
        if rng.random() < 0.3:
            rank = len(x) + 1  # with the batch dim; dim 0 (the batch) is not modelled by convcalc
            spec["dim"] = rng.choice([d for d in range(2, rank)] + [d for d in range(-rank + 1, 0)] + [rank])
        plan = [rng.choice([0, 1, 1, 2, 2]) for _ in range(rng.randint(1, 3))]
        return spec, plan, None
    spec = {"type": "add", "branches": []}
    target = x[0] if rng.random() < 0.6 else rng.randint(1, 12)
    plan = [rng.choice([0, 1, 1, 2]) for _ in range(rng.randint(1, 2))]
    return spec, plan, target


# ----------------------------------------------------------------------------
# One case: generate and run in torch together
# ----------------------------------------------------------------------------
FAMILIES = {
    # family: (spatial dims, probability of a block at the top level, seeds)
    "2d": (2, 0.0, range(0, 1500)),
    "1d": (1, 0.05, range(10_000, 10_400)),
    "3d": (3, 0.05, range(20_000, 20_400)),
    "blocks2d": (2, 0.35, range(30_000, 31_000)),
}
CHUNK = 100


@dataclass
class Case:
    family: str
    seed: int
    spec: dict
    rows: dict = field(default_factory=dict)  #: path -> TorchRow, for everything torch ran
    refused: Refused | None = None
    output_shape: tuple[int, ...] | None = None
    params: int = 0
    buffers: int = 0
    blocks: int = 0  #: concat/add/sequential blocks generated

    def describe(self) -> str:
        return f"family={self.family} seed={self.seed}\nspec: {json.dumps(self.spec)}"


def _input_shape(rng, nd):
    c = rng.choice([1, 1, 2, 3, 3, 4, 6, 8, 16])
    if nd == 1:
        return (c, rng.choice([rng.randint(1, 8), rng.randint(8, 40), rng.randint(8, 40)]))
    if nd == 2:
        return (c, *(rng.choice([rng.randint(1, 6), rng.randint(6, 40), rng.randint(6, 40)]) for _ in range(2)))
    return (c, *(rng.choice([rng.randint(1, 4), rng.randint(4, 12), rng.randint(4, 12)]) for _ in range(3)))


def _small(x) -> bool:
    limit = {1: 40, 2: 24, 3: 8}.get(len(x) - 1, 0)
    return len(x) > 1 and max(x[1:]) <= limit and math.prod(x) <= 20_000


class _Runner:
    """Generates nodes from the true current shape and runs each in torch as soon as it exists.

    Every spec dict is appended to its parent list before it runs, so when torch refuses an element
    the spec holds everything up to and including it.
    """

    def __init__(self, rng: random.Random, case: Case, p_block: float):
        self.rng, self.case, self.p_block = rng, case, p_block

    def node(self, parent: list, t, path: str, depth: int, make_leaf):
        x = tuple(t.shape[1:])
        r = self.rng.random()
        p_block = self.p_block if depth == 0 else 0.08
        if depth < 2 and len(x) >= 2 and r < p_block:
            return self.block(parent, t, path, depth)
        if depth < 2 and r < p_block + (0.03 if p_block else 0):
            return self.sequential(parent, t, path, depth)
        spec = make_leaf(x)
        parent.append(spec)
        return run_leaf(spec, t, path, self.case.rows)

    def sequential(self, parent: list, t, path: str, depth: int):
        spec = {"type": "sequential", "layers": []}
        parent.append(spec)
        self.case.blocks += 1
        y, mods = t, []
        for j in range(self.rng.randint(1, 3)):
            m, y = self.node(spec["layers"], y, f"{path}.layers[{j}]", depth + 1,
                             lambda x: gen_layer(self.rng, x, small_enough_to_grow=_small(x)))
            mods.append(m)
        block = nn.Sequential(*mods)
        self.case.rows[path] = TorchRow(tuple(t.shape[1:]), tuple(y.shape[1:]), _params(block), _buffers(block), None)
        return block, y

    def block(self, parent: list, t, path: str, depth: int):
        rng = self.rng
        spec, plan, target = gen_block(rng, tuple(t.shape[1:]))
        parent.append(spec)
        self.case.blocks += 1
        branch_modules, outs = [], []
        for b, n in enumerate(plan):
            branch: list = []
            spec["branches"].append(branch)
            y, mods = t, []
            for j in range(n):
                closing = target is not None and j == n - 1  # an add branch's last layer sets its channels

                def leaf(x, closing=closing):
                    ls = gen_branch_layer(rng, x, out_channels=target if closing else None)
                    if closing and "out_channels" in ls and rng.random() < 0.1:
                        ls["out_channels"] = target + 1  # a mismatch
                    return ls

                if closing:
                    ls = leaf(tuple(y.shape[1:]))
                    branch.append(ls)
                    m, y = run_leaf(ls, y, f"{path}.branches[{b}][{j}]", self.case.rows)
                else:
                    m, y = self.node(branch, y, f"{path}.branches[{b}][{j}]", depth + 1, leaf)
                mods.append(m)
            branch_modules.append(nn.Sequential(*mods))
            outs.append(y)
        block = Concat(branch_modules, spec.get("dim", 1)) if spec["type"] == "concat" else Add(branch_modules)
        try:
            with torch.no_grad():
                y = block.join(t, outs)
        except REFUSALS as exc:
            raise Refused(path, "join", exc) from None
        self.case.rows[path] = TorchRow(tuple(t.shape[1:]), tuple(y.shape[1:]), _params(block), _buffers(block), None)
        return block, y


@functools.lru_cache(maxsize=None)
def _case(family: str, seed: int) -> Case:
    """Generate stack ``seed`` of ``family`` and run it in torch (cached: the checks and the stats share it)."""
    nd, p_block, _ = FAMILIES[family]
    rng = random.Random(seed)
    x = _input_shape(rng, nd)
    layers: list = []
    case = Case(family, seed, {"input": list(x), "layers": layers})
    runner = _Runner(rng, case, p_block)
    modules = []
    t = torch.zeros((BATCH, *x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. padding='same' with an even kernel
        try:
            for i in range(rng.randint(1, 8)):
                x = tuple(t.shape[1:])
                m, t = runner.node(layers, t, f"layers[{i}]", 0,
                                   lambda x: gen_layer(rng, x, small_enough_to_grow=_small(x)))
                modules.append(m)
        except Refused as refused:
            case.refused = refused
            # Layers torch never reaches: convcalc must still name the first refused element.
            for _ in range(rng.choice([0, 0, 1, 2])):
                layers.append(gen_layer(rng, x, small_enough_to_grow=False))
            return case
        model = nn.Sequential(*modules).eval()
        with torch.no_grad():
            final = model(torch.zeros((BATCH, *case.spec["input"])))
    assert tuple(final.shape) == tuple(t.shape), case.describe()  # the whole model agrees with the layer walk
    case.output_shape = tuple(final.shape[1:])
    case.params = _params(model)
    case.buffers = _buffers(model)
    return case


def _exec_node(spec: dict, t, path: str, case: Case, refusals) -> tuple[nn.Module, object]:
    """Run one spec node (leaf, concat, add or sequential) in torch."""
    if isinstance(spec, str):
        spec = {"type": spec}
    kind = spec["type"]
    if kind == "sequential":
        mods, y = [], t
        for j, item in enumerate(spec["layers"]):
            m, y = _exec_node(item, y, f"{path}.layers[{j}]", case, refusals)
            mods.append(m)
        block = nn.Sequential(*mods)
    elif kind in ("concat", "add"):
        branches, outs = [], []
        for b, branch in enumerate(spec["branches"]):
            mods, y = [], t
            for j, item in enumerate(branch):
                m, y = _exec_node(item, y, f"{path}.branches[{b}][{j}]", case, refusals)
                mods.append(m)
            branches.append(nn.Sequential(*mods))
            outs.append(y)
        block = Concat(branches, spec.get("dim", 1)) if kind == "concat" else Add(branches)
        try:
            with torch.no_grad():
                y = block.join(t, outs)
        except REFUSALS as exc:
            raise Refused(path, "join", exc) from None
    else:
        try:
            build_module(spec, tuple(t.shape[1:]))
        except refusals as exc:
            raise Refused(path, "construct", exc) from None
        return run_leaf(spec, t, path, case.rows)
    case.rows[path] = TorchRow(tuple(t.shape[1:]), tuple(y.shape[1:]), _params(block), _buffers(block), None)
    return block, y


def execute(spec: dict, *, family: str = "fixed", seed: int = -1, refusals=REFUSALS) -> Case:
    """Run a given spec in torch: the same rows and refusal a generated case records."""
    case = Case(family, seed, spec)
    t = torch.zeros((BATCH, *spec["input"]))
    modules = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            for i, item in enumerate(spec["layers"]):
                m, t = _exec_node(item, t, f"layers[{i}]", case, refusals)
                modules.append(m)
        except Refused as refused:
            case.refused = refused
            return case
    model = nn.Sequential(*modules)
    case.output_shape, case.params, case.buffers = tuple(t.shape[1:]), _params(model), _buffers(model)
    return case


# ----------------------------------------------------------------------------
# The comparison
# ----------------------------------------------------------------------------
def compare(case: Case) -> list[str]:
    """Every disagreement between convcalc and torch on one case (empty: they agree)."""
    problems: list[str] = []
    refused = case.refused
    empty = refused is not None and refused.stage == "empty"
    try:
        network = convcalc.from_data(json.loads(json.dumps(case.spec)))
    except convcalc.SpecError as exc:
        if refused is None:
            return [f"torch accepts the stack but convcalc raises SpecError: {exc}"]
        if exc.path != refused.path:
            return [f"torch refuses {refused} but convcalc's SpecError is at {exc.path}: {exc}"]
        return []
    except Exception as exc:  # noqa: BLE001 - anything else is a convcalc crash
        return [f"convcalc.from_data crashes: {type(exc).__name__}: {exc}"]
    try:
        report = convcalc.analyze(network)
    except Exception as exc:  # noqa: BLE001 - an invalid network must come back as a report, not raise
        return [f"convcalc.analyze crashes: {type(exc).__name__}: {exc} (torch: {refused or 'accepts'})"]
    errors = report.errors
    rows = {r.path: r for r in report.layers}
    if refused is None:
        if not report.ok:
            problems.append("torch accepts the stack but convcalc refuses it: "
                            + "; ".join(e.line for e in errors))
            return problems
    elif empty:
        # convcalc may model the empty output (then its row is compared below) or refuse right there
        if refused.path not in rows and (not errors or errors[0].path != refused.path):
            problems.append(f"torch returns an empty tensor at {refused.path}; convcalc neither models it nor "
                            f"refuses it there: {errors[0].line if errors else 'no error'}")
    else:
        if report.ok:
            problems.append(f"torch refuses {refused} but convcalc accepts the stack "
                            f"(output {report.output_shape})")
        elif errors[0].path != refused.path:
            problems.append(f"torch refuses {refused} but convcalc's first error is {errors[0].line}")

    for path, trow in case.rows.items():
        row = rows.get(path)
        if row is None:
            if not (empty and path == refused.path):
                problems.append(f"{path}: torch ran it, convcalc has no row")
            continue
        got = (row.input_shape, row.output_shape, row.params, row.buffers)
        want = (trow.input_shape, trow.output_shape, trow.params, trow.buffers)
        if got != want:
            problems.append(f"{path} {row.type}: convcalc (input, output, params, buffers) {got}, torch {want}")
        if not row.block and trow.weight_shape != row.weight_shape:
            problems.append(f"{path} {row.type}: convcalc weight shape {row.weight_shape}, torch {trow.weight_shape}")
    extra = [p for p in rows if p not in case.rows]
    if extra and not empty:  # after an empty tensor convcalc may go on; torch was not followed there
        problems.append(f"convcalc has rows for elements torch never completed: {extra}")

    if case.refused is None:
        if report.output_shape != case.output_shape:
            problems.append(f"output shape: convcalc {report.output_shape}, torch {case.output_shape}")
        if report.totals.params != case.params:
            problems.append(f"total params: convcalc {report.totals.params}, torch {case.params}")
        if report.totals.buffers != case.buffers:
            problems.append(f"total buffers: convcalc {report.totals.buffers}, torch {case.buffers}")
    return problems


def _check_seeds(family: str, seeds) -> None:
    failures = []
    for seed in seeds:
        case = _case(family, seed)
        problems = compare(case)
        if problems:
            failures.append(case.describe() + "\n  " + "\n  ".join(problems))
    if failures:
        shown = "\n\n".join(failures[:8])
        pytest.fail(f"{len(failures)} of {len(seeds)} stacks disagree with torch:\n\n{shown}", pytrace=False)


def _chunks(family: str):
    seeds = FAMILIES[family][2]
    return [pytest.param(seeds[i:i + CHUNK], id=f"{family}-seeds-{seeds[i]}-{seeds[min(i + CHUNK, len(seeds)) - 1]}")
            for i in range(0, len(seeds), CHUNK)]


@pytest.mark.parametrize("seeds", _chunks("2d"))
def test_random_2d_stacks_match_torch(seeds):
    _check_seeds("2d", seeds)


@pytest.mark.parametrize("seeds", _chunks("1d"))
def test_random_1d_stacks_match_torch(seeds):
    _check_seeds("1d", seeds)


@pytest.mark.parametrize("seeds", _chunks("3d"))
def test_random_3d_stacks_match_torch(seeds):
    _check_seeds("3d", seeds)


@pytest.mark.parametrize("seeds", _chunks("blocks2d"))
def test_random_stacks_with_concat_and_add_blocks_match_torch(seeds):
    _check_seeds("blocks2d", seeds)


def test_the_generator_exercises_both_acceptance_and_refusal():
    """No vacuous pass: torch must accept a good share of the stacks and refuse a good share."""
    cases = [_case(family, seed) for family, (_, _, seeds) in FAMILIES.items() for seed in seeds]
    total = len(cases)
    accepted = [c for c in cases if c.refused is None]
    refused = [c for c in cases if c.refused is not None and c.refused.stage != "empty"]
    stages = {s: sum(1 for c in refused if c.refused.stage == s) for s in ("construct", "forward", "join")}
    summary = f"{total} stacks: {len(accepted)} accepted, {len(refused)} refused {stages}"
    assert total >= 400, summary
    assert len(accepted) >= 0.25 * total, summary
    assert len(refused) >= 0.25 * total, summary
    assert stages["construct"] >= 100 and stages["forward"] >= 300 and stages["join"] >= 50, summary
    for family in FAMILIES:
        mine = [c for c in cases if c.family == family]
        ok = sum(c.refused is None for c in mine)
        assert 0.15 * len(mine) <= ok <= 0.85 * len(mine), f"{family}: {ok} of {len(mine)} accepted; {summary}"
    # every kind of layer, in every dimensionality, was compared where torch ran it
    checked = {_type_at(c.spec, p) for c in cases for p in c.rows}
    wanted = [f"{kind}{nd}d" for nd in (1, 2, 3) for kind in (
        "conv", "convtranspose", "maxpool", "avgpool", "adaptiveavgpool", "adaptivemaxpool", "batchnorm")]
    wanted += ["linear", "flatten", "relu", "sigmoid", "tanh", "gelu", "dropout", "identity", "concat", "add",
               "sequential"]
    missing = [k for k in wanted if k not in checked]
    assert not missing, f"never ran in torch: {missing}"
    with_blocks = sum(1 for c in accepted if c.blocks)
    assert with_blocks >= 100, f"only {with_blocks} accepted stacks have blocks; {summary}"


def _leaves(items):
    for s in items:
        yield s
        yield from _leaves(s.get("layers", []))
        for branch in s.get("branches", []):
            yield from _leaves(branch)


def _type_at(spec, path):
    """The type at a path such as ``layers[3]``, ``layers[3].branches[1][0]`` or ``layers[2].layers[0]``."""
    node = {"layers": spec["layers"]}
    for key, a, b in re.findall(r"(layers|branches)\[(\d+)\](?:\[(\d+)\])?", path):
        node = node[key][int(a)][int(b)] if key == "branches" else node[key][int(a)]
    return node["type"]


# ----------------------------------------------------------------------------
# The generated specs reproduce; and hand-picked edge cases
# ----------------------------------------------------------------------------
def test_printed_specs_reproduce_in_torch():
    """Replaying a generated spec (what a failure prints) gives torch's same rows and refusal."""
    for family, (_, _, seeds) in FAMILIES.items():
        for seed in seeds[::5]:
            case = _case(family, seed)
            replay = execute(case.spec, family=family, seed=seed)
            got = (replay.rows, replay.refused and replay.refused.path, replay.output_shape, replay.params)
            want = (case.rows, case.refused and case.refused.path, case.output_shape, case.params)
            assert got == want, case.describe()


def _spec(input_shape, *layers):
    return {"input": list(input_shape), "layers": list(layers)}


EDGE_CASES = [
    # agreements worth pinning
    pytest.param(_spec((1, 9, 9), {"type": "maxpool2d", "kernel_size": 2, "stride": 1, "padding": 2, "dilation": 3}),
                 id="maxpool-padding-limit-is-half-the-kernel-not-the-dilated-kernel"),
    pytest.param(_spec((1, 5, 5), {"type": "maxpool2d", "kernel_size": 2, "stride": 2, "padding": 1,
                                   "ceil_mode": True}),
                 id="ceil-mode-drops-a-window-starting-in-the-padding"),
    pytest.param(_spec((1, 4, 5), {"type": "avgpool2d", "kernel_size": [5, 1], "ceil_mode": True}),
                 id="avgpool2d-ceil-mode-kernel-larger-than-input"),
    pytest.param(_spec((2, 7, 6), {"type": "conv2d", "out_channels": 3, "kernel_size": [4, 2], "padding": "same",
                                   "dilation": [1, 3]}), id="same-padding-even-kernel-dilated"),
    pytest.param(_spec((2, 7, 6), {"type": "conv2d", "out_channels": 3, "kernel_size": 3, "padding": "same",
                                   "stride": 2}), id="same-padding-strided-refused"),
    pytest.param(_spec((2, 5), {"type": "convtranspose1d", "out_channels": 4, "kernel_size": 3, "stride": 1,
                                "dilation": 3, "output_padding": 2}), id="output-padding-below-dilation"),
    pytest.param(_spec((2, 5), {"type": "convtranspose1d", "out_channels": 4, "kernel_size": 3, "stride": 2,
                                "dilation": 2, "output_padding": 2}), id="output-padding-too-large-refused"),
    pytest.param(_spec((3, 5, 6), {"type": "linear", "out_features": 4}, {"type": "conv2d", "out_channels": 2,
                                                                          "kernel_size": 3}),
                 id="linear-on-the-last-dim-then-conv"),
    pytest.param(_spec((3, 5, 6), {"type": "concat", "dim": -1, "branches": [[], [{"type": "maxpool2d",
                                                                                   "kernel_size": [1, 2]}]]}),
                 id="concat-along-width"),
    pytest.param(_spec((3, 5, 6), {"type": "add", "branches": [[{"type": "batchnorm2d"}]]}),
                 id="add-single-branch-gets-identity-shortcut"),
    pytest.param(_spec((3, 5, 6), {"type": "concat", "dim": -4, "branches": [[], []]}),
                 id="concat-along-the-batch-dim-refused"),
    pytest.param(_spec((4, 6), {"type": "adaptivemaxpool1d", "output_size": 9}), id="adaptive-pool-upsamples"),
    pytest.param(_spec((2, 3, 4, 5), {"type": "adaptiveavgpool3d", "output_size": [None, 2, None]}),
                 id="adaptive-pool-keeps-none-dims"),
    # disagreements found by the random stacks (minimal repros)
    pytest.param(_spec((1, 1, 1), {"type": "conv2d", "out_channels": 1, "kernel_size": 1, "padding": 2,
                                   "padding_mode": "replicate"}), id="replicate-padding-larger-than-input"),
    pytest.param(_spec((1, 1, 4, 4), {"type": "avgpool3d", "kernel_size": 3, "stride": 1, "padding": 1}),
                 id="avgpool3d-input-smaller-than-kernel"),
    pytest.param(_spec((1, 3, 4, 5), {"type": "avgpool3d", "kernel_size": [1, 5, 1], "ceil_mode": True}),
                 id="avgpool3d-ceil-mode-kernel-larger-than-input"),
    pytest.param(_spec((1, 4, 4), {"type": "concat", "dim": 2, "branches": [["flatten"]]}),
                 id="concat-dim-out-of-range-for-flattened-branches"),
    pytest.param(_spec((1, 4, 4), {"type": "concat", "dim": -1, "branches": [["flatten"], ["flatten"]]}),
                 id="concat-last-dim-of-flattened-branches"),
    pytest.param(_spec((1, 4, 4), {"type": "concat", "dim": -3, "branches": [["flatten"]]}),
                 id="concat-negative-dim-counts-from-the-branch-outputs"),
    pytest.param(_spec((1, 4, 4), {"type": "concat", "dim": -1, "branches": [[{"type": "flatten", "start_dim": 2}],
                                                                              [{"type": "flatten", "start_dim": 2}]]}),
                 id="concat-last-dim-of-partly-flattened-branches"),
    pytest.param(_spec((1, 4, 4), {"type": "batchnorm2d", "num_features": 5, "affine": False,
                                   "track_running_stats": False}),
                 id="batchnorm-num-features-unchecked-without-affine-and-stats"),
    pytest.param(_spec((1, 4), {"type": "avgpool1d", "kernel_size": 2, "divisor_override": 2}),
                 id="avgpool1d-has-no-divisor-override"),
]


@pytest.mark.parametrize("spec", EDGE_CASES)
def test_edge_cases_match_torch(spec):
    """Hand-picked stacks, with torch's verdict taken live. Here a TypeError at construction (an
    argument the torch class does not have) is a refusal convcalc must share."""
    case = execute(spec, family="edge-case", refusals=REFUSALS + (TypeError,))
    problems = compare(case)
    assert not problems, case.describe() + "\n  " + "\n  ".join(problems)
