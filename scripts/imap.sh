#!/usr/bin/env bash
# Installs Dovecot from Debian's packages (if missing), starts a private IMAP server on
# 127.0.0.1:${KONTROL_IMAP_PORT:-54143} with its config, logs and Maildirs in
# ${KONTROL_IMAP_DATA:-/tmp/kontrol-imap}, and prints its URL for the tests:
# imap://USER:kontrol@127.0.0.1:PORT — any user name logs in with the password «kontrol» and
# gets a mailbox of its own (a test takes a fresh name: no test sees another's mail).
# The server runs as an ordinary user (started by root, it drops to «dovecot»'s uid for the
# mailboxes); no system config is read or changed, nothing listens beyond 127.0.0.1.
# When it starts the server and KONTROL_IMAP_STARTED_FILE names a file, it writes the data
# folder there: scripts/test stops only a server it started.
# `scripts/imap.sh stop` stops the server in ${KONTROL_IMAP_DATA:-/tmp/kontrol-imap};
# `scripts/imap.sh env` starts it if needed and prints the KONTROL_IMAP_* settings of its mailbox
# «kontrol» instead of the URL: `eval "$(bash scripts/imap.sh env)"` (the demo's mailbox).
set -euo pipefail
port="${KONTROL_IMAP_PORT:-54143}"
data="${KONTROL_IMAP_DATA:-/tmp/kontrol-imap}"
if [ "${1:-}" = stop ]; then
  [ -f "$data/dovecot.conf" ] && dovecot -c "$data/dovecot.conf" stop 2>/dev/null || true
  exit 0
fi
if ! command -v dovecot >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends dovecot-imapd >&2
fi
up() { (exec 3<>"/dev/tcp/127.0.0.1/$port" && head -c 4 <&3 | grep -q '\* OK') 2>/dev/null; }
if ! up; then
  if [ "$(id -u)" = 0 ]; then
    user=dovecot login=dovenull
  else
    user="$(id -un)" login="$(id -un)"
  fi
  uid="$(id -u "$user")" gid="$(id -g "$user")"
  rm -rf "$data"; mkdir -p "$data/run" "$data/mail" "$data/state"
  chown "$user" "$data/mail"
  cat > "$data/dovecot.conf" <<CONF
base_dir = $data/run
state_dir = $data/state
log_path = $data/log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $user
default_internal_group = $(id -gn "$user")
default_login_user = $login
first_valid_uid = $uid
last_valid_uid = $uid
mail_location = maildir:~/Maildir
passdb {
  driver = static
  args = password=kontrol
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$data/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
CONF
  dovecot -c "$data/dovecot.conf"
  for _ in $(seq 50); do up && break; sleep 0.1; done
  up || { echo "Dovecot did not answer on 127.0.0.1:$port; its log: $data/log" >&2; tail -20 "$data/log" >&2; exit 1; }
  if [ -n "${KONTROL_IMAP_STARTED_FILE:-}" ]; then echo "$data" > "$KONTROL_IMAP_STARTED_FILE"; fi
fi
if [ "${1:-}" = env ]; then
  echo "export KONTROL_IMAP_HOST=127.0.0.1 KONTROL_IMAP_PORT=$port KONTROL_IMAP_TLS=none" \
    "KONTROL_IMAP_USERNAME=kontrol KONTROL_IMAP_PASSWORD=kontrol"
else
  echo "imap://kontrol:kontrol@127.0.0.1:$port"
fi
