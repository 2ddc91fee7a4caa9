"""``convcalc verify``: the torch-free reading of a model file against what torch builds from it.

Both readings are analysed by the same engine and compared node by node: nodes are paired by their id
(torch's module names, which both readers use where the code names its modules), then the nodes with
parameters, buffers or MACs that are left are paired in order by type. A pair differs where its output
shape, parameters, buffers or MACs differ; a node with any of those on one side only is a difference too.
Parameter-free steps one side leaves out (``F.relu`` in forward(), which the torch-free reader names and does
not count) are listed, not counted as disagreement: they change no number, and a missing step that changes
a shape shows up at the nodes after it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from .layers import dims
from .report import LayerRow, Report


@dataclass(frozen=True, slots=True)
class Difference:
    node: str  #: the node's id (the torch side's where the two differ), or "total"
    what: str  #: "type", "output", "params", "buffers", "MACs", "node" (on one side only), "error"
    torch_free: str  #: the torch-free reading's value, as text ("" where it has no such node)
    torch: str

    def to_dict(self) -> dict[str, str]:
        return {"node": self.node, "what": self.what, "torch_free": self.torch_free, "torch": self.torch}


@dataclass
class Verdict:
    static: Report
    traced: Report
    differences: list[Difference] = field(default_factory=list)
    compared: int = 0  #: nodes with parameters, buffers or MACs found on both sides
    only_static: list[LayerRow] = field(default_factory=list)  #: parameter-free steps only the torch-free side has
    only_torch: list[LayerRow] = field(default_factory=list)  #: parameter-free steps only torch runs

    @property
    def agree(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        def side(report: Report) -> dict[str, Any]:
            return {"ok": report.ok, "totals": report.totals.to_dict(),
                    "outputs": [{"name": n, "shape": None if s is None else list(s)} for n, s in report.outputs],
                    "errors": [d.line for d in report.errors]}

        return {"schema": "convcalc.verify/1", "agree": self.agree, "input_shape": list(self.traced.input_shape),
                "compared": self.compared, "differences": [d.to_dict() for d in self.differences],
                "torch_free": side(self.static), "torch": side(self.traced),
                "only_in_torch_free": [r.node for r in self.only_static],
                "only_in_torch": [r.node for r in self.only_torch]}


def _counted(row: LayerRow) -> bool:
    return bool(row.params or row.buffers or row.macs)


def _shape(shape) -> str:
    return "invalid" if shape is None else dims(shape)


def compare(static: Report, traced: Report) -> Verdict:
    """Pair the leaf nodes of the two reports and list where they differ."""
    verdict = Verdict(static=static, traced=traced)
    for label, report in (("torch-free reading", static), ("torch", traced)):
        for error in report.errors[:1]:
            verdict.differences.append(Difference("", "error", error.line if label != "torch" else "",
                                                  error.line if label == "torch" else ""))
    a = [r for r in static.layers if not r.block]
    b = [r for r in traced.layers if not r.block]
    by_id = {r.node: r for r in b}
    pairs: list[tuple[LayerRow, LayerRow]] = []
    left_a = []
    for row in a:
        other = by_id.get(row.node)
        # the same id names the same node when the types agree, or when both hold numbers (a conv read as
        # another kind is a difference to show); ids that are list positions ("2") often name different steps
        if other is not None and (other.type == row.type or (_counted(row) and _counted(other))):
            del by_id[row.node]
            pairs.append((row, other))
        else:
            left_a.append(row)
    paired_b = {id(o) for _, o in pairs}
    left_b = [r for r in b if id(r) not in paired_b]
    matched_a, matched_b = set(), set()
    for counted in (True, False):  # the nodes with numbers first, then the parameter-free steps, each in order
        side_a = [r for r in left_a if _counted(r) == counted and id(r) not in matched_a]
        side_b = [r for r in left_b if (_counted(r) == counted or not counted) and id(r) not in matched_b]
        matcher = difflib.SequenceMatcher(None, [r.type for r in side_a], [r.type for r in side_b], autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                ra, rb = side_a[block.a + k], side_b[block.b + k]
                pairs.append((ra, rb))
                matched_a.add(id(ra))
                matched_b.add(id(rb))
    order = {id(r): i for i, r in enumerate(b)}
    pairs.sort(key=lambda p: order[id(p[1])])
    for ra, rb in pairs:
        node = rb.node if rb.node == ra.node else f"{rb.node} ({ra.node})"
        if _counted(ra) or _counted(rb):
            verdict.compared += 1
        if ra.type != rb.type:
            verdict.differences.append(Difference(node, "type", ra.type, rb.type))
        if ra.output_shape != rb.output_shape:
            verdict.differences.append(Difference(node, "output", _shape(ra.output_shape), _shape(rb.output_shape)))
        for what, key in (("params", "params"), ("buffers", "buffers"), ("MACs", "macs")):
            x, y = getattr(ra, key), getattr(rb, key)
            if x != y:
                verdict.differences.append(Difference(node, what, f"{x:,}", f"{y:,}"))
    for row in left_a:
        if id(row) in matched_a:
            continue
        if _counted(row):
            verdict.differences.append(Difference(row.node, "node", f"{row.type} {_shape(row.output_shape)}", ""))
        else:
            verdict.only_static.append(row)
    for row in left_b:
        if id(row) in matched_b:
            continue
        if _counted(row):
            verdict.differences.append(Difference(row.node, "node", "", f"{row.type} {_shape(row.output_shape)}"))
        else:
            verdict.only_torch.append(row)
    sa, sb = static.totals, traced.totals
    for what, key in (("params", "params"), ("buffers", "buffers"), ("MACs", "macs")):
        x, y = getattr(sa, key), getattr(sb, key)
        if x != y:
            verdict.differences.append(Difference("total", what, f"{x:,}", f"{y:,}"))
    outs_a = [s for _, s in static.outputs]
    outs_b = [s for _, s in traced.outputs]
    if outs_a != outs_b:
        verdict.differences.append(Difference("total", "output", ", ".join(_shape(s) for s in outs_a),
                                              ", ".join(_shape(s) for s in outs_b)))
    return verdict


def summary(verdict: Verdict) -> str:
    """The closing line: ``agree: …`` or ``disagree: …``."""
    t = verdict.traced.totals
    arrow = f"{dims(verdict.traced.input_shape)} → " + ", ".join(_shape(s) for _, s in verdict.traced.outputs)
    if verdict.agree:
        line = (f"agree: {verdict.compared} node{'s' if verdict.compared != 1 else ''} with parameters or MACs, "
                f"{t.params:,} params, {t.buffers:,} buffers, {t.macs:,} MACs, {arrow}")
    else:
        nodes = len({d.node for d in verdict.differences if d.node not in ("", "total")})
        line = (f"disagree: {len(verdict.differences)} difference{'s' if len(verdict.differences) != 1 else ''}"
                f" ({nodes} node{'s' if nodes != 1 else ''}); torch: {t.params:,} params, {t.buffers:,} buffers, "
                f"{t.macs:,} MACs, {arrow}")
    return line


def notes(verdict: Verdict) -> list[str]:
    """What the torch-free reading leaves out without changing a number (for stderr)."""
    out = []
    if verdict.only_torch:
        shown = ", ".join(r.node for r in verdict.only_torch[:6]) + (", …" if len(verdict.only_torch) > 6 else "")
        out.append(f"{len(verdict.only_torch)} parameter-free step{'s' if len(verdict.only_torch) != 1 else ''} "
                   f"torch runs that the torch-free reading has not as nodes: {shown}")
    if verdict.only_static:
        shown = ", ".join(r.node for r in verdict.only_static[:6]) + (", …" if len(verdict.only_static) > 6 else "")
        out.append(f"{len(verdict.only_static)} parameter-free step{'s' if len(verdict.only_static) != 1 else ''} "
                   f"of the torch-free reading torch does not run as such: {shown}")
    return out
