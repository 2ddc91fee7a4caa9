"""convcalc: shapes, parameters, MACs and receptive fields of CNNs, exactly as PyTorch computes them.

The engine is pure Python (standard library only); the CLI lives in :mod:`convcalc.cli`
and is never imported from here.

    >>> from convcalc import from_inline, analyze
    >>> report = analyze(from_inline("conv2d(6, 5, padding=2), avgpool2d(2)", (1, 28, 28)))
    >>> report.output_shape
    (6, 14, 14)
"""

from .errors import ConvcalcError, NetworkError, SpecError
from .report import Report, analyze
from .build import from_data, parse_shape
from .readers import read_file
from .readers.inline import from_inline

__version__ = "0.1.0"
__all__ = ["ConvcalcError", "NetworkError", "Report", "SpecError", "__version__", "analyze", "from_data",
           "from_inline", "parse_shape", "read_file"]
