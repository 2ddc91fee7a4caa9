"""print(model) of every torchvision classification model and of a sample of timm's, read back.

tests/data/repr_reference.json.xz was written by tools/repr_reference.py (torch 2.14.1, torchvision 0.29.1,
timm 1.0.31 in a scratch venv; neither is needed here). Each model must be **exact** — torch's parameters
(with ``--aux``: torch counts the auxiliary heads), buffers, output shape and MACs (without ``--aux``: eval
mode does not run them) — or **refused** with exit 2 naming a class. When it is refused, the parameters
counted leaf by leaf must still be torch's (or, marked as a lower bound, at most torch's). Never exit 1,
never a wrong number with exit 0.

``python tests/test_torchrepr_reference.py`` prints the fractions by source and family and every refusal.
"""

from __future__ import annotations

import collections
import json
import lzma
import re
from functools import lru_cache
from pathlib import Path

from convcalc.errors import SpecError
from convcalc.readers import torchrepr
from convcalc.report import analyze

DATA = Path(__file__).parent / "data" / "repr_reference.json.xz"
#: each recorded timm ViT's constructor arguments that print(model) does not show (tools/repr_assume.py)
ASSUME = Path(__file__).parent / "data" / "repr_assume.json"


@lru_cache(maxsize=1)
def reference() -> dict:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)


def _class_named(exc: SpecError) -> str | None:
    """The class a refusal names: ``exc.cls``, else the first CamelCase word of its message."""
    cls = getattr(exc, "cls", None)
    if cls:
        return cls
    found = re.search(r"\b([A-Z][A-Za-z0-9_]*[a-z][A-Za-z0-9_]*)\b", str(exc))
    return found[1] if found else None


def judge(model: dict, assume: dict | None = None) -> tuple[str, str]:
    """("exact" | "refused" | "wrong" | "invalid", detail). ``assume``: ``--assume`` (constructor arguments the
    printed text does not show)."""
    text, shape = model["text"], tuple(model["input"])
    origin = model["name"]
    try:
        reading = torchrepr.read(text, origin, assume)
    except SpecError as exc:
        cls = _class_named(exc)
        counts = getattr(exc, "counts", None)
        if counts is not None and not counts.shared and (counts.params > model["params"] or (
                not (counts.lower_bound or counts.unknown) and (counts.params, counts.buffers) != (
                    model["params"], model["buffers"]))):
            return "wrong", (f"refused, but counted {counts.params:,} params / {counts.buffers:,} buffers against "
                             f"torch's {model['params']:,} / {model['buffers']:,}")
        exact_counts = counts is not None and not (counts.lower_bound or counts.unknown or counts.shared)
        return ("refused" if cls else "wrong"), f"{cls}: {exc}" + (" [params exact]" if exact_counts else "")
    counts = reading.counts
    bound = counts.lower_bound or bool(counts.unknown)
    if counts.shared:
        pass  # no claim: refused below
    elif counts.params > model["params"] or (not bound and (counts.params, counts.buffers) != (
            model["params"], model["buffers"])):
        return "wrong", (f"leaf by leaf {counts.params:,} params / {counts.buffers:,} buffers, torch "
                         f"{model['params']:,} / {model['buffers']:,}")
    try:
        report = analyze(torchrepr.checked_network(reading, origin, input_shape=shape))
        with_aux = analyze(torchrepr.checked_network(reading, origin, input_shape=shape, aux=True))
    except SpecError as exc:
        cls = _class_named(exc)
        exact_counts = not (bound or counts.shared)  # then `params` reports them, module by module
        if exact_counts and not isinstance(exc, torchrepr.ShapesUnknown):
            return "wrong", f"counts exact, but refused other than as shapes unknown: {exc}"
        return ("refused" if cls else "wrong"), f"{cls}: {exc}" + (" [params exact]" if exact_counts else "")
    if not report.ok:
        return "invalid", report.errors[0].line
    got = {"params": with_aux.totals.params, "buffers": with_aux.totals.buffers,
           "output": list(report.output_shape), "macs": report.totals.macs}
    if model.get("output") is None:  # torch's own forward failed at this size: only the counts are checked
        got.pop("output"), got.pop("macs")
    want = {k: model[k] for k in got}
    if want.get("macs") is None:
        got.pop("macs", None), want.pop("macs", None)
    if got != want:
        diff = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
        return "wrong", f"convcalc vs torch: {diff}"
    return "exact", ""


@lru_cache(maxsize=1)
def stated() -> dict[str, dict[str, str]]:
    """``--assume`` as a user would type it for each recorded model whose printed text leaves arguments open."""
    facts = json.loads(ASSUME.read_text(encoding="utf-8"))
    return {name: {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in f.items()}
            for name, f in facts.items()}


def _assumed_defaults(model: dict) -> bool:
    """Whether reading ``model`` with no ``--assume`` says what it assumed (a ``read with … (default)`` note)."""
    try:
        reading = torchrepr.read(model["text"], model["name"])
    except SpecError:
        return False
    return any("print(model) does not show" in note and "assumed (the library's defaults)" in note
               for _, note in reading.notes)


@lru_cache(maxsize=1)
def verdicts() -> dict[str, tuple[str, str]]:
    """Each model's verdict. A model whose printed text leaves constructor arguments open is judged as a user who
    states them (``--assume``) would see it: "exact" then; read with the defaults instead, its numbers must be
    torch's where the defaults are its arguments, and otherwise carry the note saying what was assumed
    ("assumed", never silently wrong)."""
    out = {}
    for m in reference()["models"]:
        key = f"{m['source']}:{m['name']}"
        try:
            given = stated().get(m["name"])  # torchvision's Swin and timm's ViTs (their names do not overlap)
            out[key] = judge(m, given)
            if given is not None and out[key][0] == "exact":
                plain = judge(m)
                if plain[0] == "wrong":
                    out[key] = ("exact", "with --assume") if _assumed_defaults(m) else plain
                elif plain[0] == "exact":
                    out[key] = ("exact", "")
        except Exception as exc:  # noqa: BLE001 - a bug: shown with the others
            out[key] = ("crash", f"{type(exc).__name__}: {exc}")
    return out


def fractions() -> str:
    by: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for m in reference()["models"]:
        status, detail = verdicts()[f"{m['source']}:{m['name']}"]
        for key in (m["source"], f"{m['source']}/{m['family']}", "all"):
            by[key][status] += 1
            by[key]["assume"] += detail == "with --assume"
            by[key]["counted"] += status == "refused" and detail.endswith("[params exact]")
    lines = []
    for key in sorted(by, key=lambda k: (k != "all", "/" in k, k)):
        c = by[key]
        n = sum(c.values())
        n -= c["assume"] + c["counted"]
        lines.append(f"{key:40} exact {c['exact']:4}/{n:<4} {100 * c['exact'] / n:5.1f}%  refused {c['refused']:3}"
                     + (f" (params exact {c['counted']})" if c["counted"] else "")
                     + (f"  (with --assume {c['assume']})" if c["assume"] else "")
                     + (f"  WRONG {c['wrong']}" if c["wrong"] else "") + (f"  EXIT-1 {c['invalid']}" if c["invalid"]
                                                                         else ""))
    return "\n".join(lines)


def test_every_printed_model_is_exact_or_refused_naming_a_class(capsys):
    bad = {k: v for k, v in verdicts().items() if v[0] not in ("exact", "refused")}
    with capsys.disabled():
        print("\n" + "\n".join(line for line in fractions().splitlines() if "/" not in line.split()[0]))
    assert not bad, "\n".join(f"{k}: {s}: {d}" for k, (s, d) in sorted(bad.items()))


def test_torchvision_classification_models_are_all_exact_or_refused_by_name():
    tv = {k: v for k, v in verdicts().items() if k.startswith("torchvision:")}
    assert len(tv) == 80
    assert all(status in ("exact", "refused") for status, _ in tv.values())


def test_exact_fractions_do_not_fall():
    """A floor under what is read exactly, so the vocabulary only grows. The issue asks for 95 %: 689/692 today, every
    torchvision model. What remains is refused by name: timm's CondConv EfficientNets (CondConv2d() prints none of
    its arguments). Constructor arguments print(model) does not show (ViT's register tokens, Swin's window size and
    heads, LeViT's key_dim, GCViT's windows, …) are stated with --assume as recorded in tests/data/repr_assume.json;
    read without them, the defaults are assumed and said, or the model is refused naming the key."""
    by_source: dict[str, list[str]] = collections.defaultdict(list)
    for key, (status, _) in verdicts().items():
        by_source[key.split(":")[0]].append(status)
        by_source["all"].append(status)
    fraction = {k: v.count("exact") / len(v) for k, v in by_source.items()}
    assert fraction["torchvision"] == 1, fraction  # all 80 (Swin: with --assume)
    assert fraction["all"] >= 0.99, fraction  # 689/692 on 2026-12-02 (595 that morning)


if __name__ == "__main__":
    print(fractions())
    for key, (status, detail) in sorted(verdicts().items()):
        if status != "exact":
            print(f"{status:8} {key:50} {detail[:300]}")
