"""The example decree, directory of bodies and event catalogue (``lenobl/``): data, shipped as
``kontrol.examples`` for ``kontrol demo`` and ``kontrol example`` (:mod:`kontrol.resources`)."""
