#!/usr/bin/env bash
# Sets up a fresh Debian machine for leropilot-gl: system libraries (as root), a virtual
# environment in .venv and the project installed in it. Safe to run again: it only does
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Headless GL (EGL on Mesa), FFmpeg shared libraries for torchcodec, git for the env manager.
debs=(libegl1 libegl-mesa0 libgl1-mesa-dri libglx-mesa0 ffmpeg git)
missing=()
for deb in "${debs[@]}"; do
  dpkg -s "$deb" >/dev/null 2>&1 || missing+=("$deb")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "setup: missing Debian packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --upgrade pip wheel setuptools
  .venv/bin/python -m pip install -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
