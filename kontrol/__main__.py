"""``python -m kontrol``: the same as the ``kontrol`` command."""

from kontrol.cli import main

main()
