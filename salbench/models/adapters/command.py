"""An external program run once per image, its output parsed as a map.

The command is a list of arguments (or a string split like a shell would, with
:func:`shlex.split`, without running a shell). Placeholders are replaced per image:

``{image}``   path of the image file (the stimulus file itself when the model knows it — after
              :meth:`CommandModel.check` or with ``dataset=`` — else a temporary lossless PNG);
``{output}``  path of a file the program must write its map to (read with
              :func:`~salbench.models.adapters.read_map`; its extension is ``output_suffix``);
``{id}``, ``{name}``, ``{height}``, ``{width}``  the image id, file name and size.

Substitution rules (the string is split into arguments first, then each argument is filled in):

* an argument that is exactly one placeholder (``{image}``) becomes the value itself, unquoted:
  it is one argument of the program, and no shell reads it;
* a placeholder inside a longer argument (``"tool {image} > {output}"`` after ``sh -c``) is
  replaced by ``shlex.quote(value)``, so a shell that runs the argument as a script sees one
  word, whatever spaces, quotes, ``$(...)`` or backquotes the path holds. ``shlex.quote`` leaves
  plain values (letters, digits and ``@%+=:,./-_``) unchanged, so ``--in={image}`` works for
  such paths; write ``--in {image}`` (two arguments) for a program that is not a shell;
* ``{{`` and ``}}`` are literal braces; any other ``{...}`` is an error when the model is made.

Without ``{image}`` the image path is appended as the last argument. Without ``{output}`` the
program's standard output is the map: whitespace- (or comma-) separated numbers, one row per
line. A map of another size than the image is an error naming the image and both sizes unless
``resize=`` names a method (e.g. ``"bilinear"`` for a coarse score grid).

Each run gets its own process group (session); when it runs longer than ``timeout`` seconds
(default :data:`DEFAULT_TIMEOUT`) the whole group — the program and anything it started — gets
SIGTERM, then SIGKILL after a short grace period. Processes the program leaves running in the
background after it exits are stopped the same way.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from ...exceptions import DataError, InputError
from ._base import Adapter, check_resize, make_log_density_variant, name_of, shape_of
from ._io import read_map

PLACEHOLDERS = ("image", "output", "id", "name", "height", "width")
#: Seconds one run of the command may take by default (per image).
DEFAULT_TIMEOUT = 300.0
#: Seconds between SIGTERM and SIGKILL when a command's process group is stopped.
KILL_GRACE = 2.0


def parse_grid(text: str, *, source: str = "output") -> np.ndarray:
    """Parse rows of numbers (whitespace or commas between them) into a 2-D float64 array.

    Examples
    --------
    >>> parse_grid("0 1 2\\n3 4 5\\n")
    array([[0., 1., 2.],
           [3., 4., 5.]])
    """
    rows = []
    width = None
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.replace(",", " ").split()
        if not tokens:
            continue
        try:
            values = [float(t) for t in tokens]
        except ValueError:
            bad = next(t for t in tokens if not _is_number(t))
            raise DataError(f"{source}, line {number}: {bad!r} is not a number") from None
        if width is None:
            width = len(values)
        elif len(values) != width:
            raise DataError(f"{source}, line {number}: {len(values)} numbers, but the first row "
                            f"has {width}; a map needs rows of equal length")
        rows.append(values)
    if not rows:
        raise DataError(f"{source}: no numbers (expected a grid of numbers, one row per line)")
    return np.asarray(rows, dtype=np.float64)


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _tail(text: str, lines: int = 8) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join("    " + line for line in kept) or "    (nothing)"


def substitute(arg: str, values: dict) -> str:
    """Fill the placeholders of one argument (see the module's substitution rules).

    Examples
    --------
    >>> substitute("{image}", {"image": "a b.png"})
    'a b.png'
    >>> substitute("tool {image} > out", {"image": "a b.png"})
    "tool 'a b.png' > out"
    """
    if arg.startswith("{") and arg.endswith("}") and arg[1:-1] in values:
        return str(values[arg[1:-1]])
    return arg.format(**{k: shlex.quote(str(v)) for k, v in values.items()})


def _check_timeout(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise InputError(f"timeout must be a positive number of seconds (or None for no limit), "
                         f"got {timeout!r}")
    return float(timeout)


def _stop_group(process: subprocess.Popen, grace: float = KILL_GRACE) -> None:
    """SIGTERM the process group of ``process`` (its own session), wait up to ``grace`` seconds
    for the group to go, then SIGKILL whatever is left; reap ``process``."""
    if os.name != "posix":  # pragma: no cover - no process groups
        process.kill()
        process.wait()
        return
    group = process.pid  # start_new_session=True: the group id is the leader's pid
    try:
        os.killpg(group, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        process.wait()
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()  # reap the leader so the group test below sees only the others
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            break
        time.sleep(0.02)
    else:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    process.wait()


def _decode(data: bytes, where: str, stream: str) -> str:
    """Standard output as text; bytes that are not UTF-8 are an error naming the image."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{where}: the command's {stream} is not text (byte 0x{data[error.start]:02x} at "
            f"offset {error.start} is not UTF-8); print the map as numbers, one row per line, or "
            "write it to the {output} file"
        ) from None


class CommandModel(Adapter):
    """Run an external command per image and read its output as a map (see the module notes).

    Parameters
    ----------
    command : str or sequence of str
        E.g. ``[sys.executable, "tool.py", "{image}"]`` or ``"mytool --in {image} --out {output}"``.
        Placeholders are substituted as the module notes say (shell-quoted inside a longer
        argument).
    kind : {"saliency", "log_density"}
        ``"log_density"``: the output is a log-density up to a constant; it is normalised.
    resize : {None, "bilinear", "mit", "nearest", "area"}
        ``None`` (the default): an output of another size than the image (a transposed or a
        coarse map) is an error naming the image and both sizes. Otherwise such outputs are
        resized to the image with that method.
    output_suffix : str
        Extension of the ``{output}`` file (decides how it is read): ``.npy``, ``.png``…
    timeout : float or None
        Seconds one run (one image) may take, default :data:`DEFAULT_TIMEOUT` (300 s); ``None``
        for no limit. The command's whole process group is stopped when it runs longer.
    cwd, env : optional
        Working folder and environment (added to the current environment) of the command.
    dataset : Dataset, optional
        Pass the stimulus files themselves as ``{image}`` (same as calling :meth:`check`).
    name : str, optional

    Examples
    --------
    >>> import sys
    >>> tool = [sys.executable, "-c", "print('1 2'); print('3 4')"]
    >>> CommandModel(tool).saliency_map(np.zeros((2, 2), np.uint8)).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """

    def __init__(self, command, *, kind: str = "saliency", resize: str | None = None,
                 output_suffix: str = ".npy", timeout: float | None = DEFAULT_TIMEOUT, cwd=None,
                 env: dict | None = None, dataset=None, name: str | None = None):
        args = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        if not args:
            raise InputError("command is empty")
        for arg in args:
            try:
                arg.format(**{p: "" for p in PLACEHOLDERS})
            except (KeyError, IndexError, ValueError) as error:
                raise InputError(f"command argument {arg!r} has an unknown placeholder or stray "
                                 f"brace ({error}); known: {', '.join('{%s}' % p for p in PLACEHOLDERS)}; "
                                 "write literal braces as {{ }}") from None
        self.args = args
        self.resize = check_resize(resize)
        if not output_suffix.startswith("."):
            raise InputError(f"output_suffix must start with a dot, e.g. '.npy', got {output_suffix!r}")
        self.output_suffix = output_suffix
        self.timeout = _check_timeout(timeout)
        self.cwd = cwd
        self.env = dict(env) if env else None
        self.name = name or " ".join(Path(a).name for a in args[:2])
        self._uses_image = any("{image}" in a for a in args)
        self._uses_output = any("{output}" in a for a in args)
        self._files: dict = {}
        if dataset is not None:
            self.check(dataset)

    def check(self, dataset, *, images=None, **ignored):
        """Remember the dataset's stimulus files (passed as ``{image}``) and check the program exists."""
        program = self.args[0]
        if shutil.which(program) is None and not Path(program).is_file():
            raise DataError(f"{self.name}: program {program!r} not found")
        ids, paths = dataset.stimuli.ids, dataset.stimuli.paths
        chosen = range(len(paths)) if images is None else images
        for i in chosen:
            self._files[ids[int(i)]] = paths[int(i)]
        return None

    def _run(self, args, tmp: Path, where: str):
        """Run ``args`` in a new session; ``(status, stdout bytes, stderr bytes)``.

        Output goes to files, not pipes: a background process the command leaves behind keeps
        a pipe open (so reading it would wait for that process) but not the command's exit.
        """
        env = None if self.env is None else {**os.environ, **self.env}
        stdout_path, stderr_path = tmp / "stdout", tmp / "stderr"
        with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
            try:
                process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=stdout,
                                           stderr=stderr, cwd=self.cwd, env=env,
                                           start_new_session=os.name == "posix")
            except FileNotFoundError:
                raise DataError(f"{self.name}: program {self.args[0]!r} not found") from None
            except PermissionError:
                raise DataError(f"{self.name}: program {self.args[0]!r} is not executable") from None
            try:
                status = process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _stop_group(process)
                raise DataError(
                    f"{where}: the command ran longer than {self.timeout:g} s and was stopped "
                    f"(with every process it started); command: {shlex.join(args)}. Raise the "
                    "limit with timeout= (--timeout SECONDS on the command line)"
                ) from None
            finally:
                if process.returncode is None:  # interrupted (Ctrl-C) while waiting
                    _stop_group(process)
            # Background processes it left behind. Linux keeps a group id allocated while any
            # member lives, so the id cannot have been handed to an unrelated group meanwhile.
            _stop_group(process)
        return status, stdout_path.read_bytes(), stderr_path.read_bytes()

    def _output(self, image, image_id) -> np.ndarray:
        shape = shape_of(image)
        known = self._files.get(image_id) if image_id is not None else None
        if shape is None:
            raise InputError(f"{self.name}: saliency_map needs the image (or its (H, W) shape)")
        where = self._context(image_id)
        with tempfile.TemporaryDirectory(prefix="salbench-command-") as tmp:
            tmp = Path(tmp)
            if known is not None:
                image_path = known
            else:
                if not hasattr(image, "shape"):
                    raise InputError(f"{self.name}: image {image_id!r} is not a stimulus of a "
                                     "checked dataset, so its pixels are needed")
                image_path = tmp / "image.png"
                self._write_png(np.asarray(image), image_path)
            output_path = tmp / f"map{self.output_suffix}"
            values = {"image": str(image_path), "output": str(output_path),
                      "id": "" if image_id is None else str(image_id),
                      "name": name_of(image_id) or "", "height": shape[0], "width": shape[1]}
            args = [substitute(a, values) for a in self.args]
            if not self._uses_image:
                args.append(str(image_path))
            status, stdout, stderr = self._run(args, tmp, where)
            if status != 0:
                stopped = (f"was stopped by signal {-status}" if status < 0
                           else f"exited with status {status}")
                raise DataError(f"{where}: the command {stopped}; its error output ends with:\n"
                                f"{_tail(stderr.decode('utf-8', errors='replace'))}")
            if self._uses_output:
                if not output_path.is_file():
                    raise DataError(f"{where}: the command wrote no {{output}} file "
                                    f"({self.output_suffix})")
                raw = read_map(output_path)
            else:
                text = _decode(stdout, where, "standard output")
                raw = parse_grid(text, source=f"{where}: standard output")
        return self._finish(raw, shape, image_id, self.resize)

    @staticmethod
    def _write_png(pixels, path):
        from PIL import Image

        if pixels.dtype != np.uint8:
            raise InputError("the command model writes images as PNG, which needs uint8 pixels; got "
                             f"{pixels.dtype}")
        Image.fromarray(np.ascontiguousarray(pixels)).save(path, format="PNG", compress_level=1)

    def fingerprint(self) -> dict:
        """The command line and a hash of every existing file it names (the script, its
        weights...), see :func:`salbench.evaluation.fingerprints.command_fingerprint`."""
        from ..._fingerprint import command_fingerprint

        return command_fingerprint(self.args, cwd=self.cwd)

    def _parameters(self) -> dict:
        # No timeout: it does not change a single score, and a run stopped by it must resume
        # under a longer one (the engine resumes only runs of an identical description).
        return {"command": list(self.args), "resize": self.resize,
                "output_suffix": self.output_suffix}


CommandLogDensityModel = make_log_density_variant(
    CommandModel, "CommandLogDensityModel",
    """A command printing a log-density up to a constant: ``CommandModel(cmd, kind="log_density")``.""")
