"""Save keeps every file the user owns, leaves nothing beside the dataset, and can be taken back."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.backup import is_owned, list_backups, restore
from leropilot_gl.dataset.compact import compact
from leropilot_gl.dataset.journal import EditSession
from leropilot_gl.dataset.save import save
from tests.conftest import REPO_ROOT, copy_dataset
from tests.dataset.test_save_helpers import assert_lerobot_exact, assert_lerobot_tools_exact, source_rows

USER_FILES = {
    "README.md": b"# my dataset card\n",
    "LICENSE": b"Apache-2.0\n",
    ".gitattributes": b"*.mp4 filter=lfs\n",
    ".git/HEAD": b"ref: refs/heads/main\n",
    ".git/objects/ab/cdef": b"\x00\x01binary object",
    "notes/day1/log.txt": b"camera 2 slipped at episode 3\n",
    "meta/custom.json": b'{"mine": true}\n',
    "meta/modality.json": b'{"state": {}}\n',
    "images/observation.images.front/episode_000000/frame_000000.png": b"\x89PNG fake",
    ".hidden": b"secret\n",
    "videos/README.txt": b"about the cameras\n",
    "data/notes.txt": b"not a parquet\n",
}


def plant(root: Path) -> None:
    for i, (rel, data) in enumerate(sorted(USER_FILES.items())):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, 0o600 if i % 2 else 0o640)
        os.utime(path, ns=(1_600_000_000_000_000_000 + i, 1_600_000_000_000_000_000 + i))
    (root / "empty_folder").mkdir()
    os.symlink("README.md", root / "README.link")


def user_state(root: Path) -> dict[str, tuple[str, int, int]]:
    """Hash, mode and mtime of every file of root that a save does not own."""
    out = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if is_owned(rel):
                continue
            st = path.lstat()
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            out[rel] = (hashlib.sha256(data).hexdigest(), st.st_mode, st.st_mtime_ns)
    return out


def every_file(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _session(root: Path, journals: Path) -> EditSession:
    s = EditSession(journals)
    s.attach(open_dataset(root))
    return s


def test_save_and_compact_keep_user_files_and_leave_nothing_beside(
    sample_uneven: Path, tmp_path: Path
) -> None:
    parent = tmp_path / "parent"
    root = copy_dataset(sample_uneven, parent, "uneven")
    rows = source_rows(root)
    plant(root)
    before = user_state(root)
    assert len(before) == len(USER_FILES) + 1
    s = _session(root, tmp_path / "journals")
    s.swap(root, "e0", "e3")
    s.trim(root, "e1", 5, 40)
    result = save(s, root, fast=True)  # Compact is checked on its own below
    assert result.needs_compact and result.backup is not None
    assert user_state(root) == before
    assert (root / "empty_folder").is_dir()
    assert sorted(p.name for p in parent.iterdir()) == ["uneven"]  # no lock, no staging, no old copy
    assert_lerobot_exact(
        root, [(3, 0, 33, rows[3]), (1, 5, 40, rows[1]), (2, 0, 12, rows[2]), (0, 0, 20, rows[0])]
    )

    compact(s, root)
    assert user_state(root) == before
    assert sorted(p.name for p in parent.iterdir()) == ["uneven"]
    assert_lerobot_exact(
        root, [(3, 0, 33, rows[3]), (1, 5, 40, rows[1]), (2, 0, 12, rows[2]), (0, 0, 20, rows[0])]
    )


def test_restore_each_earlier_version(
    sample_uneven: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leropilot_gl.dataset.backup import BACKUPS_KEPT_ENV, DEFAULT_KEEP

    monkeypatch.setenv(BACKUPS_KEPT_ENV, "20")
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    rows = source_rows(root)
    plant(root)
    journals = tmp_path / "journals"
    states = []
    edits = [
        lambda s: s.delete(root, ["e2"]),
        lambda s: s.trim(root, "e0", 3, 10),
        lambda s: s.duplicate(root, "e1"),
    ]
    for edit in edits:
        states.append(every_file(root))
        s = _session(root, journals)
        edit(s)
        save(s, root)
    after_all = every_file(root)
    backups = list_backups(root)
    assert [b.kind for b in backups] == ["save"] * 3
    # Newest first: backups[k] holds the state before save 3-k.
    for k, backup in enumerate(backups):
        restore(root, backup.id)
        assert every_file(root) == states[len(states) - 1 - k], f"restore of {backup.id}"
        open_dataset(root)
    # The first restore made a backup of the version it replaced: the restore can be taken back.
    back = [b for b in list_backups(root) if b.kind == "restore"]
    restore(root, back[-1].id)
    assert every_file(root) == after_all
    assert_lerobot_exact(
        root, [(0, 3, 10, rows[0]), (1, 0, 45, rows[1]), (1, 0, 45, rows[1]), (3, 0, 33, rows[3])]
    )
    restore(root, [b for b in list_backups(root) if b.kind == "save"][-1].id)  # oldest kept: as copied
    assert every_file(root) == states[0]
    assert_lerobot_exact(root, [(e, 0, n, rows[e]) for e, n in enumerate([20, 45, 12, 33])])
    monkeypatch.delenv(BACKUPS_KEPT_ENV)
    restore(root)
    assert len(list_backups(root)) == DEFAULT_KEEP  # the last few are kept, older ones dropped


def test_v2_to_v3_keeps_user_files_and_backs_up_the_v2_files(real_data: Path, tmp_path: Path) -> None:
    root = copy_dataset(real_data / "datasets" / "koch_screwdriver_v2.1_novideo", tmp_path, "koch")
    plant(root)
    before_user, before_all = user_state(root), every_file(root)
    s = _session(root, tmp_path / "journals")
    s.delete(root, ["e0"])
    save(s, root)
    assert json.loads((root / "meta" / "info.json").read_text())["codebase_version"] == "v3.0"
    assert user_state(root) == before_user
    assert not (root / "meta" / "episodes.jsonl").exists()  # the v2 files live in the backup
    from lerobot.datasets.lerobot_dataset import LeRobotDatasetMetadata

    assert LeRobotDatasetMetadata("local/koch", root=root).total_episodes == 4  # its mp4s were never there
    restore(root)
    assert every_file(root) == before_all


def test_merge_and_split_keep_the_sources_files(sample_uneven: Path, tmp_path: Path) -> None:
    from tests.dataset.test_save_helpers import other_dataset

    a = copy_dataset(sample_uneven, tmp_path, "a")
    b = copy_dataset(other_dataset(), tmp_path, "b")
    plant(a)
    plant(b)
    state_a, state_b = user_state(a), user_state(b)
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(a))
    s.attach(open_dataset(b))
    s.merge(a, [b])
    s.split(b, {"x": 0.5, "y": 0.5}, tmp_path / "out")
    from leropilot_gl.dataset.save import save_all

    save_all(s)
    assert user_state(a) == state_a and user_state(b) == state_b
    for part in ("x", "y"):
        assert not (tmp_path / "out" / part / "README.md").exists()  # the source's files stay there
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "journals", "out"]


def test_a_missing_dataset_path_or_symlink_loop_is_one_line(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    for args in (["edit", str(loop), "--delete", "0", "--save"], ["restore", str(loop)]):
        done = subprocess.run(
            [sys.executable, "-m", "leropilot_gl", *args], capture_output=True, text=True, cwd=REPO_ROOT
        )
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert done.stdout.startswith("error:")


def test_restore_cli_lists_and_restores(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path / "p", "uneven")
    original = every_file(root)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "leropilot_gl", *args], capture_output=True, text=True, cwd=REPO_ROOT
        )

    none = cli("restore", str(root))
    assert none.returncode == 2 and "no earlier version" in none.stdout
    saved = cli("edit", str(root), "--delete", "1", "--save")
    assert saved.returncode == 0, saved.stdout + saved.stderr
    listed = cli("restore", str(root), "--list")
    assert listed.returncode == 0 and "before save" in listed.stdout
    done = cli("restore", str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    assert every_file(root) == original
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["uneven"]


def test_import_everything_without_fcntl() -> None:
    """dataset/ and every other package import where fcntl does not exist (Windows)."""
    script = (
        "import sys, pkgutil, importlib\n"
        "sys.modules['fcntl'] = None\n"
        "import leropilot_gl\n"
        "names = [m.name for m in pkgutil.walk_packages(leropilot_gl.__path__, 'leropilot_gl.')]\n"
        "for name in names:\n"
        "    if not name.endswith('__main__'):\n"
        "        importlib.import_module(name)\n"
        "from leropilot_gl.dataset.lock import DatasetLock\n"
        "from leropilot_gl.dataset.fsio import exchange\n"
        "print(len(names))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 30


def test_two_rename_swap_recovers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The swap used where renameat2 is not available (macOS, Windows) and its recovery."""
    from leropilot_gl.dataset import fsio

    monkeypatch.setattr(fsio.sys, "platform", "darwin")
    old, new = tmp_path / "ds", tmp_path / ".ds.new"
    old.mkdir()
    (old / "a").write_text("old")
    new.mkdir()
    (new / "a").write_text("new")
    fsio.exchange(new, old)
    assert (old / "a").read_text() == "new" and (new / "a").read_text() == "old"
    # A kill between the two renames: the dataset is aside and its place empty.
    os.replace(old, fsio.aside_path(old))
    assert "back in place" in (fsio.recover_swap(old) or "")
    assert (old / "a").read_text() == "new" and not fsio.aside_path(old).exists()


def test_missing_videos_can_be_edited_saved_and_deleted(real_data: Path, tmp_path: Path) -> None:
    """lingzu-style data: some mp4s absent. Edits save with the references kept (still missing,
    said in the confirmation); deleting those episodes gives a dataset LeRobot loads."""
    root = copy_dataset(real_data / "datasets" / "gr00t_pnp_sim_v2.0", tmp_path, "gr00t")
    info_path = root / "meta" / "info.json"
    info = json.loads(info_path.read_text())
    del info["features"]["observation.images.egoview"]  # declared without any file in this export
    info_path.write_text(json.dumps(info, indent=4))
    for ep in (1, 2):
        (root / "videos" / "chunk-000" / "observation.images.ego_view" / f"episode_00000{ep}.mp4").unlink()
    s = _session(root, tmp_path / "journals")
    s.trim(root, "e3", 10, 200)
    from leropilot_gl.dataset.save import plan_save

    lines = "\n".join(plan_save(s, root).lines)
    assert "2 episode(s) stay incomplete" in lines and "observation.images.ego_view" in lines
    save(s, root)
    saved = open_dataset(root)
    missing = sorted({p.episode_index for p in saved.problems if "video file missing" in p.message})
    assert missing == [1, 2]  # still missing, still reported

    s = _session(root, tmp_path / "journals")
    s.delete(root, ["e1", "e2"])
    save(s, root)
    assert not [p for p in open_dataset(root).problems if "missing" in p.message]
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset("local/gr00t_fixed", root=root)
    assert dataset.meta.total_episodes == 3
    assert dataset[len(dataset) - 1]["observation.images.ego_view"].shape[0] == 3


MOVE_SCRIPT = """
import sys
from leropilot_gl.cli import main
sys.exit(main(["edit", sys.argv[1], "--move-to", sys.argv[2] + ":1", "--save", "--journal-dir", sys.argv[3]]))
"""


def test_a_kill_during_a_move_leaves_the_episode_in_exactly_one_dataset(
    sample_uneven: Path, tmp_path: Path
) -> None:
    from leropilot_gl.dataset.save import KILL_AT_ENV
    from tests.dataset.test_save_helpers import other_dataset

    outcomes = []
    step = 0
    while True:
        step += 1
        work = tmp_path / f"k{step}"
        a = copy_dataset(sample_uneven, work, "a")
        b = copy_dataset(other_dataset(), work, "b")
        journals = work / "journals"
        env = dict(os.environ, **{KILL_AT_ENV: str(step), "PYTHONPATH": str(REPO_ROOT)})
        done = subprocess.run(
            [sys.executable, "-c", MOVE_SCRIPT, str(a), str(b), str(journals)],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        killed = done.returncode == -9
        # The next start: recovery runs when the datasets are opened for editing.
        s = EditSession(journals)
        s.attach(open_dataset(a))
        s.attach(open_dataset(b))
        lengths_a = [e.length for e in open_dataset(a).episodes]
        lengths_b = [e.length for e in open_dataset(b).episodes]
        holds = (45 in lengths_a) + (45 in lengths_b)  # episode 1 of a has 45 frames, b has none
        assert holds == 1, (step, lengths_a, lengths_b, done.stdout)
        assert sorted(p.name for p in work.iterdir()) == ["a", "b", "journals"], step
        outcomes.append("a" if 45 in lengths_a else "b")
        if not killed:
            assert done.returncode == 0, done.stdout + done.stderr
            break
        assert step < 40
    assert outcomes[-1] == "b" and "a" in outcomes  # early kills roll back, the full run moves it


def test_two_saves_racing_never_lose_an_edit(sample_uneven: Path, tmp_path: Path) -> None:
    """`edit --duplicate 1 --save` and `edit --delete 0 --save` on one dataset, the second started
    at several offsets: each either lands with its edit in the final dataset or is refused."""
    import time

    outcomes = set()
    for k, offset in enumerate((0.0, 0.4, 0.8, 1.2, 1.8, 2.6)):
        work = tmp_path / f"r{k}"
        root = copy_dataset(sample_uneven, work, "uneven")

        def start(*ops: str, root: Path = root) -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, "-m", "leropilot_gl", "edit", str(root), *ops, "--save"],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )

        first = start("--duplicate", "1")
        time.sleep(offset)
        second = start("--delete", "0")
        out1, out2 = first.communicate(timeout=300), second.communicate(timeout=300)
        lengths = [e.length for e in open_dataset(root).episodes]
        if first.returncode == 0:
            assert lengths.count(45) == 2, (offset, out1, out2, lengths)
        else:
            assert "error:" in out1[0] and "Traceback" not in out1[0]
        if second.returncode == 0:
            assert 20 not in lengths, (offset, out1, out2, lengths)
        else:
            assert "error:" in out2[0] and "Traceback" not in out2[0]
        outcomes.add((first.returncode, second.returncode))
        assert sorted(p.name for p in work.iterdir()) == ["uneven"]
    assert (0, 0) in outcomes or (0, 2) in outcomes


def test_a_save_is_canonical_unless_fast_and_info_flags_a_fast_one(
    sample_uneven: Path, tmp_path: Path
) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "leropilot_gl", *args], capture_output=True, text=True, cwd=REPO_ROOT
        )

    fast = copy_dataset(sample_uneven, tmp_path, "fast")
    done = cli("edit", str(fast), "--swap", "0:3", "--save", "--fast")
    assert done.returncode == 0, done.stdout + done.stderr
    info = cli("info", str(fast))
    assert "would return wrong frames: compact it" in info.stdout and "problems: 0" not in info.stdout

    default = copy_dataset(sample_uneven, tmp_path, "default")
    rows = source_rows(default)
    done = cli("edit", str(default), "--swap", "0:3", "--save")
    assert done.returncode == 0 and "put in episode order" in done.stdout, done.stdout + done.stderr
    assert "wrong frames" not in cli("info", str(default)).stdout
    expected = [(3, 0, 33, rows[3]), (1, 0, 45, rows[1]), (2, 0, 12, rows[2]), (0, 0, 20, rows[0])]
    assert_lerobot_exact(default, expected)
    assert_lerobot_tools_exact(default, expected, tmp_path)
    assert [b.kind for b in list_backups(default)] == ["save"], "one save, one backup, compacted or not"


def test_a_save_that_cannot_be_compacted_still_lands_and_is_flagged(
    sample_uneven: Path, tmp_path: Path
) -> None:
    """A video file missing (kept as a reference, still reported) cannot be put in order: the save
    lands as a fast one would, says why, and the dataset stays flagged."""
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    victim = sorted((root / "videos").rglob("*.mp4"))[0]
    victim.unlink()
    s = _session(root, tmp_path / "journals")
    s.swap(root, "e0", "e3")
    result = save(s, root)
    assert result.compacted is None and result.compact_error and result.needs_compact, result.summary()
    assert "could not be put in order" in result.summary() and "compact it" in result.summary()
    assert [e.length for e in open_dataset(root).episodes] == [33, 45, 12, 20]
    from leropilot_gl.dataset.compact import video_order_warnings

    assert video_order_warnings(open_dataset(root))
