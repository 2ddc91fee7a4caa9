"""Reading specs: the formats agree, the inline grammar, and every unusable input is a SpecError naming its element."""

import json

import pytest

from convcalc import NetworkError, SpecError, analyze, from_data, from_inline, parse_shape
from convcalc.readers import read_file
from convcalc.readers.inline import parse_inline
from convcalc.readers.spec import parse_text

LENET_DATA = {
    "name": "lenet", "input": [1, 28, 28],
    "layers": [{"type": "conv2d", "out_channels": 6, "kernel_size": 5, "padding": 2}, "sigmoid",
               {"type": "avgpool2d", "kernel_size": 2, "stride": 2}, {"type": "conv2d", "out_channels": 16,
                                                                      "kernel_size": 5},
               "sigmoid", {"type": "avgpool2d", "kernel_size": 2, "stride": 2}, "flatten",
               {"type": "linear", "out_features": 120}, "sigmoid", {"type": "linear", "out_features": 84}, "sigmoid",
               {"type": "linear", "out_features": 10}],
}
LENET_YAML = """
name: lenet
input: 1x28x28
layers:
  - {type: conv2d, out_channels: 6, kernel_size: 5, padding: 2}
  - sigmoid
  - {type: avgpool2d, kernel_size: 2, stride: 2}
  - {type: conv2d, out_channels: 16, kernel_size: 5}
  - sigmoid
  - {type: avgpool2d, kernel_size: 2, stride: 2}
  - flatten
  - {type: linear, out_features: 120}
  - sigmoid
  - {type: linear, out_features: 84}
  - sigmoid
  - {type: linear, out_features: 10}
"""
LENET_TOML = """
name = "lenet"
input = [1, 28, 28]
layers = [
  {type = "conv2d", out_channels = 6, kernel_size = 5, padding = 2}, "sigmoid",
  {type = "avgpool2d", kernel_size = 2, stride = 2},
  {type = "conv2d", out_channels = 16, kernel_size = 5}, "sigmoid",
  {type = "avgpool2d", kernel_size = 2, stride = 2}, "flatten",
  {type = "linear", out_features = 120}, "sigmoid", {type = "linear", out_features = 84}, "sigmoid",
  {type = "linear", out_features = 10},
]
"""
LENET_INLINE = ("conv2d(6, 5, padding=2), sigmoid, avgpool2d(2, 2), conv2d(16, 5), sigmoid, avgpool2d(2, 2), "
                "flatten, linear(120), sigmoid, linear(84), sigmoid, linear(10)")
LENET_TORCH = ("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2), "
               "nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(), "
               "nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10)")


def summary(network):
    report = analyze(network, input_shape=(1, 28, 28))
    return report.ok, [(r.type, r.output_shape, r.params) for r in report.layers]


def test_every_format_reads_the_same_network(tmp_path):
    expected = summary(from_data(LENET_DATA))
    assert expected[0] and len(expected[1]) == 12
    for suffix, text in [(".json", json.dumps(LENET_DATA)), (".yaml", LENET_YAML), (".toml", LENET_TOML)]:
        path = tmp_path / f"lenet{suffix}"
        path.write_text(text)
        assert summary(read_file(path)) == expected, suffix
    assert summary(from_inline(LENET_INLINE, None)) == expected


def test_torch_call_syntax_takes_torch_positional_order():
    # 16 * 5 * 5 is not a literal: the torch form must be literal values; in_features=400 is checked
    text = LENET_TORCH.replace("16 * 5 * 5", "400")
    assert summary(from_inline(text, None)) == summary(from_data(LENET_DATA))


def test_arrow_separator_and_short_aliases():
    network = from_inline("conv(6, 5) -> bn -> relu -> maxpool(2) -> flatten -> fc(10)", (1, 28, 28))
    assert [n.layer.type for n in network.nodes] == ["conv2d", "batchnorm2d", "relu", "maxpool2d", "flatten", "linear"]


def test_inline_blocks():
    layers = parse_inline("concat([conv2d(4, 1)], [maxpool2d(3, 1, 1), conv2d(4, 1)]), add([relu]), "
                          "sequential(conv2d(2, 1), relu)")
    assert layers[0] == {"type": "concat", "branches": [[{"type": "conv2d", "out_channels": 4, "kernel_size": 1}],
                                                        [{"type": "maxpool2d", "kernel_size": 3, "stride": 1,
                                                          "padding": 1},
                                                         {"type": "conv2d", "out_channels": 4, "kernel_size": 1}]]}
    assert layers[2]["layers"][1] == {"type": "relu"}


def test_bare_words_and_pairs():
    layer = from_inline("conv2d(4, (5, 3), padding=same)", (1, 8, 8)).nodes[0].layer
    assert layer.kernel_size == (5, 3)
    assert layer.padding == "same"


@pytest.mark.parametrize("text,expected", [
    ("1x28x28", (1, 28, 28)), ("3×224×224", (3, 224, 224)), ("[1, 28, 28]", (1, 28, 28)), ("784", (784,)),
    ("2,16,8", (2, 16, 8)),
])
def test_parse_shape(text, expected):
    assert parse_shape(text) == expected


@pytest.mark.parametrize("text", ["", "1x0x28", "axb", "1x2x3x4x5x6", "-1x28x28", "1.5x28", "1x99999999999"])
def test_parse_shape_rejects(text):
    with pytest.raises(SpecError):
        parse_shape(text, "--input")


def spec_error(data) -> SpecError:
    with pytest.raises(SpecError) as info:
        from_data(data)
    return info.value


@pytest.mark.parametrize("layer,path,message", [
    pytest.param({"type": "conv2d", "out_channels": 4.0, "kernel_size": 3}, "layers[0]",
                 "conv2d: out_channels must be an integer, got the float 4.0", id="float-int"),
    pytest.param({"type": "conv2d", "out_channels": True, "kernel_size": 3}, "layers[0]",
                 "conv2d: out_channels must be an integer, got the bool True", id="bool-int"),
    pytest.param({"type": "conv2d", "out_channels": "4", "kernel_size": 3}, "layers[0]",
                 "conv2d: out_channels must be an integer, got the string '4'", id="string-int"),
    pytest.param({"type": "conv2d", "out_channels": 4, "kernel_size": 0}, "layers[0]",
                 "conv2d: kernel_size must be at least 1, got 0", id="zero-kernel"),
    pytest.param({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": -1}, "layers[0]",
                 "conv2d: padding must be at least 0, got -1", id="negative-padding"),
    pytest.param({"type": "conv2d", "out_channels": 4, "kernel_size": [3, 3, 3]}, "layers[0]",
                 "conv2d: kernel_size must be an integer or 2 integers, got 3 values", id="wrong-arity"),
    pytest.param({"type": "conv2d", "out_channels": 4}, "layers[0]",
                 "conv2d: missing required argument 'kernel_size'", id="missing-required"),
    pytest.param({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "bias": "yes"}, "layers[0]",
                 "conv2d: bias must be true or false, got the string 'yes'", id="string-bool"),
    pytest.param({"type": "dropout", "p": 1.5}, "layers[0]", "dropout: p must be at most 1, got 1.5", id="p"),
])
def test_bad_values_are_spec_errors(layer, path, message):
    err = spec_error({"input": [1, 8, 8], "layers": [layer]})
    assert err.path == path
    assert err.message == message


def test_unknown_key_gets_a_did_you_mean():
    err = spec_error({"input": [1, 8, 8], "layers": ["relu", {"type": "conv2d", "out_channel": 4, "kernel_size": 3}]})
    assert str(err) == "layers[1] conv2d: unknown argument 'out_channel'"
    assert err.hint == "did you mean 'out_channels'?"


def test_unknown_type_gets_a_did_you_mean():
    err = spec_error({"input": [1, 8, 8], "layers": [{"type": "concat", "branches": [["relu", "maxpol2d"]]}]})
    assert err.path == "layers[0].branches[0][1]"
    assert err.message == "unknown layer type 'maxpol2d'"
    assert err.hint == "did you mean 'maxpool2d'?"


def test_unknown_top_level_key():
    err = spec_error({"input": [1, 8, 8], "layer": []})
    assert "unknown top-level key 'layer'" in str(err)
    assert err.hint == "did you mean 'layers'?"


def test_nested_paths_name_sequential_children():
    err = spec_error({"input": [1, 8, 8], "layers": [
        "relu", {"type": "sequential", "layers": ["relu", {"type": "linear"}]}]})
    assert err.path == "layers[1].layers[1]"


def test_yaml_tags_never_construct_objects():
    with pytest.raises(SpecError, match="invalid YAML"):
        parse_text("input: !!python/object/apply:os.system ['echo hi']\nlayers: []\n", "yaml", "x.yaml")


def test_deeply_nested_input_is_refused_not_crashing():
    deep_yaml = "layers: " + "[" * 50_000 + "]" * 50_000
    with pytest.raises(SpecError):
        from_data(parse_text(deep_yaml, "yaml", "deep.yaml"))
    deep_json = '{"layers": ' + "[" * 50_000 + "]" * 50_000 + "}"
    with pytest.raises(SpecError):
        from_data(parse_text(deep_json, "json", "deep.json"))
    deep_inline = "add([" * 5000 + "relu" + "])" * 5000
    with pytest.raises(SpecError):
        from_inline(deep_inline, (1, 8, 8))


def test_yaml_alias_bomb_is_bounded():
    lines = ["a0: &a0 [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]"]
    for i in range(1, 16):  # each level repeats the previous one 4 times: 10·4^15 layers once expanded
        block = f"{{type: sequential, layers: *a{i - 1}}}"
        lines.append(f"a{i}: &a{i} [{block}, {block}, {block}, {block}]")
    lines.append("input: [1, 8, 8]")
    lines.append("layers: *a15")
    data = parse_text("\n".join(lines), "yaml", "bomb.yaml")
    data = {k: v for k, v in data.items() if k in ("input", "layers")}
    with pytest.raises(SpecError, match="more than 100,000 layers"):
        from_data(data)


def test_malformed_files_name_the_place(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"input": [1, 8, 8], "layers": [}')
    with pytest.raises(SpecError, match=r"bad.json: invalid JSON at line 1, column 33"):
        read_file(path)
    with pytest.raises(SpecError, match="cannot read"):
        read_file(tmp_path / "missing.yaml")


def test_bn_short_form_takes_no_positional_arguments():
    with pytest.raises(SpecError, match="too many positional arguments"):
        from_inline("batchnorm2d(64)", (64, 8, 8))
    assert from_inline("BatchNorm2d(64)", (64, 8, 8)).nodes[0].layer.num_features == 64


def test_network_errors_are_not_raised_by_the_reader():
    # a channel mismatch is a property of the network: the reader accepts it, the analysis reports it
    network = from_inline("Conv2d(3, 6, 5)", (1, 28, 28))
    report = analyze(network)
    assert not report.ok
    assert report.errors[0].line == "layers[0] conv2d: in_channels=3 but the previous layer gives 1 channels"
    assert report.errors[0].hint == "set in_channels=1"
    assert issubclass(NetworkError, Exception)


def test_a_key_given_twice_is_an_error_in_every_format():
    with pytest.raises(SpecError, match="the key 'out_channels' is given twice"):
        parse_text("layers:\n  - {type: conv2d, out_channels: 4, kernel_size: 3, out_channels: 5}\n", "yaml", "d.yaml")
    with pytest.raises(SpecError, match="the key 'input' is given twice"):
        parse_text('{"input": [1, 8, 8], "input": [1, 9, 9], "layers": []}', "json", "d.json")
    with pytest.raises(SpecError, match="out_channels given twice"):
        from_inline("conv2d(out_channels=4, kernel_size=3, out_channels=5)", (1, 8, 8))
