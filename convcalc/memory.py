"""Memory: bytes of parameters, buffers and activations, and an estimate of what training needs.

Everything here is element counts from the report times the bytes of one element; nothing is
measured. What is counted, per layer and in total, at ``--batch`` and ``--dtype``:

* **parameters** — every element ``module.parameters()`` yields (a shared module's once);
* **buffers** — BatchNorm's running mean and variance in the dtype, and its ``num_batches_tracked``
  counter, an int64 (8 bytes) whatever the dtype, as ``model.half()`` leaves it;
* **activations** — the output of every layer (and merge) of one forward pass, as if all were kept
  at once: what autograd keeps for the backward pass, roughly. In-place ops and views are counted as
  if they allocated; inference frees most of it as it goes, training keeps about this much;
* **input** — the input batch.

The training estimate adds, for the trainable parameters only: their gradients (one tensor each, the
parameter's size) and the optimizer's state — ``sgd`` none, ``momentum`` one buffer per parameter,
``adam`` two (``exp_avg``, ``exp_avg_sq``) plus torch's 4-byte ``step`` per parameter tensor. Not
counted: the framework's own overhead (CUDA context, allocator caching and fragmentation, cuDNN
workspaces), temporaries inside backward, and mixed-precision master copies.
"""

from __future__ import annotations

import enum
import math
import re
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .errors import SpecError
from .records import record

if TYPE_CHECKING:
    from .report import LayerRow, Report


class Dtype(str, enum.Enum):
    """Element types of parameters, buffers and activations."""

    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    int8 = "int8"

    @property
    def size(self) -> int:
        """Bytes per element."""
        return {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}[self.value]


class Optimizer(str, enum.Enum):
    """Optimizers whose state the training estimate counts."""

    sgd = "sgd"  #: no state
    momentum = "momentum"  #: SGD with momentum: one momentum buffer per parameter
    adam = "adam"  #: Adam/AdamW: exp_avg and exp_avg_sq per parameter, and a float32 step per tensor

    @property
    def copies(self) -> int:
        """Parameter-sized state tensors per parameter."""
        return {"sgd": 0, "momentum": 1, "adam": 2}[self.value]


COUNTER_BYTES = 8  #: BatchNorm's num_batches_tracked: an int64, whatever the dtype
STEP_BYTES = 4  #: Adam's per-tensor ``step``: a float32 scalar tensor in torch ≥ 1.12


def dtype_of(value: str | Dtype) -> Dtype:
    if isinstance(value, Dtype):  # the common case, without Enum's slow lookup (once per row of a large report)
        return value
    try:
        return Dtype(value)
    except ValueError:
        raise SpecError(f"unknown dtype {value!r}", hint="use one of: " + ", ".join(d.value for d in Dtype)) from None


def optimizer_of(value: str | Optimizer | None) -> Optimizer | None:
    if value is None:
        return None
    try:
        return Optimizer(value)
    except ValueError:
        raise SpecError(f"unknown optimizer {value!r}",
                        hint="use one of: " + ", ".join(o.value for o in Optimizer)) from None


@record(frozen=True, slots=True, kw_only=True)
class RowMemory:
    """Bytes of one row (a block's: the sums of its layers)."""

    params: int  #: parameter bytes
    buffers: int  #: buffer bytes (running stats in the dtype, counters as int64)
    activations: int  #: bytes of its output, × batch

    @property
    def total(self) -> int:
        return self.params + self.buffers + self.activations


def row_memory(row: "LayerRow", dtype: str | Dtype | int = Dtype.float32) -> RowMemory:
    """``dtype`` may also be given as its size in bytes."""
    size = dtype if isinstance(dtype, int) else dtype_of(dtype).size
    counters = row.counter_buffers
    return RowMemory(params=row.params * size, buffers=(row.buffers - counters) * size + counters * COUNTER_BYTES,
                     activations=row.activations * size)


@record(frozen=True, slots=True, kw_only=True)
class Memory:
    """Bytes a network needs at a batch size and dtype; see the module docstring for what is counted."""

    dtype: str
    batch: int
    optimizer: str | None  #: the training estimate's optimizer (None: only the forward figures are asked for)
    params: int  #: parameter bytes
    trainable_params: int  #: bytes of the trainable parameters
    buffers: int
    input: int  #: the input batch
    activations: int  #: every layer's output, one forward pass, × batch
    gradients: int  #: one gradient per trainable parameter
    optimizer_state: int  #: the optimizer's state (0 without one, or for plain SGD)

    @property
    def forward(self) -> int:
        """Parameters, buffers, the input and every activation of one forward pass."""
        return self.params + self.buffers + self.input + self.activations

    @property
    def training(self) -> int:
        """The forward figure plus gradients and the optimizer's state."""
        return self.forward + self.gradients + self.optimizer_state

    @property
    def total(self) -> int:
        """The training estimate when an optimizer is given, else the forward figure."""
        return self.training if self.optimizer else self.forward

    def to_dict(self) -> dict[str, Any]:
        d = {"dtype": self.dtype, "batch": self.batch, "optimizer": self.optimizer, "param_bytes": self.params,
             "trainable_param_bytes": self.trainable_params, "buffer_bytes": self.buffers, "input_bytes": self.input,
             "activation_bytes": self.activations, "forward_bytes": self.forward}
        if self.optimizer:
            d.update({"gradient_bytes": self.gradients, "optimizer_state_bytes": self.optimizer_state,
                      "training_bytes": self.training})
        return d


def of(report: "Report", dtype: str | Dtype | None = None, optimizer: str | Optimizer | None = None) -> Memory:
    """The memory figures of ``report`` (its own dtype and optimizer unless given)."""
    dt = dtype_of(dtype or report.dtype)
    opt = optimizer_of(optimizer if optimizer is not None else report.optimizer)
    size = dt.size
    leaves = [r for r in report.layers if not r.block]
    counters = sum(r.counter_buffers for r in leaves)  # (row_memory's sums, without an object per row)
    trainable = report.totals.trainable_params
    tensors = sum(r.trainable_param_tensors for r in leaves)
    state = 0
    if opt is not None:
        state = opt.copies * trainable * size + (STEP_BYTES * tensors if opt is Optimizer.adam else 0)
    inputs = sum(math.prod(shape) for _, shape in report.inputs) if report.inputs else math.prod(report.input_shape)
    return Memory(dtype=dt.value, batch=report.batch, optimizer=opt.value if opt else None,
                  params=sum(r.params for r in leaves) * size, trainable_params=trainable * size,
                  buffers=(sum(r.buffers for r in leaves) - counters) * size + counters * COUNTER_BYTES,
                  input=inputs * report.batch * size, activations=sum(r.activations for r in leaves) * size,
                  gradients=trainable * size if opt is not None else 0, optimizer_state=state)


# ----------------------------------------------------------------------------
# Amounts: 25M, 4.1G, 2GiB
# ----------------------------------------------------------------------------
_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)(?:e(\d+))?\s*([kmgtp]i?)?\s*(b)?\s*$", re.I)
_POWERS = {"k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
MAX_AMOUNT_DIGITS = 30  #: digits of a budget (--max-params, --max-memory, …), its unit applied


@record(frozen=True, slots=True)
class Amount:
    """A budget as written: a count, or bytes when it ends in ``B``."""

    value: int
    bytes: bool  #: written with a ``B`` (``25MB``, ``2GiB``)
    text: str

    def __str__(self) -> str:
        return self.text


def parse_amount(text: str, where: str = "value") -> Amount:
    """``25M`` → 25,000,000; ``4.1G`` → 4,100,000,000; ``2GiB`` → 2·2³⁰ bytes; ``1e6``; ``100000``.

    ``K M G T P`` are powers of 1000, ``Ki Mi Gi Ti Pi`` powers of 1024, in either case; a trailing ``B``
    marks bytes. The value is rounded down to a whole number."""
    match = _AMOUNT.match(str(text))
    if not match:
        raise SpecError(f"{where}: cannot read {text!r}",
                        hint="write a number with an optional unit: 100000, 25M, 4.1G, 2GiB (K M G T: ×1000; "
                             "Ki Mi Gi Ti: ×1024; B: bytes)")
    number, exponent, unit, byte = match.groups()
    # the order of magnitude before any arithmetic: 1e999999999 would take minutes to compute, a 5,000-digit
    # number cannot be read by int() at all
    whole = number.split(".")[0].lstrip("0")
    too_large = SpecError(f"{where}: {str(text).strip()[:40]!r} has more than {MAX_AMOUNT_DIGITS} digits (the limit)")
    if len(whole) + (int(exponent) if exponent and len(exponent) < 6 else 10 ** 6 if exponent else 0) > \
            MAX_AMOUNT_DIGITS + 2:
        raise too_large
    value = Fraction(number) * 10 ** int(exponent or 0)
    if unit:
        base = 1024 if unit.lower().endswith("i") else 1000
        value *= base ** _POWERS[unit[0].lower()]
    if value >= 10 ** MAX_AMOUNT_DIGITS:
        raise too_large
    return Amount(int(value), bool(byte), str(text).strip())


def human_bytes(n: int) -> str:
    """``1,536`` → ``1.5 KiB``; binary units, three significant figures."""
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        n /= 1024
        if n < 1024 or unit == "PiB":
            return f"{n:,.3g} {unit}" if n < 1000 else f"{n:,.0f} {unit}"
    raise AssertionError  # unreachable


def human_count(n: int) -> str:
    """``25,557,032`` → ``25.6M``; decimal units as model zoos write counts."""
    for value, unit in ((10 ** 12, "T"), (10 ** 9, "G"), (10 ** 6, "M"), (10 ** 3, "K")):
        if n >= value:
            return f"{n / value:.3g}{unit}" if n / value < 1000 else f"{n / value:,.0f}{unit}"
    return str(n)
