"""Where datasets live on disk: ``root=``, else ``$SALBENCH_DATA``, else a per-user cache folder."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..exceptions import DataError

#: Environment variable that overrides the default data folder.
ENV_VAR = "SALBENCH_DATA"


def platform_cache_dir() -> Path:
    """The per-user cache folder for salbench on this platform (not created)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "salbench" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "salbench"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "salbench"


def data_root(root=None) -> Path:
    """The folder that holds one sub-folder per dataset."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return platform_cache_dir()


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and check that files can be created in it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(
            f"cannot create the data folder {folder}: {error.strerror or error}. "
            f"Choose another with root= or the {ENV_VAR} environment variable."
        ) from None
    # Probe by creating a file: os.access() is wrong for root and on some network filesystems.
    try:
        fd, probe = tempfile.mkstemp(prefix=".salbench-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise DataError(
            f"the data folder {folder} is not writable ({error.strerror or error}). Choose "
            f"another with root= or the {ENV_VAR} environment variable."
        ) from None
    return folder
