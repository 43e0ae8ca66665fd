"""Reports built from evaluation results: leaderboards (tables with intervals and paired tests)."""

from .leaderboard import LEADERBOARD_FORMAT, Leaderboard, leaderboard

__all__ = ["LEADERBOARD_FORMAT", "Leaderboard", "leaderboard"]
