"""salbench.models.predict: model kind, pixel needs and the validated map of one image."""

import numpy as np
import pytest

from salbench import plotting
from salbench.evaluation import plan as engine_plan, worker as engine_worker
from salbench.exceptions import InputError
from salbench.models import (
    ProbabilisticModel,
    SaliencyMapModel,
    check_prediction,
    model_kind,
    needs_pixels,
    predict_map,
)
from salbench.models.baselines import CentreBiasModel, UniformModel


class Recorder(SaliencyMapModel):
    """Returns ``output(shape)`` and remembers what it was given."""

    name = "recorder"

    def __init__(self, output=None, *, pixels=True):
        self.output = output or (lambda shape: np.arange(shape[0] * shape[1], dtype=float)
                                 .reshape(shape))
        self.needs_pixels = pixels
        self.seen = []

    def saliency_map(self, image, *, image_id=None):
        self.seen.append((image, image_id))
        shape = image if isinstance(image, tuple) else np.shape(image)[:2]
        return self.output(shape)


class LogDensity(ProbabilisticModel):
    name = "log density"
    needs_pixels = False

    def __init__(self, tweak=None):
        self.tweak = tweak

    def log_density(self, image, *, image_id=None):
        ld = np.full(image, -np.log(image[0] * image[1]))
        if self.tweak is not None:
            self.tweak(ld)
        return ld


class DuckSaliency:
    def saliency_map(self, image, *, image_id=None):
        return np.ones(np.shape(image)[:2])


class DuckDensity:
    needs_pixels = False

    def log_density(self, image, *, image_id=None):
        return np.full(image, -np.log(image[0] * image[1]))


# The engine uses exactly these public functions (one definition of a model's kind and needs).
ENGINE_KIND = engine_plan.model_kind
ENGINE_PIXELS = engine_plan.needs_pixels
ENGINE_CHECK = engine_worker.check_prediction

MODELS = [Recorder(), Recorder(pixels=False), LogDensity(), DuckSaliency(), DuckDensity(),
          UniformModel()]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from salbench.demo import synthetic_dataset

    return synthetic_dataset(n_images=3, shape=(12, 16), root=tmp_path_factory.mktemp("predict"))


def test_kind_and_pixels_are_those_of_the_engine():
    for model in MODELS:
        assert model_kind(model) == ENGINE_KIND(model)
        assert needs_pixels(model) == ENGINE_PIXELS(model)
    assert [model_kind(m) for m in MODELS] == ["saliency", "saliency", "probabilistic",
                                               "saliency", "probabilistic", "probabilistic"]
    assert [needs_pixels(m) for m in MODELS] == [True, False, False, True, False, False]
    with pytest.raises(InputError, match="saliency_map.*log_density.*got object"):
        model_kind(object())


def test_predict_map_gives_pixels_or_the_shape_and_the_image_id(synthetic):
    data = synthetic.dataset
    model = Recorder()
    out = predict_map(model, data, 1)
    image, image_id = model.seen[-1]
    np.testing.assert_array_equal(image, data.stimuli.load(1))
    assert image_id == data.stimuli.ids[1]
    np.testing.assert_array_equal(out, np.arange(12 * 16, dtype=float).reshape(12, 16))
    assert out.dtype == np.float64
    blind = Recorder(pixels=False)
    predict_map(blind, data.stimuli, 2)  # Stimuli work as well as a Dataset
    assert blind.seen[-1] == ((12, 16), data.stimuli.ids[2])


def test_predict_map_kinds(synthetic):
    data = synthetic.dataset
    ld = predict_map(LogDensity(), data, 0)
    assert ld.shape == (12, 16) and np.exp(ld).sum() == pytest.approx(1.0)
    np.testing.assert_allclose(predict_map(LogDensity(), data, 0, kind="saliency"), np.exp(ld))
    np.testing.assert_array_equal(predict_map(UniformModel(), data, 0), ld)
    centre = CentreBiasModel().fit(data)
    np.testing.assert_array_equal(predict_map(centre, data, 2),
                                  centre.log_density((12, 16), image_id=data.stimuli.ids[2]))
    with pytest.raises(InputError, match="'recorder' has no log_density"):
        predict_map(Recorder(), data, 0, kind="probabilistic")
    with pytest.raises(InputError, match="kind must be one of"):
        predict_map(Recorder(), data, 0, kind="density")


def test_predict_map_errors_name_the_model_and_the_image(synthetic):
    data = synthetic.dataset
    name = data.stimuli.names[1]
    with pytest.raises(InputError, match=rf"model 'recorder' returned a saliency map of shape "
                                         rf"\(3, 4\) for image 1 \({name}\)"):
        predict_map(Recorder(lambda shape: np.ones((3, 4))), data, 1)

    def with_nan(shape):
        m = np.ones(shape)
        m[2, 5] = np.nan
        return m

    with pytest.raises(InputError, match=rf"image 1 \({name}\), model 'recorder'.*row 2, column 5"):
        predict_map(Recorder(with_nan), data, 1)
    with pytest.raises(InputError, match="must be 2-D"):
        predict_map(Recorder(lambda shape: np.ones(shape + (3,))), data, 1)
    # -inf is a log-density of zero: allowed; +inf and NaN are not
    zero = predict_map(LogDensity(lambda ld: ld.__setitem__((0, 0), -np.inf)), data, 0)
    assert zero[0, 0] == -np.inf
    with pytest.raises(InputError, match="'log density'.*row 1, column 3"):
        predict_map(LogDensity(lambda ld: ld.__setitem__((1, 3), np.inf)), data, 0)
    with pytest.raises(InputError, match="out of range"):
        predict_map(Recorder(), data, 3)


def test_check_prediction_is_the_engines_check():
    ok = check_prediction(np.ones((2, 3), np.uint8), "saliency map", (2, 3), "m", "image 0")
    assert ok.dtype == np.float64 and ok.flags.c_contiguous
    for bad in (np.ones((3, 2)), np.ones(6), np.array([["a"]])):
        with pytest.raises(InputError) as ours:
            check_prediction(bad, "log_density", (2, 3), "m", "image 0 (x.png)")
        with pytest.raises(InputError) as theirs:
            ENGINE_CHECK(bad, "log_density", (2, 3), "m", "image 0 (x.png)")
        assert str(ours.value) == str(theirs.value)


def test_model_map_of_the_figures_uses_predict_map(synthetic):
    data = synthetic.dataset
    values, kind = plotting.model_map(LogDensity(), data, 0)
    assert kind == "probabilistic"
    np.testing.assert_array_equal(values, np.exp(predict_map(LogDensity(), data, 0)))
    values, kind = plotting.model_map(Recorder(), data, 0)
    assert kind == "saliency"
    np.testing.assert_array_equal(values, predict_map(Recorder(), data, 0))
    with pytest.raises(InputError, match="model 'recorder'"):
        plotting.model_map(Recorder(lambda shape: np.full(shape, np.inf)), data, 0)


def test_the_engine_has_no_copy_of_the_model_facts():
    assert ENGINE_KIND is model_kind and ENGINE_PIXELS is needs_pixels
    assert ENGINE_CHECK is check_prediction
