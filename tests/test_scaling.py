"""Work grows linearly with the number of layers: twice the layers, about twice the work.

Not a timing test: the work is the number of Python and C function calls the whole path makes — reading the
JSON, building, analysing, the JSON report, CSV and the tables (summary, ``--full``, ``--paper``, ``--depth``) —
counted with :func:`sys.setprofile`, which is the same on a loaded machine as on an idle one. A step that looks
at every row for every row (a block's children found by scanning the whole report) doubles its share each time
the network does, and shows as a ratio well above 2 (2.7 for that one at these sizes).
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from convcalc import readers
from convcalc.render import table, text
from convcalc.report import analyze

CONV = {"type": "conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}


def chain(n: int) -> dict:
    """conv, batch norm, relu, … n layers."""
    kinds = [CONV, {"type": "batchnorm2d"}, {"type": "relu"}]
    return {"input": [3, 16, 16], "layers": [kinds[i % 3] for i in range(n)]}


def nested(n: int) -> dict:
    """Blocks of 10 elements, each with a repeated inner block."""
    inner = {"type": "sequential", "repeat": 2, "layers": [CONV, {"type": "relu"}]}
    block = {"type": "sequential", "layers": [CONV, {"type": "batchnorm2d"}, {"type": "relu"}, inner,
                                              {"type": "dropout"}]}
    return {"input": [3, 16, 16], "layers": [block] * (n // 10)}


def residual(n: int) -> dict:
    """Named layers and adds that read them with from:."""
    layers = [{**CONV, "name": "s0"}]
    for i in range(1, n // 3 + 1):
        layers += [{**CONV, "name": f"c{i}"}, {"type": "relu", "name": f"r{i}"},
                   {"type": "add", "from": [f"s{i - 1}", f"r{i}"], "name": f"s{i}"}]
    return {"input": [3, 16, 16], "layers": layers}


def branches(n: int) -> dict:
    """Residual blocks written with branches (the shortcut an empty branch)."""
    block = {"type": "add", "branches": [[CONV, {"type": "relu"}, CONV], []]}
    return {"input": [8, 16, 16], "layers": [block] * (n // 4)}


def _whole_path(spec: dict) -> None:
    network = readers.read_text(json.dumps(spec), "spec.json")
    report = analyze(network)
    text.write_json(report, io.StringIO())
    text.to_csv(report, "params")
    for view, options in (("params", table.Options()), ("params", table.Options(full=True)),
                          ("paper", table.Options()), ("rf", table.Options(depth=1))):
        table.lines(report, view, options)


def _calls(spec: dict) -> int:
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        _whole_path(spec)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("make", [chain, nested, residual, branches])
def test_twice_the_layers_is_about_twice_the_work(make):
    _whole_path(make(40))  # what is done once (a layer kind made, a regex compiled) is done before counting
    small, large = _calls(make(1000)), _calls(make(2000))
    assert large / small < 2.2, f"{make.__name__}: {small:,} calls for 1,000 layers, {large:,} for 2,000"
