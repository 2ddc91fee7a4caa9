"""Every limit the README's "Limits" section documents is the one enforced: the number in the README is the
constant in the code, one past it is a clean exit-2 error naming the limit, and (where it is cheap) the limit
itself is accepted."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from typer.testing import CliRunner  # noqa: E402

from convcalc import build, memory, numeric, solve, values  # noqa: E402
from convcalc.cli import app  # noqa: E402
from convcalc.readers import spec  # noqa: E402
from convcalc.readers.torchcode import limits as code_limits  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def cli(*args: str, input: str | bytes | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout + result.stderr


def refused(code_output: tuple[int, str], *named: str) -> str:
    """Exit 2, one error line naming the limit (each of ``named`` in it), no traceback."""
    code, output = code_output
    assert code == 2, output[-2000:]
    assert "Traceback" not in output and "internal error" not in output, output[-2000:]
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, output[-2000:]
    for word in named:
        assert word in errors[0], errors[0]
    return errors[0]


def accepted(code_output: tuple[int, str], *not_named: str) -> None:
    """Not refused for the limit: exit 0, or at least no error naming it."""
    _, output = code_output
    assert "Traceback" not in output and "internal error" not in output, output[-2000:]
    for word in not_named:
        assert word not in output, output[-2000:]


# -- the README's numbers -------------------------------------------------------------------------------------

def _limits_table() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Limits", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---") and not line.startswith("| limit "):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells[1]
    return rows


def _numbers(cell: str) -> set[int]:
    return {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", cell)}


#: README row (its first cell) → the constants its value cell states
DOCUMENTED = {
    "size of one input text: a spec, model code, print(model) text, stdin": [spec.MAX_FILE_BYTES,
                                                                            spec.MAX_FILE_BYTES // 2 ** 20],
    "nesting of lists and mappings in a JSON, YAML or TOML spec": [spec.MAX_NESTING],
    "digits of one integer in a spec or `--layers`": [spec.MAX_INT_DIGITS],
    "every size, count and factor: channels, kernel, stride, padding, dilation, groups, features, input and "
    "output dims, batch, scale factors": [values.LIMIT, build.MAX_SIZE],
    "dims of `--input`": [5, 3],
    "layers and blocks in one network (named blocks and `repeat:` expanded)": [build.MAX_NODES],
    "blocks inside blocks": [build.MAX_DEPTH],
    "modules in print(model) text": [__import__("convcalc.readers.torchrepr", fromlist=["x"]).MAX_MODULES],
    "code reader: interpreter steps (construction and forward)": [code_limits.MAX_STEPS],
    "code reader: calls nested in one another": [code_limits.MAX_DEPTH],
    "code reader: iterations of one loop or comprehension": [code_limits.MAX_ITERATIONS],
    "code reader: elements of one list, tuple, dict, set or string": [code_limits.MAX_CONTAINER],
    "code reader: bits of one integer": [code_limits.MAX_INT_BITS],
    "code reader: graph nodes": [code_limits.MAX_NODES],
    "`corr2d`/`pool`: rows and columns": [numeric.MAX_SIDE],
    "`corr2d`/`pool`: channels, filters": [numeric.MAX_CHANNELS],
    "`corr2d`/`pool`: multiplications (or window elements)": [numeric.MAX_PRODUCTS],
    "`corr2d`/`pool`: values made by `torch.arange`/`ones`/`zeros`": [numeric.MAX_VALUES],
    "`corr2d`/`pool`: characters of one matrix": [numeric.MAX_TEXT],
    "`check` budgets: `--max-params`, `--max-macs`, `--max-memory`, `--max-activations`": [memory.MAX_AMOUNT_DIGITS],
    "`solve`: settings listed": [20, solve.MAX_LISTED],
    "one message line on stderr": [__import__("convcalc.errors", fromlist=["x"]).MAX_MESSAGE],
}


def test_every_documented_limit_is_the_constant():
    table = _limits_table()
    assert set(table) == set(DOCUMENTED), (sorted(set(table) ^ set(DOCUMENTED)))
    for row, constants in DOCUMENTED.items():
        for constant in constants:
            assert constant in _numbers(table[row]), (row, constant, table[row])


# -- input texts --------------------------------------------------------------------------------------------------

def _padded_spec(size: int) -> bytes:
    body = b'{"input": [1, 8, 8], "layers": ["relu"]}'
    return body + b" " * (size - len(body))


def test_text_size(tmp_path):
    limit = spec.MAX_FILE_BYTES
    at, over = tmp_path / "at.json", tmp_path / "over.json"
    at.write_bytes(_padded_spec(limit))
    over.write_bytes(_padded_spec(limit + 1))
    assert cli("shape", str(at))[0] == 0
    refused(cli("shape", str(over)), f"{limit // 2 ** 20} MiB", f"{limit:,} bytes")
    refused(cli("shape", "-", input=_padded_spec(limit + 1)), f"{limit // 2 ** 20} MiB")


def test_text_size_of_model_code(tmp_path):
    model = tmp_path / "big.py"
    model.write_bytes(b"import torch.nn as nn\nnet = nn.Sequential(nn.ReLU())\n" + b"#" * spec.MAX_FILE_BYTES)
    refused(cli("shape", str(model), "--input", "1x8x8"), f"{spec.MAX_FILE_BYTES:,} bytes")
    refused(cli("list", str(model)), f"{spec.MAX_FILE_BYTES:,} bytes")  # `list FILE.py` read it whole (a fuzz find)


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml"])
def test_nesting(tmp_path, fmt):
    def nested(levels: int) -> str:  # a mapping holding lists: `levels` levels in all
        inner = "[" * (levels - 1) + "]" * (levels - 1)
        return {"json": f'{{"input": [1, 8, 8], "layers": ["relu"], "x": {inner}}}',
                "yaml": f"input: [1, 8, 8]\nlayers: [relu]\nx: {inner}\n",
                "toml": f'input = [1, 8, 8]\nlayers = ["relu"]\nx = {inner}\n'}[fmt]

    path = tmp_path / f"spec.{fmt}"
    path.write_text(nested(spec.MAX_NESTING))
    accepted(cli("shape", str(path)), "nested")  # an unknown key 'x', said as such
    path.write_text(nested(spec.MAX_NESTING + 1))
    refused(cli("shape", str(path)), f"more than {spec.MAX_NESTING} levels")
    path.write_text(nested(10 * spec.MAX_NESTING))  # past the parsers' own recursion
    refused(cli("shape", str(path)), f"more than {spec.MAX_NESTING} levels")


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml"])
def test_digits_of_an_integer(tmp_path, fmt):
    def with_channels(digits: int) -> str:
        n = "9" * digits
        return {"json": f'{{"input": [1, 8, 8], "layers": [{{"type": "conv2d", "out_channels": {n}, "kernel_size": 3}}]}}',
                "yaml": f"input: [1, 8, 8]\nlayers: [{{type: conv2d, out_channels: {n}, kernel_size: 3}}]\n",
                "toml": f'input = [1, 8, 8]\nlayers = [{{type = "conv2d", out_channels = {n}, kernel_size = 3}}]\n'}[fmt]

    path = tmp_path / f"spec.{fmt}"
    path.write_text(with_channels(spec.MAX_INT_DIGITS))
    refused(cli("shape", str(path)), f"at most {values.LIMIT:,}")  # read, then refused for its magnitude
    path.write_text(with_channels(spec.MAX_INT_DIGITS + 1))
    refused(cli("shape", str(path)), f"{spec.MAX_INT_DIGITS:,} digits")


def test_digits_of_an_integer_inline():
    refused(cli("shape", "--layers", f"conv2d({'9' * spec.MAX_INT_DIGITS}, 3)", "--input", "1x8x8"),
            f"at most {values.LIMIT:,}")
    refused(cli("shape", "--layers", f"conv2d({'9' * (spec.MAX_INT_DIGITS + 1)}, 3)", "--input", "1x8x8"),
            f"{spec.MAX_INT_DIGITS:,} digits")


# -- sizes and counts --------------------------------------------------------------------------------------------

def test_magnitude_of_sizes_and_factors():
    limit = values.LIMIT
    assert build.MAX_SIZE == limit
    assert cli("shape", "--layers", f"linear({limit})", "--input", "1")[0] == 0
    refused(cli("shape", "--layers", f"linear({limit + 1})", "--input", "1"), f"{limit:,}", f"{limit + 1:,}")
    refused(cli("shape", "--layers", f"conv2d(4, 3, padding={limit + 1})", "--input", "1x8x8"), f"{limit:,}")
    refused(cli("shape", "--layers", "upsample(scale_factor=1000000000.5)", "--input", "1x8x8"), f"{limit:,}")
    refused(cli("shape", "--layers", "linear(1" + "0" * 400 + ")", "--input", "1"), f"{limit:,}", "~1e400")
    assert cli("shape", "--layers", "relu", "--input", f"1x{limit}")[0] == 0
    refused(cli("shape", "--layers", "relu", "--input", f"1x{limit + 1}"), f"{limit:,}")
    # an output dim past the limit: two upsamplings within it
    refused(cli("shape", "--layers", "upsample(scale_factor=100000), upsample(scale_factor=100000)", "--input",
                "1x8x8"), f"{limit:,}")


def test_budgets():
    digits = memory.MAX_AMOUNT_DIGITS
    assert cli("check", "lenet", "--max-params", "9" * digits)[0] == 0
    assert cli("check", "lenet", "--max-memory", f"1e{digits - 1}")[0] == 0
    refused(cli("check", "lenet", "--max-params", "1" + "0" * digits), f"more than {digits} digits")
    refused(cli("check", "lenet", "--max-macs", f"1e{digits}"), f"more than {digits} digits")
    refused(cli("check", "lenet", "--max-memory", "1e999999999"), f"more than {digits} digits")  # not computed
    refused(cli("check", "lenet", "--max-params", "9" * 5000), f"more than {digits} digits")


def test_dims_of_the_input():
    assert cli("shape", "--layers", "relu", "--input", "1x1x1x1x1")[0] == 0
    refused(cli("shape", "--layers", "relu", "--input", "1x1x1x1x1x1"), "6 dims", "at most 3 spatial dims")


def _repeat(n: int, layers: list) -> str:
    return json.dumps({"input": [1, 8, 8], "layers": [{"type": "sequential", "repeat": n, "layers": layers}]})


def test_layers_in_one_network():
    limit = build.MAX_NODES
    # the block and limit - 1 layers: exactly the limit (checked, not drawn: a table of 100,000 rows takes long)
    assert cli("check", "-", input=_repeat(limit - 1, ["relu"]))[0] == 0
    refused(cli("check", "-", input=_repeat(limit, ["relu"])), f"{limit:,} layers")
    refused(cli("check", "-", input=_repeat(limit // 2 + 1, ["relu", "relu"])), f"{limit:,} layers")
    refused(cli("check", "-", input=_repeat(10 ** 9, ["relu"])), f"{limit:,} layers")


def test_blocks_inside_blocks():
    def nested(k: int) -> str:
        element = "relu"
        for _ in range(k):
            element = {"type": "sequential", "layers": [element]}
        return json.dumps({"input": [1, 8, 8], "layers": [element]})

    assert cli("shape", "-", input=nested(build.MAX_DEPTH))[0] == 0
    line = refused(cli("shape", "-", input=nested(build.MAX_DEPTH + 1)), f"more than {build.MAX_DEPTH} deep")
    assert len(line) < 200, line  # the path, a hundred steps long, shown by its ends (was 1,064 characters)
    assert "layers[0].layers[0].layers[0].layers[0].…(+94)….layers[0]" in line


def test_modules_in_printed_text():
    from convcalc.readers.torchrepr import MAX_MODULES

    def text(children: int) -> str:  # the Sequential and its children
        return "Sequential(\n" + "".join(f"  ({i}): ReLU()\n" for i in range(children)) + ")\n"

    # 100,000 children and the Sequential: one past the limit (the limit itself is not read here: reading
    # print(model) text takes time quadratic in its modules, minutes for 100,000)
    refused(cli("shape", "-", "--input", "1x8x8", input=text(MAX_MODULES)), f"{MAX_MODULES:,} modules")


# -- the code reader ----------------------------------------------------------------------------------------------

def code(statement: str) -> tuple[int, str]:
    model = f"import torch.nn as nn\n{statement}\nnet = nn.Sequential(nn.ReLU())\n"
    return cli("shape", "-", "--from", "pytorch-code", "--input", "1x8x8", input=model)


def test_code_reader_steps():
    refused(code("for i in range(1000):\n    for j in range(1000):\n        pass"),
            f"stopped after {code_limits.MAX_STEPS:,} steps")


def test_code_reader_nested_calls():
    limit = code_limits.MAX_DEPTH
    recursion = "def f(n):\n    return 0 if n == 0 else f(n - 1)\nf({})"
    assert code(recursion.format(limit - 1))[0] == 0  # f(limit - 1) … f(0): limit calls
    refused(code(recursion.format(limit)), f"more than {limit} deep")


def test_code_reader_iterations():
    limit = code_limits.MAX_ITERATIONS
    assert code(f"for i in range({limit}):\n    pass")[0] == 0
    refused(code(f"for i in range({limit + 1}):\n    pass"), f"more than {limit:,} iterations")
    refused(code(f"x = [i for i in range({limit + 1})]"), f"more than {limit:,} iterations")


def test_code_reader_containers():
    limit = code_limits.MAX_CONTAINER
    assert code(f"x = [0] * {limit}")[0] == 0
    refused(code(f"x = [0] * {limit + 1}"), f"more than {limit:,} elements")
    refused(code(f"x = list(range({limit + 1}))"), f"more than {limit:,} elements")
    refused(code(f"x = 'a' * {limit + 1}"), f"more than {limit:,} elements")


def test_code_reader_integers():
    bits = code_limits.MAX_INT_BITS
    assert code(f"x = 2 ** {bits - 1}")[0] == 0  # an integer of exactly MAX_INT_BITS bits
    refused(code(f"x = 2 ** {bits}"), f"more than {bits} bits")


def test_code_reader_graph_nodes(monkeypatch):
    """The node bound is checked as the forward pass is traced. Within the step bound a model cannot get near
    100,000 nodes, so the mechanism is checked at a lower bound: one node past it is the error naming it."""
    from convcalc.readers.torchcode import forward

    assert forward.MAX_NODES == code_limits.MAX_NODES
    monkeypatch.setattr(forward, "MAX_NODES", 5)
    layers = "nn.Sequential(" + ", ".join(["nn.ReLU()"] * 6) + ")"
    refused(cli("shape", "-", "--from", "pytorch-code", "--input", "1x8x8",
                input=f"import torch.nn as nn\nnet = {layers}\n"), "more than 5 nodes")


# -- corr2d and pool --------------------------------------------------------------------------------------------

def _matrix(rows: int, columns: int) -> str:
    return "; ".join(" ".join(["1"] * columns) for _ in range(rows))


def test_values_side():
    side = numeric.MAX_SIDE
    assert cli("pool", _matrix(side, side), "--kernel", "2")[0] == 0
    refused(cli("pool", _matrix(side + 1, side), "--kernel", "2"), f"up to {side}x{side}")
    refused(cli("corr2d", _matrix(2, 2), _matrix(1, side + 1)), f"up to {side}x{side}")


def test_values_channels():
    limit = numeric.MAX_CHANNELS
    assert cli("pool", " | ".join([_matrix(2, 2)] * limit), "--kernel", "1")[0] == 0
    refused(cli("pool", " | ".join([_matrix(2, 2)] * (limit + 1)), "--kernel", "1"), f"up to {limit} channels")


def test_values_multiplications():
    limit = numeric.MAX_PRODUCTS
    # 10 filters x 10 channels x (10·10 output positions) x (5·5 kernel) = 250,000 exactly
    x = " | ".join([_matrix(14, 14)] * 10)
    kernel = "[" + ", ".join(["[" + ", ".join([json.dumps([[1] * 5] * 5)] * 10) + "]"] * 10) + "]"
    assert 10 * 10 * (10 * 10) * (5 * 5) == limit
    assert cli("corr2d", x, kernel)[0] == 0
    refused(cli("corr2d", " | ".join([_matrix(15, 14)] * 10), kernel), f"up to {limit:,}")  # 10 x 11 positions


def test_values_made_by_torch_calls():
    limit = numeric.MAX_VALUES
    assert cli("pool", f"torch.arange({limit}).reshape((32, 32, 32))", "--kernel", "32")[0] == 0
    refused(cli("pool", f"torch.arange({limit + 1})", "--kernel", "1"), f"{limit:,}")
    refused(cli("pool", f"torch.ones(({limit + 1},))", "--kernel", "1"), f"{limit:,}")


def test_values_text():
    limit = numeric.MAX_TEXT
    text = "1" + " " * (limit - 1)
    assert cli("pool", text, "--kernel", "1")[0] == 0
    refused(cli("pool", text + " ", "--kernel", "1"), f"{limit:,}")


def test_solve_lists():
    query = ["solve", "--in", "1000", "--out", "10", "--dilation", "50"]
    code, output = cli(*query, "--all", "--format", "csv")
    assert code == 0 and len(output.strip().splitlines()) == 1 + solve.MAX_LISTED  # a header and the rows
    code, output = cli(*query, "--all")
    assert code == 0 and f"the first {solve.MAX_LISTED:,} are shown" in output
    code, output = cli(*query)
    rows = [line for line in output.splitlines() if re.match(r"\s+\d+\s+\d+\s+\d+\s+\d+\s", line)]
    assert code == 0 and len(rows) == 20 and "more (--all)" in output, output[-500:]
