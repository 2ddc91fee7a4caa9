"""Layer kinds become dataclasses where they are first used (``convcalc.layers.kind``), and are then the frozen,
keyword-only dataclasses they are written as."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from convcalc import layers as L


def test_importing_the_layers_makes_no_kind_and_a_run_makes_only_those_it_uses():
    code = ("import convcalc.layers as L\n"
            "made = lambda: sorted(c.__name__ for c in L.KINDS if isinstance(c.__dict__.get('__dataclass_fields__'), "
            "dict))\n"
            "assert made() == [], made()\n"
            "from convcalc import catalog\nfrom convcalc.report import analyze\n"
            "analyze(catalog.load('lenet', None))\n"
            "print(made())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['Activation',", "'AvgPool',", "'Conv',", "'Flatten',", "'Linear']"]


def test_a_kind_is_the_frozen_keyword_only_dataclass_it_is_written_as():
    conv = L.Conv(type="conv2d", out_channels=4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(1, 1))
    assert dataclasses.is_dataclass(conv) and isinstance(conv, L.Layer)
    with pytest.raises(dataclasses.FrozenInstanceError):
        conv.groups = 2
    with pytest.raises(TypeError):
        L.Conv("conv2d")  # keyword-only
    twin = dataclasses.replace(conv)
    assert twin == conv and hash(twin) == hash(conv) and twin is not conv
    assert dataclasses.replace(conv, groups=2).groups == 2


def test_fields_of_a_kind_not_yet_used_are_its_own():
    """A kind's fields, asked for before any of its layers is made, are its own, not its base's."""
    names = [f.name for f in dataclasses.fields(L.InstanceNorm)]
    assert names[:5] == ["type", "path", "name", "trainable", "ndim"] and "affine" in names
    assert L.InstanceNorm.__dataclass_fields__["affine"].default is False
    assert L.BatchNorm.__dataclass_fields__["affine"].default is True


def test_a_kind_written_as_an_ordinary_dataclass_still_works():
    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Twice(L.Conv):
        extra: int = 2

    layer = Twice(type="conv2d", out_channels=4, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), dilation=(1, 1))
    assert isinstance(layer, L.Conv) and layer.extra == 2
    assert layer.apply((1, 8, 8)).output_shape == (4, 6, 6)
