"""A lower-case inline call is read in the short order (without the inferred input size); when torch's own
positional order reads the same values as other arguments and makes a complete call, convcalc refuses it
instead of silently building another layer than torch would: ``conv2d(1, 6, 5)`` is torch's
``Conv2d(1, 6, 5)`` (in 1, out 6, kernel 5), not out 1, kernel 6, stride 5.

The property test draws random calls of every layer kind and checks the rule against an oracle built from
the field metadata and, where torch is installed, against torch itself: whatever torch builds from its
reading of a lower-case call, convcalc either refuses the call or reads it the same way and counts torch's
parameters.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")
os.environ.setdefault("NO_COLOR", "1")

from convcalc import layers as L  # noqa: E402
from convcalc.readers import inline as S  # noqa: E402
from convcalc.graph import BLOCKS  # noqa: E402
from convcalc.cli import app  # noqa: E402
from convcalc.errors import SpecError  # noqa: E402

warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)  # numpy-less torch
try:
    import torch
    from torch import nn

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - CI installs torch
    torch = nn = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args))


def report(layers: str, shape: str) -> dict:
    result = invoke("shape", "--layers", layers, "--input", shape, "--json")
    assert result.exit_code == 0, (layers, result.output)
    return json.loads(result.stdout)


# ----------------------------------------------------------------------------
# Refused: torch's order reads another complete call
# ----------------------------------------------------------------------------
REFUSED = [
    # (layers, input, message after "error: ", hint after "hint: ")
    ("conv2d(1, 6, 5)", "1x28x28",
     "layers[0] conv2d: in torch's order conv2d(1, 6, 5) is Conv2d(1, 6, 5) — in_channels 1, out_channels 6, "
     "kernel_size 5",
     "write conv2d(6, 5) (in_channels is inferred) or Conv2d(1, 6, 5); for out_channels 1, kernel_size 6, "
     "stride 5 write conv2d(1, 6, stride=5)"),
    ("conv2d(5, 10, kernel_size=3)", "5x16x16",
     "layers[0] conv2d: in torch's order conv2d(5, 10, kernel_size=3) is Conv2d(5, 10, kernel_size=3) — "
     "in_channels 5, out_channels 10",
     "write conv2d(10, kernel_size=3) (in_channels is inferred) or Conv2d(5, 10, kernel_size=3)"),
    ("flatten, linear(400, 120)", "16x5x5",
     "layers[1] linear: in torch's order linear(400, 120) is Linear(400, 120) — in_features 400, out_features 120",
     "write linear(120) (in_features is inferred) or Linear(400, 120)"),
    ("fc(400, 120)", "400",
     "layers[0] linear: in torch's order fc(400, 120) is Linear(400, 120) — in_features 400, out_features 120",
     "write fc(120) (in_features is inferred) or Linear(400, 120)"),
    ("groupnorm(32, 64)", "64x8x8",
     "layers[0] groupnorm: in torch's order groupnorm(32, 64) is GroupNorm(32, 64) — num_groups 32, num_channels 64",
     "write groupnorm(32) (num_channels is inferred) or GroupNorm(32, 64); for num_groups 32, eps 64 write "
     "groupnorm(32, eps=64)"),
    ("convtranspose2d(8, 2, 2)", "8x4x4",
     "layers[0] convtranspose2d: in torch's order convtranspose2d(8, 2, 2) is ConvTranspose2d(8, 2, 2) — "
     "in_channels 8, out_channels 2, kernel_size 2",
     "write convtranspose2d(2, 2) (in_channels is inferred) or ConvTranspose2d(8, 2, 2); for out_channels 8, "
     "kernel_size 2, stride 2 write convtranspose2d(8, 2, stride=2)"),
    ("deconv(16, 8, 4, 2, 1)", "16x8x8",
     "layers[0] convtranspose2d: in torch's order deconv(16, 8, 4, 2, 1) is ConvTranspose2d(16, 8, 4, 2, 1) — "
     "in_channels 16, out_channels 8, kernel_size 4, stride 2, padding 1",
     "write deconv(8, 4, stride=2, padding=1) (in_channels is inferred) or ConvTranspose2d(16, 8, 4, 2, 1); for "
     "out_channels 16, kernel_size 8, stride 4, padding 2, output_padding 1 write deconv(16, 8, stride=4, "
     "padding=2, output_padding=1)"),
    ("conv1d(3, 8, 3)", "3x32",
     "layers[0] conv1d: in torch's order conv1d(3, 8, 3) is Conv1d(3, 8, 3) — in_channels 3, out_channels 8, "
     "kernel_size 3",
     "write conv1d(8, 3) (in_channels is inferred) or Conv1d(3, 8, 3); for out_channels 3, kernel_size 8, "
     "stride 3 write conv1d(3, 8, stride=3)"),
    # an explicit stride and padding: the shortened spelling of torch's reading must itself be unambiguous
    ("conv2d(6, 5, 1, 0)", "6x8x8",
     "layers[0] conv2d: in torch's order conv2d(6, 5, 1, 0) is Conv2d(6, 5, 1, 0) — in_channels 6, "
     "out_channels 5, kernel_size 1, stride 0",
     "write conv2d(5, 1, stride=0) (in_channels is inferred) or Conv2d(6, 5, 1, 0); for out_channels 6, "
     "kernel_size 5, stride 1, padding 0 write conv2d(6, 5, stride=1, padding=0)"),
    ("conv2d(3, 64, 3, 1, 1)", "3x32x32",
     "layers[0] conv2d: in torch's order conv2d(3, 64, 3, 1, 1) is Conv2d(3, 64, 3, 1, 1) — in_channels 3, "
     "out_channels 64, kernel_size 3, stride 1, padding 1",
     "write conv2d(64, 3, stride=1, padding=1) (in_channels is inferred) or Conv2d(3, 64, 3, 1, 1); for "
     "out_channels 3, kernel_size 64, stride 3, padding 1, dilation 1 write conv2d(3, 64, stride=3, padding=1, "
     "dilation=1)"),
    ("inception(192, 64, 96, 128, 16, 32, 32)", "192x28x28",
     "layers[0] inception: in torch's order inception(192, 64, 96, 128, 16, 32, 32) is "
     "Inception(192, 64, 96, 128, 16, 32, 32) — in_channels 192, ch1x1 64, ch3x3red 96, ch3x3 128, ch5x5red 16, "
     "ch5x5 32, pool_proj 32",
     "write inception(64, 96, 128, 16, 32, 32) (in_channels is inferred) or Inception(192, 64, 96, 128, 16, 32, "
     "32); for ch1x1 192, ch3x3red 64, ch3x3 96, ch5x5red 128, ch5x5 16, pool_proj 32, kernel 32 write "
     "inception(192, 64, 96, 128, 16, 32, kernel=32)"),
    # nested: the path names the element
    ("sequential(relu, conv2d(1, 6, 5))", "1x28x28",
     "layers[0].layers[1] conv2d: in torch's order conv2d(1, 6, 5) is Conv2d(1, 6, 5) — in_channels 1, "
     "out_channels 6, kernel_size 5",
     "write conv2d(6, 5) (in_channels is inferred) or Conv2d(1, 6, 5); for out_channels 1, kernel_size 6, "
     "stride 5 write conv2d(1, 6, stride=5)"),
    # the short form of batchnorm takes no positional value: still "too many", with torch's reading in the hint
    ("batchnorm2d(64)", "64x8x8",
     "layers[0] batchnorm2d: too many positional arguments (1); in this form they are: none: use keywords",
     "in torch's order it is BatchNorm2d(64) — num_features 64: write batchnorm2d (num_features is inferred) or "
     "BatchNorm2d(64)"),
    ("bn(64, 0.001)", "64x8x8",
     "layers[0] batchnorm2d: too many positional arguments (2); in this form they are: none: use keywords",
     "in torch's order it is BatchNorm2d(64, 0.001) — num_features 64, eps 0.001: write bn(eps=0.001) "
     "(num_features is inferred) or BatchNorm2d(64, 0.001)"),
    ("instancenorm2d(6)", "6x8x8",
     "layers[0] instancenorm2d: too many positional arguments (1); in this form they are: none: use keywords",
     "in torch's order it is InstanceNorm2d(6) — num_features 6: write instancenorm2d (num_features is inferred) "
     "or InstanceNorm2d(6)"),
]


@pytest.mark.parametrize("layers, shape, message, hint", REFUSED, ids=[c[0] for c in REFUSED])
def test_a_call_torch_reads_otherwise_is_refused(layers, shape, message, hint):
    result = invoke("shape", "--layers", layers, "--input", shape)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {message}", f"hint: {hint}"]


HINT = re.compile(r"(?:.*: )?write (?P<short>.+?)(?: \(\w+ (?:is|are) inferred\))? or (?P<torch>[A-Z]\S*\(.*?\))"
                  r"(?:; for .+ write (?P<kept>.+))?$")


@pytest.mark.parametrize("layers, shape, message, hint", REFUSED, ids=[c[0] for c in REFUSED])
def test_what_the_hint_says_to_type_is_accepted(layers, shape, message, hint):
    """Both spellings of torch's reading read the same layer; the keyword spelling of convcalc's own
    reading (offered when that reading was a valid call) is not refused."""
    match = HINT.match(hint)
    assert match, hint
    call = re.search(r"in torch's order (.+?) is ", message)  # the refused element in the layers text
    before, _, after = layers.partition(call[1]) if call else ("", "", "")

    def wrap(replacement: str) -> str:
        return f"{before}{replacement}{after}"

    short, torch_form = (invoke("shape", "--layers", wrap(match[form]), "--input", shape, "--json")
                         for form in ("short", "torch"))
    assert short.exit_code == torch_form.exit_code, (short.output, torch_form.output)
    if short.exit_code == 0:
        short, torch_form = json.loads(short.stdout), json.loads(torch_form.stdout)
        assert short["output_shape"] == torch_form["output_shape"]
        assert short["totals"]["params"] == torch_form["totals"]["params"]
    else:  # conv2d(6, 5, 1, 0): stride 0 is refused in both spellings
        assert short.stderr == torch_form.stderr
    if match["kept"]:
        result = invoke("shape", "--layers", wrap(match["kept"]), "--input", shape)
        assert "in torch's order" not in result.stderr, result.stderr


# ----------------------------------------------------------------------------
# Unchanged: torch's reading is incomplete, or reads the same names
# ----------------------------------------------------------------------------
ACCEPTED = [
    ("conv2d(6, 5, padding=2)", "1x28x28", [6, 28, 28]),  # d2l's LeNet: torch would lack kernel_size
    ("conv2d(6, 5)", "1x28x28", [6, 24, 24]),
    ("Conv2d(1, 6, 5)", "1x28x28", [6, 24, 24]),
    ("nn.Conv2d(1, 6, 5, padding=2)", "1x28x28", [6, 28, 28]),
    ("conv2d(6, 5, stride=2)", "1x28x28", [6, 12, 12]),
    ("conv2d(1, 6, stride=5)", "1x28x28", [1, 5, 5]),  # the keyword spelling of the old reading
    ("conv2d(16, (5, 3), padding=(2, 1))", "1x28x28", [16, 28, 28]),
    ("maxpool2d(3, 1, 1)", "1x28x28", [1, 28, 28]),  # no input-size argument: both orders are one
    ("avgpool2d(2, 2)", "1x28x28", [1, 14, 14]),
    ("maxpool2d(3, 2, 1, 1, False, True)", "1x28x28", [1, 15, 15]),
    ("dropout(0.5), leakyrelu(0.2)", "8", [8]),
    ("linear(120)", "400", [120]),
    ("Linear(400, 120)", "400", [120]),
    ("linear(10, bias=False)", "400", [10]),
    ("groupnorm(2)", "4x8x8", [4, 8, 8]),
    ("groupnorm(2, 0.001)", "4x8x8", [4, 8, 8]),  # GroupNorm(2, 0.001) is no call torch builds: eps stands
    ("GroupNorm(32, 64)", "64x8x8", [64, 8, 8]),
    ("batchnorm2d", "64x8x8", [64, 8, 8]),
    ("BatchNorm2d(64)", "64x8x8", [64, 8, 8]),
    ("convtranspose2d(8, 2, stride=2)", "8x4x4", [8, 8, 8]),
    ("inception(64, 96, 128, 16, 32, 32)", "192x28x28", [256, 28, 28]),
    ("Inception(192, 64, 96, 128, 16, 32, 32)", "192x28x28", [256, 28, 28]),
]


@pytest.mark.parametrize("layers, shape, output", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_unambiguous_calls_are_read_as_before(layers, shape, output):
    result = invoke("shape", "--layers", layers, "--input", shape, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output_shape"] == output


def test_the_lenet_line_of_d2l():
    lenet = ("conv2d(6, 5, padding=2), sigmoid, avgpool2d(2, stride=2), conv2d(16, 5), sigmoid, "
             "avgpool2d(2, stride=2), flatten, linear(120), sigmoid, linear(84), sigmoid, linear(10)")
    data = report(lenet, "1x28x28")
    assert data["layers"][0]["output_shape"] == [6, 28, 28]
    assert data["output_shape"] == [10]
    assert data["totals"]["params"] == 61_706


def test_the_reader_raises_the_same_error():
    with pytest.raises(SpecError) as info:
        S.from_inline("conv2d(1, 6, 5)", (1, 28, 28))
    assert info.value.path == "layers[0]"
    assert info.value.exit_code == 2
    assert info.value.hint.startswith("write conv2d(6, 5) (in_channels is inferred) or Conv2d(1, 6, 5)")


# ----------------------------------------------------------------------------
# Torch class names and `convcalc list --types`
# ----------------------------------------------------------------------------
def test_torch_names_spell_the_registry_types():
    for type_name, torch_name in L.TORCH_NAMES.items():
        assert type_name in L.REGISTRY, type_name
        assert torch_name.lower() == type_name, torch_name
    for must in ("batchnorm2d", "convtranspose2d", "adaptiveavgpool2d", "leakyrelu", "gelu", "conv2d", "linear"):
        assert must in L.TORCH_NAMES
    assert "subsampling2d" not in L.TORCH_NAMES  # LeNet-5's S-layer is no torch class


@needs_torch
def test_torch_names_are_torch_nn_classes():
    for type_name, torch_name in L.TORCH_NAMES.items():
        cls = getattr(nn, torch_name, None)
        assert isinstance(cls, type) and issubclass(cls, nn.Module), f"nn.{torch_name} ({type_name})"
    # and every registry type that is a torch.nn class is in the table
    modules = {name.lower(): name for name in dir(nn)
               if isinstance(getattr(nn, name), type) and issubclass(getattr(nn, name), nn.Module)}
    missing = {t: modules[t] for t in L.REGISTRY if t in modules and t not in L.TORCH_NAMES}
    assert not missing


def test_list_types_shows_both_forms():
    result = invoke("list", "--types")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert ("conv2d (conv): conv2d(out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, "
            "padding_mode='zeros', *, connections=None) · Conv2d(in_channels, out_channels, kernel_size, …)") in lines
    assert "linear (dense, fc): linear(out_features, bias=True) · Linear(in_features, out_features, …)" in lines
    assert ("groupnorm: groupnorm(num_groups, eps=1e-05, affine=True, *, bias=True) · "
            "GroupNorm(num_groups, num_channels, …)") in lines
    assert ("batchnorm2d (batchnorm, bn): batchnorm2d(*, eps=1e-05, momentum=0.1, affine=True, "
            "track_running_stats=True, bias=True) · BatchNorm2d(num_features, …)") in lines
    assert "leakyrelu: leakyrelu(negative_slope=0.01, inplace=False) · LeakyReLU(…)" in lines
    assert "sigmoid: sigmoid() · Sigmoid()" in lines
    assert "subsampling2d: subsampling2d(kernel_size, stride=None)" in lines  # not a torch class
    assert any(line.startswith("inception (named block): inception(ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, "
                               "pool_proj, kernel=5, ") and line.endswith(" · Inception(in_channels, ch1x1, ch3x3red, "
                                                                          "ch3x3, ch5x5red, ch5x5, pool_proj, …)")
               for line in lines)
    for type_name in L.REGISTRY:  # one line per type
        assert sum(line.startswith((f"{type_name}:", f"{type_name} (")) and "(block)" not in line
                   for line in lines) == 1, type_name


# ----------------------------------------------------------------------------
# Property: a short reading that succeeds never contradicts torch's reading
# ----------------------------------------------------------------------------
KINDS = sorted(t for t in L.REGISTRY if t not in BLOCKS)
SIZED = [t for t in KINDS if any(f.metadata["sizing"] for f in L.accepted(L.REGISTRY[t][0], t))]

values = st.one_of(
    st.integers(1, 6), st.integers(1, 8), st.integers(1, 4),  # mostly small counts and sizes
    st.integers(0, 2), st.booleans(),
    st.sampled_from([0.5, 0.001, -1, "same", "valid", (2, 1), (1, 1), None]),
)


def _plausible(field):
    """A value of the kind the argument takes (not always a valid one)."""
    default = field.metadata["default"]
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, float):
        return st.sampled_from([0.001, 0.1, 0.5])
    if isinstance(default, str):
        return st.just(default)
    if isinstance(default, int):
        return st.just(default) if default < 0 else st.integers(default, default + 1)  # stride 1-2, padding 0-1
    return st.integers(1, 4)  # required: counts and sizes


def _input_size(field, shape) -> int:
    return shape[-1] if field.name == "in_features" else shape[0]


def _literal(value) -> str:
    return value if isinstance(value, str) else repr(value)  # strings as bare words: padding=same


@st.composite
def calls(draw):
    """(kind, positional values, keywords, input shape): random values anywhere, or values of the right kind
    in torch's order, with the input size (as a student copies ``nn.Conv2d(1, 6, 5)``) or without it."""
    kind = draw(st.sampled_from(KINDS + SIZED * 4))  # the kinds with an input-size argument more often
    cls, ndim = L.REGISTRY[kind]
    fields = L.accepted(cls, kind)
    positional = [f for f in fields if not f.metadata["keyword_only"]]
    spatial = ndim if ndim is not None else draw(st.integers(0, 2))
    shape = (draw(st.sampled_from([1, 2, 3, 4, 6, 8])), *draw(st.lists(st.integers(5, 12), min_size=spatial,
                                                                      max_size=spatial)))
    chosen = draw(st.lists(st.sampled_from(fields), unique_by=lambda f: f.name, max_size=2)) if fields else []
    if draw(st.integers(0, 2)) == 0:
        n = draw(st.integers(0, len(positional) + 1))
        args = draw(st.lists(values, min_size=n, max_size=n))
        keywords = {f.name: draw(values) for f in chosen}
    else:
        # torch's order with the input size (as a student copies nn.Conv2d(1, 6, 5)), or the short one
        order = positional if draw(st.booleans()) else [f for f in positional if f.metadata["positional"]
                                                         and not f.metadata["sizing"]]
        lead = next((i for i, f in enumerate(order) if not (f.metadata["required"] or f.metadata["sizing"])),
                    len(order))  # the required values: conv2d(6, 5), Conv2d(1, 6, 5)
        m = draw(st.one_of(st.just(lead), st.integers(0, len(order))))
        args = [_input_size(f, shape) if f.metadata["sizing"] else draw(_plausible(f)) for f in order[:m]]
        chosen = chosen + [f for f in fields if f.metadata["required"] and f not in chosen]  # by keyword if not
        keywords = {f.name: _input_size(f, shape) if f.metadata["sizing"] else draw(_plausible(f))
                    for f in chosen if f not in order[:m]}
    return kind, args, keywords, shape


def _oracle(kind, args, keywords):
    """From the field metadata alone: (whether both orders give the positional values the same names,
    whether torch's reading is a call torch builds as far as the arguments tell)."""
    fields = L.accepted(L.REGISTRY[kind][0], kind)
    torch_names = [f.name for f in fields if not f.metadata["keyword_only"]]
    short_names = [f.name for f in fields if f.metadata["positional"] and not f.metadata["sizing"]]
    n = len(args)
    same = short_names[:n] == torch_names[:n]
    if n > len(torch_names):
        return same, False
    given = dict(zip(torch_names, args))
    required = {f.name for f in fields if f.metadata["required"] or f.metadata["sizing"]}
    complete = (not set(given) & set(keywords) and set(keywords) <= {f.name for f in fields}
                and required <= {*given, *keywords}
                and all(isinstance(given[f.name], int) for f in fields if f.metadata["sizing"] and f.name in given))
    return same, complete


def _torch_module(kind, args, keywords):
    """torch's own reading of the call, or None where torch refuses to build it."""
    if kind not in L.TORCH_NAMES or "connections" in keywords:  # connections is convcalc's extension
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(nn, L.TORCH_NAMES[kind])(*args, **keywords)
    except Exception:  # TypeError, ValueError, RuntimeError; Hardtanh(1) asserts max_val > min_val
        return None


def _torch_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_a_short_reading_that_succeeds_never_contradicts_torch():
    stats = Counter()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None,
              derandomize=True)  # the same 300 cases every run: the counts below guard coverage, not luck
    @given(case=calls())
    def check(case):
        kind, args, keywords, shape = case
        text = f"{kind}({', '.join([_literal(a) for a in args] + [f'{k}={_literal(v)}' for k, v in keywords.items()])})"
        result = invoke("shape", "--layers", text, "--input", "x".join(map(str, shape)), "--json")
        assert result.exit_code in (0, 1, 2), result.output
        same, complete = _oracle(kind, args, keywords)
        stats["same" if same else "differ"] += 1
        if not same and complete:
            # torch would build another layer: refused, whatever else is wrong with the call
            assert result.exit_code == 2 and "in torch's order" in result.stderr, (text, result.output)
            stats["refused"] += 1
        if result.exit_code == 0:
            stats["accepted"] += 1
            assert same or not complete, text
        if torch is None:
            return
        built = _torch_module(kind, args, keywords)
        if built is not None and not same:
            # torch's reading builds: convcalc must not have read the values as other arguments
            assert result.exit_code != 0, (text, result.stdout)
            stats["torch builds another reading: refused"] += 1
        if result.exit_code == 0:
            # convcalc's reading, given to torch by name with the input size convcalc infers: where torch builds
            # it, the same parameters (with the same names as torch's own reading, or where that is incomplete)
            fields = L.accepted(L.REGISTRY[kind][0], kind)
            short_names = [f.name for f in fields if f.metadata["positional"] and not f.metadata["sizing"]]
            reading = {**dict(zip(short_names, args)), **keywords}
            reading.update({f.name: _input_size(f, shape) for f in fields
                            if f.metadata["sizing"] and f.name not in reading})
            module = _torch_module(kind, [], reading)
            if module is not None:
                data = json.loads(result.stdout)
                assert data["totals"]["params"] == _torch_params(module), (text, shape, reading)
                stats["params compared"] += 1
                stats["nonzero params compared"] += _torch_params(module) > 0
                stats["positional params compared"] += bool(args) and _torch_params(module) > 0

    check()
    assert stats["accepted"] >= 60, stats
    assert stats["refused"] >= 30, stats
    if torch is not None:
        assert stats["torch builds another reading: refused"] >= 20, stats
        assert stats["params compared"] >= 50, stats  # ~100 in a run, ~30 of them with parameters
        assert stats["nonzero params compared"] >= 15, stats
        assert stats["positional params compared"] >= 5, stats
