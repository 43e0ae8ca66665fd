"""The salbench command line: help, demo, evaluate -> leaderboard end to end, datasets, errors."""

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import salbench
from salbench.cli import main

from _evaluate_support import SHARED_DATASETS

OSIE = SHARED_DATASETS / "osie"


def _run(*args, **kwargs):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)
    return result


def _command_paths(group=main, prefix=()):
    """Every command of the command line, sub-commands of groups included, from the click
    tree itself (a command another branch adds is in this list without editing it)."""
    import click

    paths = [list(prefix)]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += _command_paths(command, (*prefix, name))
        else:
            paths.append([*prefix, name])
    return paths


@pytest.mark.parametrize("command", _command_paths(), ids=lambda c: " ".join(c) or "salbench")
def test_every_command_has_help(command):
    result = _run(*command, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage:")
    assert len(result.output.splitlines()) > 4


def test_the_top_level_help_and_the_readme_name_every_command():
    top = sorted(main.commands)
    # the commands other branches added are there (and would be found if they were not)
    assert {"evaluate", "leaderboard", "plot", "datasets", "demo", "crop", "audit", "site",
            "predict", "submission"} <= set(top)
    listing = _run("--help").output.split("Commands:", 1)[1]
    # a command's line is indented by two spaces; a wrapped help text by more
    listed = [line.split()[0] for line in listing.splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == top
    # the README shows every command at work (`salbench NAME ...` in its text or examples)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    absent = [name for name in top if f"salbench {name}" not in readme]
    assert not absent, f"the README never shows `salbench {absent[0]}`"


def test_demo_on_synthetic_data_prints_a_leaderboard():
    result = _run("demo", "--synthetic", "--images", "6")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| model | type | information_gain ↑ | explained_ig ↑ |")
    rows = [line.split(" | ")[0].lstrip("| ") for line in lines[2:9]]
    assert rows == ["sharp", "blurry", "no centre bias", "contrast",
                    "true density (gold standard)", "centre bias", "uniform"]
    assert "synthetic data, 6 images" in result.stderr


def test_demo_json_is_a_leaderboard():
    result = _run("demo", "--synthetic", "--images", "4", "--format", "json", "--all-metrics")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["format"] == "salbench.Leaderboard/1"
    assert "emd" in [m["name"] for m in data["metrics"]]


def _write_maps(folder: Path, names, *, shape=(600, 800), seed=0):
    """Centre-weighted smooth random saliency maps as 8-bit PNG files (one per stimulus)."""
    from PIL import Image
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    centre = np.exp(-((xx - shape[1] / 2) ** 2 / 200 ** 2 + (yy - shape[0] / 2) ** 2 / 150 ** 2))
    for name in names:
        m = centre + 3 * gaussian_filter(rng.random(shape), 15)
        Image.fromarray((255 * m / m.max()).astype(np.uint8)).save(folder / f"{Path(name).stem}.png")


def test_score_a_folder_of_png_maps_on_osie_then_leaderboard_and_outputs(tmp_path):
    maps = tmp_path / "my_maps"
    _write_maps(maps, [f"{1001 + i}.jpg" for i in range(5)])
    out = tmp_path / "results"
    result = _run("evaluate", "--model", maps, "--dataset", OSIE, "--images", 5, "--out", out,
                  "--name", "my model", "--threads", 2)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["centre-bias", "gold-standard", "my-model",
                                                     "uniform"]
    table = result.stdout.splitlines()
    assert table[2].startswith("| my model | model | ")
    assert [line.split(" | ")[0].lstrip("| ") for line in table[3:6]] == [
        "gold standard", "centre bias", "uniform"]
    manifest = json.loads((out / "my-model" / "manifest.json").read_text())
    assert manifest["dataset"]["name"] == "osie" and manifest["config"]["images"] == [0, 1, 2, 3, 4]
    assert manifest["parameters"]["reference"]["sigma_rule"].startswith("1 degree = 24 px")
    images = pd.read_parquet(out / "my-model" / "images.parquet")
    assert images["image_id"].str.startswith("100").all() and images["auc"].between(0.5, 1).all()

    # leaderboard of the run folder, in every format
    md = _run("leaderboard", out)
    assert md.exit_code == 0 and "| gold standard | baseline |" in md.stdout
    csv_path = tmp_path / "board.csv"
    written = _run("leaderboard", out, "--format", "csv", "--output", csv_path)
    assert written.exit_code == 0 and csv_path.is_file()
    board = pd.read_csv(csv_path)
    assert set(board["model"]) == {"my model", "gold standard", "centre bias", "uniform"}
    html = _run("leaderboard", out / "my-model", out / "uniform", "--format", "html",
                "--metrics", "auc,nss", "--bootstrap", 100, "--permutations", 100)
    assert html.exit_code == 0 and html.stdout.count("<tr") == 3

    # a second run resumes: everything is read back, nothing is rescored
    again = _run("evaluate", "--model", maps, "--dataset", OSIE, "--images", 5, "--out", out,
                 "--name", "my model", "--quiet")
    assert again.exit_code == 0 and again.output == ""


def test_missing_and_wrong_maps_are_listed_before_scoring(tmp_path):
    maps = tmp_path / "maps"
    _write_maps(maps, ["1001.jpg", "1002.jpg"])
    _write_maps(maps, ["1003.jpg"], shape=(60, 80))
    result = _run("evaluate", "--model", maps, "--dataset", OSIE, "--images", 4,
                  "--out", tmp_path / "out", "--no-baselines")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    details = result.stderr[result.stderr.index("error: "):]
    assert "1004" in details and "1003" in details
    assert not (tmp_path / "out" / "maps").exists()


def test_errors_are_one_line_with_status_1(tmp_path):
    unknown = _run("evaluate", "--model", "baseline:uniform", "--dataset", "osei", "--out", tmp_path)
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: unknown dataset 'osei'")
    bad_metric = _run("evaluate", "--model", "baseline:uniform", "--dataset", OSIE, "--images", 2,
                      "--out", tmp_path / "o", "--metrics", "auc,nope", "--no-baselines")
    assert bad_metric.exit_code == 1 and "unknown metric 'nope'" in bad_metric.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = _run("leaderboard", empty)
    assert nothing.exit_code == 1 and "holds no salbench results" in nothing.stderr
    usage = _run("evaluate", "--model", "x")
    assert usage.exit_code == 2  # click usage error: missing options


def test_datasets_list_and_info():
    listing = _run("datasets", "list", "--data-root", SHARED_DATASETS)
    assert listing.exit_code == 0
    rows = {line.split()[0]: line.split() for line in listing.stdout.splitlines()[1:-1]}
    assert set(rows) == set(salbench.datasets.names())
    assert rows["osie"][4] == "installed" and rows["eyecrowd"][4] == "downloadable"
    assert rows["mit1003"][4] == "downloadable" and rows["mit1003"][2] == "?"  # not measured
    info = _run("datasets", "info", "osie")
    assert info.exit_code == 0
    assert "98321" in info.stdout and "pixels per degree  24.0" in info.stdout
    wrong = _run("datasets", "info", "osei")
    assert wrong.exit_code == 1 and "did you mean 'osie'" in wrong.stderr


def test_datasets_fetch_from_a_local_http_server(tmp_path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(SHARED_DATASETS), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = _run("datasets", "fetch", "osie", "--data-root", tmp_path, "--base-url", url)
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert "700 images, 98321 fixations" in result.stdout
    assert (tmp_path / "osie" / "eye" / "fixations.mat").is_file()


def test_the_installed_command_runs_in_a_real_process(tmp_path):
    script = Path(sys.executable).parent / "salbench"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "salbench.cli"]
    done = subprocess.run([*command, "demo", "--synthetic", "--images", "4", "--format", "csv"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    board = pd.read_csv(pd.io.common.StringIO(done.stdout))
    assert set(board["model"]) >= {"sharp", "uniform", "true density (gold standard)"}
    failed = subprocess.run([*command, "leaderboard", str(tmp_path)], capture_output=True,
                            text=True, timeout=300)
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: ") and len(failed.stderr.splitlines()) == 1


def test_demo_uses_osie_when_it_is_on_this_machine(monkeypatch):
    monkeypatch.setenv("SALBENCH_DATA", str(SHARED_DATASETS))
    result = _run("demo", "--images", "5")
    assert result.exit_code == 0, result.output
    assert "OSIE (found locally), first 5 of the 140 test images" in result.stderr
    rows = [line.split(" | ")[0].lstrip("| ") for line in result.stdout.splitlines()[2:7]]
    from salbench.models import default_model

    ours = default_model(threads=1).name  # the packaged default's family decides its name
    assert set(rows) == {ours, "spectral residual", "gold standard", "centre bias", "uniform"}
    assert rows[:2] == [ours, "spectral residual"]  # models first, best first
