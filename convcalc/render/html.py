"""One self-contained HTML page: the diagram, bar charts of parameters, MACs and activation memory per layer,
and the shape, params and receptive-field tables (sortable by any column).

Nothing is fetched: the diagram is inline SVG, styles and the small sorting script are inline, fonts are the
system's. The page works from disk in any browser, and without JavaScript everything but sorting does.
"""

from __future__ import annotations

from html import escape

from ..report import LayerRow, Report
from . import svg, text

CHART_ROWS = 40  #: more layers than this with a value: the chart shows the top-level rows (blocks summed)

STYLE = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --band: #f6f8fa; --accent: #3d7cc9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       color: var(--ink); background: #fff; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p.lead { color: var(--muted); margin: 0 0 14px; max-width: 75em; }
dl.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 8px; margin: 12px 0; }
dl.totals div { background: var(--band); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
dl.totals dt { color: var(--muted); font-size: 12px; }
dl.totals dd { margin: 0; font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
nav { margin: 8px 0 0; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
.figure { border: 1px solid var(--line); border-radius: 6px; overflow: auto; background: #fff; }
.figure svg { display: block; max-width: 100%; height: auto; }
.figure.actual svg { max-width: none; }
.hint { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 18px; }
.chart h3 { font-size: 15px; margin: 0 0 6px; }
.bar-row { display: grid; grid-template-columns: minmax(90px, 11em) 1fr minmax(64px, 6.5em); gap: 8px;
           align-items: center; font-size: 12px; padding: 1px 0; }
.bar-row .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar-row .track { background: var(--band); border-radius: 3px; height: 12px; }
.bar-row .bar { height: 12px; border-radius: 3px; min-width: 1px; }
.bar-row .value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.params .bar { background: #5a92cc; } .macs .bar { background: #e09a3c; } .memory .bar { background: #62ad67; }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; text-align: left; }
th { background: var(--band); position: sticky; top: 0; cursor: pointer; user-select: none; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
th[aria-sort="ascending"]::after { content: " \\25B2"; } th[aria-sort="descending"]::after { content: " \\25BC"; }
tr.block td { font-weight: 600; background: #fbfcfd; }
ul.diagnostics { padding-left: 20px; } ul.diagnostics li { margin: 2px 0; }
footer { max-width: 1280px; margin: 36px auto 24px; padding: 0 24px; color: var(--muted); font-size: 12px; }
"""

SCRIPT = """
(function () {
  function key(cell, numeric) {
    var v = cell.getAttribute('data-sort');
    if (v === null) v = cell.textContent;
    if (numeric) { var n = parseFloat(v); return isNaN(n) ? -Infinity : n; }
    return v.toLowerCase();
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.querySelectorAll('th');
    heads.forEach(function (th, col) {
      th.addEventListener('click', function () {
        var numeric = th.classList.contains('num');
        var order = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', order);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          var c = x < y ? -1 : x > y ? 1 : 0;
          if (c === 0) c = (+a.getAttribute('data-index')) - (+b.getAttribute('data-index'));
          return order === 'ascending' ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var fig = document.getElementById('diagram-figure');
  if (fig) fig.addEventListener('click', function () { fig.classList.toggle('actual'); });
})();
"""


def _num(n: float) -> str:
    return f"{n:,}" if isinstance(n, int) else f"{n:,.1f}"


def _bytes(n: int) -> str:
    from ..memory import human_bytes

    return human_bytes(n)


def to_html(network, report: Report, view: str = "params", *, collapse: bool | None = None) -> str:
    """The page for ``report`` (``view`` picks the table shown first: shape, params or rf)."""
    t = report.totals
    name = report.name or "network"
    diagram = svg.architecture(network, report, collapse=collapse)
    description = getattr(network, "description", None)
    source = getattr(network, "source", None)
    from ..memory import row_memory

    dtype = getattr(report, "dtype", "float32")
    act_bytes = sum(row_memory(r, dtype).activations for r in report.layers if not r.block)
    param_bytes = sum(row_memory(r, dtype).params for r in report.layers if not r.block)
    arrow = text.total_lines(report, "shape")[0].split("   ")[0]
    cards = [("input → output", arrow), ("parameters", f"{t.params:,}"),
             ("trainable", f"{t.trainable_params:,}"), ("MACs (batch " + str(report.batch) + ")", f"{t.macs:,}"),
             (f"parameter memory ({dtype})", _bytes(param_bytes)),
             (f"activations ({dtype}, all layers)", _bytes(act_bytes)),
             ("layers", f"{sum(1 for r in report.layers if not r.block):,}")]
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(name)} — convcalc report</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
             "<header>", f"<h1>{escape(name)}</h1>"]
    if description:
        parts.append(f'<p class="lead">{escape(description)}</p>')
    if source:
        parts.append(f'<p class="lead">Source: {escape(source)}</p>')
    parts.append('<dl class="totals">' + "".join(
        f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in cards) + "</dl>")
    views = [v for v in (view, "shape", "params", "rf") if v in text.VIEWS]
    views = list(dict.fromkeys(v if v != "paper" else "params" for v in views))
    parts.append("<nav>" + '<a href="#diagram">Diagram</a><a href="#charts">Charts</a>' + "".join(
        f'<a href="#table-{v}">{_TITLES.get(v, v)}</a>' for v in views) + (
        '<a href="#diagnostics">Notes</a>' if report.diagnostics else "") + "</nav>")
    parts.append("</header>")
    parts.append("<main>")
    parts.append('<h2 id="diagram">Diagram</h2>')
    parts.append(f'<div class="figure" id="diagram-figure" title="click: fit width / actual size">{diagram}</div>')
    parts.append('<p class="hint">Feature maps as boxes labelled C@H×W (channels @ height × width), with the layer '
                 "that made each and its parameters below it. Click the diagram to switch between fit-to-width and "
                 "actual size.</p>")
    parts.append('<h2 id="charts">Where the parameters, the computation and the memory go</h2>')
    parts.append('<div class="charts">')
    parts.append(_chart(report, "Parameters", "params", lambda r: r.params, lambda n: f"{n:,}"))
    parts.append(_chart(report, "MACs", "macs", lambda r: r.macs, lambda n: f"{n:,}"))
    parts.append(_chart(report, f"Activation memory ({dtype})", "memory",
                        lambda r: row_memory(r, dtype).activations, _bytes))
    parts.append("</div>")
    for v in views:
        parts.append(f'<h2 id="table-{v}">{_TITLES.get(v, v)}</h2>')
        parts.append(_table(report, v))
    if report.diagnostics:
        parts.append('<h2 id="diagnostics">Notes</h2><ul class="diagnostics">')
        for d in report.diagnostics:
            hint = f" <em>hint: {escape(d.hint)}</em>" if d.hint else ""
            parts.append(f"<li><strong>{escape(d.severity)}</strong>: {escape(d.line)}{hint}</li>")
        parts.append("</ul>")
    parts.append("</main>")
    parts.append("<footer>Made by convcalc from the network's spec: shapes, parameters and MACs exactly as PyTorch "
                 "computes them. MACs count the multiply-accumulates of conv and linear weights.</footer>")
    parts.append(f"<script>{SCRIPT}</script>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


_TITLES = {"shape": "Shapes", "params": "Parameters and MACs", "rf": "Receptive fields"}


def chart_rows(report: Report, value) -> list[tuple[LayerRow, float]]:
    """(row, value) for a chart: every layer with a value, or — when there are too many — the top-level rows,
    each block with the sum over its layers."""
    leaves = [(r, value(r)) for r in report.layers if not r.block and value(r) > 0]
    if len(leaves) <= CHART_ROWS:
        return leaves
    out: list[tuple[LayerRow, float]] = []
    for r in report.layers:
        if r.depth == 0:
            out.append((r, 0))
        if not r.block and out:
            out[-1] = (out[-1][0], out[-1][1] + value(r))
    return [(r, v) for r, v in out if v > 0]


def _chart(report: Report, title: str, cls: str, value, fmt) -> str:
    rows = chart_rows(report, value)
    total = sum(value(r) for r in report.layers if not r.block) or 1
    top = max((v for _, v in rows), default=0) or 1
    out = [f'<section class="chart {cls}"><h3>{escape(title)}</h3>']
    if not rows:
        out.append('<p class="hint">none</p>')
    for r, v in rows:
        label = f"{r.name or r.node or r.path} · {r.type}"
        share = 100 * v / total
        out.append(f'<div class="bar-row" title="{escape(label)} ({escape(r.type)}): {escape(fmt(v))}, '
                   f'{share:.1f}%"><span class="name">{escape(label)}</span><span class="track"><span class="bar" '
                   f'style="width:{100 * v / top:.2f}%;display:block"></span></span>'
                   f'<span class="value">{escape(fmt(v))}</span></div>')
    out.append("</section>")
    return "\n".join(out)


NUM = ' class="num"'


def _table(report: Report, view: str) -> str:
    rows = list(report.layers)
    cols = text.columns(report, view, rows)
    head = "".join(f'<th scope="col"{NUM if c.numeric else ""}>{escape(c.header)}</th>' for c in cols)
    out = ['<div class="table-wrap">', f'<table class="sortable" id="{view}-table">',
           f'<thead><tr><th class="num" scope="col">#</th>{head}</tr></thead>', "<tbody>"]
    for i, r in enumerate(rows):
        cells = [f'<td class="num">{i + 1}</td>']
        for j, c in enumerate(cols):
            value = c.value(r, report)
            shown = text.cell(value, human=True)
            if j == 0 and r.depth:
                shown_html = "&nbsp;&nbsp;" * r.depth + escape(shown)
            else:
                shown_html = escape(shown)
            sort = ""
            if c.numeric and isinstance(value, (int, float)) and not isinstance(value, bool):
                sort = f' data-sort="{float(value):.6g}"' if not isinstance(value, int) else f' data-sort="{value}"'
            cls = ' class="num"' if c.numeric else ""
            cells.append(f"<td{cls}{sort}>{shown_html}</td>")
        row_cls = ' class="block"' if r.block else ""
        out.append(f'<tr data-index="{i}"{row_cls}>{"".join(cells)}</tr>')
    out += ["</tbody>", "</table>", "</div>"]
    out.append('<p class="hint">' + "<br>".join(escape(line) for line in text.total_lines(report, view)) + "</p>")
    return "\n".join(out)
