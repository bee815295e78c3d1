"""``python -m kontrol``: the same as the ``kontrol`` command."""

from kontrol.cli.main import main

main()
