"""The evaluation engine: equality with score_maps, chunk/thread/executor invariance, tables."""

import warnings

import numpy as np
import pandas as pd
import pytest

import salbench
from salbench.datasets import density_map
from salbench.evaluation import default_baseline, evaluate, evaluate_baselines
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.metrics import PER_FIXATION_METRICS, names, score_fixations, score_maps
from salbench.models.base import SaliencyMapModel
from salbench.models.baselines import GoldStandardModel, UniformModel

from _evaluate_support import PixelMeanModel, SmoothRandomModel, mixed_size_dataset

SIGMA = 3.0


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return mixed_size_dataset(tmp_path_factory.mktemp("mixed"))


def _reference_inputs(dataset, model):
    """Everything score_maps needs to score ``model`` on the whole dataset in one call."""
    stimuli, fixations = dataset.stimuli, dataset.fixations
    baseline = default_baseline(dataset)
    lds, refs, blds = [], [], []
    for i in range(len(dataset)):
        shape, image_id = stimuli.shape(i), stimuli.ids[i]
        lds.append(model.log_density(shape, image_id=image_id))
        f = fixations.for_image(i)
        refs.append(density_map(f, shape, sigma=SIGMA) if len(f) else np.ones(shape))
        blds.append(baseline.log_density(shape, image_id=image_id))
    return dict(saliency_maps=[np.exp(a) for a in lds], x=fixations.x, y=fixations.y,
                n=fixations.n, reference_maps=refs, log_densities=lds,
                baseline_log_densities=blds, baseline_maps=[np.exp(b) for b in blds])


def test_evaluation_equals_one_score_maps_call_over_the_whole_dataset(mixed):
    model = SmoothRandomModel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        results = evaluate(model, mixed, reference_sigma=SIGMA, chunk_size=2, n_threads=2, seed=7)
        inputs = _reference_inputs(mixed, model)
        maps = inputs.pop("saliency_maps")
        x, y, n = inputs.pop("x"), inputs.pop("y"), inputs.pop("n")
        expected = score_maps(maps, x, y, n, metrics=names(), seed=7, **inputs)
    assert results.metrics == names()
    table = results.images.set_index("image")
    assert table["n_fixations"].tolist() == expected["n_fixations"].tolist()
    scored = [0, 1, 3, 4, 5]
    for metric in names():
        np.testing.assert_allclose(table.loc[scored, metric].to_numpy(),
                                   expected.loc[scored, metric].to_numpy(),
                                   rtol=1e-12, atol=1e-12, err_msg=metric)
    # image 2 has no fixation: every metric is NaN there, including those against the empirical
    # density (which score_maps computed against the placeholder map it was given)
    assert table.loc[2, names()].isna().all()


def test_per_fixation_values_equal_score_fixations_and_average_to_image_values(mixed):
    model = SmoothRandomModel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        results = evaluate(model, mixed, chunk_size=4, n_threads=1)
        inputs = _reference_inputs(mixed, model)
        expected = score_fixations(inputs["saliency_maps"], inputs["x"], inputs["y"], inputs["n"],
                                   metrics=list(PER_FIXATION_METRICS),
                                   log_densities=inputs["log_densities"],
                                   baseline_log_densities=inputs["baseline_log_densities"])
    per_fixation = results.fixations
    assert list(per_fixation.columns) == ["model", "image", "fixation", *PER_FIXATION_METRICS]
    assert per_fixation["fixation"].tolist() == list(range(len(mixed.fixations)))
    assert per_fixation["image"].tolist() == mixed.fixations.n.tolist()
    for metric in PER_FIXATION_METRICS:
        np.testing.assert_allclose(per_fixation[metric], expected[metric], rtol=1e-12,
                                   atol=1e-12, err_msg=metric)
        means = per_fixation.groupby("image")[metric].mean()
        np.testing.assert_allclose(results.images.set_index("image").loc[means.index, metric],
                                   means, rtol=1e-12, atol=1e-12, err_msg=metric)


def test_chunking_threads_and_executors_do_not_change_results(mixed):
    from concurrent.futures import ThreadPoolExecutor

    model = SmoothRandomModel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        one = evaluate(model, mixed, chunk_size=1, n_threads=1)
        many = evaluate(model, mixed, chunk_size=100, n_threads=1)
        threads = evaluate(model, mixed, chunk_size=2, n_threads=3)
        with ThreadPoolExecutor(2) as pool:
            executor = evaluate(model, mixed, chunk_size=3, executor=pool)
    columns = ["image", "image_id", "n_fixations", *names()]
    for other in (many, threads, executor):
        pd.testing.assert_frame_equal(one.images[columns], other.images[columns])
        pd.testing.assert_frame_equal(one.fixations, other.fixations)


def test_a_real_dask_cluster_gives_the_same_results(mixed):
    from distributed import Client, LocalCluster

    model = SmoothRandomModel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        local = evaluate(model, mixed, chunk_size=2, n_threads=1)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            remote = evaluate(model, mixed, chunk_size=2, executor=client)
    columns = ["image", "image_id", "n_fixations", *names()]
    pd.testing.assert_frame_equal(local.images[columns], remote.images[columns])
    pd.testing.assert_frame_equal(local.fixations, remote.fixations)
    assert remote.manifest["timings"]["runs"][-1]["executor"].startswith("dask distributed")


def test_process_pool_pickles_plan_model_and_dataset(mixed):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # information_gain needs the centre-bias baseline to travel to the worker processes too
    metrics = ["auc", "sauc", "sauc_mit", "nss", "cc", "log_likelihood", "information_gain"]
    model = SmoothRandomModel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        local = evaluate(model, mixed, metrics=metrics, chunk_size=2, n_threads=1)
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            remote = evaluate(model, mixed, metrics=metrics, chunk_size=2, executor=pool)
    pd.testing.assert_frame_equal(local.images[["image", *metrics]],
                                  remote.images[["image", *metrics]])


def test_shuffled_negatives_come_from_the_evaluated_split_not_the_chunk(mixed):
    images = [0, 1, 4, 5]
    subset = mixed.subset(images)
    model = SmoothRandomModel()
    metrics = ["sauc", "sauc_mit", "auc_borji"]
    chunked = evaluate(model, mixed, split=images, metrics=metrics, chunk_size=1, n_threads=1,
                       seed=3)
    # one score_maps call over exactly the split's images defines the expected values
    maps = [np.exp(model.log_density(subset.stimuli.shape(i), image_id=subset.stimuli.ids[i]))
            for i in range(len(subset))]
    f = subset.fixations
    expected = score_maps(maps, f.x, f.y, f.n, metrics=["sauc"])
    np.testing.assert_allclose(chunked.images["sauc"], expected["sauc"], rtol=1e-12)
    assert chunked.images["image"].tolist() == images
    assert chunked.manifest["split"] == {"kind": "images"}
    # sampled metrics use the stream [seed, dataset index]: the same values when scored alone
    alone = evaluate(model, mixed, split=[4], metrics=["auc_borji"], seed=3)
    assert alone.images["auc_borji"].iloc[0] == chunked.images.set_index("image").loc[4, "auc_borji"]


def test_named_split_parts_and_split_objects(mixed):
    from salbench.datasets.splits import split_images

    s = split_images(mixed, fractions=(0.5, 0.0, 0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        by_object = evaluate(UniformModel(), mixed, split=s, metrics=["auc"])
    assert by_object.images["image"].tolist() == list(s.test)
    assert by_object.manifest["split"]["part"] == "test"
    default = split_images(mixed)
    by_name = evaluate(UniformModel(), mixed, split="train", metrics=["auc"])
    assert by_name.images["image"].tolist() == list(default.train)


def test_gold_standard_scores_each_fixation_with_the_other_observers(mixed):
    gold = GoldStandardModel(prior=default_baseline(mixed)).fit(mixed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        results = evaluate(gold, mixed, metrics=["log_likelihood", "information_gain", "auc"])
    per_fixation = results.fixations.set_index("fixation")
    baseline = default_baseline(mixed)
    for i in (0, 1, 4):
        f = mixed.fixations.for_image(i)
        shape, image_id = mixed.stimuli.shape(i), mixed.stimuli.ids[i]
        loso = gold.log_likelihoods(shape, f.x, f.y, image_id=image_id, subjects=f.subject)
        rows = np.arange(*mixed.fixations.offsets[i:i + 2])
        # the engine reads each observer's leave-one-out map (a full blur) at their fixations;
        # log_likelihoods sums the same kernels at those pixels only: equal up to rounding
        np.testing.assert_allclose(per_fixation.loc[rows, "log_likelihood"], loso, rtol=1e-10)
        # not the all-observer density read at the fixations
        all_observers = gold.log_density(shape, image_id=image_id)
        flat = np.floor(f.y).astype(int) * shape[1] + np.floor(f.x).astype(int)
        assert not np.allclose(loso, all_observers.reshape(-1)[flat])
        b = baseline.log_density(shape, image_id=image_id).reshape(-1)[flat]
        # IG cancels two ~7-nat terms equal only to rounding: tolerance relative to the terms, not the difference
        np.testing.assert_allclose(per_fixation.loc[rows, "information_gain"],
                                   (loso - b) / np.log(2), rtol=1e-12, atol=1e-12 * np.abs(b).max())
    assert results.manifest["model"]["baseline"] == "gold_standard"
    assert results.role == "baseline"


def test_information_gain_of_the_default_centre_bias_is_exactly_zero(mixed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        centre = evaluate(default_baseline(mixed), mixed, metrics=["information_gain"])
    defined = centre.images["information_gain"].dropna()
    assert len(defined) == 5 and (defined == 0.0).all()


def test_evaluate_baselines_share_the_centre_bias_and_resume_without_refitting(mixed, tmp_path,
                                                                              monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        runs = evaluate_baselines(mixed, out=tmp_path, metrics=["auc", "information_gain"])
        assert [r.manifest["model"]["baseline"] for r in runs] == [
            "uniform", "centre_bias", "gold_standard"]
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "centre-bias", "gold-standard", "uniform"]
        fits = []
        original = GoldStandardModel.fit
        monkeypatch.setattr(GoldStandardModel, "fit",
                            lambda self, *a, **k: fits.append(1) or original(self, *a, **k))
        again = evaluate_baselines(mixed, out=tmp_path, metrics=["auc", "information_gain"])
        assert fits == []  # complete results with the same settings are read back
        for first, second in zip(runs, again):
            pd.testing.assert_frame_equal(first.images, second.images)
        # other settings: the gold standard is fitted and scored again, into a new folder
        other = evaluate_baselines(mixed, which="gold_standard", out=tmp_path / "nss",
                                   metrics=["nss"])
        assert fits == [1] and other[0].metrics == ["nss"]
        with pytest.raises(InputError, match="differs in: metrics"):
            evaluate_baselines(mixed, which="gold_standard", out=tmp_path, metrics=["nss"])


def test_pixel_models_get_decoded_images_and_map_models_only_sizes(mixed):
    seen = []

    class Recorder(SaliencyMapModel):
        name = "recorder"
        needs_pixels = False

        def saliency_map(self, image, *, image_id=None):
            seen.append(image)
            return np.ones(image)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        evaluate(Recorder(), mixed, metrics=["auc"], n_threads=1)
        pixels = evaluate(PixelMeanModel(), mixed, metrics=["auc"], n_threads=1)
    assert seen == [tuple(int(v) for v in s) for s in mixed.stimuli.shapes]
    assert pixels.images["auc"].notna().sum() == 5


def test_results_summary_and_manifest(mixed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        results = evaluate(SmoothRandomModel(), mixed, metrics=["auc", "kld", "log_likelihood"])
    summary = results.summary()
    assert summary.loc["kld", "direction"] == "lower"
    assert summary.loc["auc", "n_images"] == 5
    assert summary.loc["auc", "mean"] == pytest.approx(results.images["auc"].mean())
    assert results.summary(average="fixation").index.tolist() == ["auc", "log_likelihood"]
    m = results.manifest
    assert m["salbench_version"] == salbench.__version__
    assert m["dataset"]["name"] == "mixed" and m["dataset"]["fingerprint"].startswith("sha256:")
    assert m["parameters"]["reference"]["sigma_rule"].startswith("max(H, W) / 32")
    assert m["undefined"]["auc"] == {"the image has no fixations": [2]}
    assert m["summary"]["auc"] == pytest.approx(summary.loc["auc", "mean"])
    assert m["timings"]["model_ms_per_image"] >= 0


def test_undefined_values_warn_once_per_reason_with_dataset_indices(mixed):
    class Constant(SaliencyMapModel):
        name = "constant"
        needs_pixels = False

        def saliency_map(self, image, *, image_id=None):
            return np.zeros(image)

    with pytest.warns(DegenerateInputWarning) as record:
        results = evaluate(Constant(), mixed, metrics=["auc_judd"], split=[1, 2, 3])
    messages = [str(w.message) for w in record]
    assert any("auc_judd is NaN for 2 image(s) (dataset indices 1, 3)" in m for m in messages)
    assert any("(dataset indices 2): the image has no fixations" in m for m in messages)
    assert results.images["auc_judd"].isna().all()


def test_default_reference_sigma_is_one_degree_when_the_dataset_knows_it(mixed):
    from salbench.evaluation import ReferenceMaps

    assert ReferenceMaps(pixels_per_degree=24.0).sigma_for((600, 800)) == 24.0
    assert ReferenceMaps().sigma_for((600, 800)) == 25.0
    assert ReferenceMaps(sigma=5.0, pixels_per_degree=24.0).sigma_for((600, 800)) == 5.0


def test_salbench_evaluate_is_callable_even_after_importing_the_module(mixed):
    import importlib

    importlib.import_module("salbench.evaluate")
    result = salbench.evaluate(UniformModel(), mixed, metrics=["nss"], split=[0])
    assert result.images["nss"].iloc[0] == 0.0


# ------------------------------------------------------------------------------ bad input
def test_bad_input_is_reported_clearly(mixed):
    class WrongShape(SaliencyMapModel):
        name = "wrong shape"
        needs_pixels = False

        def saliency_map(self, image, *, image_id=None):
            return np.ones((5, 5))

    with pytest.raises(InputError, match=r"model 'wrong shape' returned a saliency map of shape "
                                         r"\(5, 5\) for image 0 \(img00.png\)"):
        evaluate(WrongShape(), mixed, metrics=["auc"])
    with pytest.raises(InputError, match="log_likelihood need a probabilistic model"):
        evaluate(PixelMeanModel(), mixed, metrics=["auc", "log_likelihood"])
    with pytest.raises(InputError, match="unknown metric 'aucc'"):
        evaluate(UniformModel(), mixed, metrics=["aucc"])
    with pytest.raises(InputError, match="image index 6 is out of range for 6 images"):
        evaluate(UniformModel(), mixed, split=[0, 6])
    with pytest.raises(InputError, match="must have a saliency_map"):
        evaluate(object(), mixed)
    with pytest.raises(InputError, match="reference_sigma"):
        evaluate(UniformModel(), mixed, reference_sigma=-1)

    class Unnormalised(SmoothRandomModel):
        def log_density(self, image, *, image_id=None):
            return super().log_density(image, image_id=image_id) + 0.5

    with pytest.raises(InputError, match=r"log_density \(image 0 \(img00.png\), model "
                                         r"'smooth random'\) is not a normalised log-density"):
        evaluate(Unnormalised(), mixed, metrics=["log_likelihood"])
    # a user's IG baseline is checked on every image
    with pytest.raises(InputError, match=r"baseline log_density \(image 0 \(img00.png\)\) is "
                                         "not a normalised log-density"):
        evaluate(SmoothRandomModel(), mixed, metrics=["information_gain"],
                 baseline=Unnormalised())


def test_a_model_error_names_nothing_wrong_but_propagates(mixed):
    class Broken(SaliencyMapModel):
        name = "broken"
        needs_pixels = False

        def saliency_map(self, image, *, image_id=None):
            raise RuntimeError("the network is on fire")

    with pytest.raises(RuntimeError, match="on fire"):
        evaluate(Broken(), mixed, metrics=["auc"], n_threads=2, chunk_size=1)


def test_models_that_are_not_thread_safe_are_called_one_at_a_time(mixed):
    import threading
    import time

    class Fragile(SmoothRandomModel):
        thread_safe = False

        def __init__(self):
            super().__init__("fragile")
            self.active = 0
            self.most = 0
            self.guard = threading.Lock()

        def log_density(self, image, *, image_id=None):
            with self.guard:
                self.active += 1
                self.most = max(self.most, self.active)
            time.sleep(0.01)
            out = super().log_density(image, image_id=image_id)
            with self.guard:
                self.active -= 1
            return out

    model = Fragile()
    evaluate(model, mixed, metrics=["nss"], split=[0, 1, 3, 4, 5], n_threads=4, chunk_size=1)
    assert model.most == 1


def test_metric_specific_maps_score_each_metric_on_its_own_map(mixed):
    from salbench.models.metric_maps import metric_saliency_maps

    model = SmoothRandomModel()
    metrics = ["auc", "sauc", "cc", "sim", "information_gain"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        plain = evaluate(model, mixed, metrics=metrics, reference_sigma=SIGMA)
        fair = evaluate(model, mixed, metrics=metrics, reference_sigma=SIGMA, metric_maps=True)
    plain_t, fair_t = plain.images.set_index("image"), fair.images.set_index("image")
    # AUC ranks by the density either way; LL-based metrics read the log-density either way
    np.testing.assert_allclose(fair_t["auc"], plain_t["auc"], rtol=1e-12)
    np.testing.assert_allclose(fair_t["information_gain"], plain_t["information_gain"], rtol=1e-12)
    # sAUC, CC and SIM read other maps: check image 0 against the maps computed directly
    shape, image_id = mixed.stimuli.shape(0), mixed.stimuli.ids[0]
    f = mixed.fixations.for_image(0)
    log_p = model.log_density(shape, image_id=image_id)
    maps = metric_saliency_maps(log_p, ["sauc", "cc", "sim"], sigma=SIGMA,
                                baseline_log_density=default_baseline(mixed).log_density(
                                    shape, image_id=image_id),
                                n_fixations=len(f), seed=[0, 0])
    reference = density_map(f, shape, sigma=SIGMA)
    assert fair_t.loc[0, "cc"] == pytest.approx(salbench.metrics.cc(maps["cc"], reference), rel=1e-12)
    assert fair_t.loc[0, "sim"] == pytest.approx(salbench.metrics.sim(maps["sim"], reference), rel=1e-12)
    assert fair_t.loc[0, "cc"] != pytest.approx(plain_t.loc[0, "cc"], rel=1e-6)
    assert fair.manifest["parameters"]["metric_maps"].startswith("metric-specific")
    with pytest.raises(InputError, match="metric_maps=True needs a probabilistic model"):
        evaluate(PixelMeanModel(), mixed, metrics=["auc"], metric_maps=True)


def test_progress_bar_counts_images_on_stderr(mixed, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        evaluate(UniformModel(), mixed, metrics=["auc"], progress=True, chunk_size=2)
    err = capsys.readouterr().err
    assert "uniform on mixed:" in err and "/6 [" in err and "image/s" in err
