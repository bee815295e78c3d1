"""E-mail: templates rendered into the transactional outbox, delivered over SMTP afterwards.

``outbox`` writes and claims rows, ``delivery`` sends them with aiosmtplib, ``sink`` is a local
SMTP server that keeps what it receives as ``.eml`` files (demo, tests, benchmark).
"""
