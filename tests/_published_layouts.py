"""Small files in the exact layouts the publishers of fixation datasets use (test fixtures).

Each writer produces what the publisher's archive unpacks into, under ``<root>/<dataset>/``, with
the variable names, shapes, orders and coordinate bases of the real files (documented per writer
and on the dataset cards). The contents are small and invented; the layout is not. Images are one
real JPEG per size, linked under every file name the layout needs (the loaders read only their
headers), so a fixture with 800 images costs one JPEG.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from _datasets_support import write_jpeg


def link_images(folder: Path, relatives, height: int, width: int) -> None:
    """Make ``folder / r`` (for every r) a link to one real ``height x width`` JPEG."""
    folder = Path(folder)
    blank = folder / ".blank" / f"{height}x{width}.jpg"
    if not blank.exists():
        write_jpeg(blank, height, width, seed=height * 7 + width)
    for relative in relatives:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.symlink(blank, path)


def _savemat(path: Path, variables: dict, **kwargs) -> Path:
    import scipy.io

    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, variables, do_compression=True, **kwargs)
    return path


def _struct_array(records, fields, shape=None):
    array = np.empty(shape or (1, len(records)), dtype=[(f, object) for f in fields])
    for k, record in enumerate(records):
        index = np.unravel_index(k, array.shape)
        for f in fields:
            array[f][index] = record[f]
    return array


# ------------------------------------------------------------------ Toronto
def write_toronto(root: Path, fixated: dict, *, n_images: int = 120, shape=(511, 681)) -> Path:
    """``eyetrackingdata/fixdens/origfixdata.mat`` (variable ``white``: 1 x 120 cell of H x W
    uint8 maps, 1 at fixated pixels) and ``Original Image Set/<n>.jpg``. ``fixated`` maps a
    0-based image index to a list of (row, col) pixels."""
    folder = Path(root) / "toronto" / "eyetrackingdata" / "fixdens"
    cells = np.empty((1, n_images), dtype=object)
    for n in range(n_images):
        image = np.zeros(shape, dtype=np.uint8)
        for row, col in fixated.get(n, ()):
            image[row, col] = 1
        cells[0, n] = image
    _savemat(folder / "origfixdata.mat", {"white": cells})
    link_images(folder / "Original Image Set", [f"{n + 1}.jpg" for n in range(n_images)], *shape)
    return Path(root) / "toronto"


# ------------------------------------------------------------------ Koehler
def write_koehler(root: Path, data: dict, *, n_images: int = 800) -> Path:
    """``ObserverData.mat`` with ``<prefix>_x`` / ``<prefix>_y`` arrays (observers x images x
    fixations, 1-based, NaN-padded) for the given prefixes, and ``Images/image_r_<n>.jpg``
    (405 x 405). ``data`` maps a prefix (``freeview``...) to an ``(x, y)`` pair of arrays."""
    folder = Path(root) / "koehler"
    variables = {}
    for prefix, (x, y) in data.items():
        variables[f"{prefix}_x"] = np.asarray(x, dtype=np.float64)
        variables[f"{prefix}_y"] = np.asarray(y, dtype=np.float64)
    _savemat(folder / "ObserverData.mat", variables)
    link_images(folder / "Images", [f"image_r_{n + 1}.jpg" for n in range(n_images)], 405, 405)
    return folder


# ------------------------------------------------------------------ FIGRIM
def write_figrim(root: Path, name: str, images, *, set_folder: str = "Targets",
                 mat: str = "allImages_release.mat", slots: int = 68) -> Path:
    """``allImages_*.mat``: 1 x N struct ``allImages`` (filename, category, impath, userdata),
    ``userdata`` 1 x 68 structs (trial, RECORDING_SESSION_LABEL, sinit, SDT, fixations) with
    ``fixations`` a struct of ``enc``, ``rec``, ``rec2`` (k x 2 [x, y], 1-based) or ``[]`` for a
    participant who did not see the image; images ``<set_folder>/<category>/<filename>``
    (1000 x 1000). ``images`` is a list of ``(filename, category, {slot: {viewing: points}})``."""
    folder = Path(root) / name
    records = []
    for filename, category, users in images:
        userdata = np.empty((1, slots), dtype=[(f, object) for f in
                                               ("trial", "RECORDING_SESSION_LABEL", "sinit", "SDT", "fixations")])
        for j in range(slots):
            if j in users:
                fixations = np.empty((1, 1), dtype=[(v, object) for v in ("enc", "rec", "rec2")])
                for v in ("enc", "rec", "rec2"):
                    fixations[v][0, 0] = np.asarray(users[j].get(v, np.zeros((0, 0))), dtype=np.float64)
                values = {"trial": np.array([[1064.0]]), "RECORDING_SESSION_LABEL": f"s{j}_1_2",
                          "sinit": f"s{j}", "SDT": np.array([[4, -1, -1]]), "fixations": fixations}
            else:
                values = {f: np.zeros((0, 0)) for f in
                          ("trial", "RECORDING_SESSION_LABEL", "sinit", "SDT", "fixations")}
            for f, value in values.items():
                userdata[f][0, j] = value
        records.append({"filename": filename, "category": category,
                        "impath": f"{set_folder}/{category}/{filename}", "userdata": userdata})
    _savemat(folder / mat, {"allImages": _struct_array(records, ("filename", "category", "impath", "userdata"))})
    link_images(folder, [r["impath"] for r in records], 1000, 1000)
    return folder


# ------------------------------------------------------------------ NUSEF
FIX_HEADER = """[File Info]
Filename=C:\\NUSEF\\{name}
Eye Tracker=ASL 504
[Fixation Listing]
COLS=Marker Seg_No Fix_No Pln_No Start_Time Fix_Dur Interfix_Dur Interfix_Deg Hor_Pos Ver_Pos Pupil_Diam Eye_Scn_Dist No_of_Flags Fix_Loss Interfix_Loss
"""
FIX_FOOTER = """
[Fix Segment Summary]
Total_Fixations={count}
"""


def write_nusef(root: Path, images: dict, listings: dict, *, unpublished=()) -> Path:
    """``NUSEF_database/stimuli/<name>.jpg`` and ``NUSEF_database/fix_data/<name>/<file>.fix``:
    ASL listings with a header, a ``COLS=`` line, 15 whitespace-separated fields per fixation and
    a ``[Fix Segment Summary]`` trailer (CRLF line ends, as written on Windows). ``images`` maps a
    stem to (H, W); ``listings`` maps (stem, file name) to rows (hor_pos, ver_pos, fix_dur)."""
    folder = Path(root) / "nusef" / "NUSEF_database"
    for stem, (height, width) in images.items():
        link_images(folder / "stimuli", [f"{stem}.jpg"], height, width)
    for stem in unpublished:
        (folder / "fix_data" / stem).mkdir(parents=True, exist_ok=True)
        (folder / "fix_data" / stem / "ab01+x.fix").write_text(FIX_HEADER.format(name=stem))
    for (stem, filename), rows in listings.items():
        lines = []
        for k, (hor, ver, duration) in enumerate(rows):
            lines.append(f"F {1} {k + 1} 0 10:20:{30 + k:02d}.{100 + k:03d} {duration:.3f} 0.050 "
                         f"1.2 {hor:.2f} {ver:.2f} 4.1 25.0 0 0 0")
        text = FIX_HEADER.format(name=stem) + "\n".join(lines) + FIX_FOOTER.format(count=len(rows))
        path = folder / "fix_data" / stem / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.replace("\n", "\r\n").encode("latin-1"))
    return Path(root) / "nusef"


# ------------------------------------------------------------------ PASCAL-S
def write_pascal_s(root: Path, matrices: dict, *, n_images: int = 850, shape=(375, 500)) -> Path:
    """``datasets/fixations/pascalFix.mat`` as MATLAB v7.3 writes it: an HDF5 file (after a
    512-byte MATLAB header block) whose dataset ``fixCell`` holds object references into
    ``#refs#``; each referenced dataset is a k x 3 [row, col, observer] matrix (1-based) stored
    transposed (3 x k, MATLAB's column-major order), an empty cell a ``MATLAB_empty`` marker.
    ``matrices`` maps a 0-based image index to its k x 3 matrix; ``datasets/imgs/pascal/<n>.jpg``."""
    import h5py

    folder = Path(root) / "pascal_s" / "datasets"
    path = folder / "fixations" / "pascalFix.mat"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2014 HDF5 schema 1.00 ."
    with h5py.File(path, "w", userblock_size=512) as handle:
        refs = handle.create_group("#refs#")
        references = np.empty((n_images, 1), dtype=h5py.ref_dtype)
        for n in range(n_images):
            matrix = matrices.get(n)
            if matrix is None or len(matrix) == 0:
                node = refs.create_dataset(f"e{n}", data=np.array([0, 0], dtype=np.uint64))
                node.attrs["MATLAB_class"] = np.bytes_("double")
                node.attrs["MATLAB_empty"] = np.uint8(1)
            else:
                node = refs.create_dataset(f"e{n}", data=np.asarray(matrix, np.float64).T)
                node.attrs["MATLAB_class"] = np.bytes_("double")
            references[n, 0] = node.ref
        cells = handle.create_dataset("fixCell", data=references)
        cells.attrs["MATLAB_class"] = np.bytes_("cell")
    with open(path, "r+b") as handle:
        handle.write(header.ljust(128, b" "))
    link_images(folder / "imgs" / "pascal", [f"{n + 1}.jpg" for n in range(n_images)], *shape)
    return Path(root) / "pascal_s"


# ------------------------------------------------------------------ DUT-OMRON
def write_dut_omron(root: Path, images: dict, *, size_order: str = "wh") -> Path:
    """``DUT-OMRON-image/<name>.jpg`` and ``DUT-OMRON-eye-fixations/mat/<name>.mat`` with ``s``:
    n x 3 [x, y, observer], first row the image size with observer 0. ``images`` maps a stem to
    ``(H, W, rows)`` with rows (x, y, observer) of the observers' points."""
    folder = Path(root) / "dut_omron"
    for stem, (height, width, rows) in images.items():
        size = [width, height] if size_order == "wh" else [height, width]
        s = np.asarray([size + [0]] + [list(r) for r in rows], dtype=np.float64)
        _savemat(folder / "DUT-OMRON-eye-fixations" / "mat" / f"{stem}.mat", {"s": s})
        link_images(folder / "DUT-OMRON-image", [f"{stem}.jpg"], height, width)
    return folder


# ------------------------------------------------------------------ iSUN
def write_isun(root: Path, split_file: str, images: dict, *, shape=(400, 600), with_gaze=True) -> Path:
    """``<training|validation|testing>.mat`` with an N x 1 struct array named like the file:
    ``image`` (name without extension) and ``gaze`` (1 x S struct, field ``fixation`` = k x 2
    [x, y]); ``images/<name>.jpg``. ``images`` maps a name to a list of per-worker k x 2 arrays."""
    folder = Path(root) / "isun"
    fields = ("image", "gaze") if with_gaze else ("image",)
    records = []
    for name, workers in images.items():
        record = {"image": name}
        if with_gaze:
            gaze = np.empty((1, len(workers)), dtype=[("fixation", object), ("location", object)])
            for j, points in enumerate(workers):
                gaze["fixation"][0, j] = np.asarray(points, dtype=np.float64).reshape(-1, 2)
                gaze["location"][0, j] = np.asarray(points, dtype=np.float64).reshape(-1, 2)
            record["gaze"] = gaze
        records.append(record)
    array = _struct_array(records, fields, shape=(len(records), 1))
    _savemat(folder / f"{split_file}.mat", {split_file: array})
    link_images(folder / "images", [f"{name}.jpg" for name in images], *shape)
    return folder


# ------------------------------------------------------------------ SALICON
def write_salicon_mat(root: Path, release: str, split: str, images: dict) -> Path:
    """``<release>/<split>/COCO_<split>2014_<id>.mat`` as the LSUN challenge files: ``image``
    (the stem), ``resolution`` [480 640] and ``gaze``, an N x 1 struct array (one per observer)
    with ``location`` (k x 2 [x, y], 1-based), ``timestamp`` (k x 1 ms) and ``fixations``
    (m x 2 [x, y], 1-based); images ``images/<split>/<stem>.jpg`` (640 x 480). ``images`` maps a
    stem to a list of ``(location, timestamp, fixations)`` per observer."""
    folder = Path(root) / "salicon"
    for stem, observers in images.items():
        gaze = np.empty((len(observers), 1),
                        dtype=[("location", object), ("timestamp", object), ("fixations", object)])
        for j, (location, timestamp, fixations) in enumerate(observers):
            gaze["location"][j, 0] = np.asarray(location, np.float64).reshape(-1, 2)
            gaze["timestamp"][j, 0] = np.asarray(timestamp, np.float64).reshape(-1, 1)
            gaze["fixations"][j, 0] = np.asarray(fixations, np.float64).reshape(-1, 2)
        _savemat(folder / release / split / f"{stem}.mat",
                 {"image": stem, "resolution": np.array([[480, 640]]), "gaze": gaze})
        link_images(folder / "images" / split, [f"{stem}.jpg"], 480, 640)
    return folder


# ------------------------------------------------------------------ COCO-Search18 / FreeView
def coco_trial(name, subject, task, condition, xs, ys, durations, split="train", bbox=None):
    """One trial record with the fields of the COCO-Search18 JSON files."""
    record = {"name": name, "subject": subject, "task": task, "condition": condition,
              "X": list(map(float, xs)), "Y": list(map(float, ys)), "T": list(map(int, durations)),
              "length": len(xs), "correct": 1, "RT": 1234, "split": split, "fixOnTarget": False}
    if bbox is not None:
        record["bbox"] = list(bbox)
    return record


def write_coco_search18(root: Path, tp_train=(), tp_val=(), ta=(), *, folder_name="coco_search18") -> Path:
    """The three fixation JSON files (lists of trial records) at the folder's top level and the
    images ``images/<task>/<name>.jpg`` (target present) and
    ``coco_search18_images_TA/<task>/<name>.jpg`` (target absent), 1680 x 1050."""
    folder = Path(root) / folder_name
    folder.mkdir(parents=True, exist_ok=True)
    for filename, records in (("coco_search18_fixations_TP_train_split1.json", tp_train),
                              ("coco_search18_fixations_TP_validation_split1.json", tp_val),
                              ("coco_search18_fixations_TA_trainval.json", ta)):
        (folder / filename).write_text(json.dumps(list(records)))
    relatives = set()
    for r in list(tp_train) + list(tp_val):
        relatives.add(f"images/{r['task']}/{r['name']}")
    for r in ta:
        relatives.add(f"coco_search18_images_TA/{r['task']}/{r['name']}")
    link_images(folder, sorted(relatives), 1050, 1680)
    for top in ("images", "coco_search18_images_TA"):  # both archives unpack, even for no trial
        (folder / top).mkdir(exist_ok=True)
    return folder


def write_coco_freeview(root: Path, records) -> Path:
    """``COCOFreeView_fixations_trainval.json``: a list of trials {name, subject, X, Y, T, length,
    split}."""
    folder = Path(root) / "coco_freeview"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "COCOFreeView_fixations_trainval.json").write_text(json.dumps(list(records)))
    return folder
