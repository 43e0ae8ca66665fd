"""How every ``salbench`` command reports failure: the one place that turns salbench's errors into
a one-line message and an exit status.

* :class:`~salbench.exceptions.SalbenchError` (``InputError``, ``DataError``, ...): ``error: ...``
  on standard error (further lines of the message indented below it), exit status 1;
* Ctrl-C in a command that resumes: ``interrupted; run the same command again to resume``, exit
  status 130 (elsewhere click prints ``Aborted!`` and exits with status 1);
* usage errors are click's: exit status 2.
"""

from __future__ import annotations

import functools
import sys
import warnings

import click

from ..exceptions import SalbenchError


def exit_with_error(error: SalbenchError):
    """Print a salbench error as one ``error:`` line (details indented below) and exit 1."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    click.echo(f"error: {lines[0]}", err=True)
    for line in lines[1:]:
        click.echo(f"  {line.strip()}", err=True)
    sys.exit(1)


def one_line_errors(function=None, *, show_warnings: bool = False, resumable: bool = True):
    """Decorate a command: salbench errors as one ``error:`` line and exit 1 (see the module notes).

    ``show_warnings=True`` also prints each distinct warning raised while the command runs as a
    ``warning:`` line (before any error line). ``resumable=False`` leaves Ctrl-C to click.
    """
    if function is None:
        return functools.partial(one_line_errors, show_warnings=show_warnings, resumable=resumable)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            if not show_warnings:
                return function(*args, **kwargs)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    return function(*args, **kwargs)
                finally:
                    for message in dict.fromkeys(str(w.message) for w in caught):
                        click.echo(f"warning: {message}", err=True)
        except SalbenchError as error:
            exit_with_error(error)
        except KeyboardInterrupt:
            if not resumable:
                raise
            click.echo("interrupted; run the same command again to resume", err=True)
            sys.exit(130)

    return wrapper
