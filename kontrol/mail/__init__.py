"""E-mail, every kind in one place: written into the transactional outbox, built whole, and
delivered over SMTP afterwards.

``kinds`` lists every kind of mail (its template triple, its composer, who writes it);
``compose`` turns plain values into a ``render.Rendered`` through the one environment of
``render``; ``mailer`` (and, for the annual report, ``kontrol.reporting.mailing``) reads the rows
into those values and writes the mail with ``outbox.enqueue``, which stores the message's bytes
with the row. ``claims`` and ``states`` move the rows through delivery; ``delivery`` sends them
with aiosmtplib (``sending``: the SMTP workers, ``recording``: the outcomes, ``smtp``: the
server's words); ``sink`` is a local SMTP server that keeps what it receives as ``.eml`` files
(demo, tests, benchmark).
"""
