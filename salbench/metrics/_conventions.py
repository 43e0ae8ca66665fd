"""The conventions salbench reproduces, by name."""

from __future__ import annotations

from .._validation import keyword_choice

#: ``"tuebingen"``: pysaliency 0.2.22 as used by the MIT/Tübingen leaderboard (every fixation
#: counts, std over N, densities only shifted when negative). ``"mit"``: the MIT saliency
#: benchmark MATLAB code (distinct fixated pixels, std over N-1, min-max normalisation).
CONVENTIONS = ("tuebingen", "mit")


def convention_argument(convention, allowed=CONVENTIONS):
    return keyword_choice(convention, "convention", allowed)
