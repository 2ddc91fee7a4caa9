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


# -- found by fuzzing (tests/test_fuzz.py) ------------------------------------------------------------------------

@pytest.mark.parametrize("suffix,text", [
    (".yaml", "input: [1, 8, 8]\nlayers: [{type: conv2d, out_channels: " + "9" * 5000 + ", kernel_size: 3}]\n"),
    (".toml", 'input = [1, 8, 8]\nlayers = [{type = "conv2d", out_channels = ' + "9" * 5000 + ", kernel_size = 3}]\n"),
])
def test_an_integer_of_5000_digits_in_yaml_and_toml(tmp_path, suffix, text):
    spec = tmp_path / ("big" + suffix)
    spec.write_text(text)
    code, output = cli("shape", str(spec))
    one_clean_error(code, output)
    assert "limit of 4,300 digits" in output


def test_an_integer_of_5000_digits_inline():
    code, output = cli("shape", "--layers", "conv2d(" + "9" * 5000 + ", 3)", "--input", "1x8x8")
    one_clean_error(code, output)
    assert "limit of 4,300 digits" in output and "set_int_max_str_digits" not in output


BEYOND_A_FLOAT = "1" + "0" * 400  # past 1.8e308: formatting it as a float raised OverflowError (exit 70)


@pytest.mark.parametrize("args,stdin", [
    (["shape", "--layers", f"linear({BEYOND_A_FLOAT})", "--input", "1"], None),
    (["shape", "-"], '{"input": [1, 8, 8], "layers": [{"type": "conv2d", "out_channels": ' + BEYOND_A_FLOAT +
     ', "kernel_size": 3}]}'),
    (["shape", "-"], "input: [1, 8, 8]\nlayers: [{type: conv2d, out_channels: 0x" + "f" * 5000 + ", kernel_size: 3}]"),
    (["shape", "-", "--input", "3x8x8"], f"Sequential(\n  (0): Conv2d(3, {BEYOND_A_FLOAT}, kernel_size=(3, 3))\n)\n"),
    (["shape", "-", "--from", "pytorch-code", "--input", "3x8x8"],
     "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 10 ** 400, 3))\n"),
])
def test_an_integer_too_large_for_a_float(args, stdin):
    code, output = cli(*args, input=stdin)
    one_clean_error(code, output)
    assert "at most 1,000,000,000" in output


def test_check_names_a_network_without_a_name_in_a_word():
    code, output = cli("check", "--layers", "relu", "--input", "1x8x8")
    assert code == 0 and output.strip() == "ok: network: 1x8x8 → 1x8x8, 0 params, 0 MACs"  # not its repr


def test_a_message_quotes_a_long_input_shortly(tmp_path):
    spec = tmp_path / "big.json"
    spec.write_text('{"input": [1, 8, 8], "layers": [' + '"relu", ' * 200_000 + '"relu"]}')
    code, output = cli("shape", str(spec), "--from", "inline", "--input", "1x8x8")
    one_clean_error(code, output)
    assert max(len(line) for line in output.splitlines()) < 300  # not the 1.6 MB element it could not read


def test_a_huge_key_in_a_spec_file_is_quoted_shortly(tmp_path):
    """The long fuzz run's find (session 7): a top-level key of 4,108 nines was quoted whole, one stderr line of
    4,180 characters. Its beginning and end are quoted; an unknown argument of a layer's too; in Chinese too."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"input": [1, 28, 28], "9" * 4108: 1, "layers": ["relu"]}))
    code, output = cli("shape", str(spec))
    one_clean_error(code, output)
    assert "unknown top-level key '9999" in output and "…" + "9" * 11 + "'\n" in output, output
    assert max(len(line) for line in output.splitlines()) < 300, output
    spec.write_text(json.dumps({"input": [1, 28, 28], "layers": [{"type": "relu", "x" * 5000: 1}]}))
    code, output = cli("shape", str(spec))
    one_clean_error(code, output)
    assert "relu: unknown argument 'xxx" in output and max(len(line) for line in output.splitlines()) < 300
    code, output = cli("shape", str(spec), "--lang", "zh")
    one_clean_error(code, output.replace("错误:", "error:"))
    assert "未知的参数 'xxx" in output, output


def test_a_message_naming_a_huge_layer_name_stays_one_bounded_line(tmp_path):
    """Whatever a message quotes (here a layer's name of 20,000 characters, in an exit-1 refusal and in a
    warning), its line on stderr is shortened in the middle: the start names the element and the problem."""
    from convcalc.errors import MAX_MESSAGE

    name = "n" * 20_000
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"input": [3, 8, 8], "layers": [
        {"type": "conv2d", "name": name, "in_channels": 4, "out_channels": 8, "kernel_size": 3}]}))
    result = proc("shape", str(spec))
    assert result.returncode == 1 and result.stderr.count("\n") == 2, result.stderr[:500]  # error and hint
    line = result.stderr.splitlines()[0]
    assert line.startswith("error: layers[0] conv2d 'nnn") and "characters left out)…" in line
    assert len(line) <= MAX_MESSAGE + 60
    spec.write_text(json.dumps({"input": [3, 9, 9], "layers": [
        {"type": "conv2d", "name": name, "out_channels": 8, "kernel_size": 2, "stride": 2}]}))
    result = proc("shape", str(spec))
    assert result.returncode == 0 and max(map(len, result.stderr.splitlines())) <= MAX_MESSAGE + 60, result.stderr


def test_twenty_thousand_empty_blocks_in_a_row(tmp_path):
    """Each empty block's result is the one before's: resolving them waited block by block over all of them
    (minutes for 20,000; session 7). Now one pass: seconds, whatever the command."""
    spec = tmp_path / "empty.json"
    spec.write_text(json.dumps({"input": [3, 16, 16], "layers": [{"type": "conv2d", "out_channels": 2,
                                                                 "kernel_size": 3}]
                                + [{"type": "sequential", "layers": []}] * 20_000 + ["relu"]}))
    for args in (["params", str(spec), "--format", "json"], ["check", str(spec), "--min-input"]):
        result = proc(*args)  # (a 60 s timeout)
        assert result.returncode == 0, result.stderr[-500:]
    assert json.loads(proc("params", str(spec), "--format", "json").stdout)["output_shape"] == [2, 14, 14]


def test_thirty_thousand_nested_blocks_drawn_as_dot(tmp_path):
    """Finding each block's enclosing cluster looked at every block before it, and a collapsed block's at every
    block (session 7: 40 s for the DOT of 30,000 blocks, 80 s with --depth 1). Now one pass each."""
    spec = tmp_path / "nested.json"
    spec.write_text(json.dumps({"input": [3, 8, 8], "layers": [
        {"type": "sequential", "layers": [{"type": "sequential", "layers": ["relu"]}] * 10_000}] * 3}))
    for extra in ([], ["--depth", "1"]):
        result = proc("params", str(spec), "--format", "dot", *extra)  # (a 60 s timeout)
        assert result.returncode == 0 and result.stdout.startswith("digraph"), result.stderr[-500:]


def test_one_line_keeps_a_short_message_and_shortens_a_long_one():
    from convcalc.errors import one_line, shown

    assert one_line("layers[3] conv2d: kernel too large") == "layers[3] conv2d: kernel too large"
    text = "layers[0] conv2d 'a" + "x" * 10_000 + "': in_channels=4 but the previous layer gives 3 channels"
    short = one_line(text, limit=200)
    assert short.startswith("layers[0] conv2d 'axxx") and short.endswith("gives 3 channels") and len(short) < 240
    assert "(9," in short and "characters left out" in short
    assert shown("stride") == "'stride'" and shown(3) == "3"
    assert shown("k" * 100) == "'" + "k" * 43 + "…" + "k" * 11 + "'"


@pytest.mark.parametrize("budget", ["9" * 5000, "1e999999999"])
def test_a_budget_too_large_to_compute(budget):
    """A 5,000-digit budget raised ValueError in int() (exit 70); 1e999999999 computed 10**999999999 (a hang)."""
    code, output = cli("check", "lenet", "--max-params", budget)
    one_clean_error(code, output)
    assert "more than 30 digits" in output


def test_one_past_the_size_limit_is_said_in_full():
    code, output = cli("shape", "--layers", "linear(1000000001)", "--input", "1")
    one_clean_error(code, output)
    assert "got 1,000,000,001" in output  # not "got 1e+09", which reads as the limit itself


def test_yaml_aliases_are_walked_once(tmp_path):
    """Each level four copies of the one before: the nesting check walks what was read, not its expansion."""
    lines = ["a0: &a0 [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]"]
    for i in range(1, 16):
        block = f"{{type: sequential, layers: *a{i - 1}}}"
        lines.append(f"a{i}: &a{i} [{block}, {block}, {block}, {block}]")
    spec = tmp_path / "bomb.yaml"
    spec.write_text("\n".join(lines + ["input: [1, 8, 8]", "layers: *a15"]))
    code, output = cli("shape", str(spec))
    one_clean_error(code, output)  # the unknown keys a0…a15, or the layer count: not a hang
    (tmp_path / "cycle.yaml").write_text("input: [1, 8, 8]\nlayers: &a [relu, *a]\n")
    code, output = cli("shape", str(tmp_path / "cycle.yaml"))
    one_clean_error(code, output)
    assert "nested more than 400 levels" in output


def test_a_file_is_not_read_past_the_size_limit(tmp_path):
    big = tmp_path / "big.py"
    big.write_bytes(b"import torch.nn as nn\n" + b"#" * (33 * 2 ** 20))
    code, output = cli("shape", str(big), "--input", "1x8x8")
    one_clean_error(code, output)
    assert "32 MiB" in output


def test_read_stream_reads_bytes_as_utf8_and_bounded():
    """readers.read_stream(sys.stdin): what the CLI should read stdin with (see the xfails below)."""
    import io

    from convcalc.errors import SpecError
    from convcalc.readers import MAX_FILE_BYTES, read_stream

    ascii_terminal = io.TextIOWrapper(io.BytesIO("conv2d(4, 3, name=é)".encode()), encoding="ascii")
    assert read_stream(ascii_terminal) == "conv2d(4, 3, name=é)"
    with pytest.raises(SpecError, match="not a UTF-8 text"):
        read_stream(io.TextIOWrapper(io.BytesIO(b"relu \xff"), encoding="utf-8"))
    with pytest.raises(SpecError, match="32 MiB"):
        read_stream(io.TextIOWrapper(io.BytesIO(b" " * (MAX_FILE_BYTES + 1))))
    assert read_stream(None) == ""


# Found by fuzzing (tests/test_fuzz.py), fixed since.

@pytest.mark.parametrize("args", ["--help", "shape --help", "--version"])
def test_help_and_version_on_a_full_disk(args):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    result = subprocess.run(f"{sys.executable} -m convcalc {args} > /dev/full", shell=True, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-500:]


@pytest.mark.parametrize("encoding", ["ascii"])
def test_stdin_that_the_terminal_encoding_cannot_decode(encoding):
    result = proc("shape", "-", "--input", "1x8x8", input="conv2d(4, 3, name=é)",
                  env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-500:]


def test_endless_stdin():
    result = subprocess.run(f"ulimit -v 2000000; yes relu, | {sys.executable} -m convcalc shape - --input 1x8x8",
                            shell=True, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "32 MiB" in result.stderr, result.stderr[-500:]


@pytest.mark.parametrize("text", ["[" * 100_000, "Sequential(\n  (0): Conv2d(" + "9" * 20_000 + ", 3, kernel_size=(3, 3))\n)\n"])
def test_print_model_text_is_quoted_shortly(text):
    code, output = cli("shape", "-", "--from", "pytorch-repr", "--input", "3x8x8", input=text)
    one_clean_error(code, output)
    assert max(len(line) for line in output.splitlines()) < 1000


def test_utf16_text_with_its_byte_order_mark_is_read():
    from convcalc.readers import decode

    assert decode("conv2d(4, 3, name=é)".encode("utf-16"), "<stdin>") == "conv2d(4, 3, name=é)"


def test_a_repeat_count_in_print_model_text_is_bounded_before_it_is_expanded():
    text = ("Sequential(\n  (0-99999999): 100000000 x Sequential(\n    (0): Conv2d(3, 3, kernel_size=(1, 1), "
            "stride=(1, 1))\n  )\n)\n")
    result = subprocess.run(f"ulimit -v 600000; {sys.executable} -m convcalc shape - --from pytorch-repr --input "
                            "3x8x8", shell=True, input=text, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "100,000 modules" in result.stderr, result.stderr[-500:]


def test_corr2d_values_past_a_floats_range():
    """A fuzz finding (exit 70: OverflowError): a terminating decimal past 1e308 was written through a float.
    Kernel [[1e308, 1e308]] on 0..8 with bias 0.5: the first output is 1e308·(0 + 1) + 0.5, exactly."""
    code, out = cli("corr2d", "0 1 2; 3 4 5; 6 7 8", "[[1e308, 1e308]]", "--bias", "0.5")
    assert code == 0, out
    assert "1" + "0" * 308 + ".5" in out
    code, out = cli("corr2d", "0 1 2; 3 4 5; 6 7 8", "[[1e308, 1e308]]", "--bias", "0.5", "--json")
    assert code == 2 and "Traceback" not in out and "internal error" not in out
    assert "beyond the range of a JSON number" in out and "3e+308" in out  # 1e308·(1 + 2) + 0.5, to 6 digits
    code, out = cli("pool", "1 2; 3 5", "--kernel", "2", "--mode", "avg")
    assert code == 0 and "2.75" in out  # (1 + 2 + 3 + 5) / 4: the ordinary case unchanged
