"""Tables that fit: goldens of every catalog model's default tables at 80 and 100 columns, and the rules
behind them (columns by width, folding, --columns, --wide, collapsed repeats, the summary, ASCII).

Regenerate the goldens with ``CONVCALC_UPDATE_GOLDENS=1 python -m pytest tests/test_tables.py``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from convcalc import catalog
from convcalc.cli import app

GOLDEN = Path(__file__).parent / "golden" / "tables"
UPDATE = bool(os.environ.get("CONVCALC_UPDATE_GOLDENS"))
VIEWS = ("params", "shape", "rf")


def invoke(*args: str, width: int = 100):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(width)})


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("model", catalog.names())
def test_default_table_fits_and_matches_its_golden(model, view, width):
    result = invoke(view, model, width=width)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, f"{len(too_long)} lines over {width} columns, e.g. {too_long[0]!r}"
    golden = GOLDEN / f"{view}-{model}-{width}.txt"
    if UPDATE or not golden.exists():
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_rows_are_named_by_node_and_spec_names():
    out = invoke("params", "lenet").stdout
    assert any(line.startswith("C1 ") for line in out.splitlines())  # the spec's name, not layers[0]
    assert "layers[0]" not in out
    out = invoke("params", "densenet121", "--depth", "2").stdout
    assert "features.denseblock1.denselayer1" in out  # torchvision's own module names


def test_a_large_model_gets_a_summary_and_full_gives_every_row():
    summary = invoke("params", "resnet50").stdout
    assert "rows, shown to depth" in summary and "heaviest by params:" in summary and "heaviest by MACs:" in summary
    assert len(summary.splitlines()) < 60
    full = invoke("params", "resnet50", "--full").stdout
    assert len(full.splitlines()) > 199 and "heaviest" not in full


def test_repeats_collapse_under_depth_and_counts_still_add_up():
    out = invoke("params", "inception_v3", "--depth", "0", "--columns", "layer,type,params,macs").stdout
    row = next(line for line in out.splitlines() if "×2" in line)
    assert row.split()[:3] == ["Mixed_6c…Mixed_6d", "inception_c", "×2"]
    as_csv = invoke("params", "inception_v3", "--depth", "0", "--format", "csv").stdout  # CSV keeps every row
    assert "Mixed_6c" in as_csv and "Mixed_6d" in as_csv
    rows = invoke("params", "inception_v3", "--depth", "0", "--columns", "layer,params").stdout.splitlines()
    rule = next(i for i, line in enumerate(rows) if line.startswith("─"))
    body = rows[rule + 1:rows.index(next(line for line in rows if line.startswith("params:")))]
    params = [int(line.split()[-1].replace(",", "")) for line in body]
    assert sum(params) == 23_834_568
    from convcalc.render.layout import _range_label

    assert _range_label("layer1.1", "layer1.3") == "layer1.1-3"


def test_columns_picks_and_wide_shows_everything():
    out = invoke("params", "lenet", "--columns", "layer,params,macs,param-bytes").stdout.splitlines()
    assert out[1].split() == ["layer", "params", "MACs", "param", "bytes"] or out[1].split()[:3] == [
        "layer", "params", "MACs"]
    bad = invoke("params", "lenet", "--columns", "layer,parms")
    assert bad.exit_code == 2 and "did you mean 'params'" in bad.stderr
    wide = invoke("params", "resnet18", "--wide", "--full", width=80).stdout
    assert max(map(len, wide.splitlines())) > 80 and "dense/conv" in wide


def test_long_values_fold_rather_than_overflow():
    out = invoke("shape", "lenet", "--explain", width=80).stdout
    assert max(map(len, out.splitlines())) <= 80 and "working" in out


def test_frozen_layers_show_and_totals_split():
    out = invoke("params", "--layers", "conv2d(6, 5, trainable=False), flatten, linear(10)", "--input", "1x28x28")
    assert "frozen" in out.stdout
    assert "params: 34,726 (trainable 34,570, frozen 156)" in out.stdout


def test_ascii_fallback_where_the_encoding_cannot_draw_boxes():
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "100"}
    result = subprocess.run([sys.executable, "-m", "convcalc", "params", "lenet"], capture_output=True, text=True,
                            env=env, encoding="ascii", errors="strict")
    assert result.returncode == 0, result.stderr
    assert "-----" in result.stdout and "->" in result.stdout and "─" not in result.stdout


def test_import_cli_is_light_and_json_never_loads_rich():
    code = ("import sys, convcalc.cli; assert 'rich' not in sys.modules, 'rich at import';"
            "from typer.testing import CliRunner; CliRunner().invoke(convcalc.cli.app, ['params', 'lenet', '--json']);"
            "assert 'rich' not in sys.modules, 'rich for json'")
    subprocess.run([sys.executable, "-c", code], check=True)
