"""``python -m lrkit``: the ``lrkit`` command."""

from lrkit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
