"""The layers of docs/architecture.md hold: no import runs up a layer or across siblings.

Every module of ``salbench`` belongs to a unit (its top-level module or subpackage); a unit may
import its own modules and the units of lower layers only. Imports inside functions count too
(they are still dependencies). ``../shared/tools/architecture-check`` (private imports across
subpackages, import cycles, giant modules) must be silent as well.
"""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "salbench"
SHARED = Path(os.environ.get("SALBENCH_SHARED", REPO.parent / "shared"))

#: unit -> layer (docs/architecture.md draws the same picture); layer 0 is ordered inside too:
#: exceptions, then Numba and process facts, the coordinate kernel, the private helpers, stats
LAYERS = {
    "exceptions": 0.0,
    "_numba": 0.05, "_cpus": 0.05, "_blas": 0.05, "_lazy": 0.05, "_deprecation": 0.05,
    "_coordinates": 0.07,
    "_validation": 0.1, "_io": 0.1, "_fingerprint": 0.1, "_faults": 0.05,
    "stats": 0.2,
    "metrics": 1, "datasets": 1,
    "models": 2, "torch": 2, "losses": 2.5,
    "evaluation": 3,
    "submissions": 3.5,
    "reports": 4, "cropping": 4,
    "plotting": 5, "demo": 5,
    "cli": 6,
    # deprecated aliases of moved modules re-export from their new homes (removed next release)
    "crop": 7, "audit": 7, "cli_crop": 7,
}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path):
    module = ".".join(path.relative_to(REPO).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if path.name == "__init__.py":
        module = package
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("salbench"):
                continue
            if node.module is None or target == "salbench":
                # "from . import x" / "from salbench import x": the names are units
                for alias in node.names:
                    yield module, f"{target}.{alias.name}", node.lineno
            else:
                yield module, target, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("salbench"):
                    yield module, alias.name, node.lineno


def test_every_unit_has_a_layer():
    units = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    missing = sorted(units - set(LAYERS))
    assert not missing, f"add these modules to LAYERS and to docs/architecture.md: {missing}"


def test_no_import_runs_up_a_layer_or_across_siblings():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, target, line in _imports(path):
            source, goal = _unit(module), _unit(target)
            if not source or goal in ("", source, "__version__"):
                continue  # the package's own __init__ / __version__, or inside one unit
            if goal not in LAYERS:
                continue  # test_every_unit_has_a_layer reports it
            if LAYERS[goal] >= LAYERS[source]:
                violations.append(f"{path.relative_to(REPO)}:{line}: {source} (layer "
                                  f"{LAYERS[source]}) imports {target} (layer {LAYERS[goal]})")
    assert not violations, "\n".join(violations)


def test_architecture_check_is_silent():
    tool = SHARED / "tools" / "architecture-check"
    if not tool.is_file():
        pytest.skip(f"{tool} is not on this machine")
    result = subprocess.run([str(tool), "salbench"], cwd=REPO, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
