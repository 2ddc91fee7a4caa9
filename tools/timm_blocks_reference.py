"""Record small instances of the timm classes convcalc's vocabulary reads, for tests/test_torchrepr_timm.py.

Run it in a scratch venv OUTSIDE the repo, never in CI (timm is not a test dependency)::

    /work/scratch/tvenv/bin/python tools/timm_blocks_reference.py -o tests/data/timm_blocks.json.xz
    /work/scratch/tvenv/bin/python tools/timm_blocks_reference.py --group levit -o tests/data/timm_blocks_levit.json.xz

A group (``GROUPS``: a name → its cases and the timm classes they stand for) is recorded in a file of its own,
``tests/data/timm_blocks_<group>.json.xz``; tests/test_torchrepr_timm.py reads every such file and checks that each
class a group names is in the vocabulary and printed in one of its cases.

For every case (a class, built small, wrapped where its forward reads tensors from its parent) it stores what
``print(module)`` shows, the input shape (C, H, W), torch's parameters and buffers and the output shape (batch 1,
eval mode, CPU).
"""

from __future__ import annotations

import argparse
import json
import lzma


def cases():
    """(class, a function building the module, input shape[, what a user states with --assume])."""
    from functools import partial

    import torch.nn as nn
    from timm.layers import BlurPool2d, SelectAdaptivePool2d, SelectiveKernel
    from timm.layers.space_to_depth import SpaceToDepth
    from timm.models import cspnet, dla, dpn, ghostnet, hrnet, nfnet, sknet, tresnet, xception_aligned

    def seq(*modules):
        return lambda: nn.Sequential(*modules)

    yield "BlurPool2d", seq(nn.Conv2d(3, 8, 3, padding=1), BlurPool2d(8)), (3, 15, 15)
    yield "BlurPool2d", seq(BlurPool2d(3, pad_mode="constant")), (3, 16, 16)
    yield "SpaceToDepth", seq(SpaceToDepth(), nn.Conv2d(48, 8, 1)), (3, 16, 16)
    yield "SelectAdaptivePool2d", seq(nn.Conv2d(3, 8, 1), SelectAdaptivePool2d(pool_type="fast", flatten=True),
                                      nn.Linear(8, 4)), (3, 7, 7)
    blur = partial(BlurPool2d)
    yield "BasicBlock", lambda: tresnet.BasicBlock(16, 16, use_se=True), (16, 8, 8)
    yield "BasicBlock", lambda: tresnet.BasicBlock(16, 32, stride=2, aa_layer=blur, downsample=nn.Sequential(
        nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False), nn.Conv2d(16, 32, 1))), (16, 8, 8)
    yield "Bottleneck", lambda: tresnet.Bottleneck(32, 8, use_se=True, downsample=nn.Conv2d(32, 32, 1)), (32, 8, 8)
    yield "TResNet", lambda: tresnet.TResNet([1, 1, 1, 1], num_classes=10, width_factor=0.25), (3, 64, 64)
    yield "NormFreeBlock", lambda: nfnet.NormFreeBlock(16, 32, stride=2, skipinit=True, act_layer=nn.ReLU,
                                                       conv_layer=nfnet.ScaledStdConv2dSame), (16, 8, 8)
    yield "NormFreeBlock", lambda: nfnet.NormFreeBlock(16, 16, act_layer=nn.ReLU, conv_layer=nfnet.ScaledStdConv2d), (16, 8, 8)
    yield "DLA", lambda: dla.DLA(levels=(1, 1, 1, 2, 2, 1), channels=(4, 8, 8, 16, 16, 32), num_classes=10,
                                 block=dla.DlaBasic), (3, 64, 64)
    yield "DLA", lambda: dla.DLA(levels=(1, 1, 1, 2, 1, 1), channels=(4, 8, 16, 32, 32, 64), num_classes=10,
                                 block=dla.DlaBottle2neck, cardinality=1, base_width=64), (3, 64, 64)
    yield "DLA", lambda: dla.DLA(levels=(1, 1, 1, 1, 1, 1), channels=(4, 8, 16, 16, 32, 32), num_classes=10,
                                 block=dla.DlaBottleneck, cardinality=2, base_width=16), (3, 64, 64)
    yield "DPN", lambda: dpn.DPN(k_sec=(1, 2, 1, 1), inc_sec=(4, 8, 8, 8), k_r=16, groups=4, num_classes=10,
                                 small=True, num_init_features=8), (3, 64, 64)
    yield "DPN", lambda: dpn.DPN(k_sec=(1, 2, 1, 1), inc_sec=(4, 8, 8, 8), k_r=16, groups=4, num_classes=10,
                                 small=True, num_init_features=8, b=True), (3, 64, 64)
    yield "HighResolutionNet", lambda: hrnet.HighResolutionNet(dict(
        stem_width=16,
        stage1=dict(num_modules=1, num_branches=1, block_type='BOTTLENECK', num_blocks=(1,), num_channels=(8,),
                    fuse_method='SUM'),
        stage2=dict(num_modules=1, num_branches=2, block_type='BASIC', num_blocks=(1, 1), num_channels=(4, 8),
                    fuse_method='SUM'),
        stage3=dict(num_modules=2, num_branches=3, block_type='BASIC', num_blocks=(1, 1, 1),
                    num_channels=(4, 8, 16), fuse_method='SUM'),
        stage4=dict(num_modules=1, num_branches=4, block_type='BASIC', num_blocks=(1, 1, 1, 1),
                    num_channels=(4, 8, 16, 32), fuse_method='SUM')), num_classes=10), (3, 64, 64)
    for version in ("v1", "v2", "v3"):
        yield "GhostNet", partial(ghostnet.GhostNet, cfgs=[[[3, 16, 16, 0, 1]], [[3, 24, 12, 0, 2]],
                                                           [[5, 36, 20, 0.25, 2]], [[3, 60, 20, 0, 1]]],
                                  num_classes=10, width=1.0, version=version), (3, 32, 32)
    yield "XceptionAligned", lambda: xception_aligned.XceptionAligned([
        dict(in_chs=64, out_chs=32, stride=2), dict(in_chs=32, out_chs=32, stride=1),
        dict(in_chs=32, out_chs=(32, 48, 48), stride=1, no_skip=True, start_with_relu=False)],
        num_classes=10), (3, 32, 32)
    yield "XceptionAligned", lambda: xception_aligned.XceptionAligned([
        dict(in_chs=64, out_chs=32, stride=2), dict(in_chs=32, out_chs=32, stride=1),
        dict(in_chs=32, out_chs=(32, 48, 48), stride=1, no_skip=True)], num_classes=10, preact=True), (3, 32, 32)
    yield "CrossStage", lambda: cspnet.CrossStage(16, 32, stride=2, dilation=1, depth=2, block_ratio=1.0,
                                                  bottle_ratio=0.5, expand_ratio=2.0,
                                                  block_fn=cspnet.BottleneckBlock, act_layer=nn.ReLU,
                                                  norm_layer=nn.BatchNorm2d), (16, 16, 16)
    yield "CrossStage3", lambda: cspnet.CrossStage3(16, 32, stride=2, dilation=1, depth=2, block_ratio=1.0,
                                                    bottle_ratio=1.0, expand_ratio=2.0,
                                                    block_fn=cspnet.DarkBlock, act_layer=nn.ReLU,
                                                    norm_layer=nn.BatchNorm2d), (16, 16, 16)
    yield "CrossStage3", lambda: cspnet.CrossStage3(16, 32, stride=2, dilation=1, depth=1, expand_ratio=2.0,
                                                    block_fn=cspnet.EdgeBlock, act_layer=nn.ReLU,
                                                    norm_layer=nn.BatchNorm2d), (16, 16, 16)
    yield "SelectiveKernel", seq(nn.Conv2d(3, 16, 1), SelectiveKernel(16, 16)), (3, 8, 8)
    yield "SelectiveKernel", seq(nn.Conv2d(3, 16, 1), SelectiveKernel(16, 24, split_input=False,
                                                                      kernel_size=[3, 5, 7])), (3, 8, 8)
    yield "SelectiveKernelBasic", seq(nn.Conv2d(3, 16, 1), sknet.SelectiveKernelBasic(16, 16)), (3, 8, 8)
    yield "SelectiveKernelBottleneck", seq(nn.Conv2d(3, 32, 1), sknet.SelectiveKernelBottleneck(
        32, 8, stride=2, downsample=nn.Conv2d(32, 32, 1, stride=2))), (3, 8, 8)

    yield from metaformer_family_cases()
    yield from cnn2_family_cases()
    yield from cnn3_family_cases()


def metaformer_family_cases():
    """timm's other convolutional and MetaFormer families (RepViT, MobileViT, StarNet, MetaFormer, ResMLP, gMLP,
    RegNetV, GCNet, VoVNet's reduced OsaBlock, RepGhostNet)."""
    from functools import partial

    from timm.layers import GlobalContext
    from timm.models import fasternet, metaformer, mlp_mixer, mobilevit, regnet, repghost, repvit, starnet, vovnet
    from timm.models.byobnet import LayerFn
    from torch import nn

    def seq(*modules):
        return lambda: nn.Sequential(*modules)

    for distillation, legacy in ((True, False), (False, True)):
        yield "RepVit", partial(repvit.RepVit, embed_dim=(16, 32), depth=(2, 1), num_classes=10,
                                distillation=distillation, legacy=legacy), (3, 64, 64)
    layers = LayerFn(act=nn.SiLU)
    yield "MobileVitBlock", seq(nn.Conv2d(3, 16, 1), mobilevit.MobileVitBlock(
        16, 24, transformer_dim=24, transformer_depth=2, patch_size=2, num_heads=2, layers=layers)), (3, 8, 8)
    yield "MobileVitBlock", seq(nn.Conv2d(3, 16, 1), mobilevit.MobileVitBlock(
        16, 16, stride=2, transformer_dim=24, transformer_depth=1, patch_size=2, num_heads=2, no_fusion=True,
        layers=layers)), (3, 8, 8)
    yield "MobileVitV2Block", seq(nn.Conv2d(3, 16, 1), mobilevit.MobileVitV2Block(
        16, 24, transformer_depth=2, patch_size=2, layers=layers)), (3, 8, 8)
    yield "StarNet", partial(starnet.StarNet, base_dim=8, depths=[1, 2], num_classes=10), (3, 32, 32)
    yield "MetaFormer", partial(metaformer.MetaFormer, depths=(1, 1), dims=(16, 32), num_classes=10,
                                token_mixers=metaformer.Pooling, norm_layers=metaformer.GroupNorm1NoBias,
                                layer_scale_init_values=1e-5, res_scale_init_values=None), (3, 64, 64)
    yield "MetaFormer", partial(metaformer.MetaFormer, depths=(1, 2), dims=(16, 32), num_classes=10,
                                token_mixers=(metaformer.SepConv, metaformer.Attention),
                                norm_layers=(metaformer.LayerNorm2dNoBias, metaformer.LayerNormNoBias),
                                head_dim=8, layer_scale_init_values=None, res_scale_init_values=(None, 1.0),
                                use_mlp_head=True), (3, 64, 64)
    yield "MlpMixer", partial(mlp_mixer.MlpMixer, img_size=32, patch_size=8, num_blocks=2, embed_dim=16,
                              mlp_ratio=4, block_layer=mlp_mixer.ResBlock, norm_layer=mlp_mixer.Affine,
                              num_classes=10), (3, 32, 32)
    yield "MlpMixer", partial(mlp_mixer.MlpMixer, img_size=32, patch_size=8, num_blocks=2, embed_dim=16,
                              mlp_ratio=6, block_layer=mlp_mixer.SpatialGatingBlock, mlp_layer=mlp_mixer.GatedMlp,
                              num_classes=10), (3, 32, 32)
    yield "PreBottleneck", seq(nn.Conv2d(3, 16, 1), regnet.PreBottleneck(16, 32, stride=2, group_size=8),
                               regnet.PreBottleneck(32, 32, group_size=8, se_ratio=0),
                               regnet.PreBottleneck(32, 32, group_size=8, downsample=None)), (3, 8, 8)
    yield "GlobalContext", seq(nn.Conv2d(3, 16, 1), GlobalContext(16)), (3, 8, 8)
    yield "GlobalContext", seq(nn.Conv2d(3, 16, 1), GlobalContext(16, use_attn=False, fuse_add=False,
                                                                  fuse_scale=True)), (3, 8, 8)
    yield "OsaBlock", seq(nn.Conv2d(3, 16, 1), vovnet.OsaBlock(16, 8, 24, layer_per_block=2, depthwise=True,
                                                               attn="ese")), (3, 8, 8)
    yield "RepGhostNet", partial(repghost.RepGhostNet, cfgs=[[[3, 8, 8, 0, 1]], [[3, 24, 12, 0.25, 2]],
                                                             [[5, 36, 20, 0, 1]]], num_classes=10), (3, 32, 32)
    yield "FasterNet", partial(fasternet.FasterNet, embed_dim=16, depths=(1, 2), feature_dim=64, num_classes=10),\
        (3, 32, 32)
    yield "FasterNet", partial(fasternet.FasterNet, embed_dim=16, depths=(1, 1), feature_dim=64, num_classes=10,
                               layer_scale_init_value=1e-6, n_div=2), (3, 32, 32), {"layer_scale": "true"}


def cnn2_family_cases():
    """timm's RDNet, LCNetV2, HGNet, CSPNeXt, Inception-ResNet-v2, legacy Xception and CLIP's AttentionPool2d."""
    from functools import partial

    from timm.layers import AttentionPool2d
    from importlib import import_module

    from timm.models import cspnext, hgnet, lcnetv2, rdnet
    from torch import nn

    irv2 = import_module("timm.models.inception_resnet_v2")  # the package also registers a function of that name
    xception = import_module("timm.models.xception")

    def seq(*modules):
        return lambda: nn.Sequential(*modules)

    small_rdnet = dict(growth_rates=(8, 16), num_blocks_list=(2, 2), block_type=("Block", "BlockESE"),
                       is_downsample_block=(None, True), num_init_features=16, num_classes=10)
    yield "RDNet", partial(rdnet.RDNet, **small_rdnet), (3, 64, 64)
    yield "RDNet", partial(rdnet.RDNet, **small_rdnet, ls_init_value=0), (3, 64, 64), {"layer_scale": "false"}
    yield "LCNetV2", partial(lcnetv2.LCNetV2, scale=0.25, depths=(1, 1, 2, 2), num_classes=10), (3, 64, 64)

    def hgnet_cfg(stem_type, stem_chs, light):
        return dict(stem_type=stem_type, stem_chs=stem_chs,
                    stage1=[16, 16, 32, 1, False, False, 3, 2], stage2=[32, 16, 48, 2, True, False, 3, 2],
                    stage3=[48, 24, 64, 2, True, light, 5, 2], stage4=[64, 32, 64, 1, True, light, 5, 2])
    yield "HighPerfGpuNet", partial(hgnet.HighPerfGpuNet, hgnet_cfg("v1", [8, 8, 16], False), num_classes=10,
                                    head_hidden_size=64), (3, 64, 64)
    yield "HighPerfGpuNet", partial(hgnet.HighPerfGpuNet, hgnet_cfg("v2", [8, 16], True), num_classes=10,
                                    head_hidden_size=64, use_lab=True), (3, 64, 64)
    yield "CspNext", partial(cspnext.CspNext, depths=(1, 2, 1, 1), channels=(16, 32, 48, 64), num_classes=10),\
        (3, 64, 64)
    yield "AttentionPool2d", seq(nn.Conv2d(3, 16, 1), AttentionPool2d(16, feat_size=4, out_features=8, num_heads=2,
                                                                     qkv_separate=True)), (3, 4, 4),\
        {"feat_size": "4"}
    yield "AttentionPool2d", seq(nn.Conv2d(3, 16, 1), AttentionPool2d(16, feat_size=4, num_heads=4,
                                                                     class_token=True)), (3, 6, 6),\
        {"feat_size": "4", "class_token": "true"}
    yield "Block35", seq(irv2.Block35(scale=0.17)), (320, 5, 5)
    yield "Block17", seq(irv2.Block17(scale=0.1)), (1088, 3, 3)
    yield "Block8", seq(irv2.Block8(scale=0.2), irv2.Block8(no_relu=True)), (2080, 3, 3)
    yield "InceptionResnetV2", partial(irv2.InceptionResnetV2, num_classes=10), (3, 75, 75)
    yield "Xception", partial(xception.Xception, num_classes=10), (3, 71, 71)
    from timm.models import inception_next, mambaout
    yield "MambaOut", partial(mambaout.MambaOut, depths=(1, 1, 2, 1), dims=(16, 24, 32, 48), num_classes=10),\
        (3, 64, 64)
    yield "MambaOut", partial(mambaout.MambaOut, depths=(1, 1, 1, 2), dims=(16, 24, 32, 48), num_classes=10,
                              stem_mid_norm=False, downsample="conv_nf", ls_init_value=1e-6, conv_ratio=0.75,
                              head_fn="norm_mlp"), (3, 64, 64)
    yield "MetaNeXt", partial(inception_next.MetaNeXt, depths=(1, 1, 2, 1), dims=(16, 24, 32, 48),
                              num_classes=10), (3, 64, 64)
    yield "MetaNeXt", partial(inception_next.MetaNeXt, depths=(1, 1, 1, 1), dims=(16, 24, 32, 48),
                              num_classes=10, ls_init_value=0), (3, 64, 64), {"layer_scale": "false"}


def cnn3_family_cases():
    """timm's SHViT and EfficientFormer (v1)."""
    from functools import partial

    from timm.models import efficientformer, shvit

    yield "SHViT", partial(shvit.SHViT, embed_dim=(16, 32, 48), partial_dim=(8, 8, 16), qk_dim=(4, 4, 4),
                           depth=(1, 1, 2), types=("i", "s", "s"), num_classes=10), (3, 64, 64)
    yield "EfficientFormer", partial(efficientformer.EfficientFormer, depths=(1, 1, 2, 3), embed_dims=(8, 16, 24, 32),
                                     num_vit=2, num_classes=10), (3, 224, 224)


def measure(build, shape) -> dict:
    import torch

    torch.manual_seed(0)
    model = build()
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, *shape))
    return {"text": str(model), "input": list(shape),
            "params": sum(p.numel() for p in model.parameters()),
            "buffers": sum(b.numel() for b in model.buffers()),
            "output": list(out.shape[1:])}


#: group → (its cases, the timm classes they stand for); the default group's classes are listed in the test
GROUPS: dict = {"": (cases, ())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--group", default="", choices=sorted(GROUPS), help="a group of cases (default: the first)")
    args = parser.parse_args()
    import timm
    import torch

    records = []
    group_cases, classes = GROUPS[args.group]
    for cls, build, shape, *assume in group_cases():  # assume: the --assume a user states (arguments not printed)
        records.append({"class": cls, **measure(build, shape), **({"assume": assume[0]} if assume else {})})
        print(cls, records[-1]["params"], records[-1]["output"])
    data = {"torch": torch.__version__, "timm": timm.__version__, "classes": list(classes), "cases": records}
    with lzma.open(args.output, "wt", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
