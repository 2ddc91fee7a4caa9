"""The command lines run without typer (``convcalc.cli._fast``) do exactly what typer's reading of them does.

``shape``, ``params``, ``rf`` and ``check`` lines that :func:`convcalc.lazytyper.parse` reads exactly as click would are run
without importing typer or click; every other line, and whatever ``parse`` is unsure of, goes to typer. Each line
below runs both ways in a new process — the console script's way, and with the fast path switched off — and the
two must write the same stdout and stderr and exit with the same code.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from convcalc import cli, lazytyper

SPEC = '{"input": [1, 8, 8], "layers": [{"type": "conv2d", "out_channels": 4, "kernel_size": 3}, "relu"]}'
BAD = '{"input": [1, 4, 4], "layers": [{"type": "conv2d", "out_channels": 4, "kernel_size": 9}]}'

LINES = [
    ["params", "lenet", "--format", "json"], ["params", "lenet", "--json"], ["params", "lenet"],
    ["params", "lenet", "--format=csv"], ["params", "--format", "markdown", "lenet"], ["params", "lenet", "-f", "json"],
    ["params", "lenet", "-fjson"], ["shape", "{spec}"], ["rf", "{spec}", "--json"], ["shape", "{bad}"],
    ["params", "{bad}", "--json"], ["params", "lenet", "--batch", "3"], ["params", "lenet", "--batch", "+3"],
    ["params", "lenet", "--batch", "0"], ["params", "lenet", "--batch", "3_0"], ["params", "lenet", "--depth=0"],
    ["params", "lenet", "--depth", "-1"], ["params", "resnet18"], ["params", "resnet18", "--full", "--wide"],
    ["params", "googlenet", "--aux", "--paper"], ["params", "lenet", "--columns", "layer,params", "-w"],
    ["params", "lenet", "--columns", "nope"], ["params", "lenet", "--dtype", "float16", "--optimizer", "adam"],
    ["params", "lenet", "--format", "JSON"], ["params", "lenet", "--json=1"], ["params", "lenet", "--input"],
    ["params", "lenet", "extra"], ["params", "nosuch.json"], ["params", "lenet", "--ignore", "foo"],
    ["params", "lenet", "--ignore", "receptive-field", "--ignore", "not-flat", "-q"], ["params", "lenet", "--help"],
    ["params", "lenet", "--lang", "zh"], ["shape", "lenet", "--paper"], ["shape", "lenet", "--compare-conventions"],
    ["rf", "lenet", "--relative-to", "C3"], ["params", "--layers", "conv2d(6, 5)", "--input", "1x28x28"],
    ["params", "--layers", "conv2d(6, 5)"], ["params", "-l", "conv2d(6, 5), relu", "-i", "1x1x28x28", "-e"],
    ["params", "lenet", "-o", "{out}.json"], ["params", "lenet", "-o", "{out}.json", "--format", "csv"],
    ["params", "lenet", "-o", "{tmp}"], ["params", "lenet", "--", "x"], ["params", "lenet", "-qw"],
    ["params", "lenet", "--from", "json"], ["--version"], ["params"], [], ["list"],
    ["check", "lenet"], ["check", "googlenet", "--min-input"], ["check", "lenet", "--max-params", "60k"],
    ["check", "lenet", "--max-params", "1000", "--format", "json"], ["check", "{bad}"], ["check", "{bad}", "--strict"],
    ["check", "lenet", "--expect-output", "10"], ["check", "lenet", "--expect-output", "9", "--junit", "{out}.json"],
    ["check", "{spec}", "lenet", "--max-macs", "1M"], ["check", "lenet", "--format", "github"], ["check"],
    ["check", "--layers", "conv2d(6, 5), relu", "--input", "1x28x28", "--min-input"],
]

_TYPER_ONLY = ("import sys; from convcalc import cli; sys.argv = ['convcalc', *sys.argv[1:]]; cli._fresh = False; "
               "cli.run()")


def _run(command: list[str], cwd) -> tuple[int, str, str, str | None]:
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120,
                            env={**os.environ, "COLUMNS": "100"})
    written = cwd / "out.json"
    text = written.read_text() if written.exists() else None
    if written.exists():
        written.unlink()
    return result.returncode, result.stdout, result.stderr, text


@pytest.mark.parametrize("line", LINES, ids=" ".join)
def test_the_fast_path_does_what_typer_does(line, tmp_path):
    (tmp_path / "spec.json").write_text(SPEC)
    (tmp_path / "bad.json").write_text(BAD)
    args = [a.format(spec="spec.json", bad="bad.json", out="out", tmp=tmp_path) for a in line]
    fast = _run([sys.executable, "-m", "convcalc", *args], tmp_path)
    typer = _run([sys.executable, "-c", _TYPER_ONLY, *args], tmp_path)
    assert fast == typer


#: what a plain line never imports: typer and click (the app), rich (tables), PyYAML (YAML specs), and the standard
#: library's inspect (dataclasses'; convcalc._dataclasses), pathlib (a file's route), ast (--layers and model code)
#: and csv (CSV output): a tenth to a fifth of a start-up each
NOT_AT_START_UP = ("typer", "click", "rich", "yaml", "inspect", "pathlib", "ast", "csv")


def test_a_plain_line_imports_neither_typer_nor_click():
    code = ("import sys; from convcalc import cli; sys.argv = ['convcalc', 'params', 'lenet', '--json']\n"
            "try:\n    cli.run()\nexcept SystemExit as exc:\n    assert exc.code == 0\n"
            f"sys.stderr.write(repr(sorted(m for m in {NOT_AT_START_UP!r} if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=os.path.dirname(__file__))
    assert result.stderr == "[]"
    assert '"schema": "convcalc.report/2"' in result.stdout


def _in_new_process(code: str) -> None:
    """Run ``code`` where typer has not been imported (this process may have built the app already)."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", cli.FAST_COMMANDS)
def test_every_option_of_the_fast_commands_is_one_parse_reads(command):
    """A new option declared in a way parse does not read would send every line of the command to typer."""
    name, value = ("models", ["lenet"]) if command == "check" else ("model", "lenet")  # check takes several
    _in_new_process(f"from convcalc import cli, lazytyper\n"
                    f"assert lazytyper.parse(cli.app.function({command!r}), ['lenet']) == ({{{name!r}: {value!r}}}, "
                    f"{{{name!r}}})")


_DECLARED = [func for _, _, func in cli.app._commands + cli.app._callbacks]


@pytest.mark.parametrize("func", _DECLARED, ids=[func.__name__ for func in _DECLARED])
def test_parameters_are_read_as_inspect_reads_them(func):
    """parse reads a command's parameters off its code (no inspect at start-up): the same names, order and
    defaults as inspect.signature gives, for every command and callback."""
    import inspect

    expected = [(p.name, lazytyper._REQUIRED if p.default is inspect.Parameter.empty else p.default)
                for p in inspect.signature(func).parameters.values()]
    assert lazytyper._parameters(func) == expected


def test_parameters_decline_what_is_not_a_plain_function():
    import functools

    def variadic(a, *rest, b=1):
        return a

    def keywords(a, **rest):
        return a

    assert lazytyper._parameters(lambda a, b=2, *, c, d=4: a) == [("a", lazytyper._REQUIRED), ("b", 2),
                                                                   ("c", lazytyper._REQUIRED), ("d", 4)]
    assert lazytyper._parameters(functools.wraps(lambda a, b=2: a)(lambda *x, **y: 0)) == [
        ("a", lazytyper._REQUIRED), ("b", 2)]
    signed = lambda a: a  # noqa: E731
    signed.__signature__ = None
    for func in (variadic, keywords, functools.wraps(keywords)(lambda a: a), print, signed):
        with pytest.raises(lazytyper.Decline):
            lazytyper._parameters(func)


DECLINED = [["--batch", "+3"], ["--batch", "３"], ["-fjson"], ["--json=1"], ["--help"], ["--lang", "en"],
            ["--", "lenet"], ["-qw"], ["a", "b"], ["--input"], ["--input", "-3"], ["--format", "JSON"], ["--nope"],
            ["--depth", "-1"], ["--assume", "a=1"]]


def test_parse_leaves_to_click_what_it_cannot_read_exactly():
    _in_new_process("from convcalc import cli, lazytyper\n"
                    f"for argv in {DECLINED!r}:\n"
                    "    try:\n"
                    "        lazytyper.parse(cli.app.function('params'), argv)\n"
                    "    except lazytyper.Decline:\n"
                    "        continue\n"
                    "    raise AssertionError(argv)")


def test_parse_reads_values_as_click_converts_them():
    _in_new_process("from pathlib import Path\nfrom convcalc import cli, lazytyper\n"
                    "kwargs, given = lazytyper.parse(cli.app.function('params'), ['-', '--batch', '2', '--format=csv', "
                    "'--ignore', 'a', '--ignore', 'b', '-q', '--input', '1x8x8', '-o', 'x.csv'])\n"
                    "assert kwargs == {'model': '-', 'batch': 2, 'format': cli.Format.csv, 'ignore': ['a', 'b'], "
                    "'quiet': True, 'input': '1x8x8', 'output': Path('x.csv')}, kwargs\n"
                    "assert given == set(kwargs)")
