"""Where the shared FastGaze weights live (../shared relative to the repo, or $SALBENCH_SHARED)."""

import os
from pathlib import Path

SHARED = Path(os.environ.get("SALBENCH_SHARED", Path(__file__).parents[1].parent / "shared"))
VXM_PATH = SHARED / "models" / "fastgaze" / "fastgaze.vxm"
OSIE_ROOT = SHARED / "datasets" / "osie"
