"""The e-mail (``email/``) and report (``report/``) templates: data, shipped as
``kontrol.templates`` and found through the package (:mod:`kontrol.resources`)."""
