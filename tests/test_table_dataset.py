"""Your own data: a fixation table plus a stimuli folder, from Python and from ``--dataset``."""

import pandas as pd
import pytest
from click.testing import CliRunner

from salbench.cli import main
from salbench.datasets.tabular import load_table_spec, parse_table_spec, table_dataset
from salbench.exceptions import DataError, InputError

from _datasets_support import write_jpeg


@pytest.fixture
def own(tmp_path):
    for k, name in enumerate(["b10.jpg", "b2.jpg", "a.jpg"]):
        write_jpeg(tmp_path / "img" / name, 30, 40, seed=k)
    rows = pd.DataFrame({"who": ["p1", "p1", "p2", "p2", "p2"],
                         "picture": ["b2", "b2.jpg", "a", "b10", "a"],
                         "col": [1.0, 40.0, 20.5, 41.0, 3.0], "row": [1.0, 30.0, 10.0, 5.0, 3.0],
                         "ms": [100, 300, 250, 90, 120]})
    rows.to_csv(tmp_path / "fix.csv", index=False)
    return tmp_path


def test_one_based_table_and_named_images(own):
    with pytest.warns(UserWarning, match="were dropped"):
        ds = table_dataset(own / "fix.csv", stimuli=own / "img", x="col", y="row", one_based=True,
                           image="picture", subject="who", duration="ms", time_unit="ms",
                           out_of_image="drop")
    assert ds.stimuli.names == ["a.jpg", "b2.jpg", "b10.jpg"]  # natural order
    assert ds.name == "fix" and ds.facts.dropped == 1  # (41, 5) is outside the 40-px width
    b2 = ds.fixations.for_image(1)
    # 1-based (1, 1) is pixel (0, 0); (40, 30) the bottom-right pixel (29, 39)
    assert b2.x.tolist() == [0.0, 39.0] and b2.y.tolist() == [0.0, 29.0]
    assert ds.fixations.for_image(0).duration.tolist() == [0.25, 0.12]
    with pytest.raises(DataError, match=r"(?s)1 fixation\(s\) of dataset 'fix' lie outside.*b10.jpg"):
        table_dataset(own / "fix.csv", stimuli=own / "img", x="col", y="row", one_based=True,
                      image="picture")


def test_spec_strings_and_their_errors(own):
    spec = f"table:{own / 'fix.csv'},stimuli={own / 'img'},x=col,y=row,zero_based,image=picture"
    assert parse_table_spec(spec)["one_based"] is False
    with pytest.warns(UserWarning, match="clipped"):
        ds = load_table_spec(spec, out_of_image="clip")
    assert ds.facts.clipped == 2  # (41, 5) and (40, 30) with 0-based coordinates
    with pytest.raises(InputError, match="missing stimuli, one_based or zero_based"):
        parse_table_spec("table:fix.csv,x=col,y=row")
    with pytest.raises(InputError, match="unknown option 'colour=red'"):
        parse_table_spec("table:fix.csv,stimuli=img,x=c,y=r,one_based,colour=red")
    with pytest.raises(DataError, match=r"no column 'col2'"):
        load_table_spec(f"table:{own / 'fix.csv'},stimuli={own / 'img'},x=col2,y=row,one_based,"
                        "image=picture")


def test_cli_evaluate_with_a_table(own):
    spec = (f"table:{own / 'fix.csv'},stimuli={own / 'img'},x=col,y=row,one_based,"
            "image=picture,subject=who")
    runner = CliRunner()
    refused = runner.invoke(main, ["evaluate", "--model", "baseline:uniform", "--dataset", spec,
                                   "--out", str(own / "r1"), "--no-baselines", "--metrics", "auc"])
    assert refused.exit_code == 1 and "outside their image" in refused.stderr
    assert "b10.jpg" in refused.stderr
    done = runner.invoke(main, ["evaluate", "--model", "baseline:uniform", "--dataset", spec,
                                "--out", str(own / "r2"), "--no-baselines", "--metrics", "auc",
                                "--out-of-image", "drop"])
    assert done.exit_code == 0, done.output
    assert "warning: 1 fixation(s) of dataset 'fix' outside their image were dropped" in done.stderr
    assert "| uniform | baseline | **0.500 (0.500–0.500)** |" in done.stdout
