import pytest

from convcalc import analyze, from_data, from_inline


@pytest.fixture
def run():
    """Analyse inline layers on an input shape: run("conv2d(6, 5)", (1, 28, 28))."""

    def _run(layers: str, input_shape, **kwargs):
        return analyze(from_inline(layers, tuple(input_shape)), **kwargs)

    return _run


@pytest.fixture
def run_data():
    def _run(data, **kwargs):
        return analyze(from_data(data), **kwargs)

    return _run


def pytest_configure(config):
    import os

    # English, whatever the developer's locale (LANG=zh_CN.UTF-8 would make convcalc speak Chinese);
    # the language tests set it themselves
    os.environ["CONVCALC_LANG"] = "en"

    if os.environ.get("CONVCALC_REQUIRE_TORCH"):
        # CI installs torch: fail loudly instead of silently skipping the differential tests
        import torch  # noqa: F401
