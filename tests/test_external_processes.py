"""`command:` models as external processes (issue 11 §3): a timeout that stops the whole process
group (grandchildren included), binary output, wrongly-shaped maps and shell-quoted placeholders,
through the adapter and through the command line."""

from __future__ import annotations

import os
import shlex
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from salbench.cli import main
from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli
from salbench.exceptions import DataError, InputError
from salbench.models.adapters import CallableModel, CommandModel, MapDirectoryModel
from salbench.models.adapters.command import DEFAULT_TIMEOUT, substitute

posix_only = pytest.mark.skipif(os.name != "posix", reason="process groups and sh are POSIX")


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie left for a non-reaping PID 1 counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - reused by another user's process
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _gone_soon(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _read_pid(path: Path, seconds: float = 5.0) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = path.read_text().strip() if path.exists() else ""
        if text:
            return int(text)
        time.sleep(0.02)
    raise AssertionError(f"{path} was never written")


def _kill(pid: int):
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------------------------- timeout
@posix_only
def test_a_timeout_kills_the_whole_process_group_grandchildren_included(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    # sh starts a grandchild (sleep) and waits for it: killing only sh would leave sleep running
    script = f"sleep 1000 & echo $! > {shlex.quote(str(pidfile))}; wait"
    model = CommandModel(["sh", "-c", script], timeout=1)
    started = time.monotonic()
    with pytest.raises(DataError) as caught:
        model.saliency_map(np.zeros((2, 2), np.uint8), image_id="cat.jpg")
    grandchild = _read_pid(pidfile)
    try:
        message = str(caught.value)
        assert "image 'cat.jpg'" in message
        assert "ran longer than 1 s and was stopped" in message
        assert "sleep 1000" in message  # the command is named
        assert _gone_soon(grandchild), f"grandchild {grandchild} still runs"
        assert time.monotonic() - started < 10
    finally:
        _kill(grandchild)


@posix_only
def test_a_group_that_ignores_sigterm_gets_sigkill(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    script = f"trap '' TERM; sleep 1000 & echo $! > {shlex.quote(str(pidfile))}; wait"
    model = CommandModel(["sh", "-c", script], timeout=0.5)
    with pytest.raises(DataError, match="ran longer than 0.5 s"):
        model.saliency_map(np.zeros((2, 2), np.uint8), image_id="a.jpg")
    grandchild = _read_pid(pidfile)
    try:
        assert _gone_soon(grandchild), f"grandchild {grandchild} survived SIGKILL"
    finally:
        _kill(grandchild)


@posix_only
def test_background_processes_left_by_a_finished_command_are_stopped(tmp_path):
    pidfile = tmp_path / "left.pid"
    script = (f"sleep 1000 > /dev/null 2>&1 & echo $! > {shlex.quote(str(pidfile))}; "
              "echo 1 2; echo 3 4")
    model = CommandModel(["sh", "-c", script], timeout=30)
    started = time.monotonic()
    assert model.saliency_map(np.zeros((2, 2), np.uint8)).tolist() == [[1, 2], [3, 4]]
    assert time.monotonic() - started < 10  # the map came when sh exited, not at the timeout
    left = _read_pid(pidfile)
    try:
        assert _gone_soon(left), f"background process {left} still runs"
    finally:
        _kill(left)


def test_timeout_default_and_validation():
    model = CommandModel([sys.executable, "-c", "print(1)"])
    assert model.timeout == DEFAULT_TIMEOUT == 300.0
    assert CommandModel([sys.executable], timeout=None).timeout is None
    for bad in (0, -1, "10", True):
        with pytest.raises(InputError, match="timeout must be a positive number"):
            CommandModel([sys.executable], timeout=bad)


# ---------------------------------------------------------------------------------- output
def test_binary_standard_output_is_an_error_naming_the_image():
    binary = CommandModel([sys.executable, "-c",
                           "import sys; sys.stdout.buffer.write(b'\\x89PNG\\xff\\x00')"])
    with pytest.raises(InputError) as caught:
        binary.saliency_map(np.zeros((2, 2), np.uint8), image_id="dog.jpg")
    message = str(caught.value)
    assert "image 'dog.jpg'" in message
    assert "standard output is not text (byte 0x89 at offset 0 is not UTF-8)" in message
    assert "{output}" in message


def test_binary_error_output_is_shown_with_replacement_characters():
    failing = CommandModel([sys.executable, "-c",
                            "import sys; sys.stderr.buffer.write(b'bad \\xff\\xfe byte'); "
                            "sys.exit(2)"])
    with pytest.raises(DataError) as caught:
        failing.saliency_map(np.zeros((2, 2), np.uint8), image_id="dog.jpg")
    message = str(caught.value)
    assert "image 'dog.jpg': the command exited with status 2" in message
    assert "bad \ufffd\ufffd byte" in message


# ---------------------------------------------------------------------------------- shapes
def _grid_command(rows: int, cols: int):
    lines = "\n".join(" ".join(str(r * cols + c + 1) for c in range(cols)) for r in range(rows))
    return [sys.executable, "-c", f"print({lines!r})"]


@pytest.mark.parametrize("rows, cols, transposed", [(5, 3, True), (1, 5, False), (3, 4, False)])
def test_a_map_of_another_shape_is_an_error_unless_resizing_is_asked_for(rows, cols, transposed):
    image = np.zeros((3, 5), np.uint8)
    model = CommandModel(_grid_command(rows, cols))
    with pytest.raises(InputError) as caught:
        model.saliency_map(image, image_id="scene.jpg")
    message = str(caught.value)
    assert "image 'scene.jpg'" in message
    assert f"map is {cols}x{rows} (WxH, shape ({rows}, {cols}))" in message
    assert "the image is 5x3 (shape (3, 5))" in message
    assert ("transposed" in message) is transposed
    assert "--resize-maps" in message
    resized = CommandModel(_grid_command(rows, cols), resize="bilinear").saliency_map(image)
    assert resized.shape == (3, 5)


def _transposed_dataset(root: Path):
    from PIL import Image

    rng = np.random.default_rng(3)
    folder = root / "stimuli"
    folder.mkdir(parents=True)
    paths = []
    for i in range(4):
        path = folder / f"img{i}.png"
        Image.fromarray(rng.integers(0, 256, (6, 10), dtype=np.uint8)).save(path)
        paths.append(path)
    x = rng.uniform(0, 10, 20)
    y = rng.uniform(0, 6, 20)
    n = np.repeat(np.arange(4), 5)
    return Dataset(Stimuli(paths), Fixations(x, y, n, n_images=4), DatasetFacts(name="tiny"))


def test_command_callable_and_directory_agree_on_transposed_maps(tmp_path):
    """The three adapters refuse a transposed map by default and resize it only when asked."""
    from salbench.evaluation import evaluate

    dataset = _transposed_dataset(tmp_path)
    transposed = np.arange(60, dtype=float).reshape(10, 6)  # (W, H): rows and columns swapped
    maps = tmp_path / "maps"
    maps.mkdir()
    for path in dataset.stimuli.paths:
        np.save(maps / f"{path.stem}.npy", transposed)
    tool = tmp_path / "tool.py"
    tool.write_text("import numpy as np\nprint('\\n'.join(' '.join(str(v) for v in row) for row "
                    "in np.arange(60).reshape(10, 6)))\n")
    makers = {
        "command": lambda **k: CommandModel([sys.executable, str(tool)], name="command", **k),
        "callable": lambda **k: CallableModel(lambda image: transposed, name="callable", **k),
        "directory": lambda **k: MapDirectoryModel(maps, name="directory", **k),
    }
    scores = {}
    for name, make in makers.items():
        with pytest.raises((InputError, DataError), match="transposed"):
            evaluate(make(), dataset, metrics=["auc", "nss"], progress=False, n_threads=1)
        result = evaluate(make(resize="bilinear"), dataset, metrics=["auc", "nss"],
                          progress=False, n_threads=1)
        scores[name] = result.means()["auc"]
    assert scores["command"] == pytest.approx(scores["callable"], abs=1e-12)
    assert scores["command"] == pytest.approx(scores["directory"], abs=1e-12)


# ---------------------------------------------------------------------------------- quoting
HOSTILE = "it's a \"test\" $(touch PWNED) `touch PWNED2`.png"

RECORD_TOOL = textwrap.dedent("""
    import sys
    from PIL import Image
    path, record = sys.argv[1], sys.argv[2]
    with open(record, "w", encoding="utf-8") as handle:
        handle.write(path)
    width, height = Image.open(path).size
    for _ in range(height):
        print(" ".join(["1"] * width))
""")


def _hostile_dataset(root: Path):
    from PIL import Image

    folder = root / "my images"
    folder.mkdir(parents=True)
    path = folder / HOSTILE
    Image.fromarray(np.full((3, 4), 128, np.uint8)).save(path, format="PNG")
    fixations = Fixations(np.array([1.5]), np.array([1.5]), np.array([0]), n_images=1)
    return Dataset(Stimuli([path]), fixations, DatasetFacts(name="hostile")), path


@posix_only
@pytest.mark.parametrize("form", ["shell script", "argument list", "string"])
def test_placeholders_survive_spaces_quotes_and_command_substitution(tmp_path, form):
    dataset, path = _hostile_dataset(tmp_path)
    tool = tmp_path / "tool.py"
    tool.write_text(RECORD_TOOL)
    record = tmp_path / "record.txt"
    q = shlex.quote
    if form == "shell script":  # {image} inside an sh -c script: shell-quoted
        command = ["sh", "-c", f"{q(sys.executable)} {q(str(tool))} {{image}} {q(str(record))}"]
    elif form == "argument list":  # {image} as a whole argument: passed as it is
        command = [sys.executable, str(tool), "{image}", str(record)]
    else:  # a string split like a shell: same as the list
        command = f"{q(sys.executable)} {q(str(tool))} {{image}} {q(str(record))}"
    model = CommandModel(command, cwd=tmp_path, dataset=dataset)
    got = model.saliency_map(dataset.stimuli.load(0), image_id=dataset.stimuli.ids[0])
    assert got.shape == (3, 4)
    assert record.read_text(encoding="utf-8") == str(path)
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "PWNED2").exists()


def test_substitution_rules():
    values = {"image": "a b's.png", "id": "x:1", "width": 4}
    assert substitute("{image}", values) == "a b's.png"
    assert substitute("--in={image}", values) == "--in='a b'\"'\"'s.png'"
    assert substitute("{width}", values) == "4"
    assert substitute("cp {image} out_{width}.png", values) == "cp 'a b'\"'\"'s.png' out_4.png"
    assert substitute("{{literal}} {id}", values) == "{literal} x:1"


# ---------------------------------------------------------------------------------- the CLI
def _cli_dataset(tmp_path):
    from salbench.datasets.hdf5 import save_pysaliency

    dataset = _transposed_dataset(tmp_path / "src")
    save_pysaliency(dataset, tmp_path / "data")
    return tmp_path / "data"


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@posix_only
def test_cli_timeout_stops_a_hanging_command_and_names_the_image(tmp_path):
    data = _cli_dataset(tmp_path)
    pidfile = tmp_path / "grandchild.pid"
    script = f"sleep 1000 & echo $! > {shlex.quote(str(pidfile))}; wait"
    spec = f"command:sh -c {shlex.quote(script)}"
    started = time.monotonic()
    result = _invoke("evaluate", "--model", spec, "--dataset", data, "--out", tmp_path / "out",
                     "--no-baselines", "--metrics", "auc", "--threads", 1, "--quiet",
                     "--timeout", 1)
    grandchild = _read_pid(pidfile)
    try:
        assert result.exit_code == 1, result.output
        assert "ran longer than 1 s and was stopped" in result.output
        assert "image 'img" in result.output
        assert "Traceback" not in result.output
        assert _gone_soon(grandchild)
        assert time.monotonic() - started < 60
    finally:
        _kill(grandchild)


def test_cli_transposed_map_errors_and_scores_only_with_resize_maps(tmp_path):
    data = _cli_dataset(tmp_path)
    tool = tmp_path / "tool.py"
    tool.write_text("import numpy as np\nprint('\\n'.join(' '.join(str(v) for v in row) for row "
                    "in np.arange(60).reshape(10, 6)))\n")
    spec = f"command:{shlex.quote(sys.executable)} {shlex.quote(str(tool))}"
    common = ["--model", spec, "--dataset", data, "--no-baselines", "--metrics", "auc",
              "--threads", 1, "--quiet"]
    refused = _invoke("evaluate", *common, "--out", tmp_path / "a")
    assert refused.exit_code == 1
    assert "transposed" in refused.output and "--resize-maps" in refused.output
    scored = _invoke("evaluate", *common, "--out", tmp_path / "b", "--resize-maps", "bilinear")
    assert scored.exit_code == 0, scored.output


def test_cli_resize_maps_is_refused_for_models_that_cannot_resize(tmp_path):
    from salbench.cli._model_options import spec_options

    with pytest.raises(InputError, match="--resize-maps applies to"):
        spec_options("baseline:uniform", resize_maps="bilinear")
    assert spec_options("density:command:tool", timeout=0) == {"timeout": None}
    for command in ("crop", "audit", "evaluate"):
        help_text = _invoke(command, "--help").output
        assert "--timeout" in help_text and "--resize-maps" in help_text


@posix_only
def test_crop_timeout_names_the_image_and_the_command(tmp_path):
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(photo)
    result = _invoke("crop", "command:sh -c 'sleep 30'", photo, "--out", tmp_path / "crops", "--timeout",
                     "0.5")
    assert result.exit_code == 1
    assert "image 'photo.png': the command ran longer than 0.5 s and was stopped" in result.output
    assert "command: sh -c 'sleep 30' " in result.output


def test_a_run_stopped_by_the_timeout_resumes_under_a_longer_one(tmp_path):
    data = _cli_dataset(tmp_path)
    tool = tmp_path / "tool.py"
    tool.write_text("import sys, time\nfrom PIL import Image\n"
                    "if sys.argv[1].endswith('img2.png'):\n    time.sleep(3)\n"
                    "w, h = Image.open(sys.argv[1]).size\n"
                    "print('\\n'.join(' '.join(['1'] * w) for _ in range(h)))\n")
    spec = f"command:{shlex.quote(sys.executable)} {shlex.quote(str(tool))}"
    common = ["evaluate", "--model", spec, "--dataset", data, "--no-baselines", "--metrics",
              "auc", "--threads", 1, "--quiet", "--out", tmp_path / "out", "--name", "tool"]
    stopped = _invoke(*common, "--timeout", 1)
    assert stopped.exit_code == 1 and "ran longer than 1 s" in stopped.output
    resumed = _invoke(*common, "--timeout", 30)
    assert resumed.exit_code == 0, resumed.output
