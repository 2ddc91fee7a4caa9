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
