"""Deprecated alias of :mod:`salbench.cropping.audit` (kept for one release): import from there."""

import warnings

from .cropping.audit import (
    MASS_TIE, ORDERS, RECORD_COLUMNS, RULES, AuditResult, audit, make_pairs, plot_audit,
    read_groups, summarise_audit,
)

__all__ = ["MASS_TIE", "ORDERS", "RECORD_COLUMNS", "RULES", "AuditResult", "audit", "make_pairs",
           "plot_audit", "read_groups", "summarise_audit"]

warnings.warn("salbench.audit is deprecated and will be removed in the next release; import from "
              "salbench.cropping.audit instead", DeprecationWarning, stacklevel=2)
