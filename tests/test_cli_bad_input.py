"""Bad input on the command line: a clear one-line error, a non-zero exit, no traceback, inputs intact."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import tree_checksum

FRONT_MP4 = Path("videos/observation.images.front/chunk-000/file-000.mp4")
DATA_PARQUET = Path("data/chunk-000/file-000.parquet")
EPISODE_TABLE = Path("meta/episodes/chunk-000/file-000.parquet")


def run_cli(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    # the session fixture has already pointed config, journals, Hub cache and data dir at tmp folders
    env = dict(os.environ, **extra_env)
    out = subprocess.run(
        [sys.executable, "-m", "leropilot_gl", *args], capture_output=True, text=True, timeout=180, env=env
    )
    assert "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    return out


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_export_frames_truncated_mp4_and_out_that_is_a_file(sample_av1, copy_dataset_to_tmp, tmp_path):
    root = copy_dataset_to_tmp(sample_av1, "truncated")
    truncate(root / FRONT_MP4)
    before = tree_checksum(root)
    out_dir = tmp_path / "png"
    out = run_cli("export-frames", str(root), "--episode", "1", "--frames", "0,29", "--out", str(out_dir))
    assert out.returncode == 1
    # the front file now ends inside episode 1: its last frame is named as missing, the rest written
    assert "error: observation.images.front frame 29:" in out.stdout and "outside the file" in out.stdout
    assert (out_dir / "observation.images.front" / "0.png").is_file()
    assert (out_dir / "observation.images.wrist" / "29.png").is_file()
    assert not (out_dir / "observation.images.front" / "29.png").exists()

    not_a_folder = root / "meta" / "info.json"
    out = run_cli("export-frames", str(root), "--episode", "0", "--frames", "0", "--out", str(not_a_folder))
    assert out.returncode == 2
    assert out.stdout.strip() == f"error: --out {not_a_folder} is a file, not a folder"
    assert tree_checksum(root) == before


def test_edit_corrupt_data_parquet_is_named_once(sample_av1, copy_dataset_to_tmp):
    root = copy_dataset_to_tmp(sample_av1, "corrupt")
    truncate(root / DATA_PARQUET)
    before = tree_checksum(root)
    out = run_cli("edit", str(root), "--delete", "0", "--save")
    assert out.returncode == 2
    assert "none of the 3 episodes has readable data" in out.stdout
    # the three episodes share one file: its problem is said once, not once per episode
    assert out.stdout.count("unreadable parquet") == 1
    assert out.stdout.strip().endswith("nothing was changed")
    assert tree_checksum(root) == before


def test_edit_option_mistakes_change_nothing(sample_av1, copy_dataset_to_tmp):
    root = copy_dataset_to_tmp(sample_av1, "good")
    before = tree_checksum(root)
    a_file = root / "meta" / "info.json"
    out = run_cli("edit", str(root), "--split", "a=0.x", "--out", str(root.parent / "parts"), "--save")
    assert out.returncode == 2
    assert "error: --split 'a=0.x': '0.x' is not a fraction like 0.8" in out.stdout
    out = run_cli("edit", str(root), "--delete", "0", "--journal-dir", str(a_file), "--save")
    assert out.returncode == 2
    assert f"error: --journal-dir {a_file} is a file, not a folder" in out.stdout
    out = run_cli("edit", str(root), "--split", "a=0", "b=1,2", "--out", str(a_file), "--save")
    assert out.returncode == 2
    assert f"error: --out {a_file} is a file, not a folder" in out.stdout
    assert not (root.parent / "parts").exists()
    assert tree_checksum(root) == before


def test_edit_save_with_unreadable_episode_table_says_why(sample_av1, copy_dataset_to_tmp):
    root = copy_dataset_to_tmp(sample_av1, "no_episode_table")
    truncate(root / EPISODE_TABLE)
    before = tree_checksum(root)
    out = run_cli("edit", str(root), "--delete", "0", "--save")
    assert out.returncode == 2
    assert "has no observation.images.front video (its place in the video is unknown)" in out.stdout
    assert "the dataset on disk is unchanged" in out.stdout
    assert tree_checksum(root) == before


def test_env_missing_script_and_data_dir_under_a_file(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "lerobot"\nversion = "0.1"\nrequires-python = ">=3.10"\n'
    )
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "pyproject.toml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "init"], check=True)
    data_dir = tmp_path / "leropilot"
    missing = tmp_path / "edited.sh"
    out = run_cli(
        "env",
        "--data-dir",
        str(data_dir),
        "create",
        str(repo),
        "--name",
        "x",
        "--torch",
        "skip",
        "--script",
        str(missing),
    )
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: cannot read --script {missing}: No such file or directory"
    assert not (data_dir / "envs").exists() or not any((data_dir / "envs").iterdir())

    a_file = repo / "pyproject.toml"
    out = run_cli("env", "--data-dir", str(a_file / "sub"), "plan", str(repo), "--name", "x")
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: --data-dir {a_file / 'sub'}: {a_file} is a file, not a folder"


def test_hub_download_without_network_keeps_the_local_copy(sample_av1, copy_dataset_to_tmp):
    local = copy_dataset_to_tmp(sample_av1, "local_copy")
    before = tree_checksum(local)
    out = run_cli(
        "hub",
        "--endpoint",
        "http://127.0.0.1:9",
        "download",
        "user/data",
        "--local",
        str(local),
        "--yes",
        HF_TOKEN="hf_not_a_real_token",
    )
    assert out.returncode == 1
    # the OS reason, not a repr of urllib3's retry objects
    assert (
        out.stdout.strip()
        == "error: cannot reach http://127.0.0.1:9 while listing the dataset: Connection refused"
    )
    assert tree_checksum(local) == before
