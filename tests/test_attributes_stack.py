"""Per-image attributes through the whole stack: the dataset carries them, evaluate records them
(in memory and in the results directory), the leaderboard reports per attribute value, and the
CLI prints a table per category."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import salbench
from salbench.cli import main
from salbench.datasets import Dataset
from salbench.demo import synthetic_dataset
from salbench.evaluation import Results
from salbench.exceptions import InputError
from salbench.models.baselines import UniformModel

N = 8


@pytest.fixture
def data(tmp_path):
    demo = synthetic_dataset(n_images=N, shape=(24, 32), root=tmp_path / "demo")
    ds = demo.dataset
    categories = ["Art", "Art", "Action", "Art", "Action", "Noisy", "Art", "Action"]
    return demo, Dataset(ds.stimuli, ds.fixations, ds.facts,
                         attributes=pd.DataFrame({"category": categories, "difficulty": range(N)}))


def test_evaluate_records_the_attributes_of_the_scored_images(data, tmp_path):
    _, ds = data
    r = salbench.evaluate(UniformModel(), ds, metrics=["nss"], split=[5, 1, 2])
    assert r.attributes["image"].tolist() == [1, 2, 5]
    assert r.attributes["category"].tolist() == ["Art", "Action", "Noisy"]
    out = tmp_path / "run"
    salbench.evaluate(UniformModel(), ds, metrics=["nss"], out=out)
    back = Results.load(out)
    assert back.attributes.equals(ds.attributes.reset_index(drop=True).assign(
        image=np.arange(N))[["image", "category", "difficulty"]])
    again = salbench.evaluate(UniformModel(), ds, metrics=["nss"], out=out)  # complete: read back
    assert again.attributes["category"].tolist() == ds.attributes["category"].tolist()


def test_leaderboard_by_category_has_a_table_per_category_and_the_overall_mean(data, tmp_path):
    demo, ds = data
    from salbench.demo import TrueDensityModel

    runs = [salbench.evaluate(m, ds, metrics=["auc", "nss"])
            for m in (UniformModel(), TrueDensityModel(demo))]
    board = salbench.leaderboard(runs, by="category", n_bootstrap=200, n_permutations=200)
    assert list(board.groups) == ["Action", "Art", "Noisy"]
    truth = runs[1].images.set_index("image")["nss"]
    for value, group in board.groups.items():
        members = [i for i in range(N) if ds.attributes["category"][i] == value]
        assert group.meta["n_images"] == len(members)
        assert group.wide().loc[runs[1].model, "nss"] == pytest.approx(truth[members].mean())
        assert {"ci_low", "ci_high", "p_vs_best"} <= set(group.table.columns)
    # the overall score is the mean over all images, not the mean of the category means
    assert board.wide().loc[runs[1].model, "nss"] == pytest.approx(truth.mean())
    text = board.to_markdown()
    assert text.count("| model | type |") == 4 and "### category = Noisy (1 images)" in text
    grouped = board.grouped_table()
    assert set(grouped["group"]) == {"(all)", "Action", "Art", "Noisy"}
    back = type(board).from_json(board.to_json())
    assert list(back.groups) == ["Action", "Art", "Noisy"]
    assert back.groups["Art"].table["mean"].equals(board.groups["Art"].table["mean"])
    with pytest.raises(InputError, match="no result records the per-image attribute 'task'.*category"):
        salbench.leaderboard(runs, by="task")


def test_cli_leaderboard_by_category(data, tmp_path):
    _, ds = data
    salbench.evaluate(UniformModel(), ds, metrics=["auc"], out=tmp_path / "runs" / "uniform")
    result = CliRunner().invoke(main, ["leaderboard", str(tmp_path / "runs"), "--by", "category",
                                       "--bootstrap", "50", "--permutations", "50"])
    assert result.exit_code == 0, result.output
    assert "### category = Action (3 images)" in result.stdout
    assert "### category = Art (4 images)" in result.stdout


def test_an_attribute_named_image_is_refused(data):
    _, ds = data
    with pytest.raises(InputError, match="column named 'image'"):
        Dataset(ds.stimuli, ds.fixations, attributes=pd.DataFrame({"image": range(N)}))
