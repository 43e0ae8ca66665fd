"""Adapters: map files, map folders (check reports), pysaliency HDF5, callables, commands, from_spec."""

import pickle
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image
from scipy.special import logsumexp

from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli
from salbench.exceptions import DataError, InputError
from salbench.metrics import resize_map
from salbench.models import ProbabilisticModel, SaliencyMapModel
from salbench.models.adapters import (CallableModel, CommandModel, HDF5SaliencyMapModel,
                                      MapDirectoryModel, map_shape, parse_grid, read_map)
from salbench.models.spec import from_spec

from _datasets_support import write_jpeg

SHAPES = [(30, 40), (24, 32), (30, 40), (20, 50), (30, 40)]


def make_dataset(folder, shapes=SHAPES, name="tiny"):
    rng = np.random.default_rng(0)
    paths, xs, ys, ns, subjects = [], [], [], [], []
    for i, (h, w) in enumerate(shapes):
        paths.append(write_jpeg(folder / f"{100 + i}.jpg", h, w, seed=i))
        for s in range(3):
            xs.append(rng.uniform(0, w, 5)), ys.append(rng.uniform(0, h, 5))
            ns.append(np.full(5, i)), subjects.append(np.full(5, s))
    fixations = Fixations(np.concatenate(xs), np.concatenate(ys), np.concatenate(ns),
                          subject=np.concatenate(subjects), n_images=len(shapes))
    return Dataset(Stimuli(paths), fixations, DatasetFacts(name=name))


@pytest.fixture()
def dataset(tmp_path):
    return make_dataset(tmp_path / "stimuli")


def smooth_map(shape, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    cy, cx = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
    return np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * (shape[0] / 4) ** 2))


def to_uint8(a):
    return np.round(255 * (a - a.min()) / (a.max() - a.min())).astype(np.uint8)


# ---------------------------------------------------------------------------------- map files
def test_read_map_formats_round_trip(tmp_path):
    import h5py
    import scipy.io

    a = smooth_map((12, 17), 0)
    u8 = to_uint8(a)
    u16 = np.round(a * 65535).astype(np.uint16)
    Image.fromarray(u8).save(tmp_path / "m8.png")
    Image.fromarray(u16).save(tmp_path / "m16.png")
    Image.fromarray(np.stack([u8] * 3, axis=2)).save(tmp_path / "grey_as_rgb.png")
    Image.fromarray(a.astype(np.float32)).save(tmp_path / "f.tiff")
    Image.fromarray(u8).save(tmp_path / "m.bmp")
    Image.fromarray(u8).save(tmp_path / "m.jpg", quality=95)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "col.npy", a[None])             # (1, H, W) is accepted
    np.savez(tmp_path / "a.npz", saliency=a)
    np.savez(tmp_path / "two.npz", saliency=a, other=a)
    scipy.io.savemat(tmp_path / "a.mat", {"map": a})
    # MATLAB v7.3 is HDF5 with a 512-byte header; MATLAB stores arrays transposed.
    with h5py.File(tmp_path / "v73.mat", "w", userblock_size=512) as f:
        f.create_dataset("map", data=a.T)
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    with open(tmp_path / "v73.mat", "r+b") as f:
        f.write(header.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM")

    assert np.array_equal(read_map(tmp_path / "m8.png"), u8)
    assert np.array_equal(read_map(tmp_path / "m16.png"), u16)
    assert np.array_equal(read_map(tmp_path / "grey_as_rgb.png"), u8)
    assert np.allclose(read_map(tmp_path / "f.tiff"), a.astype(np.float32))
    assert np.array_equal(read_map(tmp_path / "m.bmp"), u8)
    assert np.abs(read_map(tmp_path / "m.jpg") - u8).max() <= 8   # lossy
    for name in ["a.npy", "col.npy", "a.npz", "a.mat", "v73.mat"]:
        out = read_map(tmp_path / name)
        assert out.dtype == np.float64 and out.shape == (12, 17), name
        assert np.array_equal(out, a), name
        assert map_shape(tmp_path / name) == (12, 17), name
    assert np.array_equal(read_map(tmp_path / "two.npz", key="other"), a)
    with pytest.raises(DataError, match=r"two\.npz: holds 2 arrays"):
        read_map(tmp_path / "two.npz")
    assert map_shape(tmp_path / "m8.png") == (12, 17)


def test_read_map_rejects_colour_heatmaps_and_garbage(tmp_path):
    rgb = np.zeros((5, 6, 3), np.uint8)
    rgb[..., 0] = 200  # red: a colour-mapped heat map
    Image.fromarray(rgb).save(tmp_path / "jet.png")
    with pytest.raises(DataError, match=r"jet\.png: colour image"):
        read_map(tmp_path / "jet.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(DataError, match=r"broken\.png: not a readable image"):
        read_map(tmp_path / "broken.png")
    np.save(tmp_path / "cube.npy", np.zeros((2, 3, 4)))
    with pytest.raises(DataError, match=r"cube\.npy: array has shape \(2, 3, 4\)"):
        read_map(tmp_path / "cube.npy")
    with pytest.raises(DataError, match="file is missing"):
        read_map(tmp_path / "absent.npy")
    with pytest.raises(DataError, match="unknown map format"):
        read_map(tmp_path / "map.txt")


# ---------------------------------------------------------------------------------- folders
def write_maps(folder, dataset, fmt="png"):
    folder.mkdir(parents=True, exist_ok=True)
    maps = {}
    for i, stem in enumerate(dataset.stimuli.stems):
        a = to_uint8(smooth_map(dataset.stimuli.shape(i), i))
        if fmt == "png":
            Image.fromarray(a).save(folder / f"{stem}.png")
        else:
            np.save(folder / f"{stem}.npy", a.astype(np.float64))
        maps[dataset.stimuli.ids[i]] = a.astype(np.float64)
    return maps


def test_map_folder_reads_maps_by_stem(tmp_path, dataset):
    maps = write_maps(tmp_path / "maps", dataset)
    (tmp_path / "maps" / "README.txt").write_text("not a map")
    model = MapDirectoryModel(tmp_path / "maps")
    assert isinstance(model, SaliencyMapModel) and not isinstance(model, ProbabilisticModel)
    assert model.needs_pixels is False and model.ignored == ("README.txt",)
    report = model.check(dataset)
    assert report.n_images == len(dataset) and report.decoded
    for i, image_id in enumerate(dataset.stimuli.ids):
        got = model.saliency_map(dataset.stimuli.shape(i), image_id=image_id)
        assert np.array_equal(got, maps[image_id])
    # a file name or stem works before check() too
    fresh = MapDirectoryModel(tmp_path / "maps")
    assert np.array_equal(fresh.saliency_map(None, image_id="101.jpg"), maps[dataset.stimuli.ids[1]])
    # pickling (process pools, dask) keeps the matches
    clone = pickle.loads(pickle.dumps(model))
    assert np.array_equal(clone.saliency_map(None, image_id=dataset.stimuli.ids[0]),
                          maps[dataset.stimuli.ids[0]])
    with pytest.raises(InputError, match="needs image_id"):
        model.saliency_map((30, 40))


def test_map_folder_check_reports_every_problem_at_once(tmp_path, dataset):
    folder = tmp_path / "maps"
    write_maps(folder, dataset, fmt="npy")
    (folder / "100.npy").unlink()                                   # missing
    (folder / "101.npy").write_bytes(b"garbage")                    # unreadable
    np.save(folder / "102.npy", np.zeros((10, 10)))                 # wrong size
    bad = np.ones(SHAPES[3])
    bad[2, 3] = np.nan
    np.save(folder / "103.npy", bad)                                # non-finite
    Image.fromarray(np.zeros(SHAPES[4], np.uint8)).save(folder / "104.png")  # ambiguous with .npy
    np.save(folder / "999.npy", np.zeros((3, 3)))                   # extra
    model = MapDirectoryModel(folder)
    with pytest.raises(DataError) as info:
        model.check(dataset)
    message = str(info.value)
    for expected in ["missing (1)", "100.jpg", "unreadable (1)", "101.npy", "wrong size (1)",
                     "102.npy is 10x10 (WxH) but image 102.jpg is 40x30", "non-finite values (1)",
                     "103.npy: 1 NaN/inf", "ambiguous", "104.npy", "104.png", "extra", "999.npy",
                     "6 problem(s)"]:
        assert expected in message, expected
    # header-only check: fast, but a corrupt pixel stream or NaN is found only when scoring
    with pytest.raises(DataError) as info:
        model.check(dataset, decode=False)
    assert "103.npy" not in str(info.value) and "102.npy" in str(info.value)


def test_map_folder_check_on_a_subset_and_extra_policies(tmp_path, dataset):
    folder = tmp_path / "maps"
    write_maps(folder, dataset, fmt="npy")
    (folder / "104.npy").unlink()
    model = MapDirectoryModel(folder)
    # scoring images 0..3 only: image 4's missing map is no problem, nor are maps of images 0..3
    assert model.check(dataset, images=[0, 1, 2, 3]).n_images == 4
    np.save(folder / "extra.npy", np.zeros((2, 2)))
    model = MapDirectoryModel(folder)
    with pytest.raises(DataError, match="extra"):
        model.check(dataset, images=[0, 1])
    with pytest.warns(UserWarning, match="extra.npy"):
        report = model.check(dataset, images=[0, 1], extra="warn")
    assert report.extra == ("extra.npy",)
    assert model.check(dataset, images=[0, 1], extra="ignore").extra == ("extra.npy",)


def test_map_folder_resize_and_log_densities(tmp_path, dataset):
    folder = tmp_path / "small"
    folder.mkdir()
    for i, stem in enumerate(dataset.stimuli.stems):
        np.save(folder / f"{stem}.npy", smooth_map((10, 10), i))
    with pytest.raises(DataError, match="wrong size"):
        MapDirectoryModel(folder).check(dataset)
    model = MapDirectoryModel(folder, resize="bilinear")
    model.check(dataset)
    image_id = dataset.stimuli.ids[0]
    expected = resize_map(smooth_map((10, 10), 0), SHAPES[0], method="bilinear")
    np.testing.assert_allclose(model.saliency_map(SHAPES[0], image_id=image_id), expected)
    with pytest.raises(InputError, match="10x10 .* image is 40x30"):
        MapDirectoryModel(folder).saliency_map(SHAPES[0], image_id=image_id)

    logs = tmp_path / "logs"
    logs.mkdir()
    for i, stem in enumerate(dataset.stimuli.stems):
        a = np.log(smooth_map(dataset.stimuli.shape(i), i) + 1e-3)
        np.save(logs / f"{stem}.npy", a - logsumexp(a) + (0.5 if i == 2 else 0.0))
    model = MapDirectoryModel(logs, kind="log_density")
    assert isinstance(model, ProbabilisticModel) and isinstance(model, MapDirectoryModel)
    with pytest.raises(DataError, match=r"not a normalised log-density \(1\):\n    102\.npy: logsumexp = 0\.5"):
        model.check(dataset)
    ld = model.log_density(SHAPES[0], image_id=image_id)
    assert logsumexp(ld) == pytest.approx(0, abs=1e-9)
    np.testing.assert_allclose(model.saliency_map(SHAPES[0], image_id=image_id), np.exp(ld))
    with pytest.raises(InputError, match="not a normalised log-density"):
        model.log_density(SHAPES[2], image_id=dataset.stimuli.ids[2])
    assert model.describe()["kind"] == "probabilistic"
    # stored log-densities of another size: checked as stored, then resized and renormalised
    small = tmp_path / "small_logs"
    small.mkdir()
    a = np.log(smooth_map((10, 10), 0) + 1e-3)
    np.save(small / "100.npy", a - logsumexp(a))
    resized = MapDirectoryModel(small, kind="log_density", resize="bilinear")
    ld = resized.log_density(SHAPES[0], image_id=image_id)
    assert ld.shape == SHAPES[0] and logsumexp(ld) == pytest.approx(0, abs=1e-9)
    expected = resize_map(a - logsumexp(a), SHAPES[0], method="bilinear")
    np.testing.assert_allclose(ld, expected - logsumexp(expected))


def test_map_folder_recursive_tells_same_stems_apart_by_folder(tmp_path):
    stimuli = tmp_path / "stimuli"
    paths = [write_jpeg(stimuli / "Action" / "001.jpg", 8, 9, seed=1),
             write_jpeg(stimuli / "Art" / "001.jpg", 8, 9, seed=2)]
    ds = Dataset(Stimuli(paths), Fixations([1.0, 2.0], [1.0, 2.0], [0, 1]), DatasetFacts(name="cat"))
    maps = tmp_path / "maps"
    for k, category in enumerate(["Action", "Art"]):
        (maps / category).mkdir(parents=True)
        np.save(maps / category / "001.npy", np.full((8, 9), float(k)))
    with pytest.raises(DataError, match="missing"):
        MapDirectoryModel(maps).check(ds)
    model = MapDirectoryModel(maps, recursive=True)
    model.check(ds)
    assert model.saliency_map((8, 9), image_id=ds.stimuli.ids[1])[0, 0] == 1.0
    assert model.saliency_map((8, 9), image_id=ds.stimuli.ids[0])[0, 0] == 0.0


def test_map_folder_errors(tmp_path):
    with pytest.raises(DataError, match="not a folder"):
        MapDirectoryModel(tmp_path / "nope")
    with pytest.raises(InputError, match="resize must be one of"):
        MapDirectoryModel(tmp_path, resize="cubic")
    with pytest.raises(DataError, match="no map for image 'x.jpg'"):
        MapDirectoryModel(tmp_path).saliency_map(None, image_id="x.jpg")


# ---------------------------------------------------------------------------------- HDF5
def write_hdf5(path, dataset, *, log=False, groups=False):
    import h5py

    expected = {}
    with h5py.File(path, "w") as f:
        for i, name in enumerate(dataset.stimuli.names):
            a = smooth_map(dataset.stimuli.shape(i), i)
            if log:
                a = np.log(a + 1e-3)
                a -= logsumexp(a)
            key = f"stimuli/{name}" if groups else name
            f.create_dataset(key, data=a, compression=9)
            expected[dataset.stimuli.ids[i]] = a
    return expected


@pytest.mark.parametrize("groups", [False, True])
def test_hdf5_predictions_in_pysaliency_layout(tmp_path, dataset, groups):
    path = tmp_path / "preds.hdf5"
    expected = write_hdf5(path, dataset, groups=groups)
    model = HDF5SaliencyMapModel(path)
    assert model.needs_pixels is False
    model.check(dataset)
    for i, image_id in enumerate(dataset.stimuli.ids):
        np.testing.assert_array_equal(model.saliency_map(dataset.stimuli.shape(i), image_id=image_id),
                                      expected[image_id])
    clone = pickle.loads(pickle.dumps(model))
    image_id = dataset.stimuli.ids[3]
    np.testing.assert_array_equal(clone.saliency_map(SHAPES[3], image_id=image_id), expected[image_id])
    model.close()


def test_hdf5_log_densities_and_check_report(tmp_path, dataset):
    import h5py

    path = tmp_path / "logs.h5"
    expected = write_hdf5(path, dataset, log=True)
    model = HDF5SaliencyMapModel(path, kind="log_density")
    assert isinstance(model, ProbabilisticModel)
    model.check(dataset)
    image_id = dataset.stimuli.ids[1]
    np.testing.assert_allclose(model.log_density(SHAPES[1], image_id=image_id), expected[image_id])
    x, y = np.array([3.5, 10.2]), np.array([2.0, 7.9])
    np.testing.assert_allclose(model.log_likelihoods(SHAPES[1], x, y, image_id=image_id),
                               expected[image_id][[2, 7], [3, 10]])
    model.close()  # an open read handle would block the writer below
    with h5py.File(path, "a") as f:
        del f["100.jpg"]
        del f["101.jpg"]
        f.create_dataset("101.jpg", data=np.zeros((3, 3)))
        f.create_dataset("other.jpg", data=np.zeros((3, 3)))
    with pytest.raises(DataError) as info:
        HDF5SaliencyMapModel(path, kind="log_density").check(dataset)
    message = str(info.value)
    for part in ["missing (1)", "100.jpg", "wrong size (1)", "101.jpg is 3x3", "extra", "other.jpg"]:
        assert part in message, part


# ---------------------------------------------------------------------------------- callables
def test_callable_models():
    image = np.random.default_rng(0).integers(0, 256, (6, 7, 3), dtype=np.uint8)
    model = CallableModel(lambda im: im[..., 0].astype(float))
    assert isinstance(model, SaliencyMapModel) and not isinstance(model, ProbabilisticModel)
    np.testing.assert_array_equal(model.saliency_map(image), image[..., 0])
    seen = []

    def with_id(im, *, image_id=None):
        seen.append(image_id)
        return np.zeros(im.shape[:2])

    CallableModel(with_id).saliency_map(image, image_id="abc")
    assert seen == ["abc"]
    logits = CallableModel(lambda im: im[..., 1].astype(float) / 50, kind="log_density")
    assert isinstance(logits, ProbabilisticModel)
    ld = logits.log_density(image)
    assert logsumexp(ld) == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(ld - ld[0, 0], (image[..., 1] - float(image[0, 0, 1])) / 50)
    with pytest.raises(InputError, match="map is 3x2 .* image is 7x6.*resize="):
        CallableModel(lambda im: np.zeros((2, 3))).saliency_map(image, image_id="i")
    assert CallableModel(lambda im: np.ones((2, 3)), resize="nearest").saliency_map(image).shape == (6, 7)
    def one_inf(im):
        out = np.zeros(im.shape[:2])
        out[1, 2] = np.inf
        return out

    with pytest.raises(InputError, match="callable: the saliency map has 1 non-finite"):
        CallableModel(one_inf, name="callable").saliency_map(image)
    with pytest.raises(InputError, match="needs the image's pixels"):
        model.saliency_map((6, 7))
    with pytest.raises(InputError, match="must be callable"):
        CallableModel(3)
    with pytest.raises(InputError, match="kind must be one of"):
        CallableModel(len, kind="density")


# ---------------------------------------------------------------------------------- commands
GRID_TOOL = textwrap.dedent("""
    import sys
    import numpy as np
    from PIL import Image
    image = np.asarray(Image.open(sys.argv[1]).convert("L"), dtype=np.float64)
    h, w = image.shape
    cells = image[: h // 4 * 4, : w // 4 * 4].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3))
    for row in cells:
        print(" ".join(f"{v:.6f}" for v in row))
""")

FILE_TOOL = textwrap.dedent("""
    import sys
    import numpy as np
    from PIL import Image
    image = np.asarray(Image.open(sys.argv[1]).convert("L"), dtype=np.float64)
    np.save(sys.argv[2], image / 255.0)
""")


def test_command_model_parses_a_printed_grid(tmp_path, dataset):
    tool = tmp_path / "grid_tool.py"
    tool.write_text(GRID_TOOL)
    model = CommandModel([sys.executable, str(tool), "{image}"], resize="bilinear")
    image = dataset.stimuli.load(0)                       # 30 x 40 -> a 7 x 10 grid
    got = model.saliency_map(image)
    grey = np.asarray(Image.fromarray(image).convert("L"), dtype=np.float64)
    grid = grey[:28, :40].reshape(7, 4, 10, 4).mean(axis=(1, 3))
    np.testing.assert_allclose(got, resize_map(np.round(grid, 6), (30, 40), method="bilinear"),
                               atol=1e-9)
    # bound to the dataset, the stimulus file itself is passed (no temporary PNG)
    model.check(dataset)
    bound = model.saliency_map(image, image_id=dataset.stimuli.ids[0])
    np.testing.assert_allclose(bound, got, atol=1e-9)   # JPEG decoded by the tool either way


def test_command_model_reads_an_output_file(tmp_path):
    tool = tmp_path / "file_tool.py"
    tool.write_text(FILE_TOOL)
    model = CommandModel(f"{sys.executable} {tool} {{image}} {{output}}", output_suffix=".npy")
    image = np.random.default_rng(1).integers(0, 256, (9, 11), dtype=np.uint8)
    np.testing.assert_allclose(model.saliency_map(image), image / 255.0)


def test_command_model_errors(tmp_path):
    image = np.zeros((4, 4), np.uint8)
    failing = CommandModel([sys.executable, "-c", "import sys; sys.stderr.write('model exploded'); sys.exit(3)"])
    with pytest.raises(DataError, match=r"(?s)exited with status 3.*model exploded"):
        failing.saliency_map(image, image_id="a.jpg")
    ragged = CommandModel([sys.executable, "-c", "print('1 2 3'); print('4 5')"])
    with pytest.raises(DataError, match="line 2: 2 numbers, but the first row has 3"):
        ragged.saliency_map(image)
    words = CommandModel([sys.executable, "-c", "print('1 two')"])
    with pytest.raises(DataError, match="line 1: 'two' is not a number"):
        words.saliency_map(image)
    silent = CommandModel([sys.executable, "-c", "pass", "{output}"])
    with pytest.raises(DataError, match="wrote no {output} file"):
        silent.saliency_map(image)
    with pytest.raises(DataError, match="not found"):
        CommandModel(["no-such-program-salbench"]).saliency_map(image)
    slow = CommandModel([sys.executable, "-c", "import time; time.sleep(5)"], timeout=0.5)
    with pytest.raises(DataError, match="longer than 0.5 s"):
        slow.saliency_map(image)
    with pytest.raises(InputError, match="unknown placeholder"):
        CommandModel(["tool", "{imgae}"])
    assert parse_grid("1,2\n\n3,4\n").tolist() == [[1.0, 2.0], [3.0, 4.0]]


# ---------------------------------------------------------------------------------- from_spec
def test_from_spec_builds_every_kind(tmp_path, dataset):
    from salbench.models.baselines import CentreBiasModel, GoldStandardModel, UniformModel

    write_maps(tmp_path / "maps", dataset)
    assert isinstance(from_spec(str(tmp_path / "maps")), MapDirectoryModel)
    assert isinstance(from_spec(f"maps:{tmp_path / 'maps'}", resize="bilinear"), MapDirectoryModel)
    write_hdf5(tmp_path / "p.hdf5", dataset)
    assert isinstance(from_spec(f"hdf5:{tmp_path / 'p.hdf5'}"), HDF5SaliencyMapModel)
    assert isinstance(from_spec(str(tmp_path / "p.hdf5"), kind="log_density"), ProbabilisticModel)
    command = from_spec(f"command:{sys.executable} -c \"print(1)\"")
    assert isinstance(command, CommandModel)
    module = tmp_path / "user_model.py"
    module.write_text("import numpy as np\n"
                      "def brightness(image):\n    return image.mean(axis=-1)\n")
    fn_model = from_spec(f"python:{module}:brightness")
    assert isinstance(fn_model, CallableModel) and fn_model.name == "brightness"
    assert from_spec("python:salbench.models.baselines:UniformModel").name == "uniform"
    assert isinstance(from_spec("baseline:uniform"), UniformModel)
    centre = from_spec("baseline:centre", dataset=dataset, train=[0, 1, 2])
    assert isinstance(centre, CentreBiasModel) and centre.n_train_images_ == 3
    gold = from_spec("baseline:gold", dataset=dataset)
    assert isinstance(gold, GoldStandardModel) and isinstance(gold.prior, CentreBiasModel)


def test_from_spec_density_and_fastgaze(tmp_path, dataset, shared_dir):
    from salbench.models.conversion import SaliencyMapDensityModel
    from salbench.models.fastgaze import FastGazeModel

    write_maps(tmp_path / "maps", dataset)
    model = from_spec(f"density:maps:{tmp_path / 'maps'}", dataset=dataset, train=[0, 1, 2],
                      sigmas=(0.0, 0.05))
    assert isinstance(model, SaliencyMapDensityModel) and isinstance(model, ProbabilisticModel)
    assert model.n_train_images_ == 3 and isinstance(model.model, MapDirectoryModel)
    assert model.needs_pixels is False            # the engine need not decode the images
    ld = model.log_density(SHAPES[3], image_id=dataset.stimuli.ids[3])
    assert logsumexp(ld) == pytest.approx(0, abs=1e-9)
    with pytest.raises(InputError, match="pass train="):
        from_spec(f"density:maps:{tmp_path / 'maps'}", dataset=dataset)
    vxm = shared_dir / "models" / "fastgaze" / "fastgaze.vxm"
    fastgaze = from_spec(str(vxm))
    assert isinstance(fastgaze, FastGazeModel) and from_spec(f"fastgaze:{vxm}").name == fastgaze.name


def test_from_spec_errors(tmp_path):
    with pytest.raises(InputError, match="unknown model spec 'nonsense:x'.*maps:DIR"):
        from_spec("nonsense:x")
    with pytest.raises(InputError, match="unknown model spec"):
        from_spec(str(tmp_path / "not-there"))
    with pytest.raises(DataError, match="ONNX model file is missing"):
        from_spec("onnx:" + str(tmp_path / "missing.onnx"))
    with pytest.raises(DataError, match="missing"):
        from_spec(str(tmp_path / "missing.vxm"))
    with pytest.raises(InputError, match="pass dataset="):
        from_spec("baseline:centre")
    with pytest.raises(InputError, match="unknown baseline 'median'"):
        from_spec("baseline:median")
    with pytest.raises(InputError, match="python:MODULE:ATTR"):
        from_spec("python:justamodule")
    with pytest.raises(InputError, match="no attribute 'nope'"):
        from_spec("python:salbench.models.baselines:nope")
    with pytest.raises(InputError, match="non-empty string"):
        from_spec("")
