"""The Python API: load a model, analyse it, check it against budgets — what the CLI does, as functions.

    >>> import convcalc
    >>> result = convcalc.check("lenet", max_params="100K", expect_output="10")
    >>> result.ok, result.report.totals.params
    (True, 61706)

Every function takes a spec file as ``str`` or :class:`~pathlib.Path`, a built-in model's name, or
a :class:`~convcalc.graph.Network` already read; errors are :class:`~convcalc.errors.SpecError`
(unusable input) and :class:`~convcalc.errors.NetworkError` (a network torch would refuse, from
:func:`load` only: :func:`analyze_model` and :func:`check` put it in the report instead).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from . import codes
from .errors import SpecError
from .graph import Network
from .layers import Shape, dims
from .memory import Amount, Dtype, Memory, Optimizer, dtype_of, optimizer_of, parse_amount
from .report import Diagnostic, Report, analyze

__all__ = ["CheckResult", "MinInput", "analyze_model", "check", "load"]

ModelLike = str | Path | Network


def load(model: ModelLike, *, input_shape: Shape | str | None = None, aux: bool = False,
         fmt: str | None = None) -> Network:
    """A spec file (JSON/YAML/TOML, PyTorch code or ``print(model)`` text), a built-in model's name, or a
    Network, with ``input_shape`` (``(3, 224, 224)`` or ``"3x224x224"``) for every input if given."""
    from . import catalog, readers
    from .build import parse_shape
    from .errors import did_you_mean

    shape = parse_shape(input_shape, "input_shape") if input_shape is not None else None
    if isinstance(model, Network):
        return model.with_inputs(shape)
    path = Path(model)
    if path.is_file():
        return readers.read_file(path, input_shape=shape, aux=aux, fmt=fmt)
    if isinstance(model, str) and model in catalog.names():
        return catalog.load(model, shape, aux=aux)
    hint = did_you_mean(str(model), catalog.names()) if isinstance(model, str) else None
    raise SpecError(f"{model}: no such file or built-in model", hint=hint or "see convcalc.catalog.names()")


def analyze_model(model: ModelLike, *, input_shape: Shape | str | None = None, batch: int = 1, strict: bool = False,
                  convention: str = "torch", aux: bool = False, dtype: str | Dtype = "float32",
                  optimizer: str | Optimizer | None = None, ignore: Sequence[str] = (),
                  explain: bool = False) -> Report:
    """The report of ``model``: per-layer rows, totals, ``report.memory`` at ``dtype``, diagnostics less the
    ignored codes (``ignore`` and the spec's own ``ignore:``)."""
    network = load(model, input_shape=input_shape, aux=aux)
    return _analyze(network, batch=batch, strict=strict, convention=convention, dtype=dtype, optimizer=optimizer,
                    ignore=ignore, explain=explain)


def _analyze(network: Network, *, batch: int, strict: bool, convention: str, dtype, optimizer, ignore,
             explain: bool = False) -> Report:
    if any(shape is None for _, shape in network.inputs):
        raise SpecError("the model has no input shape", hint="pass input_shape=(C, H, W)")
    report = analyze(network, batch=batch, strict=strict, convention=convention, explain=explain)
    report = dataclasses.replace(report, dtype=dtype_of(dtype).value,
                                 optimizer=o.value if (o := optimizer_of(optimizer)) else None)
    ignores = codes.parse_ignores(list(network.ignore), "ignore") + codes.parse_ignores(list(ignore), "ignore")
    return codes.apply(report, ignores)


@dataclass(frozen=True, slots=True, kw_only=True)
class MinInput:
    """The smallest square input a network accepts (``check --min-input``)."""

    smallest: Shape | None  #: None when no size up to the limit passes
    below: Shape | None  #: the size just below it, which fails
    below_error: str | None  #: why it fails
    exact: tuple[int, ...] = ()  #: sizes from ``smallest`` to ``top`` at which every division is exact
    top: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"smallest": None if self.smallest is None else list(self.smallest),
                "below": None if self.below is None else list(self.below), "below_error": self.below_error,
                "exact_sizes": list(self.exact), "exact_up_to": self.top}


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """The outcome of :func:`check`: truthy when the network is valid and every budget holds."""

    name: str  #: the model as given (a file name, a built-in's name)
    report: Report  #: the analysis; its diagnostics include the failed budgets (code ``max-params``, …)
    failures: tuple[Diagnostic, ...]  #: the budgets missed
    budgets: dict[str, str] = field(default_factory=dict)  #: code → the limit as written (``25M``)
    min_input: MinInput | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def memory(self) -> Memory:
        return self.report.memory

    @property
    def exit_code(self) -> int:
        """0 when ok, 1 otherwise (the CLI's exit code for a failed check)."""
        return 0 if self.ok else 1

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> dict[str, Any]:
        """The report's JSON with a ``check`` object: ok, the budgets, the failures and ``min_input``."""
        d = self.report.to_dict()
        d["check"] = {"model": self.name, "ok": self.ok, "budgets": dict(self.budgets),
                      "failures": [f.to_dict() for f in self.failures],
                      "min_input": self.min_input.to_dict() if self.min_input else None}
        return d


def _amount(value: int | str | Amount | None, where: str) -> Amount | None:
    if value is None or isinstance(value, Amount):
        return value
    if isinstance(value, bool):
        raise SpecError(f"{where}: expected a number, got {value!r}")
    if isinstance(value, int):
        return Amount(value, False, str(value))
    return parse_amount(value, where)


def check(model: ModelLike, *, input_shape: Shape | str | None = None, batch: int = 1, strict: bool = False,
          convention: str = "torch", aux: bool = False, max_params: int | str | None = None,
          max_macs: int | str | None = None, max_memory: int | str | None = None,
          max_activations: int | str | None = None, expect_output: Shape | str | None = None,
          dtype: str | Dtype = "float32", optimizer: str | Optimizer | None = None, ignore: Sequence[str] = (),
          min_input: bool = False, name: str | None = None) -> CheckResult:
    """Check ``model``: valid for torch, and within every budget given.

    Budgets take a number or the unit grammar ``25M``, ``4.1G``, ``2GiB`` (K M G T: ×1000; Ki Mi Gi Ti:
    ×1024). A budget ending in ``B`` is in bytes at ``dtype``: ``max_params="100MB"`` limits the parameters'
    bytes, ``max_activations="2GiB"`` the activations'. ``max_memory`` is always bytes: the training
    estimate with ``optimizer``, else the forward figure (:mod:`convcalc.memory`). ``max_macs`` counts
    multiply-accumulates at ``batch``."""
    from .build import parse_shape

    network = load(model, input_shape=input_shape, aux=aux)
    report = _analyze(network, batch=batch, strict=strict, convention=convention, dtype=dtype, optimizer=optimizer,
                      ignore=ignore)
    # a Network object has no name of its own to show: never its repr (the whole graph, megabytes of it)
    label = name or report.name or (str(model) if isinstance(model, (str, os.PathLike)) else "network")
    limits = {"max-params": _amount(max_params, "--max-params"), "max-macs": _amount(max_macs, "--max-macs"),
              "max-memory": _amount(max_memory, "--max-memory"),
              "max-activations": _amount(max_activations, "--max-activations")}
    if limits["max-macs"] is not None and limits["max-macs"].bytes:
        raise SpecError(f"--max-macs: {limits['max-macs']} is in bytes; MACs are a count", hint="write e.g. 4.1G")
    expected = parse_shape(expect_output, "--expect-output") if expect_output is not None else None
    failures: list[Diagnostic] = []
    if report.ok:
        t, m = report.totals, report.memory
        what = {"max-params": (m.params, "bytes of parameters") if _is_bytes(limits["max-params"])
                else (t.params, "parameters"),
                "max-macs": (t.macs, "MACs" + (f" at batch {batch}" if batch != 1 else "")),
                "max-memory": (m.total, f"bytes ({'training with ' + m.optimizer if m.optimizer else 'forward'}, "
                                        f"{m.dtype}, batch {batch})"),
                "max-activations": (m.activations, "bytes of activations") if _is_bytes(limits["max-activations"])
                else (t.activations, "activation elements" + (f" at batch {batch}" if batch != 1 else ""))}
        for code, limit in limits.items():
            if limit is None:
                continue
            value, unit = what[code]
            if value > limit.value:
                failures.append(Diagnostic(
                    severity="error", path=None, code=code,
                    message=f"{label} has {value:,} {unit}, over --{code} "
                            + (f"{limit.value:,}" if limit.text == str(limit.value) else f"{limit} ({limit.value:,})")))
        if expected is not None and report.output_shape != expected:
            failures.append(Diagnostic(severity="error", path=None, code="expect-output",
                                       message=f"{label} outputs {dims(report.output_shape)}, expected {dims(expected)}"))
    ignores = codes.parse_ignores(list(ignore), "ignore") + codes.parse_ignores(list(network.ignore), "ignore")
    failures = [f for f in failures if not any(i.code == f.code for i in ignores)]
    if failures:
        report = dataclasses.replace(report, diagnostics=(*report.diagnostics, *failures))
    budgets = {code: limit.text for code, limit in limits.items() if limit is not None}
    if expected is not None:
        budgets["expect-output"] = dims(expected)
    smallest = _min_input(network, report) if min_input else None
    return CheckResult(name=label, report=report, failures=tuple(failures), budgets=budgets, min_input=smallest)


def _is_bytes(amount: Amount | None) -> bool:
    return amount is not None and amount.bytes


def _min_input(network: Network, report: Report) -> MinInput:
    from .report import exact_inputs, smallest_input

    smallest, below = smallest_input(network)
    exact: tuple[int, ...] = ()
    top = max(report.input_shape[1:], default=0) * 2
    if smallest:
        exact = tuple(s[1] for s in exact_inputs(network, smallest[1], top))
    return MinInput(smallest=smallest, below=below.input_shape if below is not None else None,
                    below_error=below.errors[0].line if below is not None and below.errors else None,
                    exact=exact, top=top)
