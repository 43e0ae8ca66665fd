"""The crop-bias audit on constructed images whose answer is known (no demographic data)."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from salbench.cropping.audit import (
    RECORD_COLUMNS, AuditResult, audit, make_pairs, plot_audit, read_groups, summarise_audit,
)
from salbench.stats import binomial_summary
from salbench.cropping.join import join_side_by_side
from salbench.exceptions import DataError, DegenerateInputWarning, InputError


def blob_image(rng, peak, sigma, *, h=40, w=36, background=30, noise=2.0):
    """Grey background with one Gaussian blob of height ``peak`` and width ``sigma``."""
    yy, xx = np.mgrid[:h, :w]
    cy, cx = rng.uniform(12, h - 12), rng.uniform(10, w - 10)
    g = background + peak * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma ** 2))
    return np.clip(g + rng.normal(0, noise, g.shape), 0, 255).astype(np.uint8)


def intensity(image):
    """A model that is the image's grey level: the answer of every comparison is known."""
    return np.asarray(image, dtype=np.float64).mean(axis=2)


def quiet_audit(*args, **kwargs):
    """audit() with the expected 'no position effect' warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        return audit(*args, progress=False, **kwargs)


@pytest.fixture(scope="module")
def bright_dim():
    rng = np.random.default_rng(0)
    return {"bright": [blob_image(rng, 200, 4) for _ in range(8)],
            "dim": [blob_image(rng, 110, 4) for _ in range(8)]}


def test_stronger_blob_wins_every_pair_under_both_rules(bright_dim):
    with pytest.warns(DegenerateInputWarning, match="no position effect to measure"):
        result = audit(intensity, bright_dim, pairs=40, progress=False)
    assert isinstance(result, AuditResult)
    assert list(result.records.columns) == list(RECORD_COLUMNS)
    assert len(result.records) == 80  # 40 pairs x 2 orders
    for rule in ("argmax", "mass"):
        row = result.summary.set_index("rule").loc[rule]
        assert (row["a_both"], row["b_both"], row["left_both"], row["right_both"]) == (40, 0, 0, 0)
        assert row["share"] == 1.0 and row["trial_share"] == 1.0
        assert row["p_value"] == pytest.approx(2 * 0.5 ** 40)
        assert row["ci_low"] > 0.9 and row["ci_high"] == pytest.approx(1.0)
        assert math.isnan(row["left_share"])
    assert result.bias["argmax_bias"].tolist() == [0.0]
    assert result.bias["agreement"].tolist() == [1.0]
    # the records say where each trial's argmax was and who won
    r = result.records
    assert (r["argmax_winner"] == "bright").all() and (r["mass_winner"] == "bright").all()
    assert set(r["argmax_side"]) == {"left", "right"}
    np.testing.assert_allclose(r["mass_left"] + r["mass_right"], 1.0)


def test_argmax_rule_and_mass_rule_disagree_on_peaks_against_broad_regions():
    # 'peak' images: one tiny very bright spot (high max, little mass); 'broad' images: a wide
    # moderately bright region (lower max, much more mass). Argmax picks the peak, mass the region.
    rng = np.random.default_rng(1)
    groups = {"broad": [blob_image(rng, 90, 9, noise=0) for _ in range(6)],
              "peak": [blob_image(rng, 220, 0.6, noise=0) for _ in range(6)]}
    result = quiet_audit(intensity, groups, pairs=20, seed=3, n_boot=500)
    s = result.summary.set_index("rule")
    assert s.loc["argmax", "share"] == 0.0 and s.loc["argmax", "b_both"] == 20
    assert s.loc["mass", "share"] == 1.0 and s.loc["mass", "a_both"] == 20
    bias = result.bias.iloc[0]
    assert (bias["argmax_share"], bias["mass_share"], bias["argmax_bias"]) == (0.0, 1.0, -1.0)
    assert bias["ci_low"] == bias["ci_high"] == -1.0
    assert bias["agreement"] == 0.0


def test_position_effect_is_measured_separately_from_groups():
    # two groups drawn from the same distribution, and a model that prefers the left half
    rng = np.random.default_rng(2)
    groups = {g: [blob_image(rng, 150, 4) for _ in range(10)] for g in ("x", "y")}

    def left_leaning(image):
        g = intensity(image)
        return g * np.linspace(1.0, 0.5, g.shape[1])[None, :]

    result = quiet_audit(left_leaning, groups, pairs=60, seed=0)
    for rule in ("argmax", "mass"):
        row = result.summary.set_index("rule").loc[rule]
        assert row["left_both"] >= 50 and row["left_share"] > 0.9 and row["left_p_value"] < 1e-6
        pooled = result.position.set_index("rule").loc[rule]
        assert pooled["left_both"] == row["left_both"] and pooled["left_share"] == row["left_share"]
    # with the plain intensity model the mass rule never depends on position; the argmax rule
    # does only where both images share the same maximum grey level: numpy's first-maximum
    # tie-break (row-major) then picks whichever image holds it in an earlier row or, in the same
    # row, the left one -- a position effect that comes from the rule, not from the images
    fair = quiet_audit(intensity, groups, pairs=60, seed=0)
    s = fair.summary.set_index("rule")
    assert s.loc["mass", "left_both"] + s.loc["mass", "right_both"] == 0
    r = fair.records[fair.records["order"] == "a-left"]
    image = {f"{g}[{k}]": im for g in groups for k, im in enumerate(groups[g])}
    tied = r.apply(lambda t: image[t["left"]].max() == image[t["right"]].max(), axis=1)
    by_pair = fair.records.pivot(index="pair", columns="order", values="argmax_side")
    positional = by_pair["a-left"] == by_pair["b-left"]
    assert positional.sum() == s.loc["argmax", "left_both"] + s.loc["argmax", "right_both"]
    assert positional.sum() >= 1 and tied.to_numpy()[positional.to_numpy()].all()
    share = s.loc["mass"]
    assert share["ci_low"] < 0.5 < share["ci_high"]


def test_determinism_and_seed_streams(bright_dim):
    a = quiet_audit(intensity, bright_dim, pairs=15, seed=5)
    b = quiet_audit(intensity, bright_dim, pairs=15, seed=5)
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    c = quiet_audit(intensity, bright_dim, pairs=15, seed=6)
    assert not a.records[["left", "right"]].equals(c.records[["left", "right"]])
    # adding a third group leaves the bright:dim pairs unchanged
    more = dict(bright_dim, extra=bright_dim["dim"][:3])
    d = quiet_audit(intensity, more, pairs=15, seed=5)
    same = d.records[d.records["comparison"] == "bright:dim"].reset_index(drop=True)
    pd.testing.assert_frame_equal(same, a.records)
    assert sorted(d.summary["comparison"].unique()) == ["bright:dim", "bright:extra", "dim:extra"]


def test_make_pairs():
    pairs = make_pairs(7, 5, pairs=20, seed=1, names=("p", "q"))
    assert pairs.shape == (20, 2) and len({tuple(p) for p in pairs.tolist()}) == 20
    assert pairs[:, 0].max() < 7 and pairs[:, 1].max() < 5
    assert len({tuple(p) for p in make_pairs(7, 5, pairs=35, names=("p", "q")).tolist()}) == 35
    with pytest.raises(InputError, match="only 35 distinct pairs"):
        make_pairs(7, 5, pairs=36, names=("p", "q"))
    with pytest.raises(InputError, match="pairs"):
        make_pairs(7, 5, pairs=0)
    assert not np.array_equal(make_pairs(30, 30, pairs=10, names=("p", "q")),
                              make_pairs(30, 30, pairs=10, names=("p", "r")))
    # disjoint pairs: no image twice
    d = make_pairs(9, 6, pairs=6, seed=2, names=("p", "q"), disjoint=True)
    assert sorted(d[:, 1].tolist()) == list(range(6)) and len(set(d[:, 0].tolist())) == 6
    assert make_pairs(9, 6, pairs=None, disjoint=True).shape == (6, 2)
    with pytest.raises(InputError, match="only 6 pairs that share no image"):
        make_pairs(9, 6, pairs=7, names=("p", "q"), disjoint=True)


def test_disjoint_audit_uses_each_image_once(bright_dim):
    result = quiet_audit(intensity, bright_dim, pairs=None, disjoint=True)
    first = result.records[result.records["order"] == "a-left"]
    assert len(first) == 8 and first["left"].is_unique and first["right"].is_unique
    assert result.settings["disjoint"] is True


def test_join_side_by_side_height_gap_and_sides():
    left = np.full((20, 10), 50, np.uint8)
    right = np.full((40, 30, 3), 200, np.uint8)
    joined = join_side_by_side(left, right, height=30, gap=4, fill=7)
    # heights equalised at 30: left 10 * 30/20 = 15 wide, right 30 * 30/40 = 22.5 -> 22 (even)
    assert joined.image.shape == (30, 15 + 4 + 22, 3)
    assert (joined.left.width, joined.right.x0, joined.right.width) == (15, 19, 22)
    assert (joined.image[:, 15:19] == 7).all()
    assert joined.side_of(0, 14) == "left" and joined.side_of(29, 19) == "right"
    assert joined.side_of(5, 16) == "none"
    plain = join_side_by_side(left, right)
    assert plain.image.shape == (40, 40, 3) and plain.side_of(25, 3) == "none"  # padding below
    with pytest.raises(InputError, match="uint8"):
        join_side_by_side(left.astype(float), right)
    with pytest.raises(InputError, match="gap"):
        join_side_by_side(left, right, gap=-1)
    with pytest.raises(InputError, match="height"):
        join_side_by_side(left, right, height=0)


def test_argmax_in_the_gap_is_undecided():
    groups = {"a": [np.full((10, 10), 100, np.uint8)], "b": [np.full((10, 10), 100, np.uint8)]}

    def gap_peak(image):  # the brightest place is the gap, which the model sees as fill=255
        return intensity(image)

    result = quiet_audit(gap_peak, groups, pairs=1, gap=3, fill=255)
    assert (result.records["argmax_side"] == "none").all()
    assert (result.records["mass_side"] == "none").all()  # equal masses: the mass rule abstains
    assert (result.summary["undecided"] == 1).all()
    assert result.summary["share"].isna().all()


def test_wilson_and_clopper_pearson_against_formulas():
    k, n, z = 37, 60, stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    w = binomial_summary(k, n, interval="wilson")
    assert (w["ci_low"], w["ci_high"]) == pytest.approx((centre - half, centre + half), rel=1e-9)
    cp = binomial_summary(k, n, interval="clopper-pearson")
    expected = (stats.beta.ppf(0.025, k, n - k + 1), stats.beta.ppf(0.975, k + 1, n - k))
    assert (cp["ci_low"], cp["ci_high"]) == pytest.approx(expected, rel=1e-9)
    # exact two-sided binomial test: sum of the probabilities no larger than P(k)
    pmf = stats.binom.pmf(np.arange(n + 1), n, 0.5)
    assert w["p_value"] == pytest.approx(pmf[pmf <= pmf[k] * (1 + 1e-7)].sum(), rel=1e-9)
    with pytest.warns(DegenerateInputWarning, match="undefined"):
        assert math.isnan(binomial_summary(0, 0)["share"])


def test_groups_csv(tmp_path, bright_dim):
    from PIL import Image

    (tmp_path / "img").mkdir()
    lines = ["path,group"]
    for g, images in bright_dim.items():
        for k, a in enumerate(images[:3]):
            Image.fromarray(a).save(tmp_path / "img" / f"{g}{k}.png")
            lines.append(f"img/{g}{k}.png,{g}")
    csv = tmp_path / "groups.csv"
    csv.write_text("\n".join(lines) + "\n")
    frame = read_groups(csv)
    assert list(frame.columns) == ["path", "group"] and len(frame) == 6
    assert frame["path"].iloc[0] == str((tmp_path / "img" / "bright0.png").resolve())
    result = quiet_audit(intensity, csv, pairs=4, height=30, gap=2)
    assert (result.summary["share"] == 1.0).all()
    assert result.records["left"].str.endswith(".png").all()
    # the records written to CSV and read back give the same summary
    result.records.to_csv(tmp_path / "records.csv", index=False)
    back = pd.read_csv(tmp_path / "records.csv", keep_default_na=False,
                       dtype={"argmax_winner": str, "mass_winner": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        again = summarise_audit(back, n_boot=result.settings["n_boot"], seed=0)
    pd.testing.assert_frame_equal(again[0], result.summary)

    bad = tmp_path / "bad.csv"
    bad.write_text("file,group\na.png,x\n")
    with pytest.raises(DataError, match=r"bad.csv.*'path' and 'group'"):
        read_groups(bad)
    bad.write_text("path,group\nimg/bright0.png,x\nnope.png,y\nnope2.png,y\n")
    with pytest.raises(DataError, match=r"2 image file\(s\) are missing: line 3: .*nope.png"):
        read_groups(bad)
    bad.write_text("path,group\nimg/bright0.png,\n")
    with pytest.raises(DataError, match="line 2: empty 'group'"):
        read_groups(bad)
    with pytest.raises(DataError, match="missing"):
        read_groups(tmp_path / "absent.csv")


def test_bad_arguments(bright_dim):
    with pytest.raises(InputError, match="at least two groups"):
        audit(intensity, {"only": bright_dim["dim"]}, progress=False)
    with pytest.raises(InputError, match="itself"):
        audit(intensity, bright_dim, comparisons=["dim:dim"], progress=False)
    with pytest.raises(InputError, match="'nobody'"):
        audit(intensity, bright_dim, comparisons=[("dim", "nobody")], progress=False)
    with pytest.raises(InputError, match="only 64 distinct pairs"):
        audit(intensity, bright_dim, pairs=65, progress=False)
    with pytest.raises(InputError, match="negative values"):
        audit(lambda im: intensity(im) - 100, bright_dim, pairs=1, progress=False)
    with pytest.raises(InputError, match=r"pair 0 of bright:dim .*shape \(2, 2\)"):
        audit(lambda im: np.ones((2, 2)), bright_dim, pairs=1, progress=False)
    with pytest.raises(InputError, match="interval"):
        audit(intensity, bright_dim, interval="normal", progress=False)
    with pytest.raises(InputError, match="seed"):
        audit(intensity, bright_dim, seed=-1, progress=False)


def test_plot_renders(bright_dim):
    import matplotlib.pyplot as plt

    result = quiet_audit(intensity, dict(bright_dim, extra=bright_dim["dim"][:4]), pairs=8)
    ax = plot_audit(result)
    assert len(ax.containers) == 2  # one errorbar set per rule
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["bright over dim", "bright over extra", "dim over extra",
                      "left over right (position)"]
    assert result.plot(ax=ax) is ax
    plt.close(ax.figure)
    with pytest.raises(InputError, match="AuditResult"):
        plot_audit(result.summary)


def test_fastgaze_audit_runs_on_constructed_images():
    """Twitter's network on small constructed pairs: the mechanics, not a demographic claim."""
    from fastgaze_paths import VXM_PATH
    from salbench.models.fastgaze import FastGazeModel

    rng = np.random.default_rng(4)
    groups = {"bright": [blob_image(rng, 200, 5, h=64, w=64) for _ in range(3)],
              "flat": [np.full((64, 64, 3), 30, np.uint8) for _ in range(3)]}
    result = quiet_audit(FastGazeModel(VXM_PATH), groups, pairs=4, seed=0)
    assert len(result.records) == 8
    s = result.summary.set_index("rule")
    assert s.loc["argmax", "a_both"] + s.loc["argmax", "b_both"] + s.loc["argmax", "left_both"] \
        + s.loc["argmax", "right_both"] + s.loc["argmax", "undecided"] == 4
    # a bright blob on a flat field against a flat field: the network looks at the blob
    assert s.loc["argmax", "a_both"] == 4 and s.loc["mass", "a_both"] == 4
