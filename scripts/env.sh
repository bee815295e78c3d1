# Sourced by scripts/demo and scripts/test: a virtual environment in .venv with kontrol
# installed (editable) and every dependency; reinstalled only when pyproject.toml changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KONTROL_VENV:-$root/.venv}"
py="${PYTHON:-python3}"
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "kontrol needs Python 3.11 or newer ($py is $("$py" --version 2>&1))" >&2
  exit 2
fi
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
stamp="$venv/.kontrol-installed"
want="$(sha256sum "$root/pyproject.toml" | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing kontrol and its dependencies into $venv …" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[test]" >&2
  echo "$want" > "$stamp"
fi
# kontrol's own modules compiled once: an editable install leaves them uncompiled, and where
# PYTHONDONTWRITEBYTECODE is set (as on our CI machines) every process - each command, each
# flow run, each test's server - would compile them again (0.2 s for `kontrol schedule` alone).
# Best effort: a file that does not compile is for pytest to report, a read-only checkout
# just goes without
"$venv/bin/python" -m compileall -q \
  "$root/kontrol" "$root/cli" "$root/roadmap" "$root/models" "$root/flows" "$root/tasks" \
  "$root/deployments" "$root/portal" "$root/templates" >/dev/null 2>&1 || true
export PATH="$venv/bin:$PATH"
export PYTHONUTF8=1
export DO_NOT_TRACK=1
cd "$root"
