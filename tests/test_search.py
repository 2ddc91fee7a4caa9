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


# -- the walk's memo of cuts --------------------------------------------------------------------------------------
# trial() with a memo kept across sizes ends a size's walk at a cut (a node after which nothing earlier is read)
# whose shape an earlier size met. Differential: the same answers as a walk of the whole graph, size by size.

def _outcome(result):
    error, exact = result
    return (None if error is None else str(error)), exact


def _random_spec(rng) -> dict:
    """A random graph: convs and pools (some dropping rows), branch blocks, sequential blocks read by their name
    later, merges of earlier named nodes (long reads, so few cuts), chunks picked by index."""
    def conv():
        return {"type": "conv2d", "out_channels": rng.choice([2, 4]), "kernel_size": rng.randint(1, 5),
                "stride": rng.randint(1, 3), "padding": rng.randint(0, 2), "dilation": rng.choice([1, 1, 2])}

    def pool():
        return {"type": rng.choice(["maxpool2d", "avgpool2d"]), "kernel_size": rng.randint(2, 4),
                "stride": rng.randint(1, 3), "ceil_mode": rng.random() < 0.3}

    layers, names = [], []
    for i in range(rng.randint(2, 14)):
        r = rng.random()
        if r < 0.35:
            layer = conv()
        elif r < 0.5:
            layer = pool()
        elif r < 0.6:
            layer = {"type": rng.choice(["concat", "add"]),
                     "branches": [[conv() for _ in range(rng.randint(0, 2))] for _ in range(rng.randint(1, 3))]}
        elif r < 0.7:
            layer = {"type": "sequential", "layers": [rng.choice([conv, pool])() for _ in range(rng.randint(0, 3))]}
        elif r < 0.85 and len(names) >= 2:
            layer = {"type": rng.choice(["add", "concat", "mul"]), "from": rng.sample(names, 2)}
        elif r < 0.92:
            layers.append({"type": "chunk", "chunks": 2, "dim": rng.choice([1, 2]), "name": f"k{i}"})
            layer = {"type": "getitem", "index": rng.choice([0, 1, -1]), "from": f"k{i}"}
        else:
            layer = {"type": "relu"}
        layer["name"] = f"n{i}"
        names.append(f"n{i}")
        layers.append(layer)
    return {"input": [4, 32, 32], "layers": layers}


def test_a_walk_ended_at_a_known_cut_answers_as_the_whole_walk():
    import random

    from convcalc.build import from_data
    from convcalc.errors import ConvcalcError

    rng = random.Random(7)
    built = cut_hits = 0
    while built < 400:
        try:
            network = from_data(_random_spec(rng))
        except ConvcalcError:
            continue
        built += 1
        sizes = list(range(1, 60))
        rng.shuffle(sizes)
        memo: dict = {}
        for n in sizes + sizes[:10]:
            shape = (4, n, n)
            assert _outcome(trial(network, shape, memo)) == _outcome(trial(network, shape)), (network, n)
        cut_hits += sum(1 for key in memo if isinstance(key, tuple) and key[0] == "cut")
    assert cut_hits > 1000  # the memo was used, not bypassed


@pytest.mark.parametrize("name", catalog.names())
def test_a_scan_with_the_memo_answers_as_whole_walks_on_every_built_in_model(name):
    network = catalog.load(name)
    c, ndim = network.input_shape[0], len(network.input_shape) - 1
    memo: dict = {}
    for n in list(range(1, 80)) + list(range(300, 200, -7)):
        shape = (c, *(n,) * ndim)
        assert _outcome(trial(network, shape, memo)) == _outcome(trial(network, shape)), (name, n)


def test_empty_blocks_in_a_row_in_the_search_and_the_warnings():
    """(found by the random graphs above) Two empty sequential blocks in a row: --min-input's walk read the
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
