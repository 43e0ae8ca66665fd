"""Leaderboards: models as rows, metrics as columns, with confidence intervals and paired tests.

:func:`leaderboard` takes the :class:`~salbench.evaluation.Results` of several models on the same
images of the same dataset (objects or results directories) and computes, per model and metric,

* the mean over images and a 95 % percentile bootstrap interval (images resampled with
  replacement, ``n_bootstrap`` times, the *same* resamples for every model, seeded);
* a paired comparison with the best model of that metric: the mean per-image difference, its
  bootstrap interval, and a two-sided sign-flip permutation test over images (``p_vs_best``), so a
  near-tie is visible (``tied_with_best``: p ≥ ``alpha``);
* where a gold-standard row with information gain exists, the percent of explainable information
  gain, ``100 * IG(model) / IG(gold standard)`` (ratio of means over images, both relative to the
  centre bias), as the extra metric ``explained_ig``.

The best row of a metric is chosen among the submitted models (``role == "model"``) that have
it; a leaderboard without submitted models compares the baselines with the best baseline other
than the gold standard.

The table (:attr:`Leaderboard.table`)
-------------------------------------
A tidy pandas DataFrame, one row per (model, metric), in display order (models by
``sort_by``, then the baselines: gold standard, centre bias, uniform). Columns:

================  ========  ==================================================================
column            dtype     meaning
================  ========  ==================================================================
model             str       model name (unique in a leaderboard)
role              str       ``"model"`` or ``"baseline"``
baseline          str       ``"uniform"``, ``"centre_bias"``, ``"gold_standard"`` or ``""``
kind              str       ``"probabilistic"`` or ``"saliency"``
metric            str       registry name, or ``"explained_ig"``
direction         str       ``"higher"`` or ``"lower"`` (is better)
unit              str       e.g. ``"bits/fixation"``, ``"%"``
mean              float     mean over the images where the metric is defined
ci_low, ci_high   float     bootstrap percentile interval of the mean (``confidence``)
n_images          int       images where the metric is defined for this model
rank              float     1 = best among all rows with a value (ties share the lower rank)
is_best           bool      this row is the metric's best model
best_model        str       name of the metric's best model
diff_vs_best      float     mean over common images of (this model − best model); 0 for the best
diff_ci_low/high  float     bootstrap interval of that difference
p_vs_best         float     sign-flip permutation p-value (NaN for the best row)
tied_with_best    bool      ``is_best`` or ``p_vs_best >= alpha``
================  ========  ==================================================================

A cell without a value (a saliency model has no log-likelihood) is a row with NaN ``mean``.
:meth:`Leaderboard.wide` pivots any column to models × metrics. :attr:`Leaderboard.meta` holds
the dataset (name, fingerprint), the number of images and the statistical settings. The CSV output
is this table plus the protocol as columns (``average``, the metric's ``variant``, the
``ig_baseline`` of the information-gain rows, the ``definition`` of the gold-standard rows); the
JSON output is ``{"format": "salbench.Leaderboard/1", "meta": ..., "metrics": [{name, direction,
unit, summary?, family?, convention?}], "models": [{name, role, baseline, kind, gflops?,
missing?}], "protocol": {...}, "rows": [table rows]}`` with NaN written as null. Every format
states the protocol (:mod:`salbench.reports.protocol`): how the means average (per image or per
fixation), each metric's variant, the IG baseline and the gold standard's definition.
"""

from __future__ import annotations

import html
import io
import json
import math
import warnings
from pathlib import Path

import numpy as np

from .. import stats
from .._io import to_json_value
from ..evaluation.results import load_results
from ..exceptions import DataError, InputError
from ..metrics import names as metric_names

LEADERBOARD_FORMAT = "salbench.Leaderboard/1"
FORMATS = ("md", "html", "csv", "json")

#: Display order of the baseline rows.
BASELINE_ORDER = ("gold_standard", "gold_standard_all_observers", "centre_bias", "uniform")
#: What the gold-standard rows are, for the legend.
GOLD_STANDARD_DEFINITION = (
    "gold standard: leave one observer out for every metric — each observer's fixations are "
    "scored against the density of the other observers' fixations (a Gaussian KDE mixed with "
    "the centre bias, its bandwidth fitted by leave-one-observer-out likelihood); per-fixation "
    "metrics (AUCs, sAUC, NSS, log-likelihood, IG) average over the image's fixations, the "
    "others (CC, KLD, SIM, EMD, the MIT metrics) over its observers, each against that "
    "observer's own fixations and empirical map, so CC, KLD, SIM and EMD measure agreement "
    "between observers, not an upper bound for models compared with the map of all observers; "
    "images with one observer are left out.")
GOLD_ALL_OBSERVERS_DEFINITION = (
    "gold standard (all observers): the saliency metrics read the density of all observers, "
    "the scored one included (in-sample: inflated, not a ceiling); log-likelihood and IG are "
    "leave one observer out.")
#: The metric that orders the rows by default: the first of these that a model has.
SORT_PREFERENCE = ("information_gain", "auc", "nss", "cc")
EXPLAINED_IG = "explained_ig"
#: How a leaderboard averages a metric over the images (``leaderboard(average=...)``).
AVERAGES = ("image", "fixation")

_TABLE_COLUMNS = ["model", "role", "baseline", "kind", "metric", "direction", "unit", "mean",
                  "ci_low", "ci_high", "n_images", "rank", "is_best", "best_model",
                  "diff_vs_best", "diff_ci_low", "diff_ci_high", "p_vs_best", "tied_with_best"]


def leaderboard(results, *, metrics=None, sort_by=None, confidence=0.95, n_bootstrap=1000,
                n_permutations=10000, alpha=0.05, seed=0, images="same",
                by=None, average="image") -> "Leaderboard":
    """Compare models on one dataset: means, bootstrap intervals and paired tests over images.

    Parameters
    ----------
    results : sequence of Results or path-like
        Results objects, results directories, or folders holding several results directories.
    metrics : list of str, optional
        Metrics to show (default: every metric any model has, in registry order, plus
        ``explained_ig`` when a gold standard is present).
    sort_by : str, optional
        Metric that orders the models (default: the first of information_gain, auc, nss, cc).
    confidence : float, default=0.95
        Level of the bootstrap intervals.
    n_bootstrap, n_permutations : int
        Resamples for the intervals and sign flips for the paired test.
    alpha : float, default=0.05
        Level under which a model differs significantly from the best.
    seed : int, default=0
        Seeds the resampling (same seed, same table).
    images : {"same", "common"}, default="same"
        ``"same"``: every result must cover the same images (else an error names them);
        ``"common"``: use the images all results share (with a warning saying how many).
    by : str, optional
        A per-image attribute recorded with the results (``dataset.attributes``, e.g.
        ``"category"`` for CAT2000): the returned leaderboard is the overall one — the mean over
        all images, the benchmark's definition — and :attr:`Leaderboard.groups` holds one
        leaderboard per value of the attribute, computed the same way on that value's images
        (intervals and paired tests within the group).
    average : {"image", "fixation"}, default="image"
        ``"image"``: every image counts once (the mean of the per-image scores).
        ``"fixation"``: every fixation counts once — each image's score weighted by its number
        of fixations (``n_fixations`` of the results), as pysaliency and MIT300 average
        information gain; for a metric whose image value is the mean of its fixations' values
        this is the mean over all fixations. The intervals and paired tests still resample and
        sign-flip whole images (the weighted mean of each resample), since fixations of one
        image are not independent.

    Returns
    -------
    Leaderboard

    Examples
    --------
    >>> import salbench
    >>> from salbench.demo import synthetic_dataset, TrueDensityModel
    >>> from salbench.models.baselines import UniformModel
    >>> data = synthetic_dataset(n_images=6, shape=(24, 32), root=getfixture("tmp_path"))
    >>> runs = [salbench.evaluate(m, data.dataset, metrics=["auc", "information_gain"])
    ...         for m in (UniformModel(), TrueDensityModel(data))]
    >>> board = salbench.leaderboard(runs, n_bootstrap=200, n_permutations=200)
    >>> board.wide()["auc"].round(3).to_dict()
    {'true density (gold standard)': 0.857, 'uniform': 0.5}
    """
    runs = load_results(results)
    if not runs:
        raise InputError("leaderboard() needs at least one result")
    options = dict(metrics=metrics, sort_by=sort_by, confidence=confidence,
                   n_bootstrap=n_bootstrap, n_permutations=n_permutations, alpha=alpha, seed=seed,
                   images=images, average=average)
    overall = _leaderboard(runs, **options)
    if by is None:
        return overall
    labels = _attribute(runs, by)
    shared = set(overall.meta["image_indices"])
    groups = {}
    for value in sorted(labels.dropna().unique().tolist(), key=lambda v: (str(type(v)), v)):
        members = labels.index[labels == value]
        members = [int(i) for i in members if int(i) in shared]
        if members:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "common" was reported overall
                board = _leaderboard(runs, **options, restrict=members)
            board.meta.update({"by": by, "group": value})
            groups[value] = board
    overall.meta["by"] = by
    overall.meta["overall"] = "mean over all images (every group's images together)"
    overall.by = by
    overall.groups = groups
    return overall


def _attribute(runs, by):
    """The values of attribute ``by`` per image index, from the results that recorded it."""
    import pandas as pd

    found = None
    for r in runs:
        frame = getattr(r, "attributes", None)
        if frame is None or by not in frame.columns:
            continue
        series = pd.Series(frame[by].to_numpy(), index=frame["image"].to_numpy(dtype=np.int64))
        if found is None:
            found = series
            continue
        common = found.index.intersection(series.index)
        if not found.loc[common].equals(series.loc[common]):
            raise InputError(f"results disagree on the attribute {by!r} of some images")
        found = pd.concat([found, series[~series.index.isin(found.index)]])
    if found is None:
        available = sorted({c for r in runs if getattr(r, "attributes", None) is not None
                            for c in r.attributes.columns if c != "image"})
        raise InputError(f"no result records the per-image attribute {by!r}"
                         + (f"; they have {', '.join(available)}" if available else
                            " (the dataset has no attributes, or the results predate them)"))
    return found


def _leaderboard(runs, *, metrics, sort_by, confidence, n_bootstrap, n_permutations, alpha, seed,
                 images, average="image", restrict=None) -> "Leaderboard":
    _check_number(confidence, "confidence", 0.0, 1.0)
    _check_number(alpha, "alpha", 0.0, 1.0)
    for value, label in ((n_bootstrap, "n_bootstrap"), (n_permutations, "n_permutations")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InputError(f"{label} must be a positive integer, got {value!r}")
    if images not in ("same", "common"):
        raise InputError(f"images must be 'same' or 'common', got {images!r}")
    if average not in AVERAGES:
        raise InputError(f"average must be 'image' or 'fixation', got {average!r}")
    _check_compatible(runs)
    ig_baseline = _ig_baseline(runs)
    image_index = _common_images(runs, images)
    if restrict is not None:
        image_index = np.intersect1d(image_index, np.asarray(restrict, dtype=np.int64))
    weights = _fixation_weights(runs, image_index) if average == "fixation" else None

    available = []
    for r in runs:
        for m in r.metrics:
            if m not in available:
                available.append(m)
    order = {name: k for k, name in enumerate(metric_names())}
    available.sort(key=lambda m: order.get(m, len(order)))
    gold = [r for r in runs if r.manifest["model"].get("baseline") == "gold_standard"]
    if len(gold) > 1:
        raise InputError(f"more than one gold standard: {', '.join(r.model for r in gold)}")
    gold_ig = bool(gold) and "information_gain" in gold[0].metrics
    if metrics is None:
        shown = available + ([EXPLAINED_IG] if gold_ig else [])
    else:
        shown = [metrics] if isinstance(metrics, str) else list(metrics)
        for m in shown:
            if m == EXPLAINED_IG and not gold_ig:
                raise InputError("explained_ig needs a gold-standard result with information_gain")
            if m != EXPLAINED_IG and m not in available:
                raise InputError(f"no result has metric {m!r}; they have {', '.join(available)}")
    facts = _metric_facts(runs, shown)

    values = {}  # (model, metric) -> (N,) values aligned on image_index
    for r in runs:
        frame = r.images.set_index("image")
        for m in available:
            if m in frame.columns:
                values[(r.model, m)] = frame.loc[image_index, m].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    indices = stats.bootstrap_indices(len(image_index), int(n_bootstrap), rng)
    flips = stats.SignFlips(len(image_index), int(n_permutations), rng)
    if gold_ig:
        g = values[(gold[0].model, "information_gain")]
        for r in runs:
            ig = values.get((r.model, "information_gain"))
            if ig is not None:
                both = ~(np.isnan(ig) | np.isnan(g))
                values[(r.model, EXPLAINED_IG)] = np.where(both, ig, np.nan)

    rows_order = _row_order(runs, shown, values, sort_by, facts, weights)
    by_name = {r.model: r for r in runs}
    records = []
    for metric in shown:
        fact = facts[metric]
        higher = fact["direction"] == "higher"
        cells = {}
        for name in rows_order:
            v = values.get((name, metric))
            if v is None:
                continue
            defined = ~np.isnan(v)
            if metric == EXPLAINED_IG:
                g = values[(gold[0].model, "information_gain")]
                mean = _ratio_percent(v, g, weights)
                samples = 100.0 * stats.ratio_of_means(v, g, indices, weights=weights)
            else:
                mean = stats.weighted_mean(v, weights)
                samples = stats.masked_means(v, indices, weights=weights)
            low, high = stats.percentile_interval(samples, confidence)
            cells[name] = {"mean": mean, "ci_low": low, "ci_high": high,
                           "n_images": int(defined.sum()), "samples": samples}
        best = _best(cells, by_name, higher, gold[0].model if gold else None)
        ranks = _ranks(cells, higher)
        for name in rows_order:
            r = by_name[name]
            info = r.manifest["model"]
            record = {"model": name, "role": r.role, "baseline": info.get("baseline") or "",
                      "kind": info.get("kind", ""), "metric": metric,
                      "direction": fact["direction"], "unit": fact["unit"]}
            cell = cells.get(name)
            if cell is None or math.isnan(cell["mean"]):
                record.update({"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                               "n_images": 0 if cell is None else cell["n_images"],
                               "rank": math.nan, "is_best": False, "best_model": best or "",
                               "diff_vs_best": math.nan, "diff_ci_low": math.nan,
                               "diff_ci_high": math.nan, "p_vs_best": math.nan,
                               "tied_with_best": False})
                records.append(record)
                continue
            record.update({k: cell[k] for k in ("mean", "ci_low", "ci_high", "n_images")})
            record["rank"] = ranks[name]
            record["is_best"] = name == best
            record["best_model"] = best or ""
            if best is None:
                diff = (math.nan, math.nan, math.nan, math.nan)
            elif name == best:
                diff = (0.0, 0.0, 0.0, math.nan)
            else:
                diff = _paired(values, metric, name, best, indices, confidence, flips,
                               gold[0].model if gold else None, weights)
            record["diff_vs_best"], record["diff_ci_low"], record["diff_ci_high"], \
                record["p_vs_best"] = diff
            record["tied_with_best"] = bool(name == best or (not math.isnan(diff[3])
                                                             and diff[3] >= alpha))
            records.append(record)

    import pandas as pd

    table = pd.DataFrame.from_records(records, columns=_TABLE_COLUMNS)
    first = runs[0]
    meta = {
        "dataset": first.dataset.get("name"), "dataset_fingerprint": first.dataset.get("fingerprint"),
        "n_images": len(image_index), "images": "same" if images == "same" else "common",
        "image_indices": [int(i) for i in image_index],
        "confidence": confidence, "n_bootstrap": int(n_bootstrap),
        "n_permutations": int(n_permutations), "alpha": alpha, "seed": seed,
        "interval": "percentile bootstrap over images (paired: same resamples for every model)",
        "test": "two-sided sign-flip permutation test of the mean per-image difference vs the best",
        "sort_by": _sort_metric(sort_by, shown, values, rows_order),
        "convention": first.manifest.get("parameters", {}).get("convention"),
        "explained_ig": ("100 * mean IG(model) / mean IG(gold standard), IG over the centre bias"
                         if gold_ig else None),
        "ig_baseline": ig_baseline,
        "gold_standard": {role: text for role, text in (
            ("gold_standard", GOLD_STANDARD_DEFINITION),
            ("gold_standard_all_observers", GOLD_ALL_OBSERVERS_DEFINITION))
            if any(r.manifest["model"].get("baseline") == role for r in runs)},
        "fitted_on": {r.model: _fit_label(r.manifest["fit"]) for r in runs
                      if r.manifest.get("fit")},
        "average": average,
    }
    models = []
    for name in rows_order:
        info = by_name[name].manifest["model"]
        entry = {"name": name, "role": by_name[name].role, "baseline": info.get("baseline") or "",
                 "kind": info.get("kind", "")}
        for key in ("gflops", "cost"):
            if key in info:
                entry[key] = info[key]
        timings = by_name[name].manifest.get("timings", {})
        if timings.get("model_ms_per_image") is not None:
            entry["model_ms_per_image"] = timings["model_ms_per_image"]
        missing = _missing_reasons(by_name[name], shown, table)
        if missing:
            entry["missing"] = missing
        models.append(entry)
    return Leaderboard(table, meta, [facts[m] for m in shown], models)


class Leaderboard:
    """The result of :func:`leaderboard` (see the module notes for :attr:`table`)."""

    def __init__(self, table, meta: dict, metrics: list, models: list, *, by=None, groups=None):
        self.table = table
        self.meta = meta
        self.metric_facts = metrics
        self.model_facts = models
        #: The attribute of ``leaderboard(..., by=...)`` and one Leaderboard per value of it.
        self.by = by
        self.groups = dict(groups or {})

    def grouped_table(self):
        """:attr:`table` of the overall board and of every group, with columns ``by`` and
        ``group`` (``"(all)"`` for the overall rows)."""
        import pandas as pd

        frames = [self.table.assign(by=self.by or "", group="(all)")]
        frames += [g.table.assign(by=self.by, group=str(v)) for v, g in self.groups.items()]
        return pd.concat(frames, ignore_index=True)

    @property
    def metrics(self) -> list[str]:
        return [m["name"] for m in self.metric_facts]

    @property
    def models(self) -> list[str]:
        return [m["name"] for m in self.model_facts]

    def wide(self, value: str = "mean"):
        """Models × metrics DataFrame of one column of :attr:`table` (default the means)."""
        frame = self.table.pivot(index="model", columns="metric", values=value)
        return frame.loc[self.models, self.metrics]

    def __repr__(self) -> str:
        return (f"Leaderboard({len(self.models)} models x {len(self.metrics)} metrics on "
                f"{self.meta['dataset']!r}, {self.meta['n_images']} images)")

    def __str__(self) -> str:
        return self.to_markdown()

    # ------------------------------------------------------------------ formats
    def _cells(self):
        """Display strings per (model, metric) and a legend."""
        from .html import interval_text

        out = {}
        for row in self.table.itertuples(index=False):
            if isinstance(row.mean, float) and math.isnan(row.mean):
                out[(row.model, row.metric)] = ("–", False, False)
                continue
            digits = _digits(row.metric)
            bounds = interval_text(f"{row.ci_low:.{digits}f}", f"{row.ci_high:.{digits}f}")
            text = f"{row.mean:.{digits}f} ({bounds})"
            near_tie = bool(row.tied_with_best) and not bool(row.is_best) and row.role == "model"
            out[(row.model, row.metric)] = (text, bool(row.is_best), near_tie)
        return out

    def _header(self, metric):
        fact = next(m for m in self.metric_facts if m["name"] == metric)
        arrow = "↑" if fact["direction"] == "higher" else "↓"
        return f"{metric} {arrow}"

    def protocol(self) -> dict:
        """How the numbers were made (:func:`salbench.reports.protocol.protocol`): averaging,
        metric variants, interval, test, IG baseline, gold-standard definition."""
        from .protocol import protocol

        return protocol(self.meta, self.metric_facts)

    def _legend(self):
        from .protocol import legend_lines

        m = self.meta
        pct = int(round(100 * m["confidence"]))
        over = "fixations" if m.get("average") == "fixation" else "images"
        lines = [
            f"Dataset {m['dataset']} ({m['n_images']} images, convention {m['convention']}). "
            f"Mean over {over} ({pct}% bootstrap interval over images, {m['n_bootstrap']} "
            f"resamples, seed {m['seed']}). ↑/↓: higher/lower is better.",
            f"Bold: best model; ≈: not significantly different from the best (paired sign-flip "
            f"permutation test over images, {m['n_permutations']} flips, p ≥ {m['alpha']}).",
        ]
        if m.get("explained_ig"):
            lines.append(f"explained_ig: percent of explainable information gain = {m['explained_ig']}.")
        if m.get("ig_baseline"):
            lines.append(f"Information gain over {m['ig_baseline']}.")
        for text in (m.get("gold_standard") or {}).values():
            lines.append(text[0].upper() + text[1:])
        fitted = m.get("fitted_on") or {}
        if fitted:
            lines.append("Fitted on: " + "; ".join(f"{name} on {label}"
                                                   for name, label in fitted.items()) + ".")
        if self.groups:
            lines.append(f"Per {self.by}: the same statistics on each group's images; the first "
                         "table is the mean over all images (the benchmark's overall score).")
        facts = self.protocol()
        extra = legend_lines(facts)
        if m.get("ig_baseline"):
            extra = [x for x in extra if not x.startswith("Information gain")]
        return lines + extra

    def to_markdown(self) -> str:
        """A Markdown table (one line per model) with a legend below; with ``by=``, the overall
        table first, then one table per group."""
        text = self._markdown_table()
        for value, group in self.groups.items():
            text += (f"\n### {self.by} = {value} ({group.meta['n_images']} images)\n\n"
                     + group._markdown_table())
        return text + "\n" + "\n".join(self._legend()) + "\n"

    def _markdown_table(self) -> str:
        cells = self._cells()
        header = ["model", "type", *(self._header(m) for m in self.metrics)]
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join(["---", "---"] + ["---:"] * len(self.metrics)) + "|"]
        for facts in self.model_facts:
            name = facts["name"]
            kind = "baseline" if facts["role"] == "baseline" else "model"
            row = [_md_escape(name), kind]
            for metric in self.metrics:
                text, best, tie = cells.get((name, metric), ("–", False, False))
                row.append(f"**{text}**" if best else (f"≈ {text}" if tie else text))
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """A complete HTML5 page (inline style and script, nothing fetched): the sortable table,
        the legend and the protocol (:func:`salbench.reports.html.leaderboard_page`)."""
        from .html import leaderboard_page

        return leaderboard_page(self)

    def _html_fragment(self) -> str:
        """The former bare ``<table>`` (kept for callers that embed it)."""
        cells = self._cells()
        e = html.escape
        parts = ['<table class="salbench-leaderboard">',
                 f"<caption>{'<br>'.join(e(x) for x in self._legend())}</caption>",
                 "<thead><tr><th>model</th><th>type</th>"
                 + "".join(f"<th>{e(self._header(m))}</th>" for m in self.metrics)
                 + "</tr></thead>", "<tbody>"]
        for facts in self.model_facts:
            name = facts["name"]
            kind = "baseline" if facts["role"] == "baseline" else "model"
            row = [f'<tr class="{kind}"><td>{e(name)}</td><td>{kind}</td>']
            for metric in self.metrics:
                text, best, tie = cells.get((name, metric), ("–", False, False))
                if best:
                    row.append(f'<td class="best"><strong>{e(text)}</strong></td>')
                elif tie:
                    row.append(f'<td class="tie">≈ {e(text)}</td>')
                else:
                    row.append(f"<td>{e(text)}</td>")
            parts.append("".join(row) + "</tr>")
        parts += ["</tbody>", "</table>"]
        for value, group in self.groups.items():
            parts.append(f"<h3>{e(str(self.by))} = {e(str(value))} "
                         f"({group.meta['n_images']} images)</h3>")
            parts.append(group._html_fragment().rstrip("\n"))
        return "\n".join(parts) + "\n"

    def to_csv(self, path=None) -> str | None:
        """The tidy :attr:`table` as CSV (returned as a string, or written atomically to ``path``)."""
        from .protocol import csv_columns

        buffer = io.StringIO()
        table = self.grouped_table() if self.groups else self.table
        # the protocol travels as columns: a comment line or trailer would break CSV readers
        table = csv_columns(table, self.protocol())
        table.to_csv(buffer, index=False, float_format="%.17g")
        return self._emit(buffer.getvalue(), path)

    def to_dict(self) -> dict:
        records = self.table.to_dict(orient="records")
        out = {"format": LEADERBOARD_FORMAT, "meta": self.meta, "metrics": self.metric_facts,
               "models": self.model_facts, "protocol": self.protocol(), "rows": records}
        if self.groups:
            out["by"] = self.by
            out["groups"] = [{"value": v, **g.to_dict()} for v, g in self.groups.items()]
        return to_json_value(out)

    def to_json(self, path=None) -> str | None:
        """``{"format", "meta", "metrics", "models", "rows"}`` as JSON (NaN → null)."""
        return self._emit(json.dumps(self.to_dict(), indent=1) + "\n", path)

    def render(self, fmt: str = "md") -> str:
        """The leaderboard in one of :data:`FORMATS`."""
        if fmt not in FORMATS:
            raise InputError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        return {"md": self.to_markdown, "html": self.to_html, "csv": self.to_csv,
                "json": self.to_json}[fmt]()

    def save(self, path, fmt: str | None = None) -> Path:
        """Write to ``path`` atomically; the format comes from the extension unless given."""
        path = Path(path)
        if fmt is None:
            fmt = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
                   ".csv": "csv", ".json": "json"}.get(path.suffix.lower())
            if fmt is None:
                raise InputError(f"cannot tell the format of {path} from its extension; pass fmt=")
        from .._io import write_text_atomic

        write_text_atomic(path, self.render(fmt))
        return path

    @staticmethod
    def _emit(text, path):
        if path is None:
            return text
        from .._io import write_text_atomic

        write_text_atomic(path, text)
        return None

    @classmethod
    def from_json(cls, text_or_path) -> "Leaderboard":
        """Read what :meth:`to_json` wrote (a path or the JSON text)."""
        import pandas as pd

        text = str(text_or_path)
        where = "leaderboard JSON"
        if not text.lstrip().startswith("{"):
            where = str(text_or_path)
            try:
                text = Path(text_or_path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise DataError(f"{where}: cannot read the leaderboard "
                                f"({getattr(error, 'strerror', None) or error})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataError(f"{where}: not valid JSON ({error})") from None
        if not isinstance(data, dict) or data.get("format") != LEADERBOARD_FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            raise InputError(f"{where}: not a salbench leaderboard (format {found!r})")
        lacking = [k for k in ("rows", "meta", "metrics", "models") if k not in data]
        if lacking:
            raise DataError(f"{where}: the leaderboard lacks {', '.join(map(repr, lacking))}; "
                            "the file is damaged or was edited (write it again with to_json)")
        table = pd.DataFrame.from_records(data["rows"], columns=_TABLE_COLUMNS)
        for column in ("mean", "ci_low", "ci_high", "rank", "diff_vs_best", "diff_ci_low",
                       "diff_ci_high", "p_vs_best"):
            table[column] = table[column].astype(float)
        groups = {g["value"]: cls.from_json(json.dumps(g)) for g in data.get("groups", [])}
        return cls(table, data["meta"], data["metrics"], data["models"], by=data.get("by"),
                   groups=groups)


# ---------------------------------------------------------------------------------- helpers
def _check_number(value, name, low, high):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low < value < high:
        raise InputError(f"{name} must be a number in ({low}, {high}), got {value!r}")


def _check_compatible(runs):
    names = [r.model for r in runs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"two results have the same model name: {', '.join(duplicates)}; "
                         "evaluate them with distinct name=")
    prints = {r.dataset.get("fingerprint") for r in runs}
    if len(prints) > 1:
        listing = "; ".join(f"{r.model}: {r.dataset.get('name')} ({r.dataset.get('fingerprint', '')[:19]})"
                            for r in runs)
        raise InputError(f"results come from different datasets (or different versions of one): "
                         f"{listing}")
    seen = {}
    for r in runs:
        for metric, value in (r.manifest.get("parameters", {}).get("conventions") or {}).items():
            seen.setdefault(metric, {})[r.model] = value
    for metric, by_model in seen.items():
        if len(set(by_model.values())) > 1:
            listing = ", ".join(f"{m}: {v}" for m, v in by_model.items())
            raise InputError(f"results use different conventions for {metric} ({listing}); "
                             "compare results of one convention")
    references = {json.dumps(r.manifest.get("parameters", {}).get("reference"), sort_keys=True)
                  for r in runs}
    if len(references) > 1:
        raise InputError("results use different reference maps (reference_sigma / "
                         "reference_method); CC, KLD, SIM and EMD would not be comparable")
    incomplete = [r.model for r in runs if not r.complete]
    if incomplete:
        raise InputError(f"incomplete results: {', '.join(incomplete)}")


def _baseline_label(description) -> str:
    """How the legend names an IG baseline from its manifest description."""
    label = description.get("spec") or description.get("name", "?")
    fitted = description.get("fitted_on")
    if fitted:
        label = f"{description.get('name', label)} fitted on {fitted['selection']} " \
                f"({fitted['n_images']} images"
        if description.get("class") == "CentreBiasModel":
            folds = (description.get("parameters") or {}).get("n_folds")
            label += f", {folds}-fold cross-validated by image" if folds else ""
        label += ")"
    return label


def _ig_baseline(runs):
    """The IG baseline all results share (an error when results with information gain used
    different ones: their IG would not be comparable)."""
    from .._io import canonical_json

    ig_metrics = ("information_gain", "info_gain_mit")
    seen = {}
    for r in runs:
        description = (r.manifest.get("parameters") or {}).get("baseline")
        if description and any(m in r.metrics for m in ig_metrics):
            seen.setdefault(canonical_json(description), (description, []))[1].append(r.model)
    if len(seen) > 1:
        listing = "; ".join(f"{_baseline_label(d)}: {', '.join(models)}"
                            for d, models in seen.values())
        raise InputError(f"results measure information gain over different baselines "
                         f"({listing}); score them with the same baseline (--baseline)")
    return _baseline_label(next(iter(seen.values()))[0]) if seen else None


def _fit_label(fit) -> str:
    label = f"{fit.get('selection', '?')} ({fit.get('n_images', '?')} images"
    shared = fit.get("scored_images_among_them")
    if shared:
        label += f"; {shared} scored images among them"
    if fit.get("cross_validated"):
        label += ", cross-validated by image"
    elif shared:
        label += ", allowed explicitly"
    return label + ")"


def _common_images(runs, policy):
    sets = [np.sort(r.images["image"].to_numpy(dtype=np.int64)) for r in runs]
    common = sets[0]
    for s in sets[1:]:
        common = np.intersect1d(common, s)
    differing = [r.model for r, s in zip(runs, sets) if s.size != common.size]
    if differing:
        if policy == "same":
            listing = ", ".join(f"{r.model}: {s.size}" for r, s in zip(runs, sets))
            raise InputError(f"the results cover different images ({listing}; {common.size} in "
                             "common); pass images='common' to compare on the shared ones")
        warnings.warn(f"comparing on the {common.size} images all results share "
                      f"({', '.join(differing)} have more)", UserWarning, stacklevel=3)
    if common.size == 0:
        raise InputError("the results share no image")
    return common


def _metric_facts(runs, shown):
    facts = {}
    for r in runs:
        conventions = (r.manifest.get("parameters") or {}).get("conventions") or {}
        for m in r.manifest["metrics"]:
            fact = {"name": m["name"], "direction": m["direction"], "unit": m.get("unit", "")}
            for key in ("summary", "family"):
                if m.get(key):
                    fact[key] = m[key]
            if conventions.get(m["name"]):
                fact["convention"] = conventions[m["name"]]
            facts.setdefault(m["name"], fact)
    facts[EXPLAINED_IG] = {"name": EXPLAINED_IG, "direction": "higher", "unit": "%",
                           "summary": "percent of the gold standard's information gain over "
                                      "the centre bias (ratio of means)"}
    return {m: facts[m] for m in shown}


def _missing_reasons(run, shown, table):
    """Why a model has no value for a metric, per metric without one (the HTML table's
    footnotes): not scored for this kind of model, or undefined on every image and why."""
    probabilistic_only = ("log_likelihood", "information_gain", EXPLAINED_IG)
    rows = table[(table["model"] == run.model) & table["mean"].isna()]
    reasons = {}
    for metric in rows["metric"]:
        scored = metric in run.metrics or (metric == EXPLAINED_IG
                                           and "information_gain" in run.metrics)
        if not scored:
            kind = run.manifest["model"].get("kind", "")
            reasons[metric] = ("not scored: a saliency model has no density, so no "
                               "log-likelihood or information gain (evaluate it as density:SPEC)"
                               if kind == "saliency" and metric in probabilistic_only else
                               "not scored for this model")
            continue
        why = sorted(((run.manifest.get("undefined") or {}).get(metric) or {}))
        reasons[metric] = "undefined on every image" + (f": {'; '.join(why)}" if why else "")
    return reasons


def _ratio_percent(v, g, weights=None):
    both = ~(np.isnan(v) | np.isnan(g))
    if not both.any():
        return math.nan
    bottom = stats.weighted_mean(np.where(both, g, np.nan), weights)
    top = stats.weighted_mean(np.where(both, v, np.nan), weights)
    return float(100.0 * top / bottom) if bottom > 0 else math.nan


def _fixation_weights(runs, image_index):
    """Each image's number of fixations (the weights of ``average="fixation"``); every result
    must report the same count for an image."""
    counts = None
    for r in runs:
        if "n_fixations" not in r.images.columns:
            raise InputError(f"the results of {r.model!r} have no n_fixations column, so they "
                             "cannot be averaged per fixation")
        n = r.images.set_index("image").loc[image_index, "n_fixations"].to_numpy(dtype=float)
        if counts is None:
            counts, first = n, r.model
        elif not np.array_equal(n, counts):
            bad = [int(i) for i in image_index[n != counts][:5]]
            raise InputError(f"{r.model!r} and {first!r} count different numbers of fixations "
                             f"on images {bad}; they cannot be averaged per fixation together")
    if counts.sum() <= 0:
        raise InputError("the compared images have no fixations to average over")
    return counts


def _best(cells, by_name, higher, gold_name):
    def pool(names):
        return [n for n in names if n in cells and not math.isnan(cells[n]["mean"])]

    models = [n for n, r in by_name.items() if r.role == "model"]
    # with submitted models, the best is one of them (none if none has this metric); a
    # leaderboard of baselines only compares them with the best baseline but the gold standards
    ceilings = {n for n, r in by_name.items()
                if str(r.manifest["model"].get("baseline") or "").startswith("gold_standard")}
    candidates = pool(models) if models else pool([n for n in by_name
                                                   if n != gold_name and n not in ceilings])
    if not candidates:
        return None
    key = (lambda n: cells[n]["mean"]) if higher else (lambda n: -cells[n]["mean"])
    return max(candidates, key=key)


def _ranks(cells, higher):
    valued = {n: c["mean"] for n, c in cells.items() if not math.isnan(c["mean"])}
    out = {}
    for n, v in valued.items():
        better = sum(1 for w in valued.values() if (w > v if higher else w < v))
        out[n] = float(better + 1)
    return out


def _paired(values, metric, name, best, indices, confidence, flips, gold, weights=None):
    v = values[(name, metric)]
    b = values[(best, metric)]
    if metric == EXPLAINED_IG:
        # differences of explained IG are differences of IG scaled by the same denominator
        g = values[(gold, "information_gain")]
        scale = 100.0 / stats.weighted_mean(np.where(np.isnan(v) | np.isnan(b), np.nan, g),
                                            weights)
    else:
        scale = 1.0
    pair = stats.paired_difference(b, v, scale=scale, confidence=confidence, indices=indices,
                                   flips=flips, weights=weights)
    return (pair.mean, pair.ci_low, pair.ci_high, pair.p_value)


def _sort_metric(sort_by, shown, values, rows):
    if sort_by is not None:
        return sort_by
    for m in SORT_PREFERENCE:
        if m in shown:
            return m
    return shown[0]


def _row_order(runs, shown, values, sort_by, facts, weights=None):
    if sort_by is not None and sort_by not in shown:
        raise InputError(f"sort_by={sort_by!r} is not one of the shown metrics: {', '.join(shown)}")
    key_metric = _sort_metric(sort_by, shown, values, None)
    higher = facts[key_metric]["direction"] == "higher"

    def score(r):
        v = values.get((r.model, key_metric))
        if v is None or np.isnan(v).all():
            return (1, 0.0, r.model)
        mean = stats.weighted_mean(v, weights)
        return (0, -mean if higher else mean, r.model)

    models = sorted((r for r in runs if r.role == "model"), key=score)
    baselines = sorted((r for r in runs if r.role != "model"),
                       key=lambda r: (BASELINE_ORDER.index(r.manifest["model"].get("baseline"))
                                      if r.manifest["model"].get("baseline") in BASELINE_ORDER
                                      else len(BASELINE_ORDER), r.model))
    return [r.model for r in models + baselines]


def _digits(metric):
    return 1 if metric == EXPLAINED_IG else 3


def _md_escape(text):
    return str(text).replace("|", "\\|")
