"""The ``convcalc`` command line: options → engine → renderer, and the single error boundary.

Data goes to stdout, messages to stderr. Exit codes: 0 valid (warnings allowed),
1 invalid network or a failed ``check``, 2 unusable input, 70 a bug.
rich is imported only by the table renderer, so JSON/CSV/Markdown runs never load it; typer and click only where
typer reads the command line: plain ``shape``/``params``/``rf``/``check`` lines run without them (see ``_fast``).
"""

from __future__ import annotations

import dataclasses
import enum
import os
import sys
from typing import TYPE_CHECKING, Annotated, Optional

from . import __version__
from . import lazytyper as typer  # typer's API; typer itself is imported only where a command line needs it
from .errors import ConvcalcError, NetworkError, SpecError
from .memory import Dtype, Optimizer
from .records import record

if TYPE_CHECKING:
    from pathlib import Path

app = typer.Typer(
    name="convcalc",
    help="Shapes, parameters, MACs and receptive fields of convolutional networks, exactly as PyTorch computes them.",
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # plain click help and usage errors: no rich at start-up, nothing drawn that a narrow or non-UTF-8
    # terminal cannot show, and no time spent on COLUMNS=99999999
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    github = "github"  #: GitHub Actions annotations (workflow commands), then the verdict
    junit = "junit"  #: JUnit XML for CI dashboards
    dot = "dot"  #: the graph for Graphviz, shapes on the edges
    mermaid = "mermaid"  #: the graph as a Mermaid flowchart (GitHub renders it in Markdown)
    html = "html"  #: one self-contained page: sortable tables, the diagram, bar charts


#: ``-o FILE`` picks the format from the suffix when --format is not given.
FORMAT_BY_SUFFIX = {".json": Format.json, ".csv": Format.csv, ".md": Format.markdown, ".markdown": Format.markdown,
                    ".xml": Format.junit, ".dot": Format.dot, ".gv": Format.dot, ".mmd": Format.mermaid,
                    ".html": Format.html, ".htm": Format.html}


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
OutputFile = Annotated[Optional[typer.FilePath], typer.Option("--output", "-o", help="Write the output to this file.",
                                                    show_default=False, dir_okay=False)]
Depth = Annotated[Optional[int], typer.Option("--depth", "-d", min=0,
                                              help="Show rows down to this nesting depth; in tables, identical "
                                                   "repeated blocks at that depth are collapsed into one row with "
                                                   "a count (CSV and Markdown keep every row).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors: no warnings or notes on stderr.")]
Ignore = Annotated[Optional[list[str]], typer.Option(
    "--ignore", help="Do not report this warning code (repeatable, or comma-separated; CODE@NODE for one node and "
                     "what is inside it). The codes are listed in the README.", show_default=False)]
Columns = Annotated[Optional[str], typer.Option(
    "--columns", help="The table's columns, by key, comma-separated: e.g. layer,type,output,params,macs "
                      "(a wrong key lists them all).", show_default=False)]
Wide = Annotated[bool, typer.Option("--wide", "-w", help="Every column of the view at its natural width, nothing "
                                                         "folded or left out.")]
Full = Annotated[bool, typer.Option("--full", help="Every row, also for a model over 60 rows (whose default "
                                                   "table is a one-screen summary).")]
DtypeOption = Annotated[Dtype, typer.Option("--dtype", help="Element type of parameters, buffers and activations "
                                                            "for the byte figures.")]
OptimizerOption = Annotated[Optional[Optimizer], typer.Option(
    "--optimizer", help="Add a training estimate: gradients and this optimizer's state (sgd: none; momentum: one "
                        "buffer per parameter; adam: two).", show_default=False)]
Torch = Annotated[bool, typer.Option(
    "--torch", help="RUNS YOUR CODE: build MODEL with PyTorch on the meta device (no weight memory) and trace it "
                    "on --input; MODEL is model.py, model.py:Net, model.py:\"Net(10)\", pkg.module:build or "
                    "pkg.module:\"build(10)\". Needs torch: pip install 'convcalc[torch]'.")]


@record(frozen=True, slots=True, kw_only=True)
class _Out:
    """How a command prints its report: the options every analysis command shares."""

    output: Path | None = None
    quiet: bool = False
    ignore: tuple[str, ...] = ()
    columns: str | None = None
    wide: bool = False
    full: bool = False
    dtype: Dtype = Dtype.float32
    optimizer: Optimizer | None = None


def _resolve_format(fmt: Format, as_json: bool, output: Path | None, name: str = "format") -> Format:
    """--json, else an explicit --format, else the suffix of -o FILE (report.json → json), else fmt."""
    if as_json:
        return Format.json
    if output is None or output.suffix.lower() not in FORMAT_BY_SUFFIX or _given(name):
        return fmt
    return FORMAT_BY_SUFFIX[output.suffix.lower()]


_GIVEN: set[str] | None = None  #: on the fast path (see run), the parameters the command line gave


def _given(name: str) -> bool:
    """Whether the command line gave parameter ``name`` (rather than it taking its default)."""
    if _GIVEN is not None:
        return name in _GIVEN
    import click

    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source(name) if ctx is not None else None
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _width(output: Path | None = None) -> int:
    """The width a table must fit: $COLUMNS, else the terminal's, else 100 (piped, or -o FILE)."""
    import os

    value = os.environ.get("COLUMNS", "")
    if value.isdigit() and int(value) > 0:
        return max(int(value), 40)
    if output is None and sys.stdout.isatty():
        try:
            return max(os.get_terminal_size(sys.stdout.fileno()).columns, 40)
        except (OSError, ValueError):
            pass
    return 100


def _set_lang(ctx: typer.Context, value: Optional[str]) -> Optional[str]:
    """--lang: the language of headings, explanations, warnings, errors and hints (LANG=zh_CN… also works)."""
    from .i18n import normalise, set_language

    if value is None and ctx.parent is not None and ctx.parent.params.get("lang"):
        return value  # given before the command: convcalc --lang zh solve …

    if value is not None and normalise(value) == "en" and not value.strip().lower().startswith(("en", "c", "posix")):
        raise typer.BadParameter(f"{value!r}: choose en or zh")
    set_language(value)  # None (not given): from the environment, also after an earlier run in this process
    return value


def _set_assume(value: Optional[list[str]]) -> Optional[list[str]]:
    """--assume KEY=VALUE: constructor arguments print(model) does not show, for the reader of that text."""
    from . import readers

    readers.ASSUME.clear()
    for item in value or ():
        for part in filter(None, (p.strip() for p in item.split(","))):
            key, eq, val = part.partition("=")
            if not eq or not key.strip() or not val.strip():
                raise typer.BadParameter(f"{part!r}: expected KEY=VALUE, e.g. reg_tokens=4")
            readers.ASSUME[key.strip()] = val.strip()
    return value


Assume = Annotated[Optional[list[str]], typer.Option(
    "--assume", callback=_set_assume, show_default=False, metavar="KEY=VALUE",
    help="print(model) text: a constructor argument the text does not show (timm's VisionTransformer: "
         "class_token, reg_tokens, no_embed_class, pos_embed, global_pool; Swin: window_size, num_heads, one value "
         "or one per stage as 3/6/12/24, required); read with the library's default otherwise, and a note says so. "
         "Repeatable; KEY=VALUE,KEY=VALUE.")]

Lang = Annotated[Optional[str], typer.Option(
    "--lang", callback=_set_lang, is_eager=True, show_default=False,
    help="Language of the text: en (default) or zh (中文); LANG=zh_CN.UTF-8 also selects Chinese.")]


def _say(kind: str, text: str, suffix: str = "") -> None:
    """One line on stderr: ``error``/``warning``/``note``/``hint``/``skipped`` and the text, in the chosen language
    (shortened where it quotes something huge: :func:`convcalc.errors.one_line`), then ``suffix`` as it is."""
    from .errors import one_line
    from .i18n import label, translate

    sys.stderr.write(f"{label(kind)}: {one_line(translate(text))}{suffix}\n")


def _error(exc: ConvcalcError | str, hint: str | None = None) -> None:
    _say("error", str(exc))
    hint = hint or getattr(exc, "hint", None)
    if hint:
        _say("hint", hint)


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
            _silence_stdout()
            raise typer.Exit(0) from None
        except OSError as exc:  # stdout closed or its disk full: one line, exit 2
            _silence_stdout()
            _say("error", f"cannot write the output: {exc.strerror or exc}")
            raise typer.Exit(2) from None
        except Exception as exc:  # a bug: say so in one line
            if _debug:
                raise
            _say("error", f"internal error: {type(exc).__name__}: {exc} (rerun with `convcalc --debug …` for the "
                          "traceback)")
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
        # its bytes as UTF-8 whatever the terminal's encoding, and at most the size limit (an endless pipe)
        network = readers.read_stdin(readers.read_stream(sys.stdin), input_shape=shape, aux=aux, fmt=source_format)
    elif _model_code(model, source_format) is not None:  # FILE.py or FILE.py:Expr: read by the interpreter
        network = _read_code(*_model_code(model, source_format), shape, by_name, aux, layout)
    elif _is_file(model):
        from pathlib import Path

        network = readers.read_file(Path(model), input_shape=shape, aux=aux, fmt=source_format)
    elif model in catalog.names():
        if source_format:
            raise SpecError(f"--from {source_format} reads a file or stdin; {model!r} is a built-in model",
                            hint=f"drop --from, or give a file: convcalc show {model} > {model}.yaml")
        network = catalog.load(model, shape, aux=aux)
    else:
        from pathlib import Path

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
        from pathlib import Path

        spec = model is not None and layers is None and Path(model).suffix.lower() in (".json", ".yaml", ".yml",
                                                                                       ".toml")
        if spec or (model is not None and model in catalog.names()):
            raise SpecError("the spec has no 'input'",
                            hint="add `input: [1, 28, 28]` to the spec or pass --input 1x28x28")
        raise SpecError("no input shape: PyTorch text does not say what the model is fed",
                        hint="pass --input, e.g. --input 1x28x28 (channels first, without the batch dim)")
    if missing:
        raise SpecError(f"no shape for the input{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                        hint="give them in the spec's inputs: or as --input " + " ".join(f"{n}=CxHxW" for n in missing))
    return network


def _is_file(name: str) -> bool:
    """``Path(name).is_file()``, without importing pathlib for a name with no separator in it (a built-in
    model's): there the two read the same file."""
    if not any(sep in name for sep in (os.sep, os.altsep) if sep):
        return os.path.isfile(name)
    from pathlib import Path

    return Path(name).is_file()


def _model_code(model: str, source_format: str | None) -> tuple[Path, str | None] | None:
    """(file, choice) for a model file (``model.py``) or a model a file defines (``models/resnet.py:ResNet18``,
    ``resnet.py:"ResNet(BasicBlock, [2, 2, 2, 2])"``); None for anything else."""
    if source_format not in (None, "pytorch-code") or (".py" not in model and source_format is None):
        return None  # a spec file or a built-in: the interpreter is not even imported
    from .readers.torchcode import split_choice

    chosen = split_choice(model)
    if chosen is not None:
        return chosen
    from pathlib import Path

    path = Path(model)
    if path.suffix.lower() == ".py" and path.is_file():
        return path, None
    return None


def _read_code(path: Path, choice: str | None, shape, by_name, aux: bool, layout: str):
    """A model file read by convcalc's interpreter (never run), its forward() traced on the input shape — the
    shape as the model reads it (a leading batch dim taken off, as for specs), found by a first reading without
    a shape where --input has one dim more or less than the model wants."""
    from .build import fit_input
    from .readers import torchcode

    if shape is not None and not by_name:
        try:
            probe = torchcode.read_network("", str(path), choice=choice, path=path)
            shape = fit_input(probe, probe.inputs[0][0], shape, layout)[0]
        except ConvcalcError:
            pass  # the reading needs a shape to get that far: trace on the shape as given
    return torchcode.read_network("", str(path), choice=choice, path=path, input_shape=shape,
                                  input_shapes=by_name, aux=aux)


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
             compare=False, explain=False, fmt=None, layout="auto", relative_to=None, torch=False):
    from .report import analyze, compare_conventions

    if layout == "auto":  # Keras writes channels last: under its convention, read 28x28x1 as it means
        layout = "auto-tf" if convention.value == "tf" else "chw"
    if torch:
        network = _torch_network(model, layers, input_text, aux, fmt)
    else:
        network = load_network(model, layers, input_text, aux, fmt, layout=layout)
        import gc

        gc.freeze()  # what was read lives to the end of the run: later collections need not walk it
    if network.batch is not None and batch != 1 and batch != network.batch:
        raise SpecError(f"--batch {batch} disagrees with the batch {network.batch} that --input carries")
    report = analyze(network, batch=network.batch or batch, strict=strict, convention=convention.value,
                     explain=explain, relative_to=relative_to)
    return compare_conventions(network, report) if compare else report


def _torch_network(model, layers, input_text, aux=False, fmt=None):
    """--torch: MODEL built by PyTorch on the meta device and traced (convcalc.readers.torchroute)."""
    from .readers import torchroute

    torchroute.require("--torch")
    if layers is not None or fmt is not None:
        raise SpecError(f"--torch runs Python code; it does not take {'--layers' if layers is not None else '--from'}",
                        hint='give the model as model.py, model.py:Net or pkg.module:"build()"')
    if model is None or model == "-":
        raise SpecError("--torch needs MODEL: a Python file or module",
                        hint='e.g. model.py, model.py:"Net(10)" or torchvision.models:"resnet50()"')
    return torchroute.read(model, input_text=input_text, aux=aux)


def _graph_text(report, view: str, fmt: str, depth: int | None) -> str:
    """--format dot / mermaid / html: the report's network as a graph, or the HTML report."""
    from .render import graphviz, html

    network = report.network
    if fmt == "dot":
        return graphviz.to_dot(network, report, depth)
    if fmt == "mermaid":
        return graphviz.to_mermaid(network, report, depth)
    return html.to_html(network, report, view)


def _emit(report, view: str, fmt: Format, as_json: bool, depth: int | None, out: "_Out | None" = None,
          model: str | None = None) -> None:
    from . import codes
    from .render import text

    out = out or _Out()
    fmt = _resolve_format(fmt, as_json, out.output)
    report = dataclasses.replace(report, dtype=out.dtype.value,
                                 optimizer=out.optimizer.value if out.optimizer else None)
    spec_ignores = list(report.network.ignore) if report.network is not None else []  # the spec's own `ignore:`
    report = codes.apply(report, codes.parse_ignores(out.ignore) + codes.parse_ignores(spec_ignores, "ignore"))
    if fmt is Format.json:
        text.write_json(report, sys.stdout)
    elif fmt in (Format.github, Format.junit):
        _emit_ci(report, view, fmt, model, out)
        return
    elif fmt is Format.csv:  # the rows computed, also for an invalid network (the error goes to stderr)
        sys.stdout.write(text.to_csv(report, view, depth, _picked(view, out)))
    elif not report.ok:
        pass  # tables are for valid networks; the error goes to stderr below
    elif fmt in (Format.dot, Format.mermaid, Format.html):
        sys.stdout.write(_graph_text(report, view, fmt.value, depth))
    elif fmt is Format.markdown:
        sys.stdout.write(text.to_markdown(report, view, depth))
    else:
        from .render import table

        table.render(report, view, table.Options(width=_width(out.output), depth=depth, full=out.full,
                                                 columns=tuple(out.columns.split(",")) if out.columns else None,
                                                 wide=out.wide))
    _warn(report, view, out.quiet)
    if not report.ok:
        _error(report.errors[0].line, report.errors[0].hint)
        raise typer.Exit(1)


def _picked(view: str, out: "_Out"):
    from .render import text

    return text.pick_columns(view, out.columns.split(",")) if out.columns else None


def _emit_ci(report, view: str, fmt: Format, model: str | None, out: "_Out") -> None:
    """--format github / junit for shape, params and rf: the network's validity as one check."""
    from . import codes
    from .layers import dims
    from .locate import file_line
    from .render import ci

    label = model or report.name or "model"
    shown = [d for d in report.diagnostics if codes.shown_in(view, d) and (d.severity == "error" or not out.quiet)]
    verdict = (f"ok: {label}: {dims(report.input_shape)} → {dims(report.output_shape)}" if report.ok
               else f"error: {label}: {report.errors[0].line}")
    if fmt is Format.github:
        for d in shown:
            file, line = file_line(model, d.path)
            sys.stdout.write(ci.annotation("error" if d.severity == "error" else "warning",
                                           d.line + (f" (hint: {d.hint})" if d.hint else ""), file=file, line=line,
                                           title=f"convcalc {d.code or d.severity}") + "\n")
        sys.stdout.write(verdict + "\n")
    else:
        file, _ = file_line(model, None)
        error = report.errors[0].line if not report.ok else None
        suite = ci.Suite(name=label, file=file, cases=[ci.Case("valid", error)],
                         stderr=[f"warning: {d.line}" for d in shown if d.severity == "warning"])
        sys.stdout.write(ci.junit([suite]))
    if not report.ok:
        raise typer.Exit(1)


MAX_WARNINGS = 10  #: warnings printed to stderr; the JSON report has them all


def _warn(report, view: str = "shape", quiet: bool = False) -> None:
    """Warnings to stderr: at most MAX_WARNINGS, and the divisions that drop only padding (every
    ResNet's stem) summed up in one line. Receptive-field warnings only where the field is shown (``rf``);
    nothing under ``--quiet``."""
    from . import codes
    from .i18n import translate

    if quiet:
        return
    warnings = [d for d in report.warnings if codes.shown_in(view, d)]
    padding_only = [d for d in warnings if d.code == "padding-only-division"]
    for d in warnings:
        if d.code == "input-read":  # how --input was read: a note, not a problem
            _say("note", d.line.removeprefix("--input: "))
    shown = [d for d in warnings if d.code not in ("padding-only-division", "input-read")]
    for d in shown[:MAX_WARNINGS]:
        _say("warning", d.line, f" [{d.code}]" if d.code else "")
        if d.hint:
            _say("hint", d.hint)
    if len(shown) > MAX_WARNINGS:
        sys.stderr.write(translate(f"… and {len(shown) - MAX_WARNINGS} more warnings (--format json lists them all)")
                         + "\n")
    if padding_only:
        where = ", ".join(d.path for d in padding_only[:3]) + (", …" if len(padding_only) > 3 else "")
        many = len(padding_only) != 1
        _say("note", f"{len(padding_only)} layer{'s' if many else ''} ({where}) leave{'' if many else 's'} "
                     "rows of padding uncovered, no input pixel (--format json lists them)")


def _out(output, quiet, ignore, columns, wide, full, dtype, optimizer) -> _Out:
    return _Out(output=output, quiet=quiet, ignore=tuple(ignore or ()), columns=columns, wide=wide, full=full,
                dtype=dtype, optimizer=optimizer)


def _not_here(command: str, paper: bool) -> None:
    """``shape googlenet --paper``: say where --paper is, rather than click's guess at a similar option."""
    if paper:
        raise SpecError(f"--paper is an option of `convcalc params`, not of `convcalc {command}`",
                        hint="e.g. convcalc params googlenet --paper")


@app.command("shape", help="Output shape of every layer: kernel, stride, padding, dilation, input → output.\n\n"
                          'Example: convcalc shape --layers "conv2d(6, 5, padding=2), avgpool2d(2)" --input 1x28x28')
@_guard
def shape(
    model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1, format: Fmt = Format.table,
    json: Json = False, output: OutputFile = None, lang: Lang = None, strict: Strict = False, depth: Depth = None, aux: Aux = False,
    convention: Convention = ConventionName.torch, explain: Explain = False, from_: From = None, assume: Assume = None,
    layout: LayoutOption = LayoutName.auto,
    compare_conventions: Annotated[bool, typer.Option(
        "--compare-conventions", help="Add a column with the outputs that differ under the other conventions.")]
    = False,
    quiet: Quiet = False, ignore: Ignore = None, columns: Columns = None, wide: Wide = False, full: Full = False,
    dtype: DtypeOption = Dtype.float32, optimizer: OptimizerOption = None,
    paper: Annotated[bool, typer.Option("--paper", hidden=True, help="(a params option)")] = False,
    torch: Torch = False,
) -> None:
    _not_here("shape", paper)
    report = _analyze(model, layers, input, batch, strict, aux, convention, compare_conventions, explain, from_,
                      layout=layout.value, torch=torch)
    _emit(report, "shape", format, json, depth, _out(output, quiet, ignore, columns, wide, full, dtype, optimizer),
          model)


@app.command("params", help="Parameters, MACs and the dense-layer comparison per layer, with totals.\n\n"
                           "Example: convcalc params lenet; convcalc params googlenet --paper")
@_guard
def params(
    model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1, format: Fmt = Format.table,
    json: Json = False, output: OutputFile = None, lang: Lang = None, strict: Strict = False, depth: Depth = None, aux: Aux = False,
    convention: Convention = ConventionName.torch, explain: Explain = False, from_: From = None, assume: Assume = None,
    layout: LayoutOption = LayoutName.auto,
    paper: Annotated[bool, typer.Option("--paper", help="A paper's table: top-level rows with depth, Inception "
                                        "filter counts, params, connections and ops.")] = False,
    quiet: Quiet = False, ignore: Ignore = None, columns: Columns = None, wide: Wide = False, full: Full = False,
    dtype: DtypeOption = Dtype.float32, optimizer: OptimizerOption = None, torch: Torch = False,
) -> None:
    try:
        report = _analyze(model, layers, input, batch, strict, aux, convention, explain=explain, fmt=from_,
                          layout=layout.value, torch=torch)
    except SpecError as exc:  # print(model) whose forward convcalc cannot follow: the counts, module by module
        if not _emit_counts(exc, input, format, json, output, quiet):
            raise
        return
    _emit(report, "paper" if paper else "params", format, json, 0 if paper and depth is None else depth,
          _out(output, quiet, ignore, columns, wide, full, dtype, optimizer), model)


def _emit_counts(exc: SpecError, input_text: str | None, fmt: Format, as_json: bool, output: Path | None,
                 quiet: bool) -> bool:
    """``params`` on print(model) text whose shapes are unknown from some module: its exact parameters and buffers
    per module (exit 0, the shapes said to be unknown). False when the refusal carries no exact counts."""
    if getattr(exc, "counts", None) is None:
        return False
    from .build import parse_shape
    from .render import counts

    shape = None
    if input_text:
        try:
            shape = parse_shape(input_text, "--input")
        except ConvcalcError:
            shape = None
    found = counts.from_refusal(exc, shape)
    fmt = _resolve_format(fmt, as_json, output)
    if found is None or fmt not in (Format.table, Format.json, Format.csv, Format.markdown):
        return False
    if fmt is Format.json:
        sys.stdout.write(counts.to_json(found))
    elif fmt is Format.csv:
        sys.stdout.write(counts.to_csv(found))
    else:
        sys.stdout.write(counts.to_text(found, markdown=fmt is Format.markdown, width=_width(output)))
    if not quiet:
        _say("warning", found.warning, " [shapes-unknown]")
    return True


@app.command("rf", help="Receptive field, jump (effective stride) and start per layer.\n\n"
                       "Example: convcalc rf lenet")
@_guard
def rf(
    model: Model = None, layers: Layers = None, input: Input = None, batch: Batch = 1, format: Fmt = Format.table,
    json: Json = False, output: OutputFile = None, lang: Lang = None, strict: Strict = False, depth: Depth = None, aux: Aux = False,
    convention: Convention = ConventionName.torch, explain: Explain = False, from_: From = None, assume: Assume = None,
    layout: LayoutOption = LayoutName.auto,
    relative_to: Annotated[Optional[str], typer.Option(
        "--relative-to", help="Give each layer's receptive field on this layer's output instead of the input "
                              "(a node id, name or path).", show_default=False)] = None,
    quiet: Quiet = False, ignore: Ignore = None, columns: Columns = None, wide: Wide = False, full: Full = False,
    dtype: DtypeOption = Dtype.float32, optimizer: OptimizerOption = None,
    paper: Annotated[bool, typer.Option("--paper", hidden=True, help="(a params option)")] = False,
    torch: Torch = False,
) -> None:
    _not_here("rf", paper)
    report = _analyze(model, layers, input, batch, strict, aux, convention, explain=explain, fmt=from_,
                      layout=layout.value, relative_to=relative_to, torch=torch)
    _emit(report, "rf", format, json, depth, _out(output, quiet, ignore, columns, wide, full, dtype, optimizer), model)


@app.command("check", help="Validate models for scripts and CI: exit 0 when every one is valid and within its "
                           "budgets, 1 when one is not, 2 when one cannot be read.\n\n"
                           "Example: convcalc check model.yaml --max-params 25M --max-memory 2GiB --optimizer adam")
@_guard
def check(models: Annotated[Optional[list[str]], typer.Argument(
              help="Spec files ('-' for stdin) or built-in model names; several are checked in turn.",
              show_default=False, autocompletion=lambda: _model_names())] = None,
          layers: Layers = None, input: Input = None, batch: Batch = 1,
          format: Fmt = Format.table, json: Json = False, output: OutputFile = None, lang: Lang = None,
          strict: Strict = False, aux: Aux = False,
          convention: Convention = ConventionName.torch, from_: From = None, assume: Assume = None,
          layout: LayoutOption = LayoutName.auto,
          max_params: Annotated[Optional[str], typer.Option(
              "--max-params", help="Fail when the model has more parameters: 100000, 25M, 4.1G (×1000), 2Gi "
                                   "(×1024); with B, bytes of parameters at --dtype (100MB).", show_default=False)]
          = None,
          max_macs: Annotated[Optional[str], typer.Option(
              "--max-macs", help="Fail when the model has more multiply-accumulates at --batch: 4.1G.",
              show_default=False)] = None,
          max_memory: Annotated[Optional[str], typer.Option(
              "--max-memory", help="Fail when the model needs more bytes: the training estimate with --optimizer, "
                                   "else a forward pass (params, buffers, input, activations): 2GiB.",
              show_default=False)] = None,
          max_activations: Annotated[Optional[str], typer.Option(
              "--max-activations", help="Fail when the layers' outputs have more elements at --batch (with B: "
                                        "bytes at --dtype): 50M, 1GiB.", show_default=False)] = None,
          expect_output: Annotated[Optional[str], typer.Option("--expect-output",
                                                               help="Fail unless the output shape is this, e.g. 10 "
                                                                    "or 512x7x7.")] = None,
          min_input: Annotated[bool, typer.Option("--min-input", help="Also report the smallest square input the "
                                                  "network accepts, and why the size below fails.")] = False,
          only_specs: Annotated[bool, typer.Option(
              "--only-specs", help="Skip files that are not convcalc specs (YAML/JSON/TOML without 'layers'), as "
                                   "the pre-commit hook does on every changed YAML file.")] = False,
          quiet: Quiet = False, ignore: Ignore = None,
          dtype: DtypeOption = Dtype.float32, optimizer: OptimizerOption = None, torch: Torch = False) -> None:
    from . import api, codes
    from .layers import dims
    from .locate import file_line
    from .memory import human_bytes
    from .render import ci

    fmt = _resolve_format(format, json, output)
    targets = list(models or []) or [None]
    if torch and min_input:
        raise SpecError("--min-input scans input sizes on the torch-free reading; --torch traces one input",
                        hint="run --min-input without --torch, or --torch once for each --input to try")
    if layers is not None and models:
        raise SpecError("give either MODEL or --layers, not both")
    many = len(targets) > 1
    results: list[tuple[str | None, object]] = []  #: (model, CheckResult or ConvcalcError)
    for model in targets:
        if only_specs and model and not _is_spec(model):
            if not quiet:
                _say("skipped", f"{model}: not a convcalc spec (no 'layers')")
            continue
        try:
            layout_value = layout.value
            if layout_value == "auto":
                layout_value = "auto-tf" if convention.value == "tf" else "chw"
            if torch:
                network = _torch_network(model, layers, input, aux, from_)
            else:
                network = load_network(model, layers, input, aux, from_, layout=layout_value)
            if network.batch is not None and batch != 1 and batch != network.batch:
                raise SpecError(f"--batch {batch} disagrees with the batch {network.batch} that --input carries")
            label = model if many and model else None
            result = api.check(network, batch=network.batch or batch, strict=strict, convention=convention.value,
                               max_params=max_params, max_macs=max_macs, max_memory=max_memory,
                               max_activations=max_activations, expect_output=expect_output, dtype=dtype.value,
                               optimizer=optimizer.value if optimizer else None, ignore=tuple(ignore or ()),
                               min_input=min_input, name=label)
        except ConvcalcError as exc:
            if not many:
                raise
            results.append((model, exc))
            continue
        results.append((model, result))
    codes_out = [r.exit_code if not isinstance(r, ConvcalcError) else r.exit_code for _, r in results]
    exit_code = max(codes_out, default=0)

    def verdict(model, r) -> str:
        if isinstance(r, ConvcalcError):
            return f"error: {model}: {r}"
        rep = r.report
        if not rep.ok:
            return f"error: {rep.errors[0].line}" if not many else f"error: {r.name}: {rep.errors[0].line}"
        t = rep.totals
        at = f" at batch {rep.batch}" if rep.batch != 1 else ""
        line = (f"ok: {r.name}: {dims(rep.input_shape)} → {dims(rep.output_shape)}, {t.params:,} params, "
                f"{t.macs:,} MACs{at}")
        if max_memory or optimizer or max_activations:
            m = rep.memory
            what = f"training with {m.optimizer}" if m.optimizer else "forward"
            line += f", {human_bytes(m.total)} {what} ({m.dtype}{at})"
        return line

    def min_input_lines(r) -> list[str]:
        mi = r.min_input
        if mi is None or not r.report.ok:
            return []
        line = f"smallest input: {dims(mi.smallest)}" if mi.smallest else "no input up to 4096 passes"
        if mi.below_error:
            line += f" ({dims(mi.below)} fails: {mi.below_error})"
        out = [line]
        if mi.smallest:
            sizes = list(mi.exact)
            steps = {b - a for a, b in zip(sizes, sizes[1:])}
            listed = ", ".join(str(v) for v in sizes[:8]) + (", …" if len(sizes) > 8 else "")
            every = f" (every {steps.pop()})" if len(steps) == 1 and len(sizes) > 2 else ""
            out.append(f"exact divisions at every layer for sizes {mi.smallest[1]}–{mi.top}: {listed or 'none'}{every}")
        return out

    if fmt is Format.json:
        import json as json_module

        dicts = [r.to_dict() if not isinstance(r, ConvcalcError) else
                 {"check": {"model": m, "ok": False, "error": str(r), "hint": r.hint, "exit_code": r.exit_code}}
                 for m, r in results]
        body = dicts[0] if not many and dicts else {"schema": "convcalc.checks/1", "ok": exit_code == 0,
                                                    "results": dicts}
        sys.stdout.write(json_module.dumps(body, indent=2, ensure_ascii=False) + "\n")
    elif fmt in (Format.csv, Format.markdown):
        from .render import text

        headers = ["model", "ok", "input", "output", "params", "macs", "activations", "memory_bytes", "failures"]
        rows = []
        for m, r in results:
            if isinstance(r, ConvcalcError):
                rows.append([m or "", "false", "", "", "", "", "", "", str(r)])
                continue
            rep, t = r.report, r.report.totals
            rows.append([r.name, "true" if r.ok else "false", dims(rep.input_shape),
                         dims(rep.output_shape) if rep.output_shape else "", str(t.params), str(t.macs),
                         str(t.activations), str(rep.memory.total),
                         "; ".join(d.line for d in rep.errors)])
        sys.stdout.write(text.grid_csv(headers, rows) if fmt is Format.csv
                         else text.grid_markdown(headers, rows, [False, False, False, False, True, True, True, True,
                                                                 False]))
    elif fmt is Format.github:
        for m, r in results:
            if isinstance(r, ConvcalcError):
                file, line = file_line(m, r.path)
                sys.stdout.write(ci.annotation("error", str(r) + (f" (hint: {r.hint})" if r.hint else ""), file=file,
                                               line=line, title="convcalc unreadable") + "\n")
                continue
            for d in r.report.diagnostics:
                if not codes.shown_in("check", d) or (quiet and d.severity != "error"):
                    continue
                file, line = file_line(m, d.path)
                sys.stdout.write(ci.annotation("error" if d.severity == "error" else "warning",
                                               d.line + (f" (hint: {d.hint})" if d.hint else ""), file=file,
                                               line=line, title=f"convcalc {d.code or 'invalid'}") + "\n")
        for m, r in results:
            sys.stdout.write(_translated(verdict(m, r)) + "\n")
    elif fmt is Format.junit:
        suites = []
        for m, r in results:
            file, _ = file_line(m, None)
            if isinstance(r, ConvcalcError):
                suites.append(ci.Suite(name=m or "model", file=file, cases=[ci.Case("valid", str(r), "error",
                                                                                    r.hint or "")]))
                continue
            rep = r.report
            invalid = next((d for d in rep.errors if d.code not in codes.CHECKS), None)
            cases = [ci.Case("valid", invalid.line if invalid else None, detail=invalid.hint or "" if invalid else "")]
            for code in r.budgets:
                failed = next((d for d in r.failures if d.code == code), None)
                cases.append(ci.Case(code, failed.message if failed else None))
            suites.append(ci.Suite(name=r.name, file=file, cases=cases,
                                   stderr=[f"warning: {d.line}" for d in rep.warnings
                                           if codes.shown_in("check", d) and not quiet]))
        sys.stdout.write(ci.junit(suites))
    else:
        for m, r in results:
            if isinstance(r, ConvcalcError):
                _error(f"{m}: {r}", r.hint)
                continue
            _warn(r.report, "check", quiet)
            if not r.ok:
                _error(r.report.errors[0].line if not many else f"{r.name}: {r.report.errors[0].line}",
                       r.report.errors[0].hint)
                continue
            sys.stdout.write(_translated(verdict(m, r)) + "\n")
            for line in min_input_lines(r):
                sys.stdout.write(line + "\n")
    if fmt is not Format.table and fmt is not Format.github:
        for m, r in results:  # the verdicts of the machine formats, for the people reading the log
            if isinstance(r, ConvcalcError):
                _error(f"{m}: {r}" if many else r, r.hint)
            elif not r.ok:
                _error(r.report.errors[0].line, r.report.errors[0].hint)
            elif not quiet:
                _warn(r.report, "check", quiet)
    if exit_code:
        raise typer.Exit(exit_code)


def _is_spec(model: str) -> bool:
    """A YAML/JSON/TOML file whose top level is a mapping with 'layers' (built-in names, stdin, .py: yes)."""
    from pathlib import Path

    from .readers import FORMAT_BY_SUFFIX

    path = Path(model)
    if model == "-" or not path.is_file() or FORMAT_BY_SUFFIX.get(path.suffix.lower()) not in ("json", "yaml", "toml"):
        return True
    from .readers import read_bytes
    from .readers.spec import parse_text

    try:
        data = parse_text(read_bytes(path).decode("utf-8-sig"), FORMAT_BY_SUFFIX[path.suffix.lower()], model)
    except (ConvcalcError, OSError, UnicodeDecodeError):
        return True  # let the check say what is wrong with it
    return isinstance(data, dict) and "layers" in data


def _model_names() -> list[str]:
    """Shell completion of MODEL: the built-in names (the shell completes file names itself)."""
    from . import catalog

    return catalog.names()


@app.command("verify", help="RUNS YOUR CODE: read a PyTorch model both ways, with convcalc's torch-free reader and "
                            "with PyTorch (as --torch does), and show node by node where shapes, parameters, "
                            "buffers or MACs differ. Exit 0 when they agree, 1 when they do not, 2 when one side "
                            "cannot read it. Needs torch: pip install 'convcalc[torch]'.\n\n"
                            "Example: convcalc verify model.py --input 1x28x28")
@_guard
def verify(
    source: Annotated[Optional[str], typer.Argument(
        help='The model: model.py, model.py:Net, model.py:"Net(10)", pkg.module:build or pkg.module:"build(10)".',
        show_default=False)] = None,
    input: Input = None, aux: Aux = False, format: Fmt = Format.table, json: Json = False,
    output: OutputFile = None, lang: Lang = None, quiet: Quiet = False,
) -> None:
    import json as json_module

    from . import verify as verifying
    from .layers import dims
    from .readers import torchroute
    from .report import analyze

    torchroute.require("verify")
    if source is None:
        raise SpecError("verify needs SOURCE: a Python file or module", hint="e.g. convcalc verify model.py --input "
                                                                             "1x28x28")
    fmt = _resolve_format(format, json, output)
    if fmt not in (Format.table, Format.json, Format.csv, Format.markdown):
        raise SpecError(f"verify prints table, json, csv or markdown, not {fmt.value}")
    try:
        static = torchroute.read_static(source, input_text=input, aux=aux)
    except ConvcalcError as exc:
        raise SpecError(f"the torch-free reader cannot read it: {exc}", hint=exc.hint) from None
    given = input
    if given is None and all(s is not None for _, s in static.inputs):  # the example the file feeds its model
        given = dims(static.inputs[0][1]) if len(static.inputs) == 1 else None
    try:
        traced = torchroute.read(source, input_text=given, aux=aux)
    except ConvcalcError as exc:
        raise SpecError(f"torch cannot run it: {exc}", hint=exc.hint) from None
    if any(s is None for _, s in static.inputs) or len(static.inputs) != len(traced.inputs):
        static = static.with_inputs(by_name={n: s for (n, _), (_, s) in zip(static.inputs, traced.inputs)})
    verdict = verifying.compare(analyze(static), analyze(traced))
    if fmt is Format.json:
        sys.stdout.write(json_module.dumps(verdict.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        if verdict.differences or fmt is not Format.table:
            _write_grid(fmt, ["node", "what", "torch-free", "torch"],
                        [[d.node, d.what, d.torch_free, d.torch] for d in verdict.differences],
                        [False, False, True, True])
        if fmt is Format.table:
            sys.stdout.write(verifying.summary(verdict) + "\n")
    if not quiet:
        for note in verifying.notes(verdict):
            _say("note", note)
    if not verdict.agree:
        raise typer.Exit(1)


ModelFile = Annotated[Optional[typer.FilePath], typer.Argument(help="A model file (.py): list the models it defines.",
                                                            show_default=False)]


@app.command("list", help="The built-in models (or, with --types, the layer types; with FILE.py, the models the "
                          "file defines and how to choose each).\n\nExample: convcalc list; convcalc list resnet.py")
@_guard
def list_models(file: ModelFile = None,
                types: Annotated[bool, typer.Option("--types", help="List the layer and block types instead.")] = False,
                lang: Lang = None,
                ) -> None:
    from . import catalog
    from .graph import BLOCK_ALIASES, BLOCKS
    from .layers import ALIASES, REGISTRY
    from .readers.inline import signatures

    if file is not None:
        _list_file_models(file)
        return

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


def _list_file_models(file: Path) -> None:
    """``convcalc list FILE.py``: the models a file defines, each with how to choose it."""
    from .readers import torchcode

    if not file.is_file():
        raise SpecError(f"{file}: no such file")
    from .readers import read_bytes

    text = read_bytes(file).decode("utf-8-sig", errors="replace")  # at most the file-size limit, as every reader
    found = torchcode.models(text, str(file))
    named = {c.name for c in found if c.kind in ("class", "function")}
    found = [c for c in found if c.kind != "expression" and not (c.kind == "call" and c.choice in named)]
    if not found:
        raise SpecError(f"{file}: defines no model (no nn.Module class, no function returning one, no nn.Sequential)")
    rows = [(f"{file}:{c.choice}", c.signature, f"line {c.line}" + ("" if c.root or c.kind != "class" else
                                                                   ", a part of another model")) for c in found]
    width = max(len(r[0]) for r in rows) + 2
    sig = max(len(r[1]) for r in rows) + 2
    for choice, signature, where in rows:
        sys.stdout.write(f"{choice:<{width}}{signature:<{sig}}{where}\n")


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
    format: Fmt = Format.table, json: Json = False, output: OutputFile = None, lang: Lang = None,
) -> None:
    import itertools

    from .i18n import _, label
    from .solve import MAX_LISTED, search, why_none

    if keep:
        if out is not None and out != size:
            raise SpecError(f"--keep keeps the size {size}, but --out is {out}",
                            hint=f"drop --keep to solve {size} → {out}, or drop --out")
        out, stride = size, stride or 1
    if out is None:
        raise SpecError(_("give --out SIZE, or --keep to keep the size"))
    fmt = Format.json if json else format
    wanted = MAX_LISTED if show_all or fmt is not Format.table else 20
    asked = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation, pool=pool, ceil_mode=ceil_mode,
                 convention=convention.value)
    found = list(itertools.islice(search(size, out, **asked), wanted + 1))  # the search is lazy and ranked
    more, found = len(found) > wanted, found[:wanted]
    reasons = why_none(size, out, **asked) if not found or not found[0].conventional else []
    if fmt is Format.json:
        import json as json_module

        sys.stdout.write(json_module.dumps({"schema": "convcalc.solve/2", "in": size, "out": out,
                                            "convention": convention.value, "pool": pool,
                                            "solutions": [t.to_dict() for t in found], "more": more,
                                            "why": reasons}, indent=2, ensure_ascii=False) + "\n")
    else:
        headers = [label(h) for h in ("kernel", "stride", "padding", "dilation", "exact", "note")]
        rows = [[str(t.kernel), f"{t.stride}+" if t.larger_strides else str(t.stride), str(t.padding),
                 str(t.dilation), _("yes") if t.exact else _("no"), t.note()] for t in found]
        if found:
            notes = any(row[-1] for row in rows)  # the note column only where a row has one
            _write_grid(fmt, headers if notes else headers[:-1], [r if notes else r[:-1] for r in rows],
                        [True] * 5 + [False] * notes)
        if more and fmt is Format.table:
            sys.stdout.write((_("… more (--all)") if not show_all else
                              _("… more: the first {n:,} are shown").format(n=MAX_LISTED)) + "\n")
        if found and fmt is Format.table:
            from .explain import solve_formula

            sys.stdout.write(_("first answer: {formula}").format(formula=solve_formula(size, found[0], asked)) + "\n")
        if found and reasons:  # every answer is unconventional: say why the conventional one is missing
            sys.stderr.write(f"{label('note')}: {reasons[0]}\n")
    if not found:
        raise NetworkError(_("no setting within bounds maps {a} to {b}").format(a=size, b=out), hint="; ".join(reasons))


Matrix = Annotated[str, typer.Argument(
    help='A matrix: "0 1 2; 3 4 5; 6 7 8" (rows by ;, channels by |), nested lists [[0, 1], [2, 3]] (three '
         "levels: channels), or torch.tensor(...), torch.arange(16).reshape(4, 4).", show_default=False)]
Pair = Annotated[Optional[str], typer.Option(show_default=False)]
ValuesExplain = Annotated[bool, typer.Option("--explain", "-e", help="Show the output size and every window's sum.")]
ValuesJson = Annotated[bool, typer.Option("--json", help="Print the values (and with --explain the lines) as JSON.")]


def _numeric_output(result, explain: bool, as_json: bool) -> None:
    from . import numeric
    from .i18n import label

    if as_json:
        import json as json_module

        sys.stdout.write(json_module.dumps(numeric.to_dict(result, explain), indent=2, ensure_ascii=False) + "\n")
        return
    if explain:
        sys.stdout.write("\n".join(numeric.explain_lines(result)) + "\n" + "Y =\n")
    elif result.stride_defaulted and result.kernel_shape != (1, 1):
        sys.stderr.write(f"{label('note')}: {numeric.default_stride_note(result.kernel_shape)}\n")
    sys.stdout.write(numeric.format_tensor(result.values()) + "\n")


@app.command("corr2d", help="d2l's corr2d on small matrices: the values of a cross-correlation (what nn.Conv2d "
                            "computes), several channels summed, several filters stacked.\n\n"
                            'Example: convcalc corr2d "0 1 2; 3 4 5; 6 7 8" "0 1; 2 3"',
             context_settings={"ignore_unknown_options": True})  # a matrix may start with a minus: "-1 1; 1 -1"
@_guard
def corr2d_command(
    x: Matrix, k: Annotated[str, typer.Argument(
        help="The kernel: one matrix, one per input channel (three levels), or one such list per filter (four).",
        show_default=False)],
    stride: Annotated[Optional[str], typer.Option("--stride", "-s", help="1, 2, or rows x columns: 3x2.",
                                                  show_default=False)] = None,
    padding: Annotated[Optional[str], typer.Option("--padding", "-p", help="Zeros on each side: 1, or 2x1.",
                                                   show_default=False)] = None,
    bias: Annotated[Optional[str], typer.Option("--bias", help="Added to every output: one number, or one per "
                                                "filter (1,2,3).", show_default=False)] = None,
    explain: ValuesExplain = False, json: ValuesJson = False, output: OutputFile = None, lang: Lang = None,
) -> None:
    from . import numeric

    biases = None
    if bias is not None:
        biases = [v for row in numeric.parse_tensor(bias.replace(",", " "), "--bias") for v in row]
    result = numeric.corr2d(numeric.parse_tensor(x, "X"), numeric.parse_tensor(k, "K"),
                            stride=numeric.parse_pair(stride, "--stride", (1, 1), 1),
                            padding=numeric.parse_pair(padding, "--padding", (0, 0), 0), bias=biases,
                            keep_windows=explain)
    _numeric_output(result, explain, json)


class PoolMode(str, enum.Enum):
    max = "max"
    avg = "avg"


@app.command("pool", help="d2l's pool2d on small matrices: max or average pooling, each channel on its own, with "
                          "torch's defaults (stride = kernel size).\n\n"
                          'Example: convcalc pool "0 1 2; 3 4 5; 6 7 8" --kernel 2 --stride 1',
             context_settings={"ignore_unknown_options": True})
@_guard
def pool_command(
    x: Matrix,
    kernel: Annotated[str, typer.Option("--kernel", "-k", help="The window: 2, or rows x columns: 2x3.",
                                        show_default=False)],
    stride: Annotated[Optional[str], typer.Option("--stride", "-s", help="Default: the kernel size, as in torch "
                                                  "(d2l's pool2d uses 1).", show_default=False)] = None,
    padding: Annotated[Optional[str], typer.Option("--padding", "-p", help="On each side, at most half the kernel.",
                                                   show_default=False)] = None,
    mode: Annotated[PoolMode, typer.Option("--mode", "-m", help="max or avg.")] = PoolMode.max,
    explain: ValuesExplain = False, json: ValuesJson = False, output: OutputFile = None, lang: Lang = None,
) -> None:
    from . import numeric

    window = numeric.parse_pair(kernel, "--kernel", None, 1)
    result = numeric.pool2d(numeric.parse_tensor(x, "X"), window,
                            stride=numeric.parse_pair(stride, "--stride", None, 1) if stride is not None else None,
                            padding=numeric.parse_pair(padding, "--padding", (0, 0), 0), mode=mode.value,
                            keep_windows=explain)
    _numeric_output(result, explain, json)


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
    format: Fmt = Format.table, json: Json = False, output: OutputFile = None, lang: Lang = None,
    depth: Depth = None,
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

        la, lb = _side_labels(a, b, model_a, model_b, input_b)
        headers = ["layer", "type", f"output {la}", f"output {lb}", f"params {la}", f"params {lb}", f"MACs {la}",
                   f"MACs {lb}", "differs"]
        shown = [(path, ra, rb, differs) for path, ra, rb, differs in pairs
                 if depth is None or min(r.depth for r in (ra, rb) if r) <= depth]
        rows = [[(ra or rb).node or path, kind(ra, rb), shape_of(ra), shape_of(rb), count(ra, "params"),
                 count(rb, "params"), count(ra, "macs"), count(rb, "macs"), "*" if differs else ""]
                for path, ra, rb, differs in shown]
        rows.append(["total", "", dims(a.output_shape) if a.output_shape else "invalid",
                     dims(b.output_shape) if b.output_shape else "invalid", count(a.totals, "params"),
                     count(b.totals, "params"), count(a.totals, "macs"), count(b.totals, "macs"),
                     "*" if (a.totals.params, a.totals.macs, a.output_shape) != (b.totals.params, b.totals.macs,
                                                                                b.output_shape) else ""])
        _write_grid(fmt, headers, rows, [False, False, False, False, True, True, True, True, False])
    for r, label in zip((a, b), _side_labels(a, b, model_a, model_b, input_b)):
        for d in r.errors[:1]:
            _say("error", f"{label}: {d.line}")


def _side_labels(a, b, model_a: str | None, model_b: str | None, input_b: str | None) -> tuple[str, str]:
    """How compare names its two sides: the models' names, or the inputs when one model is run twice."""
    from pathlib import Path

    from .layers import dims

    if model_b is None or model_b == model_a:
        la, lb = dims(a.input_shape), dims(b.input_shape)
    else:
        la, lb = a.name or Path(model_a or "A").stem, b.name or Path(model_b).stem
    return (la, lb) if la != lb else (f"{la} (1)", f"{lb} (2)")


class DrawFormat(str, enum.Enum):
    svg = "svg"
    dot = "dot"
    mermaid = "mermaid"
    html = "html"


DRAW_BY_SUFFIX = {".svg": DrawFormat.svg, ".dot": DrawFormat.dot, ".gv": DrawFormat.dot, ".mmd": DrawFormat.mermaid,
                  ".html": DrawFormat.html, ".htm": DrawFormat.html}


@app.command("draw", help="Draw the network: an SVG diagram of its feature maps (or, with --rf NODE, the receptive "
                          "field of one of NODE's elements on the input grid), its graph for Graphviz or Mermaid, "
                          "or the HTML report.\n\nExamples: convcalc draw lenet -o lenet.svg; "
                          "convcalc draw lenet --rf C3 -o rf.svg; convcalc draw unet -f mermaid")
@_guard
def draw(
    model: Model = None, layers: Layers = None, input: Input = None, output: OutputFile = None, aux: Aux = False,
    lang: Lang = None,
    convention: Convention = ConventionName.torch, from_: From = None, assume: Assume = None,
    layout: LayoutOption = LayoutName.auto,
    format: Annotated[Optional[DrawFormat], typer.Option(
        "--format", "-f", help="svg (the default, or what -o FILE's suffix says: .svg .dot .gv .mmd .html), dot, "
                               "mermaid or html.", show_default=False)] = None,
    rf: Annotated[Optional[str], typer.Option(
        "--rf", help="Draw the input grid with the receptive field of one output element of this node (a node id, "
                     "layer name or path) shaded, and each earlier layer's field nested inside it.",
        show_default=False)] = None,
    collapse: Annotated[bool, typer.Option(
        "--collapse/--no-collapse", help="Draw runs of identical blocks (ResNet's bottlenecks) once, with ×N.")] = True,
    width: Annotated[Optional[int], typer.Option(
        "--width", min=300, help="Wrap the diagram's rows at about this many px (default: rows that suit a 16:9 "
                                 "slide).", show_default=False)] = None,
    depth: Annotated[Optional[int], typer.Option(
        "--depth", "-d", min=0, help="dot and mermaid: draw each block at this depth as one node.")] = None,
) -> None:
    from .render import graphviz, html, svg

    fmt = format or (DRAW_BY_SUFFIX.get(output.suffix.lower()) if output is not None else None) or DrawFormat.svg
    if rf is not None and fmt is not DrawFormat.svg:
        raise SpecError(f"--rf draws an SVG, not {fmt.value}", hint="drop --format, or write to a .svg file")
    report = _analyze(model, layers, input, 1, False, aux, convention, fmt=from_, layout=layout.value)
    network = report.network
    if not report.ok:
        _error(report.errors[0].line, report.errors[0].hint)
        raise typer.Exit(1)
    if rf is not None:
        sys.stdout.write(svg.receptive_field(network, report, rf))
    elif fmt is DrawFormat.svg:
        sys.stdout.write(svg.architecture(network, report, collapse=None if collapse else False, width=width))
    elif fmt is DrawFormat.dot:
        sys.stdout.write(graphviz.to_dot(network, report, depth))
    elif fmt is DrawFormat.mermaid:
        sys.stdout.write(graphviz.to_mermaid(network, report, depth))
    else:
        sys.stdout.write(html.to_html(network, report, "params", collapse=None if collapse else False))


class SpecFormat(str, enum.Enum):
    yaml = "yaml"
    json = "json"


@app.command("show", help="Print a built-in model's spec, to copy and edit.\n\n"
                          "Example: convcalc show resnet18 --format yaml > my_resnet.yaml")
@_guard
def show(name: Annotated[str, typer.Argument(help="A built-in model (see `convcalc list`).", show_default=False)],
         format: Annotated[SpecFormat, typer.Option("--format", "-f", help="yaml (as shipped) or json.")]
         = SpecFormat.yaml, lang: Lang = None) -> None:
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
    lang: Lang = None,
) -> None:
    """convcalc: a calculator for convolutional networks."""
    global _debug
    _debug = debug


def _translated(line: str) -> str:
    """A line of output in the chosen language (--lang zh); English as it is."""
    from .i18n import translate

    return translate(line)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        sys.stdout = open(os.devnull, "w")


#: What a terminal that cannot show them gets instead (an ASCII or Latin-1 locale).
_PLAIN = str.maketrans({"→": "->", "×": "x", "·": "*", "—": "-", "–": "-", "…": "...", "›": ">", "−": "-",
                        "─": "-", "│": "|", "≤": "<=", "≥": ">=", "²": "^2", "‘": "'", "’": "'", "“": '"',
                        "”": '"'})


class _PlainStream:
    """A text stream for an encoding that cannot show convcalc's arrows and signs: they become ASCII, and
    anything else unprintable a '?', instead of a UnicodeEncodeError."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        encoding = self._stream.encoding or "ascii"
        self._stream.write(text.translate(_PLAIN).encode(encoding, "replace").decode(encoding))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _plain_streams() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            "→×─".encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            setattr(sys, name, _PlainStream(stream))
        except AttributeError:
            pass


#: Commands whose plain command lines run without typer and click (see _fast): the ones run most, by hand and in
#: CI, where importing typer and click and building the app took longer than the analysis of a whole LeNet.
FAST_COMMANDS = ("shape", "params", "rf", "check")
_fresh = True  #: no command line has been run in this process yet


def _fast(argv: list[str]) -> int | None:
    """Run ``argv`` without typer where it is a plain ``shape``/``params``/``rf``/``check`` line or ``--version``: the
    command's own function, called with what click would have called it with (:func:`lazytyper.parse`).
    Its exit code; None where typer must read the line (whatever ``parse`` declines, shell completion, and
    any second line run in one process: the options left out must find the state a new process starts in)."""
    global _fresh, _GIVEN
    import os

    fresh, _fresh = _fresh, False
    if not fresh or "_CONVCALC_COMPLETE" in os.environ:
        return None
    if argv == ["--version"]:
        sys.stdout.write(f"convcalc {__version__}\n")  # as _version writes it
        return 0
    if not argv or argv[0] not in FAST_COMMANDS:
        return None
    command = app.function(argv[0])
    try:
        kwargs, _GIVEN = typer.parse(command, argv[1:])
    except typer.Decline:
        return None
    try:
        command(**kwargs)
    except KeyboardInterrupt:  # as click: a new line, then "aborted"
        sys.stderr.write("\nerror: aborted\n")
        return 130
    except Exception as exc:  # typer.Exit, which is click's: the command's own exit code
        click = sys.modules.get("click")
        if click is None or not isinstance(exc, click.exceptions.Exit):
            raise
        return exc.exit_code
    finally:
        _GIVEN = None
    return 0


def run() -> None:
    """The console script: usage errors as one line (``error: …`` and a hint, exit 2), like every other."""
    import gc
    import os

    # a run is short: collect cycles rarely (at 100,000 layers the default thresholds spend more time in the
    # collector than in the analysis)
    gc.set_threshold(100_000, 50, 1_000)
    if sys.stderr is None:  # started with stderr closed: messages have nowhere to go
        sys.stderr = open(os.devnull, "w")
    if sys.stdout is None:  # started with stdout closed
        sys.stderr.write("error: cannot write the output: stdout is closed\n")
        sys.exit(2)
    if sys.stdin is None:  # started with stdin closed: reading '-' finds it empty
        sys.stdin = open(os.devnull)
    _plain_streams()
    try:
        code = _fast(sys.argv[1:])
        if code is None:
            code = _typer_run()
    except BrokenPipeError:
        _silence_stdout()
        code = 0
    except OSError as exc:  # --help or --version, written by click outside the commands' error boundary
        _silence_stdout()
        _say("error", f"cannot write the output: {exc.strerror or exc}")
        code = 2
    try:
        sys.stdout.flush()
    except OSError:
        _silence_stdout()
    sys.exit(code if isinstance(code, int) else 0)


def _escaped(text: str) -> str:
    """``text`` with what would break its line or not show (CR, LF, other control characters, Unicode line
    separators) written as Python escapes: click quotes the user's arguments as they are typed
    (``Got unexpected extra argument (\\r)``), where convcalc's own messages quote them with repr()."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _typer_run():
    """The command line read by typer (and click): the app's exit code, usage errors as one line."""
    import click

    try:
        return app(standalone_mode=False, prog_name="convcalc")
    except click.exceptions.NoArgsIsHelpError as exc:
        sys.stdout.write(exc.ctx.get_help() + "\n")
        code = 0
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "convcalc"
        _say("error", _escaped(exc.format_message()))  # click's own words stay English
        _say("hint", f"see the options with {command} --help")
        code = exc.exit_code
    except click.Abort:
        sys.stderr.write("error: aborted\n")
        code = 130
    return code
