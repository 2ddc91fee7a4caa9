"""The ``convcalc`` command line: options → engine → renderer, and the single error boundary.

Data goes to stdout, messages to stderr. Exit codes: 0 valid (warnings allowed),
1 invalid network or a failed ``check``, 2 unusable input, 70 a bug.
rich is imported only by the table renderer, so JSON/CSV/Markdown runs never load it.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import ConvcalcError, SpecError

app = typer.Typer(
    name="convcalc",
    help="Shapes, parameters, MACs and receptive fields of convolutional networks, exactly as PyTorch computes them.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


_debug = False

Model = Annotated[Optional[str], typer.Argument(
    help="A spec file (.json, .yaml, .yml, .toml), '-' for stdin, or a built-in model name (see `convcalc list`).",
    show_default=False)]
Layers = Annotated[Optional[str], typer.Option(
    "--layers", "-l", help='Inline layers, e.g. "conv2d(6, 5, padding=2), sigmoid, avgpool2d(2), flatten, linear(10)".',
    show_default=False)]
Input = Annotated[Optional[str], typer.Option(
    "--input", "-i", help="Input shape without batch, channels first: 1x28x28. Overrides the spec's input.",
    show_default=False)]
Batch = Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size: scales MACs.")]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
Json = Annotated[bool, typer.Option("--json", help="Shortcut for --format json.")]
Strict = Annotated[bool, typer.Option("--strict", help="Treat inexact divisions (rows dropped by floor) as errors.")]
Aux = Annotated[bool, typer.Option("--aux", help="Include auxiliary classifier heads (GoogLeNet, Inception v3); "
                                                   "their parameters are also totalled apart.")]
class ConventionName(str, enum.Enum):
    torch = "torch"
    tf = "tf"
    caffe = "caffe"


Convention = Annotated[ConventionName, typer.Option(
    "--convention", "-c", help="Size rules: torch; tf (Keras 'same'/'valid' with any stride); caffe (pools round up).")]
Explain = Annotated[bool, typer.Option("--explain", "-e", help="Show each layer's arithmetic with its numbers.")]
Depth = Annotated[Optional[int], typer.Option("--depth", "-d", min=0,
                                              help="Hide rows nested deeper than this (tables, CSV, Markdown).")]


def _error(exc: ConvcalcError | str, hint: str | None = None) -> None:
    sys.stderr.write(f"error: {exc}\n")
    hint = hint or getattr(exc, "hint", None)
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


def _guard(func):
    """The error boundary: ConvcalcError → message and its exit code; anything else → exit 70."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ConvcalcError as exc:
            _error(exc)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `convcalc … | head`: the reader has gone, nothing to report
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:  # a bug: say so in one line
            if _debug:
                raise
            sys.stderr.write(f"convcalc: internal error: {type(exc).__name__}: {exc} "
                             "(rerun with `convcalc --debug …` for the traceback)\n")
            raise typer.Exit(70) from None

    return wrapper


def load_network(model: str | None, layers: str | None, input_text: str | None, aux: bool = False):
    """Resolve MODEL / --layers / --input into a Network with an input shape."""
    from . import catalog, spec

    shape = spec.parse_shape(input_text, "--input") if input_text is not None else None
    if model and layers:
        raise SpecError("give either MODEL or --layers, not both")
    if layers is not None:
        network = spec.from_inline(layers, shape)
        if shape is None:
            raise SpecError("--layers needs --input", hint="e.g. --input 1x28x28")
    elif model is None:
        raise SpecError("no model given", hint="pass a spec file, '-' for stdin, a built-in name "
                                               "(`convcalc list`), or --layers with --input")
    elif model == "-":
        network = spec.read_stdin(sys.stdin.read(), input_shape=shape, aux=aux)
    elif Path(model).is_file():
        network = spec.read_file(Path(model), input_shape=shape, aux=aux)
    elif model in catalog.names():
        network = catalog.load(model, shape, aux=aux)
    else:
        looks_like_file = Path(model).suffix.lower() in spec.FORMAT_BY_SUFFIX or "/" in model
        raise SpecError(f"{model}: no such file" if looks_like_file else f"no spec file or built-in model named {model!r}",
                        hint=spec.did_you_mean(model, catalog.names()) or "run `convcalc list` for the built-in models")
    if network.input_shape is None:
        raise SpecError("the spec has no 'input'", hint="add `input: [1, 28, 28]` to the spec or pass --input 1x28x28")
    return network


def _analyze(model, layers, input_text, batch, strict, aux=False, convention=ConventionName.torch,
             compare=False, explain=False):
    from .report import analyze, compare_conventions

    network = load_network(model, layers, input_text, aux)
    report = analyze(network, batch=batch, strict=strict, convention=convention.value, explain=explain)
    return compare_conventions(network, report) if compare else report


def _emit(report, view: str, fmt: Format, as_json: bool, depth: int | None) -> None:
    from .render import text

    fmt = Format.json if as_json else fmt
    if fmt is Format.json:
        sys.stdout.write(text.to_json(report))
    elif not report.ok:
        pass  # tables are for valid networks; the error goes to stderr below
    elif fmt is Format.csv:
        sys.stdout.write(text.to_csv(report, view, depth))
    elif fmt is Format.markdown:
        sys.stdout.write(text.to_markdown(report, view, depth))
    else:
        from .render import table

        table.render(report, view, depth)
    _warn(report)
    if not report.ok:
        _error(report.errors[0].line, report.errors[0].hint)
        raise typer.Exit(1)


MAX_WARNINGS = 10  #: warnings printed to stderr; the JSON report has them all


def _warn(report) -> None:
    for d in report.warnings[:MAX_WARNINGS]:
        sys.stderr.write(f"warning: {d.line}\n")
        if d.hint:
            sys.stderr.write(f"hint: {d.hint}\n")
    if len(report.warnings) > MAX_WARNINGS:
        sys.stderr.write(f"… and {len(report.warnings) - MAX_WARNINGS} more warnings (--json lists them all)\n")


@app.command("shape", help="Output shape of every layer: kernel, stride, padding, dilation, input → output.\n\n"
                          'Example: convcalc shape --layers "conv2d(6, 5, padding=2), avgpool2d(2)" --input 1x28x28')
@_guard
def shape(model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1,
          format: Fmt = Format.table, json: Json = False, strict: Strict = False, depth: Depth = None,
          aux: Aux = False, convention: Convention = ConventionName.torch, explain: Explain = False,
          compare_conventions: Annotated[bool, typer.Option(
              "--compare-conventions", help="Add a column with the outputs that differ under the other conventions."
          )] = False) -> None:
    _emit(_analyze(model, layers, input, batch, strict, aux, convention, compare_conventions, explain), "shape",
          format, json, depth)


@app.command("params", help="Parameters, MACs and the dense-layer comparison per layer, with totals.\n\n"
                           "Example: convcalc params lenet; convcalc params googlenet --paper")
@_guard
def params(model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1,
           format: Fmt = Format.table, json: Json = False, strict: Strict = False, depth: Depth = None,
           aux: Aux = False, convention: Convention = ConventionName.torch, explain: Explain = False,
           paper: Annotated[bool, typer.Option("--paper", help="A paper's table: top-level rows with depth, "
                                               "Inception filter counts, params, connections and ops.")] = False
           ) -> None:
    report = _analyze(model, layers, input, batch, strict, aux, convention, explain=explain)
    _emit(report, "paper" if paper else "params", format, json, 0 if paper and depth is None else depth)


@app.command("rf", help="Receptive field, jump (effective stride) and start per layer.\n\n"
                       "Example: convcalc rf lenet")
@_guard
def rf(model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1,
       format: Fmt = Format.table, json: Json = False, strict: Strict = False, depth: Depth = None,
       aux: Aux = False, convention: Convention = ConventionName.torch, explain: Explain = False) -> None:
    _emit(_analyze(model, layers, input, batch, strict, aux, convention, explain=explain), "rf", format, json, depth)


@app.command("check", help="Validate a model for scripts and CI; exit 1 when invalid or a budget is missed.\n\n"
                           "Example: convcalc check model.yaml --max-params 100000 --expect-output 10")
@_guard
def check(model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1,
          format: Fmt = Format.table, json: Json = False, strict: Strict = False, aux: Aux = False,
          convention: Convention = ConventionName.torch,
          max_params: Annotated[Optional[int], typer.Option("--max-params", min=0,
                                                            help="Fail when the model has more parameters.")] = None,
          expect_output: Annotated[Optional[str], typer.Option("--expect-output",
                                                               help="Fail unless the output shape is this, e.g. 10 "
                                                                    "or 512x7x7.")] = None,
          min_input: Annotated[bool, typer.Option("--min-input", help="Also report the smallest square input the "
                                                  "network accepts, and why the size below fails.")] = False) -> None:
    import dataclasses

    from .report import Diagnostic
    from .spec import parse_shape

    expected = parse_shape(expect_output, "--expect-output") if expect_output is not None else None
    report = _analyze(model, layers, input, batch, strict, aux, convention)
    failures = []
    label = report.name or "the model"
    if report.ok and max_params is not None and report.totals.params > max_params:
        failures.append(Diagnostic(severity="error", path=None, code="max-params",
                                   message=f"{label} has {report.totals.params:,} parameters, over --max-params "
                                           f"{max_params:,}"))
    if report.ok and expected is not None and report.output_shape != expected:
        from .layers import dims

        failures.append(Diagnostic(severity="error", path=None, code="expect-output",
                                   message=f"{label} outputs {dims(report.output_shape)}, expected {dims(expected)}"))
    if failures:
        report = dataclasses.replace(report, diagnostics=(*report.diagnostics, *failures))
    fmt = Format.json if json else format
    if fmt is not Format.table:
        _emit(report, "check", fmt, False, None)
        return
    _warn(report)
    if not report.ok:
        _error(report.errors[0].line, report.errors[0].hint)
        raise typer.Exit(1)
    from .layers import dims

    t = report.totals
    sys.stdout.write(f"ok: {label}: {dims(report.input_shape)} → {dims(report.output_shape)}, "
                     f"{t.params:,} params, {t.macs:,} MACs\n")
    if min_input:
        from .report import smallest_input

        network = load_network(model, layers, input, aux)
        smallest, below = smallest_input(network)
        line = f"smallest input: {dims(smallest)}" if smallest else "no input up to 4096 passes"
        if below is not None and below.errors:
            line += f" ({dims(below.input_shape)} fails: {below.errors[0].line})"
        sys.stdout.write(line + "\n")


@app.command("list", help="The built-in models (or, with --types, the layer types).\n\nExample: convcalc list")
@_guard
def list_models(types: Annotated[bool, typer.Option("--types", help="List the layer and block types instead.")] = False
                ) -> None:
    from . import catalog
    from .layers import ALIASES, REGISTRY, accepted
    from .network import BLOCK_ALIASES, BLOCKS

    if types:
        for name, (cls, _) in sorted(REGISTRY.items()):
            aliases = sorted(a for a, t in ALIASES.items() if t == name)
            args = ", ".join(f.name for f in accepted(cls, name))
            sys.stdout.write(f"{name}{' (' + ', '.join(aliases) + ')' if aliases else ''}: {args}\n")
        for name in sorted(BLOCKS):
            aliases = sorted(a for a, t in BLOCK_ALIASES.items() if t == name)
            sys.stdout.write(f"{name} (block){' (' + ', '.join(aliases) + ')' if aliases else ''}\n")
        return
    from .layers import dims

    width = max(len(n) for n in catalog.names()) + 2
    for name in catalog.names():
        network = catalog.load(name)
        sys.stdout.write(f"{name:<{width}}{dims(network.input_shape):<12}{network.description or ''}\n")
        if network.source:
            sys.stdout.write(f"{'':<{width}}{'':<12}source: {network.source}\n")


class SpecFormat(str, enum.Enum):
    yaml = "yaml"
    json = "json"


@app.command("show", help="Print a built-in model's spec, to copy and edit.\n\n"
                          "Example: convcalc show resnet18 --format yaml > my_resnet.yaml")
@_guard
def show(name: Annotated[str, typer.Argument(help="A built-in model (see `convcalc list`).", show_default=False)],
         format: Annotated[SpecFormat, typer.Option("--format", "-f", help="yaml (as shipped) or json.")]
         = SpecFormat.yaml) -> None:
    from . import catalog, spec

    if name not in catalog.names():
        raise SpecError(f"no built-in model named {name!r}",
                        hint=spec.did_you_mean(name, catalog.names()) or "run `convcalc list` for the built-in models")
    text = catalog.text(name)
    if format is SpecFormat.json:
        import json

        text = json.dumps(spec.parse_text(text, "yaml", name), indent=2) + "\n"
    sys.stdout.write(text)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"convcalc {__version__}\n")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
) -> None:
    """convcalc: a calculator for convolutional networks."""
    global _debug
    _debug = debug


def run() -> None:
    app()
