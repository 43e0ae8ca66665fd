"""NUSEF, public part (Ramanathan et al. 2010): ASL eye-tracker fixation listings per observer.

``NUSEF_database.zip`` unpacks into ``NUSEF_database/`` with

* ``stimuli/<name>.jpg``: the 444 images whose licence allows publication (the others are
  available on request only and are not in the archive);
* ``fix_data/<name>/<...><observer: 2 digits>+<...>.fix``: one ASL text file per observer and
  image (also for the unpublished images, which the loader skips). After a header, a line
  starting ``COLS=`` names the columns; then one line per fixation with 15 whitespace-separated
  fields ``_ seg_no fix_no pln_no start_time fix_dur interfix_dur interfix_deg hor_pos ver_pos
  pupil_diam eye_scn_dist no_of_flags fix_loss interfix_loss`` (``start_time`` as
  ``HH:MM:SS.fff``); a line ``[Fix Segment Summary ...`` ends the list.

Conversion (the eye tracker's frame to image pixels): ``hor_pos``, ``ver_pos`` are in the
tracker's 260 x 280 units of a 1024 x 768 screen, so ``sx = hor_pos * 1024 / 260``,
``sy = ver_pos * 768 / 280``; the image of size W x H was shown scaled by
``s = min(1024 / W, 768 / H)`` and centred, so ``x = (sx - (1024 - s W) / 2) / s`` and
``y = (sy - (768 - s H) / 2) / s`` (continuous, 0-based). ``duration = fix_dur`` (seconds, as the
ASL files state them); onsets relative to the image are unknown (``t = NaN``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import DataError
from .published import Trials, finish, require

ROOT = "NUSEF_database"
SCREEN = (1024.0, 768.0)  # width, height in pixels
TRACKER = (260.0, 280.0)  # the tracker's horizontal and vertical range
_OBSERVER = re.compile(r"(\d\d)\+[^/\\]*\.fix$", re.IGNORECASE)


def read_fix(path):
    """``(hor_pos, ver_pos, fix_dur)`` arrays of one ASL ``.fix`` listing, in recorded order."""
    path = Path(path)
    try:
        text = path.read_text(encoding="latin-1").replace("\r\n", "\n").replace("\r", "\n")
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror or error})") from None
    if "COLS=" not in text:
        raise DataError(f"{path}: no 'COLS=' line: not an ASL fixation listing")
    body = text.split("COLS=", 1)[1].split("\n", 1)
    body = body[1] if len(body) > 1 else ""
    body = body.split("[Fix Segment Summary", 1)[0]
    rows = []
    for number, line in enumerate(body.split("\n")):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 15:
            raise DataError(f"{path}: fixation line {number + 1} has {len(fields)} fields, expected "
                            f"15: {line.strip()!r}")
        try:
            rows.append((float(fields[8]), float(fields[9]), float(fields[5])))
        except ValueError:
            raise DataError(f"{path}: fixation line {number + 1} is not numeric where expected: "
                            f"{line.strip()!r}") from None
    array = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    return array[:, 0], array[:, 1], array[:, 2]


def to_image(hor, ver, height: int, width: int):
    """Tracker units to continuous 0-based pixels of a W x H image shown fitted and centred.

    Examples
    --------
    A 512 x 384 image fills the 1024 x 768 screen at scale 2; the tracker's centre is its centre:

    >>> x, y = to_image([130.0], [140.0], 384, 512)
    >>> float(x[0]), float(y[0])
    (256.0, 192.0)
    """
    sx = np.asarray(hor, np.float64) * (SCREEN[0] / TRACKER[0])
    sy = np.asarray(ver, np.float64) * (SCREEN[1] / TRACKER[1])
    scale = min(SCREEN[0] / width, SCREEN[1] / height)
    return (sx - (SCREEN[0] - scale * width) / 2) / scale, (sy - (SCREEN[1] - scale * height) / 2) / scale


def load(spec, folder, out_of_image):
    """The registered ``nusef`` dataset (the public images) from ``folder``."""
    from ..stimuli import Stimuli

    folder = Path(folder)
    images = require(folder, f"{ROOT}/stimuli", spec, what="folder")
    fixations = require(folder, f"{ROOT}/fix_data", spec, what="folder")
    paths = sorted(images.glob("*.jpg"))
    if not paths:
        raise DataError(f"dataset {spec.name!r}: {images} holds no .jpg image")
    stimuli = Stimuli(paths)
    trials = Trials()
    without_fixations = 0
    for n, image in enumerate(paths):
        listings = sorted((fixations / image.stem).glob("*.fix"))
        if not listings:
            without_fixations += 1
            continue
        height, width = stimuli.shape(n)
        for listing in listings:
            match = _OBSERVER.search(listing.name)
            if match is None:
                raise DataError(f"{listing}: the file name does not end in '<2-digit observer>+"
                                "...fix', so the observer is unknown")
            hor, ver, duration = read_fix(listing)
            x, y = to_image(hor, ver, height, width)
            trials.add(n, x, y, subject=int(match.group(1)), duration=duration)
    unpublished = sum(1 for d in fixations.iterdir() if d.is_dir() and not (images / f"{d.name}.jpg").is_file())
    notes = (f"{unpublished} fix_data folder(s) belong to images that are not public; skipped",)
    if without_fixations:
        notes += (f"{without_fixations} public image(s) have no fixation listing",)
    return finish(spec, stimuli, trials, out_of_image, notes=notes)
