#!/usr/bin/env bash
# Load datasets saved by leropilot-gl with LeRobot 0.6.1's own LeRobotDataset, frame-exact.
#
# LeRobot 0.6.1 needs Python >= 3.12, which Debian 12 lacks (Debian 13 has python3.13 from apt).
# The datasets are written with the project's Python (PROJECT_PYTHON, default .venv/bin/python);
# LeRobot 0.6.1 goes into a scratch venv (SCRATCH, default a temp folder).
# Usage: tools/compat/lerobot06.sh [OUT_DIR]      exit 0: every dataset loaded frame-exact
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-$(mktemp -d)/saved}"
PROJECT_PYTHON="${PROJECT_PYTHON:-.venv/bin/python}"
LEROBOT_VERSION="${LEROBOT_VERSION:-0.6.1}"

PY=""
# apt's python3.1x first, then pyenv installs (whose shims exist even for inactive versions)
for candidate in python3.14 python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
        PY="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$PY" ]; then
    echo "no Python >= 3.12 on this machine ($(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-unknown OS}")):"
    echo "lerobot $LEROBOT_VERSION cannot be installed here. On Debian 13: apt install python3.13 python3.13-venv"
    exit 2
fi
if [ ! -x "$PROJECT_PYTHON" ]; then
    echo "project Python $PROJECT_PYTHON not found: run tools/setup.sh, or set PROJECT_PYTHON"
    exit 2
fi
UV="$("$PROJECT_PYTHON" -c 'import uv; print(uv.find_uv_bin())')"
SCRATCH="${SCRATCH:-$(mktemp -d)}"

echo "== writing saved datasets into $OUT (project Python: $PROJECT_PYTHON)"
PYTHONPATH="$PWD" "$PROJECT_PYTHON" tools/compat/make_saved_datasets.py "$OUT"

echo "== installing lerobot[dataset]==$LEROBOT_VERSION with $PY into $SCRATCH/venv"
"$UV" venv -q --python "$PY" "$SCRATCH/venv"
# TORCH_BACKEND=cpu takes torch from PyTorch's CPU index (small); unset, torch comes from PyPI.
if [ -n "${TORCH_BACKEND:-}" ]; then export UV_TORCH_BACKEND="$TORCH_BACKEND"; fi
"$UV" pip install -q --python "$SCRATCH/venv/bin/python" \
    --index-url https://pypi.org/simple "lerobot[dataset]==$LEROBOT_VERSION"

echo "== loading them with lerobot $LEROBOT_VERSION"
"$SCRATCH/venv/bin/python" tools/compat/check_with_lerobot.py "$OUT"
