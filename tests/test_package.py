"""Package-level promises: light imports, lazy top-level names, version."""

import subprocess
import sys

import salbench

HEAVY = ("matplotlib", "torch", "onnxruntime", "dask", "h5py", "pyarrow")


def _imported_after(statement):
    code = f"import sys; {statement}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_import_salbench_imports_no_heavy_library():
    assert _imported_after("import salbench") == []


def test_core_modules_import_no_optional_library():
    statement = "import salbench.metrics, salbench.datasets, salbench.models"
    assert _imported_after(statement) == []


def test_lazy_top_level_names():
    assert salbench.metrics.auc is __import__("salbench.metrics", fromlist=["auc"]).auc
    assert "metrics" in dir(salbench)
    try:
        salbench.no_such_name  # noqa: B018 - the attribute access is the test
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_version_is_the_distribution_version():
    from importlib.metadata import version

    assert salbench.__version__ == version("salbench")
