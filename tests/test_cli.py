"""The command line: exit codes, one-line errors on stderr, the JSON contract, every format and command."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")
os.environ.setdefault("NO_COLOR", "1")

from convcalc.cli import app  # noqa: E402

runner = CliRunner()

LENET_INLINE = ("conv2d(6, 5, padding=2), sigmoid, avgpool2d(2), conv2d(16, 5), sigmoid, avgpool2d(2), flatten, "
                "linear(120), sigmoid, linear(84), sigmoid, linear(10)")


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_params_lenet_table():
    result = invoke("params", "lenet")
    assert result.exit_code == 0, result.output
    assert "61,706" in result.stdout
    assert "48,120" in result.stdout
    assert "3,687,936" in result.stdout  # the dense comparison of C1
    assert "…" not in result.stdout  # nothing truncated when piped


def test_shape_inline_example_from_the_readme():
    result = invoke("shape", "--layers", "conv2d(6, 5, padding=2), avgpool2d(2)", "--input", "1x28x28")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("1 ") and "6x14x14" in line for line in lines)  # rows are named by node id


def test_json_contract():
    result = invoke("params", "lenet", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["schema"] == "convcalc.report/2"  # /2 keeps every /1 field with its meaning
    assert report["name"] == "lenet"
    assert report["input_shape"] == [1, 28, 28]
    assert report["output_shape"] == [10]
    assert report["batch"] == 1 and report["ok"] is True
    assert report["totals"] == {"params": 61706, "trainable_params": 61706, "non_trainable_params": 0, "buffers": 0,
                                "macs": 416520, "param_bytes": 246824, "connections": 423038,
                                "aux_params": 0, "activations": 15002}
    first = report["layers"][0]
    for key in ("path", "name", "type", "input_shape", "output_shape", "params", "trainable_params", "weight_shape",
                "macs", "fc_params", "receptive_field", "jump", "start"):
        assert key in first
    assert first["path"] == "layers[0]" and first["weight_shape"] == [6, 1, 5, 5] and first["fc_params"] == 3687936
    assert report["diagnostics"] == []
    # /2: the graph — each row's node id and the refs it reads; the network's inputs and outputs
    assert first["node"] == "C1" and first["inputs"] == ["input"] and first["shared_with"] is None
    assert [r["inputs"] for r in report["layers"][1:3]] == [["C1"], ["1"]]
    assert report["inputs"] == [{"name": "input", "shape": [1, 28, 28]}]
    assert report["outputs"] == [{"name": report["layers"][-1]["node"], "shape": [10]}]
    assert [r["is_output"] for r in report["layers"]].count(True) == 1 and report["layers"][-1]["is_output"]


def test_every_analysis_command_prints_the_same_json():
    outputs = {cmd: json.loads(invoke(cmd, "lenet", "--format", "json").stdout) for cmd in ("shape", "params", "rf")}
    assert outputs["shape"] == outputs["params"] == outputs["rf"]


def test_csv_and_markdown():
    result = invoke("params", "lenet", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["params"] == "156" and rows[0]["weight-shape"] == "6x1x5x5"
    assert (rows[0]["node"], rows[0]["name"], rows[0]["type"]) == ("C1", "C1", "conv2d")
    assert rows[-1]["node"] == "total" and rows[-1]["params"] == "61706"
    assert sum(int(r["params"]) for r in rows[:-1]) == 61706
    md = invoke("shape", "lenet", "--format", "markdown").stdout
    assert "| layer | type | kernel |" in md
    assert "| C1 | conv2d | 5x5 | 1x1 | 2x2 | 1x1 | 1x28x28 | 6x28x28 |" in md


def test_batch_scales_macs():
    one = json.loads(invoke("params", "lenet", "--json").stdout)
    eight = json.loads(invoke("params", "lenet", "--json", "--batch", "8").stdout)
    assert eight["batch"] == 8
    assert eight["totals"]["macs"] == 8 * one["totals"]["macs"]


def test_input_overrides_the_spec():
    result = invoke("shape", "lenet", "--input", "1x32x32", "--json")
    assert json.loads(result.stdout)["layers"][6]["output_shape"] == [576]


def test_invalid_network_exits_1_with_one_line():
    result = invoke("shape", "--layers", "conv2d(4, 9)", "--input", "1x8x8")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: layers[0] conv2d: kernel 9x9 is larger than the padded input 8x8",
        "hint: use a smaller kernel, more padding, or a larger input"]


def test_invalid_network_with_json_prints_the_report_and_exits_1():
    result = invoke("shape", "--layers", "conv2d(4, 3), Conv2d(8, 4, 3)", "--input", "1x8x8", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["output_shape"] is None
    assert report["diagnostics"][0] == {"severity": "error", "path": "layers[1]",
                                        "message": "conv2d: in_channels=8 but the previous layer gives 4 channels",
                                        "hint": "set in_channels=4"}


@pytest.mark.parametrize("args,message", [
    (["shape", "nosuchmodel"], "error: no spec file or built-in model named 'nosuchmodel'"),
    (["shape", "lenett"], "error: no spec file or built-in model named 'lenett'"),
    (["shape", "missing.yaml"], "error: missing.yaml: no such file"),
    (["shape", "--layers", "conv2d(6, 5"], "error: --layers: cannot parse the text at column"),
    (["shape", "--layers", "conv2d(6, 5)"], "error: --layers needs --input"),
    (["shape", "--layers", "conv2d(6, 5)", "--input", "1xAx3"], "error: --input: cannot read the shape '1xAx3'"),
    (["shape", "--layers", "conv2d(6, 5.5)", "--input", "1x8x8"],
     "error: layers[0] conv2d: kernel_size must be an integer, got the float 5.5"),
    (["shape", "--layers", "conv2d(6, 5), rleu", "--input", "1x8x8"], "error: layers[1] unknown layer type 'rleu'"),
    (["shape"], "error: no model given"),
    (["shape", "lenet", "--layers", "relu"], "error: give either MODEL or --layers, not both"),
])
def test_unusable_input_exits_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0].startswith(message)
    assert "Traceback" not in result.output


def test_did_you_mean_for_builtin_names():
    result = invoke("params", "lenett")
    assert result.stderr.splitlines()[1] == "hint: did you mean 'lenet'?"


def test_stdin_and_files(tmp_path):
    spec = '{"input": [1, 28, 28], "layers": [{"type": "conv2d", "out_channels": 6, "kernel_size": 5}]}'
    result = invoke("shape", "-", "--json", input=spec)
    assert json.loads(result.stdout)["output_shape"] == [6, 24, 24]
    yaml_spec = tmp_path / "m.yml"
    yaml_spec.write_text("input: 1x28x28\nlayers:\n  - {type: conv2d, out_channels: 6, kernel_size: 5}\n")
    assert json.loads(invoke("shape", str(yaml_spec), "--json").stdout)["output_shape"] == [6, 24, 24]
    result = invoke("shape", "-", input="input: 1x28x28\nlayers: [{type: conv2d, out_channel: 6, kernel_size: 5}]\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: layers[0] conv2d: unknown argument 'out_channel'",
                                          "hint: did you mean 'out_channels'?"]


def test_warnings_go_to_stderr_and_strict_fails():
    args = ["shape", "--layers", "conv2d(4, 5, stride=2)", "--input", "1x28x28"]
    result = invoke(*args)
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: layers[0] conv2d: the last 1 row and 1 column")
    assert invoke(*args, "--strict").exit_code == 1


def test_check_passes_and_fails_on_budgets():
    ok = invoke("check", "lenet")
    assert ok.exit_code == 0
    assert ok.stdout == "ok: lenet: 1x28x28 → 10, 61,706 params, 416,520 MACs\n"
    over = invoke("check", "lenet", "--max-params", "50000")
    assert over.exit_code == 1
    assert over.stderr == "error: lenet has 61,706 parameters, over --max-params 50,000\n"
    assert invoke("check", "lenet", "--max-params", "61706", "--expect-output", "10").exit_code == 0
    wrong = invoke("check", "lenet", "--expect-output", "1x10")
    assert wrong.exit_code == 1
    assert wrong.stderr == "error: lenet outputs 10, expected 1x10\n"
    as_json = json.loads(invoke("check", "lenet", "--max-params", "1", "--json").stdout)
    assert as_json["ok"] is False and as_json["diagnostics"][-1]["message"].startswith("lenet has 61,706")


def test_list():
    result = invoke("list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert {"lenet", "lenet5", "googlenet"} <= set(names)
    types = invoke("list", "--types").stdout
    assert ("conv2d (conv): conv2d(out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, "
            "padding_mode='zeros', *, connections=None) · Conv2d(in_channels, out_channels, kernel_size, …)") in types


def test_every_command_has_help():
    for name in ("shape", "params", "rf", "check", "list"):
        result = invoke(name, "--help")
        assert result.exit_code == 0
        assert "Example: convcalc" in result.stdout


def test_depth_hides_nested_rows():
    args = ["params", "--layers", "add([conv2d(4, 3, padding=1), relu])", "--input", "4x8x8", "--format", "csv"]
    assert len(invoke(*args).stdout.splitlines()) == 5  # header, 3 rows, total
    assert len(invoke(*args, "--depth", "0").stdout.splitlines()) == 3


def run_process(*args, env=None):
    return subprocess.run([sys.executable, "-m", "convcalc", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60)


def test_import_convcalc_loads_neither_typer_nor_rich():
    code = "import sys, convcalc; print(sorted(m for m in ('typer', 'rich', 'click', 'yaml') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


def test_json_output_does_not_import_rich():
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "convcalc", "params", "--layers", "conv2d(6, 5)",
                             "--input", "1x28x28", "--json"], capture_output=True, text=True)
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "convcalc.report" in imported
    assert not any(name == "rich" or name.startswith("rich.") for name in imported)


def test_the_real_process_never_prints_a_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"input": [1, 8, 8], "layers": [{"type": "conv2d", "out_channels": 4, "kernel_size": 9}]}')
    result = run_process("shape", str(bad))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "error: layers[0] conv2d: kernel 9x9 is larger than the padded input 8x8"
    assert "Traceback" not in result.stderr


def test_convention_option_and_comparison():
    strided_same = ["shape", "--layers", "conv2d(8, 3, stride=2, padding=same)", "--input", "3x28x28"]
    assert invoke(*strided_same).exit_code == 1
    tf = json.loads(invoke(*strided_same, "--convention", "tf", "--json").stdout)
    assert tf["convention"] == "tf" and tf["output_shape"] == [8, 14, 14]
    result = invoke("shape", "--layers", "maxpool2d(3, 2)", "--input", "8x14x14", "--compare-conventions")
    assert "other conventions" in result.stdout and "caffe 8x7x7" in result.stdout
    as_json = json.loads(invoke("shape", "--layers", "maxpool2d(3, 2)", "--input", "8x14x14",
                                "--compare-conventions", "--json").stdout)
    assert as_json["layers"][0]["other_conventions"] == {"caffe": [8, 7, 7]}
    plain = invoke("shape", "--layers", "maxpool2d(3, 2)", "--input", "8x14x14")
    assert "other conventions" not in plain.stdout


def test_explain_adds_a_working_column():
    result = invoke("shape", "lenet", "--explain", "--wide")  # --wide: the working is not folded
    assert "(28 + 2·2 − 5)/1 + 1 = 28" in result.stdout
    report = json.loads(invoke("params", "lenet", "--explain", "--json").stdout)
    assert report["layers"][0]["explain"]["params"].startswith("per filter C·FH·FW = 1·5·5 = 25 weights; "
                                                               "in all C·FH·FW·FN + FN = 1·5·5·6 + 6 = 156")
    assert "working" not in invoke("shape", "lenet").stdout


def test_solve_command():
    result = invoke("solve", "--in", "224", "--out", "112", "--kernel", "7")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].split() == ["7", "2", "3", "1", "no"]
    solutions = json.loads(invoke("solve", "--in", "28", "--keep", "--json").stdout)["solutions"]
    assert {(s["kernel_size"], s["padding"]) for s in solutions} == {(1, 0), (3, 1), (5, 2), (7, 3), (9, 4), (11, 5)}
    none = invoke("solve", "--in", "4", "--out", "9", "--kernel", "1", "--padding", "0")
    assert none.exit_code == 1 and none.stderr.startswith("error: no setting within bounds maps 4 to 9")


def test_check_min_input_lists_exact_sizes():
    result = invoke("check", "vgg16", "--min-input")
    lines = result.stdout.splitlines()
    assert lines[1].startswith("smallest input: 3x32x32 (3x31x31 fails: layers[0].layers[30] maxpool2d")
    assert lines[2] == "exact divisions at every layer for sizes 32–448: 32, 64, 96, 128, 160, 192, 224, 256, … (every 32)"


def test_compare_two_inputs_and_one_layer():
    result = invoke("compare", "lenet", "--input-b", "1x32x32", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    flatten = next(r for r in rows if r["layer"] == "6")
    assert (flatten["output 1x28x28"], flatten["output 1x32x32"], flatten["differs"]) == ("400", "576", "*")
    assert rows[-1]["params 1x28x28"] == "61706"  # CSV: no separators
    layer = invoke("compare", "--layer", "conv2d(64, 3, padding=1)", "--input", "3x224x224")
    assert "483,385,147,392 weights" in layer.stdout
    assert "one dense layer 3→64 applied at each of the 50,176 positions" in layer.stdout


def test_output_file(tmp_path):
    target = tmp_path / "lenet.md"
    result = invoke("params", "lenet", "--format", "markdown", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text().startswith("**lenet**")


BROKEN_REPR = """Sequential(
  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (1): ReLU()
  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (3): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (4): ReLU()
  (5): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (6): Flatten(start_dim=1, end_dim=-1)
  (7): Linear(in_features=400, out_features=120, bias=True)
)
"""


def test_pasted_print_model_names_the_broken_layer_and_the_fix():
    result = invoke("shape", "-", "--input", "1x28x28", input=BROKEN_REPR)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: layers[7] linear: in_features=400 but receives 256 features",
                                          "hint: set in_features=256"]
    fixed = invoke("shape", "-", "--input", "1x32x32", "--json", input=BROKEN_REPR)
    assert json.loads(fixed.stdout)["output_shape"] == [120]


def test_pytorch_code_file_and_forced_format(tmp_path):
    code = tmp_path / "model.py"
    code.write_text("import torch.nn as nn\nmodel = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), "
                    "nn.Flatten(), nn.Linear(6 * 28 * 28, 10))\n")
    report = json.loads(invoke("params", str(code), "--input", "1x28x28", "--json").stdout)
    assert report["ok"] and report["totals"]["params"] == 156 + 4704 * 10 + 10
    inline = tmp_path / "layers.txt"
    inline.write_text("conv2d(6, 5), relu, flatten")
    assert json.loads(invoke("shape", str(inline), "--from", "inline", "--input", "1x28x28", "--json").stdout)[
        "output_shape"] == [3456]


def test_review_fixes():
    # the largest receptive field, not the last known one
    rf = invoke("rf", "--layers", "concat([conv2d(8, 5, padding=2)], [conv2d(8, 1, stride=2), convtranspose2d(8, 2, stride=2)]), "
                "conv2d(4, 3)", "--input", "3x16x16")
    assert "largest receptive field 5x5 (jump 1x1) at 0.0.0" in rf.stdout
    # CSV carries plain numbers
    rows = list(csv.DictReader(io.StringIO(invoke("params", "lenet", "-f", "csv").stdout)))
    assert (rows[0]["share"], rows[0]["dense-ratio"]) == ("0.25", "24586.2")  # 156/61,706; 3,687,936/150
    # inline layers on stdin are detected
    assert json.loads(invoke("shape", "-", "--input", "1x28x28", "--json", input="conv2d(6, 5), relu").stdout)[
        "output_shape"] == [6, 24, 24]
    assert invoke("shape", "-", input="").stderr.startswith("error: <stdin>: empty")
    assert invoke("shape", "--layers", "conv2d(6, 3", "--input", "3x8x8").stderr.startswith(
        "error: --layers: cannot parse the text at column 7: '(' is never closed")
    # a stem that drops only padding is one note, and --strict lets it pass
    stem = ["check", "--layers", "conv2d(64, 7, stride=2, padding=3)", "--input", "3x224x224", "--strict"]
    result = invoke(*stem)
    assert result.exit_code == 0
    assert result.stderr == ("note: 1 layer (layers[0]) leaves rows of padding uncovered, no input pixel "
                             "(--format json lists them)\n")
    upsample = invoke("solve", "--in", "7", "--out", "14", "--kernel", "1", "--padding", "0")
    assert upsample.stderr.splitlines()[1].startswith("hint: upsampling needs a transposed conv")
    assert "inception (named block): inception(ch1x1, " in invoke("list", "--types").stdout
    assert "hint: add flatten before it and set in_features=64 (or in_features=4 for the last dim)" in invoke(
        "shape", "--layers", "conv2d(4, 3, stride=2, padding=1), Linear(60, 10)", "--input", "3x8x8").stderr


@pytest.mark.parametrize("command", ["shape", "params", "rf"])
def test_every_view_with_explain_on_a_model_with_blocks(command):
    result = invoke(command, "googlenet-torchvision", "--explain", "--aux", "--compare-conventions"
                    if command == "shape" else "--batch", *([] if command == "shape" else ["2"]))
    assert result.exit_code == 0, result.output
