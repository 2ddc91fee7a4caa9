"""Stable codes of convcalc's warnings and check failures, and ignoring them.

Every warning a report carries has a code from :data:`WARNINGS`; every failed ``check`` budget one
from :data:`CHECKS`. ``--ignore CODE`` (or ``CODE@NODE`` for one node and what is inside it) and a
spec's top-level ``ignore: [CODE, CODE@NODE, …]`` drop matching diagnostics from the report, so
that a known finding does not fail CI. An ignored ``inexact-division`` stays ignored under
``--strict``. Errors without a code (a network torch would refuse) cannot be ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import SpecError, did_you_mean
from .records import record

if TYPE_CHECKING:
    from .report import Diagnostic, Report

#: Warning code → what it means. The README's table lists the same codes (a test keeps them in step).
WARNINGS: dict[str, str] = {
    "inexact-division": "floor rounding drops input rows or columns a further window would have covered "
                        "(an error under --strict)",
    "padding-only-division": "floor rounding drops rows of padding only, no input pixel (one note for all)",
    "not-flat": "a linear layer on an input that is not flat: it applies to the last dim only",
    "unused-argument": "an argument torch accepts but does not use here (num_features without affine or stats)",
    "receptive-field": "the receptive field is unknown from here on, or branches with different jumps meet "
                       "(shown by `rf` only)",
    "unused-input": "an input of the network that no layer reads",
    "unused-node": "a node whose result nothing reads and that is not an output",
    "reader": "what reading PyTorch text had to assume (a custom module's forward, a flatten before a Linear)",
    "input-read": "how --input was read (N×C×H×W, channels last, …): a note",
    "assumed": "print(model) does not show a constructor argument; its library default was assumed (the numbers are "
               "the model's only if it was built so: --assume KEY=VALUE states its own)",
}

#: ``check`` budget code → what fails it.
CHECKS: dict[str, str] = {
    "max-params": "more parameters (or parameter bytes) than --max-params",
    "max-macs": "more multiply-accumulates than --max-macs",
    "max-memory": "more bytes than --max-memory (the training estimate with --optimizer, else the forward figure)",
    "max-activations": "more activation elements (or bytes) than --max-activations",
    "expect-output": "an output shape other than --expect-output",
}

#: Codes whose warnings only concern one view: elsewhere they are kept in the JSON but not printed.
VIEW_ONLY: dict[str, tuple[str, ...]] = {"receptive-field": ("rf",)}


@record(frozen=True, slots=True)
class Ignore:
    """``CODE`` or ``CODE@NODE``: a warning code, everywhere or at one node (and inside it)."""

    code: str
    where: str | None = None

    def __str__(self) -> str:
        return self.code if self.where is None else f"{self.code}@{self.where}"

    def matches(self, d: "Diagnostic", nodes: dict[str, str]) -> bool:
        if d.code != self.code:
            return False
        if self.where is None:
            return True
        if d.path is None:
            return False
        node = nodes.get(d.path, "")
        return any(x == self.where or x.startswith(self.where + ".") or x.startswith(self.where + "[")
                   for x in (d.path, node) if x)


def parse_ignores(items: Iterable[str] | str | None, where: str = "--ignore") -> tuple[Ignore, ...]:
    """``["inexact-division", "not-flat@classifier.1", "a,b"]`` → Ignores; unknown codes are errors."""
    if items is None:
        return ()
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, (list, tuple)):
        raise SpecError(f"{where}: expected a list of warning codes, got {type(items).__name__}")
    out = []
    known = [*WARNINGS, *CHECKS]
    for item in items:
        if not isinstance(item, str):
            raise SpecError(f"{where}: expected a warning code, got {item!r}")
        for part in filter(None, (p.strip() for p in item.split(","))):
            code, _, node = part.partition("@")
            code = code.strip().lower()
            if code not in known:
                raise SpecError(f"{where}: unknown warning code {code!r}",
                                hint=did_you_mean(code, known) or "the codes: " + ", ".join(known))
            out.append(Ignore(code, node.strip() or None))
    return tuple(out)


def apply(report: "Report", ignores: Iterable[Ignore]) -> "Report":
    """``report`` without the diagnostics the ignores match (errors without a code always stay)."""
    ignores = tuple(ignores)
    if not ignores:
        return report
    nodes = {r.path: r.node for r in report.layers}
    kept = tuple(d for d in report.diagnostics if not any(i.matches(d, nodes) for i in ignores))
    return dataclasses.replace(report, diagnostics=kept)


def shown_in(view: str, d: "Diagnostic") -> bool:
    """Whether ``view``'s stderr (or annotations) should show ``d``: rf's warnings only where the rf is shown."""
    return d.severity == "error" or view in VIEW_ONLY.get(d.code or "", (view,))
