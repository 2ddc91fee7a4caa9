"""Hostile and unusual input ends in one clean line and exit 2 (or 1 where torch refuses), never a traceback
(issue 11's findings, each a regression test)."""

import json
import os
import subprocess
import sys

import pytest

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from typer.testing import CliRunner  # noqa: E402

from convcalc.cli import app  # noqa: E402

runner = CliRunner()


def cli(*args, **kwargs):
    result = runner.invoke(app, list(args), **kwargs)
    return result.exit_code, result.stdout + result.stderr


def proc(*args, stdin=None, env=None, **kwargs):
    """The real process: streams, encodings and exit codes as a shell sees them."""
    return subprocess.run([sys.executable, "-m", "convcalc", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, stdin=stdin, timeout=60, **kwargs)


def one_clean_error(code, output, expected_code=2):
    assert code == expected_code, output
    assert "Traceback" not in output and "internal error" not in output, output
    assert output.count("error:") == 1, output


def test_an_integer_of_5000_digits_in_json(tmp_path):
    spec = tmp_path / "big.json"
    spec.write_text('{"input": [1, 8, 8], "layers": [{"type": "conv2d", "out_channels": ' + "9" * 5000 +
                    ', "kernel_size": 3}]}')
    one_clean_error(*cli("shape", str(spec)))


@pytest.mark.parametrize("layers", ["conv2d(99999999999, 3)", "upsample(scale_factor=1e308)",
                                    "upsample(scale_factor=1e8), upsample(scale_factor=1e8)",
                                    "conv2d(4, 3, padding=10000000000)"])
def test_values_beyond_the_limit(layers):
    one_clean_error(*cli("shape", "--layers", layers, "--input", "1x8x8"))


def test_an_input_size_beyond_the_limit():
    one_clean_error(*cli("shape", "lenet", "--input", "1x" + "9" * 5000 + "x28"))


def test_min_input_without_spatial_dims():
    one_clean_error(*cli("check", "--layers", "linear(10)", "--input", "5", "--min-input"))


def test_instance_norm_on_one_position_is_refused_as_torch_does():
    code, output = cli("shape", "--layers", "instancenorm2d", "--input", "3x1x1")
    one_clean_error(code, output, expected_code=1)
    assert cli("shape", "--layers", "instancenorm2d(track_running_stats=True)", "--input", "3x1x1")[0] == 0


def test_the_json_contract_keeps_its_types_on_named_block_rows():
    data = json.loads(cli("shape", "googlenet", "--format", "json")[1].split("\nnote:")[0])
    for row in data["layers"]:
        for key in ("bias", "params", "weights", "buffers", "macs"):
            assert isinstance(row[key], int), (row["path"], key, row[key])
    inception = next(r for r in data["layers"] if r["type"] == "inception")
    assert inception["arguments"]["bias"] == "auto" and inception["arguments"]["ch1x1"] == 64


@pytest.mark.parametrize("text,column,what", [("conv2d(4, 3", 7, "'(' is never closed"),
                                              ("conv2d(4, 3))", 13, "')' closes nothing"),
                                              ("relu, [conv2d(4, 3)", 7, "'[' is never closed")])
def test_an_unbalanced_bracket_is_named_at_its_column(text, column, what):
    code, output = cli("shape", "--layers", text, "--input", "1x8x8")
    one_clean_error(code, output)
    assert f"at column {column}: {what}" in output


def test_from_with_a_built_in_model_is_refused():
    code, output = cli("shape", "googlenet", "--from", "toml")
    one_clean_error(code, output)


def test_a_usage_error_is_one_line():
    result = proc("shape", "--xyzzy")
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: No such option '--xyzzy'.",
                                          "hint: see the options with convcalc shape --help"]


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
def test_a_terminal_that_cannot_show_arrows(encoding):
    for args in (["--help"], ["shape", "--help"], ["params", "lenet"], ["shape", "googlenet"]):
        result = proc(*args, env={"PYTHONIOENCODING": encoding})
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    assert "1x28x28 -> 10" in proc("params", "lenet", env={"PYTHONIOENCODING": "ascii"}).stdout


def test_help_is_fast_whatever_columns_says():
    result = proc("--help", env={"COLUMNS": "99999999"}, )
    assert result.returncode == 0 and "Commands" in result.stdout


def test_a_closed_stdout():
    result = subprocess.run(f"{sys.executable} -m convcalc params lenet >&-", shell=True, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: cannot write the output: stdout is closed"


def test_a_full_disk():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    result = proc("params", "lenet", "-o", "/dev/full")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = subprocess.run(f"{sys.executable} -m convcalc params lenet > /dev/full", shell=True,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "error:" in result.stderr


def test_a_closed_stdin_reads_as_empty():
    result = subprocess.run(f"{sys.executable} -m convcalc params - <&-", shell=True, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "empty" in result.stderr


def test_a_reader_that_goes_away():
    result = subprocess.run(f"{sys.executable} -m convcalc params resnet50 | head -1", shell=True,
                            capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
