"""``params`` for print(model) text whose forward cannot be followed: parameters and buffers module by module.

print(model) prints every module's own arguments, so a known class's parameters and buffers are counted from its
line whether or not the order the modules run in is known (:func:`convcalc.readers.torchrepr.count`). When convcalc
cannot place a module on the graph (Swin's shifted windows, a timm family whose forward() is not modelled), the
shapes and MACs from there on are unknown, but the counts are exact: ``params`` reports them, marks shapes and MACs
unknown, and says from which module and why. ``shape``, ``rf`` and ``check`` still refuse (exit 2).

The JSON keeps the report's fields (``convcalc.report/2``): one row per module holding parameters or buffers of its
own (``path`` and ``node`` its torch name, ``type`` its printed class), ``output_shape``/``macs`` null, and
``shapes_unknown`` saying where and why.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class CountsOnly:
    name: str | None
    input_shape: tuple[int, ...] | None
    modules: tuple[tuple[str, str, int, int], ...]  #: (torch path, class, own params, own buffers), printed order
    params: int
    buffers: int
    unknown_from: str  #: the module path shapes are unknown from
    unknown_class: str
    why: str

    @property
    def warning(self) -> str:
        return (f"shapes and MACs unknown from {self.unknown_from} ({self.unknown_class}): {self.why}; parameters "
                "and buffers are counted from the printed lines")


def from_refusal(exc: Exception, input_shape: tuple[int, ...] | None) -> CountsOnly | None:
    """The counts a :class:`~convcalc.readers.torchrepr.ShapesUnknown` refusal carries, when they are exact
    (no lower bound, no class convcalc does not know, no shared module counted twice); else None."""
    from ..readers import torchrepr

    counts = getattr(exc, "counts", None)
    if not isinstance(exc, torchrepr.ShapesUnknown) or counts is None:
        return None
    if counts.lower_bound or counts.unknown or counts.shared:
        return None
    reading = getattr(exc, "reading", None)
    where = getattr(exc, "where", None) or (exc.cls or "?", exc.cls or "?", str(exc))
    order = {m.path: i for i, m in enumerate(reading.root.walk())} if reading is not None else {}
    modules = sorted(((path, cls, p, b) for path, (cls, p, b) in counts.modules.items()),
                     key=lambda m: order.get(m[0], len(order)))
    return CountsOnly(name=reading.name if reading is not None else exc.cls, input_shape=input_shape,
                      modules=tuple(modules), params=counts.params, buffers=counts.buffers,
                      unknown_from=where[0], unknown_class=where[1], why=where[2])


def to_dict(c: CountsOnly) -> dict:
    rows = [{"path": path or "(model)", "name": path.rsplit(".", 1)[-1] if path else None, "type": cls,
             "block": False, "depth": path.count(".") if path else 0, "input_shape": None, "output_shape": None,
             "params": p, "trainable_params": p, "buffers": b, "macs": None, "node": path or "(model)"}
            for path, cls, p, b in c.modules]
    return {
        "schema": "convcalc.report/2",
        "name": c.name,
        "input_shape": list(c.input_shape) if c.input_shape else None,
        "output_shape": None,
        "batch": 1,
        "ok": True,
        "shapes_known": False,
        "shapes_unknown": {"from": c.unknown_from, "class": c.unknown_class, "why": c.why},
        "layers": rows,
        "totals": {"params": c.params, "trainable_params": c.params, "non_trainable_params": 0,
                   "buffers": c.buffers, "macs": None},
        "diagnostics": [{"severity": "warning", "code": "shapes-unknown", "path": c.unknown_from,
                         "message": c.warning}],
    }


def to_json(c: CountsOnly) -> str:
    from .text import write_document

    data = to_dict(c)
    keys = list(data)
    at = keys.index("layers")
    buf = io.StringIO()
    write_document({k: data[k] for k in keys[:at]}, (json.dumps(row, ensure_ascii=False) for row in data["layers"]),
                   {k: data[k] for k in keys[at + 1:]}, buf)
    return buf.getvalue()


def to_csv(c: CountsOnly) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["node", "class", "params", "buffers"])
    for path, cls, p, b in c.modules:
        writer.writerow([path or "(model)", cls, p, b])
    writer.writerow(["total", "", c.params, c.buffers])
    return buf.getvalue()


def to_text(c: CountsOnly, markdown: bool = False, width: int = 100) -> str:
    """A plain table: module, class, params, buffers; then the totals. Module names fold at a dot to fit."""
    from ..i18n import display_width, translate

    head = tuple(translate(h) for h in ("module", "class", "params", "buffers"))
    body = [(path or "(model)", cls, f"{p:,}", f"{b:,}") for path, cls, p, b in c.modules]
    total = (translate("total"), "", f"{c.params:,}", f"{c.buffers:,}")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|---|---|---:|---:|"]
        lines += ["| " + " | ".join(f"`{r[0]}`" if i == 0 else r[i] for i in range(4)) + " |" for r in body]
        lines.append("| **total** |  | " + total[2] + " | " + total[3] + " |")
        return "\n".join(lines) + "\n"
    rows = [head, *body, total]
    w = [max(display_width(r[i]) for r in rows) for i in range(4)]
    budget = width - (w[1] + w[2] + w[3] + 6)
    if w[0] > budget > 12:  # long torch names: keep their tails, where the differing part is
        w[0] = budget
    out = []
    title = translate(f"{c.name or 'model'}: parameters and buffers by module (shapes unknown)")
    out.append(title)
    for k, r in enumerate(rows):
        name = r[0] if display_width(r[0]) <= w[0] else "…" + r[0][-(w[0] - 1):]
        cells = [name, r[1], r[2], r[3]]
        pad = [" " * (w[i] - display_width(cells[i])) for i in range(4)]
        out.append(f"{name}{pad[0]}  {r[1]}{pad[1]}  {pad[2]}{r[2]}  {pad[3]}{r[3]}".rstrip())
        if k == 0 or k == len(rows) - 2:
            out.append("─" * min(width, w[0] + w[1] + w[2] + w[3] + 6))
    return "\n".join(out) + "\n"
