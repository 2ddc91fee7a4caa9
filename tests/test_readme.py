"""The README stays true: every `$ convcalc …` example runs with the exit code it implies, its shown
output lines appear in the real output, and every command has a section with an example."""

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from convcalc.cli import app  # noqa: E402

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"^\$ (convcalc .*)$((?:\n(?!\$|```).*)*)", README, re.M)


@pytest.mark.parametrize("command,shown", EXAMPLES, ids=[c[:60] for c, _ in EXAMPLES])
def test_readme_example(command, shown, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    (tmp_path / "model.yaml").write_text(runner.invoke(app, ["show", "lenet"]).stdout)
    stated = re.search(r"#\s*exit (\d)\s*$", command)  # `# exit 2`: an unusable input, as the README says
    command = re.sub(r"\s+#.*$", "", command).split(" > ")[0]
    args = shlex.split(command)[1:]
    result = runner.invoke(app, args)
    output = result.stdout + result.stderr
    expected_code = 1 if any(line.startswith("error:") for line in shown.splitlines()) else 0
    if stated:
        expected_code = int(stated.group(1))
    assert result.exit_code == expected_code, output
    for line in shown.strip().splitlines():
        if line.startswith(("…", "─")) or not line.strip():
            continue
        assert line.rstrip() in output, f"README shows {line!r}, the command prints:\n{output}"


def test_every_command_has_a_readme_section():
    names = [c.name for c in app.registered_commands]
    assert names
    for name in names:
        assert re.search(rf"^### .*`convcalc {name}`", README, re.M), f"no README section for {name}"


def test_the_two_setup_commands_open_the_readme():
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "pip install -e . && convcalc params lenet" in block
    assert "pip install -e '.[test]' && python -m pytest" in block


SPECS = [b for b in re.findall(r"```yaml\n(.*?)```", README, re.S) if re.search(r"^layers:", b, re.M)
         and re.search(r"^inputs?:", b, re.M)]


@pytest.mark.parametrize("text", SPECS, ids=[re.search(r"name: (\S+)", b).group(1) for b in SPECS])
def test_readme_specs_analyse(text):
    """Every whole spec the README shows (the U-Net, the SE block, …) reads and analyses cleanly."""
    from convcalc.report import analyze
    from convcalc.readers import read_text

    report = analyze(read_text(text, "README", fmt="yaml"))
    assert report.ok, report.errors
    assert not [d for d in report.warnings if d.code in ("unused-node", "unused-input")]


def test_readme_shows_specs():
    assert {"unet-tiny", "se-block"} <= {re.search(r"name: (\S+)", b).group(1) for b in SPECS}
