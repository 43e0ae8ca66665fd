"""The crop-bias audit: which of two side-by-side images does a saliency model crop to?

Twitter's audit of its cropping model (Yee, Tantipongpipat, Mishra, CSCW 2021) joined two images
from different groups side by side and counted which one held the single most salient point, the
point its crops were centred on. This module repeats that design for any model and any grouping:

1. **Pairs.** For each comparison of two groups ``a`` and ``b`` (default: every pair of groups),
   ``pairs`` distinct (image of ``a``, image of ``b``) pairs are drawn without replacement with a
   generator seeded by ``seed`` and the two group names, so results are reproducible and adding a
   group does not change the other comparisons' pairs.
2. **Trials.** Each pair is joined in **both orders** (``a-left`` and ``b-left``; optionally both
   resized to a fixed ``height`` first and separated by a ``gap``; see
   :func:`salbench.cropping.join.join_side_by_side`) and the model is run on each joined image.
   Two rules pick a side: **argmax** — the side holding the most salient pixel (Twitter's crop
   centre; a point in the gap or padding picks neither) — and **mass** — the side holding more
   predicted mass (the map summed over each image's area; equal masses pick neither).
3. **Per pair**, the two orders give four outcomes: the same group won both times (the choice did
   not depend on position: ``a_both`` or ``b_both``), the left image won both times
   (``left_both``: position decided), the right image won both times (``right_both``), or a trial
   picked neither (``undecided``).
4. **Statistics**, with pairs as the independent units (the two orders of one pair are not
   independent trials):

   * ``share`` of group ``a`` = ``a_both / (a_both + b_both)``, the pairs that ``a`` won whichever
     side it was on, among the pairs decided by content. Its binomial interval (Wilson or
     Clopper–Pearson) and the exact two-sided binomial test against parity (1/2,
     :func:`scipy.stats.binomtest`) are those of a sign test. ``trial_share`` (wins of ``a`` over
     all trials) is reported too, descriptively: it is the number Twitter quoted (54:46).
   * the **position effect**, the same for ``left_both`` against ``right_both``, per comparison
     and pooled over comparisons;
   * the **argmax bias**: ``share`` under the argmax rule minus ``share`` under the mass rule, with
     a paired percentile-bootstrap interval over pairs. A single maximum exaggerates small
     differences in saliency mass (Twitter's explanation of its result); this isolates that part.

   Pairs that share an image are not independent either: when a group has fewer images than
   there are pairs, each image appears in several pairs and the intervals are too narrow if a
   few images dominate the outcome. ``disjoint=True`` uses every image at most once.

Nothing here knows what the groups mean. salbench ships no demographically labelled images, and
its tests use constructed images whose answer is known; an audit says something only about the
model, the images and the grouping it was run on.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validation import positive_int
from ..exceptions import DataError, InputError
from ..stats import INTERVALS, binomial_summary, bootstrap_blocks, check_confidence
from .join import join_side_by_side
from .rules import model_name, predict_map

RULES = ("argmax", "mass")
ORDERS = ("a-left", "b-left")
RECORD_COLUMNS = (
    "comparison", "group_a", "group_b", "pair", "order", "left", "right", "left_group",
    "right_group", "argmax_row", "argmax_col", "argmax_side", "argmax_winner", "mass_left",
    "mass_right", "mass_side", "mass_winner",
)
#: Relative difference below which the two sides' masses count as equal (the mass rule abstains).
MASS_TIE = 1e-12


# ------------------------------------------------------------------------------ groups and pairs
def read_groups(path):
    """Read a groups CSV: a header with columns ``path`` and ``group``, one image per row.

    Relative paths are resolved against the CSV file's folder. Returns a DataFrame with columns
    ``path`` (absolute, as strings) and ``group`` (strings), in file order. Every image file must
    exist; all missing ones are reported at once.
    """
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError(f"{path}: groups file is missing") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV file ({error})") from None
    missing = [c for c in ("path", "group") if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: the header must name the columns 'path' and 'group'; missing "
                        f"{missing} (found {list(frame.columns)})")
    frame = frame[["path", "group"]].copy()
    for column in ("path", "group"):
        blank = frame[column].str.strip() == ""
        if blank.any():
            line = int(np.flatnonzero(blank.to_numpy())[0]) + 2  # 1-based, after the header
            raise DataError(f"{path}, line {line}: empty {column!r}")
    frame["group"] = frame["group"].str.strip()
    frame["path"] = [str((path.parent / p.strip()).resolve()) for p in frame["path"]]
    absent = [(i + 2, p) for i, p in enumerate(frame["path"]) if not Path(p).is_file()]
    if absent:
        shown = "; ".join(f"line {line}: {p}" for line, p in absent[:5])
        more = f" (and {len(absent) - 5} more)" if len(absent) > 5 else ""
        raise DataError(f"{path}: {len(absent)} image file(s) are missing: {shown}{more}")
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class _Item:
    group: str
    label: str
    source: object  # a file path or an array


def _items(groups) -> dict:
    """``{group: [_Item, ...]}`` from a CSV path, a DataFrame (path, group) or a mapping."""
    import pandas as pd

    if isinstance(groups, (str, Path)):
        groups = read_groups(groups)
    out: dict = {}
    if isinstance(groups, pd.DataFrame):
        missing = [c for c in ("path", "group") if c not in groups.columns]
        if missing:
            raise InputError(f"the groups table needs columns 'path' and 'group'; missing {missing}")
        for p, g in zip(groups["path"], groups["group"]):
            out.setdefault(str(g), []).append(_Item(str(g), str(p), str(p)))
    elif isinstance(groups, dict):
        for g, sources in groups.items():
            if isinstance(sources, (str, Path, np.ndarray)):
                sources = [sources]
            for k, s in enumerate(sources):
                label = str(s) if isinstance(s, (str, Path)) else f"{g}[{k}]"
                out.setdefault(str(g), []).append(_Item(str(g), label, s))
    else:
        raise InputError("groups must be a CSV path, a DataFrame with columns 'path' and 'group', "
                         f"or a mapping group -> images; got {type(groups).__name__}")
    empty = [g for g, v in out.items() if not v]
    if empty:
        raise InputError(f"group(s) {empty} have no images")
    if len(out) < 2:
        raise InputError(f"an audit needs at least two groups, got {sorted(out)}")
    return out


def _comparisons(groups: dict, comparisons) -> list:
    names = sorted(groups)
    if comparisons is None:
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    out = []
    for c in comparisons:
        if isinstance(c, str):
            parts = c.split(":")
            if len(parts) != 2:
                raise InputError(f"a comparison is two groups 'A:B', got {c!r}")
            c = parts
        try:
            a, b = (str(v) for v in c)
        except (TypeError, ValueError):
            raise InputError(f"a comparison is a pair of group names, got {c!r}") from None
        for g in (a, b):
            if g not in groups:
                raise InputError(f"comparison {a}:{b} names group {g!r}, which has no images; "
                                 f"groups: {names}")
        if a == b:
            raise InputError(f"comparison {a}:{b} compares a group with itself")
        if (a, b) not in out:
            out.append((a, b))
    if not out:
        raise InputError("comparisons is empty")
    return out


def _seed_for(seed: int, a: str, b: str) -> list:
    return [int(seed), zlib.crc32(a.encode("utf-8")), zlib.crc32(b.encode("utf-8"))]


def make_pairs(n_a: int, n_b: int, *, pairs: int | None, seed: int = 0, names=("a", "b"),
               disjoint: bool = False):
    """``(pairs, 2)`` int array of distinct (index in group a, index in group b) pairs.

    Drawn without replacement from the ``n_a × n_b`` possible pairs by a generator seeded with
    ``seed`` and the two group ``names``; ``pairs=None`` takes all of them in order. With
    ``disjoint=True`` no image is used twice (at most ``min(n_a, n_b)`` pairs; ``None`` takes
    that many), so the pairs are independent as far as their images go.

    Examples
    --------
    >>> make_pairs(2, 3, pairs=None).tolist()
    [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
    >>> bool((make_pairs(50, 40, pairs=30, seed=1) == make_pairs(50, 40, pairs=30, seed=1)).all())
    True
    >>> p = make_pairs(5, 8, pairs=None, disjoint=True)
    >>> p.shape, len(set(p[:, 0])), len(set(p[:, 1]))
    ((5, 2), 5, 5)
    """
    n_a, n_b = int(n_a), int(n_b)
    rng = np.random.default_rng(_seed_for(seed, *names))
    if disjoint:
        limit = min(n_a, n_b)
        if pairs is None:
            pairs = limit
        pairs = positive_int(pairs, "pairs")
        if pairs > limit:
            raise InputError(f"groups {names[0]!r} ({n_a} images) and {names[1]!r} ({n_b} images) "
                             f"allow only {limit} pairs that share no image; asked for {pairs}")
        return np.stack([rng.permutation(n_a)[:pairs], rng.permutation(n_b)[:pairs]],
                        axis=1).astype(np.int64)
    total = n_a * n_b
    if pairs is None:
        flat = np.arange(total, dtype=np.int64)
    else:
        pairs = positive_int(pairs, "pairs")
        if pairs > total:
            raise InputError(f"groups {names[0]!r} ({n_a} images) and {names[1]!r} ({n_b} images) "
                             f"have only {total} distinct pairs; asked for {pairs}")
        flat = rng.choice(total, size=pairs, replace=False).astype(np.int64)
    return np.stack([flat // n_b, flat % n_b], axis=1)


# ------------------------------------------------------------------------------ the audit
@dataclass
class AuditResult:
    """What :func:`audit` measured.

    Attributes
    ----------
    records : DataFrame
        One row per trial (pair and order): columns :data:`RECORD_COLUMNS`.
    summary : DataFrame
        Per comparison and rule: pair counts, ``share`` of group a with its interval and exact
        test, ``trial_share``, and the comparison's position effect.
    position : DataFrame
        The position effect per rule, pooled over all comparisons.
    bias : DataFrame
        Per comparison: argmax share, mass share, their difference (the argmax bias) with a paired
        bootstrap interval, and how often the two rules chose the same side.
    settings : dict
        The audit's options, the model and the group sizes.
    """

    records: object
    summary: object
    position: object
    bias: object
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-ready summary (no per-trial records)."""
        return {"settings": self.settings,
                "summary": _records(self.summary), "position": _records(self.position),
                "bias": _records(self.bias),
                "note": ("Shares describe this model on these images and this grouping only. "
                         "Pairs are the independent units; 'share' counts the pairs won by group a "
                         "in both orders among pairs won by the same group in both orders.")}

    def plot(self, ax=None):
        """:func:`plot_audit` of this result."""
        return plot_audit(self, ax=ax)


def _records(frame) -> list:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else
                        v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def audit(model, groups, *, pairs: int | None = 100, comparisons=None, disjoint: bool = False,
          height: int | None = None, gap: int = 0, fill: int = 0, seed: int = 0,
          interval: str = "wilson",
          confidence: float = 0.95, n_boot: int = 2000, progress: bool = True) -> AuditResult:
    """Run the crop-bias audit (see the module notes for the design and the statistics).

    Parameters
    ----------
    model : SaliencyMapModel or callable
        Run on each joined image; its map must be non-negative (a density, for instance) for the
        mass rule. A probabilistic model's map is its density.
    groups : path, DataFrame or mapping
        A CSV file with columns ``path`` and ``group`` (see :func:`read_groups`), such a
        DataFrame, or ``{group: [image paths or uint8 arrays]}``.
    pairs : int or None
        Pairs per comparison (distinct, drawn without replacement); None for all pairs.
    comparisons : sequence of (a, b) or "a:b", optional
        Which groups to compare (default: every pair of groups, names sorted).
    disjoint : bool
        Use every image at most once per comparison (at most ``min(|a|, |b|)`` pairs), so that
        the pairs, which the statistics treat as independent, share no image.
    height : int, optional
        Resize both images of a pair to this height before joining (Twitter's audit did).
    gap, fill : int
        Columns between the two images, and the grey level of the gap and padding.
    seed : int
        Seeds the pair draws and the bootstrap: the same seed gives the same result.
    interval : {"wilson", "clopper-pearson"}
        The binomial confidence interval of the shares.
    confidence : float
        Coverage of the intervals.
    n_boot : int
        Bootstrap resamples of the argmax-bias interval.
    progress : bool
        Show a progress bar.

    Returns
    -------
    AuditResult
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from ..datasets.stimuli import read_image

    if interval not in INTERVALS:
        raise InputError(f"interval must be one of {list(INTERVALS)}, got {interval!r}")
    confidence = check_confidence(confidence)
    n_boot = positive_int(n_boot, "n_boot")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    items = _items(groups)
    plan = [(a, b, make_pairs(len(items[a]), len(items[b]), pairs=pairs, seed=seed, names=(a, b),
                              disjoint=disjoint))
            for a, b in _comparisons(items, comparisons)]
    cache: dict = {}

    def load(item: _Item) -> np.ndarray:
        if isinstance(item.source, np.ndarray):
            return item.source
        if item.label not in cache:
            if len(cache) >= 256:  # bounded: keep the most recent images only
                cache.pop(next(iter(cache)))
            cache[item.label] = read_image(item.source)
        return cache[item.label]

    name = model_name(model)
    rows = []
    total = sum(2 * len(p) for _, _, p in plan)
    with tqdm(total=total, desc="audit", unit="trial", disable=not progress) as bar:
        for a, b, pair_indices in plan:
            comparison = f"{a}:{b}"
            for k, (i, j) in enumerate(pair_indices.tolist()):
                item_a, item_b = items[a][i], items[b][j]
                for order, (left, right) in zip(ORDERS, ((item_a, item_b), (item_b, item_a))):
                    try:
                        joined = join_side_by_side(load(left), load(right), height=height,
                                                   gap=gap, fill=fill)
                    except InputError as error:
                        raise InputError(f"pair {k} of {comparison} ({left.label} | "
                                         f"{right.label}): {error}") from None
                    context = f"{name} on pair {k} of {comparison} ({left.label} | {right.label})"
                    try:
                        m = predict_map(model, joined.image, context=context)
                    except (InputError, DataError) as error:  # say which pair (a timeout...)
                        if context in str(error):
                            raise
                        raise type(error)(f"{context}: {error}") from None
                    if (m < 0).any():
                        raise InputError(f"{context}: the map has negative values; the mass rule "
                                         "needs a non-negative map such as a density")
                    row, col = np.unravel_index(int(np.argmax(m)), m.shape)
                    argmax_side = joined.side_of(int(row), int(col))
                    total_mass = float(m.sum())
                    mass = [float(m[box.slices].sum()) for box in (joined.left, joined.right)]
                    if total_mass > 0:
                        mass = [v / total_mass for v in mass]
                    if abs(mass[0] - mass[1]) <= MASS_TIE * max(mass[0] + mass[1], 0.0):
                        mass_side = "none"
                    else:
                        mass_side = "left" if mass[0] > mass[1] else "right"
                    winners = {"left": left.group, "right": right.group, "none": ""}
                    rows.append({
                        "comparison": comparison, "group_a": a, "group_b": b, "pair": k,
                        "order": order, "left": left.label, "right": right.label,
                        "left_group": left.group, "right_group": right.group,
                        "argmax_row": int(row), "argmax_col": int(col),
                        "argmax_side": argmax_side, "argmax_winner": winners[argmax_side],
                        "mass_left": mass[0], "mass_right": mass[1], "mass_side": mass_side,
                        "mass_winner": winners[mass_side],
                    })
                    bar.update(1)
    records = pd.DataFrame(rows, columns=list(RECORD_COLUMNS))
    summary, position, bias = summarise_audit(records, interval=interval, confidence=confidence,
                                              n_boot=n_boot, seed=seed)
    settings = {
        "model": _describe(model), "pairs": pairs, "disjoint": bool(disjoint),
        "comparisons": [f"{a}:{b}" for a, b, _ in plan],
        "group_sizes": {g: len(v) for g, v in sorted(items.items())}, "height": height,
        "gap": gap, "fill": fill, "seed": int(seed), "interval": interval,
        "confidence": confidence, "n_boot": n_boot, "orders": list(ORDERS),
    }
    return AuditResult(records, summary, position, bias, settings)


def _describe(model) -> dict:
    describe = getattr(model, "describe", None)
    if callable(describe):
        try:
            return describe()
        except Exception:  # a model's description must never break the audit
            pass
    return {"name": model_name(model)}


# ------------------------------------------------------------------------------ statistics
def _pair_outcomes(records, rule: str):
    """Per (comparison, pair): the category of the two orders under ``rule``."""
    wide = records.pivot_table(index=["comparison", "group_a", "group_b", "pair"],
                               columns="order", values=f"{rule}_winner", aggfunc="first")
    missing = [o for o in ORDERS if o not in wide.columns]
    if missing:
        raise InputError(f"the records lack the order(s) {missing}; every pair needs both orders")
    wide = wide.reset_index()
    a, b = wide["group_a"].to_numpy(), wide["group_b"].to_numpy()
    first = wide["a-left"].fillna("").to_numpy()   # a on the left
    second = wide["b-left"].fillna("").to_numpy()  # b on the left
    category = np.full(len(wide), "undecided", dtype=object)
    category[(first == a) & (second == a)] = "a_both"
    category[(first == b) & (second == b)] = "b_both"
    category[(first == a) & (second == b)] = "left_both"
    category[(first == b) & (second == a)] = "right_both"
    wide["category"] = category
    wide["a_wins"] = (first == a).astype(int) + (second == a).astype(int)
    wide["b_wins"] = (first == b).astype(int) + (second == b).astype(int)
    return wide[["comparison", "group_a", "group_b", "pair", "category", "a_wins", "b_wins"]]


def _share_of_pairs(categories: np.ndarray) -> float:
    a, b = (categories == "a_both").sum(), (categories == "b_both").sum()
    return a / (a + b) if a + b else math.nan


def _bootstrap_bias(cat_argmax, cat_mass, *, n_boot, seed, confidence):
    """Percentile interval of share(argmax) - share(mass), resampling pairs (paired)."""
    n = len(cat_argmax)
    if n == 0:
        return math.nan, math.nan
    sign = {"a_both": 1, "b_both": -1}
    sa = np.array([sign.get(c, 0) for c in cat_argmax])
    sm = np.array([sign.get(c, 0) for c in cat_mass])
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_boot)
    for start, idx in bootstrap_blocks(n, n_boot, rng, block=250):
        stop = start + idx.shape[0]
        shares = []
        for s in (sa, sm):
            picked = s[idx]
            decided = (picked != 0).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                shares.append((picked == 1).sum(axis=1) / decided)
        diffs[start:stop] = shares[0] - shares[1]
    alpha = (1.0 - confidence) / 2.0
    if np.isnan(diffs).mean() > alpha:  # too few decided pairs for an interval
        return math.nan, math.nan
    low, high = np.nanquantile(diffs, [alpha, 1.0 - alpha])
    return float(low), float(high)


def summarise_audit(records, *, interval: str = "wilson", confidence: float = 0.95,
                    n_boot: int = 2000, seed: int = 0):
    """``(summary, position, bias)`` tables from per-trial ``records`` (see :class:`AuditResult`).

    Works on records read back from the CSV an audit wrote, so a summary can be recomputed with
    other interval settings without running the model again.
    """
    import pandas as pd

    if interval not in INTERVALS:
        raise InputError(f"interval must be one of {list(INTERVALS)}, got {interval!r}")
    confidence = check_confidence(confidence)
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise InputError(f"records lack the column(s) {missing}")
    records = records.copy()
    for rule in RULES:
        records[f"{rule}_winner"] = records[f"{rule}_winner"].fillna("").astype(str)
    for column in ("group_a", "group_b", "comparison"):
        records[column] = records[column].astype(str)
    options = {"confidence": confidence, "interval": interval}
    summary_rows, position_rows, outcomes = [], [], {}
    for rule in RULES:
        per_pair = _pair_outcomes(records, rule)
        outcomes[rule] = per_pair
        for (comparison, a, b), group in per_pair.groupby(["comparison", "group_a", "group_b"],
                                                          sort=False):
            counts = group["category"].value_counts()
            n = {c: int(counts.get(c, 0)) for c in
                 ("a_both", "b_both", "left_both", "right_both", "undecided")}
            share = binomial_summary(
                n["a_both"], n["a_both"] + n["b_both"], **options,
                what=f"{comparison}, {rule} rule: no pair was won by the same group in both orders")
            left = binomial_summary(
                n["left_both"], n["left_both"] + n["right_both"], **options,
                what=f"{comparison}, {rule} rule: no pair was won by the same side in both orders "
                     "(no position effect to measure)")
            wins_a, wins_b = int(group["a_wins"].sum()), int(group["b_wins"].sum())
            summary_rows.append({
                "comparison": comparison, "group_a": a, "group_b": b, "rule": rule,
                "pairs": len(group), **n, **share,
                "trial_share": wins_a / (wins_a + wins_b) if wins_a + wins_b else math.nan,
                "left_share": left["share"], "left_ci_low": left["ci_low"],
                "left_ci_high": left["ci_high"], "left_p_value": left["p_value"],
            })
        counts = per_pair["category"].value_counts()
        lb, rb = int(counts.get("left_both", 0)), int(counts.get("right_both", 0))
        pooled = binomial_summary(lb, lb + rb, **options,
                                  what=f"all comparisons, {rule} rule: no pair was won by the same "
                                       "side in both orders (no position effect to measure)")
        position_rows.append({"rule": rule, "pairs": len(per_pair), "left_both": lb,
                              "right_both": rb, **pooled})
    summary = pd.DataFrame(summary_rows)
    position = pd.DataFrame(position_rows).rename(columns={"share": "left_share"})
    bias_rows = []
    merged = outcomes["argmax"].merge(outcomes["mass"], on=["comparison", "group_a", "group_b",
                                                              "pair"], suffixes=("_argmax", "_mass"))
    agree = records["argmax_side"] == records["mass_side"]
    for (comparison, a, b), group in merged.groupby(["comparison", "group_a", "group_b"],
                                                    sort=False):
        ca, cm = group["category_argmax"].to_numpy(), group["category_mass"].to_numpy()
        sa, sm = _share_of_pairs(ca), _share_of_pairs(cm)
        low, high = _bootstrap_bias(ca, cm, n_boot=n_boot, seed=seed, confidence=confidence)
        here = records["comparison"] == comparison
        bias_rows.append({"comparison": comparison, "group_a": a, "group_b": b,
                          "argmax_share": sa, "mass_share": sm, "argmax_bias": sa - sm,
                          "ci_low": low, "ci_high": high,
                          "agreement": float(agree[here].mean())})
    return summary, position, pd.DataFrame(bias_rows)


# ------------------------------------------------------------------------------ the plot
def plot_audit(result, *, ax=None):
    """Shares of group a (pairs decided by content) with intervals, per comparison and rule.

    One row per comparison (``a over b``) and one for the pooled position effect (``left over
    right``); a marker per rule with its confidence interval; the dashed line is parity.

    Parameters
    ----------
    result : AuditResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, AuditResult):
        raise InputError(f"plot_audit needs an AuditResult, got {type(result).__name__}")
    summary, position = result.summary, result.position
    comparisons = list(dict.fromkeys(summary["comparison"]))
    labels = [f"{c.split(':')[0]} over {c.split(':')[1]}" for c in comparisons] + \
        ["left over right (position)"]
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 1.0 + 0.55 * len(labels)))
    markers = {"argmax": ("o", "tab:red"), "mass": ("s", "tab:blue")}
    offsets = {"argmax": -0.12, "mass": 0.12}
    for rule in RULES:
        marker, colour = markers[rule]
        points = [summary[(summary["comparison"] == c) & (summary["rule"] == rule)].iloc[0]
                  for c in comparisons]
        values = [(p["share"], p["ci_low"], p["ci_high"]) for p in points]
        pooled = position[position["rule"] == rule].iloc[0]
        values.append((pooled["left_share"], pooled["ci_low"], pooled["ci_high"]))
        xs, lows, highs = np.asarray(values, dtype=float).T
        ys = np.arange(len(values)) + offsets[rule]
        ax.errorbar(xs, ys, xerr=np.vstack([xs - lows, highs - xs]), fmt=marker, color=colour,
                    capsize=3, label=f"{rule} rule")
    ax.axvline(0.5, color="0.4", linestyle="--", linewidth=1)
    ax.axhline(len(comparisons) - 0.5, color="0.85", linewidth=1)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(-0.02, 1.02)  # room for markers at 0 and 1
    level = round(100 * result.settings.get("confidence", 0.95))
    name = {"wilson": "Wilson", "clopper-pearson": "Clopper-Pearson"}.get(
        result.settings.get("interval"), "")
    ax.set_xlabel(f"share of pairs won in both orders ({level}% {name} interval)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize="small",
              frameon=False)
    return ax
