"""``salbench demo``: the whole pipeline offline, on synthetic data or a local OSIE."""

from __future__ import annotations

from pathlib import Path

import click

from ._errors import one_line_errors
from ._evaluate import FORMATS

#: Metrics the demo shows by default (``--all-metrics`` shows every one).
DEMO_METRICS = ("information_gain", "explained_ig", "log_likelihood", "auc", "sauc", "nss", "cc",
                "kld", "sim")


# ------------------------------------------------------------------------------------ demo
@click.command(name="demo")
@click.option("--synthetic", is_flag=True,
              help="Always use the built-in synthetic data (default: OSIE when it is on this "
                   "machine, else synthetic).")
@click.option("--images", "n_images", type=click.IntRange(min=2), default=None,
              help="Number of images (default: 24 synthetic, 40 of OSIE).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the results here (default: a temporary folder).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--all-metrics", is_flag=True, help="Show every metric, not a selection.")
@click.option("--threads", type=click.IntRange(min=1), default=None)
@one_line_errors
def demo(synthetic, n_images, out, fmt, all_metrics, threads):
    """Run the whole pipeline offline and print a leaderboard.

    On synthetic data the true fixation density is known, so the gold standard is exact; the
    demo models (sharp, blurry, no centre bias, contrast) have known flaws.
    """
    import time

    from ..demo import run_demo

    started = time.perf_counter()
    board, description = run_demo(data="synthetic" if synthetic else "auto", n_images=n_images,
                                  out=out, n_threads=threads,
                                  echo=lambda m: click.echo(m, err=True))
    if not all_metrics:
        shown = [m for m in DEMO_METRICS if m in board.metrics]
        board = _select(board, shown)
    click.echo(board.render(fmt), nl=False)
    click.echo(f"({description}; {time.perf_counter() - started:.1f} s)", err=True)


def _select(board, metrics):
    """The same leaderboard restricted to ``metrics`` (statistics unchanged)."""
    from ..reports import Leaderboard

    table = board.table[board.table["metric"].isin(metrics)]
    order = {m: k for k, m in enumerate(metrics)}
    table = table.sort_values("metric", key=lambda s: s.map(order), kind="stable")
    facts = sorted((m for m in board.metric_facts if m["name"] in metrics),
                   key=lambda m: order[m["name"]])
    return Leaderboard(table.reset_index(drop=True), board.meta, facts, board.model_facts)
