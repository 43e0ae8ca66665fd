"""What a leaderboard's numbers mean, stated once for every output format.

A leaderboard is only comparable with another one when both say how they averaged, which
variant of each metric they computed (convention, AUC negatives), what their information gain is
measured over and what their gold standard is. :func:`protocol` collects these facts from a
leaderboard's ``meta`` and metric facts; the Markdown legend, the HTML footer, the CSV columns
and the JSON ``protocol`` field are all written from it, so no format can say less than another.
"""

from __future__ import annotations

#: What each averaging means, in words (``leaderboard(average=...)``).
AVERAGING = {
    "image": "per image: the mean of the per-image scores, every image counting once",
    "fixation": "per fixation: each image's score weighted by its number of fixations, every "
                "fixation counting once (pysaliency's and MIT300's average of information "
                "gain); intervals and paired tests still resample and sign-flip whole images",
}

#: The columns :func:`csv_columns` adds to the tidy table in the CSV output.
CSV_COLUMNS = ("average", "variant", "ig_baseline", "definition")


def metric_variant(fact: dict) -> str:
    """One metric's variant in words: its summary (which says the AUC negatives), its
    convention and the family of reference implementations it reproduces."""
    text = fact.get("summary") or fact["name"]
    details = []
    if fact.get("convention"):
        details.append(f"{fact['convention']} convention")
    family = fact.get("family")
    if family == "both":
        details.append("Tübingen and MIT definitions agree")
    elif family == "mit":
        details.append("MIT benchmark code")
    elif family == "pysaliency":
        details.append("pysaliency / Tübingen")
    return text + (f" ({', '.join(details)})" if details else "")


def protocol(meta: dict, metric_facts: list) -> dict:
    """The protocol of a leaderboard as a dict (the JSON output's ``protocol`` field).

    Keys: ``average`` (``"image"`` / ``"fixation"``), ``averaging`` (in words), ``interval``,
    ``test``, ``metrics`` (name → variant), ``ig_baseline`` (or None), ``explained_ig`` (or
    None) and ``gold_standard`` (baseline role → definition; empty without a gold standard).
    """
    average = meta.get("average", "image")
    pct = int(round(100 * meta.get("confidence", 0.95)))
    return {
        "average": average,
        "averaging": AVERAGING[average],
        "convention": meta.get("convention"),
        "interval": f"{pct}% {meta.get('interval', 'bootstrap interval over images')}, "
                    f"{meta.get('n_bootstrap')} resamples, seed {meta.get('seed')}",
        "test": f"{meta.get('test', 'paired test')}, {meta.get('n_permutations')} sign flips, "
                f"tied when p ≥ {meta.get('alpha')}",
        "metrics": {f["name"]: metric_variant(f) for f in metric_facts},
        "ig_baseline": meta.get("ig_baseline"),
        "explained_ig": meta.get("explained_ig"),
        "gold_standard": dict(meta.get("gold_standard") or {}),
    }


def legend_lines(facts: dict) -> list[str]:
    """The protocol as sentences (the Markdown legend and the HTML footer)."""
    lines = [f"Averaging {facts['averaging']}.",
             "Metric variants: " + "; ".join(f"{name}: {text}"
                                             for name, text in facts["metrics"].items()) + "."]
    lines.append(f"Information gain over {facts['ig_baseline']}." if facts["ig_baseline"] else
                 "Information gain: no result reports it, so no baseline applies.")
    if not facts["gold_standard"]:
        lines.append("No gold-standard row: this table has no ceiling of explainable "
                     "information.")
    return lines


def csv_columns(table, facts: dict):
    """The tidy table with the protocol as columns (every CSV reader keeps them): ``average``
    on every row, ``variant`` of the row's metric, ``ig_baseline`` on the information-gain
    rows, ``definition`` on the gold-standard rows."""
    ig_metrics = ("information_gain", "info_gain_mit", "explained_ig")
    out = table.copy()
    out["average"] = facts["average"]
    out["variant"] = out["metric"].map(lambda m: facts["metrics"].get(m, ""))
    out["ig_baseline"] = [facts["ig_baseline"] or "" if m in ig_metrics else ""
                          for m in out["metric"]]
    out["definition"] = [facts["gold_standard"].get(b, "") for b in out["baseline"]]
    return out
