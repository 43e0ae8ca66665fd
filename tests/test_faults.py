"""Fault injection through the real command line: `salbench evaluate` in subprocesses, SIGKILLed
at every point of a results write (SALBENCH_KILL_AT, salbench/evaluation/_faults.py), two writers
at once, inputs changed between runs, a full and a read-only disk (a small tmpfs; skipped with
the reason where mounting is not permitted)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _evaluate_support import mixed_size_dataset

ROOT = Path(__file__).resolve().parents[1]
N_IMAGES = 40  # three chunks of 16, so kills fall between chunks too
METRICS = "auc,nss,cc"


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("SALBENCH_KILL_AT", None)
    env.update(extra)
    return env


def salbench(*args, kill_at=None, wait=True, **popen):
    command = [sys.executable, "-c", "from salbench.cli import main; main()", *map(str, args)]
    env = _env(**({"SALBENCH_KILL_AT": kill_at} if kill_at else {}))
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, **popen)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A dataset written to disk as pysaliency files, and a folder of PNG maps for it."""
    from PIL import Image

    from salbench.datasets.hdf5 import save_pysaliency

    root = tmp_path_factory.mktemp("faults")
    rng = np.random.default_rng(1)
    dataset = mixed_size_dataset(root / "data", sizes=[(16, 20)] * N_IMAGES,
                                 fixations_per_image=rng.integers(2, 9, N_IMAGES).tolist())
    save_pysaliency(dataset, root / "data")
    maps = root / "maps"
    maps.mkdir()
    for path in dataset.stimuli.paths:
        Image.fromarray(rng.integers(1, 255, (16, 20), dtype=np.uint8)).save(
            maps / f"{Path(path).stem}.png")
    reference = root / "reference"
    done = evaluate_maps(maps, root / "data", reference)
    assert done.returncode == 0, done.stderr
    return {"root": root, "data": root / "data", "maps": maps, "reference": reference / "maps"}


def evaluate_maps(maps, data, out, *extra, **kwargs):
    return salbench("evaluate", "--model", maps, "--dataset", data, "--out", out,
                    "--no-baselines", "--metrics", METRICS, "--threads", 1, "--quiet", *extra,
                    **kwargs)


def assert_same_tables(folder: Path, reference: Path):
    """Byte-identical per-fixation table; per-image table identical but for the wall-clock
    ``model_seconds`` column (a timing, different in every run)."""
    assert (folder / "fixations.parquet").read_bytes() == \
        (reference / "fixations.parquet").read_bytes()
    images = pd.read_parquet(folder / "images.parquet").drop(columns="model_seconds")
    expected = pd.read_parquet(reference / "images.parquet").drop(columns="model_seconds")
    pd.testing.assert_frame_equal(images, expected, check_exact=True)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.name.endswith(".tmp") or "parts" in p.parts)


def test_sigkill_at_every_point_then_resume_gives_the_uninterrupted_tables(files, tmp_path):
    out = tmp_path / "run"
    target = out / "maps"
    # each run is killed at a later point and resumes what the one before it left
    for point, left in [("locked", None), ("started", None), ("part:1", "parts"),
                        ("part-tmp:1", "tmp part"), ("tables-tmp", "tmp table"),
                        ("tables", "tables"), ("committed", "complete")]:
        killed = evaluate_maps(files["maps"], files["data"], out, kill_at=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        names = sorted(p.name for p in target.iterdir())
        if left == "tmp part":
            assert any(p.name.startswith(".images-") and p.name.endswith(".tmp")
                       for p in (target / "parts").iterdir())
        if left == "tmp table":
            assert any(n.startswith(".images.parquet.") and n.endswith(".tmp") for n in names)
        if left == "complete":
            import json

            manifest = json.loads((target / "manifest.json").read_text())
            assert manifest["status"] == "complete" and "summary" in manifest
            assert (target / "parts").is_dir()  # killed before removing them
    resumed = evaluate_maps(files["maps"], files["data"], out)
    assert resumed.returncode == 0, resumed.stderr
    assert leftovers(target) == []
    assert_same_tables(target, files["reference"])


SLOW_MODEL = '''
import os, time
import numpy as np

def slow(image):
    with open(os.environ["CALLS_LOG"], "a") as log:
        log.write("call\\n")
    time.sleep(0.04)
    return np.asarray(image, dtype=float).mean(axis=2)
'''


def test_two_writers_into_one_folder_the_second_waits_and_reuses(files, tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(SLOW_MODEL)
    log = tmp_path / "calls.log"
    out = tmp_path / "run"
    args = ("evaluate", "--model", f"python:{script}:slow", "--dataset", files["data"], "--out",
            out, "--no-baselines", "--metrics", METRICS, "--threads", 1)
    env = _env(CALLS_LOG=str(log))
    command = [sys.executable, "-c", "from salbench.cli import main; main()", *map(str, args)]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 60
    while not (log.is_file() and log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)  # the first writer holds the lock and is scoring
    assert first.poll() is None, "the first run ended before the second one started"
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    first_out, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second.stderr
    assert "waiting: another salbench run is writing into" in second.stderr
    assert "this run goes on when that one ends" in second.stderr
    assert second.stdout == first_out  # the same leaderboard, read back
    assert len(log.read_text().splitlines()) == N_IMAGES  # every image scored once, in all


def test_changed_maps_are_refused_naming_the_files_and_overwrite_rescores(files, tmp_path):
    from PIL import Image

    maps = tmp_path / "maps"
    shutil.copytree(files["maps"], maps)
    out = tmp_path / "run"
    assert evaluate_maps(maps, files["data"], out).returncode == 0
    before = pd.read_parquet(out / "maps" / "images.parquet")
    Image.fromarray(np.full((16, 20), 7, np.uint8)).save(maps / "img03.png")
    (maps / "img05.png").unlink()
    np.save(maps / "img05.npy", np.ones((16, 20)))  # the same image's map, another file
    os.utime(maps / "img07.png")  # touched only: not a change
    again = evaluate_maps(maps, files["data"], out)
    assert again.returncode == 1
    assert again.stderr.startswith(f"error: {out / 'maps'} holds complete results of other "
                                   "inputs than this run's:")
    assert "model: 1 file(s) changed: img03.png" in again.stderr
    assert "model: 1 file(s) added: img05.npy" in again.stderr
    assert "model: 1 file(s) removed: img05.png" in again.stderr
    assert "img07" not in again.stderr and "Traceback" not in again.stderr
    assert pd.read_parquet(out / "maps" / "images.parquet").equals(before)  # untouched
    rescored = evaluate_maps(maps, files["data"], out, "--overwrite")
    assert rescored.returncode == 0, rescored.stderr
    after = pd.read_parquet(out / "maps" / "images.parquet")
    assert not np.array_equal(after["nss"], before["nss"])
    assert (after.loc[after["image"] == 3, "auc"] == 0.5).all()  # a constant map now


def test_an_edited_command_script_is_refused_naming_the_script(files, tmp_path):
    script = tmp_path / "tool.py"
    script.write_text("import sys\nprint('1 2\\n3 4')\n")
    out = tmp_path / "run"
    spec = f"command:{sys.executable} {script} {{image}}"
    first = salbench("evaluate", "--model", spec, "--dataset", files["data"], "--out", out,
                     "--images", 3, "--no-baselines", "--metrics", METRICS, "--name", "tool",
                     "--quiet", "--resize-maps", "bilinear")
    assert first.returncode == 0, first.stderr
    script.write_text("import sys\nprint('4 3\\n2 1')\n")
    again = salbench("evaluate", "--model", spec, "--dataset", files["data"], "--out", out,
                     "--images", 3, "--no-baselines", "--metrics", METRICS, "--name", "tool",
                     "--quiet", "--resize-maps", "bilinear")
    assert again.returncode == 1
    assert f"model: 1 file(s) changed: {script}" in again.stderr, again.stderr
    # a new --model-version is a change too
    version = salbench("evaluate", "--model", spec, "--dataset", files["data"], "--out", out,
                       "--images", 3, "--no-baselines", "--metrics", METRICS, "--name", "tool",
                       "--quiet", "--overwrite", "--model-version", "v2", "--resize-maps",
                       "bilinear")
    assert version.returncode == 0, version.stderr


# ---------------------------------------------------------------------------------- small disks
@pytest.fixture
def small_disk(tmp_path):
    """A 300 kB tmpfs (needs root and mount permission; skipped with the reason otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command here to make a small tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or 'not permitted'})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    filler.write_bytes(b"\0" * max(0, free - leave))
    return filler


def test_a_full_disk_is_one_error_line_and_the_run_resumes_after_space_is_freed(files, small_disk):
    out = small_disk / "run"
    filler = _fill(small_disk, 20_000)  # room for the manifest and a part, not for everything
    full = evaluate_maps(files["maps"], files["data"], out)
    assert full.returncode == 1
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in full.stderr, full.stderr
    assert lines[0].startswith("error: cannot write ") and "No space left on device" in lines[0]
    assert not [p for p in small_disk.rglob("*.tmp")]  # nothing half-written
    filler.unlink()
    resumed = evaluate_maps(files["maps"], files["data"], out)
    assert resumed.returncode == 0, resumed.stderr
    assert leftovers(out / "maps") == []
    assert_same_tables(out / "maps", files["reference"])


def test_a_read_only_out_is_one_error_line_and_complete_results_are_still_read(files, small_disk):
    done = evaluate_maps(files["maps"], files["data"], small_disk / "run")
    assert done.returncode == 0, done.stderr
    remount = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True,
                             text=True)
    if remount.returncode != 0:
        pytest.skip(f"cannot remount the tmpfs read-only ({remount.stderr.strip()})")
    refused = evaluate_maps(files["maps"], files["data"], small_disk / "other")
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Read-only file system" in lines[0], refused.stderr
    assert lines[0].startswith("error: cannot write ")
    again = salbench("evaluate", "--model", files["maps"], "--dataset", files["data"], "--out",
                     small_disk / "run", "--no-baselines", "--metrics", METRICS, "--threads", 1)
    assert again.returncode == 0, again.stderr  # complete results: read without the lock
    assert "| maps | model |" in again.stdout
