"""convcalc: shapes, parameters, MACs and receptive fields of CNNs, exactly as PyTorch computes them.

The engine is pure Python (standard library only); the CLI lives in :mod:`convcalc.cli`
and is never imported from here.

    >>> from convcalc import from_inline, analyze
    >>> report = analyze(from_inline("conv2d(6, 5, padding=2), avgpool2d(2)", (1, 28, 28)))
    >>> report.output_shape
    (6, 14, 14)
    >>> result = check("lenet", max_params="100K", expect_output="10")   # a spec file, a Path, or a built-in
    >>> bool(result), result.report.totals.params
    (True, 61706)
"""

from . import _dataclasses  # noqa: F401  (first: dataclasses without inspect at start-up)
from .errors import ConvcalcError, NetworkError, SpecError

#: The public names, each imported from its module when first used (PEP 562): ``import convcalc.cli``, which
#: only needs ``__version__``, then starts without the engine, and a command imports what it uses.
_EXPORTS = {
    "Diagnostic": "report", "LayerRow": "report", "Report": "report", "Totals": "report", "analyze": "report",
    "from_data": "build", "parse_shape": "build", "Network": "graph",
    "Dtype": "memory", "Memory": "memory", "Optimizer": "memory", "parse_amount": "memory",
    "read_file": "readers", "read_stdin": "readers", "read_text": "readers", "from_inline": "readers.inline",
    "CheckResult": "api", "MinInput": "api", "analyze_model": "api", "check": "api", "load": "api",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'convcalc' has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = ["CheckResult", "ConvcalcError", "Diagnostic", "Dtype", "LayerRow", "Memory", "MinInput", "Network",
           "NetworkError", "Optimizer", "Report", "SpecError", "Totals", "__version__", "analyze", "analyze_model",
           "check", "from_data", "from_inline", "load", "parse_amount", "parse_shape", "read_file", "read_stdin",
           "read_text"]
