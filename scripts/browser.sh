#!/usr/bin/env bash
# Debian's Chromium for the browser test (never a browser download): installed when missing
# and we are root; otherwise the browser test says why it is skipped.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is not installed (apt-get install chromium chromium-driver): browser test skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium chromium-driver >/dev/null
