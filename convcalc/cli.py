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
from .errors import ConvcalcError, NetworkError, SpecError

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
class SourceFormat(str, enum.Enum):
    json = "json"
    yaml = "yaml"
    toml = "toml"
    inline = "inline"
    pytorch_code = "pytorch-code"
    pytorch_repr = "pytorch-repr"


From = Annotated[Optional[SourceFormat], typer.Option(
    "--from", help="Read MODEL (or --layers) as this format instead of detecting it from the content.",
    show_default=False)]


class LayoutName(str, enum.Enum):
    auto = "auto"
    chw = "chw"
    hwc = "hwc"


LayoutOption = Annotated[LayoutName, typer.Option(
    "--layout", help="How --input is written: chw (channels first, torch); hwc (channels last, Keras). auto: chw, "
                     "or hwc under --convention tf where the shape looks channels-last (28x28x1).")]


class ConventionName(str, enum.Enum):
    torch = "torch"
    tf = "tf"
    caffe = "caffe"


Convention = Annotated[ConventionName, typer.Option(
    "--convention", "-c", help="Size rules: torch; tf (Keras 'same'/'valid' with any stride); caffe (pools round up).")]
Explain = Annotated[bool, typer.Option("--explain", "-e", help="Show each layer's arithmetic with its numbers.")]
OutputFile = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the output to this file.",
                                                    show_default=False, dir_okay=False)]
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
        output = kwargs.get("output")
        try:
            if output is None:
                return func(*args, **kwargs)
            return _to_file(output, func, args, kwargs)
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


def _to_file(path: Path, func, args, kwargs):
    """Run a command with stdout going to ``path`` (written only when the command succeeds)."""
    import io

    buffer = io.StringIO()
    saved, sys.stdout = sys.stdout, buffer
    try:
        result = func(*args, **kwargs)
    finally:
        sys.stdout = saved
        text = buffer.getvalue()
        if text:
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise SpecError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return result


def load_network(model: str | None, layers: str | None, input_text: str | None, aux: bool = False,
                 fmt: "SourceFormat | None" = None, layout: str = "chw"):
    """Resolve MODEL / --layers / --input into a Network with an input shape."""
    from . import catalog, readers
    from .build import parse_named_shapes, parse_shape
    from .errors import did_you_mean

    by_name = None
    if input_text is not None and "=" in input_text:
        by_name, shape = parse_named_shapes(input_text), None
    else:
        shape = parse_shape(input_text, "--input") if input_text is not None else None
    if model and layers:
        raise SpecError("give either MODEL or --layers, not both")
    source_format = fmt.value if fmt else None
    if layers is not None:
        network = readers.read_text(layers, "--layers", fmt=source_format or "inline", input_shape=shape)
        if shape is None:
            raise SpecError("--layers needs --input", hint="e.g. --input 1x28x28")
    elif model is None:
        raise SpecError("no model given", hint="pass a spec file, '-' for stdin, a built-in name "
                                               "(`convcalc list`), or --layers with --input")
    elif model == "-":
        network = readers.read_stdin(sys.stdin.read(), input_shape=shape, aux=aux, fmt=source_format)
    elif Path(model).is_file():
        network = readers.read_file(Path(model), input_shape=shape, aux=aux, fmt=source_format)
    elif model in catalog.names():
        network = catalog.load(model, shape, aux=aux)
    else:
        if Path(model).is_dir():
            raise SpecError(f"{model}: is a directory, not a spec file")
        looks_like_file = Path(model).suffix.lower() in readers.FORMAT_BY_SUFFIX or "/" in model
        raise SpecError(f"{model}: no such file" if looks_like_file else f"no spec file or built-in model named {model!r}",
                        hint=did_you_mean(model, catalog.names()) or "run `convcalc list` for the built-in models")
    if by_name:
        names = [n for n, _ in network.inputs]
        for name in by_name:  # every name must be an input; _fit_inputs below sets them
            if name not in names:
                raise SpecError(f"--input: the network has no input named {name!r}", hint=did_you_mean(
                    name, names) or f"its inputs are: {', '.join(names)}")
    network = _fit_inputs(network, by_name or ({n: shape for n, _ in network.inputs} if shape else None), layout)
    missing = [n for n, s in network.inputs if s is None]
    if len(network.inputs) == 1 and missing:
        raise SpecError("the spec has no 'input'", hint="add `input: [1, 28, 28]` to the spec or pass --input 1x28x28")
    if missing:
        raise SpecError(f"no shape for the input{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                        hint="give them in the spec's inputs: or as --input " + " ".join(f"{n}=CxHxW" for n in missing))
    return network


def _fit_inputs(network, given: dict | None, layout: str):
    """The shapes given with --input, read against the network: a leading batch dim (``1x1x28x28``) is
    taken as the batch, a missing channel dim (``8x8``) is one channel, ``--layout hwc`` moves channels
    first — each said in a note."""
    if not given:
        return network
    import dataclasses

    from .build import fit_input

    fitted, batches, notes = {}, set(), []
    for name, shape in given.items():
        shape, batch, said = fit_input(network, name, shape, layout)
        fitted[name] = shape
        notes += [f"--input: {n}" for n in said]
        if batch is not None:
            batches.add(batch)
    if len(batches) > 1:
        raise SpecError(f"--input: the inputs carry different batch sizes ({', '.join(map(str, sorted(batches)))})")
    network = network.with_inputs(by_name=fitted)
    return dataclasses.replace(network, batch=batches.pop() if batches else None,
                               notes=(*network.notes, *((None, n) for n in notes)))


def _analyze(model, layers, input_text, batch, strict, aux=False, convention=ConventionName.torch,
             compare=False, explain=False, fmt=None, layout="auto", relative_to=None):
    from .report import analyze, compare_conventions

    if layout == "auto":  # Keras writes channels last: under its convention, read 28x28x1 as it means
        layout = "auto-tf" if convention.value == "tf" else "chw"
    network = load_network(model, layers, input_text, aux, fmt, layout=layout)
    if network.batch is not None and batch != 1 and batch != network.batch:
        raise SpecError(f"--batch {batch} disagrees with the batch {network.batch} that --input carries")
    report = analyze(network, batch=network.batch or batch, strict=strict, convention=convention.value,
                     explain=explain, relative_to=relative_to)
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
    """Warnings to stderr: at most MAX_WARNINGS, and the divisions that drop only padding (every
    ResNet's stem) summed up in one line."""
    padding_only = [d for d in report.warnings if d.code == "padding-only-division"]
    for d in report.warnings:
        if d.code == "input-read":  # how --input was read: a note, not a problem
            sys.stderr.write(f"note: {d.line.removeprefix('--input: ')}\n")
    shown = [d for d in report.warnings if d.code not in ("padding-only-division", "input-read")]
    for d in shown[:MAX_WARNINGS]:
        sys.stderr.write(f"warning: {d.line}\n")
        if d.hint:
            sys.stderr.write(f"hint: {d.hint}\n")
    if len(shown) > MAX_WARNINGS:
        sys.stderr.write(f"… and {len(shown) - MAX_WARNINGS} more warnings (--json lists them all)\n")
    if padding_only:
        where = ", ".join(d.path for d in padding_only[:3]) + (", …" if len(padding_only) > 3 else "")
        many = len(padding_only) != 1
        sys.stderr.write(f"note: {len(padding_only)} layer{'s' if many else ''} ({where}) leave{'' if many else 's'} "
                         "rows of padding uncovered, no input pixel (--json lists them)\n")


@app.command("shape", help="Output shape of every layer: kernel, stride, padding, dilation, input → output.\n\n"
                          'Example: convcalc shape --layers "conv2d(6, 5, padding=2), avgpool2d(2)" --input 1x28x28')
@_guard
def shape(
    model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1, format: Fmt = Format.table,
    json: Json = False, output: OutputFile = None, strict: Strict = False, depth: Depth = None, aux: Aux = False,
    convention: Convention = ConventionName.torch, explain: Explain = False, from_: From = None,
    layout: LayoutOption = LayoutName.auto,
    compare_conventions: Annotated[bool, typer.Option(
        "--compare-conventions", help="Add a column with the outputs that differ under the other conventions.")]
    = False,
) -> None:
    report = _analyze(model, layers, input, batch, strict, aux, convention, compare_conventions, explain, from_,
                      layout=layout.value)
    _emit(report, "shape", format, json, depth)


@app.command("params", help="Parameters, MACs and the dense-layer comparison per layer, with totals.\n\n"
                           "Example: convcalc params lenet; convcalc params googlenet --paper")
@_guard
def params(
    model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1, format: Fmt = Format.table,
    json: Json = False, output: OutputFile = None, strict: Strict = False, depth: Depth = None, aux: Aux = False,
    convention: Convention = ConventionName.torch, explain: Explain = False, from_: From = None,
    layout: LayoutOption = LayoutName.auto,
    paper: Annotated[bool, typer.Option("--paper", help="A paper's table: top-level rows with depth, Inception "
                                        "filter counts, params, connections and ops.")] = False,
) -> None:
    report = _analyze(model, layers, input, batch, strict, aux, convention, explain=explain, fmt=from_,
                      layout=layout.value)
    _emit(report, "paper" if paper else "params", format, json, 0 if paper and depth is None else depth)


@app.command("rf", help="Receptive field, jump (effective stride) and start per layer.\n\n"
                       "Example: convcalc rf lenet")
@_guard
def rf(
    model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1, format: Fmt = Format.table,
    json: Json = False, output: OutputFile = None, strict: Strict = False, depth: Depth = None, aux: Aux = False,
    convention: Convention = ConventionName.torch, explain: Explain = False, from_: From = None,
    layout: LayoutOption = LayoutName.auto,
    relative_to: Annotated[Optional[str], typer.Option(
        "--relative-to", help="Give each layer's receptive field on this layer's output instead of the input "
                              "(a node id, name or path).", show_default=False)] = None,
) -> None:
    report = _analyze(model, layers, input, batch, strict, aux, convention, explain=explain, fmt=from_,
                      layout=layout.value, relative_to=relative_to)
    _emit(report, "rf", format, json, depth)


@app.command("check", help="Validate a model for scripts and CI; exit 1 when invalid or a budget is missed.\n\n"
                           "Example: convcalc check model.yaml --max-params 100000 --expect-output 10")
@_guard
def check(model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1,
          format: Fmt = Format.table, json: Json = False, output: OutputFile = None,
          strict: Strict = False, aux: Aux = False,
          convention: Convention = ConventionName.torch, from_: From = None,
          layout: LayoutOption = LayoutName.auto,
          max_params: Annotated[Optional[int], typer.Option("--max-params", min=0,
                                                            help="Fail when the model has more parameters.")] = None,
          expect_output: Annotated[Optional[str], typer.Option("--expect-output",
                                                               help="Fail unless the output shape is this, e.g. 10 "
                                                                    "or 512x7x7.")] = None,
          min_input: Annotated[bool, typer.Option("--min-input", help="Also report the smallest square input the "
                                                  "network accepts, and why the size below fails.")] = False) -> None:
    import dataclasses

    from .report import Diagnostic
    from .build import parse_shape

    expected = parse_shape(expect_output, "--expect-output") if expect_output is not None else None
    report = _analyze(model, layers, input, batch, strict, aux, convention, fmt=from_, layout=layout.value)
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

        network = load_network(model, layers, input, aux, from_)
        smallest, below = smallest_input(network)
        line = f"smallest input: {dims(smallest)}" if smallest else "no input up to 4096 passes"
        if below is not None and below.errors:
            line += f" ({dims(below.input_shape)} fails: {below.errors[0].line})"
        sys.stdout.write(line + "\n")
        if smallest:
            from .report import exact_inputs

            top = max(report.input_shape[1:]) * 2
            exact = exact_inputs(network, smallest[1], top)
            sizes = [s[1] for s in exact]
            steps = {b - a for a, b in zip(sizes, sizes[1:])}
            listed = ", ".join(str(v) for v in sizes[:8]) + (", …" if len(sizes) > 8 else "")
            every = f" (every {steps.pop()})" if len(steps) == 1 and len(sizes) > 2 else ""
            sys.stdout.write(f"exact divisions at every layer for sizes {smallest[1]}–{top}: "
                             f"{listed or 'none'}{every}\n")


@app.command("list", help="The built-in models (or, with --types, the layer types).\n\nExample: convcalc list")
@_guard
def list_models(types: Annotated[bool, typer.Option("--types", help="List the layer and block types instead.")] = False
                ) -> None:
    from . import catalog
    from .layers import ALIASES, REGISTRY
    from .graph import BLOCK_ALIASES, BLOCKS
    from .readers.inline import signatures

    if types:
        # one line per type: the lower-case form (input size inferred) · torch's own order
        for name in sorted(REGISTRY):
            aliases = sorted(a for a, t in ALIASES.items() if t == name)
            forms = " · ".join(f for f in signatures(name) if f)
            sys.stdout.write(f"{name}{' (' + ', '.join(aliases) + ')' if aliases else ''}: {forms}\n")
        for name in sorted(BLOCKS):
            aliases = sorted(a for a, t in BLOCK_ALIASES.items() if t == name)
            sys.stdout.write(f"{name} (block){' (' + ', '.join(aliases) + ')' if aliases else ''}\n")
        from .templates import BUILTIN

        for name in sorted(BUILTIN):
            sys.stdout.write(f"{name} (named block): {' · '.join(f for f in signatures(name) if f)}\n")
        return
    from .layers import dims

    width = max(len(n) for n in catalog.names()) + 2
    for name in catalog.names():
        network = catalog.load(name)
        sys.stdout.write(f"{name:<{width}}{dims(network.input_shape):<12}{network.description or ''}\n")
        if network.source:
            sys.stdout.write(f"{'':<{width}}{'':<12}source: {network.source}\n")


@app.command("solve", help="Which kernel/stride/padding/dilation turn --in into --out.\n\n"
                          "Example: convcalc solve --in 224 --out 112 --kernel 7; convcalc solve --in 28 --keep")
@_guard
def solve_command(
    size: Annotated[int, typer.Option("--in", min=1, help="Input size (one spatial dim).")],
    out: Annotated[Optional[int], typer.Option("--out", min=1, help="Wanted output size.")] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the size: --out = --in, stride 1.")] = False,
    kernel: Annotated[Optional[int], typer.Option("--kernel", "-k", min=1, help="Fix the kernel size.")] = None,
    stride: Annotated[Optional[int], typer.Option("--stride", "-s", min=1, help="Fix the stride.")] = None,
    padding: Annotated[Optional[int], typer.Option("--padding", "-p", min=0, help="Fix the padding.")] = None,
    dilation: Annotated[Optional[int], typer.Option("--dilation", min=1, help="Fix the dilation (default 1).")]
    = None,
    pool: Annotated[bool, typer.Option("--pool", help="Solve for a pooling layer instead of a conv.")] = False,
    ceil_mode: Annotated[bool, typer.Option("--ceil-mode", help="Pooling with ceil_mode.")] = False,
    convention: Convention = ConventionName.torch,
    show_all: Annotated[bool, typer.Option("--all", help="List every setting (default: the first 20).")] = False,
    format: Fmt = Format.table, json: Json = False, output: OutputFile = None,
) -> None:
    from .solve import solve

    if keep:
        out, stride = size, stride or 1
    if out is None:
        raise SpecError("give --out SIZE, or --keep to keep the size")
    found = solve(size, out, kernel=kernel, stride=stride, padding=padding, dilation=dilation, pool=pool,
                  ceil_mode=ceil_mode, convention=convention.value)
    fmt = Format.json if json else format
    if fmt is Format.json:
        import json as json_module

        sys.stdout.write(json_module.dumps({"schema": "convcalc.solve/1", "in": size, "out": out,
                                            "convention": convention.value, "pool": pool,
                                            "solutions": [t.to_dict() for t in found]}, indent=2) + "\n")
    else:

        shown = found if show_all or fmt is not Format.table else found[:20]
        headers = ["kernel", "stride", "padding", "dilation", "exact"]
        rows = [[str(t.kernel), str(t.stride), str(t.padding), str(t.dilation), "yes" if t.exact else "no"]
                for t in shown]
        _write_grid(fmt, headers, rows, [True] * 5)
        if len(found) > len(shown):
            sys.stdout.write(f"… {len(found) - len(shown)} more (--all)\n")
    if not found:
        raise NetworkError(f"no setting within bounds maps {size} to {out}",
                           hint="upsampling needs a transposed conv (convtranspose2d), which solve does not cover"
                           if out > size else "fix fewer of --kernel/--stride/--padding, or try --dilation")


def _write_grid(fmt: Format, headers: list[str], rows: list[list[str]], numeric: list[bool]) -> None:
    from .render import text

    if fmt is Format.csv:
        sys.stdout.write(text.grid_csv(headers, rows))
    elif fmt is Format.markdown:
        sys.stdout.write(text.grid_markdown(headers, rows, numeric))
    else:
        sys.stdout.write(text.grid_plain(headers, rows, numeric))


@app.command("compare", help="Two models (or one at two input sizes) side by side, or one layer against a dense "
                             "layer.\n\nExamples: convcalc compare resnet18 resnet50; convcalc compare lenet "
                             "--input-b 1x32x32; convcalc compare --layer \"conv2d(64, 3, padding=1)\" --input 3x224x224")
@_guard
def compare(
    model_a: Annotated[Optional[str], typer.Argument(help="First model (file, '-' or built-in).",
                                                     show_default=False)] = None,
    model_b: Annotated[Optional[str], typer.Argument(help="Second model (default: the first).",
                                                     show_default=False)] = None,
    input: Input = None,
    input_b: Annotated[Optional[str], typer.Option("--input-b", help="Input shape for the second model.",
                                                   show_default=False)] = None,
    layer: Annotated[Optional[str], typer.Option("--layer", help="One layer (inline syntax) to compare with the "
                                                 "dense layer of the same input and output volume.",
                                                 show_default=False)] = None,
    convention: Convention = ConventionName.torch,
    format: Fmt = Format.table, json: Json = False, output: OutputFile = None,
) -> None:
    import json as json_module

    from .layers import dims
    from .report import analyze

    fmt = Format.json if json else format
    if layer is not None:
        from .build import parse_shape
        from .readers.inline import from_inline

        if input is None:
            raise SpecError("--layer needs --input", hint="e.g. --input 3x224x224")
        report = analyze(from_inline(layer, parse_shape(input, "--input")), explain=True,
                         convention=convention.value)
        if not report.ok:
            _error(report.errors[0].line, report.errors[0].hint)
            raise typer.Exit(1)
        leaves = [r for r in report.layers if not r.block]
        if len(leaves) != 1:
            raise SpecError(f"--layer takes one layer, got {len(leaves)}", hint="compare two models for more")
        row = leaves[0]
        if fmt is Format.json:
            sys.stdout.write(json_module.dumps({"schema": "convcalc.compare-layer/1", "layer": row.to_dict()},
                                               indent=2) + "\n")
            return
        sys.stdout.write(f"{layer} on {dims(row.input_shape)} → {dims(row.output_shape)}\n")
        sys.stdout.write(f"params: {row.explain.get('params', f'{row.params:,}')}\n")
        if row.weight_shape and len(row.weight_shape) > 2 and row.output_shape[1:]:
            c_in, c_out = row.input_shape[0], row.output_shape[0]
            positions = 1
            for v in row.output_shape[1:]:
                positions *= v
            sys.stdout.write(f"a 1x1 conv {c_in}→{c_out} has {c_in * c_out:,} weights: one dense layer "
                             f"{c_in}→{c_out} applied at each of the {positions:,} positions with the same weights\n")
        return
    if model_a is None:
        raise SpecError("give two models, a model and --input-b, or --layer", hint="e.g. convcalc compare resnet18 "
                                                                                   "resnet50")
    if model_b is None and input_b is None:
        raise SpecError("give a second model or --input-b to compare with")
    a = analyze(load_network(model_a, None, input), convention=convention.value)
    b = analyze(load_network(model_b or model_a, None, input_b or input), convention=convention.value)
    from .report import pair_rows

    pairs = pair_rows(a, b)
    if fmt is Format.json:
        sys.stdout.write(json_module.dumps({
            "schema": "convcalc.compare/1", "a": a.to_dict(), "b": b.to_dict(),
            "rows": [{"path": path, "a": ra.to_dict() if ra else None, "b": rb.to_dict() if rb else None,
                      "differs": differs} for path, ra, rb, differs in pairs]}, indent=2) + "\n")
    else:
        def shape_of(r):
            return dims(r.output_shape) if r else ""

        human = fmt is not Format.csv

        def count(r, key):
            return (f"{getattr(r, key):,}" if human else str(getattr(r, key))) if r else ""

        def kind(ra, rb):
            types = [r.type for r in (ra, rb) if r]
            return types[0] if len(set(types)) == 1 else " / ".join(types)

        headers = ["layer", "type", "output A", "output B", "params A", "params B", "MACs A", "MACs B", "differs"]
        rows = [[path, kind(ra, rb), shape_of(ra), shape_of(rb), count(ra, "params"), count(rb, "params"),
                 count(ra, "macs"), count(rb, "macs"), "*" if differs else ""] for path, ra, rb, differs in pairs]
        rows.append(["total", "", dims(a.output_shape) if a.output_shape else "invalid",
                     dims(b.output_shape) if b.output_shape else "invalid", count(a.totals, "params"),
                     count(b.totals, "params"), count(a.totals, "macs"), count(b.totals, "macs"),
                     "*" if (a.totals.params, a.totals.macs, a.output_shape) != (b.totals.params, b.totals.macs,
                                                                                b.output_shape) else ""])
        _write_grid(fmt, headers, rows, [False, False, False, False, True, True, True, True, False])
    for r, label in ((a, "A"), (b, "B")):
        for d in r.errors[:1]:
            sys.stderr.write(f"error: {label}: {d.line}\n")


class SpecFormat(str, enum.Enum):
    yaml = "yaml"
    json = "json"


@app.command("show", help="Print a built-in model's spec, to copy and edit.\n\n"
                          "Example: convcalc show resnet18 --format yaml > my_resnet.yaml")
@_guard
def show(name: Annotated[str, typer.Argument(help="A built-in model (see `convcalc list`).", show_default=False)],
         format: Annotated[SpecFormat, typer.Option("--format", "-f", help="yaml (as shipped) or json.")]
         = SpecFormat.yaml) -> None:
    from . import catalog
    from .errors import did_you_mean
    from .readers.spec import parse_text

    if name not in catalog.names():
        raise SpecError(f"no built-in model named {name!r}",
                        hint=did_you_mean(name, catalog.names()) or "run `convcalc list` for the built-in models")
    text = catalog.text(name)
    if format is SpecFormat.json:
        import json

        text = json.dumps(parse_text(text, "yaml", name), indent=2) + "\n"
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
