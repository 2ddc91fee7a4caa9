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

    assert "assumed" not in {d["code"] for d in data["diagnostics"]}  # every unprinted argument stated

    plain = _run(tmp_path, model, "params", "--input", _input(model), "--format", "json")
    assert plain.exit_code == 0
    assert json.loads(plain.stdout)["totals"]["params"] != model["params"]  # timm's defaults: not this model's
    # a script can tell numbers read with assumed defaults: their own warning code
    assert "assumed" in {d["code"] for d in json.loads(plain.stdout)["diagnostics"]}
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


#: print(model) of a user's class whose forward() calls its children out of printed order (torch 2.13: 2,570
#: parameters, 129 buffers): the in-order guess does not fit, and the class itself may hold parameters
MY_NET = """MyNet(
  (head): Linear(in_features=64, out_features=10, bias=True)
  (body): Sequential(
    (0): Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    (1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (2): ReLU(inplace=True)
    (3): AdaptiveAvgPool2d(output_size=1)
    (4): Flatten(start_dim=1, end_dim=-1)
  )
)"""


def _library_block_unmodelled() -> str:
    """A timm/torchvision class that holds no parameter of its own (read from its source) and whose forward()
    convcalc does not model: printed with children, its forward is guessed; where the guess does not fit, its
    counts are still exact."""
    from convcalc.readers import vocabulary
    from convcalc.readers.no_own_parameters import NAMES

    return sorted(NAMES - set(vocabulary.CLASSES))[0]


def _unfollowable() -> dict:
    """MY_NET's modules under such a class: torch's counts (the class adds none), shapes unknown from its guess."""
    return {"name": "unfollowable", "text": MY_NET.replace("MyNet(", f"{_library_block_unmodelled()}(", 1),
            "input": [3, 32, 32], "params": 2570, "buffers": 129}


def _params_exact_refusals() -> list[str]:
    """The sample's refusals whose counts are exact (fewer as more forwards are modelled: none today)."""
    return sorted(k.split(":", 1)[1] for k, (status, detail) in verdicts().items()
                  if status == "refused" and detail.endswith("[params exact]"))


@pytest.mark.parametrize("name", ["unfollowable", *_params_exact_refusals()[:8]])
def test_params_lists_exact_counts_where_shapes_are_unknown(tmp_path, name):
    """params: exit 0, torch's parameters and buffers, module rows adding up to them, shapes and MACs null;
    shape and check: exit 2 naming the class."""
    model = _unfollowable() if name == "unfollowable" else _model(name)
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


def test_a_failed_guess_over_a_users_class_says_what_params_can_tell(tmp_path):
    """The hint no longer sends the user to `params` when params refuses too: it gives the lower bound and the class
    that may hold more (it said "the parameters are still counted: convcalc params")."""
    path = tmp_path / "model.txt"
    path.write_text(MY_NET)
    for command in ("params", "shape"):
        result = runner.invoke(app, [command, str(path), "--input", "3x32x32"])
        assert result.exit_code == 2, result.output
        assert "the guess does not fit" in result.stderr
        assert "at least 2,570, and MyNet may hold more" in result.stderr
        assert "convcalc params)" not in result.stderr
