"""``python -m salbench.cli``: the same as the ``salbench`` command."""

from . import main

if __name__ == "__main__":  # pragma: no cover
    main()
