"""print(model) at the command line: ``--assume`` for the constructor arguments the text does not show, and
``params`` giving the exact counts module by module where the forward pass cannot be followed.

The texts and torch's numbers are the recorded reference models (tests/data/repr_reference.json.xz)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from convcalc.cli import app
from tests.test_torchrepr_reference import reference, stated, verdicts

runner = CliRunner()


def _model(name: str) -> dict:
    return next(m for m in reference()["models"] if m["name"] == name)


def _run(tmp_path, model: dict, *args: str):
    path = tmp_path / f"{model['name']}.txt"
    path.write_text(model["text"])
    return runner.invoke(app, [args[0], str(path), *args[1:]])


def _input(model: dict) -> str:
    return "x".join(map(str, model["input"]))


def test_assume_gives_torch_numbers_and_without_it_the_defaults_are_said(tmp_path):
    model = _model("vit_small_patch14_reg4_dinov2")  # 4 register tokens, no position embedding for them
    given = ",".join(f"{k}={v}" for k, v in stated()[model["name"]].items())
    result = _run(tmp_path, model, "params", "--input", _input(model), "--format", "json", "--assume", given)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["totals"]["params"], data["output_shape"]) == (model["params"], model["output"])
    assert data["totals"]["macs"] == model["macs"]

    plain = _run(tmp_path, model, "params", "--input", _input(model), "--format", "json")
    assert plain.exit_code == 0
    assert json.loads(plain.stdout)["totals"]["params"] != model["params"]  # timm's defaults: not this model's
    assert "assumed (the library's defaults): class_token=true, reg_tokens=0" in plain.stderr
    assert "--assume KEY=VALUE" in plain.stderr


def test_assume_a_key_no_class_reads_is_one_line_exit_2(tmp_path):
    result = _run(tmp_path, _model("resnet18"), "params", "--assume", "reg_tokens=4")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --assume reg_tokens: no class of this model reads it")
    assert "Traceback" not in result.output
    bad = _run(tmp_path, _model("deit_tiny_patch16_224"), "params", "--input", "3x224x224", "--assume", "reg_tokens")
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.stderr
    bad = _run(tmp_path, _model("deit_tiny_patch16_224"), "params", "--input", "3x224x224",
               "--assume", "class_token=maybe")
    assert bad.exit_code == 2 and "true or false" in bad.stderr


def _params_exact_refusals() -> list[str]:
    return sorted(k.split(":", 1)[1] for k, (status, detail) in verdicts().items()
                  if status == "refused" and detail.endswith("[params exact]"))


def test_some_refused_models_have_exact_counts():
    # the sample's refusals with exact counts, which the params tests below read: fewer as more forwards are modelled
    assert len(_params_exact_refusals()) >= 3


@pytest.mark.parametrize("name", _params_exact_refusals()[:8])
def test_params_lists_exact_counts_where_shapes_are_unknown(tmp_path, name):
    """params: exit 0, torch's parameters and buffers, module rows adding up to them, shapes and MACs null;
    shape and check: exit 2 naming the class."""
    model = _model(name)
    result = _run(tmp_path, model, "params", "--input", _input(model), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["totals"]["params"], data["totals"]["buffers"]) == (model["params"], model["buffers"])
    assert sum(r["params"] for r in data["layers"]) == model["params"]
    assert sum(r["buffers"] for r in data["layers"]) == model["buffers"]
    assert data["output_shape"] is None and data["totals"]["macs"] is None and not data["shapes_known"]
    assert data["shapes_unknown"]["class"] and "shapes and MACs unknown" in result.stderr
    assert all({"path", "name", "type", "output_shape", "params"} <= set(r) for r in data["layers"])  # the /1 rows

    table = _run(tmp_path, model, "params", "--input", _input(model))
    assert table.exit_code == 0 and f"{model['params']:,}" in table.stdout
    for command in ("shape", "check"):
        refused = _run(tmp_path, model, command, "--input", _input(model))
        assert refused.exit_code == 2, (command, refused.output)
        assert "shapes unknown" in refused.stderr
