"""Every worked example of the five course notes (../shared/seeds/) that --explain, solve, corr2d and pool
cover, typed the way the note writes it, asserting the note's number — or the corrected one where the note
slips, with the note's words quoted.

000 d2l (PyTorch, v1) notes by Cynthia · 001 Li Hongyi's CNN lecture · 002 Liu Er's PyTorch course ·
003 d2l (v2) "卷积神经网络(原理解释+代码详解)" · 004 "Deep Learning from Scratch" (鱼书), chapter 7.
Where a note shows a matrix only in a figure, the figure's source (the book or the lecture slide) gives it.
"""

import json
import os

import pytest
from typer.testing import CliRunner

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from convcalc.cli import app  # noqa: E402

runner = CliRunner()

D2L_X = "torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])"
D2L_K = "torch.tensor([[0.0, 1.0], [2.0, 3.0]])"


def run(*args) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def values(*args):
    return json.loads(run(*args, "--json"))["output"]


def layers(*args) -> list[dict]:
    return json.loads(run(*args, "--explain", "--json"))["layers"]


# ---------------------------------------------------------------------------------------------------------
# 003 — d2l v2 (the note that writes out its code)
# ---------------------------------------------------------------------------------------------------------
def test_003_corr2d():
    # "最终得到高度为2,宽度为2的输出" — d2l's corr2d(X, K) = [[19, 25], [37, 43]]
    assert values("corr2d", D2L_X, D2L_K) == [[19, 25], [37, 43]]
    # "输出大小 = (n(k)-k(h)+1) × (n(w)-k(w)+1)": (3 − 2 + 1) × (3 − 2 + 1)
    explain = json.loads(run("corr2d", D2L_X, D2L_K, "--explain", "--json"))["explain"]
    assert "OH = OW = (H + 2P − FH)/S + 1 = (3 + 2·0 − 2)/1 + 1 = 2" in explain
    assert "Y[0,0] = 0·0 + 1·1 + 3·2 + 4·3 = 19" in explain


def test_003_edge_detection():
    # X = torch.ones((6, 8)); X[:, 2:6] = 0; K = torch.tensor([[1.0, -1.0]]); Y = corr2d(X, K): 6x7, 1 where
    # white turns black, -1 where black turns white
    x = "; ".join(["1 1 0 0 0 0 1 1"] * 6)
    assert values("corr2d", x, "torch.tensor([[1.0, -1.0]])") == [[0, 1, 0, 0, 0, -1, 0]] * 6
    # "conv2d = nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)" on X.reshape((1, 1, 6, 8)): Y is (1, 1, 6, 7)
    row = layers("params", "--layers", "nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)", "--input",
                 "(1, 1, 6, 8)")[0]
    assert row["output_shape"] == [1, 6, 7]
    assert row["explain"]["params"].startswith("per filter C·FH·FW = 1·1·2 = 2 weights; in all C·FH·FW·FN = "
                                               "1·1·2·1 = 2 (no bias)")


@pytest.mark.parametrize("call,formula,out", [
    # "输入给定8×8,输出要求8×8;卷积核的大小为3×3,所有侧边填充1个像素"
    ("nn.Conv2d(1, 1, kernel_size=3, padding=1)", "OH = OW = (H + 2P − FH)/S + 1 = (8 + 2·1 − 3)/1 + 1 = 8", [1, 8, 8]),
    # "卷积核为5×3时,为了使输入和输出相同,高度填充2,宽度填充1"
    ("nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1))",
     "OH = (H + 2P − FH)/S + 1 = (8 + 2·2 − 5)/1 + 1 = 8; OW = (W + 2P − FW)/S + 1 = (8 + 2·1 − 3)/1 + 1 = 8",
     [1, 8, 8]),
    # "将高度和宽度的步幅设置为2 … # (8 + 2 - 3) / 2 = 4": the note slips — (8 + 2 − 3)/2 is 3.5, and the
    # formula has a + 1: (8 + 2·1 − 3)/2 + 1 = 4.5, floored to 4
    ("nn.Conv2d(1, 1, kernel_size=3, padding=1, stride=2)",
     "OH = OW = (H + 2P − FH)/S + 1 = (8 + 2·1 − 3)/2 + 1 = 4.5 → floor 4", [1, 4, 4]),
])
def test_003_padding_and_stride(call, formula, out):
    # comp_conv2d reshapes the 8x8 X to (1, 1, 8, 8)
    row = layers("shape", "--layers", call, "--input", "(1, 1, 8, 8)")[0]
    assert row["output_shape"] == out
    assert row["explain"]["shape"].startswith(formula)


def test_003_d2l_counts_padding_in_total():
    # d2l's p_h is the padding of both sides together: kernel_size=3, padding=1 is p_h = 2 = k_h − 1
    row = layers("shape", "--layers", "nn.Conv2d(1, 1, kernel_size=3, padding=1)", "--input", "(1, 1, 8, 8)")[0]
    assert row["explain"]["shape"].endswith("P = 1 on each side: d2l's total padding p_h = p_w = 2")


def test_003_multiple_input_channels():
    # corr2d_multi_in(X, K) on the note's two-channel X and K: [[56, 72], [104, 120]]
    x = ("torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],"
         "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])")
    k = "torch.tensor([[[0.0 ,1.0], [2.0, 3.0]],[[1.0, 2.0], [3.0, 4.0]]])"
    assert values("corr2d", x, k) == [[56, 72], [104, 120]]
    explain = json.loads(run("corr2d", x, k, "--explain", "--json"))["explain"]
    assert "Y[0,0] = (0·0 + 1·1 + 3·2 + 4·3) + (1·1 + 2·2 + 4·3 + 5·4) = 19 + 37 = 56" in explain


def test_003_multiple_output_channels():
    # K = torch.stack((K, K + 1, K + 2), 0): K.shape is (3, 2, 2, 2); corr2d_multi_in_out(X, K)
    x = "[[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]"
    k = ("[[[[0, 1], [2, 3]], [[1, 2], [3, 4]]], [[[1, 2], [3, 4]], [[2, 3], [4, 5]]], "
         "[[[2, 3], [4, 5]], [[3, 4], [5, 6]]]]")
    data = json.loads(run("corr2d", x, k, "--json"))
    assert data["kernel_shape"] == [3, 2, 2, 2]
    assert data["output"] == [[[56, 72], [104, 120]], [[76, 100], [148, 172]], [[96, 128], [192, 224]]]


def test_003_one_by_one_conv_shape():
    # X = torch.normal(0, 1, (3, 3, 3)); K = torch.normal(0, 1, (2, 3, 1, 1)): Y is 2x3x3, a dense layer 3 → 2
    row = layers("params", "--layers", "nn.Conv2d(3, 2, kernel_size=1)", "--input", "3x3x3")[0]
    assert row["output_shape"] == [2, 3, 3]
    assert row["explain"]["params"].endswith("a 1x1 conv is one 3→2 dense layer shared by all 3x3 positions")


def test_003_pool2d():
    # pool2d(X, (2, 2)) slides by 1: max [[4, 5], [7, 8]], average [[2, 3], [5, 6]]
    assert values("pool", D2L_X, "--kernel", "(2, 2)", "--stride", "1") == [[4, 5], [7, 8]]
    assert values("pool", D2L_X, "--kernel", "(2, 2)", "--stride", "1", "--mode", "avg") == [[2, 3], [5, 6]]
    # nn.MaxPool2d's stride is its kernel size: the same call without --stride gives one window, and says so
    result = runner.invoke(app, ["pool", D2L_X, "--kernel", "2"])
    assert result.stdout == "[[4]]\n" and "d2l's pool2d slides by 1: add --stride 1" in result.stderr


def test_003_pooling_padding_stride_and_channels():
    x = "torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))"
    # pool2d = nn.MaxPool2d(3, padding=1, stride=2); pool2d(X)
    assert values("pool", x, "--kernel", "3", "--padding", "1", "--stride", "2") == [[[5, 7], [13, 15]]]
    # X = torch.cat((X, X + 1), 1): each channel pooled on its own, the channels kept
    both = "[[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]], (torch.arange(16).reshape(4, 4) + 1)]"
    assert values("pool", both, "--kernel", "3", "--padding", "1", "--stride", "2") == [
        [[5, 7], [13, 15]], [[6, 8], [14, 16]]]
    row = layers("shape", "--layers", "nn.MaxPool2d(3, padding=1, stride=2)", "--input", "(1, 2, 4, 4)")[0]
    assert row["output_shape"] == [2, 2, 2]
    assert "2 channels kept: each channel on its own" in row["explain"]["shape"]


def test_003_odd_kernels_keep_the_size():
    # "卷积核为什么一般选择奇数? … 保持空间维度的同时,我们可以在顶部和底部填充相同数量的行"
    keep = json.loads(run("solve", "--in", "8", "--keep", "--json"))["solutions"]
    assert [(s["kernel_size"], s["padding"]) for s in keep] == [(1, 0), (3, 1), (5, 2), (7, 3), (9, 4), (11, 5)]
    even = runner.invoke(app, ["solve", "--in", "8", "--keep", "--kernel", "4"])
    assert even.exit_code == 1
    assert "an even kernel (4) cannot keep the size with the same padding on both sides" in even.stderr


# ---------------------------------------------------------------------------------------------------------
# 000 — d2l v1
# ---------------------------------------------------------------------------------------------------------
def test_000_figure_1_and_receptive_field():
    # 图1 二维互相关运算: the shaded output element 0·0 + 1·1 + 3·2 + 4·3 = 19
    assert values("corr2d", "0 1 2; 3 4 5; 6 7 8", "0 1; 2 3")[0][0] == 19
    # "x在y上的感受野包括y的全部四个元素,在输入上的感受野包括其中全部9个元素": Z (1x1) from Y (2x2) from X (3x3)
    rows = layers("rf", "--layers", "conv2d(1, 2), conv2d(1, 2)", "--input", "3x3")
    assert rows[1]["receptive_field"] == [3, 3]  # 3·3 = 9 elements of X
    assert rows[1]["explain"]["rf"] == "rf 2 + (2 − 1)·1 = 3, jump 1·1 = 1, start 0.5 + ((2 − 1)/2 − 0)·1 = 1"


def test_000_figure_3_strides_3_and_2():
    # 图3 高和宽上步幅分别为3和2: d2l pads X by 1 and slides K by 3 down, 2 across: [[0, 8], [6, 8]]
    assert values("corr2d", "0 1 2; 3 4 5; 6 7 8", "0 1; 2 3", "--padding", "1", "--stride", "3x2") == [[0, 8], [6, 8]]


def test_000_figure_4_two_input_channels():
    assert values("corr2d", "0 1 2; 3 4 5; 6 7 8 | 1 2 3; 4 5 6; 7 8 9", "0 1; 2 3 | 1 2; 3 4") == [
        [56, 72], [104, 120]]


def test_000_figure_6_max_pooling():
    assert values("pool", "0 1 2; 3 4 5; 6 7 8", "--kernel", "2", "--stride", "1") == [[4, 5], [7, 8]]


def test_000_conv_against_dense_parameters():
    # "一个形状为 c_i×c_o×k_h×k_w 的卷积核的参数量 … 与输入图像的宽高无关 … 全连接层 (c_i·h·w)·(c_o·h'·w')"
    small = layers("params", "--layers", "conv2d(2, 3, padding=1)", "--input", "3x8x8")[0]
    large = layers("params", "--layers", "conv2d(2, 3, padding=1)", "--input", "3x64x64")[0]
    assert small["weights"] == large["weights"] == 3 * 2 * 3 * 3
    assert "dense: (3·64·64)·(2·64·64) = 100,663,296 weights" in large["explain"]["params"]


def test_000_lenet_conv_block():
    # "卷积层由于使用高和宽均为5的卷积核,从而将高和宽分别减小4,而池化层则将高和宽减半,但通道数则从1增加到16"
    rows = layers("shape", "--layers", "Conv2d(1, 6, 5), Sigmoid(), AvgPool2d(2, 2), Conv2d(6, 16, 5), Sigmoid(), "
                                       "AvgPool2d(2, 2)", "--input", "1x28x28")
    assert [r["output_shape"] for r in rows] == [[6, 24, 24], [6, 24, 24], [6, 12, 12], [16, 8, 8], [16, 8, 8],
                                                 [16, 4, 4]]
    assert rows[0]["explain"]["shape"].startswith("OH = OW = (H + 2P − FH)/S + 1 = (28 + 2·0 − 5)/1 + 1 = 24; "
                                                  "6 filters → 6 output channels")
    assert rows[2]["explain"]["shape"].startswith("OH = OW = (H + 2P − FH)/S + 1 = (24 + 2·0 − 2)/2 + 1 = 12")


# ---------------------------------------------------------------------------------------------------------
# 001 — Li Hongyi, ML lecture 10: CNN
# ---------------------------------------------------------------------------------------------------------
LHY_IMAGE = "1 0 0 0 0 1; 0 1 0 0 1 0; 0 0 1 1 0 0; 1 0 0 0 1 0; 0 1 0 0 1 0; 0 0 1 0 1 0"
LHY_FILTERS = "[[[[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]], [[[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]]]]"


def test_001_max_pooling_gives_3_0_3_1():
    # "上图池化完就是: 3 0 / 3 1" — the lecture's 6x6 image through filter 1 (stride 1), then 2x2 max pooling
    maps = values("corr2d", LHY_IMAGE, LHY_FILTERS)
    assert maps[0] == [[3, -1, -3, -1], [-3, 1, 0, -3], [-3, -3, 0, 1], [3, -2, -2, -1]]
    assert values("pool", json.dumps(maps), "--kernel", "2") == [[[3, 0], [3, 1]], [[-1, 1], [0, 3]]]
    # the slide's stride 2: 3 -3 / -3 0
    assert values("corr2d", LHY_IMAGE, "1 -1 -1; -1 1 -1; -1 -1 1", "--stride", "2") == [[3, -3], [-3, 0]]


def test_001_filters_have_the_inputs_channels_and_give_one_channel_each():
    # "输入是RGB图像3通道 滤波器也是3通道 那么输出就是1通道 … 用2个滤波器 … 那么输出就是2通道"
    rgb = "0 1; 2 3 | 1 1; 1 1 | 2 0; 0 2"
    assert json.loads(run("corr2d", rgb, "1 0; 0 1 | 1 1; 1 1 | 0 1; 1 0", "--json"))["output_shape"] == [1, 1]
    two = json.loads(run("corr2d", rgb, "[[[[1]], [[1]], [[1]]], [[[1]], [[0]], [[0]]]]", "--json"))
    assert two["output_shape"] == [2, 2, 2]
    mismatch = runner.invoke(app, ["corr2d", rgb, "1 0; 0 1"])
    assert mismatch.exit_code == 1 and "a filter's channels must equal the input's" in mismatch.stderr


def test_001_pooling_is_a_conv_with_stride_equal_to_its_kernel():
    # "可以把池化看做特殊的卷积操作,步长是和卷积核大小一样,padding为0"
    row = layers("shape", "--layers", "maxpool2d(2)", "--input", "25x26x26")[0]
    assert "S = 2: a pool's stride defaults to its kernel size" in row["explain"]["shape"]


def test_001_the_lectures_network():
    # "如果输入时1 8 28 * 28 经过2层卷积层和池化后就是 50 *11 * 11": the note slips twice — the input is 1 × 28 × 28,
    # and 50 × 11 × 11 is the second conv's output, before the second pooling (after it: 50 × 5 × 5)
    rows = layers("params", "--layers", "Conv2d(1, 25, 3), MaxPool2d(2), Conv2d(25, 50, 3), MaxPool2d(2)",
                  "--input", "1x28x28")
    assert [r["output_shape"] for r in rows] == [[25, 26, 26], [25, 13, 13], [50, 11, 11], [50, 5, 5]]
    # the lecture's parameter counts: 9 per filter in the first conv, 225 in the second
    assert rows[0]["explain"]["params"].startswith("per filter C·FH·FW = 1·3·3 = 9 weights")
    assert rows[2]["explain"]["params"].startswith("per filter C·FH·FW = 25·3·3 = 225 weights")


def test_001_a_10x10x32_feature_has_100_positions():
    # "比如一个10x10x32的卷积特征,对应1⩽i⩽32,1⩽j⩽100": 32 channels of 10·10 = 100 positions
    rows = layers("params", "--layers", "conv2d(32, 3, padding=1), flatten", "--input", "1x10x10")
    assert "× 10·10 output positions" in rows[0]["explain"]["params"]
    assert rows[1]["explain"]["shape"] == "C·H·W = 32·10·10 = 3,200"


# ---------------------------------------------------------------------------------------------------------
# 002 — Liu Er, PyTorch deep learning practice
# ---------------------------------------------------------------------------------------------------------
def test_002_conv_layer_shapes():
    # in_channels, out_channnels = 5, 10; input = torch.randn(batch_size, in_channels, width, height);
    # torch.Size([1, 10, 98, 98]); weight torch.Size([10, 5, 3, 3]). The note's comment calls the weight
    # "(input_chnnal,output_channal,w,h)": it is (out, in, h, w) = (10, 5, 3, 3)
    row = layers("params", "--layers", "torch.nn.Conv2d(5, 10, kernel_size=3)", "--input",
                 "torch.Size([1, 5, 100, 100])")[0]
    assert row["output_shape"] == [10, 98, 98] and row["weight_shape"] == [10, 5, 3, 3]
    assert row["explain"]["params"].startswith("per filter C·FH·FW = 5·3·3 = 45 weights; "
                                               "in all C·FH·FW·FN + FN = 5·3·3·10 + 10 = 460")


def test_002_padding_and_max_pooling():
    # "5x5的原输入经过padding=1的输入,在经过kernelsize=3的卷积,输出为5+2-2=5"
    row = layers("shape", "--layers", "Conv2d(1, 1, kernel_size=3, padding=1)", "--input", "1x5x5")[0]
    assert row["explain"]["shape"].startswith("OH = OW = (H + 2P − FH)/S + 1 = (5 + 2·1 − 3)/1 + 1 = 5")
    # "如4x4通过mapooling=2x2,变为2x2"
    assert values("pool", "torch.arange(16).reshape(4, 4)", "--kernel", "2") == [[5, 7], [13, 15]]


NET = """
class Net(torch.nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1=torch.nn.Conv2d(1,10,kernel_size=5)
        self.conv2=torch.nn.Conv2d(10,20,kernel_size=5)
        self.poolig=torch.nn.MaxPool2d(2)
        self.fc=torch.nn.Linear(320,10)#像这个如果输入不知道的话可以先用pytorch算一下

    def forward(self,x):
        batch_size=x.size(0)        #1.Flatten data from(n,1,28,28) to (n,784)
        x=F.relu(self.poolig(self.conv1(x)))
        x=F.relu(self.poolig(self.conv2(x)))
        x=x.view(batch_size,-1)
        x=self.fc(x)
        return x
"""


def test_002_the_small_example_net(tmp_path):
    # "self.fc=torch.nn.Linear(320,10)#像这个如果输入不知道的话可以先用pytorch算一下": convcalc says where 320 comes from
    path = tmp_path / "net.py"
    path.write_text(NET, encoding="utf-8")
    rows = [r for r in layers("shape", str(path), "--input", "1x1x28x28") if r["type"] != "relu"]
    assert [r["output_shape"] for r in rows] == [[10, 24, 24], [10, 12, 12], [20, 8, 8], [20, 4, 4], [320], [10]]
    assert rows[4]["explain"]["shape"] == "C·H·W = 20·4·4 = 320"  # x.view(batch_size, -1)


def test_002_one_by_one_convs_cut_the_cost():
    # the inception figure ("参数量"): a 5x5 conv to 32 channels on 192x28x28 costs 120,422,400 MACs;
    # a 1x1 conv to 16 channels first brings it to 2,408,448 + 10,035,200 = 12,443,648
    direct = layers("params", "--layers", "conv2d(32, 5, padding=2)", "--input", "192x28x28")[0]
    assert "MACs = 153,600 weights × 28·28 output positions = 120,422,400" in direct["explain"]["params"]
    reduced = layers("params", "--layers", "conv2d(16, 1), conv2d(32, 5, padding=2)", "--input", "192x28x28")
    assert [r["macs"] for r in reduced] == [2_408_448, 10_035_200]


def test_002_googlenet_inception_concatenates():
    # the GoogLeNet figure: inception (3a) joins 64 + 128 + 32 + 32 = 256 channels
    report = json.loads(run("shape", "googlenet", "--explain", "--json"))
    row = next(r for r in report["layers"] if r["type"] == "inception")
    assert row["explain"]["shape"] == "C = 64 + 128 + 32 + 32 = 256: concatenated on the channels (every input is " \
                                      "28x28)"


# ---------------------------------------------------------------------------------------------------------
# 004 — "Deep Learning from Scratch" (鱼书), 7.2
# ---------------------------------------------------------------------------------------------------------
BOOK_X = "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1"
BOOK_F = "2 0 1; 0 1 2; 1 0 2"


def test_004_convolution_and_bias():
    # "卷积运算图例,来源于教材" (figure 7-3): [[15, 16], [6, 15]]; with the bias 3 (figure 7-5): [[18, 19], [9, 18]]
    assert values("corr2d", BOOK_X, BOOK_F) == [[15, 16], [6, 15]]
    assert values("corr2d", BOOK_X, BOOK_F, "--bias", "3") == [[18, 19], [9, 18]]


def test_004_padding():
    # "填充值为1,4×4的图像与3×3的卷积核进行卷积运算,得到的输出特征图的大小是4×4" (figure 7-6)
    assert values("corr2d", BOOK_X, BOOK_F, "--padding", "1") == [
        [7, 12, 10, 2], [4, 15, 16, 10], [10, 6, 15, 6], [8, 10, 4, 3]]


@pytest.mark.parametrize("call,size,formula,out", [
    # "对输入大小为(7×7)的数据,以步幅为2应用滤波器,输出大小为(3×3)"
    ("conv2d(1, 3, stride=2)", "1x7x7", "OH = OW = (H + 2P − FH)/S + 1 = (7 + 2·0 − 3)/2 + 1 = 3", [1, 3, 3]),
    # the book's example 1 and 3 of the formula OH = (H + 2P − FH)/S + 1
    ("conv2d(1, 3, padding=1)", "1x4x4", "OH = OW = (H + 2P − FH)/S + 1 = (4 + 2·1 − 3)/1 + 1 = 4", [1, 4, 4]),
    ("conv2d(1, 5, stride=3, padding=2)", "1x28x31",
     "OH = (H + 2P − FH)/S + 1 = (28 + 2·2 − 5)/3 + 1 = 10; OW = (W + 2P − FW)/S + 1 = (31 + 2·2 − 5)/3 + 1 = 11",
     [1, 10, 11]),
])
def test_004_the_output_size_formula(call, size, formula, out):
    row = layers("shape", "--layers", call, "--input", size)[0]
    assert row["output_shape"] == out and row["explain"]["shape"].startswith(formula)


def test_004_an_inexact_division_is_floored_as_torch_does():
    # "当OH和OW的值无法除尽时,需要采取相应报错对策,有时…四舍五入": torch floors, and convcalc says which rows it drops
    row = layers("shape", "--layers", "conv2d(1, 3, stride=2)", "--input", "1x8x8")[0]
    assert row["explain"]["shape"] == (
        "OH = OW = (H + 2P − FH)/S + 1 = (8 + 2·0 − 3)/2 + 1 = 3.5 → floor 3; 1 filter → 1 output channel; "
        "the last 1 row and 1 column of the input never covered: the floor drops them")


def test_004_filters_channels_and_bias_shape():
    # "输入数据和滤波器的通道数要设置成相同的值"; FN filters give (FN, OH, OW); the bias is (FN, 1, 1)
    mismatch = runner.invoke(app, ["corr2d", BOOK_X + " | " + BOOK_X + " | " + BOOK_X, BOOK_F + " | " + BOOK_F])
    assert mismatch.exit_code == 1
    row = layers("params", "--layers", "conv2d(4, 3)", "--input", "3x4x4")[0]
    assert row["output_shape"] == [4, 2, 2] and row["bias"] == 4
    assert row["explain"]["params"].startswith("per filter C·FH·FW = 3·3·3 = 27 weights; in all C·FH·FW·FN + FN = "
                                               "3·3·3·4 + 4 = 112")
