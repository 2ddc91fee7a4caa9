"""Properties over generated networks: the CLI only ever exits 0, 1 or 2, and the smallest input a
stack of unpadded layers accepts is its receptive field."""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from convcalc import analyze, from_data  # noqa: E402
from convcalc.cli import app  # noqa: E402
from convcalc.report import smallest_input  # noqa: E402

values = st.one_of(st.integers(-3, 40), st.booleans(), st.none(), st.floats(-2, 40, allow_nan=False),
                   st.sampled_from(["same", "valid", "x", ""]), st.lists(st.integers(-1, 9), max_size=4))
keys = st.sampled_from(["out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
                        "out_features", "in_channels", "ceil_mode", "p", "output_size", "start_dim", "dim", "bogus"])
types = st.sampled_from(["conv2d", "conv1d", "maxpool2d", "avgpool2d", "linear", "flatten", "relu", "batchnorm2d",
                         "convtranspose2d", "adaptiveavgpool2d", "dropout", "nosuch", "concat", "add", "inception"])
layer = st.one_of(types, st.fixed_dictionaries({"type": types}, optional={k: values for k in
                                                                           ["out_channels", "kernel_size", "stride",
                                                                            "padding", "bias", "out_features"]}),
                  st.dictionaries(keys, values, max_size=3))
spec = st.fixed_dictionaries({"input": st.one_of(st.lists(st.integers(0, 20), min_size=1, max_size=5),
                                                 st.text(max_size=8)),
                              "layers": st.lists(layer, max_size=6)})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=spec, fmt=st.sampled_from(["table", "json"]))
def test_the_cli_exits_only_0_1_or_2(spec, fmt):
    result = CliRunner().invoke(app, ["shape", "-", "--format", fmt], input=json.dumps(spec))
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stderr.startswith("error: ")


unpadded = st.one_of(
    st.builds(lambda k, s: {"type": "conv2d", "out_channels": 2, "kernel_size": k, "stride": s},
              st.integers(1, 5), st.integers(1, 3)),
    st.builds(lambda k, s: {"type": "maxpool2d", "kernel_size": k, "stride": s}, st.integers(1, 4), st.integers(1, 3)),
    st.just("relu"),
)


@settings(max_examples=60, deadline=None)
@given(layers=st.lists(unpadded, min_size=1, max_size=6))
def test_smallest_input_of_unpadded_layers_is_the_receptive_field(layers):
    network = from_data({"input": [2, 64, 64], "layers": layers})
    found, below = smallest_input(network)
    # one output pixel needs exactly the input pixels it sees: its receptive field
    rf = analyze(network, input_shape=found).layers[-1].receptive_field
    assert found == (2, rf[0], rf[0])
    assert found[1] == 1 or not below.ok
