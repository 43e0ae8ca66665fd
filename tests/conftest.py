import os
import tempfile
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

matplotlib.use("Agg")

# Property tests draw the same examples on every run, so a test run (and CI) never depends on
# luck; SALBENCH_HYPOTHESIS=explore draws fresh random examples to hunt for new counterexamples.
settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("SALBENCH_HYPOTHESIS", "deterministic"))

# Converted-dataset caches of a test run go to a private folder, never to the user's cache.
os.environ.setdefault("SALBENCH_CACHE", tempfile.mkdtemp(prefix="salbench-test-cache-"))

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SALBENCH_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        raise RuntimeError(
            f"the shared data folder {SHARED} is missing; set SALBENCH_SHARED to its location"
        )
    return SHARED

# Scripts that generated test fixtures (they need pysaliency, which is not a dependency).
collect_ignore_glob = ["data/*"]


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny tensors: one torch thread is fastest and avoids oversubscription under pytest -n 2."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
