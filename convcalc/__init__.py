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

from .errors import ConvcalcError, NetworkError, SpecError
from .report import Diagnostic, LayerRow, Report, Totals, analyze
from .build import from_data, parse_shape
from .graph import Network
from .memory import Dtype, Memory, Optimizer, parse_amount
from .readers import read_file, read_stdin, read_text
from .readers.inline import from_inline
from .api import CheckResult, MinInput, analyze_model, check, load

__version__ = "0.1.0"
__all__ = ["CheckResult", "ConvcalcError", "Diagnostic", "Dtype", "LayerRow", "Memory", "MinInput", "Network",
           "NetworkError", "Optimizer", "Report", "SpecError", "Totals", "__version__", "analyze", "analyze_model",
           "check", "from_data", "from_inline", "load", "parse_amount", "parse_shape", "read_file", "read_stdin",
           "read_text"]
