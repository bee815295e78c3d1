#!/usr/bin/env bash
# Debian's LibreOffice Writer without its GUI, which kontrol uses to read old Word (.doc) and RTF
# decrees: installed when missing and we are root (some 50 packages, no recommends); otherwise
# the .doc and RTF tests say why they are skipped.
set -euo pipefail
if command -v soffice >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "LibreOffice is not installed (apt-get install --no-install-recommends" \
    "libreoffice-writer-nogui): .doc and RTF tests skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null
