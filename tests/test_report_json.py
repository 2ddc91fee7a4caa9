"""The JSON report written row by row is the one ``json`` writes from the report's objects.

``Report.rows_json`` writes the rows of the common form straight from the row (a large report's JSON is mostly
such rows); every row must come out exactly as ``json.dumps`` writes its object from ``Report.row_dicts``, and
the whole text must be what ``to_dict`` holds.
"""

from __future__ import annotations

import io
import json

import pytest

from convcalc import catalog, from_inline
from convcalc.render import text
from convcalc.report import analyze, compare_conventions

ENCODE = json.JSONEncoder(ensure_ascii=False).encode


@pytest.mark.parametrize("name", catalog.names())
def test_every_row_is_written_as_json_writes_its_object(name):
    network = catalog.load(name, None, aux=True)
    for report in (analyze(network), analyze(network, batch=3, explain=True),
                   compare_conventions(network, analyze(network))):
        assert list(report.rows_json()) == [ENCODE(d) for d in report.row_dicts()]
        written = io.StringIO()
        text.write_json(report, written, chunk=7)
        assert json.loads(written.getvalue()) == report.to_dict()


@pytest.mark.parametrize("layers, shape", [
    ("conv2d(4, 3, padding='same'), adaptiveavgpool2d((None, 2)), flatten, linear(3)", (1, 8, 8)),
    ("conv2d(4, 2, padding=1), maxpool2d(3, 2, ceil_mode=True), upsample(scale_factor=2)", (1, 9, 9)),
    ("chunk(2, 1), getitem(1)", (4, 6, 6)),
    ("conv2d(4, 9)", (1, 4, 4)),  # refused: no rows
])
def test_rows_of_other_forms_too(layers, shape):
    report = analyze(from_inline(layers, shape))
    assert list(report.rows_json()) == [ENCODE(d) for d in report.row_dicts()]
    assert json.loads(text.to_json(report)) == report.to_dict()
