"""CI adoption: --quiet, --ignore and the spec's ignore:, warning codes in the README, --format github and
junit, exit codes, the pre-commit hook, shell completion, the Python API, and every command's help."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from typer.testing import CliRunner

import convcalc
from convcalc import codes
from convcalc.cli import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def invoke(*args, **kwargs):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "100"}, **kwargs)


BAD = "name: net\ninput: [1, 28, 28]\nlayers:\n  - {type: conv2d, out_channels: 4, kernel_size: 5, stride: 2}\n" \
      "  - flatten\n  - {type: linear, in_features: 7, out_features: 10}\n"
INEXACT = "name: inexact\ninput: [1, 28, 28]\nlayers:\n  - relu\n  - {type: conv2d, out_channels: 4, kernel_size: 5, " \
          "stride: 2}\n"


def test_every_warning_code_is_registered_and_in_the_readme():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "convcalc").rglob("*.py"))
    used = set(re.findall(r'Note\(\s*"([a-z-]+)"', source)) | set(re.findall(r'code="([a-z-]+)"', source))
    assert used <= set(codes.WARNINGS) | set(codes.CHECKS), used - set(codes.WARNINGS) - set(codes.CHECKS)
    for code in [*codes.WARNINGS, *codes.CHECKS]:
        assert f"`{code}`" in README, f"{code} is not in the README's list of codes"


def test_quiet_and_ignore(tmp_path):
    spec = tmp_path / "inexact.yaml"
    spec.write_text(INEXACT)
    loud = invoke("shape", str(spec))
    assert loud.exit_code == 0 and "[inexact-division]" in loud.stderr
    assert invoke("shape", str(spec), "--quiet").stderr == ""
    assert invoke("shape", str(spec), "--ignore", "inexact-division").stderr == ""
    assert invoke("check", str(spec), "--strict").exit_code == 1
    assert invoke("check", str(spec), "--strict", "--ignore", "inexact-division@1").exit_code == 0
    assert invoke("check", str(spec), "--strict", "--ignore", "inexact-division@0").exit_code == 1  # other node
    spec.write_text(INEXACT + "ignore: [inexact-division]\n")
    assert invoke("check", str(spec), "--strict").exit_code == 0
    typo = invoke("check", str(spec), "--ignore", "inexact-divison")
    assert typo.exit_code == 2 and "did you mean 'inexact-division'" in typo.stderr


def test_stock_models_run_clean_under_strict():
    """Every built-in: where the published network really drops rows (SqueezeNet's stem, the lecture's
    Keras net, the padded U-Net at 572), its spec says so with ignore: and a comment."""
    from convcalc import catalog

    for name in catalog.names():
        result = invoke("check", name, "--strict", "--quiet")
        assert result.exit_code == 0, (name, result.output)


def test_github_annotations_point_at_the_file_and_line(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(BAD)
    result = invoke("check", str(spec), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    error = next(line for line in lines if line.startswith("::error "))
    # the workflow-command grammar: ::level key=value,key=value::message, properties and data escaped
    match = re.fullmatch(r"::(error|warning|notice) ((?:[a-z]+=[^,:]*)(?:,[a-z]+=[^,:]*)*)::(.*)", error)
    assert match, error
    props = dict(p.split("=", 1) for p in match.group(2).split(","))
    assert props["file"] == str(spec).replace(":", "%3A").replace(",", "%2C")
    assert props["line"] == "6"  # the linear layer's line
    assert "\n" not in match.group(3) and "in_features=7" in match.group(3)
    from convcalc.render.ci import annotation

    assert annotation("warning", "50% a\nb", file="a,b:c.yaml", line=3, title="t") == \
        "::warning file=a%2Cb%3Ac.yaml,line=3,title=t::50%25 a%0Ab"


def _validate_junit(xml_text: str) -> ET.Element:
    """The structure of Jenkins' junit-10.xsd (the schema CI dashboards read)."""
    root = ET.fromstring(xml_text)
    assert root.tag == "testsuites"
    total = 0
    for suite in root:
        assert suite.tag == "testsuite"
        assert {"name", "tests", "failures", "errors"} <= set(suite.attrib)
        cases = [c for c in suite if c.tag == "testcase"]
        assert all(c.tag in ("testcase", "properties", "system-out", "system-err") for c in suite)
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases for x in c if x.tag == "failure")
        assert int(suite.get("errors")) == sum(1 for c in cases for x in c if x.tag == "error")
        for case in cases:
            assert case.get("name") and case.get("classname")
            float(case.get("time"))
            assert all(x.tag in ("skipped", "error", "failure", "system-out", "system-err") for x in case)
            for x in case:
                if x.tag in ("failure", "error"):
                    assert "message" in x.attrib and "type" in x.attrib
        total += len(cases)
    assert int(root.get("tests")) == total
    return root


def test_junit_xml(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(BAD)
    result = invoke("check", "lenet", str(spec), "resnet18", "--max-params", "1M", "--format", "junit")
    assert result.exit_code == 1
    root = _validate_junit(result.stdout)
    suites = {s.get("name"): s for s in root}
    assert suites["lenet"].get("failures") == "0"
    assert suites["resnet18"].find("testcase[@name='max-params']/failure") is not None
    assert suites[str(spec)].find("testcase[@name='valid']/failure") is not None
    as_file = tmp_path / "report.xml"
    invoke("check", "lenet", "-o", str(as_file))  # -o FILE.xml picks junit
    _validate_junit(as_file.read_text())


def test_exit_codes_are_documented():
    for code, meaning in (("0", "valid"), ("1", "check"), ("2", "unusable"), ("70", "bug")):
        assert re.search(rf"^\| {code} \|.*{meaning}", README, re.M | re.I), code


def test_pre_commit_hook_entry_runs_on_a_repository(tmp_path):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "convcalc-check")
    assert hook["language"] == "python"
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    (repo / "models" / "good.yaml").write_text(invoke("show", "lenet").stdout)
    (repo / ".github").mkdir()
    (repo / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")  # YAML that is not a spec: skipped
    (repo / "README.md").write_text("not matched\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    files = subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True, text=True, check=True).stdout
    matched = [f for f in files.split() if re.search(hook["files"], f)]
    assert sorted(matched) == [".github/ci.yml", "models/good.yaml"]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "convcalc"
    exe = shutil.which("convcalc") or str(Path(sys.executable).parent / "convcalc")
    ok = subprocess.run([exe, *entry[1:], *matched], cwd=repo, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    (repo / "models" / "bad.yaml").write_text(BAD)
    bad = subprocess.run([exe, *entry[1:], *matched, "models/bad.yaml"], cwd=repo, capture_output=True, text=True)
    assert bad.returncode == 1 and "in_features" in bad.stderr
    if shutil.which("pre-commit"):  # the real thing, where it is installed
        subprocess.run(["pre-commit", "try-repo", str(ROOT), "convcalc-check", "--all-files"], cwd=repo, check=False)


def test_install_completion_and_completing(tmp_path):
    exe = shutil.which("convcalc") or str(Path(sys.executable).parent / "convcalc")
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    installed = subprocess.run([exe, "--install-completion", "bash"], env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / ".bash_completions" / "convcalc.sh").exists()
    assert "convcalc.sh" in (tmp_path / ".bashrc").read_text()
    env.update({"_CONVCALC_COMPLETE": "complete_bash", "COMP_WORDS": "convcalc check res", "COMP_CWORD": "2"})
    completed = subprocess.run([exe], env=env, capture_output=True, text=True)
    assert completed.stdout.split() == ["resnet18", "resnet50"]


def test_python_api(tmp_path):
    result = convcalc.check("lenet", max_params="100K", expect_output="10")
    assert result and result.ok and result.exit_code == 0
    spec = tmp_path / "net.yaml"
    spec.write_text(BAD)
    bad = convcalc.check(spec)  # a Path
    assert not bad and bad.exit_code == 1
    over = convcalc.check(str(ROOT / "convcalc" / "catalog" / "resnet50.yaml"), max_params="25M", max_memory="1GiB",
                          optimizer="adam", batch=8)
    assert [f.code for f in over.failures] == ["max-params", "max-memory"]
    assert over.to_dict()["check"]["budgets"] == {"max-params": "25M", "max-memory": "1GiB"}
    assert convcalc.load("lenet").name == "lenet"
    assert convcalc.read_text("conv2d(6, 5), relu", "inline", fmt="inline") is not None
    assert (ROOT / "convcalc" / "py.typed").exists()
    assert "convcalc.check(" in README


def test_amounts():
    from convcalc import parse_amount

    assert parse_amount("25M").value == 25_000_000
    assert parse_amount("4.1G").value == 4_100_000_000
    assert (parse_amount("2GiB").value, parse_amount("2GiB").bytes) == (2 * 2 ** 30, True)
    assert parse_amount("100000").value == 100000 and parse_amount("1e6").value == 10 ** 6
    assert invoke("check", "lenet", "--max-params", "61.8K").exit_code == 0
    assert invoke("check", "lenet", "--max-params", "61.7Ki").exit_code == 0
    assert invoke("check", "lenet", "--max-params", "200KB").exit_code == 1  # 246,824 bytes of float32
    assert invoke("check", "lenet", "--max-params", "200KB", "--dtype", "float16").exit_code == 0
    assert invoke("check", "lenet", "--max-macs", "4.1G").exit_code == 0
    assert invoke("check", "lenet", "--max-activations", "15K").exit_code == 1
    assert invoke("check", "lenet", "--max-memory", "2MiB", "--optimizer", "adam").exit_code == 0
    assert invoke("check", "lenet", "--max-params", "lots").exit_code == 2


HELPS = {  # every command, and each argument's help text as it must appear
    "shape": ["MODEL"], "params": ["MODEL"], "rf": ["MODEL"], "check": ["MODELS"], "list": [], "show": ["NAME"],
    "solve": [], "compare": ["MODEL_A", "MODEL_B"],
}


def test_every_command_help_shows_each_arguments_help():
    import click
    import typer.main

    command = typer.main.get_command(app)
    for name, sub in command.commands.items():
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        for param in sub.params:
            help_text = getattr(param, "help", None)
            if getattr(param, "hidden", False):
                continue
            assert help_text, f"{name}: {param.name} has no help"
            first_words = " ".join(help_text.split()[:3])
            flat = " ".join(result.stdout.split())
            assert first_words in flat, f"{name} --help does not show the help of {param.name}: {first_words!r}"
            if isinstance(param, click.Argument):
                assert param.human_readable_name.strip("[]").upper() in result.stdout
