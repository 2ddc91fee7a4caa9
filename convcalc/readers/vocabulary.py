"""The classes print(model) shows, as data: class name → layer kind, arguments, hidden parameters, forward.

:data:`CLASSES` maps a printed class name to an entry:

``kind``
    ``leaf`` (a module printed on one line, run as one engine layer, or as the few ``elements`` it expands
    to), ``block`` (children, and a ``forward``), ``container`` (ModuleList/ModuleDict: no forward; a
    parent's forward calls it in order) or ``unsupported`` (known, counted, but its forward is not
    modelled: shapes stop there, ``why`` says why).
``count``
    how its own printed arguments give its parameters and buffers (:func:`.torchrepr.own_counts`):
    ``conv``, ``convtranspose``, ``linear``, ``batchnorm``, ``instancenorm``, ``layernorm``,
    ``groupnorm``, ``prelu``, ``embedding``, ``scaledstdconv``, ``rnn`` (RNN, GRU, LSTM: ``gates`` × hidden rows per
    layer and direction), ``none``.
``args``
    the printed positional arguments, in torch's order (``Conv2d(3, 64, …)``: in_channels, out_channels).
``type``, ``rename``, ``drop``, ``keep``, ``set``
    the engine layer a leaf is, and how its printed arguments map onto that layer's.
``hidden``
    parameters no line prints: ``name``, ``count`` (a number, a path into the printed tree such as
    ``block.0.out_channels`` — ``^`` is the parent — or a list of factors; ``None``: the size of the tensor
    it meets, known once the shapes are), ``when`` (a condition), ``buffer`` (a buffer, not a parameter),
    ``why`` (said when it cannot be known), ``per_row`` (with ``count: None`` and ``buffer``: so many elements — a
    list of factors — for each row, the token, of the tensor its ``param`` step meets: timm's rotary embeddings'
    cached sin/cos table).
``forward``
    ``"sequential"`` (the children in order), ``"dense"`` (DenseNet: each child reads the concatenation of
    the input and every earlier child), ``"branches"`` (every child reads the input; their outputs are
    concatenated in order: Inception), a name in ``torchrepr.PATTERNS`` (a forward computed from the printed
    tree: ``res2net``, ``split_attention``; ``hieradet_block``: timm HieraDet's per-block window from the assumed
    ``window_spec``, ``global_att_blocks`` and ``stages``; ``efficientvim``: timm EfficientViM unrolled, its blocks
    giving the map and HSM-SSD's hidden state), ``"append"`` (the children in order; the input and every child's
    output concatenated: timm's SequentialAppendList), or a list of steps:

    * ``"conv1"`` — call child ``conv1`` on the current tensor; ``"se?"`` — if it is printed (not ``None``,
      not an empty ``Sequential()``);
    * ``{"call": "downsample", "from": "input", "as": "identity", "optional": True}`` — call a child on a
      named tensor and name its result (an absent optional child names the tensor it would have read);
      ``"folded": True`` — a one-line child run on a tensor whose first dim is folded into torch's batch (``B·N``
      samples, timm TNT's patches): on each of the N, its MACs N times (:func:`.torchrepr._folded_class`);
    * ``{"op": {...}}`` — an engine element on the current tensor (``from`` names others);
    * ``{"add": [a, b]}``, ``{"mul": [...]}``, ``{"cat": [...], "dim": 1}`` — merges; ``"@"`` is the current
      tensor, ``"input"`` the block's input, any other word a child's result or a name given with ``as``;
    * ``{"set": "out"}`` — name the current tensor; ``{"set": "@", "to": NAME}`` — go on from a named tensor (after
      a child called off the main path);
    * ``{"if": COND, "then": [...], "else": [...]}`` — COND: ``has:KEY``, ``class:KEY=Cls1|Cls2`` (KEY may be a
      path: ``stages.0.blocks.0.attn.qkv``),
      ``same_io`` (the first conv reads as many channels as the last writes, every stride 1: torch's
      ``use_res_connect``), ``{"equal": [PATH, PATH]}`` (two values of the printed tree, both shown and equal:
      ``norm.num_features`` and ``attn.output.proj.out_channels``), ``index_in:KEY`` (the numbered block it is in
      is listed in ``assume`` KEY, numbers separated by ``/``: timm SAM's global_attn_indexes), or
      ``{"not"|"all"|"any": …}``;
    * ``{"param": NAME, "mode": "mul"|"add"|"cat", "tokens": k}`` — a hidden parameter applied here (``k`` may be
      ``"assume:KEY"``); a hidden entry's ``"per": "attention_bias"`` with the step's ``heads``, ``stride``, ``grid``
      (``"last"``: H × W × C, ``"first"``: C × H × W): timm LeViT's heads × H·W attention biases and their
      H·W × ⌈H/s⌉·⌈W/s⌉ index, sized by the grid it meets;
    * ``{"reshape_as": NAME}`` — ``x.reshape_as(NAME)``: NAME's shape, as many elements (:class:`.torchrepr.ReshapeAs`);
      ``"trailing": k``: ``x.reshape(B, -1, *NAME.shape[-k:])`` (timm EfficientViM's HSM-SSD back on its map);
    * an op step's ``"size_of": "assume:KEY"`` (with ``"why"``) — the tensor must be C × v × v exactly (a model
      built for one image size, timm's LeViT, PiT, ConViT), else shapes unknown; ``"multiple_of"``,
      ``"tokens_square_of"`` likewise check a divisor or exactly v² tokens (``"prefix": COND``: v² + 1 where COND
      holds, a class token; ``"channels_last": True``: the divisor on an H × W × C tensor; a list: the product of
      its values, patch size × pool cell);
    * ``{"uses": [NAME, …]}`` — tensors forward() reads that the graph leaves open (attention's normed q and k):
      not reported as unused;
    * ``{"windows": "pad"|"crop"|"merge"|"table", "window": {"assume": "window_size"}}`` — Swin's windows on a
      channels-last tensor (:class:`.torchrepr.Windows`): pad to a multiple of the window (``{"resolve": PATH}``: a
      window the module prints, TinyVitBlock's ``window_size``), crop back to ``like``, merge 2 × 2 patches, the relative-coordinate table; ``"timm": True``: timm's window cut to the feature map,
      its bias table, index and attention mask held there (``"v2"``: Swin V2's coordinate table instead, the heads
      printed by cpb_mlp; ``"cr"``: SwinTransformerV2Cr's (wh·ww)² pairwise coordinates; ``"offsets"`` with
      ``"heads": n``: timm EfficientViT-MSRA's n × window² attention biases and their window⁴ index, the window cut to
      the feature map);
    * an op's argument ``{"resolve": "q_norm.normalized_shape.0"}`` — a value read from the printed tree;
      ``{"assume": KEY}`` — a whole number the class's ``assume`` gives (timm MobileNetV5's output_resolution);
    * ``{"aux": KEY}`` — an auxiliary head reading the current tensor (``--aux``);
    * ``{"children": "rest"}`` — every child not called yet, in order.
``loops``
    the children (ModuleLists) whose modules the forward runs in order, ``for layer in self.layers: x = layer(x)``
    (torchvision's MaxVit, MaxVitBlock): no note that their order is assumed.
``cell_forward``, ``cell_inputs``, ``next_prev``
    a cell that reads two tensors (timm's NASNet-A and PNASNet cells: ``x``, the latest, and ``x_prev``, the one
    before; ``cell_inputs: ("x",)`` for one): its forward steps, inlined into the parent's forward ``"cells"``
    (:func:`.torchrepr_forwards._cells`), which calls the children in order and passes on ``x`` and ``x_prev``; after the cell
    ``x_prev`` is the ``x`` it read, or with ``next_prev: "x_prev"`` the ``x_prev`` it read (NASNet's reduction cells).
``assume``
    constructor arguments print(model) does not show, with the library's defaults (timm's VisionTransformer:
    ``class_token``, ``reg_tokens``, …); the user states the model's own with ``--assume KEY=VALUE``, a note says
    what was assumed; conditions read them as ``assume:KEY`` (true, non-zero) or ``assume:KEY=A|B``. A default of
    ``None`` has no library default (Swin's ``window_size``, ``num_heads``): the model is refused until the user
    states it, one value or one per stage (``num_heads=3/6/12/24``); a hidden count's factor
    ``{"assume": KEY}`` reads it (``"span": True``: 2·v − 1; ``"grid_tokens": True``: v² + 1; ``"into": PATH``: the
    printed size PATH per v, a head's share; ``"over": PATH``: v // PATH, img_size over the patch size; ``"div": k``:
    v // k; ``"item": k``: the k-th of numbers separated by ``/``, timm HieraDet's ``window_spec=8/4/14/7``); a
    factor ``{"resolve": PATH, "div": k}`` is a printed size over k (HSMSSD's state_dim, BCdt_proj's rows / 3),
    ``{"children": PATH}`` the number of modules a container prints (EfficientViM's weights: one a head).
``variants``
    entries chosen by the children a module prints (``when: {"has": [...], "lacks": [...]}``; ``"parent_class":
    [...]``: only inside a parent of these classes; ``"key": [...]``: only printed under one of these names in its
    parent): torchvision and timm use the same class names (``ResNet``, ``BasicBlock``, ``InvertedResidual``,
    ``Attention``) for different blocks. A leaf's variant with ``"kind": "block"`` reads another library's class of
    the leaf's name printed with children (timm SwiftFormer's ``Embedding``).
``shares``
    children that are one module with another that print(model) also shows (timm CoaT's blocks print the position
    encodings the model holds; its ParallelBlock's mlp3 and mlp4 are its mlp2): not counted here, as torch counts a
    module once; the forward calls the module where it is counted (a second call shares its parameters).

The test ``tests/test_torchrepr.py`` instantiates every torch.nn class here and checks that its printed line
gives torch's parameters and buffers; ``tests/test_torchrepr_reference.py`` reads the printed torchvision and
timm models.
"""

from __future__ import annotations

from typing import Any

#: children that a residual block adds to its output (also for a class convcalc does not know)
SHORTCUT_NAMES = ("downsample", "shortcut")
#: engine layer types after which a Linear needs a flatten (a C × spatial output)
SPATIAL_TYPES = frozenset({"conv1d", "conv2d", "conv3d", "convtranspose1d", "convtranspose2d", "convtranspose3d",
                           "maxpool1d", "maxpool2d", "maxpool3d", "avgpool1d", "avgpool2d", "avgpool3d",
                           "adaptiveavgpool1d", "adaptiveavgpool2d", "adaptiveavgpool3d", "adaptivemaxpool1d",
                           "adaptivemaxpool2d", "adaptivemaxpool3d", "batchnorm2d", "batchnorm3d",
                           "localresponsenorm", "subsampling2d"})
#: engine types that change no shape (skipped when looking at what a block starts or ends with)
NEUTRAL_TYPES = frozenset({"relu", "relu6", "leakyrelu", "elu", "celu", "selu", "gelu", "silu", "mish", "sigmoid",
                           "logsigmoid", "tanh", "hardtanh", "hardswish", "hardsigmoid", "softplus", "softsign",
                           "tanhshrink", "softmax", "logsoftmax", "identity", "dropout", "dropout1d", "dropout2d",
                           "dropout3d", "alphadropout", "prelu"})

CONV_ARGS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
             "padding_mode")


def _leaf(type_: str | None, count: str = "none", args: tuple = (), **more: Any) -> dict:
    return {"kind": "leaf", "type": type_, "count": count, "args": args, **more}


def _act(type_: str) -> dict:
    """An element-wise activation: no parameters; the printed arguments torch's class shares with the engine's."""
    return _leaf(type_, keep=("inplace", "negative_slope", "alpha", "approximate", "beta", "threshold", "dim",
                              "min_val", "max_val"))


#: AvgPool print(model) shows without ceil_mode whose class fixes it: timm's ``downsample_avg`` (ResNet-D) and
#: ``DownsampleAvg`` (NFNet) build ``AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False)``
AVGPOOL_CONTEXTS = (
    {"parent_class": "DownsampleAvg", "set": {"ceil_mode": True, "count_include_pad": False}},
    # timm's Res2Net (pool) and ResNeSt (avd_first/avd_last) build AvgPool2d(3, stride, padding=1): torch's defaults
    {"parent_class": "Bottle2neck", "set": {"ceil_mode": False}},
    {"parent_class": "ResNestBottleneck", "set": {"ceil_mode": False}},
    {"parent_class": "DlaBottle2neck", "set": {"ceil_mode": False}},
    # timm PoolFormer's Pooling: AvgPool2d(pool_size, stride=1, padding=pool_size // 2, count_include_pad=False)
    {"parent_class": "Pooling", "set": {"ceil_mode": False, "count_include_pad": False}},
    # timm VOLO's OutlookAttention: AvgPool2d(kernel_size=stride, stride=stride, ceil_mode=True)
    {"parent_class": "OutlookAttention", "set": {"ceil_mode": True, "count_include_pad": True}},
    # timm's Downsample2d (ViTamin, MaxxViT, GCViT): nn.AvgPool2d / create_pool2d('avg', …), torch's ceil_mode=False
    {"parent_class": "Downsample2d", "set": {"ceil_mode": False}},
    {"parent_class": "Sequential", "parent_key": "downsample", "first": True,
     "set": {"ceil_mode": True, "count_include_pad": False}},
    # timm LeViT's conv AttentionDownsample: q = Sequential(AvgPool2d(…, count_include_pad=False), ConvNorm)
    {"parent_class": "Sequential", "parent_key": "q", "first": True,
     "set": {"ceil_mode": False, "count_include_pad": False}},
    # timm NextViT's PatchEmbed: AvgPool2d((2, 2), stride=2, ceil_mode=True, count_include_pad=False); its
    # EfficientAttention's sr: AvgPool1d(sr², sr²), torch's defaults ("root_class": only in a model of these classes)
    {"parent_class": "PatchEmbed", "root_class": ("NextViT",), "set": {"ceil_mode": True, "count_include_pad": False}},
    {"parent_class": "EfficientAttention", "root_class": ("NextViT",), "set": {"ceil_mode": False}},
    # timm EfficientFormerV2's LocalGlobalQuery: AvgPool2d(1, 2, 0), torch's defaults
    {"parent_class": "LocalGlobalQuery", "root_class": ("EfficientFormerV2",), "set": {"ceil_mode": False}},
    # torchvision MaxViT's MBConv: proj = Sequential(AvgPool2d(kernel_size=3, stride=2, padding=1), Conv2d), torch's
    # defaults
    {"parent_class": "Sequential", "parent_key": "proj", "first": True, "root_class": ("MaxVit",),
     "set": {"ceil_mode": False, "count_include_pad": True}},
)


def _identity(**more: Any) -> dict:
    """A module that is the identity in eval mode (dropout, drop-path, stochastic depth): no parameters."""
    return _leaf("identity", keep=(), **more)


_TORCH_NN: dict[str, dict] = {
    **{f"Conv{n}d": _leaf(f"conv{n}d", "conv", CONV_ARGS, ndim=n) for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d": _leaf(f"convtranspose{n}d", "convtranspose", CONV_ARGS, ndim=n) for n in (1, 2, 3)},
    "Linear": _leaf("linear", "linear", ("in_features", "out_features", "bias")),
    "NonDynamicallyQuantizableLinear": _leaf("linear", "linear", ("in_features", "out_features", "bias")),
    "Bilinear": _leaf(None, "bilinear", ("in1_features", "in2_features", "out_features", "bias"),
                      why="Bilinear reads two tensors"),
    **{f"BatchNorm{n}d": _leaf(f"batchnorm{n}d", "batchnorm", ("num_features",)) for n in (1, 2, 3)},
    "SyncBatchNorm": _leaf("batchnorm2d", "batchnorm", ("num_features",)),
    **{f"InstanceNorm{n}d": _leaf(f"instancenorm{n}d", "instancenorm", ("num_features",)) for n in (1, 2, 3)},
    "LayerNorm": _leaf("layernorm", "layernorm", ("normalized_shape",)),
    "GroupNorm": _leaf("groupnorm", "groupnorm", ("num_groups", "num_channels")),
    "LocalResponseNorm": _leaf("localresponsenorm", "none", ("size",)),
    "Embedding": _leaf(None, "embedding", ("num_embeddings", "embedding_dim"),
                       why="an Embedding reads indices, not the image tensor", variants=[
        # timm SwiftFormer's Embedding (a patch embedding printed with children): conv, norm
        {"when": {"has": ["proj", "norm"], "root_class": ["SwiftFormer"]}, "kind": "block",
         "forward": ["proj", "norm"]}]),
    "PReLU": _leaf("prelu", "prelu", keep=("num_parameters",)),
    # recurrent layers on the last dim (the features): num_directions × (proj_size or hidden_size) out; their
    # matmuls are not counted as MACs (the hooks count Conv and Linear modules only, as for attention's q·kᵀ)
    **{name: _leaf(None, "rnn", ("input_size", "hidden_size"), elements="rnn", gates=gates,
                   note=f"{name}: its recurrent matmuls (gates × hidden × (inputs + hidden) a step and direction) "
                        "are not counted as MACs, as convcalc counts Conv and Linear layers only")
       for name, gates in (("RNN", 1), ("GRU", 3), ("LSTM", 4))},
    **{f"MaxPool{n}d": _leaf(f"maxpool{n}d") for n in (1, 2, 3)},
    **{f"AvgPool{n}d": _leaf(f"avgpool{n}d") for n in (1, 2, 3)},
    **{f"Adaptive{k}Pool{n}d": _leaf(f"adaptive{k.lower()}pool{n}d", keep=("output_size",))
       for k in ("Avg", "Max") for n in (1, 2, 3)},
    "Flatten": _leaf("flatten", keep=("start_dim", "end_dim")),
    "Unflatten": _leaf("unflatten", keep=("dim", "unflattened_size")),
    "Upsample": _leaf("upsample", keep=("size", "scale_factor", "mode", "align_corners")),
    "UpsamplingNearest2d": _leaf("upsamplingnearest2d", keep=("size", "scale_factor")),
    "UpsamplingBilinear2d": _leaf("upsamplingbilinear2d", keep=("size", "scale_factor")),
    "PixelShuffle": _leaf("pixelshuffle", keep=("upscale_factor",)),
    **{f"{k}Pad{n}d": _leaf(f"{k.lower()}pad{n}d", args=("padding",), keep=("padding", "value"))
       for k in ("Zero", "Constant", "Reflection", "Replication", "Circular") for n in (1, 2, 3)},
    **{name: _leaf(name.lower(), keep=("p", "inplace")) for name in ("Dropout", "Dropout1d", "Dropout2d",
                                                                     "Dropout3d", "AlphaDropout")},
    "FeatureAlphaDropout": _leaf("alphadropout", keep=("p", "inplace")),
    "Identity": _identity(),
    **{name: _act(name.lower()) for name in ("ReLU", "ReLU6", "LeakyReLU", "ELU", "CELU", "SELU", "GELU", "SiLU",
                                             "Mish", "Sigmoid", "LogSigmoid", "Tanh", "Hardtanh", "Hardswish",
                                             "Hardsigmoid", "Softplus", "Softsign", "Tanhshrink", "Softmax",
                                             "LogSoftmax")},
    "Softmax2d": _leaf("softmax", set={"dim": -3}),
    "RReLU": _leaf("leakyrelu", keep=(), note="RReLU: in eval mode a LeakyReLU with slope (lower + upper) / 2"),
    **{name: _leaf(None, why=f"convcalc's layers have no {name}")
       for name in ("Threshold", "Softmin", "GLU", "ChannelShuffle", "PixelUnshuffle", "Fold", "Unfold")},
    "MultiheadAttention": {
        "kind": "block", "count": "mha", "forward": [{"in_proj": True}],
        "note": "MultiheadAttention: print(model) shows only out_proj; the in-projection is counted as torch's "
                "default builds it (kdim = vdim = embed_dim, no add_bias_kv: 3·E × E weights and 3·E biases)",
    },
    # containers
    "Sequential": {"kind": "block", "forward": "sequential"},
    "ModuleList": {"kind": "container"},
    "ModuleDict": {"kind": "container"},
}

#: the torch.nn containers (no arguments of their own)
CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})


def _residual(main: list, shortcut: str = "downsample", after: list | None = None, shortcut_first: bool = False) -> list:
    """``out = main(x); out += shortcut(x) (or x); after(out)``."""
    steps = list(main) + [{"set": "out"}, {"call": shortcut, "from": "input", "as": "identity", "optional": True},
                          {"add": ["out", "identity"]}]
    return steps + list(after or [])


def _byob_residual(main: list) -> list:
    """timm ByobNet's blocks: ``x = main(x); if shortcut is not None: x = x + shortcut(input); act(x)``."""
    return list(main) + [{"if": "has:shortcut", "then": [
        {"set": "y"}, {"call": "shortcut", "from": "input", "as": "sc"}, {"add": ["y", "sc"]}]}, "act"]


def _if_residual(main: list, after: list | None = None) -> list:
    """torch's ``use_res_connect`` (stride 1 and as many channels out as in): ``x + main(x)``, else ``main(x)``."""
    return list(main) + [{"if": "same_io", "then": [{"add": ["@", "input"]}]}] + list(after or [])


def _branches(*chains: list, pool: dict | None = None, order: list[str] | None = None) -> list:
    """Inception: each chain reads the block's input; their results are concatenated in ``order``."""
    steps: list = []
    for chain in chains:
        first, *rest = chain
        if isinstance(first, dict):
            steps.append({"op": {**first["op"], "from": "input"}})
        else:
            steps.append({"call": first, "from": "input"})
        steps += rest
    return steps + [{"cat": order}]


def _op(type_: str, **args: Any) -> dict:
    return {"op": {"type": type_, **args}}


FLATTEN = _op("flatten")


def _patchify(order: list[int], why: str) -> list:
    """An image cut into patch_size × patch_size patches (not printed: ``assume:patch_size``), each flattened in
    ``order`` (timm's NaFlexEmbeds: row, column, channel; Gemma4: channel, row, column), one token a patch."""
    return [{"op": {"type": "identity", "name": "patch_grid"}, "multiple_of": "assume:patch_size", "why": why},
            _op("unflatten", dim=2, unflattened_size=[-1, {"assume": "patch_size"}], name="rows"),
            _op("unflatten", dim=4, unflattened_size=[-1, {"assume": "patch_size"}], name="columns"),
            _op("permute", dims=order, name="patches"),
            _op("flatten", start_dim=3, end_dim=5, name="patch_features"),
            _op("flatten", start_dim=1, end_dim=2, name="to_tokens")]
GLOBAL_AVG = _op("adaptiveavgpool2d", output_size=1, name="avgpool")
RELU = _op("relu")

#: timm's VisionTransformer: constructor arguments print(model) does not show, with timm's defaults. A user states
#: the model's own with ``--assume class_token=false,reg_tokens=4``; a note says which were assumed.
TIMM_VIT_ASSUME = {"class_token": True, "reg_tokens": 0, "no_embed_class": False, "pos_embed": "learn",
                   "global_pool": "token"}


def _timm_vit_tokens(*prefix: tuple[str, object]) -> list:
    """timm's ``_pos_embed``: the prefix tokens (class, register, distillation) put before the patches, the position
    embedding added after them (or before, with ``no_embed_class``)."""
    pos = {"param": "pos_embed", "mode": "add"}
    return [{"if": "assume:no_embed_class", "then": [pos]},
            *({"param": name, "mode": "cat", "tokens": tokens} for name, tokens in prefix),
            {"if": {"not": "assume:no_embed_class"}, "then": [pos]}]


#: timm's VisionTransformer.pool: an attention pool where one is printed, else ``global_pool`` over the tokens
_TIMM_VIT_POOL = [
    {"if": "has:attn_pool", "then": ["attn_pool"], "else": [
        {"if": "assume:global_pool=token", "then": [
            _op("split", split_size_or_sections=1, dim=1, name="tokens"),
            {"op": {"type": "flatten", "from": "tokens[0]", "name": "class_output"}}]},
        {"if": "assume:global_pool=avg|max|avgmax", "then": [_op("mean", dim=[1], name="pool")]}]}]

# ----------------------------------------------------------------------------
# torchvision
# ----------------------------------------------------------------------------
_TORCHVISION: dict[str, dict] = {
    # torchvision.ops
    "Conv2dNormActivation": {"kind": "block", "forward": "sequential"},
    "Conv3dNormActivation": {"kind": "block", "forward": "sequential"},
    "ConvNormActivation": {"kind": "block", "forward": "sequential"},
    "MLP": {"kind": "block", "forward": "sequential"},
    "SqueezeExcitation": {"kind": "block", "forward": [
        {"call": "avgpool", "from": "input"}, "fc1", "activation", "fc2", "scale_activation",
        {"mul": ["input", "@"]}]},
    "StochasticDepth": _identity(),
    "Permute": _leaf("permute", why="Permute's dims are not printed", context="permute"),
    "LayerNorm2d": _leaf("layernorm", "layernorm", ("normalized_shape",), elements="layernorm2d"),
    # classification models
    "AlexNet": {"kind": "block", "forward": ["features", "avgpool", FLATTEN, "classifier"]},
    "VGG": {"kind": "block", "variants": [
        {"when": {"has": ["features", "avgpool", "classifier"]},
         "forward": ["features", "avgpool", FLATTEN, "classifier"]},
        {"when": {"has": ["features", "pre_logits", "head"]},  # timm
         "forward": ["features", "pre_logits", "head"]},
    ]},
    "ResNet": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "layer1", "fc"], "lacks": ["global_pool"]},
         "forward": ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2?", "layer3?", "layer4?", "avgpool",
                     FLATTEN, "fc"]},
        {"when": {"has": ["conv1", "layer1", "global_pool", "fc"]},  # timm
         "forward": ["conv1", "bn1", "act1", "maxpool", "layer1", "layer2?", "layer3?", "layer4?", "global_pool",
                     "fc"]},
    ]},
    "BasicBlock": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "bn1", "relu", "conv2", "bn2"]},
         "forward": _residual(["conv1", "bn1", "relu", "conv2", "bn2"], after=["relu"])},
        {"when": {"has": ["conv1", "bn1", "act1", "conv2", "bn2", "act2"]},  # timm
         "forward": _residual(["conv1", "bn1", "drop_block?", "act1", "aa?", "conv2", "bn2", "se?", "drop_path?"],
                              after=["act2"])},
        {"when": {"has": ["conv1_kxk", "conv2_kxk", "act"]},  # timm ByobNet
         "forward": _byob_residual(["conv1_kxk", "attn?", "conv2_kxk", "attn_last?", "drop_path?"])},
        {"when": {"has": ["conv", "mixer", "ffn"]}, "forward": ["conv", "mixer", "ffn"]},  # timm SHViT
        {"when": {"has": ["conv1", "conv2", "act"], "lacks": ["bn1", "conv3"]},  # timm TResNet
         "forward": _residual(["conv1", "conv2", "se?", "drop_path?"], after=["act"])},
    ]},
    "Bottleneck": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "norm1", "conv2", "norm2", "conv3", "norm3", "act3"]},  # timm ResNetV2
         "forward": _residual(["conv1", "norm1", "conv2", "norm2", "conv3", "norm3", "drop_path?"],
                              after=["act3"])},
        {"when": {"has": ["conv1", "bn1", "relu", "conv2", "bn2", "conv3", "bn3"]},
         "forward": _residual(["conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3"], after=["relu"])},
        {"when": {"has": ["conv1", "bn1", "act1", "conv2", "bn2", "act2", "conv3", "bn3", "act3"]},  # timm ResNet
         "forward": _residual(["conv1", "bn1", "act1", "conv2", "bn2", "drop_block?", "act2", "aa?", "conv3", "bn3",
                               "se?", "drop_path?"], after=["act3"])},
        {"when": {"has": ["conv1", "conv2", "conv3", "act"], "lacks": ["bn1", "act3"]},  # timm TResNet
         "forward": _residual(["conv1", "conv2", "se?", "conv3", "drop_path?"], after=["act"])},
        {"when": {"has": ["conv1", "conv2", "conv3", "act3"], "lacks": ["bn1"]},  # timm RegNet
         # its ``downsample`` is the shortcut: Identity for the identity, absent for none (RegNetZ)
         "forward": ["conv1", "conv2", "se?", "conv3",
                     {"if": "has:downsample", "then": ["drop_path?", {"set": "y"},
                                                       {"call": "downsample", "from": "input", "as": "sc"},
                                                       {"add": ["y", "sc"]}]},
                     "act3"]},
    ]},
    "GoogLeNet": {"kind": "block", "forward": [
        "conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3", "inception4a",
        {"aux": "aux1"}, "inception4b", "inception4c", "inception4d", {"aux": "aux2"}, "inception4e", "maxpool4",
        "inception5a", "inception5b", "avgpool", FLATTEN, "dropout", "fc"]},
    "BasicConv2d": {"kind": "block", "forward": ["conv", "bn", RELU]},
    "Inception": {"kind": "block", "forward": _branches(["branch1"], ["branch2"], ["branch3"], ["branch4"],
                                                        order=["branch1", "branch2", "branch3", "branch4"])},
    "InceptionAux": {"kind": "block", "variants": [
        {"when": {"has": ["conv", "fc1", "fc2"]},  # GoogLeNet
         "forward": [_op("adaptiveavgpool2d", output_size=[4, 4], name="pool"), "conv", FLATTEN, "fc1", RELU,
                     "dropout", "fc2"]},
        {"when": {"has": ["conv0", "conv1", "fc"]},  # Inception v3
         "forward": [_op("avgpool2d", kernel_size=5, stride=3, name="pool"), "conv0", "conv1",
                     _op("adaptiveavgpool2d", output_size=[1, 1], name="avgpool"), FLATTEN, "fc"]},
    ]},
    "Inception3": {"kind": "block", "forward": [
        "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "maxpool2",
        "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
        {"aux": "AuxLogits"}, "Mixed_7a", "Mixed_7b", "Mixed_7c", "avgpool", "dropout", FLATTEN, "fc"]},
    "InceptionA": {"kind": "block", "variants": [
        {"when": {"has": ["branch0", "branch1", "branch2", "branch3"]}, "forward": "branches"},  # timm Inception-v4
        {"when": {"has": ["branch1x1", "branch_pool"]}, "forward": _branches(
        ["branch1x1"], ["branch5x5_1", "branch5x5_2"], ["branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"],
        [_op("avgpool2d", kernel_size=3, stride=1, padding=1, name="pool"), "branch_pool"],
        order=["branch1x1", "branch5x5_2", "branch3x3dbl_3", "branch_pool"])}]},
    "InceptionB": {"kind": "block", "variants": [
        {"when": {"has": ["branch0", "branch1", "branch2", "branch3"]}, "forward": "branches"},  # timm Inception-v4
        {"when": {"has": ["branch3x3", "branch3x3dbl_1"]}, "forward": _branches(
        ["branch3x3"], ["branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"],
        [_op("maxpool2d", kernel_size=3, stride=2, name="pool")],
        order=["branch3x3", "branch3x3dbl_3", "pool"])}]},
    "InceptionC": {"kind": "block", "variants": [
        {"when": {"has": ["branch0", "branch1_0", "branch2_0", "branch3"]},  # timm Inception-v4
         "forward": [{"call": "branch0", "from": "input"},
                     {"call": "branch1_0", "from": "input"}, {"call": "branch1_1a", "from": "branch1_0"},
                     {"call": "branch1_1b", "from": "branch1_0"},
                     {"call": "branch2_0", "from": "input"}, "branch2_1", "branch2_2",
                     {"call": "branch2_3a", "from": "branch2_2"}, {"call": "branch2_3b", "from": "branch2_2"},
                     {"call": "branch3", "from": "input"},
                     {"cat": ["branch0", "branch1_1a", "branch1_1b", "branch2_3a", "branch2_3b", "branch3"]}]},
        {"when": {"has": ["branch1x1", "branch_pool"]}, "forward": _branches(
        ["branch1x1"], ["branch7x7_1", "branch7x7_2", "branch7x7_3"],
        ["branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"],
        [_op("avgpool2d", kernel_size=3, stride=1, padding=1, name="pool"), "branch_pool"],
        order=["branch1x1", "branch7x7_3", "branch7x7dbl_5", "branch_pool"])}]},
    "InceptionD": {"kind": "block", "forward": _branches(
        ["branch3x3_1", "branch3x3_2"], ["branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"],
        [_op("maxpool2d", kernel_size=3, stride=2, name="pool")],
        order=["branch3x3_2", "branch7x7x3_4", "pool"])},
    "InceptionE": {"kind": "block", "forward": [
        {"call": "branch1x1", "from": "input"},
        {"call": "branch3x3_1", "from": "input"}, {"call": "branch3x3_2a", "from": "branch3x3_1"},
        {"call": "branch3x3_2b", "from": "branch3x3_1"}, {"cat": ["branch3x3_2a", "branch3x3_2b"], "name": "cat3x3"},
        {"call": "branch3x3dbl_1", "from": "input"}, "branch3x3dbl_2",
        {"call": "branch3x3dbl_3a", "from": "branch3x3dbl_2"}, {"call": "branch3x3dbl_3b", "from": "branch3x3dbl_2"},
        {"cat": ["branch3x3dbl_3a", "branch3x3dbl_3b"], "name": "cat3x3dbl"},
        {"op": {"type": "avgpool2d", "kernel_size": 3, "stride": 1, "padding": 1, "name": "pool", "from": "input"}},
        "branch_pool", {"cat": ["branch1x1", "cat3x3", "cat3x3dbl", "branch_pool"]}]},
    "DenseNet": {"kind": "block", "variants": [
        {"when": {"has": ["features", "classifier"], "lacks": ["global_pool"]},
         "forward": ["features", RELU, GLOBAL_AVG, FLATTEN, "classifier"]},
        {"when": {"has": ["features", "global_pool"]},  # timm
         "forward": ["features", "global_pool", "head_drop?", "classifier"]},
    ]},
    "_DenseBlock": {"kind": "block", "forward": "dense"},
    "_DenseLayer": {"kind": "block", "forward": "sequential"},
    "_Transition": {"kind": "block", "forward": "sequential"},
    "SqueezeNet": {"kind": "block", "forward": ["features", "classifier", FLATTEN]},
    "Fire": {"kind": "block", "forward": [
        "squeeze", "squeeze_activation", {"set": "s"}, "expand1x1", "expand1x1_activation",
        {"call": "expand3x3", "from": "s"}, "expand3x3_activation",
        {"cat": ["expand1x1_activation", "expand3x3_activation"]}]},
    "ShuffleNetV2": {"kind": "block", "forward": [
        "conv1", "maxpool", "stage2", "stage3", "stage4", "conv5", _op("mean", dim=[2, 3]), "fc"]},
    "InvertedResidual": {"kind": "block", "variants": [
        {"when": {"has": ["branch1", "branch2"]},  # ShuffleNetV2
         "forward": [{"if": "has:branch1",
                      "then": [{"call": "branch1", "from": "input"}, {"call": "branch2", "from": "input"},
                               {"cat": ["branch1", "branch2"]}],
                      "else": [_op("chunk", chunks=2, dim=1, name="split"),
                               {"call": "branch2", "from": "split[1]"}, {"cat": ["split[0]", "branch2"]}]},
                     _op("identity", name="channel_shuffle")]},
        {"when": {"has": ["conv"], "lacks": ["conv_pw"]}, "forward": _if_residual(["conv"])},  # MobileNetV2
        {"when": {"has": ["block"]}, "forward": _if_residual(["block"])},  # MobileNetV3
        {"when": {"has": ["conv_pw", "bn1", "conv_dw", "bn2", "conv_pwl", "bn3"]},  # timm
         "forward": _if_residual(["conv_pw", "bn1", "conv_dw", "bn2", "aa?", "se?", "conv_pwl", "bn3",
                                  "drop_path?"])},
    ]},
    "MobileNetV2": {"kind": "block", "forward": ["features", GLOBAL_AVG, FLATTEN, "classifier"]},
    "MobileNetV3": {"kind": "block", "variants": [
        {"when": {"has": ["features", "avgpool", "classifier"]},
         "forward": ["features", "avgpool", FLATTEN, "classifier"]},
        {"when": {"has": ["conv_stem", "blocks", "global_pool"]},  # timm
         "forward": ["conv_stem", "bn1", "blocks", "global_pool", "conv_head", "norm_head?", "act2", "flatten",
                     "classifier"]},
    ]},
    "MNASNet": {"kind": "block", "forward": ["layers", _op("mean", dim=[2, 3]), "classifier"]},
    "_InvertedResidual": {"kind": "block", "forward": _if_residual(["layers"])},
    "EfficientNet": {"kind": "block", "variants": [
        {"when": {"has": ["features", "avgpool", "classifier"]},
         "forward": ["features", "avgpool", FLATTEN, "classifier"]},
        {"when": {"has": ["conv_stem", "bn1", "blocks", "conv_head", "bn2", "global_pool", "classifier"]},  # timm
         "forward": ["conv_stem", "bn1", "blocks", "conv_head", "bn2", "global_pool", "classifier"]},
    ]},
    "MBConv": {"kind": "block", "forward": _if_residual(["block", "stochastic_depth"]), "variants": [
        {"when": {"has": ["conv1", "act1", "conv2", "act2", "conv3", "act3"], "root_class": ["TinyVit"]},  # timm
         "forward": ["conv1", "act1", "conv2", "act2", "conv3", "drop_path?", {"add": ["@", "input"]}, "act3"]},
        {"when": {"has": ["inverted_conv", "depth_conv", "point_conv"],  # timm EfficientViT (MIT), LowFormer
                  "root_class": ["EfficientVit", "EfficientVitLarge", "LowFormer"]},
         "forward": ["inverted_conv", "depth_conv", "point_conv"]}]},
    "FusedMBConv": {"kind": "block", "forward": _if_residual(["block", "stochastic_depth"]), "variants": [
        {"when": {"has": ["spatial_conv", "point_conv"],  # timm EfficientViT (MIT), LowFormer
                  "root_class": ["EfficientVit", "EfficientVitLarge", "LowFormer"]},
         "forward": ["spatial_conv", "point_conv"]}]},
    "RegNet": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "trunk_output", "avgpool", "fc"]},
         "forward": ["stem", "trunk_output", "avgpool", FLATTEN, "fc"]},
        {"when": {"has": ["stem", "s1", "head"]},  # timm
         "forward": ["stem", "s1", "s2?", "s3?", "s4?", "final_conv?", "head"]},
    ]},
    "SimpleStemIN": {"kind": "block", "forward": "sequential"},
    "AnyStage": {"kind": "block", "forward": "sequential"},
    "BottleneckTransform": {"kind": "block", "forward": "sequential"},
    "ResBottleneckBlock": {"kind": "block", "forward": [
        {"call": "proj", "from": "input", "as": "shortcut", "optional": True},
        {"call": "f", "from": "input"}, {"add": ["shortcut", "f"]}, "activation"]},
    "ConvNeXt": {"kind": "block", "variants": [
        {"when": {"has": ["features", "avgpool", "classifier"]},
         "forward": ["features", "avgpool", "classifier"]},
        {"when": {"has": ["stem", "stages", "head"]},  # timm
         "forward": ["stem", "stages", "norm_pre?", "head"]},
    ]},
    "CNBlock": {"kind": "block",
                "hidden": [{"name": "layer_scale", "count": "block.0.out_channels"}],
                "forward": ["block", {"param": "layer_scale", "mode": "mul"}, "stochastic_depth",
                            {"add": ["@", "input"]}]},
    "CNBlockConfig": _identity(),
    "VisionTransformer": {"kind": "block", "variants": [
        {"when": {"has": ["conv_proj", "encoder", "heads"]},
         "hidden": [{"name": "class_token", "count": "conv_proj.out_channels"}],
         "forward": ["conv_proj", _op("flatten", start_dim=2), _op("transpose", dim0=1, dim1=2, name="permute"),
                     {"param": "class_token", "mode": "cat", "tokens": 1}, "encoder",
                     _op("split", split_size_or_sections=1, dim=1, name="tokens"),
                     {"op": {"type": "flatten", "from": "tokens[0]", "name": "class_output"}}, "heads"]},
        {"when": {"has": ["patch_embed", "blocks"]},  # timm
         "assume": TIMM_VIT_ASSUME,
         "hidden": [{"name": "cls_token", "count": None, "when": "assume:class_token"},
                    {"name": "reg_token", "count": None, "when": "assume:reg_tokens"},
                    {"name": "pos_embed", "count": None, "when": "assume:pos_embed=learn"}],
         "forward": ["patch_embed", *_timm_vit_tokens(("cls_token", 1), ("reg_token", "assume:reg_tokens")),
                     "pos_drop?", "patch_drop?", "norm_pre?", "blocks", "norm?", *_TIMM_VIT_POOL, "fc_norm?",
                     "head_drop?", "head"]},
    ]},
    "Encoder": {"kind": "block",
                "hidden": [{"name": "pos_embedding", "count": None}],
                "forward": [{"param": "pos_embedding", "mode": "add"}, "dropout", "layers", "ln"]},
    "EncoderBlock": {"kind": "block", "forward": [
        "ln_1", "self_attention", "dropout", {"add": ["@", "input"], "as": "x"}, "ln_2", "mlp", {"add": ["@", "x"]}]},
    "MLPBlock": {"kind": "block", "forward": "sequential"},
    # torchvision's MaxViT (MaxVit, its blocks, SwapAxes, WindowPartition, …): in _TV_MAXVIT
}

#: timm's BEiT: its Block holds the layer scales gamma_1, gamma_2 (built with init_values, as every timm BEiT is;
#: print(model) does not show it); its Attention, q_bias and v_bias (and k_bias, a buffer: qkv_bias), and, with
#: use_rel_pos_bias, a relative position table and index sized by the patch grid (held by Beit, where the grid is)
BEIT_BLOCK = {
    "open": False, "assume": {"layer_scale": True},
    "hidden": [{"name": "gamma_1", "count": "norm1.normalized_shape.0", "when": "assume:layer_scale"},
               {"name": "gamma_2", "count": "norm1.normalized_shape.0", "when": "assume:layer_scale"}],
    "note": "timm's BEiT Block: print(model) does not show init_values; its layer scales gamma_1 and gamma_2 (C "
            "parameters each) are counted, as every timm BEiT builds them (state --assume layer_scale=false for a "
            "model built without)",
    "forward": ["norm1", "attn", {"param": "gamma_1", "mode": "mul"}, "drop_path1?", {"add": ["@", "input"], "as": "x"},
                {"call": "norm2", "from": "x"}, "mlp", {"param": "gamma_2", "mode": "mul"}, "drop_path2?",
                {"add": ["@", "x"]}]}
BEIT_ATTENTION = {
    "open": False, "assume": {"num_heads": None, "qkv_bias": True},
    "hidden": [{"name": "q_bias", "count": "proj.in_features", "when": "assume:qkv_bias"},
               {"name": "v_bias", "count": "proj.in_features", "when": "assume:qkv_bias"},
               {"name": "k_bias", "count": "proj.in_features", "buffer": True, "when": "assume:qkv_bias"}],
    "note": "timm's BEiT Attention: qkv runs with F.linear and the biases q_bias, k_bias (a buffer), v_bias "
            "(qkv_bias); q·kᵀ, the relative position bias and the weighted sum of v are not counted as MACs",
    "forward": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj", "proj_drop?"]}

#: timm's SAM ViT (VisionTransformerSAM) blocks on the H × W × C patch grid: a windowed block (window_size, timm's
#: default 14; every block but those listed in global_attn_indexes, e.g. ``2/5/8/11``) pads the grid to a multiple of
#: the window for its attention (qkv and proj run on the padded tokens) and crops back; with use_rel_pos each
#: attention holds rel_pos_h and rel_pos_w, (2·s − 1) × head_dim each, s the window or (global) the patch grid the
#: model was built for (img_size // patch size); the heads (num_heads) are not printed
_SAM_GLOBAL = "index_in:global_attn_indexes"
_SAM_WINDOWED = {"all": ["assume:window_size", {"not": _SAM_GLOBAL}]}
_SAM_ASSUME = {"window_size": 14, "global_attn_indexes": ""}
SAM_BLOCK = {
    "open": False, "assume": _SAM_ASSUME,
    "forward": [{"if": _SAM_WINDOWED, "then": [
                    "norm1", {"windows": "pad", "window": {"assume": "window_size"}, "name": "window_pad"}, "attn",
                    "ls1?", "drop_path1?", {"windows": "crop", "like": "input", "name": "window_crop"}],
                 "else": ["norm1", "attn", "ls1?", "drop_path1?"]},
                {"add": ["@", "input"], "as": "x"}, {"call": "norm2", "from": "x"}, "mlp", "ls2?", "drop_path2?",
                {"add": ["@", "x"]}]}
_SAM_HEAD_DIM = {"assume": "num_heads", "into": "proj.in_features"}
SAM_ATTENTION = {
    "open": False, "assume": {"num_heads": None, "use_rel_pos": False, "img_size": 1024, **_SAM_ASSUME},
    "hidden": [{"name": "rel_pos", "count": [2, {"assume": "window_size", "span": True}, _SAM_HEAD_DIM],
                "when": {"all": ["assume:use_rel_pos", _SAM_WINDOWED]}},
               {"name": "rel_pos", "when": {"all": ["assume:use_rel_pos", {"not": _SAM_WINDOWED}]},
                "count": [2, {"assume": "img_size", "over": "^.^.^.patch_embed.proj.kernel_size.0", "span": True},
                          _SAM_HEAD_DIM]}],
    "note": "timm SAM's Attention: q·kᵀ, the decomposed relative position bias and the weighted sum of v are not "
            "counted as MACs",
    "forward": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj", "proj_drop?"]}

# ----------------------------------------------------------------------------
# timm
# ----------------------------------------------------------------------------
_TIMM: dict[str, dict] = {
    "DropPath": _identity(),
    "DropBlock2d": _identity(),
    "BatchNormAct2d": {"kind": "block", "count": "batchnorm", "args": ("num_features",),
                       "forward": [{"self": "batchnorm2d"}, "drop?", "act?"]},
    "SyncBatchNormAct": {"kind": "block", "count": "batchnorm", "args": ("num_features",),
                         "forward": [{"self": "batchnorm2d"}, "drop?", "act?"]},
    "FrozenBatchNormAct2d": {"kind": "block", "count": "none", "args": ("num_features",),
                             "hidden": [{"name": "running_stats", "count": ["num_features", 4], "buffer": True}],
                             "forward": [{"self": "identity"}, "drop?", "act?"]},
    "GroupNormAct": {"kind": "block", "count": "groupnorm", "args": ("num_groups", "num_channels"),
                     "forward": [{"self": "groupnorm"}, "drop?", "act?"]},
    "GroupNorm1Act": {"kind": "block", "count": "groupnorm", "args": ("num_groups", "num_channels"),
                      "forward": [{"self": "groupnorm"}, "drop?", "act?"]},
    "LayerNormAct2d": {"kind": "block", "count": "layernorm", "args": ("normalized_shape",),
                       "forward": [{"self": "layernorm2d"}, "drop?", "act?"]},
    "LayerNormAct": {"kind": "block", "count": "layernorm", "args": ("normalized_shape",),
                     "forward": [{"self": "layernorm"}, "drop?", "act?"]},
    "ConvNormAct": {"kind": "block", "forward": "sequential"},
    "ConvNormActAa": {"kind": "block", "forward": "sequential"},
    "ConvBnAct": {"kind": "block", "variants": [
        {"when": {"has": ["conv", "bn1", "drop_path"]},  # timm efficientnet: a skip where the shape allows
         "forward": _if_residual(["conv", "bn1", "aa?", "drop_path"])},
        {"when": {}, "forward": "sequential"},
    ]},
    "GammaAct": _identity(note="GammaAct: an activation times a constant gain, shown as identity (no parameters)"),
    "DownsampleAvg": {"kind": "block", "forward": "sequential"},
    "NormFreeBlock": {"kind": "block",
                      # skipinit_gain (one parameter) is built with skipinit=True, which print(model) does not
                      # show: timm sets it exactly for its DeepMind NFNets, the only ones built with same padding
                      "hidden": [{"name": "skipinit_gain", "count": 1, "when": "class:conv3=ScaledStdConv2dSame"}],
                      "note": "timm's NormFreeBlock: print(model) does not show skipinit; its gain (one parameter a "
                              "block) is counted where the convs are ScaledStdConv2dSame, as timm builds them "
                              "(dm_nfnet_*), and not elsewhere",
                      "forward": [
        "act1", {"set": "pre"},
        {"if": "has:downsample", "then": [{"call": "downsample", "from": "pre", "as": "identity"}],
         "else": [{"set": "identity", "to": "input"}]},
        {"call": "conv1", "from": "pre"}, "act2", "conv2", "act2b?", "conv2b?", "attn?", "act3", "conv3",
        "attn_last?", "drop_path?", {"param": "skipinit_gain", "mode": "mul"}, {"add": ["@", "identity"]}]},
    "GlobalResponseNorm": {"kind": "block", "hidden": [{"name": "weight_bias", "count": ["^.fc1.out_features|^.fc1.out_channels|^.pwconv1.out_features", 2]}],
                           "forward": [{"param": "weight_bias", "mode": "mul"}]},
    "GlobalResponseNormMlp": {"kind": "block", "forward": ["fc1", "act", "drop1?", "grn", "fc2", "drop2?"]},
    "Conv2dSame": _leaf("conv2d", "conv", CONV_ARGS, elements="conv_same"),
    "StdConv2d": _leaf("conv2d", "conv", CONV_ARGS),
    "StdConv2dSame": _leaf("conv2d", "conv", CONV_ARGS, elements="conv_same"),
    "ScaledStdConv2d": _leaf("conv2d", "scaledstdconv", CONV_ARGS, elements="conv_gain"),
    "ScaledStdConv2dSame": _leaf("conv2d", "scaledstdconv", CONV_ARGS, elements="conv_same_gain"),
    "MaxPool2dSame": _leaf("maxpool2d", elements="pool_same"),
    "AvgPool2dSame": _leaf("avgpool2d", elements="pool_same"),
    "SelectAdaptivePool2d": _leaf(None, elements="select_pool"),
    "TResNet": {"kind": "block", "forward": ["body", "head"]},
    # timm Aligned Xception: a module without a printed shortcut adds its input where the shape allows it; elsewhere it
    # was built with no_skip (the exit flow)
    "XceptionAligned": {"kind": "block", "forward": ["stem", "blocks", "act", "head"]},
    "XceptionModule": {"kind": "block", "forward": [
        "stack", "drop_path?", {"set": "y"},
        {"if": "has:shortcut", "then": [{"call": "shortcut", "from": "input", "as": "sc"}, {"add": ["y", "sc"]}],
         "else": [{"if": "same_io", "then": [{"add": ["y", "input"]}]}]}]},
    "PreXceptionModule": {"kind": "block", "forward": [
        "norm", {"set": "pre"}, "stack", "drop_path?", {"set": "y"},
        {"if": {"not": "class:shortcut=Identity"},
         "then": [{"call": "shortcut", "from": "pre", "as": "sc"}, {"add": ["y", "sc"]}],
         "else": [{"if": "same_io", "then": [{"add": ["y", "pre"]}]}]}]},
    "SeparableConv2d": {"variants": [
        {"when": {"has": ["conv_dw", "bn_dw", "conv_pw", "bn_pw"]}, "kind": "block", "forward": "sequential"},
        {"when": {"has": ["conv1", "pointwise"]}, "kind": "block", "forward": ["conv1", "pointwise"]}]},  # legacy
    "PreSeparableConv2d": {"variants": [
        {"when": {"has": ["norm", "conv_dw", "conv_pw"]}, "kind": "block", "forward": ["norm", "conv_dw", "conv_pw"]}]},
    # timm GhostNet v1-v3 (v3 unfused: sums of re-parameterisable branches)
    "GhostNet": {"kind": "block", "forward": ["conv_stem", "bn1", "act1", "blocks", "global_pool", "conv_head",
                                              "act2", "flatten?", "classifier"]},
    **{name: {"kind": "block", "forward": "ghost_module"}
       for name in ("GhostModule", "GhostModuleV2", "GhostModuleV3")},
    **{name: {"kind": "block", "forward": "ghost_bottleneck"} for name in ("GhostBottleneck", "GhostBottleneckV3")},
    # timm HRNet: its forward (lists of tensors, one per resolution) unrolled from the printed tree
    "HighResolutionNet": {"kind": "block", "forward": "hrnet"},
    # timm DPN: a residual path (the first num_1x1_c channels) and a dense path carried as one tensor
    "DPN": {"kind": "block", "forward": ["features", "global_pool", "classifier", "flatten?"]},
    "DualPathBlock": {"kind": "block", "forward": "dpn"},
    "BnAct": {"kind": "block", "forward": ["bn"]},
    "BnActConv2d": {"kind": "block", "forward": ["bn", "conv"]},
    # timm DLA: trees whose blocks read the parent's projected input, and roots that concatenate a level's outputs
    "DLA": {"kind": "block", "forward": ["base_layer", "level0", "level1", "level2", "level3", "level4", "level5",
                                         "global_pool", "head_drop?", "fc", "flatten?"]},
    "DlaTree": {"kind": "block", "forward": "dla_tree"},
    **{name: {"kind": "block", "forward": "dla_block"} for name in ("DlaBasic", "DlaBottleneck", "DlaBottle2neck")},
    "DlaRoot": {"kind": "block", "forward": ["conv", "bn", "relu"],
                "note": "timm's DlaRoot adds its first input when built with shortcut=True (not printed; no timm DLA "
                        "does): it changes no count or shape"},
    # TResNet's stem: (C, H, W) → (C·bs², H/bs, W/bs), run as torch's view/permute/view
    "SpaceToDepth": _leaf(None, "none", ("block_size",), elements="space_to_depth"),
    # an anti-aliased downsample: a fixed binomial filter (a buffer of channels × filt_size², sized by the input)
    # run as a depthwise conv; no parameters, and the reference counts no MACs for it (F.conv2d, not a Conv2d)
    "BlurPool2d": _leaf(None, "none", ("channels", "filt_size", "stride", "pad_mode"), elements="blurpool",
                        hidden=[{"name": "filt", "count": None, "buffer": True, "placed": True}],
                        note="BlurPool2d prints no arguments: read with timm's defaults, as every timm model builds "
                             "it (filt_size=3, stride=2)"),
    "LayerNorm2d": _leaf("layernorm", "layernorm", ("normalized_shape",), elements="layernorm2d"),
    "Swish": _act("silu"), "SiLU": _act("silu"), "Mish": _act("mish"), "HardSwish": _act("hardswish"),
    "HardSigmoid": _act("hardsigmoid"), "HardMish": _act("mish"), "GELUTanh": _act("gelu"),
    "QuickGELU": _act("gelu"), "Sigmoid": _act("sigmoid"), "Tanh": _act("tanh"),
    "SEModule": {"kind": "block", "variants": [
        {"when": {"has": ["fc1", "act", "fc2", "gate"]},
         "forward": [_op("mean", dim=[2, 3], keepdim=True, name="squeeze"), "fc1", "bn?", "act", "fc2", "gate",
                     {"mul": ["input", "@"]}]},
        {"when": {"has": ["fc1", "relu", "fc2", "sigmoid"]},  # timm's legacy SENet
         "forward": [_op("mean", dim=[2, 3], keepdim=True, name="squeeze"), "fc1", "relu", "fc2", "sigmoid",
                     {"mul": ["input", "@"]}]},
    ]},
    "SqueezeExcite": {"kind": "block", "variants": [
        {"when": {"has": ["conv_reduce", "act1", "conv_expand", "gate"]},  # efficientnet / mobilenetv3
         "forward": [_op("mean", dim=[2, 3], keepdim=True, name="squeeze"), "conv_reduce", "act1", "conv_expand",
                     "gate", {"mul": ["input", "@"]}]},
    ]},
    "EffectiveSEModule": {"kind": "block", "forward": [
        _op("mean", dim=[2, 3], keepdim=True, name="squeeze"), "fc", "gate", {"mul": ["input", "@"]}]},
    "EcaModule": {"kind": "block", "forward": [
        _op("mean", dim=[2, 3], name="squeeze"), _op("unsqueeze", dim=1, name="view"), "conv",
        _op("reshape", shape=[-1, 1, 1], name="view_back"), "gate?", _op("sigmoid", name="gate_fn"),
        {"mul": ["input", "@"]}]},
    "DepthwiseSeparableConv": {"kind": "block", "variants": [
        {"when": {"has": ["conv_dw", "bn1", "conv_pw", "bn2"]},
         "forward": _if_residual(["conv_s2d?", "bn_s2d?", "conv_dw", "bn1", "aa?", "se?", "conv_pw", "bn2",
                                  "drop_path?"])},
        {"when": {"has": ["depthwise_conv", "pointwise_conv"]}, "forward": "sequential"},  # timm cspnext
    ]},
    "EdgeResidual": {"kind": "block", "forward": _if_residual(
        ["conv_exp", "bn1", "aa?", "se?", "conv_pwl", "bn2", "drop_path?"])},
    "ClassifierHead": {"kind": "block", "forward": ["global_pool", "drop?", "fc", "flatten?"], "variants": [
        # input_fmt='NHWC' (not printed; timm Sequencer's): the pool a mean over H and W, flattened inside
        {"when": {"has": ["global_pool", "fc"], "parent_class": ["Sequencer2d"]},
         "forward": [_op("mean", dim=[1, 2], name="global_pool"), "drop?", "fc", "flatten?"]},
        {"when": {"has": ["global_pool", "last_conv", "fc"]},  # timm HGNet's own
         "forward": ["global_pool", "last_conv", "dropout?", "flatten?", "fc"]},
        {"when": {"has": ["in_conv", "global_pool", "classifier"]},  # timm EfficientViT's (MIT)
         "forward": ["in_conv", "global_pool", "classifier"]}]},
    "NormMlpClassifierHead": {"kind": "block", "forward": ["global_pool", "norm", "flatten", "pre_logits?", "drop?",
                                                           "fc"]},
    "ConvMlp": {"kind": "block", "variants": [
        {"when": {"has": ["pw1", "act", "pw2"], "root_class": ["EfficientVitMsra"]},  # timm EfficientViT (MSRA)
         "forward": ["pw1", "act", "pw2"]},
        {"when": {"has": ["conv", "fc1", "act", "fc2", "drop"], "root_class": ["FastVit"]},  # timm FastViT
         "forward": ["conv", "fc1", "act", "drop", "fc2", "drop"]},
        {"when": {"has": ["fc1", "act1", "fc2", "act2"]},  # timm VGG's pre_logits
         "forward": ["fc1", "act1", "drop?", "fc2", "act2"]},
        {"when": {"has": ["fc1", "fc2"]}, "forward": ["fc1", "norm?", "act?", "drop?", "fc2"]},
    ]},
    "Mlp": {"kind": "block", "forward": ["fc1", "act", "drop1?", "norm?", "fc2", "drop2?"], "variants": [
        {"when": {"has": ["norm1", "fc1", "act", "fc2", "drop"], "root_class": ["SwiftFormer"]},  # timm SwiftFormer
         "forward": ["norm1", "fc1", "act", "drop", "fc2", "drop"]}]},
    "ConvNeXtStage": {"kind": "block", "forward": ["downsample?", "blocks"]},
    "ConvNeXtBlock": {"kind": "block",
                      "hidden": [{"name": "gamma", "count": "conv_dw.out_channels",
                                  "when": {"not": "class:mlp=GlobalResponseNormMlp"}}],
                      "note": "timm's ConvNeXtBlock: its layer scale gamma (C parameters) is counted unless the MLP is "
                              "GlobalResponseNormMlp, as timm builds them (ConvNeXt-V2 passes ls_init_value=None); "
                              "print(model) does not show ls_init_value",
                      "variants": [
                          {"when": {"child_class": {"norm": ["LayerNorm", "RmsNorm", "SimpleNorm"]}},
                           "forward": ["conv_dw", _op("permute", dims=[0, 2, 3, 1]), "norm", "mlp",
                                       {"param": "gamma", "mode": "mul"}, _op("permute", dims=[0, 3, 1, 2],
                                                                             name="permute_back"),
                                       {"call": "shortcut", "from": "input", "as": "sc", "optional": True},
                                       "drop_path?", {"set": "y"}, {"add": ["y", "sc"]}]},
                          {"when": {"child_class": {"norm": ["LayerNorm2d", "RmsNorm2d", "SimpleNorm2d"]}},
                           "forward": ["conv_dw", "norm", "mlp", {"param": "gamma", "mode": "mul"},
                                       {"set": "y"},
                                       {"call": "shortcut", "from": "input", "as": "sc", "optional": True},
                                       {"call": "drop_path", "from": "y", "optional": True},
                                       {"add": ["@", "sc"]}]},
                      ]},
    "DenseLayer": {"kind": "block", "forward": ["norm1", "conv1", "norm2", "conv2"]},
    "DenseBlock": {"kind": "block", "forward": "dense", "variants": [
        {"when": {"has": ["drop_path", "layers"]},  # timm RDNet: its layer scale gamma (growth_rate parameters)
         "assume": {"layer_scale": True},
         "hidden": [{"name": "gamma", "count": "layers.layers.4.out_channels", "when": "assume:layer_scale"}],
         "forward": ["layers", {"param": "gamma", "mode": "mul"}, "drop_path?"]}]},
    "DenseTransition": {"kind": "block", "forward": "sequential"},
    "InceptionV3": {"kind": "block", "forward": [
        "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Pool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "Pool2",
        "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
        {"aux": "AuxLogits"}, "Mixed_7a", "Mixed_7b", "Mixed_7c", "global_pool", "head_drop?", "fc"]},
    "RegStage": {"kind": "block", "forward": [{"children": "rest"}]},
    # timm MLP-Mixer: token mixing is an MLP over the transposed tokens
    "MlpMixer": {"kind": "block", "variants": [
        {"when": {"child_class": {"norm": ["LayerNorm", "Affine"]}},
         "forward": ["stem", "blocks", "norm", _op("mean", dim=[1], name="pool"), "head_drop?", "head"]},
    ]},
    "PatchEmbed": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "act", "conv2"], "root_class": ["TinyVit"]}, "forward": ["conv1", "act", "conv2"]},
        {"when": {"has": ["proj", "norm"], "parent_class": ["FasterNet"]}, "forward": ["proj", "norm"]},
        {"when": {"has": ["proj", "norm"], "root_class": ["SwinTransformerV2Cr"]},  # timm: norm channels-last
         "forward": ["proj", _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "norm",
                     _op("permute", dims=[0, 3, 1, 2], name="to_channels_first")]},
        {"when": {"has": ["proj", "norm"], "root_class": ["Twins"]},  # timm Twins: channels-last out
         "forward": ["proj", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm"]},
        {"when": {"has": ["proj"], "parent_class": ["Nest"]}, "forward": ["proj", "norm?"]},  # flatten=False
        {"when": {"has": ["proj"], "parent_class": ["VOLO"]}, "forward": ["conv?", "proj"]},  # its own, NCHW out
        {"when": {"has": ["proj"], "parent_class": ["Visformer"]}, "forward": ["proj", "norm?"],
         "note": "timm Visformer's PatchEmbed: flatten=False (NCHW out)"},
        {"when": {"has": ["proj"], "parent_class": ["FastVitStage"]}, "forward": ["proj"]},  # timm FastViT
        {"when": {"has": ["proj"], "parent_class": ["DeepseekVitEncoder", "Qwen3VitEncoder",  # output_fmt='NHWC'
                                                    "VisionTransformerSAM"]},
         "forward": ["proj", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm?"]},
        {"when": {"has": ["pool", "conv", "norm"], "root_class": ["NextViT"]},  # timm NextViT: NCHW out
         "forward": ["pool", "conv", "norm"]},
        {"when": {"has": ["proj"], "parent_class": ["Sequencer2d"]},  # timm Sequencer: output_fmt='NHWC'
         "forward": ["proj", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm?"]},
        {"when": {"has": ["proj"], "lacks": ["norm"], "root_class": ["MultiScaleVit"]},  # timm MViTv2: its tokens
         "forward": ["proj", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc")]},  # read as a channels-last map
        {"when": {"has": ["proj"], "lacks": ["pool", "conv"]},
         "forward": ["proj", _op("flatten", start_dim=2), _op("transpose", dim0=1, dim1=2, name="to_tokens"),
                     "norm?"],
         "note": "timm's PatchEmbed is read as it is built for ViT and MLP-Mixer: flatten=True (tokens × features)"},
    ]},
    "MixerBlock": {"kind": "block", "forward": [
        "norm1", _op("transpose", dim0=1, dim1=2, name="to_channels"), "mlp_tokens",
        _op("transpose", dim0=1, dim1=2, name="to_tokens"), "drop_path?", {"add": ["@", "input"], "as": "x"},
        {"call": "norm2", "from": "x"}, "mlp_channels", "drop_path?", {"add": ["@", "x"]}]},
    "GluMlp": {"kind": "block", "forward": [
        "fc1", _op("chunk", chunks=2, dim=-1, name="split"), {"call": "act", "from": "split[1]"},
        {"mul": ["split[0]", "act"]}, "drop1?", "norm?", "fc2", "drop2?"]},
    # timm VoVNet: a one-shot aggregation concatenates the block's input and every conv's output
    "VovNet": {"kind": "block", "forward": ["stem", "stages", "head"]},
    "OsaStage": {"kind": "block", "forward": ["pool?", "blocks"]},
    "OsaBlock": {"kind": "block", "variants": [
        {"when": {"has": ["conv_mid", "conv_concat"], "lacks": ["conv_reduction"]},
         "forward": ["conv_mid", "conv_concat", "attn?", "drop_path?"],
         "note": "OsaBlock: timm adds the identity when built with residual=True, which print(model) does not "
                 "show; it changes no count or shape"},
        {"when": {"has": ["conv_reduction", "conv_mid", "conv_concat"]}, "forward": "osa_reduction",
         "note": "OsaBlock: timm adds the identity when built with residual=True, which print(model) does not "
                 "show; it changes no count or shape"},
    ]},
    "SequentialAppendList": {"kind": "block", "forward": "append"},
    "SeparableConvNormAct": {"kind": "block", "forward": ["conv_dw", "conv_pw", "bn"]},
    # timm ByobNet ("bring your own blocks"): a block adds its ``shortcut`` where it has one (printed, even Identity)
    "ByobNet": {"kind": "block", "forward": ["stem", "stages", "final_conv", "head"]},
    "Stem": {"kind": "block", "forward": "sequential", "variants": [
        {"when": {"has": ["conv1", "act", "conv2", "norm2"], "parent_class": ["MambaOut"]},  # timm MambaOut
         "forward": ["conv1", {"if": "has:norm1", "then": [_op("permute", dims=[0, 2, 3, 1], name="to_last"), "norm1",
                                                         _op("permute", dims=[0, 3, 1, 2], name="to_first")]},
                     "act", "conv2", _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "norm2"]},
        {"when": {"has": ["conv", "norm"], "parent_class": ["DaVit"]}, "forward": "davit_pad"}]},  # timm DaViT
    "BottleneckBlock": {"kind": "block", "variants": [
        {"when": {"has": ["conv1_1x1", "conv2_kxk", "conv3_1x1", "act"]},
         "forward": _byob_residual(["conv1_1x1", "conv2_kxk", "conv2b_kxk?", "attn?", "conv3_1x1", "attn_last?",
                                    "drop_path?"])},
        {"when": {"has": ["conv1", "conv2", "conv3", "act3"], "lacks": ["shortcut"]},  # timm CSPNet
         "forward": ["conv1", "conv2", "attn2?", "conv3", "attn3?", "drop_path?", {"add": ["@", "input"]}, "act3"]},
    ]},
    "EdgeBlock": {"variants": [
        {"when": {"has": ["conv1_kxk", "conv2_1x1"]}, "kind": "block", "forward": _byob_residual(
            ["conv1_kxk", "attn?", "conv2_1x1", "attn_last?", "drop_path?"])},
        {"when": {"has": ["conv1", "conv2"], "lacks": ["shortcut"]},  # timm CSPNet
         "kind": "block", "forward": ["conv1", "attn?", "conv2", "drop_path?", {"add": ["@", "input"]}]},
    ]},
    "RepVggBlock": {"kind": "block", "forward": [
        {"call": "conv_1x1", "from": "input"}, {"call": "conv_kxk", "from": "input"},
        {"add": ["conv_1x1", "conv_kxk"], "name": "sum"},
        {"if": "has:identity", "then": ["drop_path?", {"set": "y"}, {"call": "identity", "from": "input"},
                                        {"add": ["y", "identity"]}]},
        "attn?", "act"]},
    # timm Res2Net and ResNeSt: forwards computed from the printed tree (torchrepr.PATTERNS)
    "Bottle2neck": {"kind": "block", "forward": "res2net"},
    "SplitAttn": {"kind": "block", "forward": "split_attention"},
    "RadixSoftmax": _leaf("softmax", set={"dim": 1},
                          note="RadixSoftmax: a softmax over the radix groups (a sigmoid for radix 1), no parameters"),
    "ResNestBottleneck": {"kind": "block", "forward": _residual(
        ["conv1", "bn1", "act1", "avd_first?", "conv2", "bn2?", "drop_block?", "act2", "avd_last?", "conv3", "bn3",
         "drop_path?"], after=["act3"])},
    # timm Inception-v4: each block concatenates its children, all applied to its input
    "InceptionV4": {"kind": "block", "forward": ["features", "global_pool", "head_drop?", "last_linear"]},
    **{name: {"kind": "block", "forward": "branches"}
       for name in ("Mixed3a", "Mixed4a", "Mixed5a", "ReductionA", "ReductionB")},
    # timm ResNetV2 (pre-activation): the shortcut reads the pre-activated input where there is a downsample
    "ResNetV2": {"kind": "block", "forward": ["stem", "stages", "norm", "head"]},
    "ResNetStage": {"kind": "block", "forward": ["blocks"]},
    "DownsampleConv": {"kind": "block", "forward": "sequential"},
    "PreActBottleneck": {"kind": "block", "forward": [
        "norm1", {"set": "pre"},
        {"if": "has:downsample", "then": [{"call": "downsample", "from": "pre", "as": "sc"}],
         "else": [{"set": "sc", "to": "input"}]},
        {"call": "conv1", "from": "pre"}, "norm2", "conv2", "norm3", "conv3", "drop_path?", {"add": ["@", "sc"]}]},
    "PreActBasic": {"kind": "block", "forward": [
        "norm1", {"set": "pre"},
        {"if": "has:downsample", "then": [{"call": "downsample", "from": "pre", "as": "sc"}],
         "else": [{"set": "sc", "to": "input"}]},
        {"call": "conv1", "from": "pre"}, "norm2", "conv2", "drop_path?", {"add": ["@", "sc"]}]},
    # timm's legacy SENet
    "SENet": {"kind": "block", "forward": ["layer0", "pool0?", "layer1", "layer2", "layer3", "layer4", "global_pool",
                                           "last_linear"]},
    "SEBottleneck": {"kind": "block", "forward": _residual(
        ["conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3", "se_module"], after=["relu"])},
    "SEResNetBottleneck": {"kind": "block", "forward": _residual(
        ["conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3", "se_module"], after=["relu"])},
    "SEResNeXtBottleneck": {"kind": "block", "forward": _residual(
        ["conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3", "se_module"], after=["relu"])},
    "SEResNetBlock": {"kind": "block", "forward": _residual(
        ["conv1", "bn1", "relu", "conv2", "bn2", "se_module"], after=["relu"])},
    # timm ReXNet: the shortcut is added onto the first in_channels channels (x[:, :c] += shortcut): no shape change
    "RexNet": {"kind": "block", "forward": ["stem", "features", "head"]},
    "LinearBottleneck": {"kind": "block", "forward": ["conv_exp?", "conv_dw", "se?", "act_dw", "conv_pwl",
                                                       "drop_path?"]},
    # timm MobileNetV4
    "UniversalInvertedResidual": {"kind": "block", "forward": _if_residual(
        ["dw_start", "pw_exp", "dw_mid", "se", "pw_proj", "dw_end", "layer_scale", "drop_path"])},
    # timm CSPNet / DarkNet
    "CspNet": {"kind": "block", "forward": ["stem", "stages", "head"]},
    "DarkStage": {"kind": "block", "forward": ["conv_down", "blocks"]},
    # timm SelecSLS: blocks passing [x, skip], unrolled from the printed tree
    "SelecSls": {"kind": "block", "forward": "selecsls"},
    "SelectSeq": _identity(note="SelectSeq prints no arguments: read as SelecSls builds it (mode='index', index=0: "
                                "the first of the [x, skip] pair)"),
    # timm SKNet: selective kernel convs (paths weighed by an attention over them)
    "SelectiveKernel": {"kind": "block", "forward": "selective_kernel"},
    "SelectiveKernelBasic": {"kind": "block", "forward": _residual(["conv1", "conv2", "se?", "drop_path?"],
                                                                   after=["act"])},
    "SelectiveKernelBottleneck": {"kind": "block", "forward": _residual(
        ["conv1", "conv2", "conv3", "se?", "drop_path?"], after=["act"])},
    # timm CSPNet's cross stages: conv_exp's output split in two halves, one through the blocks
    "CrossStage": {"kind": "block", "forward": [
        "conv_down", "conv_exp", _op("chunk", chunks=2, dim=1, name="split"), {"call": "blocks", "from": "split[1]"},
        "conv_transition_b", {"cat": ["split[0]", "conv_transition_b"]}, "conv_transition"]},
    "CrossStage3": {"kind": "block", "forward": [
        "conv_down", "conv_exp", _op("chunk", chunks=2, dim=1, name="split"), {"call": "blocks", "from": "split[0]"},
        {"cat": ["blocks", "split[1]"]}, "conv_transition"]},
    "DarkBlock": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "conv2"], "lacks": ["shortcut"]},
         "forward": ["conv1", "attn?", "conv2", "drop_path?", {"add": ["@", "input"]}]},
        {"when": {"has": ["conv1_1x1", "conv2_kxk", "act"]},  # timm ByobNet
         "forward": _byob_residual(["conv1_1x1", "attn?", "conv2_kxk", "attn_last?", "drop_path?"])},
    ]},
    "MobileOneBlock": {"kind": "block", "forward": "mobileone"},
    "MixedConv2d": {"kind": "block", "forward": "mixed_conv"},
    "ConvMixer": {"kind": "block", "forward": ["stem", "blocks", "global_pool", "head_drop?", "head"]},
    "Residual": {"kind": "block", "variants": [
        # timm IFormer's: x + γ·drop_path(module(x)), γ (C parameters) where built with layer_scale_init_value > 0
        # (never in RepCPE's)
        {"when": {"has": ["module", "drop_path"], "parent_class": ["RepCPE"], "root_class": ["IFormer"]},
         "forward": ["module", "drop_path?", {"add": ["@", "input"]}]},
        {"when": {"has": ["module", "drop_path"], "root_class": ["IFormer"]},
         "assume": {"layer_scale": False},
         "hidden": [{"name": "gamma", "count": "module.0.c.in_channels|module.proj.c.out_channels",
                     "when": "assume:layer_scale"}],
         "forward": ["module", "drop_path?", {"param": "gamma", "mode": "mul"}, {"add": ["@", "input"]}]},
        {"when": {"has": ["fn"]}, "forward": ["fn", {"add": ["@", "input"]}]},  # ConvMixer
        {"when": {"has": ["m"], "parent_class": ["BasicBlock", "Sequential"]},  # SHViT
         "forward": ["m", {"add": ["@", "input"]}]},
    ]},
    # timm's ViT blocks. Other timm models have classes of the same names holding parameters of their own (BEiT's
    # Block: gamma_1, gamma_2; LeViT's Attention: attention_biases): only the children ViT's classes print match,
    # anything else is "open" (its own parameters would print nowhere).
    "Block": {"kind": "block", "open": True, "variants": [
        {**SAM_BLOCK, "when": {"has": ["norm1", "attn", "norm2", "mlp"], "root_class": ["VisionTransformerSAM"]}},
        # timm TNT's: reads and gives the pixel and the patch tokens, unrolled by the model's forward
        {"when": {"has": ["norm_in", "attn_in", "mlp_in", "proj", "attn_out", "mlp"], "root_class": ["TNT"]},
         "open": False, "forward": [{"unsupported": "timm TNT's Block reads and gives two tensors (the pixel and the "
                                                   "patch tokens): read as part of the TNT model"}]},
        {"when": {"has": ["norm1", "attn", "drop_path", "norm2", "mlp"], "root_class": ["ConVit"]},  # timm ConViT
         "open": False,
         "forward": ["norm1", "attn", "drop_path?", {"add": ["@", "input"], "as": "x"}, {"call": "norm2", "from": "x"},
                     "mlp", "drop_path?", {"add": ["@", "x"]}]},
        # timm CSATv2's: a ConvNeXt block (channels-last inside) whose output a spatial attention map scales
        {"when": {"has": ["dwconv", "norm", "pwconv1", "grn", "pwconv2", "attn"], "root_class": ["CSATv2"]},
         "open": False,
         "forward": ["dwconv", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm", "pwconv1", "act", "grn",
                     "pwconv2", _op("permute", dims=[0, 3, 1, 2], name="to_nchw"), {"set": "x"}, "attn",
                     {"op": {"type": "interpolate", "from": ["@", "x"], "mode": "bilinear", "align_corners": True,
                             "name": "resize"}},
                     {"mul": ["x", "@"]}, "ls?", "drop_path?", {"add": ["@", "input"]}]},
        {"when": {"has": ["local_representation", "attn", "linear", "layer_scale_1", "layer_scale_2"],
                  "root_class": ["SwiftFormer"]}, "open": False,  # timm SwiftFormer
         "forward": ["local_representation", {"set": "x"}, "attn", "layer_scale_1", "drop_path?",
                     {"add": ["@", "x"], "as": "y"}, {"call": "linear", "from": "y"}, "layer_scale_2", "drop_path?",
                     {"add": ["@", "y"]}]},
        {"when": {"has": ["layers"], "parent_class": ["DenseBlock"]}, "open": False, "forward": ["layers"]},  # RDNet
        {"when": {"has": ["rep"], "parent_class": ["Xception"]}, "open": False,  # timm's legacy Xception
         "forward": ["rep", {"set": "y"}, {"if": "has:skip", "then": [{"call": "skip", "from": "input"}, "skipbn",
                                                                     {"add": ["y", "@"]}],
                                          "else": [{"add": ["y", "input"]}]}]},
        {"when": {"has": ["blocks", "downsample"]}, "open": False,  # timm FasterNet's stage: downsample first
         "forward": ["downsample", "blocks"]},
        {"when": {"has": ["dwconv", "f1", "f2", "g", "dwconv2", "act"]}, "open": False,  # timm StarNet
         "forward": ["dwconv", {"set": "x"}, {"call": "f1", "from": "x"}, "act", {"set": "a"},
                     {"call": "f2", "from": "x"}, {"mul": ["a", "@"], "name": "star"}, "g", "dwconv2", "drop_path?",
                     {"add": ["@", "input"]}]},
        {"when": {"has": ["norm1", "attn", "ls1", "drop_path1", "norm2", "mlp", "ls2", "drop_path2"]}, "open": False,
         "forward": ["norm1", "attn", "ls1?", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "ls2?", "drop_path2?", {"add": ["@", "x"]}]},
        {**BEIT_BLOCK, "when": {"has": ["norm1", "attn", "norm2", "mlp"], "lacks": ["ls1", "ls2"],
                                "root_class": ["Beit"]}},
        # timm PVT-v2's (channels-last H × W × C here: its tokens with their grid)
        {"when": {"has": ["norm1", "attn", "drop_path1", "norm2", "mlp", "drop_path2"], "lacks": ["ls1", "ls2"],
                  "root_class": ["PyramidVisionTransformerV2", "Twins"]}, "open": False,
         "forward": ["norm1", "attn", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "drop_path2?", {"add": ["@", "x"]}]},
        # timm Visformer's (NCHW): attention where printed (attn_stage), a SpatialMlp
        {"when": {"has": ["drop_path", "norm2", "mlp"], "parent_class": ["Sequential"], "root_class": ["Visformer"],
                  "child_class": {"mlp": ["SpatialMlp"]}}, "open": False,
         "forward": [{"if": "has:attn", "then": ["norm1", "attn", "drop_path?", {"add": ["@", "input"]}]},
                     {"set": "x"}, "norm2", "mlp", "drop_path?", {"add": ["@", "x"]}]},
    ]},
    "Attention": {"kind": "block", "open": True, "variants": [
        {**SAM_ATTENTION, "when": {"has": ["qkv", "proj"], "root_class": ["VisionTransformerSAM"]}},
        # timm TNT's: q and k from qk, v from v
        {"when": {"has": ["qk", "v", "proj"], "parent_class": ["Block"], "root_class": ["TNT"]}, "open": False,
         "note": "timm TNT's Attention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": ["qk", {"set": "qk"}, {"uses": ["qk"]}, {"call": "v", "from": "input"}, "attn_drop?",
                     {"op": {"type": "identity", "name": "attention"}}, "proj", "proj_drop?"]},
        # timm LeViT's: attention biases sized by the grid it reads; heads from key_dim (not printed)
        {"when": {"has": ["qkv", "proj"], "parent_class": ["LevitBlock"]}, "open": False,
         "assume": {"key_dim": None},
         "note": "timm LeViT's Attention: q·kᵀ, the attention biases and the weighted sum of v are not counted as MACs",
         "hidden": [{"name": "attention_biases", "count": None, "per": "attention_bias"},
                    {"name": "attention_bias_idxs", "count": None, "buffer": True, "placed": True}],
         "forward": "levit_attention"},
        # timm FastViT's: on NCHW, the tokens being the H·W positions (read channels-last: the same rows)
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop"], "parent_class": ["AttentionBlock"],
                  "root_class": ["FastVit"]}, "open": False,
         "note": "timm FastViT's Attention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": [_op("permute", dims=[0, 2, 3, 1], name="to_tokens"), "qkv",
                     _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj", "proj_drop?",
                     _op("permute", dims=[0, 3, 1, 2], name="to_nchw")]},
        # timm TinyViT's: attention biases of heads × window² and their index (window⁴), the block printing both
        {"when": {"has": ["norm", "qkv", "proj"], "parent_class": ["TinyVitBlock"]}, "open": False,
         "hidden": [{"name": "attention_biases", "count": ["^.num_heads", "^.window_size", "^.window_size"]},
                    {"name": "attention_bias_idxs", "count": ["^.window_size"] * 4, "buffer": True}],
         "note": "timm TinyViT's Attention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": ["norm", "qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj"]},
        # timm EfficientFormer's (v1): attention biases of num_heads × resolution² (timm's defaults, not printed)
        {"when": {"has": ["qkv", "proj"], "lacks": ["attn_drop", "proj_drop", "q_norm"],
                  "parent_class": ["MetaBlock1d"], "root_class": ["EfficientFormer"]},
         "open": False, "assume": {"num_heads": 8, "resolution": 7},
         "hidden": [{"name": "attention_biases",
                     "count": [{"assume": "num_heads"}, {"assume": "resolution"}, {"assume": "resolution"}]},
                    {"name": "attention_bias_idxs", "count": [{"assume": "resolution"}] * 4, "buffer": True}],
         "note": "timm's EfficientFormer Attention: num_heads and resolution are not printed (timm's defaults 8 and "
                 "7, as every EfficientFormer builds them): its attention biases (num_heads × resolution² "
                 "parameters) and their index (resolution⁴ buffers), and it reads exactly resolution² tokens; "
                 "q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": "efficientformer_attention"},
        {**BEIT_ATTENTION, "when": {"has": ["qkv", "attn_drop", "proj", "proj_drop"], "lacks": ["q_norm", "k_norm"],
                                    "parent_class": ["Block"], "root_class": ["Beit"]}},
        # timm PVT-v2's Attention (on H × W × C): k and v from the map reduced by sr (linear_attn: pooled to 7 × 7)
        {"when": {"has": ["q", "kv", "attn_drop", "proj", "proj_drop"], "root_class": ["PyramidVisionTransformerV2"]},
         "open": False,
         "note": "timm PVT-v2's Attention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": [{"call": "q", "from": "input"}, {"set": "q"}, {"set": "kv_in", "to": "input"},
                     {"if": "has:pool", "then": [
                         {"op": {"type": "permute", "from": "input", "dims": [0, 3, 1, 2], "name": "to_nchw"}},
                         "pool", "sr", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm", "act",
                         {"set": "kv_in"}],
                      "else": [{"if": "has:sr", "then": [
                          {"op": {"type": "permute", "from": "input", "dims": [0, 3, 1, 2], "name": "to_nchw"}},
                          "sr", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm", {"set": "kv_in"}]}]},
                     {"call": "kv", "from": "kv_in"}, {"set": "kv_out"}, {"uses": ["kv_out"]},
                     {"op": {"type": "identity", "from": "q", "name": "attention"}}, "proj", "proj_drop?"]},
        # timm Visformer's Attention: 1 × 1 convolutions on NCHW, q, k and v in three channel blocks
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop"], "lacks": ["q_norm", "k_norm"],
                  "root_class": ["Visformer"], "child_class": {"qkv": ["Conv2d"], "proj": ["Conv2d"]}},
         "open": False,
         "note": "timm Visformer's Attention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": ["qkv", _op("chunk", chunks=3, dim=1, name="qkv_split"),
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj",
                     "proj_drop?"]},
        # timm NesT's and VOLO's Attention (on a channels-last map): qkv and proj only
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop"], "lacks": ["q_norm", "k_norm"],
                  "parent_class": ["TransformerLayer", "Transformer"], "root_class": ["Nest", "VOLO"]}, "open": False,
         "note": "timm NesT's and VOLO's Attention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj",
                     "proj_drop?"]},
        # timm MetaFormer's (CAFormer's) Attention: qkv and proj only, no parameter of its own
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop"], "parent_class": ["MetaFormerBlock"]},
         "open": False,
         "forward": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj",
                     "proj_drop?"]},
        {"when": {"has": ["qkv", "q_norm", "k_norm", "attn_drop", "proj", "proj_drop"], "lacks": ["gate"]},
         "open": False,
         "note": "timm's Attention: q·kᵀ and the weighted sum of v are not counted as MACs (as torchvision's "
                 "published numbers and fvcore's count only the projections)",
         "forward": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     {"if": {"not": "class:q_norm=Identity"}, "then": [
                         {"op": {"type": "reshape", "from": "qkv_split[0]", "name": "q_heads",
                                 "shape": [-1, {"resolve": "q_norm.normalized_shape.0|q_norm.num_channels"}]}},
                         "q_norm", {"set": "q"}]},
                     {"if": {"not": "class:k_norm=Identity"}, "then": [
                         {"op": {"type": "reshape", "from": "qkv_split[1]", "name": "k_heads",
                                 "shape": [-1, {"resolve": "k_norm.normalized_shape.0|k_norm.num_channels"}]}},
                         "k_norm", {"set": "k"}]},
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}},
                     {"uses": ["q", "k"]},
                     "norm?", "proj", "proj_drop?"]},
    ]},
    # timm's attention pool as VisionTransformer builds it (global_pool='map'): one learned latent query reads every
    # token. Its output has the latent's one row: drawn as the mean of v over the tokens (the shape of a weighted sum);
    # q projects the latent (one row: its MACs and parameters), not the tokens.
    "AttentionPoolLatent": {"kind": "block", "variants": [
        {"when": {"has": ["q", "kv", "q_norm", "k_norm", "proj", "norm", "mlp"], "lacks": ["pos_embed"]},
         "hidden": [{"name": "latent", "count": "q.in_features"}],
         "note": "timm's AttentionPoolLatent is read as VisionTransformer builds it: one latent query (latent_len=1), "
                 "no position embedding, the token pooled",
         "forward": [{"call": "kv", "from": "input"}, _op("chunk", chunks=2, dim=-1, name="kv_split"),
                     {"if": {"not": "class:k_norm=Identity"}, "then": [
                         {"op": {"type": "reshape", "from": "kv_split[0]", "name": "k_heads",
                                 "shape": [-1, {"resolve": "k_norm.normalized_shape.0|k_norm.num_channels"}]}},
                         "k_norm", {"set": "k"}]},
                     {"op": {"type": "mean", "from": "kv_split[1]", "dim": [1], "keepdim": True,
                             "name": "attention"}},
                     {"set": "x"}, {"call": "q", "from": "x", "as": "q_proj"},
                     {"if": {"not": "class:q_norm=Identity"}, "then": [
                         {"op": {"type": "reshape", "from": "q_proj", "name": "q_heads",
                                 "shape": [-1, {"resolve": "q_norm.normalized_shape.0|q_norm.num_channels"}]}},
                         "q_norm", {"set": "qn"}]},
                     {"uses": ["k", "q_proj", "qn"]},
                     {"call": "proj", "from": "x"}, "proj_drop?", {"set": "y"}, "norm", "mlp", {"add": ["@", "y"]},
                     _op("split", split_size_or_sections=1, dim=1, name="tokens"),
                     {"op": {"type": "flatten", "from": "tokens[0]", "name": "pooled"}}]},
    ]},
    "SwiGLU": {"kind": "block", "variants": [
        {"when": {"has": ["fc1_g", "fc1_x", "act", "fc2"]},
         "forward": [{"call": "fc1_g", "from": "input", "as": "gate"}, {"call": "act", "from": "gate"},
                     {"set": "g"}, {"call": "fc1_x", "from": "input", "as": "x"}, {"mul": ["g", "x"]}, "drop1?",
                     "norm?", "fc2", "drop2?"]},
    ]},
    "HybridEmbed": {"kind": "block", "variants": [
        {"when": {"has": ["backbone", "proj"]},
         "note": "timm's HybridEmbed is read as ViT builds it: flatten=True (tokens × features)",
         "forward": ["backbone", "proj", _op("flatten", start_dim=2), _op("transpose", dim0=1, dim1=2,
                                                                         name="to_tokens")]},
    ]},
    "VisionTransformerDistilled": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "head", "head_dist"]},
         "assume": {k: v for k, v in TIMM_VIT_ASSUME.items() if k in ("no_embed_class", "pos_embed")},
         "hidden": [{"name": "cls_token", "count": None}, {"name": "dist_token", "count": None},
                    {"name": "pos_embed", "count": None, "when": "assume:pos_embed=learn"}],
         "forward": ["patch_embed", *_timm_vit_tokens(("cls_token", 1), ("dist_token", 1)),
                     "pos_drop?", "patch_drop?", "norm_pre?", "blocks", "norm?",
                     _op("split", split_size_or_sections=1, dim=1, name="tokens"),
                     {"op": {"type": "flatten", "from": "tokens[0]", "name": "class_output"}},
                     "head_drop?", {"set": "x"},
                     {"op": {"type": "flatten", "from": "tokens[1]", "name": "dist_output"}},
                     {"call": "head_drop", "from": "dist_output", "optional": True}, {"set": "x_dist"},
                     {"call": "head", "from": "x", "as": "head"}, {"call": "head_dist", "from": "x_dist"},
                     {"add": ["head", "head_dist"], "name": "average"}],
         "note": "timm's VisionTransformerDistilled in eval mode: (head(x[:, 0]) + head_dist(x[:, 1])) / 2"},
    ]},
    # timm's RMS norms print no argument (``RmsNorm()``): the weight is one per feature of the tensor they meet (the
    # last dim; the channels for the 2d forms), present unless built with affine=False
    **{name: {"kind": "block", "assume": {"affine": True},
              "hidden": [{"name": "weight", "count": None, "per": per, "when": "assume:affine"}],
              "forward": [{"param": "weight", "mode": "mul", "type": "rmsnorm"}]}
       for name, per in (("RmsNorm", "last"), ("RmsNormFp32", "last"), ("SimpleNorm", "last"),
                         ("RmsNorm2d", "channel"), ("SimpleNorm2d", "channel"))},
    "GroupNorm1": _leaf("groupnorm", "groupnorm", ("num_groups", "num_channels")),
    "LayerScale": {"kind": "block", "hidden": [{"name": "gamma", "count": "^.norm1.normalized_shape.0"}],
                   "forward": [{"param": "gamma", "mode": "mul"}], "variants": [
        {"when": {"parent_class": ["GatedConvBlock"]},  # timm MambaOut's: one gamma per feature of the block's norm
         "hidden": [{"name": "gamma", "count": "^.norm.normalized_shape.0"}]},
        # timm Hiera's and MViTv2's: dim_out (norm2's) where a block widens
        {"when": {"parent_class": ["HieraBlock", "MultiScaleBlock"]},
         "hidden": [{"name": "gamma", "count": "^.norm2.normalized_shape.0"}]}]},
    "LayerScale2d": {"kind": "block", "hidden": [{"name": "gamma", "count": None, "per": "channel"}],
                     "forward": [{"param": "gamma", "mode": "mul"}]},
}

# ----------------------------------------------------------------------------
# timm's other convolutional and MetaFormer families
# ----------------------------------------------------------------------------
_TIMM_CNN: dict[str, dict] = {
    # timm RepViT (unfused): RepVggDw is ``bn(conv(x) + conv1(x) + x)``; blocks and downsamples add their mixer's input
    "RepVit": {"kind": "block", "forward": ["stem", "stages", _op("mean", dim=[2, 3], name="pool"), "head_drop?",
                                            "head"]},
    "RepVitStem": {"kind": "block", "forward": ["conv1", "act1", "conv2"]},
    "RepVitStage": {"kind": "block", "forward": ["downsample", "blocks"]},
    "RepVitDownsample": {"kind": "block", "forward": [
        "pre_block", "spatial_downsample", "channel_downsample", {"set": "x"}, "ffn", {"add": ["@", "x"]}]},
    "RepViTBlock": {"kind": "block", "forward": [
        "token_mixer", "se", {"set": "x"}, "channel_mixer", {"add": ["x", "@"]}]},
    "RepVggDw": {"kind": "block", "forward": [
        {"call": "conv", "from": "input"}, {"call": "conv1", "from": "input"},
        {"add": ["conv", "conv1", "input"], "name": "sum"}, "bn"]},
    "RepVitMlp": {"kind": "block", "forward": ["conv1", "act", "conv2"]},
    "ConvNorm": {"kind": "block", "variants": [{"when": {"has": ["c", "bn"]}, "forward": ["c", "bn"]},
                                               {"when": {"has": ["conv", "bn"], "root_class": ["EfficientVitMsra"]},
                                                "forward": ["conv", "bn"]},  # timm EfficientViT (MSRA)
                                               {"when": {"has": ["conv", "bn"], "root_class": ["TinyVit", "EfficientFormerV2"]},
                                                "forward": ["conv", "bn"]},
                                               {"when": {"has": ["linear", "bn"], "root_class": ["Levit", "LevitDistilled"]},  # LeViT
                                                "forward": ["linear", "bn"]}]},
    "NormLinear": {"kind": "block", "variants": [{"when": {"has": ["bn", "l"]}, "forward": ["bn", "drop?", "l"]},
                                                 {"when": {"has": ["bn", "linear"], "root_class": ["EfficientVitMsra"]},
                                                  "forward": ["bn", "drop?", "linear"]},  # timm EfficientViT (MSRA)
                                                 {"when": {"has": ["bn", "linear"], "root_class": ["Levit", "LevitDistilled"]},  # LeViT
                                                  "forward": ["bn", "drop?", "linear"]}]},
    "RepVitClassifier": {"kind": "block", "variants": [
        {"when": {"has": ["head", "head_dist"], "child_class": {"head_dist": ["Identity"]},
                  "root_class": ["IFormer"]},  # timm IFormer's, built without distillation
         "forward": ["head_drop?", "head"]},
        {"when": {"has": ["head", "head_dist"]},
         "note": "timm's RepVitClassifier with head_dist in eval mode: (head(x) + head_dist(x)) / 2",
         "forward": ["head_drop?", {"set": "x"}, {"call": "head", "from": "x"}, {"call": "head_dist", "from": "x"},
                     {"add": ["head", "head_dist"], "name": "average"}]},
        {"when": {"has": ["head"], "lacks": ["head_dist"]}, "forward": ["head_drop?", "head"]}]},
    # timm MobileViT: the transformer runs on the unfolded patches. Linear, LayerNorm (v1) and 1x1 convs, GroupNorm1
    # (v2) see every position once whatever the patch grid, so they are read on the feature map as it is (v1: channels
    # last); where the size is not a multiple of patch_size timm interpolates (not modelled: shapes unknown)
    **{name: {"kind": "block", "assume": {"patch_size": 2},
              "note": f"timm's {name}: print(model) does not show patch_size (timm's mobilevit models build 2); it "
                      "changes no count, only whether timm interpolates (refused where the size does not divide)",
              "forward": forward}
       for name, forward in (
           ("MobileVitBlock", [
               "conv_kxk", "conv_1x1",
               {"op": {"type": "identity", "name": "unfold"}, "multiple_of": "assume:patch_size",
                "why": "timm interpolates a feature map that is not a multiple of patch_size"},
               _op("permute", dims=[0, 2, 3, 1], name="to_patches"), "transformer", "norm",
               _op("permute", dims=[0, 3, 1, 2], name="fold"), "conv_proj",
               {"if": "has:conv_fusion", "then": [{"cat": ["input", "@"], "name": "fusion_input"}, "conv_fusion"]}]),
           ("MobileVitV2Block", [
               {"op": {"type": "identity", "name": "unfold"}, "multiple_of": "assume:patch_size",
                "why": "timm interpolates an input that is not a multiple of patch_size"},
               "conv_kxk", "conv_1x1", "transformer", "norm", "conv_proj"]))},
    "LinearTransformerBlock": {"kind": "block", "forward": [
        "norm1", "attn", "drop_path1?", {"add": ["@", "input"], "as": "x"}, {"call": "norm2", "from": "x"}, "mlp",
        "drop_path2?", {"add": ["@", "x"]}]},
    "LinearSelfAttention": {"kind": "block", "variants": [
        {"when": {"has": ["qkv_proj", "out_proj"]},
         "note": "timm's LinearSelfAttention: the context vector (key weighted by softmax(query), summed over the "
                 "patches) scales relu(value): no MACs counted for it, as for attention's q·k",
         "forward": ["qkv_proj",
                     {"op": {"type": "split", "name": "qkv", "dim": 1, "split_size_or_sections": [
                         1, {"resolve": "out_proj.in_channels"}, {"resolve": "out_proj.in_channels"}]}},
                     {"op": {"type": "softmax", "dim": -1, "from": "qkv[0]", "name": "context_scores"}},
                     "attn_drop?", {"set": "scores"}, {"uses": ["scores"]},
                     {"op": {"type": "relu", "from": "qkv[2]", "name": "value"}}, "out_proj", "out_drop?"]}]},
    # timm StarNet: act(f1(x)) * f2(x) (the "star" operation)
    "StarNet": {"kind": "block", "forward": ["stem", "stages", "norm", "global_pool", "flatten?", "head"]},
    "ConvBN": {"kind": "block", "forward": "sequential"},
    # timm MetaFormer (PoolFormer v1/v2, ConvFormer, CAFormer): attention stages run on tokens (B, N, C); read
    # channels-last block by block (the same counts: Linear and LayerNorm see every position once)
    "MetaFormer": {"kind": "block", "forward": ["stem", "stages", "head"]},
    "MetaFormerStage": {"kind": "block", "forward": ["downsample", "blocks"]},
    "MetaFormerBlock": {"kind": "block", "forward": [
        {"if": "class:token_mixer=Attention", "then": [_op("permute", dims=[0, 2, 3, 1], name="to_tokens")]},
        {"set": "x"}, "norm1", "token_mixer", "drop_path1?", "layer_scale1?", {"set": "y"},
        {"call": "res_scale1", "from": "x", "as": "r"}, {"add": ["r", "y"], "as": "x"},
        {"call": "norm2", "from": "x"}, "mlp", "drop_path2?", "layer_scale2?", {"set": "y"},
        {"call": "res_scale2", "from": "x", "as": "r"}, {"add": ["r", "y"]},
        {"if": "class:token_mixer=Attention", "then": [_op("permute", dims=[0, 3, 1, 2], name="to_channels")]}]},
    "Downsampling": {"kind": "block", "forward": ["norm", "conv"]},
    "SepConv": {"kind": "block", "forward": ["pwconv1", "act1", "dwconv", "act2", "pwconv2"]},
    # PoolFormer's and EfficientFormer's Pooling: pool(x) - x (PiT's Pooling, with conv and fc, is another class)
    "Pooling": {"kind": "block", "variants": [
        {"when": {"has": ["conv", "fc"], "parent_class": ["Transformer"], "root_class": ["PoolingVisionTransformer"]},
         "forward": [{"unsupported": "PiT's Pooling reads a (map, class tokens) pair: PoolingVisionTransformer "
                                     "runs it"}]},
        {"when": {"has": ["pool"], "lacks": ["conv", "fc"]},
         "forward": [{"call": "pool", "from": "input"}, {"op": {"type": "sub", "from": ["pool", "input"],
                                                                "name": "minus_input"}}]}]},
    "Scale": {"kind": "block", "hidden": [{"name": "scale", "count": "^.norm1.normalized_shape.0|^.norm1.num_channels"}],
              "forward": [{"param": "scale", "mode": "mul"}]},
    "StarReLU": {"kind": "block", "hidden": [{"name": "scale", "count": 1}, {"name": "bias", "count": 1}],
                 "forward": ["relu", {"param": "scale", "mode": "mul"}, {"param": "bias", "mode": "add"}]},
    "SquaredReLU": {"kind": "block", "forward": ["relu"]},
    "MlpHead": {"kind": "block", "forward": ["fc1", "act", "norm", "head_drop?", "fc2"], "variants": [
        {"when": {"has": ["norm", "pre_logits", "fc"], "parent_class": ["MambaOut"]},  # timm MambaOut: avg pool
         "forward": [_op("mean", dim=[1, 2], name="global_pool"), "norm", "pre_logits", "head_dropout?", "fc"]}]},
    "LayerNorm2dNoBias": _leaf("layernorm", "layernorm", ("normalized_shape",), elements="layernorm2d"),
    "LayerNormNoBias": _leaf("layernorm", "layernorm", ("normalized_shape",)),
    "GroupNorm1NoBias": _leaf("groupnorm", "groupnorm", ("num_groups", "num_channels")),
    # timm ResMLP: Affine is alpha * x + beta (a weight and a bias per feature, of the tensor it meets)
    "Affine": {"kind": "block", "hidden": [{"name": "alpha", "count": None, "per": "last"},
                                           {"name": "beta", "count": None, "per": "last"}],
               "forward": [{"param": "alpha", "mode": "mul"}, {"param": "beta", "mode": "add"}]},
    "ResBlock": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "linear_tokens", "norm2", "mlp_channels"]},
         "hidden": [{"name": "ls1", "count": "mlp_channels.fc1.in_features"},
                    {"name": "ls2", "count": "mlp_channels.fc1.in_features"}],
         "forward": ["norm1", _op("transpose", dim0=1, dim1=2, name="to_channels"), "linear_tokens",
                     _op("transpose", dim0=1, dim1=2, name="to_tokens"), {"param": "ls1", "mode": "mul"},
                     "drop_path?", {"add": ["@", "input"], "as": "x"}, {"call": "norm2", "from": "x"},
                     "mlp_channels", {"param": "ls2", "mode": "mul"}, "drop_path?", {"add": ["@", "x"]}]}]},
    # timm gMLP: the gate's second half, normed and mixed over the tokens, multiplies the first
    "SpatialGatingBlock": {"kind": "block", "forward": ["norm", "mlp_channels", "drop_path?", {"add": ["@", "input"]}]},
    "GatedMlp": {"kind": "block", "forward": ["fc1", "act", "drop1?", "gate", "norm?", "fc2", "drop2?"]},
    # timm RepGhostNet (unfused): the cheap operation plus its re-parameterisable fusion branches, added (not
    # concatenated as in GhostNet)
    "RepGhostNet": {"kind": "block", "forward": ["conv_stem", "bn1", "act1", "blocks", "global_pool", "conv_head",
                                                 "act2", "flatten?", "classifier"]},
    "RepGhostModule": {"kind": "block", "forward": "repghost_module"},
    "RepGhostBottleneck": {"kind": "block", "forward": [
        "ghost1", "conv_dw?", "bn_dw?", "se?", "ghost2", {"set": "out"},
        {"call": "shortcut", "from": "input", "as": "sc", "optional": True}, {"add": ["out", "sc"]}]},
    # timm FasterNet: a partial conv on the first channels, then a residual MLP
    "FasterNet": {"kind": "block", "forward": ["patch_embed", "stages", "global_pool", "conv_head", "act", "flatten?",
                                               "classifier"]},
    "MLPBlock": {"kind": "block", "variants": [
        {"when": {"has": ["mlp", "spatial_mixing"]},
         "assume": {"layer_scale": False},
         "hidden": [{"name": "layer_scale", "count": "mlp.0.in_channels", "when": "assume:layer_scale"}],
         "forward": ["spatial_mixing", {"set": "x"}, "mlp", {"param": "layer_scale", "mode": "mul"}, "drop_path?",
                     {"add": ["x", "@"]}]},
        {"when": {"lacks": ["spatial_mixing"]}, "forward": "sequential"}]},  # torchvision ViT's MLPBlock
    "Partial_conv3": {"kind": "block", "forward": "partial_conv"},
    # timm RegNetV (pre-activation): the shortcut reads the pre-activated input; ``downsample`` None: no shortcut
    "PreBottleneck": {"kind": "block", "forward": [
        "norm1", {"set": "pre"}, "conv1", "norm2", "conv2", "se?", "norm3", "conv3",
        {"if": "has:downsample", "then": ["drop_path?", {"set": "y"}, {"call": "downsample", "from": "pre", "as": "sc"},
                                          {"add": ["y", "sc"]}]}]},
    # timm GCNet's global context: an attention-pooled (or mean) context, through mlp_scale (a gate) and mlp_add
    "GlobalContext": {"kind": "block",
                      "note": "timm's GlobalContext: the context (the input weighted by softmax(conv_attn(x)) over the "
                              "positions) is shown as a mean over the positions, its shape; no MACs counted for the "
                              "weighting",
                      "forward": [
        {"if": "has:conv_attn", "then": [{"call": "conv_attn", "from": "input", "as": "attn"}, {"uses": ["attn"]}]},
        {"op": {"type": "mean", "from": "input", "dim": [2, 3], "keepdim": True, "name": "context"}, "as": "context"},
        {"set": "x", "to": "input"},
        {"if": "has:mlp_scale", "then": [{"call": "mlp_scale", "from": "context"}, "gate",
                                         {"mul": ["x", "@"], "name": "scale", "as": "x"}]},
        {"if": "has:mlp_add", "then": [{"call": "mlp_add", "from": "context"}, {"add": ["x", "@"], "name": "add"}]}]},
    "SpatialGatingUnit": {"kind": "block", "forward": [
        _op("chunk", chunks=2, dim=-1, name="uv"), {"call": "norm", "from": "uv[1]"},
        _op("transpose", dim0=1, dim1=2, name="to_channels"), "proj", _op("transpose", dim0=1, dim1=2, name="back"),
        {"mul": ["uv[0]", "@"], "name": "gate"}]},
}

# ----------------------------------------------------------------------------
# timm's convolutional families, continued (RDNet, LCNetV2, HGNet, CSPNeXt, Inception-ResNet-v2, legacy Xception,
# CLIP's attention pool)
# ----------------------------------------------------------------------------
_TIMM_CNN2: dict[str, dict] = {
    # timm RDNet: a DenseStage concatenates its input and every DenseBlock's output (each block reads all of them)
    "RDNet": {"kind": "block", "forward": ["stem", "dense_stages", "norm_pre?", "head"]},
    "DenseStage": {"kind": "block", "forward": "dense"},
    "BlockESE": {"kind": "block", "forward": ["layers"]},
    # timm LCNetV2: the re-parameterisable depthwise branches (unfused) are summed
    "LCNetV2": {"kind": "block", "forward": ["stem", "stages", "global_pool", "conv_head", "act2", "flatten",
                                             "classifier"]},
    "RepDepthwiseSeparable": {"kind": "block", "forward": "lcnet_rep_dw",
                              "note": "timm's RepDepthwiseSeparable: use_shortcut is not printed; read as LCNetV2 "
                                      "builds it (the input added in the stage whose depthwise conv is "
                                      "re-parameterisable and whose pointwise conv is not split, where the shape "
                                      "allows); it changes no count or shape"},
    # timm HGNet (v1, v2): each block concatenates its input and every layer's output, then aggregates
    "HighPerfGpuNet": {"kind": "block", "forward": ["stem", "stages", "head"]},
    "HighPerfGpuStage": {"kind": "block", "forward": ["downsample", "blocks"]},
    "HighPerfGpuBlock": {"kind": "block", "forward": "hgnet_block",
                         "note": "timm's HighPerfGpuBlock: residual is not printed (HGNet builds it for every block "
                                 "but a stage's first): read as an add of the input where the shape allows; it "
                                 "changes no count or shape"},
    "StemV1": {"kind": "block", "forward": ["stem", "pool"]},
    "StemV2": {"kind": "block", "forward": [
        "stem1", _op("zeropad2d", padding=[0, 1, 0, 1], name="pad"), {"set": "x"}, "stem2a",
        _op("zeropad2d", padding=[0, 1, 0, 1], name="pad2"), "stem2b", {"set": "x2"}, {"call": "pool", "from": "x"},
        {"cat": ["pool", "x2"]}, "stem3", "stem4"]},
    "ConvBNAct": {"kind": "block", "forward": ["conv", "bn", "act", "lab"]},
    "LightConvBNAct": {"kind": "block", "forward": ["conv1", "conv2"]},
    "LearnableAffineBlock": {"kind": "block", "hidden": [{"name": "scale", "count": 1}, {"name": "bias", "count": 1}],
                             "forward": [{"param": "scale", "mode": "mul"}, {"param": "bias", "mode": "add"}]},
    "EseModule": {"kind": "block", "forward": [_op("mean", dim=[2, 3], keepdim=True, name="squeeze"), "conv",
                                               "sigmoid", {"mul": ["input", "@"]}]},
    # timm CSPNeXt: the last stage's layer (after its SPP bottleneck) is built with add_identity=False
    "CspNext": {"kind": "block", "forward": ["stem", "stages", "head"]},
    "CspNextLayer": {"kind": "block", "forward": [
        {"call": "short_conv", "from": "input"}, {"call": "main_conv", "from": "input"}, "blocks",
        {"cat": ["@", "short_conv"]}, "attention", "final_conv"]},
    "CspNextBlock": {"kind": "block", "forward": "cspnext_block"},
    "SPPBottleneck": {"kind": "block", "forward": "spp_bottleneck"},
    # timm Inception-ResNet-v2: Block35/17/8 add their scaled branches to the input (the scale is a constant)
    "InceptionResnetV2": {"kind": "block", "forward": [
        "conv2d_1a", "conv2d_2a", "conv2d_2b", "maxpool_3a", "conv2d_3b", "conv2d_4a", "maxpool_5a", "mixed_5b",
        "repeat", "mixed_6a", "repeat_1", "mixed_7a", "repeat_2", "block8", "conv2d_7b", "global_pool",
        "head_drop?", "classif"]},
    **{name: {"kind": "block", "forward": "branches"} for name in ("Mixed_5b", "Mixed_6a", "Mixed_7a")},
    **{name: {"kind": "block", "forward": [
        *({"call": b, "from": "input"} for b in branches), {"cat": list(branches)}, "conv2d",
        _op("identity", name="scale"), {"add": ["@", "input"]}, act]}
       for name, branches, act in (("Block35", ("branch0", "branch1", "branch2"), "act"),
                                   ("Block17", ("branch0", "branch1"), "act"),
                                   ("Block8", ("branch0", "branch1"), "relu?"))},
    # timm's legacy Xception (its block class is ``Block``: a variant of timm's Block, chosen by its children)
    "Xception": {"kind": "block", "forward": [
        "conv1", "bn1", "act1", "conv2", "bn2", "act2", *(f"block{i}" for i in range(1, 13)), "conv3", "bn3", "act3",
        "conv4", "bn4", "act4", "global_pool", "fc"]},
    # timm's AttentionPool2d (CLIP ResNets): the mean token (or a class token) put before the flattened feature map,
    # a position embedding of feat_size² + 1 rows (not printed: resampled to the feature map), q/k/v, the first token
    "AttentionPool2d": {"kind": "block", "variants": [
        {"when": {"has": ["proj"]},
         "assume": {"feat_size": 7, "class_token": False},
         "hidden": [{"name": "cls_token", "count": "q.in_features|qkv.in_features", "when": "assume:class_token"},
                    {"name": "pos_embed", "count": [{"assume": "feat_size", "grid_tokens": True},
                                                    "q.in_features|qkv.in_features"]}],
         "note": "timm's AttentionPool2d: pool_type='token' (the first token), as timm's ByobNet builds it; q·kᵀ and "
                 "the weighted sum of v are not counted as MACs",
         "forward": [_op("flatten", start_dim=2), _op("transpose", dim0=1, dim1=2, name="to_tokens"),
                     {"if": "assume:class_token", "then": [{"param": "cls_token", "mode": "cat", "tokens": 1}],
                      "else": [{"set": "x"}, _op("mean", dim=[1], keepdim=True, name="mean_token"),
                               {"cat": ["@", "x"], "dim": 1, "name": "with_mean"}]},
                     {"param": "pos_embed", "mode": "add"}, {"set": "t"},
                     {"if": "has:qkv", "then": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                                                {"op": {"type": "identity", "from": "qkv_split[2]",
                                                        "name": "attention"}}],
                      "else": [{"call": "q", "from": "t", "as": "q"}, {"call": "k", "from": "t", "as": "k"},
                               {"call": "v", "from": "t"}, {"uses": ["q", "k"]},
                               _op("identity", name="attention")]},
                     "drop?", "proj", _op("split", split_size_or_sections=1, dim=1, name="tokens"),
                     {"op": {"type": "flatten", "from": "tokens[0]", "name": "pooled"}}]},
    ]},
    # timm MambaOut: channels-last from the stem's end; a gated CNN block (act(g) · [i, dwconv(c)])
    "MambaOut": {"kind": "block", "forward": ["stem", "stages", "head"]},
    "MambaOutStage": {"kind": "block", "forward": ["downsample", "blocks"]},
    "DownsampleNormFirst": {"kind": "block", "forward": [
        "norm", _op("permute", dims=[0, 3, 1, 2], name="to_channels_first"), "conv",
        _op("permute", dims=[0, 2, 3, 1], name="to_channels_last")]},
    "Downsample": {"kind": "block", "variants": [
        # timm EfficientFormerV2's: conv(x), plus attn(x) where printed
        {"when": {"has": ["conv"], "root_class": ["EfficientFormerV2"]},
         "forward": [{"call": "conv", "from": "input"},
                     {"if": "has:attn", "then": [{"call": "attn", "from": "input"}, {"add": ["attn", "conv"]}]}]},
        # timm LeViT's (linear models): x.view(B, res, res, C)[:, ::stride, ::stride], stride 2 as LevitDownsample
        # builds it (Downsample() prints none)
        {"when": {"lacks": ["pool"], "parent_class": ["Sequential"], "root_class": ["Levit", "LevitDistilled"]},
         "forward": [_op("permute", dims=[0, 3, 1, 2], name="to_channels_first"),
                     _op("maxpool2d", kernel_size=1, stride=2, name="subsample"),
                     _op("permute", dims=[0, 2, 3, 1], name="to_channels_last")]},
        {"when": {"has": ["conv", "norm"], "parent_class": ["EfficientFormerStage"]}, "forward": ["conv", "norm"]},
        {"when": {"has": ["conv", "norm"], "parent_class": ["MambaOutStage"]},
         "forward": [_op("permute", dims=[0, 3, 1, 2], name="to_channels_first"), "conv",
                     _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "norm"]},
        {"when": {"has": ["proj", "norm"], "parent_class": ["FocalNet", "FocalNetStage"]},  # timm FocalNet
         "forward": ["proj", "norm"]},
        {"when": {"has": ["norm", "conv"], "parent_class": ["DaVitStage"]}, "forward": "davit_pad"},  # timm DaViT
        {"when": {"has": ["proj"], "parent_class": ["ModuleList"], "root_class": ["VOLO"]},  # timm VOLO: NHWC
         "forward": [_op("permute", dims=[0, 3, 1, 2], name="to_channels_first"), "proj",
                     _op("permute", dims=[0, 2, 3, 1], name="to_channels_last")]}]},
    "GatedConvBlock": {"kind": "block", "forward": "gated_conv_block"},
    "ClNormMlpClassifierHead": {"kind": "block", "forward": [
        _op("mean", dim=[1, 2], name="global_pool"), "norm", "pre_logits", "drop?", "fc"],
        "note": "timm's ClNormMlpClassifierHead: pool_type is not printed (timm's default 'avg', a mean over the "
                "channels-last feature map); a max or avgmax pool changes no count or shape",
        "variants": [{"when": {"has": ["norm", "fc"], "parent_class": ["Hiera"]},  # input_fmt='NLC': over the tokens
                      "note": "timm's ClNormMlpClassifierHead: pool_type is not printed (timm's default 'avg', "
                              "a mean over the tokens, input_fmt='NLC'); a max or avgmax pool changes no count or "
                              "shape",
                      "forward": [_op("mean", dim=[1], name="global_pool"), "norm", "pre_logits", "drop?", "fc"]}]},
    # timm InceptionNeXt (MetaNeXt): an inception depthwise conv on a part of the channels, the rest passed on
    "MetaNeXt": {"kind": "block", "forward": ["stem", "stages", "head"]},
    "MetaNeXtStage": {"kind": "block", "forward": ["downsample", "blocks"]},
    "MetaNeXtBlock": {"kind": "block", "assume": {"layer_scale": True},
                      "hidden": [{"name": "gamma", "count": "norm.num_features|norm.normalized_shape.0",
                                  "when": "assume:layer_scale"}],
                      "forward": ["token_mixer", "norm", "mlp", {"param": "gamma", "mode": "mul"}, "drop_path?",
                                  {"add": ["@", "input"]}]},
    "InceptionDWConv2d": {"kind": "block", "forward": "inception_dw"},
    "MlpClassifierHead": {"kind": "block", "forward": ["global_pool", "fc1", "act", "norm", "drop?", "fc2"]},
    # timm SHViT: single-head attention on the first pdim channels (pre_norm's), the rest passed on
    "SHViT": {"kind": "block", "forward": ["patch_embed", "stages", "global_pool", "flatten", "head_drop?", "head"]},
    "StageBlock": {"kind": "block", "variants": [
        {"when": {"has": ["downsample", "blocks"]}, "forward": ["downsample", "blocks"]}]},
    "Conv2dNorm": {"kind": "block", "variants": [{"when": {"has": ["c", "bn"]}, "forward": ["c", "bn"]}]},
    "FFN": {"kind": "block", "variants": [{"when": {"has": ["pw1", "act", "pw2"]}, "forward": ["pw1", "act", "pw2"]},
                                          {"when": {"has": ["mixer"], "root_class": ["IFormer"]},  # timm IFormer
                                           "forward": ["mixer"]}]},
    "SHSA": {"kind": "block", "variants": [
        {"when": {"has": ["pre_norm", "qkv", "proj"]}, "forward": "shsa",
         "note": "timm's SHSA: q·kᵀ and the weighted sum of v are not counted as MACs"}]},
    # timm EfficientFormer (v1): pooling blocks on the feature map, then (after Flat) attention blocks on tokens
    "EfficientFormer": {"kind": "block", "assume": {"global_pool": "avg"},
                        "note": "timm's EfficientFormer: global_pool is not printed (timm's default 'avg', a mean over "
                                "the tokens); the head and head_dist predictions averaged, as in eval mode",
                        "forward": ["stem", "stages", "norm",
                                    {"if": "assume:global_pool=avg", "then": [_op("mean", dim=[1], name="pool")]},
                                    "head_drop?", {"set": "x"}, {"call": "head", "from": "x"},
                                    {"call": "head_dist", "from": "x"}, {"add": ["head", "head_dist"]},
                                    _op("identity", name="halve")]},
    "Stem4": {"kind": "block", "forward": "sequential"},
    "EfficientFormerStage": {"kind": "block", "forward": ["downsample", "blocks"]},
    "Flat": {"kind": "block", "forward": [_op("flatten", start_dim=2), _op("transpose", dim0=1, dim1=2,
                                                                            name="to_tokens")]},
    "ConvMlpWithNorm": {"kind": "block", "variants": [
        {"when": {"has": ["fc1", "norm1", "act", "fc2", "norm2"]},
         "forward": ["fc1", "norm1", "act", "drop?", "fc2", "norm2", "drop?"]},
        {"when": {"has": ["fc1", "mid", "fc2"], "root_class": ["EfficientFormerV2"]},  # timm EfficientFormerV2
         "forward": ["fc1", "mid", "drop1?", "fc2", "drop2?"]}]},
    "MetaBlock2d": {"kind": "block", "variants": [
        {"when": {"has": ["token_mixer", "ls1", "mlp", "ls2"], "lacks": ["norm1"]},
         "forward": ["token_mixer", "ls1", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "mlp", "from": "x"}, "ls2", "drop_path2?", {"add": ["@", "x"]}]}]},
    "MetaBlock1d": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "token_mixer", "ls1", "norm2", "mlp", "ls2"]},
         "forward": ["norm1", "token_mixer", "ls1", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "ls2", "drop_path2?", {"add": ["@", "x"]}]}]},
}


# ----------------------------------------------------------------------------
# transformers: Swin (torchvision, timm), …
# ----------------------------------------------------------------------------
#: Swin's window size and heads (per stage) are constructor arguments print(model) does not show, and no library
#: default fits every model: required (None), stated with ``--assume window_size=7,num_heads=3/6/12/24``
SWIN_ASSUME = {"window_size": None, "num_heads": None}
_WINDOW = {"assume": "window_size"}
_SPAN = {"assume": "window_size", "span": True}  # 2·w − 1 relative positions along one axis
#: q·kᵀ, the bias and the weighted sum of v carry no weights: shown as v passed on (no MACs, as the reference counts)
_ATTEND = [_op("chunk", chunks=3, dim=-1, name="qkv_split"),
           {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}]
#: torchvision's shifted_window_attention: the feature map padded to a multiple of the window (qkv and proj run on
#: the padded tokens, with F.linear), cropped back after proj


def _timm_v2_windows(mlp: str, flavour: str) -> list:
    """timm's Swin V2 window attention (``flavour`` "v2", or "cr": SwinTransformerV2Cr's): ``mlp`` reads the relative
    coordinate table and gives the bias; qkv and proj run on the windows of the padded feature map."""
    return [{"windows": "table", "window": _WINDOW, "from": "input", "timm": flavour}, mlp, {"set": "bias"},
            {"uses": ["bias"]}, {"windows": "pad", "window": _WINDOW, "from": "input", "timm": flavour}, "qkv",
            *_ATTEND, "proj", "proj_drop?", {"windows": "crop", "like": "input"}]


_TV_WINDOWS = [{"windows": "pad", "window": _WINDOW}, "qkv", *_ATTEND, "proj", {"windows": "crop", "like": "input"}]

_TRANSFORMERS: dict[str, dict] = {
    # timm's BEiT (v1, v2): the class token always; use_abs_pos_emb, use_rel_pos_bias and global_pool as every timm
    # BEiT builds them (the relative position tables are sized by the patch grid, and need the heads)
    "Beit": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "head"]},
         "assume": {"use_abs_pos_emb": False, "use_rel_pos_bias": True, "global_pool": "avg"},
         "hidden": [{"name": "cls_token", "count": "patch_embed.proj.out_channels"},
                    {"name": "pos_embed", "count": None, "when": "assume:use_abs_pos_emb"},
                    {"name": "relative_position_bias_table", "count": None, "per": "relpos",
                     "when": "assume:use_rel_pos_bias"}],
         "note": "timm's Beit: read as every timm BEiT model is built (use_abs_pos_emb=False, use_rel_pos_bias=True, "
                 "global_pool='avg'); each block's relative position table ((2·H − 1)(2·W − 1) + 3) × heads and "
                 "its index (H·W + 1)² are sized by the H × W patch grid",
         "forward": "beit"},
    ]},
    "SwinTransformer": {"kind": "block", "variants": [
        {"when": {"has": ["features", "norm", "permute", "avgpool", "flatten", "head"]},  # torchvision
         "forward": ["features", "norm", "permute", "avgpool", "flatten", "head"]},
        {"when": {"has": ["patch_embed", "layers", "head"]}, "forward": "timm_swin"},  # timm
    ]},
    "SwinTransformerStage": {"kind": "block", "forward": ["downsample?", "blocks"]},  # timm
    "SwinTransformerBlock": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "stochastic_depth", "norm2", "mlp"]},  # torchvision
         "forward": ["norm1", "attn", "stochastic_depth", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "stochastic_depth", {"add": ["@", "x"]}]},
        {"when": {"has": ["norm1", "attn", "drop_path1", "norm2", "mlp", "drop_path2"]},  # timm
         "forward": ["norm1", "attn", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "drop_path2?", {"add": ["@", "x"]}]},
    ]},
    # timm's Swin V1 attention: its window is cut to the feature map where that is smaller, so its relative position
    # table (parameters), index and a shifted block's attention mask (buffers) are sized where the shapes are known
    # (held by its window_pad); the window pad and crop are the block's (_attn), drawn here around qkv and proj
    "WindowAttention": {"kind": "block", "open": True, "variants": [
        # timm DaViT's: qkv and proj only (no position bias); its SpatialBlock pads and crops the windows
        {"when": {"has": ["qkv", "proj", "softmax"], "lacks": ["attn_drop", "proj_drop", "cpb_mlp"],
                  "parent_class": ["SpatialBlock"]}, "open": False,
         "note": "timm DaViT's WindowAttention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": ["qkv", *_ATTEND, "proj"]},
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop", "softmax"], "lacks": ["cpb_mlp"]}, "open": False,
         "assume": {**SWIN_ASSUME, "always_partition": False, "strict_img_size": True},
         "hidden": [{"name": "relative_position_bias_table", "count": None, "placed": True},
                    {"name": "relative_position_index", "count": None, "buffer": True, "placed": True},
                    {"name": "attn_mask", "count": None, "buffer": True, "placed": True}],
         "note": "timm's WindowAttention (Swin): the window cut to the feature map where that is smaller "
                 "(always_partition=False); a shifted block's attention mask is a buffer (strict_img_size=True); "
                 "qkv and proj run on the windows, the feature map padded to a multiple of the window size",
         "forward": [{"windows": "pad", "window": _WINDOW, "timm": True}, "qkv", *_ATTEND, "proj", "proj_drop?",
                     {"windows": "crop", "like": "input"}]},
        # timm's Swin V2: cpb_mlp prints the heads; logit_scale, the q/v biases (k_bias a buffer) print nowhere;
        # the coordinate table, index and a shifted block's mask are sized with the window cut to the feature map
        {"when": {"has": ["cpb_mlp", "qkv", "attn_drop", "proj", "proj_drop", "softmax"]}, "open": False,
         "assume": {"window_size": None, "qkv_bias": True, "always_partition": False, "strict_img_size": True},
         "hidden": [{"name": "logit_scale", "count": "cpb_mlp.2.out_features"},
                    {"name": "q_bias", "count": "proj.in_features", "when": "assume:qkv_bias"},
                    {"name": "v_bias", "count": "proj.in_features", "when": "assume:qkv_bias"},
                    {"name": "k_bias", "count": "proj.in_features", "buffer": True, "when": "assume:qkv_bias"},
                    {"name": "relative_coords_table", "count": None, "buffer": True, "placed": True},
                    {"name": "relative_position_index", "count": None, "buffer": True, "placed": True},
                    {"name": "attn_mask", "count": None, "buffer": True, "placed": True}],
         "note": "timm's WindowAttention (Swin V2): the window cut to the feature map where that is smaller "
                 "(always_partition=False); q_bias, v_bias and k_bias (a buffer) as qkv_bias=True builds them; a "
                 "shifted block's attention mask is a buffer (strict_img_size=True); cpb_mlp reads the relative "
                 "coordinates; qkv (F.linear) and proj run on the windows, the feature map padded to a multiple of "
                 "the window size",
         "forward": _timm_v2_windows("cpb_mlp", "v2")},
    ]},
    # timm's Swin V2: PatchEmbed channels-last, post-norm blocks (x + norm1(attn(x)), x + norm2(mlp(x)))
    "SwinTransformerV2": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "layers", "head"]}, "forward": "timm_swin"},
    ]},
    "SwinTransformerV2Stage": {"kind": "block", "forward": ["downsample?", "blocks"]},
    # timm's SwinTransformerV2Cr: stages read and give NCHW (channels-last inside), post-norm blocks, norm3 last
    "SwinTransformerV2Cr": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "stages", "head"]},
         "forward": ["patch_embed", "stages", "head"]},
    ]},
    "SwinTransformerV2CrStage": {"kind": "block", "forward": [
        _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "downsample?", "blocks",
        _op("permute", dims=[0, 3, 1, 2], name="to_channels_first")]},
    "SwinTransformerV2CrBlock": {"kind": "block", "variants": [
        {"when": {"has": ["attn", "norm1", "drop_path1", "mlp", "norm2", "drop_path2"]},
         "forward": ["attn", "norm1", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "mlp", "from": "x"}, "norm2", "drop_path2?", {"add": ["@", "x"]}, "norm3?"]},
    ]},
    # its attention: meta_mlp reads the (wh·ww)² log-spaced pairwise coordinates (a buffer) and prints the heads;
    # logit_scale prints nowhere; qkv and proj run on the windows, the window cut to the feature map
    "WindowMultiHeadAttention": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop", "meta_mlp"]},
         "assume": {"window_size": None, "always_partition": False, "strict_img_size": True},
         "hidden": [{"name": "logit_scale", "count": "meta_mlp.fc2.out_features"},
                    {"name": "relative_coordinates_log", "count": None, "buffer": True, "placed": True},
                    {"name": "attn_mask", "count": None, "buffer": True, "placed": True}],
         "note": "timm's WindowMultiHeadAttention (Swin V2-Cr): the window cut to the feature map where that is "
                 "smaller (always_partition=False); a shifted block's attention mask is a buffer "
                 "(strict_img_size=True); qkv and proj run on the windows, the feature map padded to a multiple of "
                 "the window size",
         "forward": _timm_v2_windows("meta_mlp", "cr")},
    ]},
    "SwinTransformerV2Block": {"kind": "block", "variants": [
        {"when": {"has": ["attn", "norm1", "drop_path1", "mlp", "norm2", "drop_path2"]},
         "forward": ["attn", "norm1", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "mlp", "from": "x"}, "norm2", "drop_path2?", {"add": ["@", "x"]}]},
    ]},
    "SwinTransformerBlockV2": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "stochastic_depth", "norm2", "mlp"]},  # torchvision: norms after
         "forward": ["attn", "norm1", "stochastic_depth", {"add": ["@", "input"], "as": "x"},
                     {"call": "mlp", "from": "x"}, "norm2", "stochastic_depth", {"add": ["@", "x"]}]},
    ]},
    "ShiftedWindowAttention": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj"], "lacks": ["cpb_mlp"]},
         "assume": SWIN_ASSUME,
         "hidden": [{"name": "relative_position_bias_table", "count": [_SPAN, _SPAN, {"assume": "num_heads"}],
                     "why": "its size, (2·window − 1)² × heads, needs --assume window_size=…,num_heads=…"},
                    {"name": "relative_position_index", "count": [_WINDOW] * 4, "buffer": True,
                     "why": "its size, window⁴, needs --assume window_size=…"}],
         "note": "torchvision's ShiftedWindowAttention: qkv and proj run on the windows, the feature map padded to a "
                 "multiple of the window size; q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": _TV_WINDOWS},
    ]},
    "ShiftedWindowAttentionV2": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj", "cpb_mlp"]},
         "assume": {"window_size": None},
         "hidden": [{"name": "logit_scale", "count": "cpb_mlp.2.out_features"},
                    {"name": "relative_coords_table", "count": [_SPAN, _SPAN, 2], "buffer": True,
                     "why": "its size, (2·window − 1)² × 2, needs --assume window_size=…"},
                    {"name": "relative_position_index", "count": [_WINDOW] * 4, "buffer": True,
                     "why": "its size, window⁴, needs --assume window_size=…"}],
         "note": "torchvision's ShiftedWindowAttentionV2: cpb_mlp reads the (2·window − 1)² relative coordinates; "
                 "qkv and proj run on the windows, the feature map padded to a multiple of the window size",
         "forward": [{"windows": "table", "window": _WINDOW, "from": "input"}, "cpb_mlp", {"set": "bias"},
                     {"uses": ["bias"]}, {"windows": "pad", "window": _WINDOW, "from": "input"}, "qkv", *_ATTEND,
                     "proj", {"windows": "crop", "like": "input"}]},
    ]},
    "PatchMerging": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "act", "conv2", "se", "conv3"], "root_class": ["EfficientVitMsra"]},  # timm
         "forward": ["conv1", "act", "conv2", "act", "se", "conv3"]},  # EfficientViT (MSRA): act after conv1, conv2
        {"when": {"has": ["conv1", "act1", "conv2", "act2", "conv3"], "lacks": ["se"],
                  "root_class": ["TinyVit"]},  # timm TinyViT
         "forward": ["conv1", "act1", "conv2", "act2", "conv3"]},
        {"when": {"has": ["conv1", "act1", "conv2", "act2", "se", "conv3"]},  # timm SHViT
         "forward": ["conv1", "act1", "conv2", "act2", "se", "conv3"]},
        {"when": {"has": ["reduction", "norm"], "child_class": {"reduction": ["Conv2d"]}},  # timm FasterNet
         "forward": ["reduction", "norm"]},
        {"when": {"has": ["reduction", "norm"], "parent_class": ["SwinTransformerV2Stage"]},  # timm Swin V2
         "forward": [{"windows": "merge"}, "reduction", "norm"]},
        {"when": {"has": ["reduction", "norm"]},  # torchvision and timm: 2 × 2 neighbours → norm → reduction
         "forward": [{"windows": "merge"}, "norm", "reduction"]},
    ]},
    # timm's CaiT: class attention. Its LayerScaleBlockClassAttn reads (x, x_cls); read here on u = cat(x_cls, x)
    # (what it attends over) and giving cat(x_cls', x), which the next one reads and Cait's forward_cls returns
    "Cait": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "blocks_token_only", "norm", "head"]},
         "assume": {"global_pool": "token"},
         "hidden": [{"name": "cls_token", "count": "patch_embed.proj.out_channels"},
                    {"name": "pos_embed", "count": None}],
         "note": "timm's Cait: read with global_pool='token', as every timm CaiT is built",
         "forward": ["patch_embed", {"param": "pos_embed", "mode": "add"}, "pos_drop?", "blocks",
                     {"param": "cls_token", "mode": "cat", "tokens": 1}, "blocks_token_only", "norm",
                     {"if": "assume:global_pool=token", "then": [
                         _op("split", split_size_or_sections=1, dim=1, name="tokens"),
                         {"op": {"type": "flatten", "from": "tokens[0]", "name": "class_output"}}]},
                     {"if": "assume:global_pool=avg", "then": [
                         _op("pad", pad=[0, 0, -1, 0], name="patch_tokens"), _op("mean", dim=[1], name="pool")]},
                     "head_drop?", "head"]},
    ]},
    "LayerScaleBlock": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"], "parent_class": ["Sequential"], "root_class": ["Cait"]},
         "hidden": [{"name": "gamma_1", "count": "norm1.normalized_shape.0"},
                    {"name": "gamma_2", "count": "norm1.normalized_shape.0"}],
         "forward": ["norm1", "attn", {"param": "gamma_1", "mode": "mul"}, "drop_path?",
                     {"add": ["@", "input"], "as": "x"}, {"call": "norm2", "from": "x"}, "mlp",
                     {"param": "gamma_2", "mode": "mul"}, "drop_path?", {"add": ["@", "x"]}]},
    ]},
    "LayerScaleBlockClassAttn": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"], "root_class": ["Cait"]},
         "hidden": [{"name": "gamma_1", "count": "norm1.normalized_shape.0"},
                    {"name": "gamma_2", "count": "norm1.normalized_shape.0"}],
         "forward": [_op("split", split_size_or_sections=1, dim=1, name="tokens"), {"call": "norm1", "from": "input"},
                     "attn", {"param": "gamma_1", "mode": "mul"}, "drop_path?", {"add": ["@", "tokens[0]"], "as": "x"},
                     "norm2", "mlp", {"param": "gamma_2", "mode": "mul"}, "drop_path?", {"add": ["@", "x"]},
                     {"set": "x_cls"}, {"op": {"type": "pad", "from": "input", "pad": [0, 0, -1, 0],
                                               "name": "patch_tokens"}},
                     {"cat": ["x_cls", "@"], "dim": 1}]},
    ]},
    # q reads the class token only; k and v every token; attn @ v has the class token's one row
    "ClassAttn": {"kind": "block", "variants": [
        {"when": {"has": ["q", "k", "v", "attn_drop", "proj", "proj_drop"]},
         "note": "timm's ClassAttn: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": [_op("split", split_size_or_sections=1, dim=1, name="tokens"), {"call": "q", "from": "tokens[0]"},
                     {"set": "q_cls"}, {"call": "k", "from": "input"}, {"set": "k_all"}, {"call": "v", "from": "input"},
                     {"set": "v_all"}, {"uses": ["k_all", "v_all"]},
                     {"op": {"type": "identity", "from": "q_cls", "name": "attention"}}, "proj", "proj_drop?"]},
    ]},
    # talking heads: proj_l and proj_w mix the heads of the tokens × tokens attention map (heads: proj_l's features)
    "TalkingHeadAttn": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_l", "proj_w", "proj_drop"]},
         "note": "timm's TalkingHeadAttn: proj_l and proj_w run on the tokens × tokens × heads attention map; "
                 "q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     *[step for i, part, at in ((0, "q", 2), (1, "k", 1)) for step in (
                         {"op": {"type": "unflatten", "from": f"qkv_split[{i}]", "dim": -1, "name": f"{part}_heads",
                                 "unflattened_size": [{"resolve": "proj_l.in_features"}, -1]}},
                         _op("mean", dim=[-1], name=f"{part}_per_head"), _op("unsqueeze", dim=at, name=f"{part}_axis"),
                         {"set": part})],
                     {"mul": ["q", "k"], "name": "attn_map"}, "proj_l", "proj_w", {"set": "attn"}, {"uses": ["attn"]},
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj",
                     "proj_drop?"]},
    ]},
    # timm's Visformer: NCHW throughout; a position embedding (C × H × W) after each patch embedding when built with
    # use_pos_embed (then, and only then, pos_drop is printed)
    "Visformer": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed1", "stage1", "stage2", "stage3", "norm", "global_pool", "head"]},
         "hidden": [{"name": "pos_embed1", "count": None, "when": "has:pos_drop"},
                    {"name": "pos_embed2", "count": None, "when": {"all": ["has:pos_drop", "has:patch_embed2"]}},
                    {"name": "pos_embed3", "count": None, "when": {"all": ["has:pos_drop", "has:patch_embed3"]}}],
         "forward": ["stem?", "patch_embed1",
                     {"if": "has:pos_drop", "then": [{"param": "pos_embed1", "mode": "add"}, "pos_drop"]}, "stage1",
                     *[step for i in (2, 3) for step in (
                         {"if": f"has:patch_embed{i}", "then": [f"patch_embed{i}", {"if": "has:pos_drop", "then": [
                             {"param": f"pos_embed{i}", "mode": "add"}, "pos_drop"]}]}, f"stage{i}")],
                     "norm", "global_pool", "head_drop?", "head"]},
    ]},
    "SpatialMlp": {"kind": "block", "forward": ["conv1", "act1", "drop1?", "conv2?", "act2?", "conv3", "drop3?"]},
    # timm's PVT-v2: each stage's tokens read here as a channels-last H × W × C map (what its forward reshapes them
    # to for sr and the MLP's depthwise conv); a stage gives NCHW
    "PyramidVisionTransformerV2": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "stages", "head"]},
         "assume": {"global_pool": "avg"},
         "note": "timm's PyramidVisionTransformerV2: read with global_pool='avg', as every timm PVT-v2 is built",
         "forward": ["patch_embed", "stages",
                     {"if": "assume:global_pool=avg", "then": [_op("mean", dim=[2, 3], name="global_pool")]},
                     "head_drop?", "head"]},
    ]},
    "PyramidVisionTransformerStage": {"kind": "block", "forward": [
        "downsample?", "blocks", "norm", _op("permute", dims=[0, 3, 1, 2], name="to_nchw")]},
    "OverlapPatchEmbed": {"kind": "block", "variants": [
        {"when": {"has": ["proj", "norm"], "root_class": ["PyramidVisionTransformerV2"]},
         "forward": ["proj", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm"]},
    ]},
    "MlpWithDepthwiseConv": {"kind": "block", "forward": [
        "fc1", _op("permute", dims=[0, 3, 1, 2], name="to_nchw"), "relu?", "dwconv",
        _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "act", "drop?", "fc2", "drop?"]},
    # timm's Twins: its tokens read as a channels-last H × W × C map, as with PVT-v2
    "Twins": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embeds", "pos_drops", "blocks", "pos_block", "head"]},
         "assume": {"global_pool": "avg"},
         "note": "timm's Twins: read with global_pool='avg', as every timm Twins is built",
         "forward": "twins"},
    ]},
    # its window size ws is not printed, and no library default fits every model: it pads the map to a multiple of it
    "LocallyGroupedAttn": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop"]},
         "assume": {"ws": None},
         "note": "timm Twins' LocallyGroupedAttn: qkv runs on the map padded to a multiple of the window size "
                 "(ws), proj on the map cropped back; q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": [{"windows": "pad", "window": {"assume": "ws"}}, "qkv", *_ATTEND,
                     {"windows": "crop", "like": "input"},
                     "proj", "proj_drop?"]},
    ]},
    "GlobalSubSampleAttn": {"kind": "block", "variants": [
        {"when": {"has": ["q", "kv", "attn_drop", "proj", "proj_drop"]},
         "note": "timm Twins' GlobalSubSampleAttn: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": [{"call": "q", "from": "input"}, {"set": "q"}, {"set": "kv_in", "to": "input"},
                     {"if": "has:sr", "then": [
                         {"op": {"type": "permute", "from": "input", "dims": [0, 3, 1, 2], "name": "to_nchw"}},
                         "sr", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm", {"set": "kv_in"}]},
                     {"call": "kv", "from": "kv_in"}, {"set": "kv_out"}, {"uses": ["kv_out"]},
                     {"op": {"type": "identity", "from": "q", "name": "attention"}}, "proj", "proj_drop?"]},
    ]},
    # the position generator: a depthwise conv on the map, added to it where its stride is 1
    "PosConv": {"kind": "block", "forward": [
        _op("permute", dims=[0, 3, 1, 2], name="to_nchw"), {"set": "feat"}, "proj",
        {"if": "same_io", "then": [{"add": ["@", "feat"]}]}, _op("permute", dims=[0, 2, 3, 1], name="to_nhwc")]},
    # timm's XCiT: the patch blocks on a channels-last H × W × C map (LPI's convolutions read it as NCHW), then the
    # class-attention blocks on the tokens with the class token before them
    "Xcit": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "norm", "head"]},
         "assume": {"global_pool": "token"},
         "hidden": [{"name": "cls_token", "count": "norm.normalized_shape.0"}],
         "note": "timm's Xcit: read with global_pool='token', as every timm XCiT is built",
         "forward": "xcit"},
    ]},
    "ConvPatchEmbed": {"kind": "block", "forward": ["proj"]},
    "PositionalEncodingFourier": {"kind": "block", "forward": ["token_projection"]},
    # XCA: attention across channels; its temperature is one parameter per head, and the heads are not printed
    "XCA": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop"]},
         "assume": {"num_heads": None},
         "hidden": [{"name": "temperature", "count": {"assume": "num_heads"},
                     "why": "its size, the heads, needs --assume num_heads=…"}],
         "note": "timm's XCA: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": ["qkv", *_ATTEND, "proj", "proj_drop?"]},
    ]},
    "XCABlock": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm3", "local_mp", "norm2", "mlp"]},
         "hidden": [{"name": f"gamma{i}", "count": "norm1.normalized_shape.0"} for i in (1, 3, 2)],
         "forward": ["norm1", "attn", {"param": "gamma1", "mode": "mul"}, "drop_path1?",
                     {"add": ["@", "input"], "as": "x"}, {"call": "norm3", "from": "x"}, "local_mp",
                     {"param": "gamma3", "mode": "mul"}, "drop_path3?", {"add": ["@", "x"], "as": "y"},
                     {"call": "norm2", "from": "y"}, "mlp", {"param": "gamma2", "mode": "mul"}, "drop_path2?",
                     {"add": ["@", "y"]}]},
    ]},
    "LPI": {"kind": "block", "forward": [_op("permute", dims=[0, 3, 1, 2], name="to_nchw"), "conv1", "act", "bn",
                                         "conv2", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc")]},
    # the class token attends over every token (ClassAttn); the mlp reads the class token only
    "ClassAttentionBlock": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"], "root_class": ["Xcit"]},
         "assume": {"layer_scale": True},
         "hidden": [{"name": "gamma1", "count": "norm1.normalized_shape.0", "when": "assume:layer_scale"},
                    {"name": "gamma2", "count": "norm1.normalized_shape.0", "when": "assume:layer_scale"}],
         "note": "timm XCiT's ClassAttentionBlock: its layer scales gamma1 and gamma2 (C parameters each) are "
                 "counted, as every timm XCiT builds them (eta; state --assume layer_scale=false for a model built "
                 "without)",
         "forward": ["norm1", {"set": "xn"}, "attn", {"set": "a"},
                     {"op": {"type": "pad", "from": "xn", "pad": [0, 0, -1, 0], "name": "patch_tokens"}},
                     {"cat": ["a", "@"], "dim": 1}, {"param": "gamma1", "mode": "mul"}, "drop_path1?",
                     {"add": ["@", "input"]}, "norm2", {"set": "xr"},
                     _op("split", split_size_or_sections=1, dim=1, name="tokens"), {"call": "mlp", "from": "tokens[0]"},
                     {"param": "gamma2", "mode": "mul"}, {"set": "c"},
                     {"op": {"type": "pad", "from": "xr", "pad": [0, 0, -1, 0], "name": "patch_tokens"}},
                     {"cat": ["c", "@"], "dim": 1}, "drop_path2?", {"add": ["@", "xr"]}]},
    ]},
    "PatchMergingV2": {"kind": "block", "variants": [
        {"when": {"has": ["reduction", "norm"]}, "forward": [{"windows": "merge"}, "reduction", "norm"]},
    ]},
}

# ----------------------------------------------------------------------------
# timm leaves: EvoNorm, CondConv, halo/bottleneck attention, relative position biases (group "leaves")
# ----------------------------------------------------------------------------
#: timm's EvoNorm2dS0 prints no argument: its weight and bias (and v, with apply_act) are one per channel of the
#: tensor it meets; v is absent where timm builds the norm with apply_act=False (after a block's projection)
def _evo_s0(act: bool | str) -> dict:
    """EvoNorm2dS0's hidden parameters and forward (``x · σ(v·x) / group_std(x)`` with apply_act, then
    ``· weight + bias``): ``act`` True (apply_act), False, or ``"assume:KEY"``."""
    hidden = [{"name": "weight", "count": None, "per": "channel"}, {"name": "bias", "count": None, "per": "channel"}]
    forward: list = [{"param": "weight", "mode": "mul"}, {"param": "bias", "mode": "add"}]
    if act:
        hidden.append({"name": "v", "count": None, "per": "channel", **({"when": act} if isinstance(act, str) else {})})
        forward.insert(0, {"param": "v", "mode": "mul"})
    return {"hidden": hidden, "forward": forward}


_EVO_S0 = {"kind": "block", **_evo_s0(True), "variants": [
    # timm's efficientnet blocks: the norm after the pointwise-linear projection is norm_act_layer(apply_act=False)
    {"when": {"key": ["bn3"], "parent_class": ["InvertedResidual", "CondConvResidual"]}, **_evo_s0(False)},
    {"when": {"key": ["bn2"], "parent_class": ["EdgeResidual"]}, **_evo_s0(False)},
    # DepthwiseSeparableConv: apply_act=pw_act (timm's 'ds' blocks: False; 'dsa': True), not printed
    {"when": {"key": ["bn2"], "parent_class": ["DepthwiseSeparableConv"]}, "assume": {"pw_act": False},
     **_evo_s0("assume:pw_act")},
    # timm's ResNetV2: a (non pre-activation) Bottleneck's norm3 and a downsample's norm (apply_act=False)
    {"when": {"key": ["norm3"], "parent_class": ["Bottleneck"], "root_class": ["ResNetV2"]}, **_evo_s0(False)},
    {"when": {"key": ["norm"], "parent_class": ["DownsampleConv", "DownsampleAvg"], "root_class": ["ResNetV2"]},
     **_evo_s0(False)},
]}

#: timm's EvoNorm, CondConv, halo/bottleneck attention position tables, relative position biases
_TIMM_LEAVES: dict[str, dict] = {
    # timm's CondConv2d prints as `CondConv2d()`: its channels, kernel, stride and number of experts print nowhere
    "CondConv2d": {"kind": "unsupported", "open": True,
                   "why": "timm's CondConv2d() prints none of its arguments (channels, kernel size, stride, experts): "
                          "its parameters and output cannot be known from the text"},
    "EvoNorm2dS0": _EVO_S0,
    "EvoNorm2dS0a": _EVO_S0,
    # timm ByobNet's self-attention block (BoTNet, HaloNet, LambdaNet): the attention in place of the kxk conv
    "SelfAttnBlock": {"kind": "block", "variants": [
        {"when": {"has": ["conv1_1x1", "self_attn", "conv3_1x1", "act"]},
         "forward": _byob_residual(["conv1_1x1", "conv2_kxk?", "self_attn", "post_attn?", "conv3_1x1",
                                    "drop_path?"])}]},
    "BottleneckAttn": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "pos_embed", "pool"]}, "assume": {"num_heads": 4},
         "note": "timm's BottleneckAttn: num_heads is not printed (timm's default 4, as every BoTNet but "
                 "botnet50ts builds it); its relative position embedding is sized by the feature map it reads "
                 "(feat_size, built to match the input); q·kᵀ, the relative logits and the weighted sum of v are "
                 "not counted as MACs",
         "forward": "bottleneck_attn"}]},
    "HaloAttn": {"kind": "block", "variants": [
        {"when": {"has": ["q", "kv", "pos_embed", "pool"]},
         "assume": {"num_heads": 8, "block_size": 8, "halo_size": 3},
         "note": "timm's HaloAttn: num_heads, block_size and halo_size are not printed (timm's defaults 8, 8, 3); "
                 "q·kᵀ, the relative logits and the weighted sum of v are not counted as MACs",
         "forward": "halo_attn"}]},
    # its height_rel and width_rel print nowhere: sized by its attention (torchrepr_forwards._pos_embed_rel)
    "PosEmbedRel": {"kind": "block", "hidden": [{"name": "rel_embed", "count": None, "placed": True}],
                    "forward": "pos_embed_rel"},
    # timm's BAT (bat_resnext26ts): conv1 → the bilinear attention transform → conv2, plus the input
    "BatNonLocalAttn": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "ba", "conv2"]},
         "forward": ["conv1", "ba", "conv2", "dropout?", {"add": ["@", "input"]}]}]},
    # p and q (block_size² × groups each: conv_p's kernel is block_size × 1) come from conv1's output max-pooled
    # to block_size × 1 and 1 × block_size; p · x · q keeps x's shape (matmuls, not counted as MACs); conv2
    "BilinearAttnTransform": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "conv_p", "conv_q", "conv2"]},
         "note": "timm's BilinearAttnTransform: p · x · q (matmuls) are not counted as MACs",
         "forward": [{"op": {"type": "identity", "name": "blocks"}, "multiple_of": "conv_p.kernel_size.0",
                      "why": "forward() asserts the map divides into block_size × block_size blocks"},
                     "conv1", {"set": "out"},
                     _op("adaptivemaxpool2d", output_size=[{"resolve": "conv_p.kernel_size.0"}, 1], name="rows"),
                     "conv_p", {"set": "p"},
                     {"op": {"type": "adaptivemaxpool2d", "from": "out", "name": "columns",
                             "output_size": [1, {"resolve": "conv_q.kernel_size.1"}]}},
                     "conv_q", {"set": "q"}, {"uses": ["p", "q"]}, {"call": "conv2", "from": "input"}]}]},
    # timm's MaxxVit (CoAtNet, MaxViT): MBConv blocks, then CoAtNet's NCHW transformer blocks (relative position bias
    # over the whole map) or MaxViT's blocks (an MBConv, window then grid partition attention, channels-last)
    "MaxxVit": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "head"]}, "forward": ["stem", "stages", "norm?", "head"]}]},
    "MaxxVitStage": {"kind": "block", "variants": [{"when": {"has": ["blocks"]}, "forward": ["blocks"]}]},
    "MaxxVitBlock": {"kind": "block", "variants": [
        {"when": {"has": ["conv", "attn_grid"], "child_class": {"attn_grid": ["PartitionAttentionCl"]}},
         "assume": {"partition_size": None},
         "note": "timm's MaxxVitBlock: the window and grid partition size is not printed (timm builds it as the "
                 "model's img_size // 32): state it with --assume partition_size=…; the feature map must divide "
                 "into it",
         "forward": ["conv", {"op": {"type": "identity", "name": "partitions"}, "multiple_of": "assume:partition_size",
                              "why": "forward() partitions the map into partition_size windows and grids"},
                     _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "attn_block?", "attn_grid",
                     _op("permute", dims=[0, 3, 1, 2], name="to_channels_first")]}]},
    # the partition (window, grid) regroups the tokens; qkv and proj see every token once: no shape change
    "PartitionAttentionCl": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"]},
         "forward": ["norm1", "attn", "ls1?", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "ls2?", "drop_path2?", {"add": ["@", "x"]}]}]},
    "AttentionCl": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj"]}, "assume": {"dim_head": 32},
         "note": "timm MaxxVit's AttentionCl: dim_head is not printed (timm's default 32, as every timm MaxxVit "
                 "builds it): the heads are qkv's width over it; q·kᵀ and the weighted sum of v are not counted as "
                 "MACs",
         "forward": ["rel_pos?", "qkv", *_ATTEND, "proj", "proj_drop?"]}]},
    "TransformerBlock2d": {"kind": "block", "variants": [
        {"when": {"has": ["shortcut", "norm1", "attn", "norm2", "mlp"]},
         "forward": [{"call": "shortcut", "from": "input", "as": "sc"}, {"call": "norm1", "from": "input"}, "attn",
                     "ls1?", "drop_path1?", {"add": ["sc", "@"], "as": "x"}, {"call": "norm2", "from": "x"}, "mlp",
                     "ls2?", "drop_path2?", {"add": ["@", "x"]}]}]},
}

#: timm MaxxVit's (and GCViT's) classes whose names other families use too (EfficientFormerV2's Attention2d,
#: the relative-position ViTs' RelPosBias): put first among the variants of whatever entry the vocabulary ends with
#: for that name (after every section), only inside a model of these classes
_MAXXVIT = {"root_class": ["MaxxVit"]}
_TIMM_LEAVES_VARIANTS: dict[str, list[dict]] = {
    "MbConvBlock": [
        {"when": {"has": ["shortcut", "pre_norm", "conv1_1x1", "norm1", "conv2_kxk", "norm2", "conv3_1x1"],
                  **_MAXXVIT},
         "kind": "block", "open": False, "hidden": [],
         "forward": [{"call": "shortcut", "from": "input", "as": "sc"}, {"call": "pre_norm", "from": "input"},
                     "down?", "conv1_1x1", "norm1", "conv2_kxk", "se_early?", "norm2", "se?", "conv3_1x1",
                     "drop_path?", {"add": ["@", "sc"]}]},
        # timm GCViT's: depthwise conv, act, SE, pointwise conv, plus the input (no norm)
        {"when": {"has": ["conv_dw", "act", "se", "conv_pw"], "root_class": ["GlobalContextVit"]},
         "kind": "block", "open": False, "hidden": [],
         "forward": ["conv_dw", "act", "se", "conv_pw", {"add": ["@", "input"]}]}],
    "Attention2d": [
        {"when": {"has": ["qkv", "proj"], "child_class": {"qkv": ["Conv2d"]}, **_MAXXVIT},
         "kind": "block", "open": False, "hidden": [], "assume": {"dim_head": 32},
         "note": "timm MaxxVit's Attention2d: dim_head is not printed (timm's default 32, as every timm MaxxVit "
                 "builds it): the heads are qkv's width over it; q·kᵀ and the weighted sum of v are not counted as "
                 "MACs",
         "forward": ["rel_pos?", "qkv", _op("chunk", chunks=3, dim=1, name="qkv_split"),
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj",
                     "proj_drop?"]}],
    # its table and index print nowhere: sized by its attention (torchrepr_forwards._rel_pos_bias)
    "RelPosBias": [
        {"when": {"parent_class": ["AttentionCl", "Attention2d"], **_MAXXVIT},
         "kind": "block", "open": False,
         "hidden": [{"name": "relative_position_bias_table", "count": None, "placed": True},
                    {"name": "relative_position_index", "count": None, "buffer": True, "placed": True}],
         "forward": "rel_pos_bias"},
        # timm GCViT's: its stage's window and heads (WindowAttentionGlobal's --assume window_size, num_heads)
        {"when": {"parent_class": ["WindowAttentionGlobal"], "root_class": ["GlobalContextVit"]},
         "kind": "block", "open": False,
         "hidden": [{"name": "relative_position_bias_table", "count": None, "placed": True},
                    {"name": "relative_position_index", "count": None, "buffer": True, "placed": True}],
         "forward": "rel_pos_bias"}],
}

#: timm's EVA family and other ViT variants: rotary embeddings, NaFlexVit, SAM ViT, relative-position ViT
#: timm's Eva: constructor arguments print(model) does not show, with timm's defaults (global_pool 'avg', unlike
#: VisionTransformer's 'token'); the keys VisionTransformer's --assume takes
TIMM_EVA_ASSUME = {"class_token": True, "reg_tokens": 0, "no_embed_class": False, "pos_embed": "learn",
                   "global_pool": "avg"}


def _qk_norm(which: str) -> dict:
    """timm's per-head q/k norm: the head's features (the norm's printed size) normalised, where it is printed."""
    return {"if": {"not": f"class:{which}_norm=Identity"}, "then": [
        {"op": {"type": "reshape", "from": which, "name": f"{which}_heads",
                "shape": [-1, {"resolve": f"{which}_norm.normalized_shape.0|{which}_norm.num_channels"}]}},
        f"{which}_norm", {"set": which}]}


def _rope_attention(project: list) -> list:
    """timm's rotary-embedding attentions (EvaAttention, AttentionRope): q, k, v projected (``project`` names them
    q, k, v), q and k normed per head, rotated (no weights), the attention's output the shape of q (num_heads heads;
    k and v may have fewer, grouped-query); its norm, the sigmoid gate (``gated``: ``gate(x).sigmoid()``) and proj.
    q·kᵀ and the weighted sum of v are not counted as MACs."""
    return [*project, {"set": "q_out", "to": "q"}, _qk_norm("q"), _qk_norm("k"), {"uses": ["q", "k", "v"]},
            {"op": {"type": "identity", "from": "q_out", "name": "attention"}}, "norm?",
            {"if": "has:gate", "then": [{"set": "o"}, {"call": "gate", "from": "input"},
                                        _op("sigmoid", name="gate_act"), {"mul": ["o", "@"], "name": "gated"}]},
            "proj", "proj_drop?"]


_FUSED_QKV = ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"), {"set": "q", "to": "qkv_split[0]"},
              {"set": "k", "to": "qkv_split[1]"}, {"set": "v", "to": "qkv_split[2]"}]
_SEPARATE_QKV = [{"call": "q_proj", "from": "input", "as": "q"}, {"call": "k_proj", "from": "input", "as": "k"},
                 {"call": "v_proj", "from": "input", "as": "v"}]
#: a pre-norm transformer block with optional layer scales gamma_1, gamma_2 (timm's EvaBlock)
_EVA_BLOCK = ["norm1", "attn", {"param": "gamma_1", "mode": "mul"}, "drop_path1?", {"add": ["@", "input"], "as": "x"},
              {"call": "norm2", "from": "x"}, "mlp", {"param": "gamma_2", "mode": "mul"}, "drop_path2?",
              {"add": ["@", "x"]}]
#: a model's rotary embedding: called on the patch tokens (it sizes its cached table by them), nothing reads it here
#: (the blocks' attentions rotate q and k with it: no weights, no MACs); the tokens go on
_ROPE = [{"set": "patches"}, {"call": "rope", "from": "patches", "as": "rope_embed", "optional": True},
         {"uses": ["rope_embed"]}, {"set": "@", "to": "patches"}]


def _rope_entry(bands: str, cache: str, builders: tuple[str, ...]) -> dict:
    """timm's axial rotary embeddings (RotaryEmbeddingCat, RotaryEmbeddingDinoV3) print no argument: ``dim`` (the
    attention's head dim, as the model builds it) sizes their frequencies (dim / 4, a buffer) and, where the model
    built them for a fixed grid (Eva without dynamic_img_size), the cached table (sin and cos: 2·dim per patch, a
    buffer). ``builders``: the encoders that build it without a grid (feat_shape=None: no table)."""
    return {"kind": "block", "variants": [
        {"when": {"parent_class": ["Eva"]}, "assume": {"dim": None, "dynamic_img_size": False},
         "hidden": [{"name": bands, "count": [{"assume": "dim", "div": 4}], "buffer": True},
                    {"name": cache, "count": None, "buffer": True, "per_row": [{"assume": "dim"}, 2],
                     "when": {"not": "assume:dynamic_img_size"}}],
         "forward": [{"param": cache, "mode": "none"}]},
        {"when": {"parent_class": list(builders)}, "assume": {"dim": None},
         "hidden": [{"name": bands, "count": [{"assume": "dim", "div": 4}], "buffer": True}],
         "forward": []}]}


#: the NHWC patch grid named ``grid``, the rotary embedding, the grid flattened to tokens
_ENCODER_TOKENS = ["patch_embed", {"set": "grid"}, *_ROPE, _op("flatten", start_dim=1, end_dim=2, name="to_tokens")]
#: Qwen3's learned position embedding: pos_embed_grid_size² × C (timm's default 48), resampled to the patch grid
_QWEN3_POS = {"assume": {"pos_embed_grid_size": 48},
              "hidden": [{"name": "pos_embed", "count": [{"assume": "pos_embed_grid_size"},
                                                         {"assume": "pos_embed_grid_size"},
                                                         "patch_embed.proj.out_channels"]}]}
_QWEN3_TOKENS = ["patch_embed", {"set": "grid"}, _op("flatten", start_dim=1, end_dim=2, name="to_tokens"),
                 {"param": "pos_embed", "mode": "add"}, *_ROPE]



def _heads_norm(which: str) -> dict:
    """A per-head q/k norm whose size print(model) does not show (timm's RmsNorm): the features split into
    num_heads heads (``--assume num_heads``) for it."""
    return {"if": {"not": f"class:{which}_norm=Identity"}, "then": [
        {"op": {"type": "unflatten", "from": which, "name": f"{which}_heads", "dim": -1,
                "unflattened_size": [{"assume": "num_heads"}, -1]}},
        f"{which}_norm", {"set": which}]}


_MLP_BIAS = {"name": "mlp_bias", "count": "mlp_out_proj.in_features", "when": {"equal": ["in_proj.bias", False]}}
_PARALLEL_BLOCK = [
    "in_norm", "in_proj",
    {"op": {"type": "split", "name": "in_split", "dim": -1, "split_size_or_sections": [
        {"resolve": "mlp_out_proj.in_features"}, *[{"resolve": "attn_out_proj.in_features"}] * 3]}},
    {"set": "@", "to": "in_split[0]"}, {"param": "mlp_bias", "mode": "add"}, {"set": "x_mlp"},
    {"set": "q", "to": "in_split[1]"}, {"set": "k", "to": "in_split[2]"}, _heads_norm("q"), _heads_norm("k"),
    {"uses": ["q", "k"]}, {"op": {"type": "identity", "from": "in_split[3]", "name": "attention"}}, "attn_out_proj",
    {"set": "a"}, {"call": "mlp_act", "from": "x_mlp"}, "mlp_drop?", "mlp_out_proj", {"add": ["a", "@"], "name": "y"},
    "ls?", "drop_path?", {"add": ["@", "input"]}]



def _gemma4_encoder(pool: str, default: str) -> dict:
    """timm's Gemma4VitEncoder: patches, the rotary embedding (off the path), the blocks, then the soft-token pooler
    (``pool`` 'soft': the image must divide into patch_size × pooling_kernel_size cells), a mean, or the tokens;
    ``standardize``: std_bias and std_scale (C each, buffers)."""
    return {"assume": {pool: default, "standardize": False, "patch_size": 16, "pooling_kernel_size": 3},
            "hidden": [{"name": "std", "count": [2, "patch_embed.input_proj.out_features"], "buffer": True,
                        "when": "assume:standardize"}],
            "forward": [
                {"if": f"assume:{pool}=soft", "then": [
                    {"op": {"type": "identity", "name": "image_check"},
                     "multiple_of": ["assume:patch_size", "assume:pooling_kernel_size"],
                     "why": "the image must divide into patch_size × pooling_kernel_size cells"}]},
                "patch_embed", {"set": "x"}, {"call": "rotary_emb", "from": "x", "as": "rope"}, {"uses": ["rope"]},
                {"set": "@", "to": "x"}, "blocks",
                {"if": f"assume:{pool}=soft", "then": ["pooler"]},
                {"if": f"assume:{pool}=avg", "then": [_op("mean", dim=[1], name="pool")]}]}


_TIMM_EVA: dict[str, dict] = {
    "Eva": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "head"]},
         "assume": TIMM_EVA_ASSUME,
         "hidden": [{"name": "cls_token", "count": None, "when": "assume:class_token"},
                    {"name": "reg_token", "count": None, "when": "assume:reg_tokens"},
                    {"name": "pos_embed", "count": None, "when": "assume:pos_embed=learn"}],
         "forward": ["patch_embed", *_ROPE, *_timm_vit_tokens(("cls_token", 1), ("reg_token", "assume:reg_tokens")),
                     "pos_drop?", "patch_drop?", "norm_pre?", "blocks", "norm?", *_TIMM_VIT_POOL, "fc_norm?",
                     "head_drop?", "head"]},
    ]},
    "EvaBlock": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"]},
         "assume": {"layer_scale": False, "attn_only_layer_scale": False},
         "hidden": [{"name": "gamma_1", "count": "norm1.normalized_shape.0|attn.proj.out_features",
                     "when": "assume:layer_scale"},
                    {"name": "gamma_2", "count": "norm1.normalized_shape.0|attn.proj.out_features",
                     "when": {"all": ["assume:layer_scale", {"not": "assume:attn_only_layer_scale"}]}}],
         "forward": _EVA_BLOCK},
    ]},
    "EvaAttention": {"kind": "block", "variants": [
        {"when": {"has": ["q_proj", "k_proj", "v_proj", "proj"]}, "forward": _rope_attention(_SEPARATE_QKV)},
        # fused: qkv prints no bias; q_bias, v_bias (parameters) and k_bias (a buffer) with qkv_bias, timm's default
        {"when": {"has": ["qkv", "proj"]}, "assume": {"qkv_bias": True},
         "hidden": [{"name": "q_bias", "count": "proj.in_features", "when": "assume:qkv_bias"},
                    {"name": "v_bias", "count": "proj.in_features", "when": "assume:qkv_bias"},
                    {"name": "k_bias", "count": "proj.in_features", "buffer": True, "when": "assume:qkv_bias"}],
         "note": "timm's EvaAttention: with qkv_bias, qkv runs with F.linear and the biases q_bias, k_bias (a buffer), "
                 "v_bias, which print(model) does not show",
         "forward": _rope_attention(_FUSED_QKV)},
    ]},
    "AttentionRope": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj"]}, "forward": _rope_attention(_FUSED_QKV)},
        {"when": {"has": ["q_proj", "k_proj", "v_proj", "proj"]}, "forward": _rope_attention(_SEPARATE_QKV)},
    ]},
    "RotaryEmbeddingCat": _rope_entry("bands", "pos_embed", ("DeepseekVitEncoder", "Qwen3VitEncoder")),
    "RotaryEmbeddingDinoV3": _rope_entry("periods", "pos_embed_cached", ()),
    # timm's DeepSeek and Qwen3 vision encoders: NHWC patches flattened to tokens for the blocks, the grid restored
    # after; the VLM projector where printed (a standalone encoder without one pools in a way print(model) does not
    # show: not matched), none inside the classifier (encoder_pool '')
    "DeepseekVitEncoder": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "rope", "blocks", "norm", "aligner"]},
         "forward": [*_ENCODER_TOKENS, "blocks", "norm", {"reshape_as": "grid", "name": "to_grid"}, "aligner"]},
        {"when": {"has": ["patch_embed", "rope", "blocks", "norm"], "parent_class": ["DeepseekVitClassifier"]},
         "forward": [*_ENCODER_TOKENS, "blocks", "norm", {"reshape_as": "grid", "name": "to_grid"}]},
    ]},
    "DeepseekVitBlock": {"kind": "block", "forward": [
        "norm1", "attn", "drop_path1?", {"add": ["@", "input"], "as": "x"}, {"call": "norm2", "from": "x"}, "mlp",
        "drop_path2?", {"add": ["@", "x"]}]},
    # r × r patches (zero-padded to a multiple of r: downsample_ratio, timm's default 3) concatenated, then the MLP
    "DeepseekVitAligner": {"kind": "block", "assume": {"downsample_ratio": 3}, "forward": [
        {"windows": "pad", "window": {"assume": "downsample_ratio"}, "name": "pad"},
        _op("reshape", shape=[-1, {"resolve": "fc1.in_features"}], name="unshuffle"), "fc1", "act", "fc2"]},
    "Qwen3VitEncoder": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "rope", "blocks"], "parent_class": ["Qwen3VitClassifier"], "lacks": ["merger"]},
         **_QWEN3_POS, "forward": [*_QWEN3_TOKENS, "blocks", {"reshape_as": "grid", "name": "to_grid"}]},
        {"when": {"has": ["patch_embed", "rope", "blocks", "merger"]},
         **_QWEN3_POS, "forward": [*_QWEN3_TOKENS, "blocks", {"reshape_as": "grid", "name": "to_grid"}, "merger"]},
    ]},
    # k × k patches (merge_size, timm's default 2; the grid must divide by it) concatenated, then the MLP
    "Qwen3VitPatchMerger": {"kind": "block", "assume": {"merge_size": 2}, "forward": [
        "norm", {"op": {"type": "identity", "name": "grid_check"}, "multiple_of": "assume:merge_size",
                 "channels_last": True, "why": "the patch grid must divide by merge_size"},
        _op("reshape", shape=[-1, {"resolve": "fc1.in_features"}], name="merge"), "fc1", "act", "fc2?"]},
    **{name: {"kind": "block", "variants": [
        {"when": {"has": ["encoder", "norm", "head"]}, "assume": {"global_pool": "avg"},
         "forward": ["encoder", _op("flatten", start_dim=1, end_dim=-2, name="tokens"),
                     {"if": "assume:global_pool=avg", "then": [_op("mean", dim=[1], name="pool")]}, "norm",
                     "head_drop?", "head"]}]}
       for name in ("DeepseekVitClassifier", "Qwen3VitClassifier")},
    # timm ViT's parallel block (ViT-22B): one in_proj for the MLP's fc1 and q, k, v, split; mlp_bias (a parameter)
    # where in_proj has no bias; the two output projections added; the heads (num_heads, no default fits every
    # model) size the per-head q/k norms
    "ParallelScalingBlock": {"kind": "block", "variants": [
        {"when": {"has": ["in_norm", "in_proj", "attn_out_proj", "mlp_out_proj"],
                  "child_class": {"q_norm": ["Identity"], "k_norm": ["Identity"]}},
         "hidden": [_MLP_BIAS], "forward": _PARALLEL_BLOCK},
        {"when": {"has": ["in_norm", "in_proj", "attn_out_proj", "mlp_out_proj"]}, "assume": {"num_heads": None},
         "hidden": [_MLP_BIAS], "forward": _PARALLEL_BLOCK},
    ]},
    # timm's differential attention: q and k as 2·num_heads half heads, v as num_heads heads of 2·head_dim normed by
    # sub_norm; λ as four head_dim vectors (lambda_q1, lambda_k1, lambda_q2, lambda_k2) or, dual_lambda, two scalars
    "DiffAttention": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj", "sub_norm"], "child_class": {"q_norm": ["Identity"], "k_norm": ["Identity"]}},
         "assume": {"num_heads": None, "dual_lambda": False},
         "hidden": [{"name": "lambdas", "count": [2, {"assume": "num_heads", "into": "proj.in_features"}],
                     "when": {"not": "assume:dual_lambda"}},
                    {"name": "lambdas", "count": 2, "when": "assume:dual_lambda"}],
         "forward": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     {"op": {"type": "unflatten", "from": "qkv_split[2]", "dim": -1, "name": "v_heads",
                             "unflattened_size": [{"assume": "num_heads"}, -1]}},
                     {"op": {"type": "identity", "name": "attention"}}, "sub_norm",
                     _op("flatten", start_dim=2, name="merge_heads"), "norm?", "proj", "proj_drop?"]},
    ]},
    # timm's NaFlexVit read on an image (not pre-patchified tokens): NaFlexEmbeds cuts it into patch_size × patch_size
    # patches (channels last: P·P·C features each; the image must divide), projects them, adds the learned position
    # embedding (pos_embed_grid_size² × C, resampled to the grid; factorized: a row and a column table), puts the
    # class and register tokens before the patches
    "NaFlexVit": {"kind": "block", "variants": [
        {"when": {"has": ["embeds", "blocks"]}, "assume": {"global_pool": "map"},
         "forward": ["embeds", "norm_pre?", "blocks", "norm?", *_TIMM_VIT_POOL, "fc_norm?", "head_drop?", "head"]},
    ]},
    "NaFlexEmbeds": {"kind": "block", "variants": [
        {"when": {"has": ["proj"], "child_class": {"proj": ["Linear"]}, "lacks": ["norm_input", "patch_interpolator"]},
         "assume": {"patch_size": 16, "class_token": False, "reg_tokens": 0, "pos_embed": "learned",
                    "pos_embed_grid_size": 16},
         "hidden": [{"name": "pos_embed", "when": "assume:pos_embed=learned",
                     "count": [{"assume": "pos_embed_grid_size"}, {"assume": "pos_embed_grid_size"},
                               "proj.out_features"]},
                    {"name": "pos_embed", "when": "assume:pos_embed=factorized",
                     "count": [2, {"assume": "pos_embed_grid_size"}, "proj.out_features"]},
                    {"name": "cls_token", "count": None, "when": "assume:class_token"},
                    {"name": "reg_token", "count": None, "when": "assume:reg_tokens"}],
         "forward": [*_patchify([0, 2, 4, 3, 5, 1], "the image must divide into patches (dynamic_img_pad is not "
                                                    "modelled)"),
                     "proj", "norm?", {"param": "pos_embed", "mode": "add"},
                     {"param": "cls_token", "mode": "cat", "tokens": 1},
                     {"param": "reg_token", "mode": "cat", "tokens": "assume:reg_tokens"}, "pos_drop?"]},
    ]},
    # timm's relative-position ViT: each attention's (or one shared) RelPosMlp runs an MLP over the
    # (2w − 1) × (2w − 1) log-spaced relative coordinates of its w × w patch grid (window_size, built from img_size:
    # no default fits every model) into a bias per head; the model reads exactly w² patches (and the class token)
    "VisionTransformerRelPos": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "head"]}, "assume": {"class_token": False, "global_pool": "avg"},
         "hidden": [{"name": "cls_token", "count": None, "when": "assume:class_token"}],
         "forward": ["patch_embed", {"param": "cls_token", "mode": "cat", "tokens": 1}, {"set": "x"},
                     {"call": "shared_rel_pos", "from": "x", "as": "shared_bias", "optional": True},
                     {"uses": ["shared_bias"]}, {"set": "@", "to": "x"}, "blocks", "norm?", *_TIMM_VIT_POOL,
                     "fc_norm?", "head_drop?", "head"]},
    ]},
    "RelPosBlock": {"kind": "block", "forward": [
        "norm1", "attn", "ls1?", "drop_path1?", {"add": ["@", "input"], "as": "x"}, {"call": "norm2", "from": "x"},
        "mlp", "ls2?", "drop_path2?", {"add": ["@", "x"]}]},
    "RelPosAttention": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj"]},
         "forward": [{"call": "rel_pos", "from": "input", "as": "rel_bias", "optional": True},
                     {"uses": ["rel_bias"]}, {"set": "@", "to": "input"}, *_rope_attention(_FUSED_QKV)]},
    ]},
    "RelPosMlp": {"kind": "block", "variants": [
        {"when": {"has": ["mlp"], "parent_class": ["RelPosAttention", "VisionTransformerRelPos"]},
         "assume": {"window_size": None, "class_token": False},
         "hidden": [{"name": "relative_position_index", "count": [{"assume": "window_size"}] * 4, "buffer": True},
                    {"name": "rel_coords_log", "count": [{"assume": "window_size", "span": True},
                                                         {"assume": "window_size", "span": True}, 2], "buffer": True}],
         "forward": [{"op": {"type": "identity", "name": "tokens"}, "tokens_square_of": "assume:window_size",
                      "prefix": "assume:class_token",
                      "why": "its relative position bias is sized for window_size² patches"},
                     {"windows": "table", "window": {"assume": "window_size"}, "name": "rel_coords"}, "mlp",
                     "bias_act?"]},
    ]},
    "VisionTransformerSAM": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "neck", "head"]}, "assume": {"use_abs_pos": True, "img_size": 1024},
         "hidden": [{"name": "pos_embed", "when": "assume:use_abs_pos", "count": [
             {"assume": "img_size", "over": "patch_embed.proj.kernel_size.0"},
             {"assume": "img_size", "over": "patch_embed.proj.kernel_size.0"}, "patch_embed.proj.out_channels"]}],
         "forward": ["patch_embed", {"param": "pos_embed", "mode": "add"}, "pos_drop?", "patch_drop?", "norm_pre?",
                     "blocks", _op("permute", dims=[0, 3, 1, 2], name="to_nchw"), "neck?", "head"]},
    ]},
    # the classifier's final norm: built affine=False (no weight) after the encoder's own
    "RmsNormFp32": {**_TIMM["RmsNormFp32"], "variants": [
        {"when": {"parent_class": ["DeepseekVitClassifier"]}, "assume": {},
         "hidden": [{"name": "weight", "count": 0}]}]},
    # timm's Gemma4 vision encoder: v_norm and the classifier's final norm are built affine=False (no weight)
    "RmsNorm": {**_TIMM["RmsNorm"], "variants": [
        {"when": {"parent_class": ["Gemma4Attention"], "key": ["v_norm"]}, "assume": {},
         "hidden": [{"name": "weight", "count": 0}]},
        {"when": {"parent_class": ["Gemma4VitClassifier"]}, "assume": {}, "hidden": [{"name": "weight", "count": 0}]}]},
    "Gemma4VitClassifier": {"kind": "block", "variants": [
        {"when": {"has": ["encoder", "norm", "head"]}, "assume": {"global_pool": "avg"},
         "forward": ["encoder", {"if": "assume:global_pool=avg", "then": [_op("mean", dim=[1], name="pool")]}, "norm",
                     "head_drop?", "head"]},
    ]},
    "Gemma4VitEncoder": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "rotary_emb", "blocks", "pooler"], "parent_class": ["Gemma4VitClassifier"]},
         **_gemma4_encoder("encoder_pool", "")},
        {"when": {"has": ["patch_embed", "rotary_emb", "blocks", "pooler"]}, **_gemma4_encoder("global_pool", "soft")},
    ]},
    # an image cut into patch_size × patch_size patches (C·P·P features each, channels first; the image must divide),
    # projected; the 2 × position_embedding_size × C position table (timm's default 10240) looked up and added
    "Gemma4PatchEmbed": {"kind": "block", "assume": {"patch_size": 16, "position_embedding_size": 10240},
                         "hidden": [{"name": "position_embedding_table", "count": [
                             2, {"assume": "position_embedding_size"}, "input_proj.out_features"]}],
                         "forward": [*_patchify([0, 2, 4, 1, 3, 5], "the image must divide into patches"),
                                     "input_proj", {"param": "position_embedding_table", "mode": "add"}]},
    # its frequencies: head_dim / 4 (a buffer); cos and sin computed per patch (no weights)
    "Gemma4RotaryEmbedding2D": {"kind": "block", "assume": {"head_dim": 64},
                                "hidden": [{"name": "inv_freq", "count": [{"assume": "head_dim", "div": 4}],
                                            "buffer": True}],
                                "forward": []},
    "Gemma4Block": {"kind": "block", "forward": [
        "norm1", "attn", "norm2", "drop_path?", {"add": ["@", "input"], "as": "x"}, {"call": "norm3", "from": "x"},
        "mlp", "norm4", "drop_path?", {"add": ["@", "x"]}]},
    # q, k and v projected and normed per head (head_dim, timm's default 64: not printed); q·kᵀ and the weighted sum
    # of v are not counted as MACs
    "Gemma4Attention": {"kind": "block", "assume": {"head_dim": 64}, "forward": [
        *[step for name in ("q", "k", "v") for step in (
            {"call": f"{name}_proj", "from": "input"},
            _op("unflatten", dim=-1, unflattened_size=[-1, {"assume": "head_dim"}], name=f"{name}_heads"),
            f"{name}_norm", {"set": name})],
        {"uses": ["q", "k"]}, {"op": {"type": "identity", "from": "v", "name": "attention"}},
        _op("flatten", start_dim=2, name="merge_heads"), "o_proj", "proj_drop?"]},
    # a Linear, clamped where built with use_clipped_linears (four scalar bounds, buffers)
    "Gemma4ClippableLinear": {"kind": "block", "assume": {"use_clipped_linears": False},
                              "hidden": [{"name": "clip_bounds", "count": 4, "buffer": True,
                                          "when": "assume:use_clipped_linears"}],
                              "forward": ["linear"]},
    "Gemma4GatedMlp": {"kind": "block", "forward": [
        {"call": "gate_proj", "from": "input"}, "act", {"set": "g"}, {"call": "up_proj", "from": "input"},
        {"mul": ["g", "@"]}, "down_proj", "drop?"]},
    # the soft-token pool: the mean of each pooling_kernel_size × pooling_kernel_size cell of patches (times √D)
    "Gemma4VisionPooler": {"kind": "block", "assume": {"pooling_kernel_size": 3}, "forward": [
        _op("unflatten", dim=1, unflattened_size=[-1, {"assume": "pooling_kernel_size"},
                                                  {"assume": "pooling_kernel_size"}], name="cells"),
        _op("mean", dim=[2, 3], name="pool")]},
}

#: timm LeViT's attention biases (heads × the grid's H·W) and their index (a buffer), sized by the grid the attention
#: reads (the resolution the model was built for): placed by the ``levit_attention`` forward
_LEVIT_BIASES = [{"name": "attention_biases", "count": None, "per": "attention_bias"},
                 {"name": "attention_bias_idxs", "count": None, "buffer": True, "placed": True}]

#: timm's LeViT, PiT, CrossViT, ConViT, TNT
_TIMM_LEVIT: dict[str, dict] = {
    # timm LeViT: linear models (LinearNorm) carry the tokens as H × W × C (their grid kept: timm views them as
    # resolution × resolution to subsample), conv models (ConvNorm) as C × H × W
    **{name: {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "head"]},
         "assume": {"img_size": 224, "global_pool": "avg"},
         "note": "timm's LeViT: its attention biases are sized for the image size it was built for (img_size, not "
                 "printed); it runs at that size only"
                 + (", and (head(x) + head_dist(x)) / 2 in eval mode" if name == "LevitDistilled" else ""),
         "forward": [{"op": {"type": "identity", "name": "img_size"}, "size_of": "assume:img_size",
                      "why": "its attention biases are sized for img_size"},
                     "stem",
                     {"if": {"not": "class:stages.0.blocks.0.attn.qkv=ConvNorm"}, "then": [
                         _op("permute", dims=[0, 2, 3, 1], name="to_tokens")]},
                     "stages",
                     {"if": "assume:global_pool=avg", "then": [
                         {"if": "class:stages.0.blocks.0.attn.qkv=ConvNorm",
                          "then": [_op("mean", dim=[2, 3], name="global_pool")],
                          "else": [_op("mean", dim=[1, 2], name="global_pool")]}]},
                     *([{"set": "x"}, {"call": "head", "from": "x"}, {"call": "head_dist", "from": "x"},
                        {"add": ["head", "head_dist"], "name": "average"}] if name == "LevitDistilled"
                       else ["head"])]}]}
       for name in ("Levit", "LevitDistilled")},
    "Stem16": {"kind": "block", "forward": "sequential"},
    "Stem8": {"kind": "block", "forward": "sequential"},
    "LevitStage": {"kind": "block", "forward": ["downsample", "blocks"]},
    "LevitBlock": {"kind": "block", "forward": [
        "attn", "drop_path1?", {"add": ["@", "input"], "as": "x"}, {"call": "mlp", "from": "x"}, "drop_path2?",
        {"add": ["@", "x"]}]},
    "LevitDownsample": {"kind": "block", "forward": [
        "attn_downsample", {"set": "x"}, "mlp", "drop_path?", {"add": ["@", "x"]}]},
    "LevitMlp": {"kind": "block", "forward": ["ln1", "act", "drop?", "ln2"]},
    # x = linear(x); bn(x.flatten(0, 1)).reshape_as(x): BatchNorm1d over the features of every token
    "LinearNorm": {"kind": "block", "variants": [
        {"when": {"has": ["linear", "bn"]},
         "forward": ["linear", {"set": "x"}, _op("flatten", start_dim=1, end_dim=-2, name="rows"),
                     _op("transpose", dim0=1, dim1=2, name="features_first"), "bn",
                     _op("transpose", dim0=1, dim1=2, name="features_last"), {"reshape_as": "x"}]}]},
    # timm PiT: its stages read and give a (feature map, class tokens) pair; PoolingVisionTransformer's forward
    # unrolls them (``pit``), so Transformer, Pooling and SequentialTuple are not run as blocks of their own
    "PoolingVisionTransformer": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "transformers", "norm", "head"]},
         "hidden": [{"name": "pos_embed", "count": None}, {"name": "cls_token", "count": None}],
         "assume": {"img_size": 224},
         "note": "timm's PoolingVisionTransformer: its position embedding is sized for the image size it was built "
                 "for (img_size, not printed); it runs at that size only",
         "forward": "pit"}]},
    "ConvEmbedding": {"kind": "block", "variants": [
        {"when": {"has": ["conv"], "root_class": ["PoolingVisionTransformer"]}, "forward": ["conv"]}]},
    "SequentialTuple": {"kind": "block", "variants": [
        {"when": {"root_class": ["PoolingVisionTransformer"]},
         "forward": [{"unsupported": "SequentialTuple passes a (map, class tokens) pair: PoolingVisionTransformer "
                                     "runs its stages"}]}]},
    # PiT's Transformer (norm, blocks) is never run as a block (the forward above unrolls it); its class name is
    # VOLO's too (_TIMM_VIT2), whose entry holds no parameter of its own
    # timm ConViT: GPSA blocks (gated positional self-attention) first, then MHSA blocks after the class token
    "ConVit": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "norm", "head"]},
         "assume": {"img_size": 224, "use_pos_embed": True, "global_pool": "token"},
         "hidden": [{"name": "cls_token", "count": None},
                    {"name": "pos_embed", "count": None, "when": "assume:use_pos_embed"}],
         "note": "timm's ConVit: its position embedding is sized for the image size it was built for (img_size, "
                 "not printed); it runs at that size only",
         "forward": "convit"}]},
    "GPSA": {"kind": "block", "variants": [
        {"when": {"has": ["qk", "v", "proj", "pos_proj"], "root_class": ["ConVit"]},
         "hidden": [{"name": "gating_param", "count": "pos_proj.out_features"},
                    {"name": "rel_indices", "count": 3, "buffer": True}],
         "note": "timm's GPSA: pos_proj reads the N × N × 3 relative positions of the tokens (drawn from the "
                 "tokens: their MACs counted); rel_indices is registered as a 1 × 1 × 1 × 3 buffer (what torch "
                 "counts before the first forward, which replaces it with the N × N × 3 positions); q·kᵀ and "
                 "the weighted sum of v are not counted as MACs",
         "forward": [{"call": "qk", "from": "input"}, {"set": "qk"},
                     {"op": {"type": "mean", "from": "input", "dim": [2], "keepdim": True, "name": "positions"}},
                     {"set": "positions"}, _op("unsqueeze", dim=2, name="rows"), {"set": "rows"},
                     {"op": {"type": "transpose", "from": "positions", "dim0": 1, "dim1": 2, "name": "to_columns"}},
                     _op("unsqueeze", dim=3, name="columns"), {"mul": ["rows", "@"], "name": "pairs"},
                     {"set": "pairs"}, {"cat": ["pairs", "pairs", "pairs"], "dim": -1, "name": "rel_indices"},
                     "pos_proj", {"set": "pos_score"}, {"uses": ["qk", "pos_score"]},
                     {"call": "v", "from": "input"}, {"op": {"type": "identity", "name": "attention"}}, "proj",
                     "proj_drop?"]}]},
    "MHSA": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj"], "root_class": ["ConVit"]},
         "forward": ["qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj",
                     "proj_drop?"]}]},
    "AttentionDownsample": {"kind": "block", "variants": [
        {"when": {"has": ["kv", "q", "proj"], "parent_class": ["LevitDownsample"]},
         "assume": {"key_dim": None},
         "hidden": _LEVIT_BIASES,
         "forward": "levit_attention"}]},
}

#: timm's MobileNetV4 hybrids (MobileAttention), MobileNetV5, CPUBone
_TIMM_MOBILE: dict[str, dict] = {
    # timm MobileNetV4's attention block (NCHW throughout): an optional depthwise position encoding added to the input,
    # then norm, attention, layer scale, and the input added back
    "MobileAttention": {"kind": "block",
                        "note": "timm's MobileAttention: stride and noskip are not printed; the input is added back "
                                "where the block writes as many channels as it reads (as every timm MobileNetV4 "
                                "builds it); it changes no count or shape",
                        "forward": [
        {"if": "has:conv_cpe_dw", "then": ["conv_cpe_dw", {"add": ["input", "@"], "name": "cpe", "as": "x"}],
         "else": [{"set": "x", "to": "input"}]},
        {"call": "norm", "from": "x"}, "attn", "layer_scale?",
        {"if": {"equal": ["norm.num_features", "attn.output.proj.out_channels|attn.proj.out_channels"]},
         "then": ["drop_path?", {"add": ["@", "x"]}]}]},
    # q from the (optionally pooled) map, one shared k and v head from the (optionally strided) map; the heads'
    # weighted sums of v take q's grid (heads × value_dim channels): shown as q passed on, no MACs counted for
    # q·kᵀ or the weighted sum (as the reference counts)
    "MultiQueryAttention2d": {"kind": "block", "forward": [
        {"call": "query", "from": "input", "as": "q"}, {"call": "key", "from": "input", "as": "k"},
        {"call": "value", "from": "input", "as": "v"}, {"uses": ["k", "v"]},
        {"if": {"equal": ["query.proj.out_channels", "output.proj.in_channels"]},
         "then": [{"op": {"type": "identity", "from": "q", "name": "attention"}}],
         "else": [{"unsupported": "MultiQueryAttention2d with a value width other than its key width"}]},
        "output"]},
    # timm MobileNetV5: the stages' outputs fused by a multi-scale adapter (see torchrepr_forwards._mobilenetv5)
    "MobileNetV5": {"kind": "block", "forward": "mobilenetv5", "assume": {"msfa_indices": "-2/-1"},
                    "note": "timm's MobileNetV5: msfa_indices (the feature levels the fusion adapter reads: stem and "
                            "stage outputs, as timm's feature_info counts them) is not printed; checked against the "
                            "channels msfa reads"},
    "MobileNetV5MultiScaleFusionAdapter": {
        "kind": "block", "assume": {"output_resolution": 16},
        "note": "timm's MobileNetV5MultiScaleFusionAdapter: output_resolution is not printed (timm's default 16, as "
                "every MobileNetV5 builds it); the fused map is brought to it (an average pool where it divides, a "
                "bilinear resize elsewhere, nothing where it is that size already: shown as one resize, no MACs)",
        "forward": ["ffn", {"op": {"type": "interpolate", "size": {"assume": "output_resolution"},
                                   "name": "to_output_resolution"}}, "norm"]},
    # timm's RmsNormAct2d prints no argument: a weight per channel (affine), then its drop and act
    "RmsNormAct2d": {"kind": "block", "assume": {"affine": True},
                     "hidden": [{"name": "weight", "count": None, "per": "channel", "when": "assume:affine"}],
                     "forward": [{"param": "weight", "mode": "mul", "type": "rmsnorm"}, "drop?", "act?"]},
    # timm CPUBone: EfficientViT-like MBConv stages, then blocks of strided conv attention (upsampled back, cropped to
    # the input), an MLP and an MBConv, each with its input added
    "CPUBone": {"kind": "block", "forward": ["stem", "stages", "head"]},
    "CPUBoneBlock": {"kind": "block", "forward": ["total"]},
}


# timm NASNet-A Large and PNASNet-5 Large: cells reading two tensors (the latest, x, and the one before, x_prev),
# inlined into the model's forward (torchrepr_forwards._cells). Each combination ``comb_iter_i`` adds two ops' outputs.
def _comb(i: int, left: str | None, right: str | None, plus: str | None = None) -> list:
    """``comb_iter_i = comb_iter_i_left(left) + comb_iter_i_right(right)`` (``plus``: a tensor, not a right op)."""
    steps: list = []
    terms = []
    for side, reads in (("left", left), ("right", right)):
        if reads is not None:
            steps.append({"call": f"comb_iter_{i}_{side}", "from": reads, "as": f"c{i}{side[0]}"})
            terms.append(f"c{i}{side[0]}")
    return steps + [{"add": terms + ([plus] if plus else []), "name": f"comb_iter_{i}", "as": f"c{i}"}]


def _nasnet_reduction(a: str, b: str) -> list:
    """NASNet's stem and reduction cells: ops 0–2 read a (left) and b (right); 3 and 4 build on comb_iter_0."""
    return [*_comb(0, a, b), *_comb(1, a, b), *_comb(2, a, b), *_comb(3, None, "c0", "c1"),
            *_comb(4, "c0", a), {"cat": ["c1", "c2", "c3", "c4"], "name": "cat"}]


def _nasnet_normal(left: str, right: str) -> list:
    """NASNet's normal (and first) cells; the cell's left input is concatenated too."""
    return [*_comb(0, right, left), *_comb(1, left, left), *_comb(2, right, None, left), *_comb(3, left, left),
            *_comb(4, right, None, right), {"cat": [left, "c0", "c1", "c2", "c3", "c4"], "name": "cat"}]


#: NASNet's factorized reduction of x_prev: relu, two 1x1 paths (the second shifted by a pixel), concatenated, normed
_NASNET_PATHS = [{"call": "act", "from": "x_prev", "as": "relu"}, {"call": "path_1", "from": "relu", "as": "p1"},
                 {"call": "path_2", "from": "relu", "as": "p2"}, {"cat": ["p1", "p2"], "name": "paths"},
                 "final_path_bn", {"set": "paths"}]


def _pnasnet_cell(left: str, right: str) -> list:
    """PNASNet's CellBase.cell_forward: comb_iter_4 adds right itself where it has no right op (a normal cell)."""
    return [*_comb(0, left, left), *_comb(1, right, right), *_comb(2, right, right), *_comb(3, "c2", right),
            {"if": "has:comb_iter_4_right", "then": _comb(4, left, right), "else": _comb(4, left, None, right)},
            {"cat": ["c0", "c1", "c2", "c3", "c4"], "name": "cat"}]


_NASNET = {"root_class": ["NASNetALarge"]}
_PNASNET = {"root_class": ["PNASNet5Large"]}
_BOTH = {"root_class": ["NASNetALarge", "PNASNet5Large"]}
_TWO_INPUTS = [{"unsupported": "a NASNet cell reads two tensors: read inside NASNetALarge or PNASNet5Large only"}]
_NASNET_VARIANTS: dict[str, list[dict]] = {
    "NASNetALarge": [{"when": {"has": ["conv0", "cell_stem_0"]}, "kind": "block", "open": False, "forward": "cells"}],
    "PNASNet5Large": [{"when": {"has": ["conv_0", "cell_stem_0"]}, "kind": "block", "open": False,
                       "forward": "cells"}],
    "ActConvBn": [{"when": {"has": ["act", "conv", "bn"], **_BOTH}, "kind": "block", "open": False,
                   "forward": ["act", "conv", "bn"]}],
    "BranchSeparables": [{"when": {"has": ["act_1", "separable_1", "bn_sep_1", "act_2", "separable_2", "bn_sep_2"],
                                   **_BOTH}, "kind": "block", "open": False, "forward": "sequential"}],
    "SeparableConv2d": [{"when": {"has": ["depthwise_conv2d", "pointwise_conv2d"], **_BOTH}, "kind": "block",
                         "open": False, "forward": ["depthwise_conv2d", "pointwise_conv2d"]}],
    "FactorizedReduction": [{"when": {"has": ["act", "path_1", "path_2", "final_path_bn"], **_PNASNET},
                             "kind": "block", "open": False,
                             "forward": ["act", {"set": "relu"}, {"call": "path_1", "from": "relu"},
                                         {"call": "path_2", "from": "relu"}, {"cat": ["path_1", "path_2"]},
                                         "final_path_bn"]}],
    "CellStem0": [
        {"when": {"has": ["conv_1x1", "comb_iter_0_left"], **_NASNET}, "kind": "block", "open": False,
         "cell_inputs": ("x",), "forward": _TWO_INPUTS,
         "cell_forward": [{"call": "conv_1x1", "from": "x", "as": "x1"}, *_nasnet_reduction("x1", "x")]},
        {"when": {"has": ["conv_1x1", "comb_iter_0_left"], **_PNASNET}, "kind": "block", "open": False,
         "cell_inputs": ("x",), "forward": _TWO_INPUTS,
         "cell_forward": [{"call": "conv_1x1", "from": "x", "as": "right"}, *_pnasnet_cell("x", "right")]}],
    "CellStem1": [{"when": {"has": ["conv_1x1", "path_1", "path_2"], **_NASNET}, "kind": "block", "open": False,
                   "forward": _TWO_INPUTS,
                   "cell_forward": [{"call": "conv_1x1", "from": "x", "as": "a"}, *_NASNET_PATHS,
                                    *_nasnet_reduction("a", "paths")]}],
    "FirstCell": [{"when": {"has": ["conv_1x1", "path_1", "path_2"], **_NASNET}, "kind": "block", "open": False,
                   "forward": _TWO_INPUTS,
                   "cell_forward": [*_NASNET_PATHS, {"call": "conv_1x1", "from": "x", "as": "right"},
                                    *_nasnet_normal("paths", "right")]}],
    "NormalCell": [{"when": {"has": ["conv_prev_1x1", "conv_1x1"], **_NASNET}, "kind": "block", "open": False,
                    "forward": _TWO_INPUTS,
                    "cell_forward": [{"call": "conv_prev_1x1", "from": "x_prev", "as": "left"},
                                     {"call": "conv_1x1", "from": "x", "as": "right"},
                                     *_nasnet_normal("left", "right")]}],
    **{name: [{"when": {"has": ["conv_prev_1x1", "conv_1x1"], **_NASNET}, "kind": "block", "open": False,
               "forward": _TWO_INPUTS, "next_prev": "x_prev",
               "cell_forward": [{"call": "conv_prev_1x1", "from": "x_prev", "as": "b"},
                                {"call": "conv_1x1", "from": "x", "as": "a"}, *_nasnet_reduction("a", "b")]}]
       for name in ("ReductionCell0", "ReductionCell1")},
    "Cell": [{"when": {"has": ["conv_prev_1x1", "conv_1x1"], **_PNASNET}, "kind": "block", "open": False,
              "forward": _TWO_INPUTS,
              "cell_forward": [{"call": "conv_prev_1x1", "from": "x_prev", "as": "left"},
                               {"call": "conv_1x1", "from": "x", "as": "right"}, *_pnasnet_cell("left", "right")]}],
}

#: timm CPUBone's classes whose names other families use too (EfficientViT's, LowFormer's): put first among the
#: variants of whatever entry the vocabulary ends with for that name (after every section), only inside a CPUBone
_CPUBONE = {"root_class": ["CPUBone"]}
_TIMM_MOBILE_VARIANTS: dict[str, list[dict]] = {
    "ConvLayer": [{"when": {"has": ["conv"], **_CPUBONE}, "kind": "block", "open": False,
                   "forward": ["conv", "norm?", "act?"]}],
    "LinearLayer": [{"when": {"has": ["linear"], **_CPUBONE}, "kind": "block", "open": False,
                     "forward": ["dropout?", "linear", "norm?", "act?"]}],
    "ResidualBlock": [{"when": {"has": ["main"], **_CPUBONE}, "kind": "block", "open": False,
                       "forward": ["main", {"if": "has:shortcut", "then": [
                           "drop_path?", {"set": "res"}, {"call": "shortcut", "from": "input", "as": "sc"},
                           {"add": ["res", "sc"]}]}]}],
    "FusedMBConv": [{"when": {"has": ["spatial_conv", "point_conv"], **_CPUBONE}, "kind": "block", "open": False,
                     "forward": ["spatial_conv", "point_conv"]}],
    "MBConv": [{"when": {"has": ["inverted_conv", "depth_conv", "point_conv"], **_CPUBONE}, "kind": "block",
                "open": False, "forward": ["inverted_conv", "depth_conv", "point_conv"]}],
    # q, k and v from a strided depthwise projection; o_proj (or upsampling's first conv) maps heads × head_dim back;
    # the upsample overshoots and is cropped to the input. With 2 × 2 kernels timm pads a strided projection's input to
    # a multiple of the stride (not modelled: refused where the map does not divide)
    "ConvAttention": [{"when": {"has": ["conv_proj", "pwise", "o_proj", "upsampling"], **_CPUBONE}, "kind": "block",
                       "open": False,
                       "note": "timm CPUBone's ConvAttention: q·kᵀ and the weighted sum of v are not counted as MACs",
                       "forward": [
        {"if": {"equal": ["conv_proj.conv.kernel_size.0", 2]}, "then": [
            {"op": {"type": "identity", "name": "small_kernel_pad"}, "multiple_of": "conv_proj.conv.stride.0",
             "why": "timm pads a map that is not a multiple of the attention stride"}]},
        "conv_proj", "pwise", _op("chunk", chunks=3, dim=1, name="qkv_split"),
        {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "o_proj", "upsampling",
        {"op": {"type": "pad", "from": ["@", "input"], "name": "crop"}}]}],
    "ClsHead": [{"when": {"has": ["in_conv", "global_pool", "flatten", "pre_classifier", "classifier"], **_CPUBONE},
                 "kind": "block", "open": False,
                 "forward": ["in_conv", "global_pool", "flatten",
                             {"if": "class:global_pool=Identity",  # no pooling: the head runs channels-last
                              "then": [_op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "pre_classifier",
                                       "classifier", _op("permute", dims=[0, 3, 1, 2], name="to_channels_first")],
                              "else": ["pre_classifier", "classifier"]}]}],
    **_NASNET_VARIANTS,
}

#: timm's EfficientViT (MIT: EfficientVit, EfficientVitLarge; MSRA: EfficientVitMsra), EfficientViM
#: (EfficientViM, EfficientViMDistilled), LowFormer, SwiftFormer
_TIMM_EFFVIT: dict[str, dict] = {
    # timm EfficientViT (MIT): MBConv stages, then blocks of multi-scale linear attention (LiteMLA) and an MBConv
    **{name: {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "head"]}, "forward": ["stem", "stages", "head"]}]}
       for name in ("EfficientVit", "EfficientVitLarge")},
    "EfficientVitStage": {"kind": "block", "variants": [
        {"when": {"has": ["blocks"]}, "forward": ["downsample?", "blocks"]}]},  # MIT: blocks only; MSRA: downsample
    "EfficientVitLargeStage": {"kind": "block", "variants": [{"when": {"has": ["blocks"]}, "forward": ["blocks"]}]},
    "EfficientVitBlock": {"kind": "block", "variants": [
        {"when": {"has": ["context_module", "local_module"]}, "forward": ["context_module", "local_module"]},  # MIT
        {"when": {"has": ["dw0", "ffn0", "mixer", "dw1", "ffn1"]},  # MSRA
         "forward": ["dw0", "ffn0", "mixer", "dw1", "ffn1"]}]},
    "DSConv": {"kind": "block", "variants": [
        {"when": {"has": ["depth_conv", "point_conv"]}, "forward": ["depth_conv", "point_conv"]}]},
    "LiteMLA": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "aggreg", "kernel_func", "proj"]}, "forward": "lite_mla",
         "note": "timm EfficientViT's LiteMLA: the linear attention's matmuls are not counted as MACs"}]},
    # timm EfficientViT (MSRA): each block's mixer runs cascaded group attention on windows of the feature map
    "EfficientVitMsra": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "stages", "global_pool", "head"]},
         "forward": ["patch_embed", "stages", "global_pool", "head"]}]},
    "PatchEmbedding": {"kind": "block", "variants": [
        {"when": {"has": ["conv1", "conv4"], "root_class": ["EfficientVitMsra"]}, "forward": "sequential"}]},
    "ResidualDrop": {"kind": "block", "variants": [{"when": {"has": ["m"]}, "forward": ["m", {"add": ["@", "input"]}]}]},
    "LocalWindowAttention": {"kind": "block", "variants": [
        {"when": {"has": ["attn"]}, "assume": {"window_size": 7},
         "hidden": [{"name": "attention_biases", "count": None, "placed": True},
                    {"name": "attention_bias_idxs", "count": None, "buffer": True, "placed": True}],
         "note": "timm EfficientViT's (MSRA) LocalWindowAttention: window_size is not printed (timm's default 7, as "
                 "every EfficientViT-M builds it), cut to the feature map where that is smaller (timm cuts it to the "
                 "map of the img_size it is built for: the same at the model's own input size); the attention's "
                 "biases (heads × window²) and index (window⁴ buffers) are sized there; q·kᵀ and the weighted sum of "
                 "v are not counted as MACs",
         "forward": "local_window_attention"}]},
    "CascadedGroupAttention": {"kind": "block", "variants": [
        {"when": {"has": ["qkvs", "dws", "proj"], "parent_class": ["LocalWindowAttention"]},
         "forward": "cascaded_group_attention"}]},
    # timm LowFormer: MBConv stages, then blocks of attention on a strided depthwise-conv projection (upsampled back
    # by a transposed conv and cropped to the input), an MLP and an MBConv; the head's 1x1 conv runs before the pool
    "LowFormer": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "global_pool", "flatten", "in_conv", "pre_classifier", "classifier"]},
         "forward": ["stem", "stages", "in_conv", "global_pool", "flatten",
                     {"if": "class:flatten=Identity",  # no pooling: the head runs channels-last on every position
                      "then": [_op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "pre_classifier",
                               "classifier", _op("permute", dims=[0, 3, 1, 2], name="to_channels_first")],
                      "else": ["pre_classifier", "classifier"]}]}]},
    "LowFormerBlock": {"kind": "block", "variants": [
        {"when": {"has": ["attn", "mlp", "local"]}, "forward": ["attn", "mlp", "local"]}]},
    # timm SwiftFormer: conv encoders, then one block a stage with efficient additive attention (on channels-last
    # tokens here: its Linears read the last dim, the rows are the H·W positions either way)
    "SwiftFormer": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "norm", "head", "head_dist"]},
         "assume": {"global_pool": "avg"},
         "note": "timm's SwiftFormer: global_pool is not printed (timm's default 'avg', a mean over H × W); the "
                 "head and head_dist predictions averaged, as in eval mode",
         "forward": ["stem", "stages", "norm",
                     {"if": "assume:global_pool=avg", "then": [_op("mean", dim=[2, 3], name="pool")]},
                     "head_drop?", {"set": "x"}, {"call": "head", "from": "x"}, {"call": "head_dist", "from": "x"},
                     {"add": ["head", "head_dist"]}, _op("identity", name="halve")]}]},
    "Stage": {"kind": "block", "open": True, "variants": [
        {"when": {"has": ["downsample", "blocks"], "root_class": ["SwiftFormer"]}, "open": False,
         "forward": ["downsample?", "blocks"]}]},
    **{name: {"kind": "block", "variants": [
        {"when": {"has": ["dwconv", "norm", "pwconv1", "act", "pwconv2", "layer_scale"]},
         "forward": ["dwconv", "norm", "pwconv1", "act", "pwconv2", "layer_scale", "drop_path?",
                     {"add": ["@", "input"]}]}]}
       for name in ("ConvEncoder", "LocalRepresentation")},
    # query @ w_g (w_g: token_dim × 1, not printed), normalised over the tokens, weighs the queries into one global
    # query (shown as their mean), which multiplies the keys; proj, + query, final
    "EfficientAdditiveAttention": {"kind": "block", "variants": [
        {"when": {"has": ["to_query", "to_key", "proj", "final"]},
         "hidden": [{"name": "w_g", "count": "to_query.out_features"}],
         "note": "timm SwiftFormer's EfficientAdditiveAttention: query @ w_g and the sum of the weighted queries are "
                 "not counted as MACs (no Linear runs them)",
         "forward": [_op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), {"set": "x"}, "to_query",
                     {"set": "q"}, {"call": "to_key", "from": "x", "as": "k"},
                     {"op": {"type": "mean", "from": "q", "dim": [1, 2], "keepdim": True, "name": "global_query"}},
                     {"mul": ["@", "k"]}, "proj", {"add": ["@", "q"]}, "final",
                     _op("permute", dims=[0, 3, 1, 2], name="to_channels_first")]}]},
}

#: timm EfficientViT's (MIT) and LowFormer's classes whose names other families use too (CPUBone's, NextViT's,
#: EdgeNeXt's): put first among the variants of whatever entry the vocabulary ends with for that name (after every
#: section), each only inside a model of its family
_EFFVIT_MIT = {"root_class": ["EfficientVit", "EfficientVitLarge"]}
_LOWFORMER = {"root_class": ["LowFormer"]}
_TIMM_EFFVIT_VARIANTS: dict[str, list[dict]] = {
    # ``main(x)`` (after pre_norm), plus ``shortcut(x)`` where one is printed (timm passes None for a stage's first)
    "ResidualBlock": [
        {"when": {"has": ["pre_norm", "main"], **_EFFVIT_MIT}, "kind": "block", "open": False,
         "forward": ["pre_norm?", "main", {"if": "has:shortcut", "then": [
             {"set": "res"}, {"call": "shortcut", "from": "input", "as": "sc"}, {"add": ["res", "sc"]}]}]},
        {"when": {"has": ["main"], "lacks": ["pre_norm"], **_LOWFORMER}, "kind": "block", "open": False,
         "forward": ["main", {"if": "has:shortcut", "then": [
             "drop_path?", {"set": "res"}, {"call": "shortcut", "from": "input", "as": "sc"}, {"add": ["res", "sc"]}]}]}],
    "ConvBlock": [{"when": {"has": ["conv1", "conv2"], **_EFFVIT_MIT}, "kind": "block", "open": False,
                   "forward": ["conv1", "conv2"]}],
    "ConvAttention": [{"when": {"has": ["conv_proj", "pwise", "o_proj", "upsampling"], **_LOWFORMER}, "kind": "block",
                       "open": False,
                       "note": "timm LowFormer's ConvAttention: q·kᵀ and the weighted sum of v are not counted as MACs",
                       "forward": ["conv_proj", "pwise", _op("chunk", chunks=3, dim=1, name="qkv_split"),
                                   {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "o_proj",
                                   "upsampling", {"op": {"type": "pad", "from": ["@", "input"], "name": "crop"}}]}],
}

#: timm's FastViT, EdgeNeXt, NextViT, SwiftFormer, EfficientFormerV2, IFormer, TinyViT
_TIMM_HYBRID: dict[str, dict] = {
    # timm TinyViT: a conv stage (MBConv), then stages of window-attention blocks on a channels-last H × W × C map;
    # each block pads the map to a multiple of its printed window_size (qkv and proj run on the padded tokens), crops
    # back, then a depthwise local_conv on NCHW and a NormMlp
    "TinyVit": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "stages", "head"]}, "forward": ["patch_embed", "stages", "head"]}]},
    "ConvLayer": {"kind": "block", "open": True, "variants": [
        {"open": False, "when": {"has": ["blocks"], "root_class": ["TinyVit"]}, "forward": ["blocks"]},
        {"open": False, "when": {"has": ["conv", "norm", "act"], "root_class": ["LowFormer"]},  # timm LowFormer's
         "forward": ["conv", "norm", "act"]}]},
    "TinyVitStage": {"kind": "block", "variants": [
        {"when": {"has": ["downsample", "blocks"]},
         "forward": ["downsample", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "blocks",
                     _op("permute", dims=[0, 3, 1, 2], name="to_nchw")]}]},
    "TinyVitBlock": {"kind": "block", "variants": [
        {"when": {"has": ["attn", "mlp", "local_conv"]},
         "forward": [{"windows": "pad", "window": {"resolve": "window_size"}}, "attn",
                     {"windows": "crop", "like": "input"}, "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     _op("permute", dims=[0, 3, 1, 2], name="to_nchw"), "local_conv",
                     _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), {"set": "y"}, "mlp", "drop_path2?",
                     {"add": ["@", "y"]}]}]},
    # timm FastViT: MobileOne blocks (unfused: their branches summed), RepMixer (x + γ·(mixer(x) − norm(x))), a
    # conditional position encoding (x + a depthwise conv) before the attention stages
    "FastVit": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "final_conv", "head"]},
         "forward": ["stem", "stages", "final_conv", "head"]}]},
    "FastVitStage": {"kind": "block", "variants": [
        {"when": {"has": ["downsample", "pos_emb", "blocks"]}, "forward": ["downsample", "pos_emb", "blocks"]}]},
    "ReparamLargeKernelConv": {"kind": "block", "variants": [
        {"when": {"has": ["large_conv"]},
         "forward": [{"call": "large_conv", "from": "input"},
                     {"if": "has:small_conv", "then": [{"call": "small_conv", "from": "input"},
                                                      {"add": ["large_conv", "small_conv"], "name": "sum"}]},
                     "se?", "act?"]}]},
    "RepMixer": {"kind": "block", "variants": [
        {"when": {"has": ["norm", "mixer", "layer_scale"]},
         "forward": [{"call": "mixer", "from": "input"}, {"call": "norm", "from": "input"},
                     {"add": ["mixer", "norm"], "name": "difference"}, "layer_scale", {"add": ["@", "input"]}]}]},
    "RepMixerBlock": {"kind": "block", "variants": [
        {"when": {"has": ["token_mixer", "mlp", "layer_scale"]},
         "forward": ["token_mixer", {"set": "x"}, "mlp", "layer_scale", "drop_path?", {"add": ["@", "x"]}]}]},
    "AttentionBlock": {"kind": "block", "open": True, "variants": [
        {"open": False, "when": {"has": ["norm", "token_mixer", "layer_scale_1", "mlp", "layer_scale_2"],
                                 "root_class": ["FastVit"]},
         "forward": ["norm", "token_mixer", "layer_scale_1", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "mlp", "from": "x"}, "layer_scale_2", "drop_path2?", {"add": ["@", "x"]}]}]},
    "RepConditionalPosEnc": {"kind": "block", "variants": [
        {"when": {"has": ["pos_enc"]}, "forward": ["pos_enc", {"add": ["@", "input"]}]}]},
    # timm EdgeNeXt: conv blocks (depthwise conv, then channels-last norm and MLP) and split-transpose blocks (res2net-
    # like depthwise convs over channel groups, then cross-covariance attention over the channels)
    "EdgeNeXt": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "head"]}, "forward": ["stem", "stages", "norm_pre?", "head"]}]},
    "EdgeNeXtStage": {"kind": "block", "variants": [
        {"when": {"has": ["downsample", "blocks"]}, "forward": ["downsample", "blocks"]}]},
    "ConvBlock": {"kind": "block", "open": True, "variants": [
        {"open": False, "when": {"has": ["mixer"], "root_class": ["IFormer"]}, "forward": ["mixer"]},  # timm IFormer's
        {"open": False, "when": {"has": ["conv_dw", "norm", "mlp"], "root_class": ["EdgeNeXt"]},
         "assume": {"layer_scale": True},
         "hidden": [{"name": "gamma", "count": "conv_dw.out_channels", "when": "assume:layer_scale"}],
         "note": "timm EdgeNeXt's ConvBlock: its layer scale gamma (C parameters) is counted, as every timm EdgeNeXt "
                 "builds it (ls_init_value > 0; state --assume layer_scale=false for a model built without)",
         # the shortcut is conv_dw's output where that changes the shape (shortcut_after_dw)
         "forward": ["conv_dw", {"if": "same_io", "then": [{"set": "sc", "to": "input"}], "else": [{"set": "sc"}]},
                     _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), "norm", "mlp",
                     {"param": "gamma", "mode": "mul"}, _op("permute", dims=[0, 3, 1, 2], name="to_nchw"),
                     "drop_path?", {"add": ["@", "sc"]}]}]},
    "SplitTransposeBlock": {"kind": "block", "variants": [
        {"when": {"has": ["convs", "norm_xca", "xca", "norm", "mlp"]},
         "assume": {"layer_scale": True},
         "hidden": [{"name": "gamma_xca", "count": "norm_xca.normalized_shape.0", "when": "assume:layer_scale"},
                    {"name": "gamma", "count": "norm.normalized_shape.0", "when": "assume:layer_scale"}],
         "note": "timm EdgeNeXt's SplitTransposeBlock: its layer scales gamma_xca and gamma (C parameters each) are "
                 "counted, as every timm EdgeNeXt builds them (ls_init_value > 0; state --assume layer_scale=false "
                 "for a model built without)",
         "forward": "split_transpose"}]},
    # attention across channels; its temperature is one parameter per head, and the heads are not printed
    "CrossCovarianceAttn": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "attn_drop", "proj", "proj_drop"]},
         "assume": {"num_heads": 8},
         "hidden": [{"name": "temperature", "count": {"assume": "num_heads"}}],
         "note": "timm EdgeNeXt's CrossCovarianceAttn: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": ["qkv", *_ATTEND, "proj", "proj_drop?"]}]},
    # timm NextViT: convolution blocks and transformer blocks (efficient attention on part of the channels, a
    # convolutional attention on the rest, concatenated); the attention's tokens read here channels-last (H × W × C:
    # q and proj see the same rows), k and v from the tokens average-pooled by sr² where sr is printed
    "NextViT": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "norm", "head"]}, "forward": ["stem", "stages", "norm", "head"]}]},
    "NextStage": {"kind": "block", "variants": [{"when": {"has": ["blocks"]}, "forward": ["blocks"]}]},
    "NextConvBlock": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "mhca", "norm", "mlp"]},
         "forward": ["patch_embed", {"set": "x"}, "mhca", "attn_drop_path?", {"add": ["@", "x"], "as": "x2"},
                     "norm", "mlp", "mlp_drop_path?", {"add": ["@", "x2"]}]}]},
    "ConvAttention": {"kind": "block", "open": True, "variants": [
        {"open": False, "when": {"has": ["group_conv3x3", "norm", "act", "projection"], "root_class": ["NextViT"]},
         "forward": ["group_conv3x3", "norm", "act", "projection"]}]},
    "NextTransformerBlock": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "norm1", "e_mhsa", "projection", "mhca", "norm2", "mlp"]},
         "forward": ["patch_embed", {"set": "x"}, "norm1", _op("permute", dims=[0, 2, 3, 1], name="to_tokens"),
                     "e_mhsa", "mhsa_drop_path?", _op("permute", dims=[0, 3, 1, 2], name="to_nchw"),
                     {"add": ["@", "x"], "as": "x2"}, "projection", {"set": "p"}, "mhca", "mhca_drop_path?",
                     {"add": ["@", "p"]}, {"cat": ["x2", "@"], "name": "concat", "as": "x3"}, "norm2", "mlp",
                     "mlp_drop_path?", {"add": ["@", "x3"]}]}]},
    "EfficientAttention": {"kind": "block", "open": True, "variants": [
        {"open": False, "when": {"has": ["q", "k", "v", "proj"], "root_class": ["NextViT"]},
         "note": "timm NextViT's EfficientAttention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": [{"call": "q", "from": "input"}, {"set": "q"}, {"set": "kv_in", "to": "input"},
                     {"if": "has:sr", "then": [
                         {"op": {"type": "flatten", "from": "input", "start_dim": 1, "end_dim": 2, "name": "tokens"}},
                         _op("transpose", dim0=1, dim1=2, name="to_channels"), "sr", "norm",
                         _op("transpose", dim0=1, dim1=2, name="to_tokens"), {"set": "kv_in"}]},
                     {"call": "k", "from": "kv_in"}, {"set": "k"}, {"call": "v", "from": "kv_in"}, {"set": "v"},
                     {"uses": ["k", "v"]}, {"op": {"type": "identity", "from": "q", "name": "attention"}}, "proj",
                     "proj_drop?"]}]},
    # timm EfficientFormerV2: NCHW throughout; its attentions' biases are sized for the image size it was built for
    "EfficientFormerV2": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "norm", "head"]},
         "assume": {"img_size": 224, "global_pool": "avg"},
         "note": "timm's EfficientFormerV2: its attention biases are sized for the image size it was built for "
                 "(img_size, not printed); it runs at that size only"
                 "; with head_dist, (head(x) + head_dist(x)) / 2 in eval mode",
         "forward": [{"op": {"type": "identity", "name": "img_size"}, "size_of": "assume:img_size",
                      "why": "its attention biases are sized for img_size"},
                     "stem", "stages", "norm",
                     {"if": "assume:global_pool=avg", "then": [_op("mean", dim=[2, 3], name="global_pool")]},
                     "head_drop?", {"set": "x"},
                     {"if": "has:head_dist", "then": [{"call": "head", "from": "x"}, {"call": "head_dist", "from": "x"},
                                                      {"add": ["head", "head_dist"], "name": "average"}],
                      "else": ["head"]}]}]},
    # (its Stem4: EfficientFormer"s entry; its ConvMlpWithNorm: a variant of EfficientFormer"s entry)
    "EfficientFormerV2Stage": {"kind": "block", "variants": [
        {"when": {"has": ["downsample", "blocks"]}, "forward": ["downsample", "blocks"]}]},
    "EfficientFormerV2Block": {"kind": "block", "variants": [
        {"when": {"has": ["mlp", "ls2"]},
         "forward": [{"if": "has:token_mixer", "then": ["token_mixer", "ls1?", "drop_path1?", {"add": ["@", "input"]}]},
                     {"set": "x"}, "mlp", "ls2?", "drop_path2?", {"add": ["@", "x"]}]}]},
    "LocalGlobalQuery": {"kind": "block", "variants": [
        {"when": {"has": ["pool", "local", "proj"]},
         "forward": [{"call": "local", "from": "input"}, {"call": "pool", "from": "input"},
                     {"add": ["local", "pool"], "name": "q"}, "proj"]}]},
    "Attention2d": {"kind": "block", "open": True, "variants": [
        {"open": False, "when": {"has": ["q", "k", "v", "v_local", "talking_head1", "talking_head2", "proj"],
                  "root_class": ["EfficientFormerV2"]},
         "hidden": [{"name": "attention_biases", "count": None, "per": "attention_bias"},
                    {"name": "attention_bias_idxs", "count": None, "buffer": True, "placed": True}],
         "forward": "efficientformer_v2_attention"}]},
    "Attention2dDownsample": {"kind": "block", "variants": [
        {"when": {"has": ["q", "k", "v", "v_local", "proj"], "root_class": ["EfficientFormerV2"]},
         "assume": {"num_heads": 8},
         "hidden": [{"name": "attention_biases", "count": None, "per": "attention_bias"},
                    {"name": "attention_bias_idxs", "count": None, "buffer": True, "placed": True}],
         "note": "timm EfficientFormerV2's Attention2dDownsample: its heads are not printed (timm's default, 8, as "
                 "every EfficientFormerV2 builds it)",
         "forward": "efficientformer_v2_attention"}]},
    # timm IFormer: conv blocks, then groups of a conditional position encoding, a single-head modulation attention and
    # an FFN, each a Residual
    "IFormer": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "head"]},
         "assume": {"global_pool": "avg"},
         "forward": ["stem", "stages",
                     {"if": "assume:global_pool=avg", "then": [_op("mean", dim=[2, 3], name="global_pool")]},
                     "head_drop?", "head"]}]},
    # (its StageBlock: SHViT's entry, the same forward; its FFN: a variant of SHViT's entry)
    "SHMABlock": {"kind": "block", "variants": [{"when": {"has": ["mixer"], "root_class": ["IFormer"]},
                                                 "forward": ["mixer"]}]},
    "RepCPE": {"kind": "block", "variants": [{"when": {"has": ["cpe"], "root_class": ["IFormer"]}, "forward": ["cpe"]}]},
    # single-head attention: v and the gate from v_gate (sigmoid, halves), q and k read off the main path; on windows
    # of window_size (padded to a multiple, cropped back) where built with one (no timm IFormer is)
    "SHMA": {"kind": "block", "variants": [
        {"when": {"has": ["q", "k", "v_gate", "gate_act", "proj"]},
         "assume": {"window_size": 0},
         "note": "timm IFormer's SHMA: q·kᵀ and the attention-weighted sum of v are not counted as MACs",
         "forward": [{"if": "assume:window_size", "then": [
                         _op("permute", dims=[0, 2, 3, 1], name="to_nhwc"), {"set": "x_cl"},
                         {"windows": "pad", "window": {"assume": "window_size"}},
                         _op("permute", dims=[0, 3, 1, 2], name="to_nchw")]},
                     {"set": "x"}, "v_gate", "gate_act", _op("chunk", chunks=2, dim=1, name="v_and_gate"),
                     {"call": "q", "from": "x"}, {"set": "q"}, {"call": "k", "from": "x"}, {"set": "k"},
                     {"uses": ["q", "k"]}, {"op": {"type": "identity", "from": "v_and_gate[0]", "name": "attention"}},
                     {"mul": ["attention", "v_and_gate[1]"], "name": "gated"}, "proj",
                     {"if": "assume:window_size", "then": [
                         _op("permute", dims=[0, 2, 3, 1], name="out_to_nhwc"), {"windows": "crop", "like": "x_cl"},
                         _op("permute", dims=[0, 3, 1, 2], name="out_to_nchw")]}]}]},
    "NormMlp": {"kind": "block", "open": True, "variants": [
        {"open": False, "when": {"has": ["norm", "fc1", "act", "fc2"], "root_class": ["TinyVit"]},
         "forward": ["norm", "fc1", "act", "drop1?", "fc2", "drop2?"]}]},
}

#: timm CoaT's blocks: read by the model's forward (its "coat" pattern), never on their own
_COAT_PART = {"forward": [{"unsupported": "CoaT's blocks read the grid size CoaT's forward() passes them: read as "
                                          "part of the CoaT model"}]}

#: timm's VOLO, NesT, DaViT, FocalNet, CoaT
_TIMM_VIT2: dict[str, dict] = {
    # timm FocalNet: NCHW throughout; focal modulation (gated depthwise contexts) instead of attention
    "FocalNet": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "layers", "norm", "head"]}, "forward": ["stem", "layers", "norm", "head"]}]},
    "FocalNetStage": {"kind": "block", "forward": ["downsample?", "blocks"]},
    "FocalNetBlock": {"kind": "block", "forward": [
        "norm1?", "modulation", "norm1_post?", "ls1?", "drop_path1?", {"add": ["@", "input"], "as": "x"},
        {"call": "norm2", "from": "x", "optional": True}, "mlp", "norm2_post?", "ls2?", "drop_path2?",
        {"add": ["@", "x"]}]},
    "FocalModulation": {"kind": "block", "forward": "focal_modulation"},
    # timm DaViT: stages on NCHW; its blocks read channels-last here (H × W × C: the tokens with their grid)
    "DaVit": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "head"]}, "forward": ["stem", "stages", "norm_pre?", "head"]}]},
    "DaVitStage": {"kind": "block", "forward": ["downsample?", "blocks"]},
    "ConvPosEnc": {"kind": "block", "variants": [
        {"when": {"has": ["proj", "act"]}, "forward": ["proj", "act", {"add": ["input", "@"]}]},  # DaViT
        {"when": {"has": ["proj"], "lacks": ["act"], "root_class": ["CoaT"]}, **_COAT_PART}]},
    # timm CoaT: its forward is unrolled by the model's (the blocks read the grid size forward() passes); a block
    # prints the position encodings it shares with the model (cpe, crpe) and ParallelBlock's mlp3 and mlp4 are its
    # mlp2: counted once, where the model prints them
    "CoaT": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed1", "serial_blocks1", "head"]},
         "assume": {"global_pool": "token"},
         "hidden": [{"name": f"cls_token{i}", "count": f"patch_embed{i}.proj.out_channels"} for i in range(1, 5)],
         "note": "timm's CoaT: the class token and the image tokens of every scale as forward() passes them; the "
                 "position encodings cpe1-4 and crpe1-4 are shared by the blocks (print(model) shows them in every "
                 "block), ParallelBlock's mlp2, mlp3 and mlp4 are one module: their parameters counted once, their "
                 "MACs at every call; the factorized attention's and the bilinear resampling's products are not "
                 "counted as MACs",
         "forward": "coat"}]},
    "SerialBlock": {"kind": "block", "variants": [
        {"when": {"has": ["cpe", "norm1", "factoratt_crpe", "norm2", "mlp"], "root_class": ["CoaT"]},
         "shares": ["cpe"], **_COAT_PART}]},
    "ParallelBlock": {"kind": "block", "variants": [
        {"when": {"has": ["factoratt_crpe2", "mlp2", "mlp3", "mlp4"], "root_class": ["CoaT"]},
         "shares": ["mlp3", "mlp4"], **_COAT_PART}]},
    "FactorAttnConvRelPosEnc": {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj", "crpe"], "root_class": ["CoaT"]}, "shares": ["crpe"], **_COAT_PART}]},
    "ConvRelPosEnc": {"kind": "block", "variants": [
        {"when": {"has": ["conv_list"], "root_class": ["CoaT"]}, **_COAT_PART}]},
    "SpatialBlock": {"kind": "block", "variants": [
        {"when": {"has": ["cpe1", "norm1", "attn", "cpe2"], "parent_class": ["Sequential"]},
         "assume": {"window_size": 7},
         "note": "timm DaViT's SpatialBlock: qkv and proj run on the windows, the map padded to a multiple of "
                 "window_size (not printed; timm's default 7) and cropped back",
         "forward": ["cpe1", _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), {"set": "shortcut"},
                     "norm1", {"windows": "pad", "window": {"assume": "window_size"}}, "attn",
                     {"windows": "crop", "like": "shortcut"}, "drop_path1?", {"add": ["shortcut", "@"]},
                     _op("permute", dims=[0, 3, 1, 2], name="to_channels_first"), "cpe2",
                     {"if": "has:mlp", "then": [
                         _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), {"set": "x"}, "norm2", "mlp",
                         "drop_path2?", {"add": ["x", "@"]}, _op("permute", dims=[0, 3, 1, 2],
                                                                 name="to_channels_first")]}]}]},
    "ChannelBlock": {"kind": "block", "variants": [
        {"when": {"has": ["cpe1", "norm1", "attn", "cpe2"], "parent_class": ["Sequential"]},
         "forward": ["cpe1", _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), {"set": "shortcut"},
                     "norm1", "attn", "drop_path1?", {"add": ["shortcut", "@"]},
                     _op("permute", dims=[0, 3, 1, 2], name="to_channels_first"), "cpe2",
                     {"if": "has:mlp", "then": [
                         _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), {"set": "x"}, "norm2", "mlp",
                         "drop_path2?", {"add": ["x", "@"]}, _op("permute", dims=[0, 3, 1, 2],
                                                                 name="to_channels_first")]}]}]},
    # timm NesT: each level's map read channels-last (blockify and deblockify only reorder it: the attention within a
    # block is not counted as MACs); its position embedding (num_blocks × seq_length × C) is the size of that map
    "Nest": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "levels", "norm", "global_pool", "head"]},
         "forward": ["patch_embed", "levels", _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "norm",
                     _op("permute", dims=[0, 3, 1, 2], name="to_channels_first"), "global_pool", "head_drop?",
                     "head"]}]},
    "NestLevel": {"kind": "block", "variants": [
        {"when": {"has": ["pool", "transformer_encoder"]},
         "hidden": [{"name": "pos_embed", "count": None}],
         "forward": ["pool?", _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"),
                     {"param": "pos_embed", "mode": "add"}, "transformer_encoder",
                     _op("permute", dims=[0, 3, 1, 2], name="to_channels_first")]}]},
    "ConvPool": {"kind": "block", "variants": [
        {"when": {"has": ["conv", "norm", "pool"], "parent_class": ["NestLevel"]},
         "forward": ["conv", _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "norm",
                     _op("permute", dims=[0, 3, 1, 2], name="to_channels_first"), "pool"]}]},
    "TransformerLayer": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"], "parent_class": ["Sequential"], "root_class": ["Nest"]},
         "forward": ["norm1", "attn", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "drop_path2?", {"add": ["@", "x"]}]}]},
    # timm VOLO: channels-last from the patch embedding; outlook attention (a local attention over k × k
    # neighbourhoods: its weights from the map average-pooled by the stride), then attention, then class attention
    "VOLO": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "network", "norm", "head"]},
         "assume": {"global_pool": "token"},
         "hidden": [{"name": "pos_embed", "count": None},
                    {"name": "cls_token", "count": "norm.normalized_shape.0", "when": "has:post_network"}],
         "note": "timm's VOLO in eval mode: head(pooled) + 0.5 · the max over the patch tokens of aux_head",
         "forward": "volo"}]},
    # "open": torch.nn's Transformer has the name too (read, outside VOLO, as a class convcalc does not know)
    **{name: {"kind": "block", "open": True, "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"], "parent_class": ["Sequential"], "root_class": ["VOLO"]},
         "open": False,
         "forward": ["norm1", "attn", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "drop_path2?", {"add": ["@", "x"]}]}]}
       for name in ("Outlooker", "Transformer")},
    "OutlookAttention": {"kind": "block", "variants": [
        {"when": {"has": ["v", "attn", "proj", "pool"]},
         "note": "timm VOLO's OutlookAttention: v unfolded into k × k neighbourhoods, weighed and folded back (the "
                 "map's shape); attn reads the map average-pooled by the stride; the weighing is not counted as MACs",
         "forward": [{"call": "v", "from": "input"}, {"set": "v"},
                     {"op": {"type": "permute", "from": "input", "dims": [0, 3, 1, 2], "name": "to_channels_first"}},
                     "pool", _op("permute", dims=[0, 2, 3, 1], name="to_channels_last"), "attn", {"set": "weights"},
                     {"uses": ["weights"]}, {"op": {"type": "identity", "from": "v", "name": "fold"}}, "proj",
                     "proj_drop?"]}]},
    # the class token (the first) attends over every token; the mlp reads it only
    "ClassBlock": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"], "root_class": ["VOLO"]},
         "forward": [_op("split", split_size_or_sections=1, dim=1, name="tokens"), {"call": "norm1", "from": "input"},
                     "attn", "drop_path1?", {"add": ["tokens[0]", "@"], "as": "c"}, {"call": "norm2", "from": "c"},
                     "mlp", "drop_path2?", {"add": ["c", "@"]}, {"set": "c"},
                     {"op": {"type": "pad", "from": "input", "pad": [0, 0, -1, 0], "name": "patch_tokens"}},
                     {"cat": ["c", "@"], "dim": 1}]}]},
    "ClassAttention": {"kind": "block", "variants": [
        {"when": {"has": ["kv", "q", "proj"], "parent_class": ["ClassBlock"]},
         "note": "timm VOLO's ClassAttention: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": [{"call": "kv", "from": "input"}, {"set": "kv"}, {"uses": ["kv"]},
                     {"op": {"type": "split", "from": "input", "split_size_or_sections": 1, "dim": 1,
                             "name": "tokens"}}, {"call": "q", "from": "tokens[0]"},
                     {"op": {"type": "identity", "name": "attention"}}, "proj", "proj_drop?"]}]},
    **{name: {"kind": "block", "variants": [
        {"when": {"has": ["qkv", "proj"], "parent_class": ["ChannelBlock"]},
         "note": f"timm DaViT's {name}: attention across channels; its matrix products are not counted as MACs",
         "forward": ["qkv", *_ATTEND, "proj"]}]} for name in ("ChannelAttention", "ChannelAttentionV2")},
}

#: timm's MViTv2, Hiera, ViTamin, Sequencer, CSATv2
_TIMM_HIER: dict[str, dict] = {
    # timm ViTamin: a MobileNet-like conv backbone (MbConvStages) as the HybridEmbed of a VisionTransformer
    "MbConvStages": {"kind": "block", "forward": ["stem", "stages", "pool"]},
    "MbConvLNBlock": {"kind": "block", "forward": [
        {"call": "shortcut", "from": "input", "as": "sc"}, {"call": "pre_norm", "from": "input"}, "down?",
        "conv1_1x1", "act1", "conv2_kxk", "act2", "conv3_1x1", "drop_path?", {"add": ["@", "sc"]}]},
    # timm's Downsample2d (ViTamin, MaxxViT, GCViT): pool then expand
    "Downsample2d": {"kind": "block", "variants": [
        {"when": {"has": ["pool", "expand"]}, "forward": ["pool", "expand"]},
        # timm GCViT's: norm, an MBConv, the reduction (a stride-2 conv, or a pool), norm
        {"when": {"has": ["norm1", "conv_block", "reduction", "norm2"], "root_class": ["GlobalContextVit"]},
         "forward": ["norm1", "conv_block", "reduction", "norm2"]},
        {"when": {"has": ["down"], "parent_class": ["Sequencer2dStage"]},  # timm Sequencer: channels-last around
         "forward": [_op("permute", dims=[0, 3, 1, 2], name="to_nchw"), "down",
                     _op("permute", dims=[0, 2, 3, 1], name="to_nhwc")]}]},
    # timm Sequencer2d: channels-last (B, H, W, C) from the stem on; each LSTM2d runs a bidirectional LSTM along
    # the columns (rnn_v) and one along the rows (rnn_h), both on the features, concatenated (union='cat') into fc
    "Sequencer2d": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "norm", "head"]},
         "forward": ["stem", "stages", "norm", "head"]}]},
    "Sequencer2dStage": {"kind": "block", "forward": ["downsample", "blocks"]},
    "Sequencer2dBlock": {"kind": "block", "forward": [
        "norm1", "rnn_tokens", "drop_path?", {"add": ["@", "input"], "as": "x"}, {"call": "norm2", "from": "x"},
        "mlp_channels", "drop_path?", {"add": ["@", "x"]}]},
    **{name: {"kind": "block", "assume": {"union": "cat"},
              "note": f"timm's {name}: union is not printed (timm's default 'cat', as every timm Sequencer is "
                      "built): the vertical and horizontal outputs concatenated",
              "forward": [
        {"if": {"not": "class:rnn_v=RNNIdentity"}, "then": [{"call": "rnn_v", "from": "input", "as": "v"}]},
        {"if": {"not": "class:rnn_h=RNNIdentity"}, "then": [{"call": "rnn_h", "from": "input", "as": "h"}]},
        {"if": {"any": ["class:rnn_v=RNNIdentity", "class:rnn_h=RNNIdentity"]},
         "then": [{"if": "class:rnn_v=RNNIdentity", "then": [{"set": "@", "to": "h"}],
                   "else": [{"set": "@", "to": "v"}]}],
         "else": [{"if": "assume:union=cat", "then": [{"cat": ["v", "h"], "dim": -1}],
                   "else": [{"add": ["v", "h"]}]}]},
        "fc?"]}
       for name in ("LSTM2d",)},
    "RNNIdentity": _identity(),
    # timm Hiera: tokens (N × C) unrolled into mask units (a reordering); a block that widens (dim ≠ dim_out) pools
    # its shortcut and attention's q by q_stride (2 × 2 = 4: a max over the first factor of the unrolled tokens)
    "Hiera": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "unroll", "blocks", "head"]},
         "assume": {"abs_win_pos_embed": False, "global_pos_size": 14, "mask_unit_size": 8},
         "hidden": [{"name": "pos_embed", "count": None, "when": {"not": "assume:abs_win_pos_embed"}},
                    {"name": "pos_embed_abs", "when": "assume:abs_win_pos_embed",
                     "count": ["patch_embed.proj.out_channels", {"assume": "global_pos_size"},
                               {"assume": "global_pos_size"}]},
                    {"name": "pos_embed_win", "when": "assume:abs_win_pos_embed",
                     "count": ["patch_embed.proj.out_channels", {"assume": "mask_unit_size"},
                               {"assume": "mask_unit_size"}]}],
         "note": "timm's Hiera: read with a learned position embedding of one row a token (abs_win_pos_embed=False, "
                 "sep_pos_embed=False), as hiera_*_224 are built; the model reads the image size it was built for",
         "forward": ["patch_embed",
                     {"if": "assume:abs_win_pos_embed",
                      "then": [{"param": "pos_embed_abs", "mode": "add"}, {"param": "pos_embed_win", "mode": "add"}],
                      "else": [{"param": "pos_embed", "mode": "add"}]},
                     "unroll", "blocks", "head"]}]},
    # timm CSATv2: a DCT stem (8 × 8 blocks of the YCbCr image, F.linear with a fixed DCT matrix: no MACs counted,
    # as the reference's hooks see no Linear), ConvNeXt blocks scaled by a spatial attention, transformer blocks
    # (read channels-last on the feature map: the same counts as on its tokens)
    "CSATv2": {"kind": "block", "variants": [
        {"when": {"has": ["stem_dct", "stages", "head"]}, "forward": ["stem_dct", "stages", "head"]}]},
    "LearnableDct2d": {"kind": "block", "assume": {"kernel_size": 8},
                       "hidden": [{"name": "mean", "count": [3, "conv_y.in_channels"], "buffer": True},
                                  {"name": "var", "count": [3, "conv_y.in_channels"], "buffer": True},
                                  {"name": "imagenet_mean", "count": 3, "buffer": True},
                                  {"name": "imagenet_std", "count": 3, "buffer": True}],
                       "note": "timm CSATv2's LearnableDct2d: its DCT (F.linear with a fixed matrix) is not counted "
                               "as MACs",
                       "forward": [
        {"op": {"type": "identity", "name": "blocks_check"}, "multiple_of": "assume:kernel_size",
         "why": "timm's LearnableDct2d cuts the image into kernel_size × kernel_size blocks"},
        {"op": {"type": "unflatten", "dim": 2, "unflattened_size": [-1, {"assume": "kernel_size"}],
                "name": "rows"}},
        {"op": {"type": "unflatten", "dim": 4, "unflattened_size": [-1, {"assume": "kernel_size"}],
                "name": "columns"}},
        _op("permute", dims=[0, 1, 3, 5, 2, 4], name="blocks"), "transform",
        _op("flatten", start_dim=2, end_dim=3, name="frequencies"),
        _op("split", split_size_or_sections=1, dim=1, name="ycbcr"),
        *({"op": {"type": "flatten", "from": f"ycbcr[{i}]", "start_dim": 1, "end_dim": 2, "name": f"{part}_in"}}
          for i, part in ((0, "y"), (1, "cb"), (2, "cr"))),
        {"call": "conv_y", "from": "y_in"}, {"call": "conv_cb", "from": "cb_in"}, {"call": "conv_cr", "from": "cr_in"},
        {"cat": ["conv_y", "conv_cb", "conv_cr"]}]},
    "Dct2d": {"kind": "block", "hidden": [{"name": "dct_weights", "count": ["^.conv_y.in_channels"], "buffer": True}],
              "forward": ["transform"]},
    "Dct1d": _identity(),  # F.linear(x, weights) on the last dim, k → k (its buffer counted by Dct2d)
    "SpatialAttention": {"kind": "block", "variants": [
        {"when": {"has": ["avgpool", "conv", "attn"], "root_class": ["CSATv2"]},
         "forward": [{"op": {"type": "mean", "from": "input", "dim": [1], "keepdim": True, "name": "channel_mean"},
                      "as": "avg"},
                     {"op": {"type": "mean", "from": "input", "dim": [1], "keepdim": True, "name": "channel_max"},
                      "as": "max"},
                     {"cat": ["avg", "max"], "dim": 1}, "avgpool", "conv", "attn"]}]},
    # channels-last on the map: tokens x.flatten(2).transpose(1, 2) are its rows
    "SpatialTransformerBlock": {"kind": "block", "variants": [
        {"when": {"has": ["pos_embed", "norm1", "qkv", "norm2", "mlp"], "root_class": ["CSATv2"]},
         "note": "timm CSATv2's SpatialTransformerBlock: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": [_op("permute", dims=[0, 2, 3, 1], name="to_tokens"), "norm1", "pos_embed", "qkv",
                     _op("chunk", chunks=3, dim=-1, name="qkv_split"),
                     {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}},
                     _op("permute", dims=[0, 3, 1, 2], name="to_map"), {"add": ["@", "input"], "as": "x"},
                     {"op": {"type": "permute", "from": "x", "dims": [0, 2, 3, 1], "name": "to_tokens"}},
                     "norm2", "mlp", _op("permute", dims=[0, 3, 1, 2], name="to_map"), {"add": ["@", "x"]}]}]},
    "TransformerBlock": {"kind": "block", "variants": [
        {"when": {"has": ["pool1", "pool2", "proj", "pos_embed", "norm1", "attn", "norm2", "mlp"],
                  "root_class": ["CSATv2"]},
         "forward": [{"call": "pool1", "from": "input"}, "proj", {"set": "sc"}, {"call": "pool2", "from": "input"},
                     _op("permute", dims=[0, 2, 3, 1], name="to_tokens"), "norm1", "pos_embed", "attn", "ls1?",
                     _op("permute", dims=[0, 3, 1, 2], name="to_map"), "drop_path1?", {"add": ["@", "sc"], "as": "x"},
                     {"op": {"type": "permute", "from": "x", "dims": [0, 2, 3, 1], "name": "to_tokens"}},
                     "norm2", "mlp", "ls2?", _op("permute", dims=[0, 3, 1, 2], name="to_map"), "drop_path2?",
                     {"add": ["@", "x"]}]}]},
    "Unroll": _identity(),  # a reordering of the tokens into mask units
    "Reroll": _identity(),  # the reordering undone, for intermediate features only (not in forward)
    "HieraBlock": {"kind": "block", "assume": {"q_stride": 4},
                   "note": "timm's HieraBlock: q_stride is not printed: a block that widens pools its tokens by "
                           "q_stride=4 (2 × 2), as every timm Hiera is built (q_pool=3 of 4 stages)",
                   "forward": [
        "norm1", {"set": "xn"},
        {"if": {"not": {"equal": ["norm1.normalized_shape.0", "norm2.normalized_shape.0"]}}, "then": [
            {"if": "has:proj",
             "then": [{"call": "proj", "from": "xn"},
                      {"op": {"type": "unflatten", "dim": 1, "unflattened_size": [{"assume": "q_stride"}, -1],
                              "name": "q_stride_split"}},
                      _op("amax", dim=[1], name="max_pool")],
             "else": [{"op": {"type": "unflatten", "from": "input", "dim": 1, "name": "q_stride_split",
                              "unflattened_size": [{"assume": "q_stride"}, -1]}}, {"set": "split"},
                      _op("amax", dim=[1], name="max_pool"), {"set": "mx"},
                      {"op": {"type": "mean", "from": "split", "dim": [1], "name": "avg_pool"}},
                      {"cat": ["mx", "@"], "dim": -1}]},
            {"set": "sc"}],
         "else": [{"set": "sc", "to": "input"}]},
        {"call": "attn", "from": "xn"}, "ls1?", "drop_path1?", {"add": ["@", "sc"], "as": "x"},
        {"call": "norm2", "from": "x"}, "mlp", "ls2?", "drop_path2?", {"add": ["@", "x"]}]},
    "MaskUnitAttention": {"kind": "block", "assume": {"q_stride": 4},
                          "note": "timm's MaskUnitAttention: q pooled by q_stride (4) where the block widens; q·kᵀ "
                                  "and the weighted sum of v are not counted as MACs",
                          "forward": [
        "qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"),
        {"if": {"equal": ["qkv.in_features", "proj.out_features"]},
         "then": [{"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}],
         "else": [{"op": {"type": "unflatten", "from": "qkv_split[0]", "dim": 1, "name": "q_stride_split",
                          "unflattened_size": [{"assume": "q_stride"}, -1]}},
                  _op("mean", dim=[1], name="q_pool"), _op("identity", name="attention")]},
        {"uses": ["qkv_split"]}, "proj"]},
    # ViTamin's StridedConv prints proj before norm; its forward runs norm (over the input's channels) first
    "StridedConv": {"kind": "block", "variants": [
        {"when": {"has": ["proj", "norm"]}, "forward": ["norm", "proj"]}]},
    "GeGluMlp": {"kind": "block", "variants": [
        {"when": {"has": ["norm", "w0", "act", "w1", "w2"]},
         "forward": ["norm", {"set": "x"}, "w0", "act", {"set": "g"}, {"call": "w1", "from": "x"}, {"mul": ["g", "@"]},
                     "drop1?", "w2", "drop2?"]}]},
}

#: timm's CrossViT and TNT
_CROSSVIT_PART = {"forward": [{"unsupported": "timm CrossVit's MultiScaleBlock reads and gives one token tensor for "
                                              "each branch: read as part of the CrossVit model"}]}
_TIMM_CROSSVIT: dict[str, dict] = {
    # timm CrossVit: two branches of different patch sizes; its MultiScaleBlocks are unrolled by the model's forward
    "CrossVit": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "norm", "head"]},
         "assume": {"img_size_scaled": None, "global_pool": "token"},
         "hidden": [*({"name": f"cls_token_{i}", "count": f"norm.{i}.normalized_shape.0"} for i in range(2)),
                    *({"name": f"pos_embed_{i}", "count": None} for i in range(2))],
         "note": "timm's CrossVit: each branch reads the image resized to its img_size_scaled, int(img_size · "
                 "img_scale) (scale_image: bicubic, or cropped with crop_scale; the same shape), so its position "
                 "embedding (1 + patches tokens) is sized by img_size_scaled, not the input; the mean of the branches' "
                 "heads is drawn as their sum (the same shape); the cross attention's products are not counted as "
                 "MACs",
         "forward": "crossvit"}]},
    # "open": timm's MViTv2 and HieraDet have a MultiScaleBlock too (their variants, in their sections)
    "MultiScaleBlock": {"kind": "block", "open": True, "variants": [
        {"when": {"has": ["blocks", "projs", "fusion", "revert_projs"], "parent_class": ["ModuleList"],
                  "root_class": ["CrossVit"]}, "open": False, **_CROSSVIT_PART}]},
    # timm TNT: patch tokens and, inside each patch, pixel tokens; its Blocks are unrolled by the model's forward
    "TNT": {"kind": "block", "variants": [
        {"when": {"has": ["pixel_embed", "norm1_proj", "proj", "norm2_proj", "blocks", "norm", "head"]},
         "assume": {"img_size": 224, "global_pool": "token"},
         "hidden": [{"name": "cls_token", "count": "norm.normalized_shape.0"},
                    {"name": "patch_pos", "count": None},
                    # inner_dim × the new patch's pixels: the width of the model's norm1_proj
                    {"name": "pixel_pos", "count": "norm1_proj.normalized_shape.0"}],
         "note": "timm's TNT: each patch's pixels are a sample of their own (torch's batch is B·N): pixel_embed.proj "
                 "is run on each of the N patches, its MACs N times; the inner and outer attentions' products are "
                 "not counted as MACs",
         "forward": "tnt"}]},
    "PixelEmbed": {"kind": "block", "open": True, "variants": [
        {"when": {"has": ["proj", "unfold"], "parent_class": ["TNT"]}, "open": False,
         "forward": [{"unsupported": "timm TNT's PixelEmbed reads pixel_pos, which the TNT model holds: read as part "
                                     "of the TNT model"}]}]},
    # x[:, 0:1] + attn(norm1(x)): the class token only
    "CrossAttentionBlock": {"kind": "block", "open": True, "variants": [
        {"when": {"has": ["norm1", "attn"], "root_class": ["CrossVit"]}, "open": False,
         "forward": [_op("split", split_size_or_sections=1, dim=1, name="tokens"), {"call": "norm1", "from": "input"},
                     "attn", "drop_path?", {"add": ["tokens[0]", "@"]}]}]},
    # q from the class token, k and v from every token
    "CrossAttention": {"kind": "block", "open": True, "variants": [
        {"when": {"has": ["wq", "wk", "wv", "proj"], "root_class": ["CrossVit"]}, "open": False,
         "forward": [_op("split", split_size_or_sections=1, dim=1, name="tokens"), {"call": "wq", "from": "tokens[0]"},
                     {"set": "q"}, {"call": "wk", "from": "input"}, {"set": "k"}, {"call": "wv", "from": "input"},
                     {"set": "v"}, {"uses": ["k", "v"]}, {"op": {"type": "identity", "from": "q", "name": "attention"}},
                     "attn_drop?", "proj", "proj_drop?"]}]},
}

#: timm's MViTv2
_MVIT = {"root_class": ["MultiScaleVit"]}
_TIMM_MVIT: dict[str, dict] = {
    # timm MViTv2: the tokens read as a channels-last map (H × W × C, the grid forward() passes along with them: the
    # same counts as on the tokens); no class token, no absolute position embedding unless stated
    "MultiScaleVit": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "stages", "norm", "head"]},
         "assume": {"img_size": 224, "use_cls_token": False, "use_abs_pos": False}, "loops": ("stages",),
         "hidden": [{"name": "pos_embed", "count": None, "when": "assume:use_abs_pos"}],
         "note": "timm's MultiScaleVit: its relative position tables are sized for the image size it was built for "
                 "(img_size, not printed); it runs at that size only; read without a class token (use_cls_token), "
                 "global_pool='avg'",
         "forward": [{"op": {"type": "identity", "name": "img_size"}, "size_of": "assume:img_size",
                      "why": "its relative position tables are sized for img_size"},
                     {"if": "assume:use_cls_token", "then": [
                         {"unsupported": "MultiScaleVit with a class token (use_cls_token) is not modelled"}]},
                     "patch_embed",
                     {"if": "assume:use_abs_pos", "then": [{"param": "pos_embed", "mode": "add"}]},
                     "stages", "norm", _op("mean", dim=[1, 2], name="global_pool"), "head"]}]},
    "MultiScaleVitStage": {"kind": "block", "forward": ["blocks"], "loops": ("blocks",)},
    # timm MViTv2's pooling attention (HieraDet adds its own variant, in _TIMM_HIERADET_VARIANTS); any other class of
    # the name is read as a class not known ("open", as a name without an entry)
    "MultiScaleAttention": {"kind": "block", "open": True, "variants": [
        {"when": {"has": ["qkv", "proj"], "parent_class": ["MultiScaleBlock"], **_MVIT}, "open": False,
         "assume": {"rel_pos_type": "spatial"},
         "hidden": [{"name": "rel_pos", "count": None, "placed": True, "when": "assume:rel_pos_type=spatial"}],
         "note": "timm's MultiScaleAttention: rel_pos_type='spatial' (not printed, timm's default): rel_pos_h and "
                 "rel_pos_w; its pool convs run once a head; q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": "mvit_attention"}]},
}
#: MViTv2's MultiScaleBlock (a name timm's CrossViT and HieraDet use too)
_TIMM_MVIT_VARIANTS: dict[str, list[dict]] = {
    # x_shortcut: shortcut_proj_attn(norm1(x)) where printed, else x; max-pooled on its map where the block pools q;
    # the mlp's shortcut: shortcut_proj_mlp(norm2(x)) where printed (expand_attn=False), else x
    "MultiScaleBlock": [{"when": {"has": ["norm1", "attn", "norm2", "mlp"], "parent_class": ["ModuleList"], **_MVIT},
                         "forward": [
        "norm1", {"set": "xn"},
        {"if": "has:shortcut_proj_attn", "then": [{"call": "shortcut_proj_attn", "from": "xn"}],
         "else": [{"set": "@", "to": "input"}]},
        {"if": "has:shortcut_pool_attn", "then": [
            _op("permute", dims=[0, 3, 1, 2], name="to_map"), "shortcut_pool_attn",
            _op("permute", dims=[0, 2, 3, 1], name="to_last")]},
        {"set": "sc"},
        {"call": "attn", "from": "xn"}, "drop_path1?", {"add": ["sc", "@"], "as": "x"},
        {"call": "norm2", "from": "x"}, {"set": "xn2"},
        {"if": "has:shortcut_proj_mlp", "then": [{"call": "shortcut_proj_mlp", "from": "xn2"}, {"set": "sc2"}],
         "else": [{"set": "sc2", "to": "x"}]},
        {"call": "mlp", "from": "xn2"}, "drop_path2?", {"add": ["sc2", "@"]}]}],
}

#: timm's HieraDet (SAM2's Hiera) and EfficientViM
_HIERADET = {"root_class": ["HieraDet"]}
_EFFVIM = {"root_class": ["EfficientViM", "EfficientViMDistilled"]}
_EFFVIM_PART = "timm EfficientViM's blocks give two tensors (the map and the hidden state): read as part of the model"
_TIMM_HIERADET: dict[str, dict] = {
    # timm's HieraDet: channels-last (B, H, W, C) from the patch embedding on; window_spec, global_att_blocks and
    # global_pos_size are not printed (timm's defaults; sam2_hiera_* and hieradet_small set their own)
    "HieraDet": {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "blocks", "head"]},
         "assume": {"window_spec": "8/4/14/7", "global_att_blocks": "12/16/20", "global_pos_size": 7, "stages": ""},
         "hidden": [{"name": "pos_embed", "count": ["patch_embed.proj.out_channels", {"assume": "global_pos_size"},
                                                    {"assume": "global_pos_size"}]},
                    {"name": "pos_embed_window", "count": ["patch_embed.proj.out_channels",
                                                           {"assume": "window_spec", "item": 0},
                                                           {"assume": "window_spec", "item": 0}]}],
         "note": "timm's HieraDet: each block's window is not printed: block i has window_spec[s], s the stage of "
                 "block i - 1, or global attention where i is in global_att_blocks; the stages are read from the "
                 "blocks that widen unless stages is given",
         "forward": "hieradet"}]},
    "HieraPatchEmbed": {"kind": "block", "forward": ["proj", _op("permute", dims=[0, 2, 3, 1], name="to_nhwc")]},
    # timm's EfficientViM: its blocks give the map and HSM-SSD's hidden state (the head reads each stage's last):
    # the model's forward unrolls them (torchrepr's "efficientvim" pattern), which places the blocks' hidden
    # parameters (alpha: 4 gates a channel; HSMSSD's A, state_dim, and D, one)
    **{name: {"kind": "block", "variants": [
        {"when": {"has": ["patch_embed", "stages", "norm", "heads"]},
         "hidden": [{"name": "weights", "count": {"children": "heads"}},
                    {"name": "weights_dist", "count": {"children": "heads_dist"}, "when": "has:heads_dist"}],
         "note": "timm's EfficientViM: HSM-SSD's matmuls (x·(a·B)ᵀ, h·C) are not counted as MACs",
         "forward": "efficientvim"}]} for name in ("EfficientViM", "EfficientViMDistilled")},
    "EfficientViMStage": {"kind": "block", "forward": [{"unsupported": _EFFVIM_PART}]},
    "EfficientViMBlock": {"kind": "block", "hidden": [{"name": "alpha", "count": [4, "norm.normalized_shape.0"]}],
                          "forward": [{"unsupported": _EFFVIM_PART}]},
    "HSMSSD": {"kind": "block", "hidden": [{"name": "A", "count": {"resolve": "BCdt_proj.conv.out_channels", "div": 3}},
                                           {"name": "D", "count": 1}],
               "forward": [{"unsupported": _EFFVIM_PART}]},
    **{name: {"kind": "block", "forward": ["conv", "norm?", "act?"]} for name in ("ConvLayer1d", "ConvLayer2d")},
}
#: EfficientViM's FFN and PatchMerging, HieraDet's MultiScaleBlock and MultiScaleAttention (names other families use)
_TIMM_HIERADET_VARIANTS: dict[str, list[dict]] = {
    "FFN": [{"when": {"has": ["fc1", "fc2"], **_EFFVIM}, "forward": ["fc1", "fc2"]}],
    # x + dwconv1(x), the MBConv (conv), then x + dwconv2(x)
    "PatchMerging": [{"when": {"has": ["conv", "dwconv1", "dwconv2"], **_EFFVIM},
                      "forward": ["dwconv1", {"add": ["@", "input"], "as": "x"}, {"call": "conv", "from": "x"},
                                  {"set": "y"}, "dwconv2", {"add": ["@", "y"]}]}],
    "MultiScaleBlock": [{"when": {"has": ["norm1", "attn", "norm2", "mlp"], **_HIERADET}, "open": False,
                         "assume": {}, "hidden": [],
                         "forward": "hieradet_block"}],
    # qkv on the (padded) windows; q max-pooled where q_pool is printed; proj on q's map
    "MultiScaleAttention": [{"when": {"has": ["qkv", "proj"], "parent_class": ["MultiScaleBlock"], **_HIERADET},
                             "open": False, "assume": {}, "hidden": [],
                             "note": "timm HieraDet's MultiScaleAttention: q·kᵀ and the weighted sum of v are not "
                                     "counted as MACs",
                             "forward": [
        "qkv", _op("chunk", chunks=3, dim=-1, name="qkv_split"), {"uses": ["qkv_split"]},
        {"op": {"type": "identity", "from": "qkv_split[0]", "name": "q"}},
        {"if": "has:q_pool", "then": [_op("permute", dims=[0, 3, 1, 2], name="q_to_nchw"), "q_pool",
                                      _op("permute", dims=[0, 2, 3, 1], name="q_to_nhwc")]},
        _op("identity", name="attention"), "proj"]}],
}

#: timm's GCViT: a conv stem, then stages of a global query (MBConvs and max pools, window_size² positions) and
#: channels-last window-attention blocks; every other block's attention takes its queries from the global query
_GCVIT = {"root_class": ["GlobalContextVit"]}
_TIMM_GCVIT: dict[str, dict] = {
    "GlobalContextVit": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "stages", "head"]}, "forward": ["stem", "stages", "head"]}]},
    "GlobalContextVitStage": {"kind": "block", "variants": [
        {"when": {"has": ["downsample", "global_block", "blocks"]}, "forward": "gcvit_stage", "loops": ("blocks",)}]},
    "FeatureBlock": {"kind": "block", "variants": [
        {"when": {"has": ["blocks"], **_GCVIT}, "forward": ["blocks"]}]},
    "GlobalContextVitBlock": {"kind": "block", "variants": [
        {"when": {"has": ["norm1", "attn", "norm2", "mlp"]},
         "forward": ["norm1", "attn", "ls1?", "drop_path1?", {"add": ["@", "input"], "as": "x"},
                     {"call": "norm2", "from": "x"}, "mlp", "ls2?", "drop_path2?", {"add": ["@", "x"]}]}]},
    "WindowAttentionGlobal": {"kind": "block", "variants": [
        {"when": {"has": ["rel_pos", "qkv", "proj"]}, "assume": {"window_size": None, "num_heads": None},
         "note": "timm GCViT's WindowAttentionGlobal: q·kᵀ and the weighted sum of v are not counted as MACs",
         "forward": "gcvit_attention"}]},
}

#: torchvision's MaxViT
#: constructor arguments print(model) does not show, with torchvision's maxvit_t values: the model is built for one
#: input size (input_size, square here: its partitions are sized for that map), partition_size and head_dim
_TV_MAXVIT_ASSUME = {"input_size": 224, "partition_size": 7, "head_dim": 32}
_TV_PS = {"assume": "partition_size"}


def _tv_partition(grid: bool) -> list:
    """torchvision MaxViT's WindowPartition (B, C, H, W → B, G, P², C) and its partition_swap: a window partition cuts
    the map into partition_size × partition_size windows; a grid partition cuts it with P = H // partition_size (a
    partition_size × partition_size grid of cells P apart), then swaps the axes (the attention runs over the grid).
    The 6-dim tiles tensor is named ``tiles``: the departition reshapes back to its shape."""
    size = [_TV_PS, -1] if grid else [-1, _TV_PS]
    return [_op("unflatten", dim=2, unflattened_size=size, name="partition_rows"),
            _op("unflatten", dim=4, unflattened_size=size, name="partition_columns"),
            _op("permute", dims=[0, 2, 4, 3, 5, 1], name="partition_tiles"), {"set": "tiles"},
            _op("flatten", start_dim=1, end_dim=2, name="partition_groups"),
            _op("flatten", start_dim=2, end_dim=3, name="partition_tokens"), "partition_swap"]


_TV_MAXVIT: dict[str, dict] = {
    "MaxVit": {"kind": "block", "variants": [
        {"when": {"has": ["stem", "blocks", "classifier"]}, "assume": {"input_size": 224},
         "forward": [{"op": {"type": "identity", "name": "input_size"}, "size_of": "assume:input_size",
                      "why": "torchvision's MaxVit is built for one input size (input_size): its partitions are "
                             "sized for that feature map"},
                     "stem", "blocks", "classifier"],
         "loops": ("blocks",)}]},
    "MaxVitBlock": {"kind": "block", "variants": [{"when": {"has": ["layers"]}, "forward": ["layers"],
                                                   "loops": ("layers",)}]},
    "MaxVitLayer": {"kind": "block", "variants": [{"when": {"has": ["layers"]}, "forward": ["layers"]}]},
    # x + attn(x), then x + mlp(x), on the partitioned tokens; departitioned back to B, C, H, W
    "PartitionAttentionLayer": {"kind": "block", "variants": [
        {"when": {"has": ["partition_op", "departition_op", "partition_swap", "departition_swap", "attn_layer",
                          "mlp_layer"]},
         "assume": {"partition_size": 7},
         "forward": [{"op": {"type": "identity", "name": "partitions"}, "multiple_of": "assume:partition_size",
                      "why": "forward() partitions the map into partition_size windows and grids"},
                     {"if": "class:partition_swap=SwapAxes", "then": _tv_partition(True),
                      "else": _tv_partition(False)},
                     {"set": "x"}, "attn_layer", "stochastic_dropout?", {"add": ["@", "x"], "as": "x"},
                     "mlp_layer", _op("identity", name="stochastic_dropout_mlp"), {"add": ["@", "x"]},
                     "departition_swap", {"reshape_as": "tiles", "name": "departition_tiles"},
                     _op("permute", dims=[0, 5, 1, 3, 2, 4], name="departition_map"),
                     {"reshape_as": "input", "name": "departition"}]}]},
    "RelativePositionalMultiHeadAttention": {"kind": "block", "variants": [
        {"when": {"has": ["to_qkv", "merge"]}, "assume": {"partition_size": 7, "head_dim": 32},
         "hidden": [{"name": "relative_position_bias_table",
                     "count": [{**_TV_PS, "span": True}, {**_TV_PS, "span": True},
                               {"assume": "head_dim", "into": "merge.out_features"}]},
                    {"name": "relative_position_index", "count": [_TV_PS] * 4, "buffer": True}],
         "note": "torchvision MaxViT's RelativePositionalMultiHeadAttention: partition_size and head_dim are not "
                 "printed (torchvision's maxvit_t: 7 and 32); q·kᵀ, the relative position bias and the weighted sum "
                 "of v are not counted as MACs",
         "forward": ["to_qkv", *_ATTEND, "merge"]}]},
    # print no arguments; PartitionAttentionLayer's forward does their work (torchvision builds SwapAxes(-2, -3) only)
    "SwapAxes": _leaf(None, why="SwapAxes does not print which axes it swaps", variants=[
        {"when": {"parent_class": ["PartitionAttentionLayer"], "root_class": ["MaxVit"]}, "type": "transpose",
         "set": {"dim0": -2, "dim1": -3}, "why": None}]),
    "WindowPartition": _leaf(None, why="WindowPartition does not print its window size"),
    "WindowDepartition": _leaf(None, why="WindowDepartition does not print its window size"),
}
#: torchvision MaxViT's MBConv (torchvision's EfficientNet has an MBConv too): proj(x) + stochastic_depth(layers(x))
_TV_MAXVIT_VARIANTS: dict[str, list[dict]] = {
    "MBConv": [{"when": {"has": ["proj", "stochastic_depth", "layers"], "root_class": ["MaxVit"]}, "kind": "block",
                "forward": [{"call": "proj", "from": "input", "as": "res"}, {"call": "layers", "from": "input"},
                            "stochastic_depth", {"add": ["res", "@"]}]}],
}

#: torchvision and timm classes whose forward() convcalc does not model (yet): counted (their own parameters, if
#: any, print nowhere: a lower bound), never guessed. The models of the reference sample that use them are refused
#: naming the class. A user's class of the same name is refused too: rename it, or write the spec.
UNMODELLED: dict[str, tuple[str, ...]] = {
    "timm models": (
        
    ),
    "timm blocks": (
        "CondConvResidual", 
    ),
}
#: classes that print a module they share at every place it is used (torch counts its parameters once), where the
#: vocabulary does not say which (an entry's ``shares``): refused. (timm's CoaT, once here, is read with ``shares``.)
SHARED: dict[str, str] = {}

#: the sections, merged in this order into :data:`CLASSES`; a class name belongs to one section (a family that reads
#: a name another family uses adds ``variants`` to it, in its ``*_VARIANTS``), except the names in REDEFINED
SECTIONS = (_TORCH_NN, _TORCHVISION, _TIMM, _TIMM_CNN, _TRANSFORMERS, _TIMM_CNN2, _TIMM_LEAVES, _TIMM_EVA, _TIMM_LEVIT,
            _TIMM_MOBILE, _TIMM_EFFVIT, _TIMM_HYBRID, _TIMM_VIT2, _TIMM_HIER, _TIMM_CROSSVIT, _TIMM_MVIT,
            _TIMM_HIERADET, _TIMM_GCVIT, _TV_MAXVIT)
#: names a later section defines again on purpose, its entry covering the earlier one's readings (timm's activations
#: and LayerNorm2d, timm's MLPBlock with torchvision's as a variant, EVA's RmsNorm with the norms timm builds without
#: a weight); tests/test_torchrepr.py fails on any other name defined twice: the later entry would silently replace
#: the earlier family's reading
REDEFINED = frozenset({"Mish", "SiLU", "Sigmoid", "Tanh", "LayerNorm2d", "MLPBlock", "RmsNorm", "RmsNormFp32"})
CLASSES: dict[str, dict] = {}
for _section in SECTIONS:
    CLASSES.update(_section)
# a family's variants of a name other families use go first, limited to its own models (by root or parent class)
for _extra in (_TIMM_MOBILE_VARIANTS, _TIMM_EFFVIT_VARIANTS, _TIMM_LEAVES_VARIANTS, _TV_MAXVIT_VARIANTS,
               _TIMM_HIERADET_VARIANTS, _TIMM_MVIT_VARIANTS):
    for _name, _variants in _extra.items():
        _base = CLASSES.get(_name, {"kind": "block", "open": True})
        CLASSES[_name] = {**_base, "variants": [*_variants, *_base.get("variants", ())]}
for _group, _names in UNMODELLED.items():
    for _name in _names:
        CLASSES.setdefault(_name, {"kind": "unsupported", "open": True,
                                   "why": f"{_name} ({_group[:-1]}): its forward() is not modelled"})
for _name, _why in SHARED.items():
    CLASSES[_name] = {**CLASSES[_name], "shared": _why}
CLASSES["NormFreeNet"] = {"kind": "block", "forward": ["stem", "stages", "final_conv", "final_act", "head"]}


RNN_ARGS = ("input_size", "hidden_size", "num_layers", "bias", "bidirectional", "proj_size")


def rnn_params(cls: str, given: dict) -> int:
    """torch's RNN, GRU, LSTM parameters: per layer and direction W_ih (gates·hidden × inputs), W_hh (gates·hidden ×
    outputs), two biases of gates·hidden, and LSTM's W_hr (proj_size × hidden) where proj_size is set."""
    gates = CLASSES[cls].get("gates", 1)
    h, proj = given["hidden_size"], given.get("proj_size") or 0
    out = proj or h
    dirs = 2 if given.get("bidirectional") else 1
    bias = given.get("bias") is not False
    params = 0
    for layer in range(given.get("num_layers") or 1):
        fin = given["input_size"] if layer == 0 else dirs * out
        params += dirs * (gates * h * (fin + out) + (2 * gates * h if bias else 0) + proj * h)
    return params


def expand(cls: str, given: dict, builder: Any) -> dict | list[dict]:
    """The elements a one-line module runs as (the leaf entries with ``elements``)."""
    kind = CLASSES[cls]["elements"]
    conv = {k: v for k, v in given.items() if k in CONV_ARGS}
    if kind == "layernorm2d":  # LayerNorm over the channels of an NCHW tensor
        norm = {"type": "layernorm", "name": "norm", **{k: v for k, v in given.items()
                                                          if k in ("normalized_shape", "eps", "elementwise_affine",
                                                                   "bias")}}
        return [{"type": "permute", "name": "to_channels_last", "dims": [0, 2, 3, 1]}, norm,
                {"type": "permute", "name": "to_channels_first", "dims": [0, 3, 1, 2]}]
    if kind in ("conv_same", "conv_same_gain"):
        pad = builder.same_pad(conv.get("kernel_size", 1), conv.get("stride", 1), conv.get("dilation", 1))
        conv = {k: v for k, v in conv.items() if k != "padding"}
        items = [pad, {"type": "conv2d", "name": "conv", **conv}]
        if kind == "conv_same_gain":
            items.append(builder.param({"mode": "mul", "params": conv["out_channels"], "buffers": 0,
                                        "label": "gain"}, "gain"))
        return items
    if kind == "conv_gain":
        return [{"type": "conv2d", "name": "conv", **conv},
                builder.param({"mode": "mul", "params": conv["out_channels"], "buffers": 0, "label": "gain"}, "gain")]
    if kind == "pool_same":
        engine = CLASSES[cls]["type"]
        args = {k: v for k, v in given.items() if k in ("kernel_size", "stride", "dilation", "ceil_mode",
                                                         "count_include_pad")}
        if engine == "avgpool2d":
            args.pop("dilation", None)
            args.setdefault("ceil_mode", False)
        pad = builder.same_pad(args.get("kernel_size", 1), args.get("stride", args.get("kernel_size", 1)),
                               args.get("dilation", 1))
        return [pad, {"type": engine, "name": "pool", **args}]
    if kind == "rnn":  # its output: the last dim becomes num_directions × (proj_size or hidden_size), no MACs
        out = (2 if given.get("bidirectional") else 1) * (given.get("proj_size") or given["hidden_size"])
        return [{"type": "pad", "name": "recurrence", "pad": [0, out - given["input_size"]]},
                builder.param({"mode": "none", "params": rnn_params(cls, given), "buffers": 0,
                               "label": "weights"}, "weights")]
    if kind == "space_to_depth":
        bs = given.get("block_size", 4)
        return [{"type": "unflatten", "name": "rows", "dim": 2, "unflattened_size": [-1, bs]},
                {"type": "unflatten", "name": "columns", "dim": 4, "unflattened_size": [-1, bs]},
                {"type": "permute", "name": "permute", "dims": [0, 3, 5, 1, 2, 4]},
                {"type": "flatten", "name": "to_channels", "start_dim": 1, "end_dim": 3}]
    if kind == "blurpool":
        filt, stride = given.get("filt_size", 3), given.get("stride", 2)
        return [{"type": "avgpool2d", "name": "blur", "kernel_size": filt, "stride": stride,
                 "padding": ((stride - 1) + (filt - 1)) // 2, "ceil_mode": False},
                builder.param({"mode": "none", "params": 0, "buffers": 0, "buffers_per_channel": filt * filt,
                               "label": "filt"}, "filt")]
    if kind == "select_pool":
        pool_type = given.get("pool_type", "avg")
        flatten = given.get("flatten")
        flat = isinstance(flatten, dict) and flatten.get("class") == "Flatten"
        items: list[dict] = []
        if pool_type in ("avg", "max", "avgmax", "fast", "fastavg"):
            kind_ = "max" if pool_type == "max" else "avg"
            items.append({"type": f"adaptive{kind_}pool2d", "name": "pool", "output_size": 1})
        elif pool_type == "catavgmax":
            items += [{"type": "adaptiveavgpool2d", "name": "avg", "output_size": 1, "from": "input"},
                      {"type": "adaptivemaxpool2d", "name": "max", "output_size": 1, "from": "input"},
                      {"type": "concat", "name": "pool", "from": ["avg", "max"]}]
        elif pool_type in ("", None):
            items.append({"type": "identity", "name": "pool"})
        else:
            items.append({"type": "unknown-pool", "name": str(pool_type)})
        if flat:
            items.append({"type": "flatten", "name": "flatten"})
        return items
    raise AssertionError(kind)  # pragma: no cover
