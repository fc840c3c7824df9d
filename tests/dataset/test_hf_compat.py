"""The huggingface_hub adapter works with the installed 0.3x and with a real 1.x in a scratch venv."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from leropilot_gl.dataset import hf_compat

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib.util, os
# loaded on its own: this venv holds huggingface_hub 1.x and nothing else of the app's
spec = importlib.util.spec_from_file_location("hf_compat", os.environ["HF_COMPAT_PATH"])
hf_compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hf_compat)
print(hf_compat.hub_version())
assert hf_compat.token_from_file() is None
hf_compat.save_named_token("hf_abcdefghijklmnop", "leropilot-gl")
hf_compat.save_named_token("hf_other000000000", "other")
from huggingface_hub.utils import _auth
assert _auth.get_stored_tokens()["leropilot-gl"] == "hf_abcdefghijklmnop"
assert hf_compat.forget_named_token("leropilot-gl") is True
assert hf_compat.forget_named_token("leropilot-gl") is False
assert _auth.get_stored_tokens() == {"other": "hf_other000000000"}, _auth.get_stored_tokens()
print("ok")
"""


def _run(python: str, home: Path) -> str:
    env = {
        **os.environ,
        "HF_HOME": str(home),
        "HF_COMPAT_PATH": str(ROOT / "leropilot_gl/dataset/hf_compat.py"),
    }
    env.pop("HF_TOKEN", None)
    proc = subprocess.run([python, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_tokens_with_installed_hub(tmp_path: Path) -> None:
    import huggingface_hub

    out = _run(sys.executable, tmp_path / "hf")
    assert out.split()[0] == huggingface_hub.__version__ and out.split()[-1] == "ok"


def test_tokens_with_hub_1x(tmp_path: Path) -> None:
    import uv

    venv = tmp_path / "venv"
    uvbin = uv.find_uv_bin()
    subprocess.run([uvbin, "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [uvbin, "pip", "install", "-q", "--python", python, "--index-url", "https://pypi.org/simple"]
        + ["huggingface_hub>=1.6,<2"],
        check=True,
        timeout=600,
    )
    out = _run(python, tmp_path / "hf")
    assert out.split()[0].startswith("1.") and out.split()[-1] == "ok"


def test_transient_and_network_errors() -> None:
    import requests

    assert hf_compat.is_transient(requests.exceptions.ConnectionError("reset"))
    assert hf_compat.is_network_error(requests.exceptions.ConnectionError("reset"))
    assert not hf_compat.is_transient(ValueError("x"))
    assert not hf_compat.is_network_error(ValueError("x"))
    import httpx  # huggingface_hub 1.x raises these

    assert hf_compat.is_transient(httpx.ConnectError("refused"))
    assert hf_compat.is_network_error(httpx.ReadTimeout("slow"))
