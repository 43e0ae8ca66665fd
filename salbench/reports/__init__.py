"""Reports built from evaluation results: leaderboards (tables with intervals and paired tests)
and the static leaderboard website (:func:`build_site`)."""

from .leaderboard import LEADERBOARD_FORMAT, Leaderboard, leaderboard
from .site import build_site

__all__ = ["LEADERBOARD_FORMAT", "Leaderboard", "build_site", "leaderboard"]
