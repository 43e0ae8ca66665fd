"""An external program run once per image, its output parsed as a map.

The command is a list of arguments (or a string split like a shell would, without running a
shell). Placeholders are replaced per image:

``{image}``   path of the image file (the stimulus file itself when the model knows it — after
              :meth:`CommandModel.check` or with ``dataset=`` — else a temporary lossless PNG);
``{output}``  path of a file the program must write its map to (read with
              :func:`~salbench.models.adapters.read_map`; its extension is ``output_suffix``);
``{id}``, ``{name}``, ``{height}``, ``{width}``  the image id, file name and size.

Without ``{image}`` the image path is appended as the last argument. Without ``{output}`` the
program's standard output is the map: whitespace- (or comma-) separated numbers, one row per
line, e.g. a coarse score grid; it is resized to the image with ``resize``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ...exceptions import DataError, InputError
from ._base import Adapter, check_resize, make_log_density_variant, name_of, shape_of
from ._io import read_map

PLACEHOLDERS = ("image", "output", "id", "name", "height", "width")


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


class CommandModel(Adapter):
    """Run an external command per image and read its output as a map (see the module notes).

    Parameters
    ----------
    command : str or sequence of str
        E.g. ``[sys.executable, "tool.py", "{image}"]`` or ``"mytool --in {image} --out {output}"``.
    kind : {"saliency", "log_density"}
        ``"log_density"``: the output is a log-density up to a constant; it is normalised.
    resize : {"bilinear", "mit", "nearest", "area", None}
        How outputs of another size than the image are resized (None: that is an error).
    output_suffix : str
        Extension of the ``{output}`` file (decides how it is read): ``.npy``, ``.png``…
    timeout : float, optional
        Seconds one run may take.
    cwd, env : optional
        Working folder and environment (added to the current environment) of the command.
    dataset : Dataset, optional
        Pass the stimulus files themselves as ``{image}`` (same as calling :meth:`check`).
    name : str, optional

    Examples
    --------
    >>> import sys
    >>> tool = [sys.executable, "-c", "print('1 2'); print('3 4')"]
    >>> CommandModel(tool, resize=None).saliency_map(np.zeros((2, 2), np.uint8)).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """

    def __init__(self, command, *, kind: str = "saliency", resize: str | None = "bilinear",
                 output_suffix: str = ".npy", timeout: float | None = None, cwd=None,
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
        self.timeout = timeout
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

    def _output(self, image, image_id) -> np.ndarray:
        shape = shape_of(image)
        known = self._files.get(image_id) if image_id is not None else None
        if shape is None:
            raise InputError(f"{self.name}: saliency_map needs the image (or its (H, W) shape)")
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
            args = [a.format(**values) for a in self.args]
            if not self._uses_image:
                args.append(str(image_path))
            env = None if self.env is None else {**os.environ, **self.env}
            try:
                done = subprocess.run(args, capture_output=True, text=True, timeout=self.timeout,
                                      cwd=self.cwd, env=env, check=False)
            except FileNotFoundError:
                raise DataError(f"{self.name}: program {self.args[0]!r} not found") from None
            except subprocess.TimeoutExpired:
                raise DataError(f"{self.name}: image {image_id!r}: the command ran longer than "
                                f"{self.timeout} s and was stopped") from None
            where = f"{self.name}, image {image_id!r}"
            if done.returncode != 0:
                raise DataError(f"{where}: the command exited with status {done.returncode}; its "
                                f"error output ends with:\n{_tail(done.stderr)}")
            if self._uses_output:
                if not output_path.is_file():
                    raise DataError(f"{where}: the command wrote no {{output}} file "
                                    f"({self.output_suffix})")
                raw = read_map(output_path)
            else:
                raw = parse_grid(done.stdout, source=f"{where}: standard output")
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
        return {"command": list(self.args), "resize": self.resize,
                "output_suffix": self.output_suffix, "timeout": self.timeout}


CommandLogDensityModel = make_log_density_variant(
    CommandModel, "CommandLogDensityModel",
    """A command printing a log-density up to a constant: ``CommandModel(cmd, kind="log_density")``.""")
