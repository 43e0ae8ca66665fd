"""Deprecated alias of the crop commands in :mod:`salbench.cli` (kept for one release): import
``crop_command`` and ``audit_command`` from there."""

import warnings

from .cli import MODEL_HELP, audit_command, crop_command

__all__ = ["MODEL_HELP", "audit_command", "crop_command"]

warnings.warn("salbench.cli_crop is deprecated and will be removed in the next release; import "
              "from salbench.cli instead", DeprecationWarning, stacklevel=2)
