"""convcalc.readers.torchrepr and .vocabulary: print(model) → counts and graph.

The vocabulary test builds every torch.nn class of the vocabulary with torch (CI has torch 2.13 CPU), prints it,
reads the printed line back and compares parameters and buffers with torch's — leaf by leaf, and through the
engine where the class is a layer. The other tests need no torch.
"""

from __future__ import annotations

import warnings

import pytest

from convcalc import analyze
from convcalc import layers as L
from convcalc.errors import SpecError
from convcalc.readers import read_text
from convcalc.readers import torchrepr as T
from convcalc.readers import vocabulary as V

# ----------------------------------------------------------------------------
# The vocabulary against torch
# ----------------------------------------------------------------------------
#: torch.nn class → constructor calls (args, kwargs, an input shape without batch for the engine, or None)
TORCH_CASES: dict[str, list[tuple[tuple, dict, tuple | None]]] = {
    "Conv1d": [((3, 8, 5), {}, (3, 20)), ((4, 8, 3), {"groups": 2, "bias": False, "padding": "same"}, (4, 9))],
    "Conv2d": [((3, 8, 3), {"stride": 2, "padding": 1}, (3, 16, 16)),
               ((8, 8, (3, 5)), {"groups": 8, "bias": False, "dilation": 2, "padding_mode": "reflect",
                                 "padding": 2}, (8, 12, 12))],
    "Conv3d": [((2, 4, 3), {"bias": False}, (2, 6, 6, 6))],
    "ConvTranspose1d": [((4, 2, 3), {"stride": 2}, (4, 7))],
    "ConvTranspose2d": [((4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}, (4, 7, 7))],
    "ConvTranspose3d": [((2, 2, 2), {"bias": False}, (2, 3, 3, 3))],
    "Linear": [((10, 4), {}, (10,)), ((10, 4), {"bias": False}, (10,))],
    "Bilinear": [((2, 3, 4), {}, None)],
    "BatchNorm1d": [((6,), {}, (6,)), ((6,), {"affine": False, "track_running_stats": False}, (6, 5))],
    "BatchNorm2d": [((6,), {"bias": False}, (6, 4, 4)), ((6,), {"eps": 1e-3, "momentum": None}, (6, 4, 4))],
    "BatchNorm3d": [((2,), {}, (2, 3, 3, 3))],
    "SyncBatchNorm": [((6,), {}, (6, 4, 4))],
    "InstanceNorm1d": [((4,), {}, (4, 9))],
    "InstanceNorm2d": [((4,), {"affine": True, "track_running_stats": True}, (4, 5, 5)),
                       ((4,), {"affine": True, "bias": False}, (4, 5, 5))],
    "InstanceNorm3d": [((2,), {"affine": True}, (2, 3, 3, 3))],
    "LayerNorm": [((8,), {}, (5, 8)), (((4, 5),), {"elementwise_affine": False}, (3, 4, 5)),
                  ((8,), {"bias": False}, (8,))],
    "GroupNorm": [((2, 8), {}, (8, 3, 3)), ((4, 8), {"affine": False}, (8, 3, 3)), ((2, 8), {"bias": False},
                                                                                     (8, 3, 3))],
    "LocalResponseNorm": [((3,), {}, (6, 5, 5))],
    "Embedding": [((10, 4), {"padding_idx": 0}, None)],
    "PReLU": [((), {}, (4, 3, 3)), ((), {"num_parameters": 4}, (4, 3, 3))],
    "MaxPool1d": [((3,), {"stride": 2}, (2, 11))],
    "MaxPool2d": [((3, 2, 1), {"ceil_mode": True}, (2, 10, 10))],
    "MaxPool3d": [((2,), {}, (1, 4, 4, 4))],
    "AvgPool1d": [((3,), {}, (2, 9))],
    "AvgPool2d": [((2,), {}, (2, 8, 8))],
    "AvgPool3d": [((2,), {}, (1, 4, 4, 4))],
    **{f"Adaptive{k}Pool{n}d": [(((1,) * n,), {}, (2, *(5,) * n))] for k in ("Avg", "Max") for n in (1, 2, 3)},
    "Flatten": [((), {}, (2, 3, 3)), ((), {"start_dim": 2}, (2, 3, 3))],
    "Unflatten": [((1, (2, 4)), {}, (8,))],
    "Upsample": [((), {"scale_factor": 2}, (2, 3, 3)), ((), {"size": (5, 5), "mode": "bilinear"}, (2, 3, 3))],
    "UpsamplingNearest2d": [((), {"scale_factor": 2}, (2, 3, 3))],
    "UpsamplingBilinear2d": [((), {"size": (6, 6)}, (2, 3, 3))],
    "PixelShuffle": [((2,), {}, (8, 3, 3))],
    **{f"{k}Pad{n}d": [((1,), {"value": 0.5} if k == "Constant" else {}, (2, *(4,) * n))]
       for k in ("Zero", "Constant", "Reflection", "Replication", "Circular") for n in (1, 2, 3)},
    **{name: [((), {}, (3, 4, 4))] for name in (
        "ReLU", "ReLU6", "LeakyReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid", "LogSigmoid", "Tanh",
        "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign", "Tanhshrink", "Identity", "Dropout",
        "Dropout2d", "AlphaDropout", "FeatureAlphaDropout", "Softmax2d", "RReLU")},
    "Dropout1d": [((), {}, (3, 4))],
    "Dropout3d": [((), {}, (3, 4, 4, 4))],
    "Softmax": [((), {"dim": 1}, (3, 4))],
    "LogSoftmax": [((), {"dim": -1}, (3, 4))],
    "Threshold": [((0.1, 0.0), {}, None)],
    "Softmin": [((), {"dim": 1}, None)],
    "GLU": [((), {}, None)],
    "ChannelShuffle": [((2,), {}, None)],
    "PixelUnshuffle": [((2,), {}, None)],
    "Fold": [(((4, 4), 2), {}, None)],
    "Unfold": [((2,), {}, None)],
    "MultiheadAttention": [((8, 2), {"batch_first": True}, (5, 8)),
                           ((8, 2), {"bias": False, "batch_first": True}, (5, 8))],
    "NonDynamicallyQuantizableLinear": [((6, 3), {}, (6,))],
    "LSTM": [((8, 4), {"batch_first": True, "bidirectional": True}, (5, 8)),
             ((8, 6), {"num_layers": 2, "proj_size": 3, "bias": False}, (5, 8)),
             ((8, 4), {"num_layers": 3, "bidirectional": True, "batch_first": True}, (5, 8))],
    "GRU": [((8, 4), {"batch_first": True}, (5, 8)), ((8, 4), {"num_layers": 2, "bidirectional": True}, (5, 8))],
    "RNN": [((8, 4), {"nonlinearity": "relu", "batch_first": True}, (5, 8)), ((8, 4), {"bias": False}, (5, 8))],
    # the name of timm VOLO's block too (a variant inside VOLO only): torch's reads as a class convcalc does not know
    "Transformer": [((), {"d_model": 8, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1,
                          "dim_feedforward": 16}, None)],
}


def _torch():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    return pytest.importorskip("torch")


def _torch_nn_classes() -> list[str]:
    """The vocabulary's classes that torch.nn has (containers aside)."""
    torch = _torch()
    names = []
    for name in V.CLASSES:
        if name in V.CONTAINERS:
            continue
        if hasattr(torch.nn, name) or name == "NonDynamicallyQuantizableLinear":
            names.append(name)
    return names


def test_every_torch_nn_class_of_the_vocabulary_has_cases():
    missing = [n for n in _torch_nn_classes() if n not in TORCH_CASES]
    assert not missing, missing


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_a_printed_torch_nn_module_reads_back_to_torchs_parameters_and_buffers(name):
    torch = _torch()
    if name == "NonDynamicallyQuantizableLinear":
        from torch.nn.modules.linear import NonDynamicallyQuantizableLinear as cls
    else:
        cls = getattr(torch.nn, name)
    for args, kwargs, shape in TORCH_CASES[name]:
        module = cls(*args, **kwargs)
        params = sum(p.numel() for p in module.parameters())
        buffers = sum(b.numel() for b in module.buffers())
        text = f"Sequential(\n  (0): {_indent(repr(module))}\n)"
        counts = T.count(T.parse(text))
        assert (counts.params, counts.buffers) == (params, buffers), (name, args, kwargs, text)
        if shape is None:
            continue
        network = T.read_network(text, "<test>", input_shape=shape)
        report = analyze(network)
        assert report.ok, (name, [d.line for d in report.errors])
        assert (report.totals.params, report.totals.buffers) == (params, buffers), (name, args, kwargs)
        module.eval()
        with torch.no_grad():
            out = module(*([torch.zeros(1, *shape)] * (3 if name == "MultiheadAttention" else 1)))
        out = out[0] if isinstance(out, tuple) else out
        assert report.output_shape == tuple(out.shape[1:]), (name, args, kwargs)


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


# ----------------------------------------------------------------------------
# The vocabulary is well-formed
# ----------------------------------------------------------------------------
RULES = {"conv", "convtranspose", "linear", "bilinear", "batchnorm", "instancenorm", "layernorm", "groupnorm",
         "prelu", "embedding", "scaledstdconv", "mha", "rnn", "none", None}
STEP_KEYS = {"call", "uses", "op", "add", "mul", "cat", "set", "if", "param", "aux", "children", "self", "in_proj",
             "unsupported", "windows", "reshape_as"}


def _entries():
    for name, spec in V.CLASSES.items():
        yield name, spec
        for variant in spec.get("variants", ()):
            yield f"{name} (variant)", {**spec, **variant}


def test_no_section_of_the_vocabulary_silently_replaces_anothers_class():
    """Eight families were added at once in sections of their own; a name two sections defined (ConvBlock, FFN,
    StageBlock, Attention2d) replaced the earlier family's entry on merging, and that family was refused or read
    otherwise. A family that reads a name another uses adds variants to it instead."""
    seen: dict[str, int] = {}
    for i, section in enumerate(V.SECTIONS):
        again = {name for name in section if name in seen} - V.REDEFINED
        assert not again, f"section {i} defines again {sorted(again)} (first in section {seen[min(again)]})"
        seen.update({name: i for name in section if name not in seen})
    assert all(sum(name in section for section in V.SECTIONS) > 1 for name in V.REDEFINED)  # no stale entry


@pytest.mark.parametrize("name,spec", list(_entries()), ids=[n for n, _ in _entries()])
def test_vocabulary_entries_are_well_formed(name, spec):
    assert spec.get("kind", "block") in ("leaf", "block", "container", "unsupported", "unmatched")
    assert spec.get("count") in RULES, name
    if spec.get("kind") == "leaf" and spec.get("type") is not None:
        assert spec["type"] in L.REGISTRY, name
    forward = spec.get("forward")
    if isinstance(forward, list):
        def check(steps):
            for step in steps:
                if isinstance(step, str):
                    assert step.rstrip("?").isidentifier() or step.rstrip("?").replace("_", "").isalnum(), step
                    continue
                assert step.keys() & STEP_KEYS, (name, step)
                if "op" in step:
                    assert step["op"]["type"] in L.REGISTRY, (name, step)
                for key in ("then", "else"):
                    check(step.get(key, []))
        check(forward)
    else:
        assert forward in (None, "sequential", "dense", "branches", "append", *T.PATTERNS), name


# ----------------------------------------------------------------------------
# Reading print(model): the cases the issue names
# ----------------------------------------------------------------------------
BN_ACT = """Net(
  (conv): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
  (bn): BatchNormAct2d(
    8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True
    (drop): Identity()
    (act): ReLU(inplace=True)
  )
)
"""


def test_a_line_with_arguments_and_children_keeps_its_own_parameters():
    """timm's BatchNormAct2d prints (8, eps=…) and then (drop), (act): its BatchNorm is counted, not dropped."""
    counts = T.count(T.parse(BN_ACT))
    assert (counts.params, counts.buffers) == (3 * 8 * 9 + 16, 17)
    report = analyze(T.read_network(BN_ACT, "<t>", input_shape=(3, 8, 8)))
    assert report.ok and (report.totals.params, report.totals.buffers) == (232, 17)
    assert [r.node for r in report.layers if not r.block] == ["conv", "bn.bn", "bn.drop", "bn.act"]


def test_an_unknown_class_printing_its_own_arguments_is_refused_by_name():
    text = BN_ACT.replace("BatchNormAct2d", "FancyNormAct")
    with pytest.raises(T.Refused) as info:
        T.read_network(text, "<t>", input_shape=(3, 8, 8))
    assert info.value.cls == "FancyNormAct" and info.value.exit_code == 2
    assert "prints arguments of its own and children" in str(info.value)


def test_a_module_list_short_form_is_expanded_into_separate_modules():
    text = ("Net(\n  (blocks): ModuleList(\n    (0-2): 3 x Block(\n      (fc): Linear(in_features=4, out_features=4, "
            "bias=True)\n    )\n  )\n)")
    root = T.parse(text)
    blocks = root.children[0].children
    assert [b.key for b in blocks] == ["0", "1", "2"]
    assert blocks[0].children[0] is not blocks[1].children[0]
    assert [b.children[0].path for b in blocks] == ["blocks.0.fc", "blocks.1.fc", "blocks.2.fc"]
    assert T.count(root).params == 3 * 20


SE = """MobileNetV3(
  (features): Sequential(
    (0): InvertedResidual(
      (block): Sequential(
        (0): Conv2dNormActivation(
          (0): Conv2d(16, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=16, bias=False)
          (1): BatchNorm2d(16, eps=0.001, momentum=0.01, affine=True, track_running_stats=True)
          (2): ReLU(inplace=True)
        )
        (1): SqueezeExcitation(
          (avgpool): AdaptiveAvgPool2d(output_size=1)
          (fc1): Conv2d(16, 8, kernel_size=(1, 1), stride=(1, 1))
          (fc2): Conv2d(8, 16, kernel_size=(1, 1), stride=(1, 1))
          (activation): ReLU()
          (scale_activation): Hardsigmoid()
        )
        (2): Conv2dNormActivation(
          (0): Conv2d(16, 16, kernel_size=(1, 1), stride=(1, 1), bias=False)
          (1): BatchNorm2d(16, eps=0.001, momentum=0.01, affine=True, track_running_stats=True)
        )
      )
    )
  )
  (avgpool): AdaptiveAvgPool2d(output_size=1)
  (classifier): Sequential(
    (0): Linear(in_features=16, out_features=10, bias=True)
  )
)
"""


def test_squeeze_excitation_is_a_gate_multiplied_onto_its_input():
    report = analyze(T.read_network(SE, "<t>", input_shape=(16, 8, 8)))
    assert report.ok and report.output_shape == (10,)
    rows = {r.node: r for r in report.layers}
    assert rows["features.0.block.1.mul"].inputs == ("features.0.block.0", "features.0.block.1.scale_activation")
    assert rows["features.0.block.1.fc1"].output_shape == (8, 1, 1)
    assert rows["features.0.add"].output_shape == (16, 8, 8)  # stride 1, 16 → 16: use_res_connect
    # MACs: the depthwise conv and the 1x1 conv on 8x8, the SE convs on 1x1, the classifier
    assert report.totals.macs == 16 * 9 * 64 + 16 * 16 * 64 + 16 * 8 * 2 + 16 * 10


DENSE = """_DenseBlock(
  (denselayer1): _DenseLayer(
    (norm1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (relu1): ReLU(inplace=True)
    (conv1): Conv2d(4, 8, kernel_size=(1, 1), stride=(1, 1), bias=False)
  )
  (denselayer2): _DenseLayer(
    (norm1): BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (relu1): ReLU(inplace=True)
    (conv1): Conv2d(6, 2, kernel_size=(1, 1), stride=(1, 1), bias=False)
  )
)
"""


def test_a_dense_block_concatenates_every_earlier_output():
    text = DENSE.replace("Conv2d(4, 8", "Conv2d(4, 2")
    report = analyze(T.read_network(text, "<t>", input_shape=(4, 5, 5)))
    assert report.ok and report.output_shape == (8, 5, 5)
    rows = {r.node: r for r in report.layers}
    assert rows["denselayer2.norm1"].input_shape == (6, 5, 5)


def test_a_guess_that_does_not_fit_is_shapes_unknown_never_exit_1():
    """DENSE's first layer writes 8 channels but the second reads 6: read in order (an unknown class) that is not
    torch's verdict but convcalc's guess failing — exit 2, naming the class."""
    text = DENSE.replace("_DenseBlock", "MyDenseBlock").replace("_DenseLayer", "MyLayer")
    network = T.read_network(text, "<t>", input_shape=(4, 5, 5))
    with pytest.raises(T.ShapesUnknown) as info:
        analyze(network)
    assert info.value.exit_code == 2 and info.value.cls == "MyDenseBlock"  # outermost guess first
    assert "shapes unknown from here" in str(info.value)


def test_a_real_error_before_any_guess_is_still_exit_1():
    text = "Sequential(\n  (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1))\n  (1): Linear(in_features=9, " \
           "out_features=2, bias=True)\n)"
    report = analyze(T.read_network(text, "<t>", input_shape=(3, 5, 5)))
    assert not report.ok and "in_features=9" in report.errors[0].line


VIT_TV = """VisionTransformer(
  (conv_proj): Conv2d(3, 8, kernel_size=(4, 4), stride=(4, 4))
  (encoder): Encoder(
    (dropout): Dropout(p=0.0, inplace=False)
    (layers): Sequential(
      (encoder_layer_0): EncoderBlock(
        (ln_1): LayerNorm((8,), eps=1e-06, elementwise_affine=True)
        (self_attention): MultiheadAttention(
          (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)
        )
        (dropout): Dropout(p=0.0, inplace=False)
        (ln_2): LayerNorm((8,), eps=1e-06, elementwise_affine=True)
        (mlp): MLPBlock(
          (0): Linear(in_features=8, out_features=16, bias=True)
          (1): GELU(approximate='none')
          (2): Dropout(p=0.0, inplace=False)
          (3): Linear(in_features=16, out_features=8, bias=True)
          (4): Dropout(p=0.0, inplace=False)
        )
      )
    )
    (ln): LayerNorm((8,), eps=1e-06, elementwise_affine=True)
  )
  (heads): Sequential(
    (head): Linear(in_features=8, out_features=10, bias=True)
  )
)
"""


def test_hidden_parameters_of_torchvisions_vit_come_from_the_class_and_the_input():
    """class_token (1·E), pos_embedding ((tokens + 1)·E, from the input), the attention's in-projection (3·E² + 3·E):
    none is printed."""
    report = analyze(T.read_network(VIT_TV, "<t>", input_shape=(3, 16, 16)))
    assert report.ok and report.output_shape == (10,)
    e, tokens = 8, (16 // 4) ** 2 + 1
    printed = (3 * 16 * e + e) + 3 * 2 * e + (e * e + e) + (e * 16 + 16 + 16 * e + e) + (e * 10 + 10)
    hidden = e + tokens * e + 3 * e * e + 3 * e
    assert report.totals.params == printed + hidden
    rows = {r.node: r for r in report.layers}
    assert rows["class_token"].output_shape == (tokens, e)
    assert rows["encoder.pos_embedding"].params == tokens * e
    # MACs: the patch conv, the in/out projections, the MLP and the head, on every token
    assert report.totals.macs == 3 * 16 * e * 16 + tokens * (3 * e * e + e * e + 2 * e * 16) + e * 10
    counts = T.count(T.parse(VIT_TV))
    assert counts.lower_bound  # without the input, the position embedding's size is open


def test_an_open_hidden_parameter_makes_the_total_a_lower_bound_and_is_refused():
    text = VIT_TV.replace("(conv_proj)", "(patch_embed)").replace("(encoder)", "(blocks)")
    with pytest.raises(SpecError) as info:
        read_text(text, "<t>", fmt="pytorch-repr", input_shape=(3, 16, 16))
    assert info.value.exit_code == 2 and "VisionTransformer" in str(info.value)
    assert "at least" in info.value.hint


SAME = """Sequential(
  (0): Conv2dSame(3, 4, kernel_size=(3, 3), stride=(2, 2), bias=False)
  (1): MaxPool2dSame(kernel_size=(3, 3), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False)
)
"""


def test_timm_same_padding_is_tensorflows():
    report = analyze(T.read_network(SAME, "<t>", input_shape=(3, 15, 15)))
    assert report.ok and report.output_shape == (4, 4, 4)  # ceil(15 / 2) = 8, ceil(8 / 2) = 4
    assert [r.output_shape for r in report.layers if not r.block][:2] == [(3, 17, 17), (4, 8, 8)]


def test_avgpool_whose_ceil_mode_matters_is_shapes_unknown():
    text = "Sequential(\n  (0): AvgPool2d(kernel_size=2, stride=2, padding=0)\n)"
    assert analyze(T.read_network(text, "<t>", input_shape=(1, 8, 8))).output_shape == (1, 4, 4)
    with pytest.raises(T.ShapesUnknown, match="ceil_mode"):
        analyze(T.read_network(text, "<t>", input_shape=(1, 9, 9)))


def test_googlenets_auxiliary_heads_count_with_aux_only():
    text = """GoogLeNet(
  (conv1): BasicConv2d(
    (conv): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
    (bn): BatchNorm2d(8, eps=0.001, momentum=0.1, affine=True, track_running_stats=True)
  )
  (maxpool1): MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=True)
  (conv2): Identity()
  (conv3): Identity()
  (maxpool2): Identity()
  (inception3a): Identity()
  (inception3b): Identity()
  (maxpool3): Identity()
  (inception4a): Identity()
  (inception4b): Identity()
  (inception4c): Identity()
  (inception4d): Identity()
  (inception4e): Identity()
  (maxpool4): Identity()
  (inception5a): Identity()
  (inception5b): Identity()
  (aux1): InceptionAux(
    (conv): BasicConv2d(
      (conv): Conv2d(8, 4, kernel_size=(1, 1), stride=(1, 1), bias=False)
      (bn): BatchNorm2d(4, eps=0.001, momentum=0.1, affine=True, track_running_stats=True)
    )
    (fc1): Linear(in_features=64, out_features=8, bias=True)
    (fc2): Linear(in_features=8, out_features=2, bias=True)
    (dropout): Dropout(p=0.7, inplace=False)
  )
  (aux2): None
  (avgpool): AdaptiveAvgPool2d(output_size=(1, 1))
  (dropout): Dropout(p=0.2, inplace=False)
  (fc): Linear(in_features=8, out_features=2, bias=True)
)
"""
    main = analyze(T.read_network(text, "<t>", input_shape=(3, 16, 16)))
    both = analyze(T.read_network(text, "<t>", input_shape=(3, 16, 16), aux=True))
    aux = (4 * 8 + 8) + (64 * 8 + 8) + (8 * 2 + 2)
    assert main.ok and main.output_shape == (2,) and both.totals.params == main.totals.params + aux
    assert T.count(T.parse(text)).params == both.totals.params


def test_cli_exit_codes_for_print_model(tmp_path):
    from typer.testing import CliRunner

    from convcalc.cli import app

    good = tmp_path / "se.txt"
    good.write_text(SE)
    bad = tmp_path / "vit.txt"
    bad.write_text(VIT_TV.replace("(conv_proj)", "(patch_embed)").replace("(encoder)", "(blocks)"))
    runner = CliRunner()
    assert runner.invoke(app, ["params", str(good), "--input", "16x8x8", "--format", "json"]).exit_code == 0
    result = runner.invoke(app, ["shape", str(bad), "--input", "3x16x16"])
    assert result.exit_code == 2


def test_an_optional_call_by_a_dotted_key_reaches_the_child(monkeypatch):
    """A forward step ``"stages.0.conv?"`` names a module two levels down: the lookup of its parent took ``stages.0``
    as one child's name, found none and skipped the optional call, leaving the module unplaced (a helper's finding).
    Conv 3→8 3×3 pad 1: 224 parameters, 8×8×8 out of 3×8×8 (torch's counts for nn.Conv2d(3, 8, 3, padding=1))."""
    monkeypatch.setitem(V.CLASSES, "DottedBlock", {"kind": "block",
                                                   "forward": ["stages.0.conv?", "stages.0.act?", "stages.0.drop?"]})
    text = ("DottedBlock(\n  (stages): ModuleList(\n    (0): Sequential(\n"
            "      (conv): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n      (act): ReLU()\n"
            "    )\n  )\n)")
    report = analyze(T.read_network(text, "<t>", input_shape=(3, 8, 8)))
    assert report.ok and report.output_shape == (8, 8, 8) and report.totals.params == 224
    assert [r.type for r in report.layers if not r.block] == ["conv2d", "relu"]  # drop is not printed: skipped
