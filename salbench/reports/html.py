"""The one HTML renderer of salbench's reports: page skeleton, inline style, the sortable table.

Every page it writes is a complete HTML5 document that needs nothing but itself: the style and
the sorting script are inline, figures are inline SVG (or small image files beside the page),
there is no web font, no CDN and no request to any server, so a page opened from ``file://``
looks the same offline as published. :meth:`salbench.reports.Leaderboard.to_html` is
:func:`leaderboard_page`; :mod:`salbench.reports.site` builds a whole site from the same parts.

Sorting: every column header of a ``table.sortable`` is a button. Numeric cells carry their
exact value in ``data-value`` (empty when the cell has no value, which always sorts last). The
first click on a metric puts the best first (descending for a higher-is-better metric, ascending
for a lower-is-better one), the next click reverses; text columns sort alphabetically. Each
``tbody`` is sorted on its own, so the baselines stay together below the submitted models.
"""

from __future__ import annotations

import html
import math
import re

#: Inline style of every page (system fonts only: nothing is fetched).
CSS = """
:root { --fg: #1d232a; --muted: #5b6570; --line: #d9dee3; --best: #b35400; --tie: #7a4a12;
        --base: #6c737a; --accent: #3b6ea5; --bg-base: #f4f5f6; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
             sans-serif; }
header, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 1.2rem; }
header { border-bottom: 1px solid var(--line); padding-top: .6rem; padding-bottom: .4rem; }
header nav a { margin-right: 1rem; }
h1 { font-size: 1.6rem; margin: .4rem 0; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
a { color: var(--accent); }
p.note, .muted { color: var(--muted); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
            font-size: .92em; }
pre { background: var(--bg-base); padding: .6rem .8rem; overflow-x: auto; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { padding: .3rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { position: sticky; top: 0; background: #fff; text-align: left;
           border-bottom: 2px solid var(--fg); white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0;
            padding: 0; cursor: pointer; }
th button:hover, th button:focus { text-decoration: underline; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: .7em; }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: .7em; }
th a.info { font-weight: normal; text-decoration: none; margin-left: .25rem; font-size: .8em;
            border: 1px solid var(--line); border-radius: 50%; padding: 0 .3em; }
td.name { white-space: nowrap; }
td.best { color: var(--best); }
td.tie { color: var(--tie); }
tbody.baselines tr { background: var(--bg-base); color: var(--base); font-style: italic; }
tbody.baselines tr:first-child td { border-top: 2px solid var(--line); }
td.missing { color: var(--muted); }
sup a { text-decoration: none; }
.downloads a { margin-right: 1rem; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .9em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.gallery img { max-width: 100%; height: auto; border: 1px solid var(--line); }
footer { border-top: 1px solid var(--line); margin-top: 2.5rem; padding-bottom: 2rem;
         color: var(--muted); font-size: .92em; }
"""

#: The click-to-sort script (vanilla JavaScript, no library).
SORT_SCRIPT = """
(function () {
  "use strict";
  function sortTable(table, col, th) {
    var numeric = th.getAttribute("data-type") === "number";
    var first = numeric && th.getAttribute("data-better") !== "lower" ? "descending" : "ascending";
    var now = th.getAttribute("aria-sort");
    var dir = now === first ? (first === "ascending" ? "descending" : "ascending") : first;
    var heads = table.tHead.rows[0].cells;
    for (var h = 0; h < heads.length; h++) { heads[h].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", dir);
    var sign = dir === "ascending" ? 1 : -1;
    for (var b = 0; b < table.tBodies.length; b++) {
      var body = table.tBodies[b];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (r, s) {
        var x = r.cells[col].getAttribute("data-value") || "";
        var y = s.cells[col].getAttribute("data-value") || "";
        var order = Number(r.getAttribute("data-order")) - Number(s.getAttribute("data-order"));
        if (x === "" || y === "") {  // no value: always last, whatever the direction
          return x === y ? order : (x === "" ? 1 : -1);
        }
        var c = numeric ? (parseFloat(x) - parseFloat(y)) : x.localeCompare(y);
        return c !== 0 ? sign * c : order;
      });
      for (var k = 0; k < rows.length; k++) { body.appendChild(rows[k]); }
    }
  }
  var tables = document.querySelectorAll("table.sortable");
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      var heads = table.tHead.rows[0].cells;
      for (var c = 0; c < heads.length; c++) {
        (function (th, col) {
          var button = th.querySelector("button");
          if (button) { button.addEventListener("click", function () { sortTable(table, col, th); }); }
        })(heads[c], c);
      }
    })(tables[t]);
  }
})();
"""


def escape(text) -> str:
    """``text`` escaped for HTML text and attribute values (quotes included)."""
    return html.escape(str(text), quote=True)


def page(title: str, body: str, *, nav=(), footer: str = "", script: bool = True) -> str:
    """A complete HTML5 document: ``<meta charset>``, the inline style, ``body`` in ``<main>``.

    Parameters
    ----------
    title : str
        The ``<title>`` and the ``<h1>`` (escaped).
    body : str
        HTML of the main part (already escaped by its maker).
    nav : sequence of (href, label), optional
        Links above the title (relative hrefs; labels are escaped).
    footer : str, optional
        HTML of the footer.
    script : bool, default=True
        Include the click-to-sort script.

    Examples
    --------
    >>> text = page("a < b", "<p>hi</p>")
    >>> text.startswith("<!DOCTYPE html>"), "<title>a &lt; b</title>" in text
    (True, True)
    """
    links = " ".join(f'<a href="{escape(href)}">{escape(label)}</a>' for href, label in nav)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             '<meta name="generator" content="salbench">',
             f"<title>{escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
             "<header>" + (f"<nav>{links}</nav>" if links else "") + f"<h1>{escape(title)}</h1>"
             "</header>", f"<main>\n{body}\n</main>"]
    if footer:
        parts.append(f"<footer>\n{footer}\n</footer>")
    if script:
        parts.append(f"<script>{SORT_SCRIPT}</script>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def number_text(value, metric: str) -> str:
    """How a value is printed in tables (1 decimal for percentages, else 3)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    digits = 1 if metric == "explained_ig" else 3
    return f"{float(value):.{digits}f}"


def interval_text(low: str, high: str) -> str:
    """An interval's bounds as printed: ``0.80–0.85``, or ``-11.98 to -11.68`` when a bound is
    negative (a dash between signed numbers reads as a minus).

    Examples
    --------
    >>> interval_text("0.801", "0.853"), interval_text("-11.976", "-11.683")
    ('0.801–0.853', '-11.976 to -11.683')
    """
    if low.startswith("-") or high.startswith("-"):
        return f"{low} to {high}"
    return f"{low}–{high}"


def _data_value(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


class Footnotes:
    """Numbered footnotes of one page: the same text gets the same number."""

    def __init__(self, prefix: str = "note"):
        self.prefix = prefix
        self.texts: list[str] = []

    def mark(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        k = self.texts.index(text) + 1
        return f'<sup><a href="#{self.prefix}-{k}">{k}</a></sup>'

    def render(self) -> str:
        if not self.texts:
            return ""
        items = "".join(f'<li id="{self.prefix}-{k}">{escape(t)}</li>'
                        for k, t in enumerate(self.texts, start=1))
        return f'<ol class="footnotes">{items}</ol>'


def leaderboard_table(board, *, table_id: str = "leaderboard", model_href=None,
                      metric_href=None, model_label=None, notes: Footnotes | None = None) -> str:
    """The sortable ``<table>`` of a leaderboard: a row per model, the baselines in a second
    ``tbody``; bold leaders and ≈ ties as in the Markdown table; each missing value marked
    with a footnote that says why (``notes`` collects them).

    Parameters
    ----------
    board : Leaderboard
    table_id : str
        The table's ``id``.
    model_href, metric_href : callable, optional
        ``name -> relative URL`` of a model's or a metric's page (no link when None or when it
        returns None).
    model_label : callable, optional
        ``name -> text`` shown (and sorted) for a model (default: its name).
    notes : Footnotes, optional
        Where the missing-value notes go (default: a new list, rendered under the table).
    """
    own_notes = notes is None
    notes = Footnotes(f"{table_id}-note") if notes is None else notes
    table = board.table.set_index(["model", "metric"])
    facts = {m["name"]: m for m in board.metric_facts}
    head = ['<th data-type="text"><button type="button">model</button></th>',
            '<th data-type="text"><button type="button">type</button></th>']
    for metric in board.metrics:
        fact = facts[metric]
        arrow = "↑" if fact["direction"] == "higher" else "↓"
        better = "higher is better" if fact["direction"] == "higher" else "lower is better"
        href = metric_href(metric) if metric_href else None
        info = (f' <a class="info" href="{escape(href)}" title="what {escape(metric)} is">'
                f"?</a>" if href else "")
        unit = f", {fact['unit']}" if fact.get("unit") else ""
        head.append(f'<th class="num" data-type="number" data-better="{fact["direction"]}" '
                    f'title="{escape(better + unit)}"><button type="button">{escape(metric)} '
                    f"{arrow}</button>{info}</th>")
    bodies = {"model": [], "baseline": []}
    for order, model in enumerate(board.model_facts):
        name = model["name"]
        role = "baseline" if model["role"] == "baseline" else "model"
        href = model_href(name) if model_href else None
        shown = model_label(name) if model_label else name
        label = f'<a href="{escape(href)}">{escape(shown)}</a>' if href else escape(shown)
        cells = [f'<td class="name" data-value="{escape(shown)}">{label}</td>',
                 f'<td data-value="{role}">{role}</td>']
        for metric in board.metrics:
            row = table.loc[(name, metric)] if (name, metric) in table.index else None
            mean = math.nan if row is None else float(row["mean"])
            if math.isnan(mean):
                why = (model.get("missing") or {}).get(metric, "no value for this model")
                cells.append(f'<td class="num missing" data-value="" title="{escape(why)}">–'
                             f"{notes.mark(f'{name} — {metric}: {why}')}</td>")
                continue
            bounds = interval_text(number_text(row["ci_low"], metric),
                                   number_text(row["ci_high"], metric)).replace(" ", "\u00a0")
            text = f"{number_text(mean, metric)}\u00a0({bounds})"
            best = bool(row["is_best"])
            tie = bool(row["tied_with_best"]) and not best and role == "model"
            title = f"rank {int(row['rank'])}, {int(row['n_images'])} images"
            if not best and not math.isnan(float(row["p_vs_best"])):
                title += (f"; vs {row['best_model']}: {float(row['diff_vs_best']):+.4g}, "
                          f"p = {float(row['p_vs_best']):.3g}")
            if best:
                cells.append(f'<td class="num best" data-value="{_data_value(mean)}" '
                             f'title="best model; {escape(title)}"><strong>{text}</strong></td>')
            elif tie:
                cells.append(f'<td class="num tie" data-value="{_data_value(mean)}" '
                             f'title="not significantly different from the best; '
                             f'{escape(title)}">≈\u00a0{text}</td>')
            else:
                cells.append(f'<td class="num" data-value="{_data_value(mean)}" '
                             f'title="{escape(title)}">{text}</td>')
        bodies[role].append(f'<tr class="{role}" data-order="{order}">' + "".join(cells)
                            + "</tr>")
    parts = [f'<div class="scroll"><table class="sortable leaderboard" id="{escape(table_id)}">',
             "<thead><tr>" + "".join(head) + "</tr></thead>"]
    for role, rows in bodies.items():
        if rows:
            parts.append(f'<tbody class="{role}s">' + "\n".join(rows) + "</tbody>")
    parts.append("</table></div>")
    if own_notes:
        parts.append(notes.render())
    return "\n".join(parts)


def protocol_html(board) -> str:
    """The protocol of a leaderboard (:meth:`Leaderboard.protocol`) as a definition list: the
    averaging, every metric's variant, interval and test, IG baseline, gold standard."""
    facts = board.protocol()
    rows = [("averaging", facts["averaging"]),
            ("convention", str(facts.get("convention"))),
            ("intervals", facts["interval"]),
            ("paired test", facts["test"]),
            ("information gain over", facts["ig_baseline"] or "— (no result reports it)")]
    if facts.get("explained_ig"):
        rows.append(("explained_ig", facts["explained_ig"]))
    for role, text in facts["gold_standard"].items():
        rows.append((role.replace("_", " "), text))
    fitted = board.meta.get("fitted_on") or {}
    if fitted:
        rows.append(("fitted on", "; ".join(f"{n} on {label}" for n, label in fitted.items())))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    variants = "".join(f"<li><code>{escape(name)}</code>: {escape(text)}</li>"
                       for name, text in facts["metrics"].items())
    return (f'<dl class="facts protocol">{items}</dl>'
            f"<p>Metric variants:</p><ul class=\"variants\">{variants}</ul>")


def legend_html(board) -> str:
    """The first lines of the Markdown legend (dataset, what bold and ≈ mean) as paragraphs."""
    lines = [line for line in board._legend()[:2]]
    return "".join(f'<p class="note">{escape(line)}</p>' for line in lines)


def inline_svg(svg: str, *, caption: str = "", label: str = "figure") -> str:
    """An SVG document (matplotlib's output) as an inline ``<figure>``: the XML prolog and
    DOCTYPE, which HTML does not allow there, are dropped."""
    text = re.sub(r"<\?xml[^>]*\?>", "", svg)
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text, flags=re.IGNORECASE)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    text = text.strip()
    if 'role="img"' not in text[:400]:
        text = text.replace("<svg", f'<svg role="img" aria-label="{escape(label)}"', 1)
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{text}{cap}</figure>"


def leaderboard_body(board, *, model_href=None, metric_href=None, model_label=None,
                     figures=(), downloads=()) -> str:
    """The main part of a leaderboard page: legend, table, per-group tables, downloads,
    figures (``(caption, svg)`` pairs)."""
    notes = Footnotes("missing")
    parts = [legend_html(board),
             leaderboard_table(board, table_id="leaderboard", model_href=model_href,
                               metric_href=metric_href, model_label=model_label, notes=notes)]
    if downloads:
        links = "".join(f'<a href="{escape(href)}" download>{escape(label)}</a>'
                        for href, label in downloads)
        parts.append(f'<p class="downloads">Download the table: {links}</p>')
    for k, (value, group) in enumerate(board.groups.items()):
        parts.append(f"<h2>{escape(board.by)} = {escape(value)} "
                     f"({group.meta['n_images']} images)</h2>")
        parts.append(leaderboard_table(group, table_id=f"group-{k}", model_href=model_href,
                                       metric_href=metric_href, model_label=model_label,
                                       notes=notes))
    if notes.texts:
        parts.append("<h3>Missing values</h3>" + notes.render())
    for caption, svg in figures:
        parts.append(inline_svg(svg, caption=caption, label=caption))
    return "\n".join(parts)


def leaderboard_page(board, *, title: str | None = None, figures=(), downloads=(),
                     model_href=None, metric_href=None, nav=()) -> str:
    """A leaderboard as a complete page (what ``leaderboard --format html`` writes)."""
    if title is None:
        title = f"Leaderboard: {board.meta.get('dataset')} ({board.meta.get('n_images')} images)"
    body = leaderboard_body(board, model_href=model_href, metric_href=metric_href,
                            figures=figures, downloads=downloads)
    footer = "<h2>Protocol</h2>" + protocol_html(board) + generator_note()
    return page(title, body, nav=nav, footer=footer)


def generator_note() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("salbench")
    except PackageNotFoundError:  # running from a source tree that was never installed
        v = "unknown"
    return f'<p class="note">Made with salbench {escape(v)}.</p>'
