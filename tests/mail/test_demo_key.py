"""``kontrol demo`` signs real links with a random key of its own, kept in ``var/secret_key``."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

from kontrol.mail.links import read_token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_demo_signs_with_its_own_key_and_every_child_gets_it(tmp_path: Path) -> None:
    """``kontrol demo --no-serve`` without KONTROL_SECRET_KEY: the key file is made, the portal
    child starts on it (a child without a key would exit at once), the mail's link verifies."""
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KONTROL_", "PREFECT_"))}
    env["KONTROL_DATABASE_URL"] = f"sqlite:///{var / 'kontrol.db'}"
    argv = [sys.executable, "-m", "kontrol", "demo", "--var", str(var), "--no-serve"]
    argv += ["--smtp-port", str(_free_port()), "--portal-port", str(_free_port())]

    done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    key_file = var / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    (mail,) = sorted((var / "mail").glob("*.eml"))
    message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
    body = message.get_body(("plain",))
    assert body is not None
    token = re.search(r"/a/([\w.-]+)", body.get_content())
    assert token is not None
    assert read_token(token.group(1), secret_key=key)[1] == "committee"
    assert "kontrol-demo-key" not in (var / "log" / "portal.log").read_text()
