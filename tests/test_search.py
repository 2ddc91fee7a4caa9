"""The input-size searches (check --min-input) try sizes on shapes alone and extrapolate the exact sizes over
the network's period; both must agree with full analyses, size by size (brute force)."""

import pytest

from convcalc import analyze, catalog
from convcalc.report import INEXACT, exact_inputs, smallest_input, trial


def brute_exact(network, start, stop):
    c, ndim = network.input_shape[0], len(network.input_shape) - 1
    found = []
    for n in range(start, stop + 1):
        report = analyze(network, input_shape=(c, *(n,) * ndim))
        if report.ok and not any(d.code in INEXACT for d in report.diagnostics):
            found.append(report.input_shape)
    return found


@pytest.mark.parametrize("name", ["lenet", "alexnet", "resnet18", "squeezenet1_0", "googlenet-torchvision", "unet"])
def test_trial_agrees_with_analyze(name):
    network = catalog.load(name)
    c, ndim = network.input_shape[0], len(network.input_shape) - 1
    for n in list(range(1, 40)) + [63, 64, 65, 100, 127, 224]:
        report = analyze(network, input_shape=(c, *(n,) * ndim))
        error, exact = trial(network, (c, *(n,) * ndim))
        assert (error is None) == report.ok, (name, n)
        assert exact == (report.ok and not any(d.code in INEXACT for d in report.diagnostics)), (name, n)


@pytest.mark.parametrize("name,stop", [("lenet", 120), ("alexnet", 230), ("resnet18", 200), ("squeezenet1_0", 160),
                                       ("googlenet-torchvision", 140)])
def test_exact_inputs_equal_brute_force(name, stop):
    network = catalog.load(name)
    smallest, _ = smallest_input(network)
    assert exact_inputs(network, smallest[1], stop) == brute_exact(network, smallest[1], stop)


@pytest.mark.parametrize("name,smallest", [("googlenet-torchvision", 15), ("alexnet", 63), ("squeezenet1_0", 21),
                                           ("densenet121", 29), ("inception_v3", 75), ("vgg16", 32)])
def test_smallest_inputs_are_torchvisions(name, smallest):
    """REFERENCE.md: the minimum input sizes torchvision's models accept."""
    found, below = smallest_input(catalog.load(name))
    assert found[1:] == (smallest, smallest) and not below.ok


def test_empty_blocks_in_a_row_in_the_search_and_the_warnings():
    """(found by random graphs, session 7) Two empty sequential blocks in a row: --min-input's walk read the
    second one's result, the first one's, before making it (KeyError, exit 70), and the conv whose result both
    pass on was said to be read by nothing. The smallest input: 4 (3 leaves the conv's 1×1 to a 2×2 pool)."""
    from convcalc.build import from_data

    network = from_data({"input": [4, 32, 32], "layers": [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "name": "a"},
        {"type": "sequential", "layers": [], "name": "e1"}, {"type": "sequential", "layers": [], "name": "e2"},
        {"type": "maxpool2d", "kernel_size": 2}]})
    found, below = smallest_input(network)
    assert found == (4, 4, 4) and below.input_shape == (4, 3, 3) and not below.ok
    assert not [d for d in analyze(network).diagnostics if d.code == "unused-node"]
