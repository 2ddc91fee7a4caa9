"""Record small instances of the timm classes convcalc's vocabulary reads, for tests/test_torchrepr_timm.py.

Run it in a scratch venv OUTSIDE the repo, never in CI (timm is not a test dependency)::

    /work/scratch/tvenv/bin/python tools/timm_blocks_reference.py -o tests/data/timm_blocks.json.xz
    /work/scratch/tvenv/bin/python tools/timm_blocks_reference.py --group levit -o tests/data/timm_blocks_levit.json.xz

A group (``GROUPS``: a name → its cases and the timm classes they stand for) is recorded in a file of its own,
``tests/data/timm_blocks_<group>.json.xz``; tests/test_torchrepr_timm.py reads every such file and checks that each
class a group names is in the vocabulary and printed in one of its cases.

For every case (a class, built small, wrapped where its forward reads tensors from its parent) it stores what
``print(module)`` shows, the input shape (C, H, W), torch's parameters and buffers, the output shape and the MACs
as tools/repr_reference.py's forward hooks count them (batch 1, eval mode, CPU).
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


def effvit_cases():
    """timm's EfficientViT (MIT, MSRA), LowFormer and SwiftFormer."""
    from functools import partial

    from timm.models import efficientvit_mit, efficientvit_msra, lowformer, swiftformer

    yield "SwiftFormer", partial(swiftformer.SwiftFormer, layers=[1, 1, 2, 1], embed_dims=[8, 16, 24, 32],
                                 num_classes=10), (3, 64, 64)
    yield "EfficientVit", partial(efficientvit_mit.EfficientVit, widths=(8, 16, 24, 32, 64), depths=(1, 1, 2, 1, 2),
                                  head_dim=8, head_widths=(48, 56), num_classes=10), (3, 64, 64)
    yield "EfficientVitLarge", partial(efficientvit_mit.EfficientVitLarge, widths=(8, 16, 24, 32, 64),
                                       depths=(1, 1, 1, 1, 2), head_dim=16, head_widths=(48, 56),
                                       num_classes=10), (3, 64, 64)
    # a 10 × 10 map in the first stage: its 7 × 7 windows padded to 14 × 14; 5 × 5 and 3 × 3 later (window cut)
    yield "EfficientVitMsra", partial(efficientvit_msra.EfficientVitMsra, img_size=160, embed_dim=(16, 24, 32),
                                      key_dim=(4, 4, 4), depth=(1, 1, 1), num_heads=(2, 2, 2),
                                      num_classes=10), (3, 160, 160)
    # a 7 × 7 map in the strided attention: upsampled to 8 × 8, cropped back
    yield "LowFormer", partial(lowformer.LowFormer, width_list=[8, 16, 24, 32, 48], depth_list=[1, 1, 1, 1, 1],
                               head_widths=(48, 56), num_classes=10), (3, 112, 112)
    yield "LowFormer", partial(lowformer.LowFormer, width_list=[8, 16, 24, 32, 48], depth_list=[1, 1, 1, 1, 1],
                               head_widths=(48, 56), num_classes=10, global_pool="", fused_conv=True), (3, 112, 112)


def vit2_cases():
    """timm's VOLO, NesT, DaViT, FocalNet and CoaT."""
    from functools import partial

    from timm.models import coat, davit, focalnet, nest, volo

    yield "FocalNet", partial(focalnet.FocalNet, embed_dim=8, depths=(1, 2, 1, 1), focal_levels=(2, 3, 2, 2),
                              focal_windows=(3, 3, 3, 3), num_classes=10), (3, 64, 64)
    # post norms, layer scales, overlapping downsamples, a norm in the modulation; a 13 × 13 map (odd)
    yield "FocalNet", partial(focalnet.FocalNet, embed_dim=8, depths=(1, 1, 1, 1), focal_levels=(4, 4, 4, 4),
                              focal_windows=(3, 3, 3, 3), use_overlap_down=True, use_post_norm=True,
                              use_post_norm_in_modulation=True, normalize_modulator=True, layerscale_value=1e-4,
                              num_classes=10), (3, 52, 52)
    # 70 × 70: the stem pads to 72; 18 × 18 maps padded to 21 for the 7 × 7 windows; 9 × 9 padded to 10 to downsample
    yield "DaVit", partial(davit.DaVit, depths=(1, 1, 1, 1), embed_dims=(16, 24, 32, 40), num_heads=(2, 2, 2, 2),
                           num_classes=10), (3, 70, 70)
    yield "DaVit", partial(davit.DaVit, depths=(1, 1, 2, 1), embed_dims=(16, 24, 32, 40), num_heads=(2, 2, 2, 2),
                           window_size=12, down_kernel_size=3, channel_attn_v2=True, named_blocks=True,
                           num_classes=10), (3, 64, 64), {"window_size": "12"}
    yield "Nest", partial(nest.Nest, img_size=64, patch_size=4, num_levels=3, embed_dims=(8, 16, 32),
                          num_heads=(1, 2, 4), depths=(1, 1, 2), num_classes=10), (3, 64, 64)
    yield "Nest", partial(nest.Nest, img_size=64, patch_size=4, num_levels=3, embed_dims=(8, 16, 32),
                          num_heads=(1, 2, 4), depths=(1, 1, 1), pad_type="same", num_classes=10), (3, 64, 64)
    # 72 × 72: a 9 × 9 map, the outlook attention's pool (ceil_mode) gives 5 × 5
    yield "VOLO", partial(volo.VOLO, layers=(1, 1, 2, 1), img_size=72, embed_dims=(16, 32, 32, 32),
                          num_heads=(1, 2, 2, 2), num_classes=10), (3, 72, 72)
    yield "VOLO", partial(volo.VOLO, layers=(1, 1, 1, 1), img_size=64, embed_dims=(16, 32, 32, 32),
                          num_heads=(1, 2, 2, 2), global_pool="avg", post_layers=None, num_classes=10), (3, 64, 64), \
        {"global_pool": "avg"}
    yield "CoaT", partial(coat.CoaT, img_size=64, patch_size=4, embed_dims=(16, 32, 32, 32),
                          serial_depths=(1, 1, 2, 1), parallel_depth=2, num_classes=10), (3, 64, 64)
    yield "CoaT", partial(coat.CoaT, img_size=64, patch_size=4, embed_dims=(16, 24, 32, 40),
                          serial_depths=(1, 2, 1, 1), parallel_depth=0, global_pool="avg", num_classes=10), \
        (3, 64, 64), {"global_pool": "avg"}


def mobile_cases():
    """timm's MobileNetV4 attention (MobileAttention), MobileNetV5, CPUBone, NASNet-A Large and PNASNet-5 Large."""
    from functools import partial

    from timm.models import cpubone, mobilenetv5, nasnet, pnasnet
    from timm.models._efficientnet_blocks import MobileAttention
    from timm.models._efficientnet_builder import decode_arch_def

    mqa = partial(MobileAttention, use_multi_query=True, num_heads=2, key_dim=8, value_dim=8)
    yield "MobileAttention", partial(mqa, 32, 32, kv_stride=2), (32, 9, 9)  # k, v from a 5 × 5 map
    yield "MobileAttention", partial(mqa, 32, 32, query_strides=2, use_cpe=True), (32, 8, 8)  # q pooled, upsampled
    yield "MobileAttention", partial(mqa, 16, 24, layer_scale_init_value=None), (16, 7, 7)  # no skip
    arch = [["er_r1_k3_s2_e4_c16"], ["uir_r1_a3_k5_s2_e4_c24"],
            ["uir_r1_a3_k5_s2_e4_c32", "mqa_r1_k3_h2_s1_v2_d8_c32", "uir_r1_a0_k0_s1_e2_c32"],  # timm's feature_info
            # needs a stage to end in a conv block
            ["uir_r1_a5_k0_s2_e4_c48", "mqa_r1_k3_h2_s1_d8_c48", "uir_r1_a0_k0_s1_e2_c48"]]
    v5 = partial(mobilenetv5.MobileNetV5, stem_size=8, num_features=64, num_classes=10)
    # fused at 4 × 4, resized to 16 × 16 (bilinear); at 6 × 6 pooled to its 3 × 3 (stated); three levels (stated)
    yield "MobileNetV5", lambda: v5(block_args=decode_arch_def(arch)), (3, 64, 64)
    yield "MobileNetV5", lambda: v5(block_args=decode_arch_def(arch), msfa_output_resolution=3), (3, 96, 96), \
        {"output_resolution": "3"}
    yield "MobileNetV5", lambda: v5(block_args=decode_arch_def(arch), msfa_indices=(-3, -1)), (3, 80, 80), \
        {"msfa_indices": "-3/-1"}
    cpu = partial(cpubone.CPUBone, width_list=[8, 16, 24, 32, 48], head_widths=(48, 56), num_classes=10)
    yield "CPUBone", partial(cpu, depth_list=[1, 1, 1, 1, 1]), (3, 64, 64)
    yield "CPUBone", partial(cpu, depth_list=[0, 1, 1, 2, 1], fused_conv=True, fused_downsample=True,
                             attn_mlp_ratio=4, expand_groups=2, small_kernels=True, attn_upsample="nearest"), (3, 64, 64)
    yield "CPUBone", partial(cpu, depth_list=[0, 1, 1, 1, 1], local_mbconv_norm="all", global_pool=""), (3, 96, 96)
    yield "NASNetALarge", partial(nasnet.NASNetALarge, stem_size=8, num_features=192, num_classes=10), (3, 67, 67)
    yield "PNASNet5Large", partial(pnasnet.PNASNet5Large, num_classes=10), (3, 96, 96)


def hybrid_cases():
    """timm's TinyViT, FastViT, EdgeNeXt, NextViT, EfficientFormerV2 and IFormer."""
    from functools import partial

    from timm.models import edgenext, efficientformer_v2, fastvit, iformer, nextvit, tiny_vit

    # 100 × 100: 25 × 25 after the stem; 13 × 13 maps padded to 14 for the 7 × 7 windows, 7 × 7 to 14, 4 × 4 to 7
    yield "TinyVit", partial(tiny_vit.TinyVit, embed_dims=(16, 32, 48, 64), depths=(1, 1, 2, 1), num_heads=(2, 2, 3, 4),
                             num_classes=10), (3, 100, 100)
    yield "FastVit", partial(fastvit.FastVit, layers=(1, 1, 2, 1), embed_dims=(8, 16, 32, 64), mlp_ratios=(2, 2, 2, 2),
                             token_mixers=("repmixer", "repmixer", "attention", "attention"),
                             pos_embs=(None, None, partial(fastvit.RepConditionalPosEnc, spatial_shape=(7, 7)), None),
                             se_downsamples=(False, False, True, True), num_classes=10), (3, 70, 70)
    yield "EdgeNeXt", partial(edgenext.EdgeNeXt, dims=(8, 16, 24, 32), depths=(1, 2, 2, 2), heads=(2, 2, 2, 2),
                              num_classes=10), (3, 70, 70), {"num_heads": "2"}
    yield "EdgeNeXt", partial(edgenext.EdgeNeXt, dims=(8, 16, 32, 64), depths=(1, 2, 2, 2), d2_scales=(2, 3, 3, 4),
                              downsample_block=True, conv_bias=False, stem_type="overlap", head_norm_first=True,
                              num_classes=10), (3, 64, 64)
    yield "NextViT", partial(nextvit.NextViT, in_chans=3, stem_chs=(8, 8, 16), depths=(1, 2, 5, 1),
                             num_classes=10), (3, 75, 75)
    yield "EfficientFormerV2", partial(efficientformer_v2.EfficientFormerV2, depths=(1, 1, 3, 2),
                                       embed_dims=(8, 16, 24, 32), num_vit=2, img_size=64,
                                       num_classes=10), (3, 64, 64), {"img_size": "64"}
    yield "EfficientFormerV2", partial(efficientformer_v2.EfficientFormerV2, depths=(1, 1, 2, 2),
                                       embed_dims=(8, 16, 24, 32), num_vit=1, img_size=96, distillation=False,
                                       num_classes=10), (3, 96, 96), {"img_size": "96"}
    yield "IFormer", partial(iformer.IFormer, dims=(8, 16, 24, 32), depths=(1, 2, 5, 3), attn_groups=(0, 0, 1, 1),
                             attn_head_dim_reduction=(0, 0, 2, 4), layer_scale_init_value=1e-6, distillation=True,
                             num_classes=10), (3, 75, 75), {"layer_scale": "true"}
    yield "SHMA", partial(iformer.SHMA, 16, window_size=4), (16, 10, 10), {"window_size": "4"}


def measure(build, shape) -> dict:
    import torch

    from repr_reference import MacCounter  # the reference's MACs convention (tools/repr_reference.py)

    torch.manual_seed(0)
    model = build()
    model.eval()
    counter = MacCounter(model)
    try:
        with torch.no_grad():
            out = model(torch.zeros(1, *shape))
    finally:
        counter.close()
    return {"text": str(model), "input": list(shape),
            "params": sum(p.numel() for p in model.parameters()),
            "buffers": sum(b.numel() for b in model.buffers()),
            "output": list(out.shape[1:]), **({} if counter.unknown else {"macs": counter.total})}


def levit_cases():
    """timm's LeViT (linear and conv) and PiT, small."""
    from functools import partial

    from timm.models import levit, pit

    small = dict(img_size=64, embed_dim=(16, 24, 32), key_dim=4, num_heads=(2, 3, 4), depth=(1, 2, 1),
                 num_classes=10)
    yield "Levit", partial(levit.Levit, **small), (3, 64, 64), {"key_dim": "4", "img_size": "64"}
    yield "LevitDistilled", partial(levit.LevitDistilled, **small, use_conv=True), (3, 64, 64), \
        {"key_dim": "4", "img_size": "64"}
    # a stride-8 stem, SiLU, an odd grid (12 × 12 → 6 × 6 → 3 × 3 → subsampled to 2 × 2)
    yield "LevitDistilled", partial(levit.LevitDistilled, img_size=96, embed_dim=(16, 24, 32, 40), key_dim=8,
                                    num_heads=(2, 3, 4, 5), depth=(1, 1, 1, 1), stem_type="s8", act_layer="silu",
                                    num_classes=10), (3, 96, 96), {"key_dim": "8", "img_size": "96"}
    yield "Levit", partial(levit.Levit, img_size=96, embed_dim=(16, 24, 32, 40), key_dim=8, num_heads=(2, 3, 4, 5),
                           depth=(1, 1, 1, 1), stem_type="s8", use_conv=True, num_classes=10), (3, 96, 96), \
        {"key_dim": "8", "img_size": "96"}
    yield "PoolingVisionTransformer", partial(pit.PoolingVisionTransformer, img_size=64, patch_size=8, stride=4,
                                              base_dims=(8, 8, 8), depth=(1, 2, 1), heads=(2, 4, 8),
                                              num_classes=10), (3, 64, 64), {"img_size": "64"}
    yield "PoolingVisionTransformer", partial(pit.PoolingVisionTransformer, img_size=72, patch_size=16, stride=8,
                                              base_dims=(8, 8), depth=(1, 1), heads=(2, 4), distilled=True,
                                              num_classes=10), (3, 72, 72), {"img_size": "72"}
    # ConViT is not recorded here: GPSA's forward replaces its 1 × 1 × 1 × 3 rel_indices buffer with the N × N × 3
    # positions, and measure() counts buffers after a forward (convcalc counts them as built, as
    # tests/data/repr_reference.json.xz records them)


#: group → (its cases, the timm classes they stand for); the default group's classes are listed in the test
GROUPS: dict = {"": (cases, ())}
GROUPS["effvit"] = (effvit_cases, (
    "SwiftFormer", "Stage", "ConvEncoder", "LocalRepresentation", "EfficientAdditiveAttention", "EfficientVit",
    "EfficientVitLarge", "EfficientVitStage", "EfficientVitLargeStage", "EfficientVitBlock", "ResidualBlock", "DSConv",
    "ConvBlock", "LiteMLA", "EfficientVitMsra", "PatchEmbedding", "ResidualDrop", "LocalWindowAttention",
    "CascadedGroupAttention", "LowFormer", "LowFormerBlock", "ConvAttention"))
GROUPS["mobile"] = (mobile_cases, (
    "MobileAttention", "MultiQueryAttention2d", "MobileNetV5", "MobileNetV5MultiScaleFusionAdapter", "RmsNormAct2d",
    "CPUBone", "CPUBoneBlock", "ConvLayer", "LinearLayer", "ResidualBlock", "FusedMBConv", "MBConv", "ConvAttention",
    "ClsHead", "NASNetALarge", "PNASNet5Large", "ActConvBn", "BranchSeparables", "SeparableConv2d",
    "FactorizedReduction", "CellStem0", "CellStem1", "FirstCell", "NormalCell", "ReductionCell0", "ReductionCell1",
    "Cell"))
GROUPS["vit2"] = (vit2_cases, (
    "FocalNet", "FocalNetStage", "FocalNetBlock", "FocalModulation", "DaVit", "DaVitStage", "ConvPosEnc",
    "SpatialBlock", "ChannelBlock", "ChannelAttention", "ChannelAttentionV2", "Nest", "NestLevel", "ConvPool",
    "TransformerLayer", "VOLO", "Outlooker", "Transformer", "OutlookAttention", "ClassBlock", "ClassAttention",
    "CoaT", "SerialBlock", "ParallelBlock", "FactorAttnConvRelPosEnc", "ConvRelPosEnc"))


GROUPS["levit"] = (levit_cases, (
    "Levit", "LevitDistilled", "Stem16", "Stem8", "LevitStage", "LevitBlock", "LevitDownsample", "LevitMlp",
    "LinearNorm", "AttentionDownsample", "PoolingVisionTransformer", "ConvEmbedding", "SequentialTuple"))


def hier_cases():
    """timm's Hiera, ViTamin's conv stages, Sequencer2d (LSTM2d, GRU2d) and CSATv2, small."""
    from functools import partial

    from importlib import import_module

    from timm.models import hiera, sequencer, vitamin
    from torch import nn

    csatv2 = import_module("timm.models.csatv2")  # the package also registers a function of that name

    small = dict(layers=(1, 1), patch_sizes=(4, 2), embed_dims=(16, 24), hidden_sizes=(8, 8), mlp_ratios=(2.0, 2.0),
                 num_classes=10)
    yield "Sequencer2d", partial(sequencer.Sequencer2d, **small), (3, 32, 32)
    yield "Sequencer2d", partial(sequencer.Sequencer2d, **small, num_rnn_layers=2), (3, 32, 32)
    small["hidden_sizes"] = (8, 12)
    yield "Sequencer2d", partial(sequencer.Sequencer2d, **small, union="add"), (3, 32, 32), {"union": "add"}
    yield "Sequencer2d", partial(sequencer.Sequencer2d, **small, union="vertical"), (3, 32, 32)
    cfg = vitamin.VitCfg(embed_dim=(16, 32, 48), depths=(1, 2, 1), stem_width=16)
    yield "MbConvStages", lambda: nn.Sequential(vitamin.MbConvStages(cfg)), (3, 32, 32)
    yield "GeGluMlp", lambda: nn.Sequential(nn.Linear(8, 16), vitamin.GeGluMlp(16, 24)), (5, 8)
    tiny = dict(embed_dim=16, num_heads=1, stages=(1, 1, 2, 1), img_size=(64, 64), num_classes=10)
    yield "Hiera", partial(hiera.Hiera, **tiny), (3, 64, 64)
    yield "Hiera", partial(hiera.Hiera, **tiny, abs_win_pos_embed=True, init_values=1e-5, use_expand_proj=False,
                           global_pos_size=(4, 4)), (3, 64, 64), {"abs_win_pos_embed": "true", "global_pos_size": "4"}
    yield "CSATv2", partial(csatv2.CSATv2, dims=(16, 24, 32, 40), depths=(1, 1, 2, 2),
                            transformer_depths=(0, 0, 1, 1), num_classes=10), (3, 128, 128)


GROUPS["hier"] = (hier_cases, (
    "Sequencer2d", "Sequencer2dStage", "Sequencer2dBlock", "LSTM2d", "RNNIdentity", "LSTM",
    "MbConvStages", "MbConvLNBlock", "Downsample2d", "StridedConv", "GeGluMlp", "Hiera", "HieraBlock",
    "MaskUnitAttention", "Unroll", "Reroll", "CSATv2", "LearnableDct2d", "Dct2d", "Dct1d", "SpatialAttention",
    "SpatialTransformerBlock", "TransformerBlock"))


def hieradet_cases():
    """timm's HieraDet (SAM2's Hiera), small: windows padded (a map not a multiple of the window, a window larger
    than the map), global blocks (timm's forward fails on one that pools), layer scale, stages stated where no block widens."""
    from functools import partial

    from timm.models import hieradet_sam2

    def facts(spec, glob, pos=7, stages=""):
        out = {"window_spec": "/".join(map(str, spec)), "global_att_blocks": "/".join(map(str, glob)),
               "global_pos_size": str(pos)}
        return {**out, "stages": stages} if stages else out

    tiny = dict(embed_dim=16, num_heads=1, stages=(1, 2, 3, 2), num_classes=10)
    yield "HieraDet", partial(hieradet_sam2.HieraDet, **tiny, global_att_blocks=(2, 5)), (3, 64, 64), \
        facts((8, 4, 14, 7), (2, 5))
    yield "HieraDet", partial(hieradet_sam2.HieraDet, **tiny, global_att_blocks=(2, 5), window_spec=(4, 8, 6, 3)),\
        (3, 48, 48), facts((4, 8, 6, 3), (2, 5))
    yield "HieraDet", partial(hieradet_sam2.HieraDet, **tiny, global_att_blocks=(2, 7), window_spec=(4, 2, 6, 2),
                              init_values=1e-5, global_pos_size=(5, 5)), (3, 64, 48), facts((4, 2, 6, 2), (2, 7), 5)
    yield "HieraDet", partial(hieradet_sam2.HieraDet, embed_dim=16, num_heads=1, stages=(1, 2, 2, 1), num_classes=0,
                              dim_mul=1.0, head_mul=1.0, q_pool=0, window_spec=(4, 2, 8, 4), global_att_blocks=()), \
        (3, 48, 48), facts((4, 2, 8, 4), (), stages="1/2/2/1")
    yield "HieraDet", partial(hieradet_sam2.HieraDet, **tiny, q_pool=1, window_spec=(4, 8, 4, 2),
                              global_att_blocks=(0,)), (3, 48, 48), facts((4, 8, 4, 2), (0,))
    # timm's EfficientViM: maps of odd sizes (80 → 5 × 5 → 3 × 3 → 2 × 2), distilled heads, Identity heads
    from timm.models import efficientvim

    small = dict(embed_dim=(16, 24, 32), depths=(1, 1, 2), state_dim=(9, 4, 2), num_classes=10)
    yield "EfficientViM", partial(efficientvim.EfficientViM, **small), (3, 80, 80)
    yield "EfficientViMDistilled", partial(efficientvim.EfficientViMDistilled, **small, ssd_expand=1.5,
                                           mlp_ratio=2.0), (3, 96, 64)
    yield "EfficientViM", partial(efficientvim.EfficientViM, **{**small, "num_classes": 0}), (3, 64, 64)


GROUPS["hieradet"] = (hieradet_cases, (
    "HieraDet", "HieraPatchEmbed", "MultiScaleBlock", "MultiScaleAttention", "EfficientViM", "EfficientViMDistilled",
    "EfficientViMStage", "EfficientViMBlock", "HSMSSD", "ConvLayer1d", "ConvLayer2d", "FFN", "PatchMerging"))


def leaves_cases():
    """timm's EvoNorm2dS0 (in EfficientNet, ResNetV2 blocks), BoTNet's and HaloNet's attention, BAT, MaxxVit."""
    from functools import partial

    import timm
    from timm.layers import EvoNorm2dS0, EvoNorm2dS0a
    from timm.models import maxxvit, resnetv2
    from torch import nn

    yield "EvoNorm2dS0", lambda: nn.Sequential(nn.Conv2d(3, 16, 3), EvoNorm2dS0(16, group_size=8),
                                               nn.Conv2d(16, 8, 1), EvoNorm2dS0a(8, groups=2)), (3, 16, 16)
    yield "EvoNorm2dS0", partial(timm.create_model, "test_efficientnet_evos", num_classes=10), (3, 64, 64)
    for preact in (True, False):
        yield "EvoNorm2dS0", partial(resnetv2.ResNetV2, layers=(1, 1, 1, 1), channels=(32, 64, 64, 96),
                                     stem_type="deep", avg_down=True, norm_layer=partial(EvoNorm2dS0, group_size=8),
                                     num_classes=10,
                                     preact=preact), (3, 64, 64)
    yield "BottleneckAttn", partial(timm.create_model, "botnet26t_256", img_size=128, num_classes=10), (3, 128, 128)
    yield "BottleneckAttn", partial(timm.create_model, "botnet50ts_256", img_size=128, num_classes=10), \
        (3, 128, 128), {"num_heads": "4"}
    yield "HaloAttn", partial(timm.create_model, "sehalonet33ts", num_classes=10), (3, 256, 256)
    yield "HaloAttn", partial(timm.create_model, "halonet26t", num_classes=10), (3, 256, 256), {"halo_size": "2"}
    yield "BatNonLocalAttn", partial(timm.create_model, "bat_resnext26ts", num_classes=10), (3, 256, 256)
    yield "MaxxVit", partial(timm.create_model, "test_maxvit", num_classes=10), (3, 160, 160), \
        {"partition_size": "5"}
    small = maxxvit.MaxxVitCfg(embed_dim=(32, 32, 64, 64), depths=(1, 1, 2, 1), block_type=("C", "C", "T", "T"),
                               stem_width=16)
    yield "MaxxVit", partial(maxxvit.MaxxVit, small, img_size=64, num_classes=10), (3, 64, 64)
    small = maxxvit.MaxxVitCfg(embed_dim=(32, 64, 64, 96), depths=(1, 2, 1, 1), block_type=("M",) * 4,
                               stem_width=16, transformer_cfg=maxxvit.MaxxVitTransformerCfg(dim_head=16))
    yield "MaxxVit", partial(maxxvit.MaxxVit, small, img_size=96, num_classes=10), (3, 96, 96), \
        {"partition_size": "3", "dim_head": "16"}


def crossvit_cases():
    """timm's CrossVit (a branch's image resized, multi_conv patch embeddings, fusion depth > 0, the avg pool) and TNT
    (legacy and not, the avg pool), small."""
    from functools import partial

    from timm.models import crossvit, tnt

    small = dict(img_size=48, img_scale=(1.0, 32 / 48), patch_size=(12, 16), embed_dim=(16, 24),
                 depth=((1, 2, 0), (1, 1, 0)), num_heads=(2, 2), mlp_ratio=(2, 2, 1), num_classes=10)
    yield "CrossVit", partial(crossvit.CrossVit, **small), (3, 48, 48), {"img_size_scaled": "48/32"}
    # an input of another size: each branch's image resized to its own
    yield "CrossVit", partial(crossvit.CrossVit, **small), (3, 40, 56), {"img_size_scaled": "48/32"}
    yield "CrossVit", partial(crossvit.CrossVit, **{**small, "depth": ((1, 1, 2),), "multi_conv": True},
                              global_pool="avg", crop_scale=True), (3, 48, 48), \
        {"img_size_scaled": "48/32", "global_pool": "avg"}
    yield "CrossVit", partial(crossvit.CrossVit, **{**small, "img_scale": (1.0, 1.0), "patch_size": (8, 16),
                                                    "depth": ((2, 1, 1),)}), (3, 48, 48), {"img_size_scaled": "48"}
    # no head: the branches' class tokens concatenated
    yield "CrossVit", partial(crossvit.CrossVit, **{**small, "num_classes": 0}), (3, 48, 48), {"img_size_scaled": "48/32"}
    yield "TNT", partial(tnt.TNT, img_size=32, patch_size=8, embed_dim=32, inner_dim=8, depth=2, num_heads_inner=2,
                         num_heads_outer=2, num_classes=10), (3, 32, 32), {"img_size": "32"}
    yield "TNT", partial(tnt.TNT, img_size=32, patch_size=8, embed_dim=32, inner_dim=8, depth=2, num_heads_inner=2,
                         num_heads_outer=2, legacy=True, qkv_bias=True, num_classes=10), (3, 32, 32), {"img_size": "32"}
    yield "TNT", partial(tnt.TNT, img_size=48, patch_size=16, embed_dim=32, inner_dim=8, depth=1, num_heads_inner=2,
                         num_heads_outer=2, first_stride=2, global_pool="avg", num_classes=10), (3, 48, 48), \
        {"img_size": "48", "global_pool": "avg"}


GROUPS["crossvit"] = (crossvit_cases, ("CrossVit", "MultiScaleBlock", "CrossAttentionBlock", "CrossAttention", "TNT",
                                       "PixelEmbed"))


GROUPS["leaves"] = (leaves_cases, (
    "EvoNorm2dS0", "EvoNorm2dS0a", "SelfAttnBlock", "BottleneckAttn", "HaloAttn", "PosEmbedRel", "BatNonLocalAttn",
    "BilinearAttnTransform", "MaxxVit", "MaxxVitStage", "MaxxVitBlock", "MbConvBlock", "PartitionAttentionCl",
    "AttentionCl", "TransformerBlock2d", "Attention2d", "RelPosBias"))

GROUPS["hybrid"] = (hybrid_cases, (
    "TinyVit", "TinyVitStage", "TinyVitBlock", "ConvLayer", "NormMlp", "FastVit", "FastVitStage",
    "ReparamLargeKernelConv", "RepMixer", "RepMixerBlock", "AttentionBlock", "RepConditionalPosEnc", "EdgeNeXt",
    "EdgeNeXtStage", "ConvBlock", "SplitTransposeBlock", "CrossCovarianceAttn", "NextViT", "NextStage",
    "NextConvBlock", "ConvAttention", "NextTransformerBlock", "EfficientAttention", "EfficientFormerV2",
    "EfficientFormerV2Stage", "EfficientFormerV2Block", "ConvMlpWithNorm", "LocalGlobalQuery", "Attention2d",
    "Attention2dDownsample", "IFormer", "SHMABlock", "FFN", "RepCPE", "SHMA"))


def eva_cases():
    """timm's Eva (rotary embeddings: cached and dynamic, fused and separate qkv, AttentionRope), the DeepSeek and
    Qwen3 vision encoders and classifiers, ViT's ParallelScalingBlock and DiffAttention, small."""
    from functools import partial

    from timm.layers import RmsNorm
    from timm.models import (
        deepseek_vit,
        eva,
        gemma4_vit,
        naflexvit,
        qwen3_vit,
        vision_transformer,
        vision_transformer_relpos,
        vision_transformer_sam,
    )

    small = {"img_size": 64, "patch_size": 16, "embed_dim": 32, "depth": 2, "num_heads": 2, "num_classes": 10}
    yield "Eva", partial(eva.Eva, **small, qkv_fused=False, mlp_ratio=4 * 2 / 3, swiglu_mlp=True, scale_mlp=True,
                         use_rot_pos_emb=True, ref_feat_shape=(4, 4)), (3, 64, 64), \
        {"dim": "16"}
    yield "Eva", partial(eva.Eva, **small, dynamic_img_size=True, qkv_bias=True, init_values=1e-5,
                         rope_type="dinov3", use_rot_pos_emb=True, use_abs_pos_emb=False, num_reg_tokens=2,
                         global_pool="token"), (3, 48, 80), \
        {"dim": "16", "dynamic_img_size": "true", "reg_tokens": "2", "layer_scale": "true", "pos_embed": "none",
         "global_pool": "token"}
    yield "Eva", partial(eva.Eva, **small, attn_type="rope", use_rot_pos_emb=True, init_values=1e-5,
                         attn_only_layer_scale=True, class_token=False, global_pool="avg"), (3, 64, 64), \
        {"dim": "16", "class_token": "false", "layer_scale": "true", "attn_only_layer_scale": "true"}
    # grouped-query attention (2 k/v heads for 4 q heads) with per-head q/k norms
    yield "Eva", partial(eva.Eva, **{**small, "num_heads": 4}, attn_type="rope", qkv_fused=False, num_kv_heads=2,
                         use_rot_pos_emb=True, qk_norm=True), (3, 64, 64), {"dim": "8"}
    yield "Eva", partial(eva.Eva, **small, qkv_bias=False, use_rot_pos_emb=True, no_embed_class=True),  \
        (3, 64, 64), {"dim": "16", "qkv_bias": "false", "no_embed_class": "true"}
    enc = {"embed_dim": 32, "depth": 2, "num_heads": 2}
    yield "DeepseekVitClassifier", partial(deepseek_vit.DeepseekVitClassifier, img_size=56, patch_size=14,
                                           num_classes=10, **enc), (3, 56, 70), {"dim": "16"}
    # a 5 × 5 grid zero-padded to 6 × 6 for the aligner's 3 × 3 patches
    yield "DeepseekVitEncoder", partial(deepseek_vit.DeepseekVitEncoder, img_size=70, patch_size=14,
                                        out_features=40, **enc), (3, 70, 70), {"dim": "16"}
    yield "Qwen3VitClassifier", partial(qwen3_vit.Qwen3VitClassifier, img_size=64, patch_size=16, num_classes=10,
                                        pos_embed_grid_size=4, **enc), (3, 64, 96), \
        {"dim": "16", "pos_embed_grid_size": "4"}
    yield "Qwen3VitEncoder", partial(qwen3_vit.Qwen3VitEncoder, img_size=64, patch_size=16, out_features=40,
                                     pos_embed_grid_size=4, **enc), (3, 64, 64), \
        {"dim": "16", "pos_embed_grid_size": "4"}
    yield "ParallelScalingBlock", partial(vision_transformer.VisionTransformer, **small, no_embed_class=True,
                                          norm_layer=RmsNorm, block_fn=vision_transformer.ParallelScalingBlock,
                                          qkv_bias=False, qk_norm=True, pre_norm=True), (3, 64, 64), \
        {"num_heads": "2", "no_embed_class": "true"}
    yield "DiffAttention", partial(vision_transformer.VisionTransformer, **small, init_values=1e-5,
                                   class_token=False, no_embed_class=True, reg_tokens=1, global_pool="avg",
                                   attn_layer="diff"), (3, 64, 64), \
        {"num_heads": "2", "class_token": "false", "no_embed_class": "true", "reg_tokens": "1", "global_pool": "avg"}

    yield "NaFlexVit", partial(naflexvit.NaFlexVit, naflexvit.NaFlexVitCfg(
        patch_size=8, embed_dim=32, depth=2, num_heads=2, reg_tokens=2, class_token=True, pos_embed_grid_size=(4, 4),
        global_pool="avg", init_values=1e-5), num_classes=10), (3, 48, 40), \
        {"patch_size": "8", "class_token": "true", "reg_tokens": "2", "pos_embed_grid_size": "4", "global_pool": "avg"}
    yield "NaFlexVit", partial(naflexvit.NaFlexVit, naflexvit.NaFlexVitCfg(
        patch_size=8, embed_dim=32, depth=1, num_heads=2, pos_embed="factorized", pos_embed_grid_size=(4, 4)),
        num_classes=10), (3, 32, 32), {"patch_size": "8", "pos_embed": "factorized", "pos_embed_grid_size": "4"}

    rel = {"img_size": 64, "patch_size": 16, "embed_dim": 32, "depth": 2, "num_heads": 2, "num_classes": 10}
    yield "VisionTransformerRelPos", partial(vision_transformer_relpos.VisionTransformerRelPos, **rel,
                                             class_token=True, global_pool="token", init_values=1e-5), \
        (3, 64, 64), {"window_size": "4", "class_token": "true", "global_pool": "token"}
    yield "VisionTransformerRelPos", partial(vision_transformer_relpos.VisionTransformerRelPos, **rel,
                                             shared_rel_pos=True, rel_pos_dim=24), (3, 64, 64), {"window_size": "4"}

    # an 8 × 8 grid padded to 9 × 9 for the 3 × 3 windows; block 1 global (its relative positions sized by the 8 × 8
    # grid built, interpolated to the 6 × 7 read)
    sam = {"img_size": 64, "patch_size": 8, "embed_dim": 32, "depth": 3, "num_heads": 2, "window_size": 3,
           "global_attn_indexes": (1,), "use_rel_pos": True, "neck_chans": 16, "num_classes": 10}
    sam_assume = {"num_heads": "2", "window_size": "3", "global_attn_indexes": "1", "use_rel_pos": "true",
                  "img_size": "64"}
    yield "VisionTransformerSAM", partial(vision_transformer_sam.VisionTransformerSAM, **sam), (3, 64, 64), sam_assume
    yield "VisionTransformerSAM", partial(vision_transformer_sam.VisionTransformerSAM, **sam), (3, 48, 56), sam_assume

    gemma = {"patch_size": 8, "embed_dim": 32, "depth": 2, "num_heads": 2, "head_dim": 12, "intermediate_size": 48,
             "position_embedding_size": 64, "pooling_kernel_size": 2}
    gemma_assume = {"patch_size": "8", "head_dim": "12", "position_embedding_size": "64", "pooling_kernel_size": "2"}
    yield "Gemma4VitClassifier", partial(gemma4_vit.Gemma4VitClassifier, img_size=64, num_classes=10,
                                         use_clipped_linears=True, **gemma), (3, 48, 40), \
        {**gemma_assume, "use_clipped_linears": "true"}
    yield "Gemma4VitEncoder", partial(gemma4_vit.Gemma4VitEncoder, img_size=64, standardize=True, **gemma), \
        (3, 48, 32), {**gemma_assume, "standardize": "true"}


GROUPS["eva"] = (eva_cases, (
    "Gemma4VitClassifier", "Gemma4VitEncoder", "Gemma4PatchEmbed", "Gemma4RotaryEmbedding2D", "Gemma4Block",
    "Gemma4Attention", "Gemma4ClippableLinear", "Gemma4GatedMlp", "Gemma4VisionPooler", "VisionTransformerSAM", "VisionTransformerRelPos", "RelPosBlock", "RelPosAttention", "RelPosMlp", "NaFlexVit", "NaFlexEmbeds", "Eva", "EvaBlock", "EvaAttention", "AttentionRope", "RotaryEmbeddingCat", "RotaryEmbeddingDinoV3",
    "DeepseekVitClassifier", "DeepseekVitEncoder", "DeepseekVitBlock", "DeepseekVitAligner", "Qwen3VitClassifier",
    "Qwen3VitEncoder", "Qwen3VitPatchMerger", "ParallelScalingBlock", "DiffAttention"))


def gcvit_cases():
    """timm's GCViT, small: its windows and heads (not printed) as a user states them."""
    from functools import partial

    from timm.models import gcvit

    # timm's defaults at 224 (window_ratio 32/32/16/32: windows 7/7/14/7), narrow
    yield "GlobalContextVit", partial(gcvit.GlobalContextVit, embed_dim=16, depths=(1, 2, 2, 1), num_heads=(1, 2, 4, 8),
                                      mlp_ratio=2, num_classes=10), (3, 224, 224), \
        {"window_size": "7/7/14/7", "num_heads": "1/2/4/8"}
    # img_size 64 (windows 2/2/4/2), layer scale, odd depths
    yield "GlobalContextVit", partial(gcvit.GlobalContextVit, img_size=64, embed_dim=32, depths=(3, 2, 1, 2),
                                      num_heads=(2, 2, 4, 4), layer_scale=1e-5, num_classes=10), (3, 64, 64), \
        {"window_size": "2/2/4/2", "num_heads": "2/2/4/4"}
    # windows stated directly: 4/2/2/2 (2, 2, 1 and 0 pools in the global blocks)
    yield "GlobalContextVit", partial(gcvit.GlobalContextVit, img_size=64, embed_dim=16, depths=(2, 2, 3, 2),
                                      window_size=(4, 2, 2, 2), num_heads=(2, 4, 8, 8), num_classes=10), \
        (3, 64, 64), {"window_size": "4/2/2/2", "num_heads": "2/4/8/8"}


GROUPS["gcvit"] = (gcvit_cases, (
    "GlobalContextVit", "GlobalContextVitStage", "FeatureBlock", "GlobalContextVitBlock", "WindowAttentionGlobal",
    "MbConvBlock", "Downsample2d", "RelPosBias"))


def maxvit_cases():
    """torchvision's MaxViT, small (input_size, partition_size and head_dim as a user states them)."""
    from functools import partial

    from torchvision.models import maxvit

    yield "MaxVit", partial(maxvit.MaxVit, input_size=(64, 64), stem_channels=8, partition_size=2,
                            block_channels=[8, 16, 16, 32], block_layers=[1, 2, 1, 1], head_dim=8,
                            stochastic_depth_prob=0.2, num_classes=10), (3, 64, 64), \
        {"input_size": "64", "partition_size": "2", "head_dim": "8"}
    yield "MaxVit", partial(maxvit.MaxVit, input_size=(96, 96), stem_channels=8, partition_size=3,
                            block_channels=[8, 16, 24, 32], block_layers=[1, 1, 2, 1], head_dim=4,
                            stochastic_depth_prob=0.0, num_classes=10), (3, 96, 96), \
        {"input_size": "96", "partition_size": "3", "head_dim": "4"}
    # torchvision's maxvit_t defaults (224, partition 7), narrower, head_dim 32 as maxvit_t
    yield "MaxVit", partial(maxvit.MaxVit, input_size=(224, 224), stem_channels=16, partition_size=7,
                            block_channels=[32, 32, 64, 64], block_layers=[1, 1, 1, 1], head_dim=32,
                            stochastic_depth_prob=0.2, num_classes=10), (3, 224, 224)


GROUPS["maxvit"] = (maxvit_cases, (
    "MaxVit", "MaxVitBlock", "MaxVitLayer", "MBConv", "PartitionAttentionLayer", "RelativePositionalMultiHeadAttention",
    "SwapAxes", "WindowPartition", "WindowDepartition"))


def mvit_cases():
    """timm's MViTv2 (MultiScaleVit), small: heads doubling each stage, expand_attn=False (shortcut_proj_mlp), an
    absolute position embedding, another kv stride (img_size and use_abs_pos as a user states them)."""
    from functools import partial

    from timm.models.mvitv2 import MultiScaleVit, MultiScaleVitCfg

    def mvit(img, **cfg):
        return partial(MultiScaleVit, MultiScaleVitCfg(**cfg), img_size=img, num_classes=10)

    yield "MultiScaleVit", mvit(64, depths=(1, 2, 1, 1), embed_dim=16, num_heads=2), (3, 64, 64), {"img_size": "64"}
    yield "MultiScaleVit", mvit(64, depths=(1, 2, 1, 2), embed_dim=16, num_heads=2, expand_attn=False), \
        (3, 64, 64), {"img_size": "64"}
    yield "MultiScaleVit", mvit(96, depths=(1, 1, 1, 1), embed_dim=8, num_heads=1, use_abs_pos=True), \
        (3, 96, 96), {"img_size": "96", "use_abs_pos": "true"}
    yield "MultiScaleVit", mvit(64, depths=(1, 1, 2, 1), embed_dim=8, num_heads=1, stride_kv_adaptive=(2, 2)), \
        (3, 64, 64), {"img_size": "64"}


GROUPS["mvit"] = (mvit_cases, ("MultiScaleVit", "MultiScaleVitStage", "MultiScaleBlock", "MultiScaleAttention"))


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
