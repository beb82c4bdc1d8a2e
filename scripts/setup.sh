#!/usr/bin/env bash
# Set up everything on a fresh machine of this kind (Debian, root, Python 3.11):
#   scripts/setup.sh          system packages for crawling (Chromium) + the virtualenv
#   scripts/setup.sh --test   also tor, Xvfb and xdotool (the `crawler login` window tests) and
#                             the Elasticsearch test server (cached in ~/.cache)
# Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

apt_pkgs=(chromium tor)
# A virtual display and a keyboard for the real Chromium window of `crawler login` (tests only).
# redis-server: the queue of `crawler worker` in the scale-out tests (started per test).
(( want_test )) && apt_pkgs+=(xvfb xdotool redis-server)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=$(command -v python3.11 || command -v python3)
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $PY"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -f "$stamp" ]]; then
  echo "setup: installing Python packages (pip cache: ~/.cache/pip)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if (( want_test )); then
  bash scripts/elasticsearch.sh
fi
echo "setup: ready"
