"""Model files as people write them, read statically and compared with what torch computes.

* tests/data/models/: files in the styles the issue lists (kuangliu's CIFAR zoo, torchvision's ResNet,
  milesial's U-Net, d2l, FPNs, gates, shuffles, 1-D/3-D …). Each ``# convcalc: CHOICE @ SHAPE`` line is a model
  the file defines; the test imports the file WITH torch (a test may run model code; convcalc never does) and
  requires torch's parameters, trainable parameters, buffers, output shapes and every module's output shape.
  ``# convcalc-refuses:`` lines must be refused (exit 2) with the message given, naming file:line:col;
  ``# convcalc-invalid:`` lines are models torch refuses, which convcalc must call invalid (exit 1).
* tests/data/hostile/: files that would write files, shell out, loop forever or exhaust memory if run: each
  ends in exit 2 within the bounds, and nothing is written.
* random model code (:mod:`torchcode_random`), compared with torch over many seeds.
"""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from convcalc.errors import SpecError

from .torchcode_check import MODELS, cases, compare, convcalc_report, torch_model
from .torchcode_random import random_model

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

HOSTILE = Path(__file__).parent / "data" / "hostile"
CASES = [(path, *case) for path in sorted(MODELS.rglob("*.py")) for case in cases(path)]


def _torch():
    import warnings

    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    return pytest.importorskip("torch")


@pytest.mark.parametrize("path,choice,shape,kind,pattern", CASES,
                         ids=[f"{p.stem}:{c[:40]}" for p, c, *_ in CASES])
def test_corpus_model(path, choice, shape, kind, pattern):
    if kind == "refused":
        with pytest.raises(SpecError) as info:
            convcalc_report(path, choice, shape)
        assert re.search(pattern, str(info.value)), str(info.value)
        assert re.search(rf"{re.escape(path.name)}(:\d+:\d+)?: ", str(info.value)), "no file:line:col"
        return
    _torch()
    if kind == "invalid":
        with pytest.raises(RuntimeError):
            import torch

            torch_model(path, choice).eval()(torch.zeros(2, *shape))
        report, _ = convcalc_report(path, choice, shape)
        assert not report.ok and re.search(pattern, report.errors[0].line), [d.line for d in report.errors]
        return
    assert compare(path, choice, shape) == []


def test_the_corpus_covers_every_style_and_is_read_exactly():
    """Each style the issue lists appears; at least 90 % of the corpus' models are read exactly (the rest are
    refused with a named line, or invalid as torch says)."""
    text = "\n".join(p.read_text() for p in MODELS.rglob("*.py"))
    for style, pattern in {
        "loops": r"for .* in ", "_make_layer": r"def _make_layer", "cfg tables": r"cfg = [\[{]",
        "factory functions": r"def \w+\(\):\n\s+return \w+\(", "classes as arguments": r"\(block, ",
        "**kwargs": r"\*\*kwargs", "residual": r"\+= ?(identity|shortcut|self\.shortcut)", "concat": r"torch\.cat",
        "SE gate": r"\* w\b|\* torch\.sigmoid|\* s\.", "U-Net": r"class UNet", "channel shuffle": r"transpose\(x, 1, 2\)",
        "interpolate": r"F\.interpolate", "partial": r"partial\(nn\.", "ModuleDict": r"nn\.ModuleDict",
        "shared module": r"self\.tower\(", "chunk": r"\.chunk\(", "slicing": r"x\[:, :",
    }.items():
        assert re.search(pattern, text), style
    exact = sum(1 for *_, kind, _ in CASES if kind == "exact")
    assert len(CASES) >= 40 and exact / len(CASES) >= 0.8


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*.py")), ids=lambda p: p.stem)
def test_hostile_code_never_runs(path, tmp_path, monkeypatch):
    from convcalc.cli import app

    monkeypatch.chdir(tmp_path)
    expect = re.search(r"^# expect: (.+)$", path.read_text(), re.MULTILINE)[1]
    start = time.monotonic()
    result = CliRunner().invoke(app, ["params", str(path), "--input", "4"])
    elapsed = time.monotonic() - start
    assert result.exit_code == 2, result.output
    assert re.search(expect, result.stderr), result.stderr
    assert list(tmp_path.iterdir()) == [], "something was written"
    assert not Path("convcalc_was_here.txt").exists()
    assert elapsed < 60


@pytest.mark.parametrize("seed", range(40))
def test_random_model_code_matches_torch(seed, tmp_path):
    _torch()
    code, choice, shape = random_model(random.Random(seed))
    path = tmp_path / "model.py"
    path.write_text(code)
    assert compare(path, choice, shape) == [], code
