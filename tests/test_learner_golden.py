"""Golden output of what a learner reads — --explain, corr2d/pool --explain, solve, errors, warnings and
hints — in English and in Chinese (--lang zh, LANG=zh_CN.UTF-8).

The goldens are tests/golden/learner/<case>.<lang>.txt; ``CONVCALC_REGEN_GOLDEN=1 pytest
tests/test_learner_golden.py`` rewrites them (then read the diff).
"""

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from convcalc.cli import app  # noqa: E402

GOLDEN = Path(__file__).parent / "golden" / "learner"
runner = CliRunner()

#: case → the command; "explain" cases print each row's --explain working (not the table, whose layout is
#: the table renderer's business), the others stdout and stderr as they are
CASES = {
    "lenet-params": ["params", "lenet"],
    "d2l-padding-stride": ["shape", "--layers", "nn.Conv2d(1, 1, kernel_size=3, padding=1, stride=2), "
                                                "nn.MaxPool2d(2), nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1))",
                           "--input", "1x8x8"],
    "skips-and-merges": ["shape", "--layers", "conv2d(8, 1, stride=3), concat([conv2d(4, 1)], [maxpool2d(3, 1, 1)]), "
                                              "add([conv2d(12, 3, padding=1)]), adaptiveavgpool2d(1), flatten, "
                                              "linear(10)", "--input", "3x32x32"],
    "receptive-field": ["rf", "--layers", "conv2d(1, 2), conv2d(1, 2)", "--input", "1x3x3"],
    "corr2d-multi-in": ["corr2d", "0 1 2; 3 4 5; 6 7 8 | 1 2 3; 4 5 6; 7 8 9", "0 1; 2 3 | 1 2; 3 4", "--explain"],
    "pool-avg-padded": ["pool", "torch.arange(16).reshape(4, 4)", "--kernel", "3", "--padding", "1", "--stride", "2",
                        "--mode", "avg", "--explain"],
    "pool-default-stride": ["pool", "0 1 2; 3 4 5; 6 7 8", "--kernel", "2"],
    "solve-8-to-4": ["solve", "--in", "8", "--out", "4", "--kernel", "3"],
    "solve-even-kernel": ["solve", "--in", "8", "--keep", "--kernel", "4"],
    "error-kernel-too-large": ["shape", "--layers", "conv2d(4, 9)", "--input", "1x8x8"],
    "error-torch-order": ["shape", "--layers", "conv2d(1, 6, 5)", "--input", "1x28x28"],
    "error-channels": ["shape", "--layers", "Conv2d(3, 6, 5)", "--input", "1x28x28"],
    "warning-inexact": ["shape", "--layers", "conv2d(6, 5, stride=2), conv2d(6, 3, stride=2, padding=1), linear(10)",
                        "--input", "8x28x28"],
}
EXPLAIN = {"lenet-params", "d2l-padding-stride", "skips-and-merges", "receptive-field"}


def render(case: str, lang: str, monkeypatch) -> str:
    args = list(CASES[case])
    if lang == "zh":
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # the locale picks Chinese …
        monkeypatch.delenv("CONVCALC_LANG", raising=False)
    if case in EXPLAIN:
        args += ["--explain", "--json"]
    if lang == "zh" and case.startswith("solve"):
        args += ["--lang", "zh"]  # … and so does --lang
    result = runner.invoke(app, args)
    if case in EXPLAIN:
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["layers"]
        lines = [f"{r['path']} {key}: {text}" for r in rows for key, text in (r.get("explain") or {}).items()]
        return "\n".join(lines) + "\n"
    if args[0] in ("shape", "params", "rf"):  # the table is the renderer's: only the messages here
        return f"exit {result.exit_code}\n--- stderr\n{result.stderr}"
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case, lang, monkeypatch):
    text = render(case, lang, monkeypatch)
    path = GOLDEN / f"{case}.{lang}.txt"
    if os.environ.get("CONVCALC_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_chinese_is_the_same_arithmetic(case, monkeypatch):
    """Only words change: the same numbers, in the same order."""
    def numbers(text):
        return re.findall(r"\d+(?:[.,]\d+)*", re.sub(r"layers\[\d+\]|\[[a-z-]+\]|[×x]", " ", text))

    en = render(case, "en", monkeypatch)
    zh = render(case, "zh", monkeypatch)
    assert zh != en
    assert numbers(en) == numbers(zh)


def test_english_stays_the_default(monkeypatch):
    for var in ("CONVCALC_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert runner.invoke(app, ["solve", "--in", "8", "--out", "4", "--kernel", "3"]).stdout.startswith("kernel")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert runner.invoke(app, ["solve", "--in", "8", "--out", "4", "--kernel", "3", "--lang", "en"]).stdout.startswith(
        "kernel")
    # --lang does not stick to the next command of the same process
    assert runner.invoke(app, ["solve", "--in", "8", "--out", "4", "--kernel", "3"]).stdout.startswith("卷积核")
    monkeypatch.setenv("LANG", "C")
    assert runner.invoke(app, ["solve", "--in", "8", "--out", "4", "--kernel", "3"]).stdout.startswith("kernel")
    assert runner.invoke(app, ["solve", "--in", "8", "--out", "4", "--lang", "fr"]).exit_code == 2
