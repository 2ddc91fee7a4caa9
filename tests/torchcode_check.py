"""Shared by the torchcode tests: run a model file in torch (the test may; convcalc never does) and compare
convcalc's static reading with what torch computes — parameters, buffers, output shapes and, per module,
output shapes."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import sys
import warnings
from pathlib import Path

from convcalc import analyze, from_data
from convcalc.readers import torchcode

MODELS = Path(__file__).parent / "data" / "models"

#: ``# convcalc: CHOICE @ 3x32x32`` — a model the file defines, read exactly
#: ``# convcalc-refuses: CHOICE @ 3x32x32 ~ regex`` — refused (exit 2) with a message matching regex
#: ``# convcalc-invalid: CHOICE @ 3x32x32 ~ regex`` — torch fails on it, and convcalc says invalid (exit 1)
CASE = re.compile(r"^#\s*convcalc(?P<refuse>-refuses|-invalid)?:\s*(?P<choice>.+?)\s*@\s*(?P<shape>[\dx]+)"
                  r"(?:\s*~\s*(?P<pattern>.+))?$", re.MULTILINE)


def cases(path: Path) -> list[tuple[str, tuple[int, ...], str, str | None]]:
    out = []
    for m in CASE.finditer(path.read_text()):
        choice = m["choice"].strip()
        if choice.startswith('"') and choice.endswith('"'):
            choice = choice[1:-1]
        shape = tuple(int(v) for v in m["shape"].split("x"))
        kind = {None: "exact", "-refuses": "refused", "-invalid": "invalid"}[m["refuse"]]
        out.append((choice, shape, kind, m["pattern"].strip() if m["pattern"] else None))
    return out


def load_module(path: Path):
    """Import a corpus file with torch (a test may run model code; convcalc never does)."""
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    name = f"_corpus_{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def torch_model(path: Path, choice: str):
    module = load_module(path)
    value = eval(choice, vars(module))
    if isinstance(value, type) or callable(value) and not hasattr(value, "forward"):
        value = value()
    return value


def torch_facts(model, shape: tuple[int, ...], batch: int = 2) -> dict:
    """What torch says: totals, output shapes, and each module's output shape at its first call."""
    import torch

    outputs: dict[str, tuple] = {}

    def record(name):
        def hook(module, inputs, output):
            if isinstance(output, torch.Tensor):
                outputs.setdefault(name, tuple(output.shape[1:]))
        return hook

    hooks = [m.register_forward_hook(record(n)) for n, m in model.named_modules() if n]
    model.eval()
    with torch.no_grad():
        result = model(torch.zeros(batch, *shape))
    for h in hooks:
        h.remove()
    results = result if isinstance(result, (tuple, list)) else [result]
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffers": sum(b.numel() for b in model.buffers()),
        "outputs": [tuple(r.shape[1:]) for r in results if isinstance(r, torch.Tensor)],
        "modules": outputs,
    }


def convcalc_report(path: Path, choice: str, shape: tuple[int, ...]):
    data, _ = torchcode.read_path(path, choice=choice, input_shape=shape)
    network = from_data(data, origin=str(path), input_shape=shape)
    return analyze(network), data


def compare(path: Path, choice: str, shape: tuple[int, ...]) -> list[str]:
    """Differences between convcalc's reading and torch (empty: exact)."""
    facts = torch_facts(torch_model(path, choice), shape)
    report, _ = convcalc_report(path, choice, shape)
    problems = []
    if not report.ok:
        return [f"convcalc says invalid: {report.errors[0].line}"]
    t = report.totals
    if t.params != facts["params"]:
        problems.append(f"params {t.params:,} != torch {facts['params']:,}")
    if t.trainable_params != facts["trainable"]:
        problems.append(f"trainable {t.trainable_params:,} != torch {facts['trainable']:,}")
    if t.buffers != facts["buffers"]:
        problems.append(f"buffers {t.buffers:,} != torch {facts['buffers']:,}")
    outs = [s for _, s in report.outputs]
    if outs != facts["outputs"]:
        problems.append(f"outputs {outs} != torch {facts['outputs']}")
    rows = {r.node: r for r in report.layers}
    for row in report.layers:  # a container reopened later in forward() is named blocks_1: blocks.3 is blocks_1.3
        rows.setdefault(_torch_name(row.node), row)
    missing = []
    for name, out in facts["modules"].items():
        row = rows.get(name)
        if row is None:
            missing.append(name)
        elif tuple(row.output_shape) != out:
            problems.append(f"{name}: {row.output_shape} != torch {out}")
    if missing:
        problems.append(f"no rows for the torch modules {missing[:5]}")
    return problems


def _torch_name(node: str) -> str:
    return ".".join(re.sub(r"_\d+$", "", part) for part in node.split("."))
