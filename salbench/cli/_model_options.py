"""The options of every command that runs a model (``evaluate``, ``predict``, ``plot roc``,
``plot grid``, ``crop``, ``audit``, and any later one): ``--timeout`` and ``--resize-maps``,
defined once; and of every command that fits models on fixations before it scores or draws them
(``evaluate``, ``plot roc``, ``plot grid``): ``--fit-on`` and ``--allow-fit-overlap``
(:func:`fit_options`), one meaning.

Use :func:`model_run_options` as a decorator on the command (it adds the ``timeout`` and
``resize_maps`` parameters) and :func:`spec_options` to turn their values into the keyword
options of :func:`salbench.models.from_spec` for one model spec.
"""

from __future__ import annotations

import click

from ..models.adapters.command import DEFAULT_TIMEOUT

#: Schemes whose adapters take ``resize=`` (maps of another size than the image).
RESIZING_SCHEMES = ("maps", "hdf5", "command", "python")
RESIZE_CHOICES = ("bilinear", "mit", "nearest", "area")

#: How ``command:CMD`` fills in its placeholders (for the commands' help texts).
COMMAND_HELP = ("command:CMD runs CMD once per image (split like a shell would, no shell run); "
                "{image} {output} {id} {name} {height} {width} are filled in: an argument that "
                "is just a placeholder gets the value as is, a placeholder inside a longer "
                "argument (a sh -c script) is shell-quoted (shlex.quote).")
TIMEOUT_HELP = (f"Seconds one image may take in a command: model (default {DEFAULT_TIMEOUT:g}; "
                "0 = no limit). The command runs in its own process group, and the whole group "
                "(the program and everything it started) is stopped when it runs longer.")
RESIZE_HELP = ("Resize maps whose size is not their image's with this method (maps:, hdf5:, "
               "command: and python: function models). Without it such a map (a transposed "
               "one, a coarse grid) is an error naming the image and both sizes.")


def model_run_options(function):
    """Add ``--timeout SECONDS`` and ``--resize-maps METHOD`` to a click command."""
    function = click.option("--resize-maps", "resize_maps", type=click.Choice(RESIZE_CHOICES),
                            default=None, help=RESIZE_HELP)(function)
    return click.option("--timeout", "timeout", type=click.FloatRange(min=0),
                        default=DEFAULT_TIMEOUT, show_default=True, metavar="SECONDS",
                        help=TIMEOUT_HELP)(function)


def _innermost(spec: str):
    """The scheme of the model that actually runs (``density:command:...`` runs ``command:``)."""
    from ..models.spec import split_scheme

    scheme, rest = split_scheme(spec.strip())
    while scheme == "density":
        scheme, rest = split_scheme(rest.strip())
    return scheme


def spec_options(spec: str, *, timeout: float | None = DEFAULT_TIMEOUT,
                 resize_maps: str | None = None) -> dict:
    """Keyword options for :func:`~salbench.models.from_spec` from ``--timeout`` and
    ``--resize-maps``: ``timeout`` for ``command:`` models (0 or None: no limit), ``resize``
    where the adapter has it (an error for models that cannot resize, rather than ignoring it).

    Examples
    --------
    >>> spec_options("command:tool {image}", timeout=30)
    {'timeout': 30.0}
    >>> spec_options("maps:preds/", resize_maps="bilinear")
    {'resize': 'bilinear'}
    """
    from ..exceptions import InputError

    scheme = _innermost(spec)
    options: dict = {}
    if scheme == "command":
        options["timeout"] = float(timeout) if timeout else None
    if resize_maps is not None:
        if scheme not in RESIZING_SCHEMES:
            raise InputError(f"--resize-maps applies to maps:, hdf5:, command: and python: "
                             f"function models, not to {spec!r} (its maps are made at the "
                             "image's size)")
        options["resize"] = resize_maps
    return options


#: What ``--fit-on`` means, for every command that has it (the rule is
#: :func:`salbench.evaluation.fitting.model_for_scoring`'s).
FIT_ON_HELP = ("Images that fitted models (fastgaze:, density:, baseline:centre|gold) are fitted "
               "on: DATASET[:SPLIT], SPLIT all (default), train, validation or test; DATASET may "
               "carry its options (figrim:viewing=rec:train); a bare SPLIT (train) is the scored "
               "dataset's. Default: the scored dataset's train split when the scored images are "
               "all in its test or validation split; fitting on scored images is an error unless "
               "--allow-fit-overlap.")
ALLOW_FIT_OVERLAP_HELP = "Allow fitting on scored images (otherwise an error)."


def fit_options(function):
    """Add ``--fit-on DATASET[:SPLIT]`` and ``--allow-fit-overlap`` to a click command."""
    function = click.option("--allow-fit-overlap", is_flag=True,
                            help=ALLOW_FIT_OVERLAP_HELP)(function)
    return click.option("--fit-on", "fit_on", default=None, metavar="DATASET[:SPLIT]",
                        help=FIT_ON_HELP)(function)
