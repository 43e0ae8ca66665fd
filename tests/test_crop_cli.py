"""`salbench crop` and `salbench audit` through click's CliRunner, on constructed images."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from fastgaze_paths import VXM_PATH
from salbench.cli import audit_command, crop_command

MODEL_FILE = '''
import numpy as np

def brightness(image):
    image = np.asarray(image, dtype=float)
    return image.mean(axis=2) if image.ndim == 3 else image

def logits(image):
    return np.asarray(image, dtype=float).mean(axis=2) - 100.0
'''


@pytest.fixture()
def model_spec(tmp_path):
    path = tmp_path / "models.py"
    path.write_text(MODEL_FILE)
    return f"python:{path}:brightness"


def _spot_image(path, shape, row, col):
    a = np.full((*shape, 3), 40, np.uint8)
    a[row, col] = 250
    Image.fromarray(a).save(path)
    return path


def test_crop_writes_crops_overlay_and_table(tmp_path, model_spec):
    image = _spot_image(tmp_path / "wide.png", (60, 120), 30, 100)
    out = tmp_path / "out"
    result = CliRunner().invoke(crop_command, [model_spec, str(image), "--ratios", "1,0.5,image",
                                               "--method", "argmax", "--method", "centre",
                                               "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "salient point row 30, column 100" in result.output
    table = pd.read_csv(out / "crops.csv", dtype={"ratio": str})
    assert len(table) == 6
    row = table[(table["method"] == "argmax") & (table["ratio"] == "1")].iloc[0]
    assert (row["x0"], row["y0"], row["x1"], row["y1"]) == (60, 0, 120, 60)
    crop = np.asarray(Image.open(out / "wide_argmax_1.png"))
    assert crop.shape == (60, 60, 3) and crop[30, 40].tolist() == [250, 250, 250]
    assert np.asarray(Image.open(out / "wide_centre_0.5.png")).shape == (60, 120, 3)
    assert np.asarray(Image.open(out / "wide_argmax_image.png")).shape == (60, 120, 3)
    overlay = Image.open(out / "wide_overlay.png")
    assert overlay.format == "PNG" and overlay.size[0] > 100
    # no temporary files are left behind, and the files are readable by others like any file
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    import os

    mask = os.umask(0)
    os.umask(mask)
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o666 & ~mask}


def test_crop_errors_are_one_line(tmp_path, model_spec):
    image = _spot_image(tmp_path / "a.png", (20, 30), 5, 5)
    runner = CliRunner()
    cases = [
        ([model_spec, str(tmp_path / "missing.png"), "--out", str(tmp_path / "o")],
         "missing.png: image file is missing"),
        (["nonsense:thing", str(image), "--out", str(tmp_path / "o")], "unknown model spec"),
        ([model_spec, str(image), "--ratios", "1,wide", "--out", str(tmp_path / "o")],
         "aspect ratio"),
        ([model_spec.replace(":brightness", ":logits"), str(image), "--method", "mass",
          "--out", str(tmp_path / "o")], "negative values"),
        ([model_spec, str(image), str(tmp_path / "x" / "a.png"), "--out", str(tmp_path / "o")],
         "share the file stem"),
    ]
    for args, message in cases:
        result = runner.invoke(crop_command, args)
        assert result.exit_code == 1, (args, result.output)
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], result.output
    usage = runner.invoke(crop_command, [model_spec, "--out", str(tmp_path / "o")])
    assert usage.exit_code == 2


def _groups(tmp_path, n=5):
    rng = np.random.default_rng(0)
    lines = ["path,group"]
    (tmp_path / "img").mkdir()
    for group, peak in (("bright", 220), ("dim", 120)):
        for k in range(n):
            a = np.full((32, 28), 30, np.uint8)
            a[rng.integers(8, 24), rng.integers(6, 22)] = peak
            Image.fromarray(a).save(tmp_path / "img" / f"{group}{k}.png")
            lines.append(f"img/{group}{k}.png,{group}")
    csv = tmp_path / "groups.csv"
    csv.write_text("\n".join(lines) + "\n")
    return csv


def test_audit_writes_records_summary_and_plot(tmp_path, model_spec):
    csv = _groups(tmp_path)
    out = tmp_path / "audit"
    args = [model_spec, str(csv), "--pairs", "12", "--out", str(out), "--height", "40",
            "--gap", "2", "--seed", "1", "--quiet"]
    result = CliRunner().invoke(audit_command, args)
    assert result.exit_code == 0, result.output
    records = pd.read_csv(out / "records.csv")
    assert len(records) == 24 and set(records["order"]) == {"a-left", "b-left"}
    assert (records["argmax_winner"] == "bright").all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["seed"] == 1 and summary["settings"]["height"] == 40
    assert summary["settings"]["group_sizes"] == {"bright": 5, "dim": 5}
    rows = {r["rule"]: r for r in summary["summary"]}
    assert rows["argmax"]["share"] == 1.0 and rows["argmax"]["a_both"] == 12
    assert rows["argmax"]["left_share"] is None  # NaN is written as null
    assert Image.open(out / "audit.png").format == "PNG"
    # the same seed gives the same records
    again = tmp_path / "again"
    assert CliRunner().invoke(audit_command, args[:5] + [str(again)] + args[6:]).exit_code == 0
    pd.testing.assert_frame_equal(records, pd.read_csv(again / "records.csv"))
    # the table printed without --quiet
    shown = CliRunner().invoke(audit_command, [model_spec, str(csv), "--pairs", "3",
                                               "--out", str(tmp_path / "shown")])
    assert shown.exit_code == 0
    assert "bright over dim [argmax]: 1.000" in shown.output
    assert "argmax bias bright over dim: 0.000" in shown.output


def test_audit_errors_are_one_line(tmp_path, model_spec):
    csv = _groups(tmp_path, n=2)
    runner = CliRunner()
    cases = [
        ([model_spec, str(csv), "--pairs", "5", "--out", str(tmp_path / "o")],
         "only 4 distinct pairs"),
        ([model_spec, str(csv), "--compare", "bright:nobody", "--out", str(tmp_path / "o")],
         "'nobody'"),
        ([model_spec, str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")],
         "groups file is missing"),
        ([model_spec, str(csv), "--disjoint", "--pairs", "3", "--out", str(tmp_path / "o")],
         "only 2 pairs that share no image"),
    ]
    for args, message in cases:
        result = runner.invoke(audit_command, args)
        assert result.exit_code == 1, (args, result.output)
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], result.output
    assert runner.invoke(audit_command, [model_spec, str(csv), "--pairs", "zero",
                                         "--out", str(tmp_path / "o")]).exit_code == 2


def test_crop_and_audit_with_twitters_network(tmp_path):
    """The real FastGaze weights through the spec string, on constructed images."""
    spec = f"fastgaze:{VXM_PATH}"
    image = np.full((96, 160, 3), 60, np.uint8)
    yy, xx = np.mgrid[:96, :160]
    image[((yy - 40) ** 2 + (xx - 130) ** 2) < 64] = 240  # a bright disc on the right
    Image.fromarray(image).save(tmp_path / "disc.png")
    result = CliRunner().invoke(crop_command, [spec, str(tmp_path / "disc.png"), "--ratios", "1",
                                               "--method", "argmax", "--method", "mass",
                                               "--out", str(tmp_path / "crops"), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "crops" / "crops.csv")
    # the network's most salient point lies near the disc, so both square crops hold the disc
    row = table.iloc[0]
    assert abs(row["salient_col"] - 130) < 24 and abs(row["salient_row"] - 40) < 24
    assert (table["x1"] >= 138).all() and (table["x0"] <= 122).all()
