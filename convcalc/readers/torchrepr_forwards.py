"""The forwards print(model) readings compute from the printed tree, family by family (``torchrepr.PATTERNS``).

A vocabulary entry whose ``forward`` is a name in :data:`PATTERNS` gets its steps from the function registered
under it, called with the printed module (:class:`.torchrepr.Module`) and the text's origin: the steps
:mod:`.vocabulary` documents, built where a plain list cannot say them (how many members a stage prints, which
branch a cell reads, a window taken from an assumed value). They live apart from the reader itself
(:mod:`.torchrepr`: parsing, counting, building), which imports this module last.
"""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from . import vocabulary as V
from .torchrepr import (
    PATTERNS,
    Module,
    _assume_value,
    _block_index,
    _channels,
    _condition,
    _convs,
    _hidden_count,
    _keeps_shape,
    _op_step,
    _root,
    _Unplaceable,
    argument,
    assumed,
    entry,
    resolve,
)


def _res2net(m: Module, origin: str) -> list:
    """timm's Bottle2neck: conv1's output split into ``width`` channel groups; group i (plus the previous group's
    result, except in a block's first) through convs.i, bns.i and the ReLU; the last group passed on (pooled
    in a first block); the pieces concatenated, conv3, bn3, added to the shortcut."""
    convs = m.child("convs")
    n = len(convs.children) if convs is not None else 0
    width = argument(convs.children[0], "in_channels", origin) if n else None
    if not n or not isinstance(width, int):
        raise _Unplaceable(m, "Bottle2neck without printed convs")
    first = m.present("pool")
    steps: list = ["conv1", "bn1", "relu", {"op": {"type": "split", "split_size_or_sections": width, "dim": 1,
                                                   "name": "spx"}}]
    outs = []
    for i in range(n):
        if i == 0 or first:
            source = f"spx[{i}]"
        else:
            steps.append({"add": [outs[-1], f"spx[{i}]"], "name": f"sp{i}"})
            source = "@"
        steps += [{"call": f"convs.{i}", "from": source}, f"bns.{i}", "relu", {"set": f"out{i}"}]
        outs.append(f"out{i}")
    steps.append({"call": "pool", "from": f"spx[{n}]"} if first else {"set": "rest", "to": f"spx[{n}]"})
    steps += [{"cat": [*outs, "pool" if first else "rest"]}, "conv3", "bn3", "drop_block?", "se?"]
    return steps


def _res2net_block(m: Module, origin: str) -> list:
    return _residual_steps(_res2net(m, origin), after=["relu"])


# timm DLA: a tree's forward passes tensors between modules (``tree1(x, shortcut)``, ``tree2(x1, None, children)``,
# ``root([x2, x1] + children)``); the tensors a module reads from outside are named by their torch path
_DLA_MAIN = {"DlaBasic": ["conv1", "bn1", "relu", "conv2", "bn2"],
             "DlaBottleneck": ["conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3"]}


def _dpn_split(m: Module, origin: str) -> tuple[int, int, int]:
    """timm's DualPathBlock: (num_1x1_c, the shortcut's channels, c1x1_c's channels). num_1x1_c is not printed: it
    is c1x1_c1's output (b=True), else 2·c − p from a projecting block of the stage (its c1x1_c writes c = n + inc,
    its projection p = n + 2·inc)."""
    def out(key: str) -> Any:
        convs = list(_convs(m.child(key))) if m.present(key) else []
        return _channels(convs[-1], "out_channels", origin) if convs else None

    proj = next((k for k in ("c1x1_w_s1", "c1x1_w_s2") if m.present(k)), None)
    shortcut = out(proj) if proj else resolve(m, "c1x1_a.conv.in_channels", origin)
    c = out("c1x1_c") if not m.present("c1x1_c1") else resolve(m, "c1x1_c.bn.num_features", origin)
    n = resolve(m, "c1x1_c1.out_channels", origin) if m.present("c1x1_c1") else None
    if n is None:
        siblings = m.parent.children[:m.parent.children.index(m) + 1] if m.parent is not None else [m]
        for b in reversed(siblings):
            if b.cls == m.cls and (b.present("c1x1_w_s1") or b.present("c1x1_w_s2")) and \
                    (list(_convs(b.child("c1x1_c"))) or [None])[-1] is not None and \
                    list(_convs(b.child("c1x1_w_s1") or b.child("c1x1_w_s2"))):  # (a projection printed without its conv)
                bc = _channels(list(_convs(b.child("c1x1_c")))[-1], "out_channels", origin)
                bp = _channels(list(_convs(b.child("c1x1_w_s1") or b.child("c1x1_w_s2")))[-1], "out_channels", origin)
                if bc == c:
                    n = 2 * bc - bp
                break
    if not all(isinstance(v, int) for v in (n, shortcut, c)) or not 0 < n < shortcut:
        raise _Unplaceable(m, "DualPathBlock: the residual width (num_1x1_c) cannot be read from the printed lines")
    return n, shortcut, c


def _dpn(m: Module, origin: str) -> list:
    """timm's DualPathBlock: ``cat([x_s[:n] + out[:n], x_s[n:], out[n:]])``, ``x_s`` the (projected) input."""
    n, shortcut, c = _dpn_split(m, origin)
    proj = next((k for k in ("c1x1_w_s1", "c1x1_w_s2") if m.present(k)), None)
    steps: list = [{"call": proj, "from": "input"}] if proj else []
    steps += [{"op": {"type": "split", "split_size_or_sections": [n, shortcut - n], "dim": 1, "name": "x_s",
                      "from": proj or "input"}},
              {"call": "c1x1_a", "from": "input"}, "c3x3_b", "c1x1_c"]
    if m.present("c1x1_c1"):
        steps += [{"call": "c1x1_c1", "from": "c1x1_c"}, {"call": "c1x1_c2", "from": "c1x1_c"}]
        out1, out2 = "c1x1_c1", "c1x1_c2"
    else:
        steps.append({"op": {"type": "split", "split_size_or_sections": [n, c - n], "dim": 1, "name": "out"}})
        out1, out2 = "out[0]", "out[1]"
    return steps + [{"add": ["x_s[0]", out1], "name": "resid", "as": "resid"}, {"cat": ["resid", "x_s[1]", out2]}]


def _hrnet(m: Module, origin: str) -> list:
    """timm's HighResolutionNet: lists of tensors, one per resolution, flow from stage to stage (its forward and
    HighResolutionModule's, unrolled): each module runs its branches, then fuses every branch into every output
    (sum over j of fuse_layers[i][j](x[j]), then fuse_act); the head adds the incre_modules' outputs, each stage
    downsampled into the next."""
    steps: list = ["conv1", "bn1", "act1", "conv2", "bn2", "act2", "layer1", {"set": "x"}]
    xl = ["x"]
    k = 1
    while m.present(f"transition{k}") and m.present(f"stage{k + 1}"):
        new = []
        for i, t in enumerate(m.child(f"transition{k}").children):
            if t.cls == "Identity":
                new.append(xl[i] if k > 1 else xl[0])
                continue
            alias = f"t{k}_{i}"
            steps.append({"call": f"transition{k}.{t.key}", "from": xl[-1], "as": alias})
            new.append(alias)
        xl = new
        for mod in m.child(f"stage{k + 1}").children:
            base = f"stage{k + 1}.{mod.key}"
            branches = mod.child("branches")
            if mod.cls != "HighResolutionModule" or branches is None or len(branches.children) != len(xl):
                raise _Unplaceable(m, f"{base} is not a HighResolutionModule with one branch per input")
            for i, b in enumerate(branches.children):
                alias = f"s{k + 1}_{mod.key}_b{i}"
                steps.append({"call": f"{base}.branches.{b.key}", "from": xl[i], "as": alias})
                xl[i] = alias
            if len(xl) == 1:
                continue
            out = []
            for i, row in enumerate(mod.child("fuse_layers").children):
                total = None
                for j, f in enumerate(row.children):
                    alias = f"s{k + 1}_{mod.key}_f{i}_{j}"
                    steps.append({"call": f"{base}.fuse_layers.{row.key}.{f.key}", "from": xl[j], "as": alias})
                    if total is not None:
                        steps.append({"add": [total, alias], "name": f"s{k + 1}_{mod.key}_sum{i}_{j}",
                                      "as": f"{alias}_sum"})
                        alias = f"{alias}_sum"
                    total = alias
                steps.append({"call": f"{base}.fuse_act", "from": total, "as": f"s{k + 1}_{mod.key}_y{i}"})
                out.append(f"s{k + 1}_{mod.key}_y{i}")
            xl = out
        k += 1
    incre = m.child("incre_modules")
    if incre is None or len(incre.children) != len(xl) or not m.present("final_layer"):
        raise _Unplaceable(m, "HighResolutionNet without its classification head returns a list of tensors")
    y = None
    for i, c in enumerate(incre.children):
        steps.append({"call": f"incre_modules.{c.key}", "from": xl[i], "as": f"inc{i}"})
        if y is not None:
            steps += [{"call": f"downsamp_modules.{i - 1}", "from": y, "as": f"down{i}"},
                      {"add": [f"inc{i}", f"down{i}"], "name": f"head_sum{i}", "as": f"y{i}"}]
            y = f"y{i}"
        else:
            y = f"inc{i}"
    return steps + [{"call": "final_layer", "from": y}, "global_pool", "head_drop?", "classifier"]


def _members(m: Module, key: str) -> list[str]:
    """The dotted keys of a printed ModuleList's members (``[]`` when it is absent or empty)."""
    c = m.child(key)
    return [f"{key}.{x.key}" for x in c.children if not x.none] if c is not None and not c.none else []


def _sum_of(keys: list[str], reads: str, name: str) -> list:
    """``Σ key(reads)``: each called on ``reads``, added in order; the sum is named ``name``."""
    steps: list = []
    total = None
    for i, key in enumerate(keys):
        alias = f"{name}_{i}"
        steps.append({"call": key, "from": reads, "as": alias})
        if total is not None:
            steps.append({"add": [total, alias], "name": f"{name}_sum{i}", "as": f"{alias}_sum"})
            alias = f"{alias}_sum"
        total = alias
    return steps + [{"set": name, "to": total}]


def _last_out(m: Module | None, origin: str) -> Any:
    convs = list(_convs(m)) if m is not None and not m.none else []
    return _channels(convs[-1], "out_channels", origin) if convs else None


def _ghost_out(m: Module, origin: str) -> Any:
    """timm's GhostModule keeps the first ``out_chs`` channels of its concatenation (not printed): GhostModuleV2's
    short_conv writes them; in a GhostBottleneck, ghost1's is what ghost2 reads, ghost2's what the shortcut writes
    (or the block reads)."""
    if m.present("short_conv") and m.child("short_conv").cls != "Identity":
        return _channels(next(_convs(m.child("short_conv"))), "out_channels", origin)
    p = m.parent
    if p is None or not p.cls.startswith("GhostBottleneck"):
        return None
    if m.key == "ghost1" and p.present("ghost2"):
        return _channels(next(_convs(p.child("ghost2"))), "in_channels", origin)
    if m.key == "ghost2":
        if p.present("shortcut") and p.child("shortcut").cls != "Identity":
            return _last_out(p.child("shortcut"), origin)
        return _channels(next(_convs(p.child("ghost1"))), "in_channels", origin)
    return None


def _ghost_module(m: Module, origin: str) -> list:
    """timm's GhostModule/V2/V3: ``cat([x1, cheap(x1)])[:, :out_chs]`` (V3 unfused: x1 and x2 are sums of
    re-parameterisable branches); V2 and V3 in 'shortcut' mode multiply by a gate computed at half resolution."""
    gated = m.present("short_conv") and m.child("short_conv").cls != "Identity"
    steps: list = []
    if gated:
        steps += [{"op": {"type": "avgpool2d", "kernel_size": 2, "stride": 2, "name": "pool", "from": "input"}},
                  "short_conv", {"call": "gate_fn", "as": "gate"}]
    if m.cls == "GhostModuleV3" and _members(m, "primary_rpr_conv"):
        steps += _sum_of(_members(m, "primary_rpr_conv"), "input", "x1_branches")
        steps += [{"call": "primary_activation", "from": "x1_branches", "as": "x1"}]
        keys = ["cheap_rpr_scale", "cheap_rpr_skip?", *_members(m, "cheap_rpr_conv")]
        steps += _sum_of([k.rstrip("?") for k in keys if m.present(k.rstrip("?").split(".")[0])], "x1", "x2_branches")
        steps += [{"call": "cheap_activation", "from": "x2_branches", "as": "x2"}]
        first = list(_convs(m.child("primary_rpr_conv")))
        second = list(_convs(m.child("cheap_rpr_conv")))
    else:
        steps += [{"call": "primary_conv", "from": "input", "as": "x1"}, {"call": "cheap_operation", "as": "x2"}]
        first, second = list(_convs(m.child("primary_conv"))), list(_convs(m.child("cheap_operation")))
    steps.append({"cat": ["x1", "x2"], "name": "cat"})
    total = sum(_channels(c[-1], "out_channels", origin) or 0 for c in (first, second) if c)
    if m.cls == "GhostModuleV3" and not gated:
        return steps  # timm's V3 keeps every channel unless gated
    out = _ghost_out(m, origin)
    if not isinstance(out, int) or not 0 < out <= total:
        raise _Unplaceable(m, f"{m.cls}: how many of its {total} channels it keeps (out_chs) is not printed")
    if out < total:
        steps += [{"op": {"type": "split", "split_size_or_sections": [out, total - out], "dim": 1, "name": "slice"}},
                  {"op": {"type": "getitem", "index": 0, "name": "keep"}}]
    if gated:
        steps += [{"set": "out"}, {"op": {"type": "interpolate", "mode": "nearest", "from": ["gate", "out"],
                                          "name": "gate_up"}}, {"mul": ["out", "@"]}]
    return steps


def _ghost_bottleneck(m: Module, origin: str) -> list:
    """timm's GhostBottleneck/V3: ghost1, the strided depthwise conv (V3 unfused: a sum of branches), se, ghost2,
    plus the shortcut."""
    steps: list = ["ghost1"]
    if m.cls == "GhostBottleneckV3":
        if _members(m, "dw_rpr_conv"):
            steps += [{"set": "g1"}] + _sum_of(["dw_rpr_scale", *_members(m, "dw_rpr_conv")], "g1", "dw")
            steps.append({"set": "x", "to": "dw"})
    else:
        steps += ["conv_dw?", "bn_dw?"]
    steps += ["se?", "ghost2", {"set": "out"}, {"call": "shortcut", "from": "input", "as": "sc", "optional": True},
              {"add": ["out", "sc"]}]
    return steps


def _printed_before(m: Module, origin: str) -> Any:
    """The output channels of the convolution printed last before ``m`` (what ``m`` reads where the printed order
    is the forward order), or None."""
    root = m
    while root.parent is not None:
        root = root.parent
    first = next(_convs(m), None)
    last = None
    for c in _convs(root):
        if c is first:
            return _channels(last, "out_channels", origin) if last is not None else None
        last = c
    return None


def _selective_kernel(m: Module, origin: str) -> list:
    """timm's SelectiveKernel: each path (on its share of the input channels when built with split_input, not
    printed: read from the channels the previous conv writes) → their sum, pooled, gives the attention (fc_reduce,
    bn, act, fc_select, a softmax over the paths) that weighs each path before they are summed again."""
    paths = _members(m, "paths")
    cin = [_channels(next(_convs(m.child("paths").children[i]), None), "in_channels", origin)
           if next(_convs(m.child("paths").children[i]), None) is not None else None for i in range(len(paths))]
    channels = resolve(m, "attn.fc_reduce.in_channels", origin)
    before = _printed_before(m, origin)
    n = len(paths)
    if not paths or not isinstance(channels, int) or not all(isinstance(v, int) for v in cin):
        raise _Unplaceable(m, "SelectiveKernel without printed paths and attention")
    if before == cin[0] or n == 1:
        sources = ["input"] * n
        steps: list = []
    elif before == sum(cin):
        steps = [{"op": {"type": "split", "split_size_or_sections": cin, "dim": 1, "name": "x_split"}}]
        sources = [f"x_split[{i}]" for i in range(n)]
    else:
        raise _Unplaceable(m, "SelectiveKernel: whether each path reads all input channels or its share "
                              "(split_input) is not printed, and the previous conv does not tell")
    for i, key in enumerate(paths):
        steps.append({"call": key, "from": sources[i], "as": f"p{i}"})
    total = "p0"
    for i in range(1, n):
        steps.append({"add": [total, f"p{i}"], "name": f"path_sum{i}", "as": f"s{i}"})
        total = f"s{i}"
    steps += [{"op": {"type": "mean", "dim": [2, 3], "keepdim": True, "name": "gap", "from": total}},
              "attn.fc_reduce", "attn.bn", "attn.act", "attn.fc_select",
              {"op": {"type": "unflatten", "dim": 1, "unflattened_size": [n, channels], "name": "per_path"}},
              {"op": {"type": "softmax", "dim": 1, "name": "softmax"}},
              {"op": {"type": "chunk", "chunks": n, "dim": 1, "name": "weights"}}]
    for i in range(n):
        steps += [{"op": {"type": "squeeze", "dim": 1, "name": f"weight{i}", "from": f"weights[{i}]"}},
                  {"mul": [f"p{i}", "@"], "name": f"weighted{i}", "as": f"w{i}"}]
    total = "w0"
    for i in range(1, n):
        steps.append({"add": [total, f"w{i}"], "name": f"sum{i}", "as": f"t{i}"})
        total = f"t{i}"
    return steps


def _outside(p: Module, key: str, reader: Module) -> str:
    """The full id of child ``key`` of ``p``, for a module under ``p`` that reads it (its torch path)."""
    if not p.path:  # a bare name would be read in the reader's own scope first: print the tree inside its model
        raise _Unplaceable(reader, f"{reader.cls} reads {p.cls}'s {key}, which has no name when {p.cls} is printed "
                                   "alone")
    return f"{p.path}.{key}"


def _selecsls(m: Module, origin: str) -> list:
    """timm's SelecSls: its blocks pass ``[x, skip]`` (forwards unrolled): ``d1 = conv1(x)``, ``d2 = conv3(conv2(d1))``,
    ``d3 = conv5(conv4(d2))``, ``out = conv6(cat([d1, d2, d3] (+ [skip])))``; a first block (is_first, read from
    conv6's input channels) makes ``out`` the skip; ``from_seq`` takes ``x`` (SelectSeq's index 0, as SelecSls
    builds it)."""
    steps: list = ["stem", {"set": "x"}]
    x, skip = "x", None
    for block in (m.child("features").children if m.present("features") else []):
        base = f"features.{block.key}"
        d = [_last_out(block.child(k), origin) for k in ("conv1", "conv3", "conv5")]
        cin = _channels(next(_convs(block.child("conv6")), None), "in_channels", origin) \
            if block.present("conv6") else None
        if block.cls != "SelecSlsBlock" or not all(isinstance(v, int) for v in (*d, cin)):
            raise _Unplaceable(m, f"{base} is not a SelecSlsBlock with printed convs")
        first = cin == sum(d)
        if not first and skip is None:
            raise _Unplaceable(m, f"{base} reads a skip no earlier block gives")
        b = f"b{block.key}_"
        steps += [{"call": f"{base}.conv1", "from": x, "as": b + "d1"}, f"{base}.conv2",
                  {"call": f"{base}.conv3", "as": b + "d2"}, f"{base}.conv4", {"call": f"{base}.conv5", "as": b + "d3"},
                  {"cat": [b + "d1", b + "d2", b + "d3", *([] if first else [skip])], "name": b + "cat"},
                  {"call": f"{base}.conv6", "as": b + "out"}]
        x = b + "out"
        skip = x if first else skip
    return steps + [{"call": "from_seq", "from": x}, "head", "global_pool", "head_drop?", "fc"]


def _dla_block(m: Module, origin: str) -> list:
    """timm's DlaBasic/DlaBottleneck/DlaBottle2neck: ``relu(main(x) + shortcut)``; the shortcut is the parent tree's
    ``project(downsample(x))`` for its first block, the input otherwise."""
    main = _res2net(m, origin) if m.cls == "DlaBottle2neck" else list(_DLA_MAIN[m.cls])
    p = m.parent
    shortcut = _outside(p, "project", m) if (p is not None and p.cls == "DlaTree" and m.key == "tree1"
                                             and p.present("root")) else "input"
    return main + [{"add": ["@", shortcut]}, "relu"]


def _dla_passed(t: Module, origin: str) -> list[str]:
    """The ``children`` a DlaTree receives: its parent's, the parent's input (level_root) and the parent's tree1."""
    p = t.parent
    if p is None or p.cls != "DlaTree" or t.key != "tree2" or p.present("root"):
        return []
    return _dla_passed(p, origin) + ([_outside(p, "downsample", t)] if _dla_level_root(p, origin) else []) + \
        [_outside(p, "tree1", t)]


def _dla_level_root(t: Module, origin: str) -> bool:
    """timm's ``level_root`` (not printed): the tree's input joins the root's concatenation. timm sets it only on a
    stage's outermost tree; it is read from the root's input channels."""
    if t.parent is not None and t.parent.cls == "DlaTree":
        return False
    r, depth = t, 0
    while r is not None and not r.present("root"):
        r, depth = r.child("tree2"), depth + 1
    convs = list(_convs(t.child("tree1"))) if t.child("tree1") is not None else []
    root_in = resolve(r, "root.conv.in_channels", origin) if r is not None else None
    out = resolve(r, "root.conv.out_channels", origin) if r is not None else None
    cin = _channels(convs[0], "in_channels", origin) if convs else None
    if not all(isinstance(v, int) for v in (root_in, out, cin)):
        raise _Unplaceable(t, "DlaTree without a printed root")
    if root_in == out * (2 + depth):
        return False
    if root_in == out * (2 + depth) + cin:
        return True
    raise _Unplaceable(t, f"DlaTree: its root reads {root_in} channels, which matches none of timm's trees")


def _dla_tree(m: Module, origin: str) -> list:
    """timm's DlaTree: ``bottom = downsample(x)``; ``shortcut = project(bottom)``; ``x1 = tree1(x, shortcut)``; a leaf
    tree: ``root([tree2(x1), x1] + children)``; else ``tree2(x1, None, children + [x1])``."""
    steps: list = [{"call": "downsample", "from": "input"}, "project", {"call": "tree1", "from": "input"}, "tree2"]
    if m.present("root"):
        children = _dla_passed(m, origin) + (["downsample"] if _dla_level_root(m, origin) else [])
        steps += [{"cat": ["tree2", "tree1", *children], "name": "root_inputs"}, "root"]
    return steps


def _split_attention(m: Module, origin: str) -> list:
    """timm's SplitAttn (ResNeSt): conv's output is ``radix`` groups; their sum, pooled, gives the attention
    (fc1, bn1, act1, fc2, rsoftmax) that weighs each group before they are summed again."""
    out = resolve(m, "conv.out_channels", origin)
    mid = resolve(m, "fc1.in_channels", origin)
    if not isinstance(out, int) or not isinstance(mid, int) or out % mid:
        raise _Unplaceable(m, "SplitAttn without printed conv and fc1")
    radix = out // mid
    steps: list = ["conv", "bn0?", "drop?", "act0", {"set": "x"}]
    if radix > 1:
        steps.append({"op": {"type": "chunk", "chunks": radix, "dim": 1, "name": "groups"}})
        total = "groups[0]"
        for r in range(1, radix):
            steps.append({"add": [total, f"groups[{r}]"], "name": f"gap_sum{r}"})
            total = "@"
    steps += [{"op": {"type": "mean", "dim": [2, 3], "keepdim": True, "name": "gap"}}, "fc1", "bn1?", "act1", "fc2",
              "rsoftmax"]
    if radix == 1:
        return steps + [{"mul": ["x", "@"]}]
    steps.append({"op": {"type": "chunk", "chunks": radix, "dim": 1, "name": "attn"}})
    for r in range(radix):
        steps.append({"mul": [f"groups[{r}]", f"attn[{r}]"], "name": f"weighted{r}", "as": f"w{r}"})
    total = "w0"
    for r in range(1, radix):
        steps.append({"add": [total, f"w{r}"], "name": f"sum{r}"})
        total = "@"
    return steps


def _mobileone(m: Module, origin: str) -> list:
    """timm's MobileOneBlock (unfused): ``identity(x) + conv_scale(x) + Σ conv_kxk[i](x)``, then attn (or se), act."""
    steps: list = []
    terms: list[str] = []
    for key in ("identity", "conv_scale"):
        if m.present(key):
            steps.append({"call": key, "from": "input"})
            terms.append(key)
    kxk = m.child("conv_kxk")
    for c in (kxk.children if kxk is not None else []):
        steps.append({"call": f"conv_kxk.{c.key}", "from": "input"})
        terms.append(f"conv_kxk_{c.key}")
    if not terms:
        raise _Unplaceable(m, "MobileOneBlock without branches")
    total = terms[0]
    for k, term in enumerate(terms[1:], 1):
        steps.append({"add": [total, term], "name": f"sum{k}"})
        total = "@"
    if len(terms) == 1:
        steps.append({"set": "out", "to": total})
    return steps + ["drop_path?", "se?", "attn?", "act"]


def _mixed_conv(m: Module, origin: str) -> list:
    """timm's MixedConv2d: the input split by channels, each piece through its own conv, the outputs concatenated."""
    keys = [c.key for c in m.children if not c.none]
    sizes = [argument(c, "in_channels", origin) for c in m.children if not c.none]
    if not keys or not all(isinstance(v, int) for v in sizes):
        raise _Unplaceable(m, "MixedConv2d without printed convs")
    steps: list = [{"op": {"type": "split", "split_size_or_sections": sizes, "dim": 1, "name": "pieces"}}]
    steps += [{"call": k, "from": f"pieces[{i}]"} for i, k in enumerate(keys)]
    return steps + [{"cat": keys}]


def _osa_reduction(m: Module, origin: str) -> list:
    """timm's OsaBlock with conv_reduction: conv_mid (a SequentialAppendList) runs on the reduced input, but its
    concatenation starts with the block's own input: ``cat([x, m0(r), m1(m0(r)), …])``."""
    members = _members(m, "conv_mid")
    if not members or m.child("conv_mid").cls != "SequentialAppendList":
        raise _Unplaceable(m, "OsaBlock without a printed SequentialAppendList conv_mid")
    steps: list = ["conv_reduction"] + members
    return steps + [{"cat": ["input", *(k.replace(".", "_") for k in members)], "name": "aggregate"},
                    "conv_concat", "attn?", "drop_path?"]


def _repghost_module(m: Module, origin: str) -> list:
    """timm's RepGhostModule (unfused): ``x1 = primary_conv(x)``; ``x2 = cheap_operation(x1) + Σ fusion_bn[i](
    fusion_conv[i](x1))``; ``relu(x2)``."""
    convs, bns = _members(m, "fusion_conv"), _members(m, "fusion_bn")
    if len(convs) != len(bns):
        raise _Unplaceable(m, "RepGhostModule: fusion_conv and fusion_bn differ in length")
    steps: list = ["primary_conv", {"set": "x1"}, {"call": "cheap_operation", "from": "x1", "as": "x2"}]
    for i, (conv, bn) in enumerate(zip(convs, bns)):
        steps += [{"call": conv, "from": "x1"}, bn, {"add": ["x2", "@"], "name": f"fusion_sum{i}", "as": "x2"}]
    return steps + [{"call": "relu", "from": "x2"}]


def _timm_swin(m: Module, origin: str) -> list:
    """timm's SwinTransformer: PatchEmbed's output kept channels-last (output_fmt='NHWC'), and the head's average
    pool over H and W (input_fmt='NHWC'; print(model) shows neither)."""
    pool = resolve(m, "head.global_pool.pool_type", origin)
    if pool != "avg" or not m.present("patch_embed") or not m.child("patch_embed").present("proj"):
        raise _Unplaceable(m, f"{m.cls}: read with PatchEmbed and an average-pool ClassifierHead only")
    return ["patch_embed.proj", {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "to_channels_last"}},
            "patch_embed.norm?", "layers", "norm?", {"op": {"type": "mean", "dim": [1, 2], "name": "global_pool"}},
            "head.drop?", "head.fc", "head.flatten?"]


def _partial_conv(m: Module, origin: str) -> list:
    """timm FasterNet's Partial_conv3: the first ``dim // n_div`` channels through partial_conv3, the rest passed on,
    concatenated. ``dim`` is not printed: it is what the MLPBlock's mlp reads."""
    part = resolve(m, "partial_conv3.in_channels", origin)
    dim = resolve(m, "^.mlp.0.in_channels", origin) if m.parent is not None and m.parent.cls == "MLPBlock" else None
    if not isinstance(part, int) or not isinstance(dim, int) or not 0 < part <= dim:
        raise _Unplaceable(m, "Partial_conv3: how many channels it passes on untouched is not printed")
    if part == dim:
        return ["partial_conv3"]
    return [{"op": {"type": "split", "split_size_or_sections": [part, dim - part], "dim": 1, "name": "x_split"}},
            {"call": "partial_conv3", "from": "x_split[0]"}, {"cat": ["partial_conv3", "x_split[1]"]}]


def _residual_steps(main: list, after: list) -> list:
    return list(main) + [{"set": "out"}, {"call": "downsample", "from": "input", "as": "identity", "optional": True},
                         {"add": ["out", "identity"]}, *after]


#: forward patterns computed from the printed tree (a loop over a ModuleList, a group count)
PATTERNS.update({"res2net": _res2net_block, "split_attention": _split_attention, "mobileone": _mobileone,
                 "mixed_conv": _mixed_conv, "dla_block": _dla_block, "dla_tree": _dla_tree, "dpn": _dpn,
                 "hrnet": _hrnet, "ghost_module": _ghost_module, "ghost_bottleneck": _ghost_bottleneck,
                 "selective_kernel": _selective_kernel, "selecsls": _selecsls, "osa_reduction": _osa_reduction,
                 "repghost_module": _repghost_module, "partial_conv": _partial_conv})


PATTERNS["timm_swin"] = _timm_swin


def _beit(m: Module, origin: str) -> list:
    """timm's Beit: PatchEmbed's conv, then (with relative position bias) every block's table and index, sized by
    the patch grid (held here, where the grid is known: the blocks see tokens), the tokens, the class token, the
    position embedding (use_abs_pos_emb), the blocks, the pool (``global_pool``: the mean of the patch tokens, or
    the class token), fc_norm and the head."""
    if not m.present("patch_embed") or not m.child("patch_embed").present("proj") or m.present("rel_pos_bias"):
        raise _Unplaceable(m, f"{m.cls}: read with timm's PatchEmbed and no shared relative position bias only")
    blocks = [b for b in m.child("blocks").children if not b.none] if m.present("blocks") else []
    steps: list = ["patch_embed.proj"]
    if blocks and _condition(m, "assume:use_rel_pos_bias", origin):
        attns = [b.child("attn") for b in blocks]
        if not all(a is not None and "num_heads" in (entry(a) or {}).get("assume", {}) for a in attns):
            raise _Unplaceable(m, f"{m.cls}: a block's attention is not BEiT's")
        heads = {assumed(a, "num_heads", origin) for a in attns}
        if len(heads) != 1 or not isinstance(next(iter(heads)), int):
            raise _Unplaceable(m, f"{m.cls}: its heads are not known (--assume num_heads=…)")
        steps.append({"param": "relative_position_bias_table", "mode": "none", "heads": heads.pop(),
                      "copies": len(attns)})
    steps += [{"op": {"type": "flatten", "start_dim": 2}},
              {"op": {"type": "transpose", "dim0": 1, "dim1": 2, "name": "to_tokens"}}, "patch_embed.norm?",
              {"param": "cls_token", "mode": "cat", "tokens": 1},
              {"if": "assume:use_abs_pos_emb", "then": [{"param": "pos_embed", "mode": "add"}]},
              "pos_drop?", "blocks", "norm?",
              {"if": "assume:global_pool=avg", "then": [
                  {"op": {"type": "pad", "pad": [0, 0, -1, 0], "name": "patch_tokens"}},
                  {"op": {"type": "mean", "dim": [1], "name": "pool"}}]},
              {"if": "assume:global_pool=token", "then": [
                  {"op": {"type": "split", "split_size_or_sections": 1, "dim": 1, "name": "tokens"}},
                  {"op": {"type": "flatten", "from": "tokens[0]", "name": "class_output"}}]},
              "fc_norm?", "head_drop?", "head"]
    return steps


PATTERNS["beit"] = _beit


def _twins(m: Module, origin: str) -> list:
    """timm's Twins: per stage its patch embedding (NCHW in, channels-last H × W × C tokens out), pos_drop, the first
    block, the position generator (PosConv), the other blocks; NCHW again between stages; norm, the mean over the
    tokens (``global_pool='avg'``), the head."""
    lists = [m.child(k) for k in ("patch_embeds", "pos_drops", "blocks", "pos_block")]
    if any(c is None for c in lists) or len({len(c.children) for c in lists}) != 1:
        raise _Unplaceable(m, f"{m.cls}: read with one patch embedding, pos_drop, block list and PosConv per stage")
    n = len(lists[0].children)
    steps: list = []
    for i in range(n):
        blocks = [b.key for b in lists[2].children[i].children if not b.none]
        if not blocks:
            raise _Unplaceable(m, f"{m.cls}: stage {i} prints no block")
        steps += [f"patch_embeds.{i}", f"pos_drops.{i}", f"blocks.{i}.{blocks[0]}", f"pos_block.{i}",
                  *(f"blocks.{i}.{k}" for k in blocks[1:])]
        if i < n - 1:
            steps.append({"op": {"type": "permute", "dims": [0, 3, 1, 2], "name": "to_nchw"}})
    return steps + ["norm?", {"if": "assume:global_pool=avg", "then": [
        {"op": {"type": "mean", "dim": [1, 2], "name": "global_pool"}}]}, "head_drop?", "head"]


PATTERNS["twins"] = _twins


def _xcit(m: Module, origin: str) -> list:
    """timm's Xcit: ConvPatchEmbed's map read channels-last (H × W × C: its tokens with their grid); the Fourier
    position encoding is 2·hidden_dim features per position (computed from the grid alone: drawn as the grid's
    channel mean repeated) through token_projection, added; the blocks; the tokens flattened, the class token put
    before them, the class-attention blocks, norm, the pool (``global_pool``), the head."""
    steps: list = ["patch_embed", {"set": "feat"}]
    if m.present("pos_embed"):
        hidden = resolve(m, "pos_embed.token_projection.in_channels", origin)
        if not isinstance(hidden, int) or not 0 < hidden <= 4096:
            raise _Unplaceable(m, f"{m.cls}: its position encoding's token_projection is not printed")
        steps += [{"op": {"type": "mean", "from": "feat", "dim": [1], "keepdim": True, "name": "grid"}},
                  {"set": "grid"}, {"cat": ["grid"] * hidden, "dim": 1, "name": "fourier_features"}, "pos_embed",
                  {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "pos_to_nhwc"}}, {"set": "pos"},
                  {"op": {"type": "permute", "from": "feat", "dims": [0, 2, 3, 1], "name": "to_nhwc"}},
                  {"add": ["@", "pos"]}]
    else:
        steps.append({"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "to_nhwc"}})
    return steps + ["pos_drop?", "blocks", {"op": {"type": "flatten", "start_dim": 1, "end_dim": 2, "name": "tokens"}},
                    {"param": "cls_token", "mode": "cat", "tokens": 1}, "cls_attn_blocks?", "norm", *TOKEN_POOL,
                    "head_drop?", "head"]


#: timm's global_pool over tokens with a class token first: ``token`` (the class token's features) or ``avg`` (the
#: mean of the other tokens), as XCiT's and ConViT's forward_head read it
TOKEN_POOL = [{"if": "assume:global_pool=token", "then": [
                  {"op": {"type": "split", "split_size_or_sections": 1, "dim": 1, "name": "class_token"}},
                  {"op": {"type": "flatten", "from": "class_token[0]", "name": "class_output"}}]},
              {"if": "assume:global_pool=avg", "then": [
                  {"op": {"type": "pad", "pad": [0, 0, -1, 0], "name": "patch_tokens"}},
                  {"op": {"type": "mean", "dim": [1], "name": "pool"}}]}]


PATTERNS["xcit"] = _xcit


def _lcnet_rep_dw(m: Module, origin: str) -> list:
    """timm LCNetV2's RepDepthwiseSeparable: ``dw_act(dw_conv(x))``, or unfused ``dw_act(Σ dw_conv_list[i](x))``;
    se, pw_conv; the input added (use_shortcut, not printed) where LCNetV2 builds it: a re-parameterisable depthwise
    conv, a pointwise conv not split, the shape kept."""
    branches = _members(m, "dw_conv_list")
    if m.present("dw_conv"):
        steps: list = ["dw_conv"]
    elif branches:
        steps = _sum_of(branches, "input", "dw")
    else:
        raise _Unplaceable(m, "RepDepthwiseSeparable without a printed dw_conv or dw_conv_list")
    steps += ["dw_act", "se", "pw_conv"]
    pw = m.child("pw_conv")
    if branches and pw is not None and pw.cls != "Sequential" and _keeps_shape(m, origin):
        steps.append({"add": ["@", "input"]})
    return steps


def _hgnet_block(m: Module, origin: str) -> list:
    """timm HGNet's HighPerfGpuBlock: ``cat([x, l0(x), l1(l0(x)), …])`` → aggregation; the input added (residual,
    not printed: every block of a stage but the first) where the shape allows."""
    layers = _members(m, "layers")
    if not layers or not m.present("aggregation"):
        raise _Unplaceable(m, "HighPerfGpuBlock without printed layers and aggregation")
    steps: list = [*layers, {"cat": ["input", *(k.replace(".", "_") for k in layers)], "name": "concat"},
                   "aggregation"]
    if _keeps_shape(m, origin):
        steps += ["drop_path?", {"add": ["@", "input"]}]
    return steps


def _cspnext_block(m: Module, origin: str) -> list:
    """timm CSPNeXt's CspNextBlock: ``conv2(conv1(x))``, plus the input (add_identity, not printed) where the shape
    allows, except in the last stage (its CspNextLayer follows an SPPBottleneck)."""
    steps: list = ["conv1", "conv2"]
    layer = m.parent.parent if m.parent is not None else None
    stage = layer.parent if layer is not None else None
    last = (stage is not None and layer in stage.children
            and any(c.cls == "SPPBottleneck" for c in stage.children[:stage.children.index(layer)]))
    if not last and _keeps_shape(m, origin):
        steps += ["drop_path?", {"add": ["@", "input"]}]
    return steps


def _spp_bottleneck(m: Module, origin: str) -> list:
    """timm's SPPBottleneck: ``conv2(cat([x, pool_i(x) …]))`` with ``x = conv1(input)``."""
    pools = _members(m, "poolings")
    if not pools:
        raise _Unplaceable(m, "SPPBottleneck without printed poolings")
    return ["conv1", {"set": "x"}, *({"call": p, "from": "x"} for p in pools),
            {"cat": ["x", *(p.replace(".", "_") for p in pools)], "name": "concat"}, "conv2"]


def _gated_conv_block(m: Module, origin: str) -> list:
    """timm MambaOut's GatedConvBlock (channels-last): ``fc1(norm(x))`` split into g, i, c (hidden, hidden − conv
    channels, conv channels: fc2 reads hidden, conv the conv channels); ``fc2(act(g) · cat(i, dwconv(c)))``, ls,
    plus the input."""
    hidden = resolve(m, "fc2.in_features", origin)
    conv = resolve(m, "conv.in_channels", origin)
    wide = resolve(m, "fc1.out_features", origin)
    if not all(isinstance(v, int) for v in (hidden, conv, wide)) or wide != 2 * hidden or not 0 < conv <= hidden:
        raise _Unplaceable(m, "GatedConvBlock: fc1, conv and fc2 do not fit timm's split")
    steps: list = ["norm", "fc1", {"op": {"type": "split", "split_size_or_sections": [hidden, hidden - conv, conv],
                                          "dim": -1, "name": "gic"}},
                   {"op": {"type": "permute", "dims": [0, 3, 1, 2], "from": "gic[2]", "name": "to_channels_first"}},
                   "conv", {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "to_channels_last"}}]
    steps.append({"cat": (["gic[1]"] if hidden > conv else []) + ["@"], "dim": -1, "name": "ic"})
    steps += [{"set": "ic"}, {"call": "act", "from": "gic[0]"}, {"mul": ["act", "ic"], "name": "gate"}, "fc2", "ls?",
              "drop_path?", {"add": ["@", "input"]}]
    return steps


def _inception_dw(m: Module, origin: str) -> list:
    """timm InceptionNeXt's InceptionDWConv2d: the channels split (in − 3·gc, gc, gc, gc); the first passed on, the
    others through dwconv_hw, dwconv_w, dwconv_h; concatenated. in_chs is the block's norm's."""
    gc = resolve(m, "dwconv_hw.in_channels", origin)
    dim = resolve(m, "^.norm.num_features|^.norm.normalized_shape.0", origin) if m.parent is not None else None
    if not isinstance(gc, int) or not isinstance(dim, int) or dim < 3 * gc:
        raise _Unplaceable(m, "InceptionDWConv2d: how many channels it passes on untouched is not printed")
    return [{"op": {"type": "split", "split_size_or_sections": [dim - 3 * gc, gc, gc, gc], "dim": 1,
                    "name": "x_split"}},
            {"call": "dwconv_hw", "from": "x_split[1]"}, {"call": "dwconv_w", "from": "x_split[2]"},
            {"call": "dwconv_h", "from": "x_split[3]"}, {"cat": ["x_split[0]", "dwconv_hw", "dwconv_w", "dwconv_h"]}]


PATTERNS.update({"lcnet_rep_dw": _lcnet_rep_dw, "hgnet_block": _hgnet_block, "cspnext_block": _cspnext_block,
                 "spp_bottleneck": _spp_bottleneck,
                 "gated_conv_block": _gated_conv_block, "inception_dw": _inception_dw})


def _shsa(m: Module, origin: str) -> list:
    """timm SHViT's single-head attention: the first pdim channels (its pre_norm's) normed and attended, q and k
    (qk_dim each) and v (pdim) split from qkv; the rest passed on; concatenated, then proj. dim is proj's."""
    pdim = resolve(m, "pre_norm.num_channels", origin)
    dim = resolve(m, "proj.1.c.in_channels", origin)
    qkv = resolve(m, "qkv.c.out_channels", origin)
    if not all(isinstance(v, int) for v in (pdim, dim, qkv)) or dim <= pdim or (qkv - pdim) % 2 or qkv <= pdim:
        raise _Unplaceable(m, "SHSA: how its channels split is not printed")
    qk = (qkv - pdim) // 2
    return [{"op": {"type": "split", "split_size_or_sections": [pdim, dim - pdim], "dim": 1, "name": "x_split"}},
            {"call": "pre_norm", "from": "x_split[0]"}, "qkv",
            {"op": {"type": "split", "split_size_or_sections": [qk, qk, pdim], "dim": 1, "name": "qkv_split"}},
            {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}},
            {"cat": ["attention", "x_split[1]"]}, "proj"]


PATTERNS["shsa"] = _shsa


def _lite_mla(m: Module, origin: str) -> list:
    """timm EfficientViT's (MIT) LiteMLA: qkv, each ``aggreg`` branch (a multi-scale aggregation) on qkv's output,
    all concatenated; every head's q, k and v are a third of those channels each (q and k through kernel_func);
    the linear attention (matmuls, not counted as MACs) gives v's shape; proj."""
    branches = _members(m, "aggreg")
    steps: list = ["qkv", {"set": "qkv"}]
    for i, key in enumerate(branches):
        steps.append({"call": key, "from": "qkv", "as": f"scale{i}"})
    if branches:
        steps.append({"cat": ["qkv", *(f"scale{i}" for i in range(len(branches)))], "name": "multi_scale_qkv"})
    return steps + [{"op": {"type": "chunk", "chunks": 3, "dim": 1, "name": "qkv_split"}},
                    {"call": "kernel_func", "from": "qkv_split[0]", "as": "q"},
                    {"call": "kernel_func", "from": "qkv_split[1]", "as": "k"}, {"uses": ["q", "k"]},
                    {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "proj"]


PATTERNS["lite_mla"] = _lite_mla


def _local_window_attention(m: Module, origin: str) -> list:
    """timm EfficientViT's (MSRA) LocalWindowAttention: the map padded to a multiple of the window (cut to the
    feature map where that is smaller), its attention run on the windows (its convs' MACs those of the padded map:
    1 × 1 convs, and a depthwise conv padded within each window), cropped back. The attention's biases (heads ×
    window²) and their index (window⁴, a buffer) are sized there; the heads are the members of attn.qkvs."""
    heads = len(_members(m.child("attn") or m, "qkvs"))
    window = {"assume": "window_size"}
    return [_to_last("x_last"), {"windows": "pad", "window": window, "timm": "offsets", "heads": heads},
            _to_first(), "attn", _to_last(), {"windows": "crop", "like": "x_last"}, _to_first()]


def _to_last(alias: str | None = None) -> dict:
    step: dict = {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "to_channels_last"}}
    return {**step, "as": alias} if alias else step


def _to_first() -> dict:
    return {"op": {"type": "permute", "dims": [0, 3, 1, 2], "name": "to_channels_first"}}


def _cascaded_group_attention(m: Module, origin: str) -> list:
    """timm EfficientViT's (MSRA) CascadedGroupAttention: the input's channels in one chunk per head; head i reads
    its chunk plus head i − 1's output, qkvs.i splits into q, k (key_dim each, dws.i's channels) and v (the rest);
    q through dws.i; the attention (not counted as MACs) gives v's shape; the heads' outputs concatenated, proj."""
    qkvs, dws = _members(m, "qkvs"), _members(m, "dws")
    key_dim = resolve(m, "dws.0.conv.in_channels", origin) if dws else None
    total = resolve(m, "qkvs.0.conv.out_channels", origin) if qkvs else None
    if not qkvs or len(dws) != len(qkvs) or not isinstance(key_dim, int) or not isinstance(total, int) \
            or total <= 2 * key_dim:
        raise _Unplaceable(m, "CascadedGroupAttention: how qkvs and dws split the heads is not printed")
    sections = [key_dim, key_dim, total - 2 * key_dim]
    steps: list = [{"op": {"type": "chunk", "chunks": len(qkvs), "dim": 1, "name": "feats_in"}}]
    for i, (qkv, dw) in enumerate(zip(qkvs, dws)):
        if i:
            steps.append({"add": ["feat", f"feats_in[{i}]"], "name": "cascade"})
        steps += [{"call": qkv, "from": "feats_in[0]" if i == 0 else "@"},
                  {"op": {"type": "split", "split_size_or_sections": sections, "dim": 1, "name": f"qkv{i}"},
                   "as": f"qkv{i}"},
                  {"call": dw, "from": f"qkv{i}[0]", "as": f"q{i}"}, {"uses": [f"q{i}"]},
                  {"op": {"type": "identity", "from": f"qkv{i}[2]", "name": "attention"}, "as": f"feat{i}"},
                  {"set": "feat"}]
    return steps + [{"cat": [f"feat{i}" for i in range(len(qkvs))]}, "proj"]


PATTERNS["local_window_attention"] = _local_window_attention
PATTERNS["cascaded_group_attention"] = _cascaded_group_attention


def _efficientformer_attention(m: Module, origin: str) -> list:
    """timm EfficientFormer's Attention: qkv gives q and k (2·key_dim per head) and v (val_dim per head, proj's
    in_features in all); the attention biases are sized by resolution², so it reads exactly that many tokens."""
    qkv, v = resolve(m, "qkv.out_features", origin), resolve(m, "proj.in_features", origin)
    if not isinstance(qkv, int) or not isinstance(v, int) or qkv <= v:
        raise _Unplaceable(m, "Attention: how its qkv splits is not printed")
    return [{"op": {"type": "identity", "name": "resolution"}, "tokens_square_of": "assume:resolution",
             "why": "its attention biases are sized for resolution² tokens"},
            "qkv", {"op": {"type": "split", "split_size_or_sections": [qkv - v, v], "dim": -1, "name": "qkv_split"}},
            {"op": {"type": "identity", "from": "qkv_split[1]", "name": "attention"}}, "proj"]


PATTERNS["efficientformer_attention"] = _efficientformer_attention


def _levit_attention(m: Module, origin: str) -> list:
    """timm LeViT's Attention (in a LevitBlock) and AttentionDownsample (in a LevitDownsample). The attention biases
    (heads × the grid's H·W parameters) and their index (buffers: H·W × the queries' positions) are sized by the
    resolution the model was built for, which is the grid it reads: held here, where the grid is known. heads is
    key_attn_dim // key_dim (key_dim is not printed: ``--assume key_dim=…``). Attention: qkv gives q and k
    (key_attn_dim each) and v (proj's input). AttentionDownsample: kv gives k (key_attn_dim, q's width) and v; q
    reads the grid subsampled by q.down (stride 2 where ``Downsample()`` prints none, as timm builds it); the output
    has q's positions and v's features (drawn as their means broadcast against each other). Linear models
    (LinearNorm) carry the tokens as H × W × C, conv models (ConvNorm) as C × H × W; q·kᵀ and the weighted sum of
    v are not counted as MACs."""
    conv = _condition(m, "class:proj.ln=ConvNorm", origin)
    fin, fout = ("in_channels", "out_channels") if conv else ("in_features", "out_features")
    val = resolve(m, f"proj.ln.linear.{fin}", origin)
    down = m.present("kv")
    wide = resolve(m, f"kv.linear.{fout}" if down else f"qkv.linear.{fout}", origin)
    key = resolve(m, f"q.ln.linear.{fout}", origin) if down else (
        (wide - val) // 2 if isinstance(wide, int) and isinstance(val, int) else None)
    if not all(isinstance(v, int) and v > 0 for v in (val, wide, key)) or wide != val + key * (1 if down else 2):
        raise _Unplaceable(m, f"{m.cls}: how its {'kv' if down else 'qkv'} splits is not printed")
    key_dim = assumed(m, "key_dim", origin)
    if not isinstance(key_dim, int) or key_dim < 1 or key % key_dim:
        raise _Unplaceable(m, f"{m.cls}: its heads are not known (--assume key_dim=…; {key} key features)")
    stride = 1
    if down:
        stride = resolve(m, "q.down.stride", origin) if conv else 2
        if isinstance(stride, list) and len(set(stride)) == 1:
            stride = stride[0]
        if not isinstance(stride, int) or stride < 1:
            raise _Unplaceable(m, f"{m.cls}: q's subsampling stride is not printed")
    dim, grid = (1, "first") if conv else (-1, "last")
    steps: list = [{"param": "attention_biases", "mode": "none", "heads": key // key_dim, "stride": stride,
                    "grid": grid}, {"set": "x"}]
    if not down:
        return steps + ["qkv", {"op": {"type": "split", "split_size_or_sections": [2 * key, val], "dim": dim,
                                       "name": "qkv_split"}},
                        {"op": {"type": "identity", "from": "qkv_split[1]", "name": "attention"}}, "proj"]
    return steps + ["kv", {"op": {"type": "split", "split_size_or_sections": [key, val], "dim": dim,
                                  "name": "kv_split"}},
                    {"call": "q", "from": "x"},
                    {"op": {"type": "mean", "dim": [dim], "keepdim": True, "name": "q_positions"}},
                    {"op": {"type": "mean", "from": "kv_split[1]", "dim": [2, 3] if conv else [1, 2], "keepdim": True,
                            "name": "v_features"}},
                    {"mul": ["q_positions", "v_features"], "name": "attention"}, "proj"]


PATTERNS["levit_attention"] = _levit_attention


def _pit(m: Module, origin: str) -> list:
    """timm's PoolingVisionTransformer: a feature map and its class tokens (one, two where head_dist is printed)
    carried through the stages of transformers side by side. patch_embed, the position embedding added to the map;
    each Transformer: pool.conv on the map and pool.fc on the class tokens (not in the first), the map's positions
    flattened after the class tokens, norm, blocks, then split again, the map put back on its grid
    (``transpose(1, 2).reshape(B, C, H, W)``). The last class tokens: norm, then the head on the first (the mean
    of head and head_dist on the first two)."""
    stages = [c for c in m.child("transformers").children if not c.none] if m.present("transformers") else []
    if not stages or not m.present("patch_embed") or any(not s.present("blocks") for s in stages) \
            or stages[0].present("pool") or not all(s.present("pool") for s in stages[1:]):
        raise _Unplaceable(m, f"{m.cls}: read with a ConvEmbedding and Transformers pooled after the first only")
    tokens = 2 if m.present("head_dist") else 1
    steps: list = [{"op": {"type": "identity", "name": "img_size"}, "size_of": "assume:img_size",
                    "why": "its position embedding is sized for img_size"},
                   "patch_embed", {"param": "pos_embed", "mode": "add"}, "pos_drop?", {"set": "map"}]
    for i, stage in enumerate(stages):
        t = f"transformers.{i}"
        if i:
            steps += [{"call": f"{t}.pool.conv", "from": "map"}, {"set": "map"},
                      {"call": f"{t}.pool.fc", "from": "cls"}, {"set": "cls"}]
        steps += [{"op": {"type": "flatten", "from": "map", "start_dim": 2, "name": f"flatten_{i}"}},
                  {"op": {"type": "transpose", "dim0": 1, "dim1": 2, "name": f"to_tokens_{i}"}}]
        if i:
            steps.append({"cat": ["cls", "@"], "dim": 1, "name": f"cat_{i}"})
        else:
            steps.append({"param": "cls_token", "mode": "cat", "tokens": tokens})
        steps += [f"{t}.norm?", f"{t}.blocks", {"set": "x"},
                  {"op": {"type": "split", "split_size_or_sections": tokens, "dim": 1, "name": f"split_{i}"}},
                  {"set": "cls", "to": f"split_{i}[0]"},
                  {"op": {"type": "pad", "from": "x", "pad": [0, 0, -tokens, 0], "name": f"patch_tokens_{i}"}},
                  {"op": {"type": "transpose", "dim0": 1, "dim1": 2, "name": f"to_channels_{i}"}},
                  {"reshape_as": "map", "name": f"to_map_{i}"}, {"set": "map"}]
    steps += [{"uses": ["map"]}, {"call": "norm", "from": "cls"},
              {"op": {"type": "split", "split_size_or_sections": 1, "dim": 1, "name": "class_tokens"}},
              {"op": {"type": "flatten", "from": "class_tokens[0]", "name": "class_output"}}, "head_drop?",
              {"call": "head", "as": "head_out"}]
    if tokens == 2:
        steps += [{"op": {"type": "flatten", "from": "class_tokens[1]", "name": "dist_output"}},
                  {"call": "head_drop", "optional": True}, {"call": "head_dist"},
                  {"add": ["head_out", "@"], "name": "average"}]
    return steps


PATTERNS["pit"] = _pit


def _convit(m: Module, origin: str) -> list:
    """timm's ConVit: patch_embed (tokens), the position embedding (use_pos_embed), then the blocks, the class token
    put before the tokens at the first block whose attention is not a GPSA (local_up_to_layer), norm, the pool
    (``global_pool``: the class token, or the mean of the patch tokens), the head."""
    blocks = [b for b in m.child("blocks").children if not b.none] if m.present("blocks") else []
    first = next((i for i, b in enumerate(blocks) if b.child("attn") is not None and b.child("attn").cls != "GPSA"),
                 None)
    if not blocks or first is None or any(b.child("attn") is None or b.child("attn").cls != "GPSA"
                                          for b in blocks[:first]):
        raise _Unplaceable(m, f"{m.cls}: read with its GPSA blocks first, then at least one other")
    steps: list = [{"op": {"type": "identity", "name": "img_size"}, "size_of": "assume:img_size",
                    "why": "its position embedding is sized for img_size"}, "patch_embed",
                   {"if": "assume:use_pos_embed", "then": [{"param": "pos_embed", "mode": "add"}]}, "pos_drop?"]
    for i, b in enumerate(blocks):
        if i == first:
            steps.append({"param": "cls_token", "mode": "cat", "tokens": 1})
        steps.append(f"blocks.{b.key}")
    return steps + ["norm", *TOKEN_POOL, "head_drop?", "head"]


PATTERNS["convit"] = _convit


def _crossvit_sizes(m: Module, branches: int, origin: str) -> list[int] | None:
    """timm CrossVit's ``img_size_scaled`` (``int(img_size · img_scale)`` for each branch; ``--assume
    img_size_scaled=240/224``: one whole number for every branch, or one for all), None while unstated. Read from the
    user's text here, not with :func:`assumed`: its values are per branch, not per stage."""
    given = (_root(m).assume or {}).get("img_size_scaled")
    if given is None:
        return None
    value = _assume_value("img_size_scaled", given, None, origin)
    sizes = value if isinstance(value, list) else [value] * branches
    if len(sizes) != branches:
        raise SpecError(f"--assume img_size_scaled={given}: {len(sizes)} values, but {m.cls} has {branches} "
                        "branches", hint="give one value for every branch, or one for all: img_size_scaled="
                        + "/".join(["N"] * branches))
    return sizes


def _crossvit(m: Module, origin: str) -> list:
    """timm's CrossVit, unrolled from the printed tree (its MultiScaleBlocks read and give one token tensor for each
    branch). Each branch: the image resized to its ``img_size_scaled`` (``scale_image``: bicubic, or a crop with
    crop_scale; the same shape), patch_embed, its class token put first, its position embedding added. Each
    MultiScaleBlock: every branch's blocks; projs on each branch's class token; for branch i, that token before the
    patch tokens of branch i + 1, fusion (cross attention: the class token attends to all), revert_projs on the
    class token it gives, put before branch i's own patch tokens. Then each branch's norm, its class token
    (``global_pool='avg'``: the mean of its patch tokens), head_drop, head; the heads' mean (their outputs concatenated
    where the heads are Identity)."""
    embeds, norms, heads = _members(m, "patch_embed"), _members(m, "norm"), _members(m, "head")
    blocks = _members(m, "blocks")
    n = len(embeds)
    if n != 2 or len(norms) != n or len(heads) != n or not blocks or any(
            len(_members(c, k)) != n for c in m.child("blocks").children if not c.none
            for k in ("blocks", "projs", "fusion", "revert_projs")):
        raise _Unplaceable(m, f"{m.cls}: read with two branches (patch_embed, norm, head) and MultiScaleBlocks "
                              "printing blocks, projs, fusion and revert_projs for both")
    sizes = _crossvit_sizes(m, n, origin)
    if sizes is None:
        raise _Unplaceable(m, f"{m.cls}: the image size each branch reads is not known (--assume img_size_scaled=…)")

    def op(type_: str, name: str, src: str | None = None, **args: Any) -> dict:
        return {"op": {"type": type_, "name": name, **({"from": src} if src else {}), **args}}

    steps: list = []
    for i, size in enumerate(sizes):
        steps += [op("interpolate", f"scale_image_{i}", "input", size=[size, size], mode="bicubic",
                     align_corners=False), {"call": f"patch_embed.{i}"},
                  {"param": f"cls_token_{i}", "mode": "cat", "tokens": 1}, {"param": f"pos_embed_{i}", "mode": "add"},
                  {"call": "pos_drop", "optional": True}, {"set": f"x{i}"}]
    for b in blocks:
        p = b.replace(".", "_")
        for i in range(n):
            steps += [{"call": f"{b}.blocks.{i}", "from": f"x{i}"}, {"set": f"{p}_out{i}"},
                      op("split", f"{p}_cls{i}", split_size_or_sections=1, dim=1),
                      op("pad", f"{p}_patches{i}", f"{p}_out{i}", pad=[0, 0, -1, 0])]
        for i in range(n):
            steps += [{"call": f"{b}.projs.{i}", "from": f"{p}_cls{i}[0]"}, {"set": f"{p}_proj{i}"}]
        for i in range(n):
            steps += [{"cat": [f"{p}_proj{i}", f"{p}_patches{(i + 1) % n}"], "dim": 1, "name": f"{p}_fusion_in{i}"},
                      {"call": f"{b}.fusion.{i}"}, op("split", f"{p}_fused{i}", split_size_or_sections=1, dim=1),
                      {"call": f"{b}.revert_projs.{i}", "from": f"{p}_fused{i}[0]"},
                      {"cat": ["@", f"{p}_patches{i}"], "dim": 1, "name": f"{p}_branch{i}"}, {"set": f"x{i}"}]
    identity = all(c.cls == "Identity" for c in m.child("head").children if not c.none)
    for i in range(n):
        steps += [{"call": f"norm.{i}", "from": f"x{i}"}, {"set": f"xn{i}"},
                  {"if": "assume:global_pool=token", "then": [
                      op("split", f"class_token_{i}", split_size_or_sections=1, dim=1),
                      op("flatten", f"class_output_{i}", f"class_token_{i}[0]")]},
                  {"if": "assume:global_pool=avg", "then": [
                      op("pad", f"patch_tokens_{i}", f"xn{i}", pad=[0, 0, -1, 0]), op("mean", f"pool_{i}", dim=[1])]},
                  {"call": "head_drop", "optional": True}]
        steps += [{"set": f"pooled{i}"}] if identity else [{"call": f"head.{i}"}, {"set": f"logits{i}"}]
    if identity:
        return steps + [{"cat": [f"pooled{i}" for i in range(n)], "dim": 1, "name": "features"}]
    return steps + [{"add": [f"logits{i}" for i in range(n)], "name": "mean_of_heads"}]


PATTERNS["crossvit"] = _crossvit


def _tnt(m: Module, origin: str) -> list:
    """timm's TNT (Transformer in Transformer), unrolled from the printed tree (its Blocks read and give two tensors).
    The pixel embedding: the image cut into patches (``nn.Unfold``: a reshape), each patch a sample of its own (torch's
    batch is B·N; here N x …): proj on each (a folded conv; legacy: proj on the image first, then cut into the
    smaller patches), pixel_pos added, the pixels as tokens (N x pixels x inner_dim). The patch tokens: each patch's
    pixels flattened, norm1_proj, proj, norm2_proj, the class token put first, patch_pos added. Each Block: the inner
    attention and mlp on the pixel tokens; the pixels flattened (legacy: norm1_proj before), projected and added to
    the patch tokens (not the class token); the outer attention and mlp on the patch tokens. Then norm, the pool
    (``global_pool``), head. The model reads img_size × img_size only (PixelEmbed asserts it)."""
    pe = m.child("pixel_embed")
    blocks = _members(m, "blocks")
    if pe is None or not pe.present("proj") or not pe.present("unfold") or not blocks or not all(
            m.present(k) for k in ("norm1_proj", "proj", "norm2_proj", "norm")):
        raise _Unplaceable(m, f"{m.cls}: read with pixel_embed (proj, unfold), norm1_proj, proj, norm2_proj, blocks "
                              "and norm only")
    legacy = not m.child("blocks").children[0].present("norm2_proj")
    unfold = pe.child("unfold").values(origin)
    kernel, stride = unfold.get("kernel_size", unfold.get(0)), unfold.get("stride", 1)
    kernel = kernel if isinstance(kernel, list) else [kernel, kernel]
    stride = stride if isinstance(stride, list) else [stride, stride]
    if not all(isinstance(k, int) for k in kernel) or kernel != stride or any(
            unfold.get(k, d) not in (d, [d, d]) for k, d in (("padding", 0), ("dilation", 1))):
        raise _Unplaceable(m, f"{m.cls}: its Unfold cuts patches with kernel_size = stride, no padding only")

    def op(type_: str, name: str, src: str | None = None, **args: Any) -> dict:
        return {"op": {"type": type_, "name": name, **({"from": src} if src else {}), **args}}

    cut = [op("unflatten", "unfold_w", dim=3, unflattened_size=[-1, kernel[1]]),
           op("unflatten", "unfold_h", dim=2, unflattened_size=[-1, kernel[0]]),
           op("permute", "unfold_patches", dims=[0, 2, 4, 1, 3, 5]), op("flatten", "unfold", start_dim=1, end_dim=2)]
    steps: list = [{"op": {"type": "identity", "name": "img_size"}, "size_of": "assume:img_size",
                    "why": "its position embedding is sized for img_size"}]
    if legacy:
        steps += [{"call": "pixel_embed.proj"}, *cut]
    else:
        steps += [*cut, {"call": "pixel_embed.proj", "folded": True}]
    steps += [{"param": "pixel_pos", "mode": "add"}, op("flatten", "pixels", start_dim=3),
              op("transpose", "pixel_tokens", dim0=2, dim1=3), {"set": "pixel"},
              op("flatten", "patch_pixels", start_dim=2), "norm1_proj", "proj", "norm2_proj",
              {"param": "cls_token", "mode": "cat", "tokens": 1}, {"param": "patch_pos", "mode": "add"}, "pos_drop?",
              {"set": "patch"}]
    for b in blocks:
        p = b.replace(".", "_")
        steps += [{"call": f"{b}.norm_in", "from": "pixel"}, {"call": f"{b}.attn_in"},
                  {"call": f"{b}.drop_path", "optional": True}, {"add": ["pixel", "@"], "name": f"{p}_pixel_attn"},
                  {"set": "pixel"}, {"call": f"{b}.norm_mlp_in"}, {"call": f"{b}.mlp_in"},
                  {"call": f"{b}.drop_path", "optional": True}, {"add": ["pixel", "@"], "name": f"{p}_pixel_mlp"},
                  {"set": "pixel"}]
        if legacy:
            steps += [{"call": f"{b}.norm1_proj"}, op("flatten", f"{p}_flat", start_dim=2), {"call": f"{b}.proj"}]
        else:
            steps += [op("flatten", f"{p}_flat", start_dim=2), {"call": f"{b}.norm1_proj"}, {"call": f"{b}.proj"},
                      {"call": f"{b}.norm2_proj"}]
        steps += [{"set": f"{p}_projected"}, op("split", f"{p}_cls", "patch", split_size_or_sections=1, dim=1),
                  op("pad", f"{p}_patches", "patch", pad=[0, 0, -1, 0]),
                  {"add": ["@", f"{p}_projected"], "name": f"{p}_patch_sum"},
                  {"cat": [f"{p}_cls[0]", "@"], "dim": 1, "name": f"{p}_patch"}, {"set": "patch"},
                  {"call": f"{b}.norm_out"}, {"call": f"{b}.attn_out"}, {"call": f"{b}.drop_path", "optional": True},
                  {"add": ["patch", "@"], "name": f"{p}_patch_attn"}, {"set": "patch"},
                  {"call": f"{b}.norm_mlp"}, {"call": f"{b}.mlp"}, {"call": f"{b}.drop_path", "optional": True},
                  {"add": ["patch", "@"], "name": f"{p}_patch_mlp"}, {"set": "patch"}]
    return steps + [{"uses": ["pixel"]}, "norm", *TOKEN_POOL, "head_drop?", "head"]


PATTERNS["tnt"] = _tnt


def _split_transpose(m: Module, origin: str) -> list:
    """timm EdgeNeXt's SplitTransposeBlock: the input chunked into len(convs) + 1 channel groups, group i (plus the
    previous conv's result, after the first) through convs.i, the last group passed on, concatenated; then on the
    channels-last map the Fourier position encoding added where pos_embd is printed (computed from the grid alone:
    drawn as the grid's channel mean repeated for token_projection's input channels), ``x + γ_xca·xca(norm_xca(x))``,
    norm, mlp, γ, NCHW again, the input added."""
    convs = _members(m, "convs")
    if not convs or not all(m.present(k) for k in ("norm_xca", "xca", "norm", "mlp")):
        raise _Unplaceable(m, "SplitTransposeBlock without printed convs, norm_xca, xca, norm and mlp")
    n = len(convs)
    steps: list = [{"op": {"type": "chunk", "chunks": n + 1, "dim": 1, "name": "spx"}}]
    prev = "spx[0]"
    for i, key in enumerate(convs):
        if i > 0:
            steps.append({"add": [prev, f"spx[{i}]"], "name": f"sp{i}", "as": f"sp{i}"})
            prev = f"sp{i}"
        steps.append({"call": key, "from": prev})
        prev = key.replace(".", "_")
    steps += [{"cat": [k.replace(".", "_") for k in convs] + [f"spx[{n}]"], "name": "spo"}, {"set": "feat"},
              {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "to_nhwc"}}]
    if m.present("pos_embd"):
        hidden = resolve(m, "pos_embd.token_projection.in_channels", origin)
        if not isinstance(hidden, int) or not 0 < hidden <= 4096:
            raise _Unplaceable(m, f"{m.cls}: its position encoding's token_projection is not printed")
        steps += [{"set": "x_cl"}, {"op": {"type": "mean", "from": "feat", "dim": [1], "keepdim": True, "name": "grid"}},
                  {"set": "grid"}, {"cat": ["grid"] * hidden, "dim": 1, "name": "fourier_features"}, "pos_embd",
                  {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "pos_to_nhwc"}}, {"add": ["x_cl", "@"]}]
    return steps + [{"set": "x"}, "norm_xca", "xca", {"param": "gamma_xca", "mode": "mul"}, "drop_path?",
                    {"add": ["@", "x"]}, "norm", "mlp", {"param": "gamma", "mode": "mul"},
                    {"op": {"type": "permute", "dims": [0, 3, 1, 2], "name": "to_nchw"}}, "drop_path?",
                    {"add": ["@", "input"]}]


PATTERNS["split_transpose"] = _split_transpose


def _efficientformer_v2_attention(m: Module, origin: str) -> list:
    """timm EfficientFormerV2's Attention2d (on the map stride_conv gives where it is printed, upsampled back after)
    and Attention2dDownsample (q from LocalGlobalQuery: the map subsampled by 2). The attention biases (heads × the
    map's H·W parameters) and their index (buffers: H·W × the queries' positions) are sized by the resolution the
    model was built for, which is the map the attention reads: held here. heads: talking_head1's channels
    (Attention2d), ``--assume num_heads`` (Attention2dDownsample: timm's default 8). The heads × queries × keys
    attention map is drawn from q's and k's per-head means (talking_head1 and talking_head2, 1 × 1 convs over the
    heads, run on it: their MACs); the output is v_local's (attn @ v has its shape); q·kᵀ and attn @ v are not
    counted as MACs."""
    down = m.cls == "Attention2dDownsample"
    kh = resolve(m, "k.conv.out_channels", origin)
    heads = assumed(m, "num_heads", origin) if down else resolve(m, "talking_head1.in_channels", origin)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (kh, heads)) or kh % heads:
        raise _Unplaceable(m, f"{m.cls}: its heads are not known" + (" (--assume num_heads=…)" if down else ""))
    if not all(m.present(k) for k in ("q", "k", "v", "v_local", "proj")):
        raise _Unplaceable(m, f"{m.cls} without printed q, k, v, v_local and proj")
    steps: list = ["stride_conv?"] if not down else []
    steps += [{"param": "attention_biases", "mode": "none", "heads": heads, "stride": 2 if down else 1,
               "grid": "first"}, {"set": "x"}]
    for part, axis in (("q", (2, 3)), ("k", None)):
        steps += [{"call": part, "from": "x"}, {"op": {"type": "flatten", "start_dim": 2, "name": f"{part}_rows"}},
                  {"op": {"type": "unflatten", "dim": 1, "unflattened_size": [heads, -1], "name": f"{part}_heads"}},
                  {"op": {"type": "mean", "dim": [2], "keepdim": True, "name": f"{part}_per_head"}}]
        if axis:
            steps.append({"op": {"type": "transpose", "dim0": axis[0], "dim1": axis[1], "name": f"{part}_axis"}})
        steps.append({"set": f"{part}_map"})
    steps.append({"mul": ["q_map", "k_map"], "name": "attn_map"})
    if not down:
        steps += ["talking_head1", "talking_head2"]
    return steps + [{"set": "attn"}, {"uses": ["attn"]}, {"call": "v", "from": "x"}, "v_local", "upsample?", "act",
                    "proj"]


PATTERNS["efficientformer_v2_attention"] = _efficientformer_v2_attention


def _mnv5_starts_strided(m: Module, stage: Module, origin: str) -> bool:
    """Whether a stage of timm's EfficientNetBuilder starts with a strided block (a new feature level)."""
    first = stage.children[0] if stage.cls in V.CONTAINERS and stage.children else stage
    if first.cls == "MobileAttention":  # its stride is not printed (its convs' strides are the key/value's)
        raise _Unplaceable(m, "a stage starts with a MobileAttention, whose stride is not printed: its feature "
                              "levels (msfa_indices) are not known")
    for conv in _convs(first):
        for leaf in (conv.children if conv.cls == "MixedConv2d" else [conv]):
            s = argument(leaf, "stride", origin)
            if s is not None and any(v != 1 for v in (s if isinstance(s, list) else [s])):
                return True
    return False


def _mobilenetv5(m: Module, origin: str) -> list:
    """timm's MobileNetV5: the stem, then the stages one by one; its multi-scale fusion adapter (msfa) reads the
    feature levels ``msfa_indices`` names (timm's feature_info: the stem's output where the first stage downsamples,
    and each stage's output where the next downsamples, and the last's), each resized (F.interpolate) to the first's
    size and concatenated; then the pool, an optional head conv and the classifier."""
    stages = _members(m, "blocks")
    steps: list = ["conv_stem", {"set": "feat0"}]
    for i, key in enumerate(stages):
        steps += [{"call": key}, {"set": f"feat{i + 1}"}]
    if m.present("msfa"):
        levels: list[tuple[str, Any]] = []
        holder = m.child("blocks")
        if stages and _mnv5_starts_strided(m, holder.children[0], origin):
            levels.append(("feat0", _last_out(m.child("conv_stem"), origin)))
        for i, stage in enumerate(holder.children):
            if i + 1 == len(holder.children) or _mnv5_starts_strided(m, holder.children[i + 1], origin):
                levels.append((f"feat{i + 1}", _last_out(stage, origin)))
        text = str(assumed(m, "msfa_indices", origin))
        try:
            indices = [int(v) for v in text.split("/")]
        except ValueError:
            raise SpecError(f"--assume msfa_indices={text}: expected whole numbers separated by / (e.g. -2/-1)")
        if not indices or any(not -len(levels) <= i < len(levels) for i in indices):
            raise _Unplaceable(m, f"msfa_indices={text}: MobileNetV5 has {len(levels)} feature levels")
        chosen = [levels[i] for i in indices]
        conv = next(_convs(m.child("msfa")), None)
        wanted = _channels(conv, "in_channels", origin) if conv is not None else None
        if None in (c for _, c in chosen) or sum(c for _, c in chosen) != wanted:
            raise _Unplaceable(m, f"the feature levels msfa_indices={text} give "
                                  f"{'+'.join(str(c) for _, c in chosen)} channels, but msfa reads {wanted}: "
                                  "state the model's own with --assume msfa_indices=…")
        first, *rest = [name for name, _ in chosen]
        names = [first]
        for k, name in enumerate(rest, 1):
            steps.append({"op": {"type": "interpolate", "from": [name, first], "name": "msfa_resize"},
                          "as": f"resized{k}"})
            names.append(f"resized{k}")
        steps += [{"cat": names, "name": "msfa_cat"}, "msfa"]
    return steps + ["global_pool", "conv_head?", "norm_head?", "flatten?", "classifier"]


PATTERNS["mobilenetv5"] = _mobilenetv5


def _inline_cell(cell: Module, steps: list, tensors: dict[str, str], origin: str) -> list:
    """A two-input cell's ``cell_forward`` (see the vocabulary) as steps of its parent: its children called by their
    dotted keys, ``x`` and ``x_prev`` the parent's tensors, its own names kept apart (``cell_3/c0``), its merges
    named after it (``cell_3_comb_iter_0``), its conditions read on the cell."""
    p = cell.key

    def ref(r: str) -> str:
        return r if r == "@" else tensors.get(r, f"{p}/{r}")

    out: list = []
    for s in steps:
        if isinstance(s, str):
            out.append({"call": f"{p}.{s.rstrip('?')}", "optional": s.endswith("?")})
        elif "call" in s:
            out.append({"call": f"{p}.{s['call']}", "from": ref(s["from"]) if "from" in s else None,
                        "as": ref(s["as"]) if "as" in s else None, "optional": s.get("optional", False)})
        elif any(k in s for k in ("add", "cat")):
            kind = "add" if "add" in s else "cat"
            item = {kind: [ref(r) for r in s[kind]], "name": f"{p}_{s.get('name', kind)}"}
            out.append({**item, "as": ref(s["as"])} if "as" in s else item)
        elif "set" in s:
            out.append({"set": ref(s["set"]), "to": ref(s.get("to", "@"))})
        elif "if" in s:
            out += _inline_cell(cell, s["then"] if _condition(cell, s["if"], origin) else s.get("else", []), tensors,
                                origin)
        else:
            raise AssertionError(s)  # pragma: no cover - the vocabulary's cells use only these
    return out


def _cells(m: Module, origin: str) -> list:
    """timm's NASNet-A and PNASNet: the children in order; a cell (an entry with ``cell_forward``) reads the latest
    tensor ``x`` and the one before ``x_prev``, and is inlined; after it ``x`` is its output and ``x_prev`` its
    ``x`` (or, ``next_prev``, the ``x_prev`` it read: NASNet's reduction cells pass theirs on)."""
    steps: list = []
    x: str | None = None
    prev: str | None = None
    for c in m.children:
        if c.none:
            continue
        spec = entry(c) or {}
        if "cell_forward" not in spec:
            steps.append({"call": c.key, "as": f"{c.key}/out"})
            x = f"{c.key}/out"
            continue
        inputs = spec.get("cell_inputs", ("x", "x_prev"))
        if x is None or ("x_prev" in inputs and prev is None):
            raise _Unplaceable(m, f"{c.key} ({c.cls}) reads {' and '.join(inputs)}, which no module before it gives")
        tensors = {"x": x, "x_prev": prev} if prev is not None else {"x": x}
        steps += _inline_cell(c, spec["cell_forward"], tensors, origin)
        steps.append({"set": f"{c.key}/out"})
        x, prev = f"{c.key}/out", tensors.get(spec.get("next_prev", "x"), x)
    return steps


PATTERNS["cells"] = _cells


def _focal_modulation(m: Module, origin: str) -> list:
    """timm FocalNet's FocalModulation: f's output split into q, ctx (dim each) and focal_level + 1 gates; ctx
    through each focal layer in turn, each result weighed by its gate and summed; the last one's mean over H × W
    through act, weighed by the last gate, added; ``q · h(ctx_all)``, norm, proj."""
    levels = _members(m, "focal_layers")
    dim = resolve(m, "h.in_channels", origin)
    wide = resolve(m, "f.out_channels", origin)
    if not levels or not isinstance(dim, int) or not isinstance(wide, int) or wide != 2 * dim + len(levels) + 1:
        raise _Unplaceable(m, "FocalModulation: f, h and focal_layers do not fit timm's split")
    steps: list = ["f", {"op": {"type": "split", "split_size_or_sections": [dim, dim, len(levels) + 1], "dim": 1,
                                "name": "q_ctx_gates"}},
                   {"op": {"type": "split", "from": "q_ctx_gates[2]", "split_size_or_sections": 1, "dim": 1,
                           "name": "gates"}},
                   {"set": "ctx", "to": "q_ctx_gates[1]"}]
    for i, level in enumerate(levels):
        steps += [{"call": level, "from": "ctx"}, {"set": "ctx"}, {"mul": ["ctx", f"gates[{i}]"], "name": "gated"}]
        steps.append({"add": ["ctx_all", "@"], "name": "ctx_sum", "as": "ctx_all"} if i else {"set": "ctx_all"})
    return steps + [{"op": {"type": "mean", "from": "ctx", "dim": [2, 3], "keepdim": True, "name": "ctx_global"}},
                    "act", {"mul": ["@", f"gates[{len(levels)}]"], "name": "gated"},
                    {"add": ["ctx_all", "@"], "name": "ctx_sum"}, "h", {"mul": ["q_ctx_gates[0]", "@"],
                                                                         "name": "modulated"},
                    "norm?", "proj", "proj_drop?"]


PATTERNS["focal_modulation"] = _focal_modulation


def _davit_pad(m: Module, origin: str) -> list:
    """timm DaViT's Stem (``conv``, ``norm``) and Downsample (``norm``, ``conv``): F.pad on the right and bottom up to
    a multiple of the conv's stride (Stem) or of its even kernel (Downsample; an odd kernel pads itself), drawn as
    Swin's window pad on the channels-last map."""
    conv = m.child("conv")
    size = argument(conv, "stride" if m.cls == "Stem" else "kernel_size", origin) if conv is not None else None
    sizes = set(size) if isinstance(size, list) else {size}
    if len(sizes) != 1 or not isinstance(next(iter(sizes)), int) or not m.present("norm"):
        raise _Unplaceable(m, f"{m.cls}: read with a square conv and a norm only")
    k = sizes.pop()
    pad: list = [] if m.cls != "Stem" and k % 2 else [
        {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "to_channels_last"}},
        {"windows": "pad", "window": k, "name": "pad"},
        {"op": {"type": "permute", "dims": [0, 3, 1, 2], "name": "to_channels_first"}}]
    return [*pad, "conv", "norm"] if m.cls == "Stem" else ["norm", *pad, "conv"]


PATTERNS["davit_pad"] = _davit_pad


def _volo(m: Module, origin: str) -> list:
    """timm's VOLO: patch_embed, then channels-last; network's members in order, the position embedding (the size of
    the map it meets) added before the third (after the outlookers and their downsample); the tokens flattened;
    with post_network the class token put first and the class-attention blocks; norm; the pool (``global_pool``:
    the class token, the mean over the tokens, or none); head; with aux_head (and a pool) its predictions for every
    token but the first, their max over the tokens added."""
    members = _members(m, "network")
    if len(members) < 3 or not m.present("patch_embed") or not m.present("norm") or not m.present("head"):
        raise _Unplaceable(m, f"{m.cls}: read with patch_embed, three or more network stages, norm and head only")
    pooled = "assume:global_pool=token|avg"
    return ["patch_embed", {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "to_channels_last"}},
            *members[:2], {"param": "pos_embed", "mode": "add"}, "pos_drop?", *members[2:],
            {"op": {"type": "flatten", "start_dim": 1, "end_dim": 2, "name": "tokens"}},
            *([{"param": "cls_token", "mode": "cat", "tokens": 1}, *_members(m, "post_network")]
              if m.present("post_network") else []),
            "norm", {"set": "x"},
            {"if": "assume:global_pool=token", "then": [
                {"op": {"type": "split", "split_size_or_sections": 1, "dim": 1, "name": "class_token"}},
                {"op": {"type": "flatten", "from": "class_token[0]", "name": "class_output"}}]},
            {"if": "assume:global_pool=avg", "then": [{"op": {"type": "mean", "dim": [1], "name": "pool"}}]},
            "head_drop?", "head",
            {"if": {"all": ["has:aux_head", pooled]}, "then": [
                {"set": "out"}, {"op": {"type": "pad", "from": "x", "pad": [0, 0, -1, 0], "name": "patch_tokens"}},
                "aux_head", {"op": {"type": "amax", "dim": [1], "name": "aux_max"}}, {"add": ["out", "@"]}]}]


PATTERNS["volo"] = _volo


def _coat(m: Module, origin: str) -> list:
    """timm's CoaT, unrolled from the printed tree (its blocks read the grid size forward() passes them). Each stage:
    patch_embed's conv (its channels-last map is the grid the image tokens are laid out on), the tokens, norm, the
    class token put first; each serial block: the shared position encoding cpe{i} (a depthwise conv on the image
    tokens' map, added), norm1, factorized attention (qkv; q times the shared crpe{i}'s depthwise convs on v's map,
    a zero row for the class token; proj), norm2, mlp. Parallel blocks (CoaT, not CoaT-Lite): cpe2..4, each scale's
    attention resampled (bilinear) to the other scales and summed, mlp2 (mlp3 and mlp4 are the same module). A shared
    module is run as printed at the model's top (cpe{i}, crpe{i}) or as the parallel block's mlp2: its parameters
    counted once, its MACs at every call. The head: norm, each scale's class token (``global_pool='avg'``: the mean
    of its image tokens), aggregate (a Conv1d over the three scales) where there are parallel blocks, head."""
    if not all(m.present(f"{k}{i}") for i in range(1, 5) for k in ("patch_embed", "serial_blocks", "cpe", "crpe")) \
            or not m.present("head"):
        raise _Unplaceable(m, f"{m.cls}: read with four stages (patch_embed, serial_blocks, cpe, crpe) and a head only")
    splits = {i: [argument(c, "in_channels", origin) for c in m.child(f"crpe{i}").child("conv_list").children]
              for i in range(1, 5) if m.child(f"crpe{i}").present("conv_list")}
    if len(splits) != 4 or not all(v and all(isinstance(n, int) for n in v) for v in splits.values()):
        raise _Unplaceable(m, f"{m.cls}: its crpe convs are not printed")

    def op(type_: str, name: str, src: str | None = None, **args: Any) -> dict:
        return {"op": {"type": type_, "name": name, **({"from": src} if src else {}), **args}}

    def image_map(src: str, i: int, name: str) -> list:  # remove_cls, laid out on stage i's H × W grid
        return [op("pad", f"{name}_img", src, pad=[0, 0, -1, 0]), {"reshape_as": f"grid{i}", "name": f"{name}_map"}]

    def tokens(name: str) -> list:  # a channels-last map back to tokens, the class token put first
        return [op("flatten", f"{name}_flat", start_dim=1, end_dim=2),
                {"cat": [f"{name}_cls[0]", "@"], "dim": 1, "name": f"{name}_tokens"}]

    def cpe(i: int, src: str, p: str) -> list:
        return [op("split", f"{p}_cls", src, split_size_or_sections=1, dim=1), *image_map(src, i, p),
                op("permute", f"{p}_feat", dims=[0, 3, 1, 2]), {"call": f"cpe{i}.proj"},
                {"add": ["@", f"{p}_feat"], "name": f"{p}_pos"}, op("permute", f"{p}_nhwc", dims=[0, 2, 3, 1]),
                *tokens(p)]

    def attention(i: int, a: str, p: str) -> list:
        steps: list = [{"call": f"{a}.qkv"}, op("chunk", f"{p}_qkv", chunks=3, dim=-1),
                       *image_map(f"{p}_qkv[2]", i, f"{p}_v"), op("permute", f"{p}_v_nchw", dims=[0, 3, 1, 2]),
                       op("split", f"{p}_vs", split_size_or_sections=splits[i], dim=1)]
        for k in range(len(splits[i])):
            steps += [{"call": f"crpe{i}.conv_list.{k}", "from": f"{p}_vs[{k}]"}, {"set": f"{p}_cv{k}"}]
        return steps + [
            {"cat": [f"{p}_cv{k}" for k in range(len(splits[i]))], "dim": 1, "name": f"{p}_conv_v"},
            op("permute", f"{p}_conv_v_nhwc", dims=[0, 2, 3, 1]), op("flatten", f"{p}_conv_v_flat", start_dim=1,
                                                                       end_dim=2), {"set": "cv"},
            op("pad", f"{p}_q_img", f"{p}_qkv[0]", pad=[0, 0, -1, 0]), {"mul": ["@", "cv"], "name": f"{p}_ev"},
            op("pad", f"{p}_ev_pad", pad=[0, 0, 1, 0]), {"set": "ev"},
            op("identity", f"{p}_factor_att", f"{p}_qkv[2]"), {"add": ["@", "ev"], "name": f"{p}_sum"},
            {"call": f"{a}.proj"}]

    def resample(src: str, i: int, factor: float, name: str) -> list:
        return [op("split", f"{name}_cls", src, split_size_or_sections=1, dim=1), *image_map(src, i, name),
                op("permute", f"{name}_nchw", dims=[0, 3, 1, 2]),
                op("interpolate", f"{name}_resized", scale_factor=factor, mode="bilinear", align_corners=False),
                op("permute", f"{name}_nhwc", dims=[0, 2, 3, 1]), *tokens(name), {"set": name}]

    steps: list = []
    for i in range(1, 5):
        steps += [{"call": f"patch_embed{i}.proj", "from": "input" if i == 1 else f"s{i - 1}_out_nchw"},
                  op("permute", f"grid{i}", dims=[0, 2, 3, 1]), {"set": f"grid{i}"},
                  op("flatten", f"tokens{i}", start_dim=1, end_dim=2), {"call": f"patch_embed{i}.norm"},
                  {"param": f"cls_token{i}", "mode": "cat", "tokens": 1}]
        for b in _members(m, f"serial_blocks{i}"):
            p = b.replace(".", "_")
            steps += [{"set": "x"}, *cpe(i, "x", f"{p}_cpe"), {"set": "x"}, {"call": f"{b}.norm1"},
                      *attention(i, f"{b}.factoratt_crpe", f"{p}_attn"), {"add": ["x", "@"], "name": f"{p}_res1"},
                      {"set": "x"}, {"call": f"{b}.norm2"}, {"call": f"{b}.mlp"},
                      {"add": ["x", "@"], "name": f"{p}_res2"}]
        steps.append({"set": f"x{i}"})
        if i < 4:
            steps += [*image_map(f"x{i}", i, f"s{i}_out"), op("permute", f"s{i}_out_nchw", dims=[0, 3, 1, 2])]
    scales = (2, 3, 4)
    parallel = _members(m, "parallel_blocks")
    for b in parallel:
        p = b.replace(".", "_")
        for s in scales:
            steps += [*cpe(s, f"x{s}", f"{p}_cpe{s}"), {"set": f"x{s}"}]
        for s in scales:
            steps += [{"call": f"{b}.norm1{s}", "from": f"x{s}"}, *attention(s, f"{b}.factoratt_crpe{s}",
                                                                            f"{p}_attn{s}"), {"set": f"cur{s}"}]
        for src, i, factor, name in (("cur3", 3, 2.0, "up3_2"), ("cur4", 4, 2.0, "up4_3"), ("cur4", 4, 4.0, "up4_2"),
                                     ("cur2", 2, 0.5, "down2_3"), ("cur3", 3, 0.5, "down3_4"),
                                     ("cur2", 2, 0.25, "down2_4")):
            steps += resample(src, i, factor, f"{p}_{name}")
        for s, a, c in ((2, "up3_2", "up4_2"), (3, "up4_3", "down2_3"), (4, "down3_4", "down2_4")):
            steps += [{"add": [f"cur{s}", f"{p}_{a}", f"{p}_{c}"], "name": f"{p}_cur{s}"},
                      {"add": [f"x{s}", "@"], "name": f"{p}_res1_{s}", "as": f"x{s}"}]
        for s in scales:
            steps += [{"call": f"{b}.norm2{s}", "from": f"x{s}"}, {"call": f"{b}.mlp2"},
                      {"add": [f"x{s}", "@"], "name": f"{p}_res2_{s}", "as": f"x{s}"}]
    pooled = []
    for s in scales if parallel else (4,):
        steps += [{"call": f"norm{s}", "from": f"x{s}"}, {"set": "xn"},
                  {"if": "assume:global_pool=token", "then": [
                      op("split", f"head_cls{s}", split_size_or_sections=1, dim=1), {"set": f"pool{s}",
                                                                                    "to": f"head_cls{s}[0]"}]},
                  {"if": "assume:global_pool=avg", "then": [
                      op("pad", f"head_img{s}", "xn", pad=[0, 0, -1, 0]), op("mean", f"head_mean{s}", dim=[1],
                                                                               keepdim=True), {"set": f"pool{s}"}]}]
        pooled.append(f"pool{s}")
    if parallel:
        steps += [{"cat": pooled, "dim": 1, "name": "scales"}, "aggregate", op("squeeze", "squeeze", dim=1)]
    else:
        steps.append(op("flatten", "pooled", "pool4"))
    return steps + ["head_drop?", "head"]


PATTERNS["coat"] = _coat


# timm leaves (group "leaves"): BoTNet's and HaloNet's attention and their relative position embeddings (PosEmbedRel)
def _split_qkv(m: Module, origin: str) -> tuple[int, int, int]:
    """timm's BottleneckAttn/HaloAttn: (heads, dim_out_qk, dim_out_v). heads is not printed (``num_heads``);
    BottleneckAttn's qkv writes 2·qk + v channels, v what its block's post_attn normalises; HaloAttn's q writes
    qk, its kv qk + v."""
    heads = assumed(m, "num_heads", origin)
    if m.cls == "BottleneckAttn":
        qkv = resolve(m, "qkv.out_channels", origin)
        v = resolve(m.parent, "post_attn.num_features|conv3_1x1.conv.in_channels", origin) \
            if m.parent is not None else None
        qk = (qkv - v) // 2 if isinstance(qkv, int) and isinstance(v, int) and (qkv - v) % 2 == 0 else None
    else:
        qk = resolve(m, "q.out_channels", origin)
        kv = resolve(m, "kv.out_channels", origin)
        v = kv - qk if isinstance(qk, int) and isinstance(kv, int) else None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in (heads, qk, v)) or qk % heads \
            or v % heads:
        raise _Unplaceable(m, f"{m.cls}: how its projection splits into {heads} heads of q, k and v is not printed "
                              "(--assume num_heads=…)")
    return heads, qk, v


def _bottleneck_attn(m: Module, origin: str) -> list:
    """timm's BottleneckAttn (BoTNet): pos_embed (sized by the feature map: feat_size, which forward() asserts is
    the input's), qkv split into q, k and v; attention over every position (q·kᵀ, the relative logits and the
    weighted sum of v are not counted as MACs) gives v's shape; pool (stride 2)."""
    _, qk, v = _split_qkv(m, origin)
    return ["pos_embed", "qkv",
            {"op": {"type": "split", "split_size_or_sections": [qk, qk, v], "dim": 1, "name": "qkv_split"}},
            {"op": {"type": "identity", "from": "qkv_split[2]", "name": "attention"}}, "pool"]


def _halo_attn(m: Module, origin: str) -> list:
    """timm's HaloAttn: the map cut into block_size × block_size blocks (forward() asserts they divide it); q (its
    stride the block stride) on each block, k and v (kv) on each block with a halo of halo_size around it; the
    attention (not counted as MACs) gives v's channels at q's positions; pool (stride 2 with avg_down)."""
    _, qk, v = _split_qkv(m, origin)
    stride = resolve(m, "q.stride", origin)
    stride = stride[0] if isinstance(stride, list) else stride
    if not isinstance(stride, int) or stride < 1:
        raise _Unplaceable(m, "HaloAttn: q's stride is not printed")
    steps: list = [{"op": {"type": "identity", "name": "blocks"}, "multiple_of": "assume:block_size",
                    "why": "forward() cuts the map into block_size × block_size blocks"},
                   "pos_embed", {"set": "x"}, {"call": "q", "from": "x", "as": "q"}, {"uses": ["q"]},
                   {"call": "kv", "from": "x"},
                   {"op": {"type": "split", "split_size_or_sections": [qk, v], "dim": 1, "name": "kv_split"}},
                   {"op": {"type": "identity", "from": "kv_split[1]", "name": "attention"}}]
    if stride > 1:  # the values at the queries' (strided) positions
        steps.append({"op": {"type": "avgpool2d", "kernel_size": 1, "stride": stride, "name": "query_positions"}})
    return steps + ["pool"]


def _pos_embed_rel(m: Module, origin: str) -> list:
    """timm's PosEmbedRel (no printed argument): height_rel and width_rel, (2·n − 1) × dim_head each. In a
    BottleneckAttn n is the feature map's height and width (sized where the shapes are known); in a HaloAttn the
    window block_size + 2·halo_size."""
    p = m.parent
    if p is None or p.cls not in ("BottleneckAttn", "HaloAttn"):
        raise _Unplaceable(m, "PosEmbedRel outside timm's BottleneckAttn or HaloAttn")
    heads, qk, _ = _split_qkv(p, origin)
    if p.cls == "BottleneckAttn":
        return [{"param": "rel_embed", "mode": "none", "per": "axes", "width": qk // heads}]
    block, halo = assumed(p, "block_size", origin), assumed(p, "halo_size", origin)
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (block, halo)):
        raise _Unplaceable(m, "HaloAttn: its block and halo sizes are not known (--assume block_size=…,halo_size=…)")
    return [{"param": "rel_embed", "mode": "none", "params": 2 * (2 * (block + 2 * halo) - 1) * (qk // heads)}]


PATTERNS.update({"bottleneck_attn": _bottleneck_attn, "halo_attn": _halo_attn, "pos_embed_rel": _pos_embed_rel})


def _rel_pos_bias(m: Module, origin: str) -> list:
    """timm's RelPosBias (no printed argument): a (2·wh − 1)(2·ww − 1) × heads table and its (wh·ww)² index. Its
    window is not printed: MaxxViT's partition attention (AttentionCl) uses the partition size (``partition_size``,
    the model's img_size // 32 in timm); CoAtNet's Attention2d the whole feature map it reads (sized where the shapes
    are known). The heads are the attention's width over ``dim_head``."""
    p = m.parent
    if p is not None and p.cls == "WindowAttentionGlobal":  # timm GCViT's: its stage's window and heads
        w, heads = _gcvit_window_heads(p, origin)
        return [{"param": "relative_position_bias_table", "mode": "none", "params": (2 * w - 1) ** 2 * heads,
                 "buffers": w ** 4}]
    if p is None or p.cls not in ("AttentionCl", "Attention2d"):
        raise _Unplaceable(m, "RelPosBias outside timm MaxxVit's AttentionCl or Attention2d")
    width = resolve(p, "qkv.out_features|qkv.out_channels", origin)
    dim_head = assumed(p, "dim_head", origin)
    if not isinstance(width, int) or not isinstance(dim_head, int) or dim_head < 1 or width % (3 * dim_head):
        raise _Unplaceable(m, f"RelPosBias: {p.cls}'s heads are not known (--assume dim_head=…)")
    heads = width // 3 // dim_head
    if p.cls == "Attention2d":
        return [{"param": "relative_position_bias_table", "mode": "none", "per": "window_bias", "heads": heads}]
    block = p.parent.parent if p.parent is not None else None
    if block is None or p.parent.cls != "PartitionAttentionCl" or block.cls != "MaxxVitBlock":
        raise _Unplaceable(m, "RelPosBias: an AttentionCl outside timm MaxxVit's partition attention")
    w = assumed(block, "partition_size", origin)
    if not isinstance(w, int) or w < 1:
        raise _Unplaceable(m, "RelPosBias: the partition size is not known (--assume partition_size=…)")
    return [{"param": "relative_position_bias_table", "mode": "none", "params": (2 * w - 1) ** 2 * heads,
             "buffers": w ** 4}]


PATTERNS["rel_pos_bias"] = _rel_pos_bias


def _gcvit_window_heads(attn: Module, origin: str) -> tuple[int, int]:
    """timm GCViT's WindowAttentionGlobal: its stage's window (square, as timm builds it: img_size // window_ratio)
    and heads, neither printed (``--assume window_size=…,num_heads=…``, one per stage); the heads divide its width."""
    w = assumed(attn, "window_size", origin)
    heads = assumed(attn, "num_heads", origin)
    dim = resolve(attn, "proj.in_features", origin)
    if not isinstance(w, int) or isinstance(w, bool) or w < 1:
        raise _Unplaceable(attn, f"{attn.cls}: its window size is not known (--assume window_size=…)")
    if not isinstance(heads, int) or isinstance(heads, bool) or heads < 1 or not isinstance(dim, int) or dim % heads:
        raise _Unplaceable(attn, f"{attn.cls}: its heads are not known (--assume num_heads=…)")
    return w, heads


def _gcvit_attention(m: Module, origin: str) -> list:
    """timm GCViT's WindowAttentionGlobal on the block's channels-last map: cut into window_size × window_size
    windows (forward() needs them to divide it; the partition and its reverse only regroup the tokens); qkv on every
    token: k and v (dim × 2: the queries are the stage's global query, the stage's ``gq``) or q, k and v (dim × 3);
    the attention (q·kᵀ and the weighted sum of v, not counted as MACs) gives v's shape; proj."""
    _gcvit_window_heads(m, origin)
    dim = resolve(m, "proj.in_features", origin)
    width = resolve(m, "qkv.out_features", origin)
    if not isinstance(width, int) or width not in (2 * dim, 3 * dim):
        raise _Unplaceable(m, f"{m.cls}: how its projection splits into q, k and v is not printed")
    chunks = width // dim
    return [{"op": {"type": "identity", "name": "windows"}, "multiple_of": "assume:window_size",
             "channels_last": True, "why": "forward() partitions the map into window_size × window_size windows"},
            "rel_pos", "qkv", {"op": {"type": "chunk", "chunks": chunks, "dim": -1, "name": "qkv_split"}},
            {"op": {"type": "identity", "from": f"qkv_split[{chunks - 1}]", "name": "attention"}}, "attn_drop?",
            "proj", "proj_drop?"]


def _gcvit_stage(m: Module, origin: str) -> list:
    """timm GCViT's GlobalContextVitStage: downsample (NCHW); the global query from global_block (MBConvs and
    pools), channels-last, global_norm; every block reads it (the global attentions, whose qkv gives k and v only,
    take their queries from it: it must have window_size² positions); the blocks on the channels-last map, norm,
    back to NCHW."""
    blocks = m.child("blocks")
    attns = [b.child("attn") for b in (blocks.children if blocks is not None else ())]
    attns = [a for a in attns if a is not None and a.cls == "WindowAttentionGlobal"]
    steps: list = ["downsample?", {"set": "x"}, {"call": "global_block", "from": "x"},
                   {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "global_to_channels_last"}},
                   "global_norm?", {"set": "gq"}]
    for a in attns:
        if resolve(a, "qkv.out_features", origin) == 2 * resolve(a, "proj.in_features", origin):
            w, _ = _gcvit_window_heads(a, origin)
            steps += [{"op": {"type": "reshape", "shape": [-1, resolve(a, "proj.in_features", origin)],
                              "name": "global_query"}},
                      {"op": {"type": "identity", "name": "global_query_tokens"}, "tokens_square_of": w,
                       "why": "forward() reshapes the global query into window_size² queries"}, {"set": "gq"}]
            break
    return [*steps, {"uses": ["gq"]}, {"set": "@", "to": "x"},
            {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "to_channels_last"}}, "blocks", "norm?",
            {"op": {"type": "permute", "dims": [0, 3, 1, 2], "name": "to_channels_first"}}]


PATTERNS.update({"gcvit_attention": _gcvit_attention, "gcvit_stage": _gcvit_stage})


def _assumed_numbers(m: Module, key: str, origin: str) -> list[int]:
    """An ``assume`` value that is a list of whole numbers separated by ``/`` (``8/4/14/7``; empty: none)."""
    text = str(assumed(m, key, origin) or "").replace(",", "/").strip()
    parts = [p.strip() for p in text.split("/")] if text else []
    if not all(p.isdigit() and len(p) < 7 for p in parts):
        raise SpecError(f"--assume {key}={text}: expected a whole number, or one per stage separated by / "
                        "(e.g. 3/6/12/24)")
    return [int(p) for p in parts]


def _hieradet(m: Module, origin: str) -> list:
    """timm's HieraDet (SAM2's Hiera): HieraPatchEmbed (its conv, then channels-last), the position embedding
    (pos_embed, C × global_pos_size², interpolated to the map, plus pos_embed_window, C × w², w = window_spec[0],
    tiled over it: the map must be a multiple of w), the blocks, the head."""
    pe = m.child("patch_embed")
    width = resolve(m, "patch_embed.proj.out_channels", origin)
    if pe is None or pe.cls != "HieraPatchEmbed" or not isinstance(width, int) or not m.present("blocks"):
        raise _Unplaceable(m, f"{m.cls}: read with timm's HieraPatchEmbed and its blocks only")
    spec, grid = _assumed_numbers(m, "window_spec", origin), assumed(m, "global_pos_size", origin)
    if not spec or not spec[0] or not isinstance(grid, int) or grid < 1:
        raise _Unplaceable(m, f"{m.cls}: window_spec is not known (--assume window_spec=…)")
    return ["patch_embed",
            {"op": {"type": "identity", "name": "pos_embed_window_tiles"}, "multiple_of": spec[0],
             "channels_last": True, "why": "its pos_embed_window (window_spec[0]) is tiled over the feature map"},
            {"param": "pos_embed", "mode": "add"}, {"param": "pos_embed_window", "mode": "add"},
            "blocks", "head?"]


def _hieradet_block(m: Module, origin: str) -> list:
    """timm HieraDet's MultiScaleBlock on the channels-last map. Its window is not printed: timm gives block i
    window_spec[s], s the stage of block i − 1 (a stage's first block keeps the window of the stage before), or 0
    (global attention) where i is in global_att_blocks; the stages are read from the blocks that widen (dim ≠ dim_out,
    timm's dim_mul=2) unless ``stages`` is assumed. A windowed block pads the normed map to a multiple of the window
    (qkv runs on the padded tokens; q and the shortcut are max-pooled by the printed pool where it widens, so proj
    runs on the pooled padded windows), puts the windows back on the padded shortcut's map (window // stride: a view,
    as many elements) and crops to the shortcut."""
    root, blocks = _root(m), m.parent
    if entry(root) is None or "window_spec" not in (entry(root) or {}).get("assume", {}) or blocks is None \
            or not m.key.isdigit():
        raise _Unplaceable(m, f"{m.cls}: read as a block of timm's HieraDet only")
    i = _block_index(m, m)  # timm gives the block its window by this index
    widens = [b.child("proj") is not None and b.child("proj").cls == "Linear" for b in blocks.children]
    stages = _assumed_numbers(root, "stages", origin)
    if stages:
        ends = [sum(stages[:k + 1]) - 1 for k in range(len(stages))]
        stage = sum(1 for j in range(1, i) if j - 1 in ends)
    else:
        stage = sum(widens[1:i])
    spec = _assumed_numbers(root, "window_spec", origin)
    if stage >= len(spec):
        raise _Unplaceable(m, f"{m.cls}: window_spec is not known (--assume window_spec=…)")
    window = 0 if i in _assumed_numbers(root, "global_att_blocks", origin) else spec[stage]
    pool = m.child("pool")
    if pool is not None and not widens[i]:
        raise _Unplaceable(m, f"{m.cls}: read with its pool where the block widens only")
    stride = 1
    if pool is not None:
        k, s = argument(pool, "kernel_size", origin), argument(pool, "stride", origin)
        sizes = {*(k if isinstance(k, list) else [k]), *(s if isinstance(s, list) else [s])}
        if len(sizes) != 1 or not isinstance(next(iter(sizes)), int):
            raise _Unplaceable(m, f"{m.cls}: read with a square pool whose stride is its kernel only")
        stride = sizes.pop()
    if pool is not None and not window:  # timm's forward divides by the window // q_stride: 0
        raise _Unplaceable(m, f"{m.cls}: a block with global attention (window 0) that pools: timm's forward fails "
                              "on it (a window of 0)")
    if window and window % stride:
        raise _Unplaceable(m, f"{m.cls}: read with a window that divides by the pool's stride only")
    steps: list = ["norm1", {"set": "xn"}]
    if widens[i]:
        steps += [{"call": "proj", "from": "xn"}]
        if pool is not None:
            steps += [{"op": {"type": "permute", "dims": [0, 3, 1, 2], "name": "shortcut_to_nchw"}}, "pool",
                      {"op": {"type": "permute", "dims": [0, 2, 3, 1], "name": "shortcut_to_nhwc"}}]
        steps.append({"set": "sc"})
    else:
        steps.append({"set": "sc", "to": "input"})
    if window:
        steps += [{"windows": "pad", "window": window, "from": "xn", "name": "window_pad"}, "attn", {"set": "y"},
                  {"windows": "pad", "window": window // stride, "from": "sc", "name": "window_grid"},
                  {"set": "@", "to": "y"}, {"reshape_as": "window_grid", "name": "window_unpartition"},
                  {"windows": "crop", "like": "sc", "name": "window_crop"}]
    else:
        steps.append({"call": "attn", "from": "xn"})
    return steps + ["ls1?", "drop_path1?", {"add": ["@", "sc"], "as": "x"}, {"call": "norm2", "from": "x"}, "mlp",
                    "ls2?", "drop_path2?", {"add": ["@", "x"]}]


PATTERNS.update({"hieradet": _hieradet, "hieradet_block": _hieradet_block})


def _efficientvim_block(m: Module, b: str, origin: str) -> list:
    """One EfficientViMBlock (``b``, a dotted key under the model), unrolled: each branch added to its input (the
    gates alpha scale the branch's change: the same shapes); HSM-SSD on the normed map: x as C x N tokens, BCdt_proj
    (a Conv1d), back on the map, dw, split into B, C, dt (state_dim each), a = softmax(dt + A), h = x·(a·B)ᵀ
    (C x state_dim), hz_proj on h's state_dim columns, h·silu(z) + h·D, out_proj, y = h·C on the map. The matmuls
    are not counted as MACs and are drawn by broadcasting (a mean over the summed dim, then a product of the two)."""
    block = _node(m, b)
    mixer = block.child("mixer") if block is not None else None
    if block is None or mixer is None or not all(block.present(k) for k in ("dwconv1", "norm", "dwconv2", "ffn")) \
            or not all(mixer.present(k) for k in ("BCdt_proj", "dw", "hz_proj", "out_proj", "act")):
        raise _Unplaceable(m, f"{m.cls}: read with blocks of dwconv1, norm, mixer (BCdt_proj, dw, hz_proj, out_proj, "
                              "act), dwconv2 and ffn only")
    three_s, inner = resolve(mixer, "BCdt_proj.conv.out_channels", origin), resolve(mixer, "out_proj.conv.in_channels",
                                                                                   origin)
    if not isinstance(three_s, int) or three_s % 3 or not isinstance(inner, int):
        raise _Unplaceable(m, f"{m.cls}: read with blocks of dwconv1, norm, mixer (BCdt_proj, dw, hz_proj, out_proj, "
                              "act), dwconv2 and ffn only")
    s, p, mx = three_s // 3, b.replace(".", "_"), f"{b}.mixer"

    def op(type_: str, name: str, src: str | None = None, **args: Any) -> dict:
        return {"op": {"type": type_, "name": f"{p}_{name}", **({"from": src} if src else {}), **args}}

    def params(node: Module, name: str) -> int:
        hidden = next(h for h in (entry(node) or {}).get("hidden", ()) if h["name"] == name)
        return _hidden_count(node, hidden, origin)[0]

    return [
        {"call": f"{b}.dwconv1", "from": "x"}, {"add": ["@", "x"], "name": f"{p}_dwconv1_res", "as": "x1"},
        {"call": f"{b}.norm", "from": "x1"}, {"set": "xn"}, op("flatten", "tokens", start_dim=2), {"set": "xf"},
        {"call": f"{mx}.BCdt_proj"}, {"reshape_as": "xn", "trailing": 2, "name": f"{p}_to_map"}, {"call": f"{mx}.dw"},
        op("flatten", "bcdt", start_dim=2), op("split", "b_c_dt", split_size_or_sections=[s, s, s], dim=1),
        op("identity", "dt", f"{p}_b_c_dt[2]"), {"param": f"{p}_mixer_A", "mode": "add", "params": params(mixer, "A")},
        op("softmax", "a", dim=-1), {"mul": ["@", f"{p}_b_c_dt[0]"], "name": f"{p}_ab"},
        op("mean", "ab_over_tokens", dim=[2], keepdim=True), op("transpose", "ab_row", dim0=1, dim1=2), {"set": "abt"},
        op("mean", "x_over_tokens", "xf", dim=[2], keepdim=True), {"mul": ["@", "abt"], "name": f"{p}_h"},
        {"call": f"{mx}.hz_proj"}, op("split", "h_z", split_size_or_sections=[inner, inner], dim=1),
        {"call": f"{mx}.act", "from": f"{p}_h_z[1]"}, {"mul": [f"{p}_h_z[0]", "@"], "name": f"{p}_h_gated", "as": "hg"},
        op("identity", "h_skip", f"{p}_h_z[0]"), {"param": f"{p}_mixer_D", "mode": "mul", "params": params(mixer, "D")},
        {"add": ["hg", "@"], "name": f"{p}_h_sum"}, {"call": f"{mx}.out_proj"}, {"set": "h"},
        op("mean", "h_over_state", dim=[2], keepdim=True), {"set": "hr"},
        op("mean", "c_over_state", f"{p}_b_c_dt[1]", dim=[1], keepdim=True), {"mul": ["hr", "@"], "name": f"{p}_y"},
        {"reshape_as": "xn", "name": f"{p}_y_map"}, {"add": ["@", "x1"], "name": f"{p}_mixer_res", "as": "x2"},
        {"call": f"{b}.dwconv2"}, {"add": ["@", "x2"], "name": f"{p}_dwconv2_res", "as": "x3"},
        {"call": f"{b}.ffn"}, {"add": ["@", "x3"], "name": f"{p}_ffn_res"},
        {"param": f"{p}_alpha", "mode": "none", "params": params(block, "alpha")}, {"set": "x"}]


def _node(m: Module, dotted: str) -> Module | None:
    node: Module | None = m
    for part in dotted.split("."):
        node = node.child(part) if node is not None else None
    return node


def _efficientvim(m: Module, origin: str) -> list:
    """timm's EfficientViM (and EfficientViMDistilled), unrolled from the printed tree (its blocks give two tensors:
    the map and HSM-SSD's hidden state h): patch_embed; each stage's blocks (:func:`_efficientvim_block`), its last
    block's h kept, then its downsample; the head: each stage's h normed over its channels (norm.i) and averaged over
    its state_dim columns, the last map normed (the last norm) and averaged over its positions, head_drop; each through
    its head (heads.i), weighted by the softmax of ``weights`` and summed (the distilled model: heads_dist and
    weights_dist too, the two sums averaged); with Identity heads the features concatenated."""
    stages, norms, heads, dist = (_members(m, k) for k in ("stages", "norm", "heads", "heads_dist"))
    if not m.present("patch_embed") or not stages or len(norms) != len(stages) + 1 or len(heads) != len(norms) \
            or (dist and len(dist) != len(heads)):
        raise _Unplaceable(m, f"{m.cls}: read with patch_embed, stages, one norm and one head per stage and one more")
    steps: list = ["patch_embed", {"set": "x"}]
    for i, st in enumerate(stages):
        blocks = _members(_node(m, st), "blocks")
        if not blocks:
            raise _Unplaceable(m, f"{m.cls}: read with patch_embed, stages, one norm and one head per stage and one "
                                  "more")
        for b in blocks:
            steps += _efficientvim_block(m, f"{st}.{b}", origin)
        down = _node(m, f"{st}.downsample")
        steps += [{"set": f"h{i}", "to": "h"}, *([{"call": f"{st}.downsample", "from": "x"}, {"set": "x"}]
                                                 if down is not None and not down.none else [])]
    for i, norm in enumerate(norms):
        if i < len(stages):
            steps += [{"op": {"type": "transpose", "from": f"h{i}", "dim0": 1, "dim1": 2, "name": f"h{i}_rows"}},
                      {"call": norm}, {"op": {"type": "transpose", "dim0": 1, "dim1": 2, "name": f"h{i}_back"}}]
        else:
            steps += [{"call": norm, "from": "x"}, {"op": {"type": "flatten", "start_dim": 2, "name": "map_tokens"}}]
        steps += [{"op": {"type": "mean", "dim": [-1], "name": f"pool{i}"}}, {"call": "head_drop", "optional": True},
                  {"set": f"feat{i}"}]
    if all(_node(m, k).cls == "Identity" for k in heads + dist):
        return steps + [{"cat": [f"feat{i}" for i in range(len(norms))], "dim": 1, "name": "features"}]
    for group, weights in ((heads, "weights"), (dist, "weights_dist")):
        if group:
            steps += [{"call": k, "from": f"feat{i}", "as": f"{weights}_{i}"} for i, k in enumerate(group)]
            steps += [{"add": [f"{weights}_{i}" for i in range(len(group))], "name": f"{weights}_sum"},
                      {"param": weights, "mode": "none"}, {"set": f"{weights}_out"}]
    return steps + ([{"add": ["weights_out", "weights_dist_out"], "name": "mean_of_heads"}] if dist else [])


PATTERNS["efficientvim"] = _efficientvim


def _mvit_attention(m: Module, origin: str) -> list:
    """timm MViTv2's MultiScaleAttention, read on a channels-last map (H × W × C: its tokens laid out on the grid
    forward() passes along): qkv, split into q, k and v; each pooled where its pool is printed, on its map, one head
    at a time through the one depthwise pool_q/pool_k/pool_v (torch folds the heads into the batch: the conv's MACs
    once a head), then norm_q/norm_k/norm_v over each head's features. The heads are proj's width over the pool's
    channels (a head's features). rel_pos_h and rel_pos_w, (2·S − 1) × head_dim each, S the larger of the q and k
    grids, sized where the grids are known (MultiScaleVit reads the image size it was built for, and every pooled
    map must divide by its stride, so the grids are the ones it was built for). q·kᵀ, the relative-position terms and
    attn @ v are not counted as MACs; the output has q's grid (residual pooling adds q)."""
    dim = resolve(m, "proj.out_features", origin)
    pools = {t: m.child(f"pool_{t}") for t in "qkv"}
    pools = {t: p for t, p in pools.items() if p is not None and not p.none}
    if not pools or any(p.cls != "Conv2d" for p in pools.values()):
        raise _Unplaceable(m, f"{m.cls}: its heads are not printed")
    width = resolve(m, f"pool_{next(iter(pools))}.in_channels", origin)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (dim, width)) or dim % width:
        raise _Unplaceable(m, f"{m.cls}: its heads are not printed")
    heads = dim // width
    steps: list = ["qkv", _op_step("chunk", chunks=3, dim=-1, name="qkv_split")]
    strides = {}
    for i, t in enumerate("qkv"):
        steps.append({"op": {"type": "permute", "from": f"qkv_split[{i}]", "dims": [0, 3, 1, 2], "name": f"{t}_map"}})
        pool = pools.get(t)
        if pool is not None:
            stride = resolve(pool, "stride", origin)
            stride = tuple(stride) if isinstance(stride, (list, tuple)) else (stride, stride)
            if len(stride) != 2 or stride[0] != stride[1] or not isinstance(stride[0], int):
                raise _Unplaceable(m, f"{m.cls}: read with pools of equal strides only")
            strides[t] = stride[0]
            if stride[0] > 1:  # a check, the identity where the map divides by the stride
                steps.append({"op": {"type": "identity", "name": f"{t}_grid_check"}, "multiple_of": f"pool_{t}.stride.0",
                              "why": "its relative position tables are sized for maps that divide by its strides"})
            if heads == 1:
                steps.append(f"pool_{t}")
            else:
                steps.append(_op_step("chunk", chunks=heads, dim=1, name=f"{t}_heads"))
                steps += [{"call": f"pool_{t}", "from": f"{t}_heads[{h}]", "as": f"{t}_head{h}"} for h in range(heads)]
                steps.append({"cat": [f"{t}_head{h}" for h in range(heads)], "dim": 1, "name": f"{t}_pooled"})
        else:
            strides[t] = 1
        steps.append({"set": f"{t}_grid"})
        steps.append(_op_step("permute", dims=[0, 2, 3, 1], name=f"{t}_last"))
        if m.present(f"norm_{t}"):
            if heads > 1:
                steps += [_op_step("unflatten", dim=3, unflattened_size=[heads, -1], name=f"{t}_per_head"), f"norm_{t}",
                          _op_step("flatten", start_dim=3, end_dim=4, name=f"{t}_heads_merged")]
            else:
                steps.append(f"norm_{t}")
        steps.append({"set": t})
    # rel_pos_h and rel_pos_w: sized by the larger of the q and k grids (the smaller stride)
    larger = "q" if strides["q"] <= strides["k"] else "k"
    steps += [{"set": "@", "to": f"{larger}_grid"},
              {"param": "rel_pos", "mode": "none", "per": "axes", "width": width}, {"set": "rel_pos"},
              {"op": {"type": "identity", "from": "q", "name": "attention"}},
              {"uses": ["k", "v", "rel_pos"]}, "proj"]
    return steps


PATTERNS["mvit_attention"] = _mvit_attention
