"""The Hub module against a local stand-in of the Hub API, with huggingface_hub itself as the client."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from leropilot_gl.dataset import Severity, hf_compat, hub, journal
from leropilot_gl.jobs import JobCancelled, JobRunner
from tests.conftest import copy_dataset, tree_checksum
from tests.hub_server import (
    OTHER_TOKEN,
    OTHER_USER,
    TEST_TOKEN,
    TEST_USER,
    GetFault,
    HubStandIn,
    files_of,
    isolate_hf,
)

GR00T = Path(__file__).resolve().parents[1] / "data" / "datasets" / "gr00t_pnp_sim_v2.0"


class Recorder:
    """A Progress that keeps what it was told (like a job's log)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.texts: list[str] = []
        self.fractions: list[float] = []

    def progress(self, fraction: float | None, text: str = "") -> None:
        if fraction is not None:
            self.fractions.append(fraction)
        if text:
            self.texts.append(text)

    def log(self, line: str) -> None:
        self.lines.append(line)

    def check_cancelled(self) -> None:
        pass


@pytest.fixture
def hf_home(tmp_path, monkeypatch) -> Path:
    return isolate_hf(tmp_path, monkeypatch)


@pytest.fixture
def stand_in():
    with HubStandIn(tokens={TEST_TOKEN: TEST_USER, OTHER_TOKEN: OTHER_USER}, lifetime_s=300) as server:
        yield server


def _journal_with_edits(root: Path, cursor: int = 1) -> Path:
    path = journal.journal_path(journal.default_journal_dir(), root.resolve())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"format": 1, "root": str(root.resolve()), "ops": [{"op": "delete"}], "cursor": cursor})
    )
    return path


# ---------------------------------------------------------------------- login state
def test_login_whoami_logout(hf_home, stand_in, monkeypatch):
    endpoint = stand_in.url
    assert hub.token_source() is None
    with pytest.raises(hub.HubError, match="not logged in"):
        hub.whoami(endpoint=endpoint)
    with pytest.raises(hub.HubError, match="rejected the token"):
        hub.login("hf_not_a_valid_token_123456", endpoint=endpoint)
    assert not (hf_home / "token").exists()

    identity = hub.login(TEST_TOKEN, endpoint=endpoint)
    assert identity.name == TEST_USER and identity.role == "write"
    assert (hf_home / "token").read_text() == TEST_TOKEN  # huggingface_hub's standard place
    assert hub.token_source() == "stored"
    assert hub.whoami(endpoint=endpoint).name == TEST_USER

    assert hub.logout() == "logged out"
    assert hub.token_source() is None and not (hf_home / "token").exists()

    monkeypatch.setenv("HF_TOKEN", OTHER_TOKEN)
    assert hub.token_source() == "environment"
    assert hub.whoami(endpoint=endpoint).name == OTHER_USER
    assert "HF_TOKEN" in hub.logout()


def test_endpoint_from_settings_then_env(monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert hub.resolve_endpoint("") == hub.DEFAULT_ENDPOINT
    monkeypatch.setenv("HF_ENDPOINT", "https://mirror.example/")
    assert hub.resolve_endpoint(None) == "https://mirror.example"
    assert hub.resolve_endpoint("http://127.0.0.1:9/") == "http://127.0.0.1:9"


def test_repo_ids_and_local_root(hf_home, tmp_path):
    assert hub.looks_like_repo_id("lerobot/pusht")
    assert not hub.looks_like_repo_id("../etc")
    assert not hub.looks_like_repo_id("a/b/c")
    assert not hub.looks_like_repo_id(str(tmp_path))  # an existing path is a path
    assert hub.local_root_for("lerobot/pusht") == hf_home / "lerobot" / "lerobot" / "pusht"
    with pytest.raises(hub.HubError, match="not a Hub dataset id"):
        hub.local_root_for("no-slash")


# ---------------------------------------------------------------------- download
def test_download_replaces_local_copy_with_served_bytes(hf_home, stand_in, sample_av1):
    stand_in.add_dataset("alice/sample", sample_av1)
    root = hub.local_root_for("alice/sample")
    copy_dataset(sample_av1, root.parent, root.name)
    (root / "meta" / "stale_local_file.txt").write_text("local change")
    journal_file = _journal_with_edits(root)

    rec = Recorder()
    out = hub.download_replace("alice/sample", endpoint=stand_in.url, progress=rec)

    assert out == root
    assert files_of(root) == stand_in.repos["alice/sample"].files
    assert not journal_file.exists(), "pending edits must be cleared after a download"
    assert not [p for p in root.parent.iterdir() if p.name.startswith(".")], "no staging folder left"
    served = stand_in.resolved_paths("alice/sample")
    assert sorted(served) == sorted(stand_in.repos["alice/sample"].files)
    assert rec.fractions and rec.fractions[-1] == 1.0
    assert any("data/chunk-000/file-000.parquet" in t for t in rec.texts)  # progress names each file


def test_dropped_connection_resumes_with_ranged_get(hf_home, stand_in, sample_av1, monkeypatch):
    from huggingface_hub import constants

    # huggingface_hub writes what it received in chunks of this size; small, so the cut leaves bytes on disk.
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 250)
    repo = stand_in.add_dataset("alice/sample", sample_av1)
    video = next(p for p in repo.files if p.endswith(".mp4"))
    stand_in.faults[video] = GetFault("cut", times=1, after_bytes=1000)

    rec = Recorder()
    root = hub.download_replace("alice/sample", endpoint=stand_in.url, progress=rec)

    assert (root / video).read_bytes() == repo.files[video]
    ranged = [r for r in stand_in.requests if r.method == "GET" and r.path.endswith(video) and r.range]
    assert [r.range for r in ranged] == ["bytes=1000-"]
    assert ranged[0].status == 206
    if hf_compat.hub_version().startswith("0."):  # 1.x resumes the cut download itself, no retry of ours
        assert any(line.startswith(f"retry {video}") for line in rec.lines)


def test_failed_download_leaves_previous_copy_whole(hf_home, stand_in, sample_av1):
    repo = stand_in.add_dataset("alice/sample", sample_av1)
    root = hub.local_root_for("alice/sample")
    copy_dataset(sample_av1, root.parent, root.name)
    (root / "meta" / "mine.txt").write_text("the user's own file")
    before = tree_checksum(root)
    last = sorted(repo.files)[-1]
    stand_in.faults[last] = GetFault("cut", times=None, after_bytes=100)  # the connection drops, every time

    with pytest.raises(hub.HubError, match="fetching"):
        hub.download_replace("alice/sample", endpoint=stand_in.url, progress=Recorder())

    assert tree_checksum(root) == before
    assert sorted(p.name for p in root.parent.iterdir()) == ["sample"], "no partial copy left beside it"
    assert len(stand_in.resolved_paths("alice/sample")) >= 2, "the failure came half-way, after other files"


class CancelAfter(Recorder):
    """Cancels at the n-th check, like the Cancel button during a transfer."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.checks = checks

    def check_cancelled(self) -> None:
        self.checks -= 1
        if self.checks <= 0:
            raise JobCancelled()


def test_cancelled_download_leaves_previous_copy_whole(hf_home, stand_in, sample_av1):
    stand_in.add_dataset("alice/sample", sample_av1)
    root = hub.local_root_for("alice/sample")
    copy_dataset(sample_av1, root.parent, root.name)
    before = tree_checksum(root)
    with pytest.raises(JobCancelled):
        hub.download_replace("alice/sample", endpoint=stand_in.url, progress=CancelAfter(3))
    assert tree_checksum(root) == before
    assert sorted(p.name for p in root.parent.iterdir()) == ["sample"]
    assert 0 < len(stand_in.resolved_paths("alice/sample")) < len(stand_in.repos["alice/sample"].files)


def test_failed_first_download_leaves_nothing_that_looks_complete(hf_home, stand_in, sample_av1):
    stand_in.add_dataset("alice/sample", sample_av1)
    stand_in.faults["data/chunk-000/file-000.parquet"] = GetFault("cut", times=None)
    with pytest.raises(hub.HubError):
        hub.open_lazy("alice/sample", endpoint=stand_in.url, progress=Recorder())
    root = hub.local_root_for("alice/sample")
    assert not root.exists()
    assert not list(root.parent.glob(".sample.*")), "the partial download was removed"


# ---------------------------------------------------------------------- lazy open
def test_lazy_open_fetches_meta_then_only_the_selected_episode(hf_home, stand_in):
    repo = stand_in.add_dataset("bob/gr00t", GR00T)
    rec = Recorder()
    index, origin = hub.open_lazy("bob/gr00t", endpoint=stand_in.url, progress=rec)

    fetched = stand_in.resolved_paths("bob/gr00t")
    meta = sorted(p for p in repo.files if p.startswith("meta/"))
    assert sorted(fetched[: len(meta)]) == meta, "meta/ comes first"
    assert fetched[len(meta) :] == [
        "data/chunk-000/episode_000000.parquet",
        "videos/chunk-000/observation.images.ego_view/episode_000000.mp4",
    ]
    assert len(index.episodes) == 5
    assert index.episode(0).videos["observation.images.ego_view"].exists
    later = index.episode(3)
    assert not later.videos["observation.images.ego_view"].exists
    not_here = [p for p in later.problems if p.camera != "observation.images.egoview"]
    assert not_here and all(p.severity is Severity.INFO and hub.NOT_DOWNLOADED in p.message for p in not_here)

    stand_in.clear_log()
    new_index = hub.fetch_episode(origin, index, 3, progress=rec)
    assert stand_in.resolved_paths("bob/gr00t") == [
        "data/chunk-000/episode_000003.parquet",
        "videos/chunk-000/observation.images.ego_view/episode_000003.mp4",
    ]
    episode = new_index.episode(3)
    assert episode.videos["observation.images.ego_view"].exists
    assert not episode.problems
    assert len(episode.column("observation.state")) == episode.length
    root = hub.local_root_for("bob/gr00t")
    for rel in stand_in.resolved_paths("bob/gr00t"):
        assert (root / rel).read_bytes() == repo.files[rel]
    assert hub.fetch_episode(origin, new_index, 3, progress=rec) is None  # nothing left to fetch


def test_failed_episode_fetch_leaves_no_partial_file(hf_home, stand_in):
    stand_in.add_dataset("bob/gr00t", GR00T)
    index, origin = hub.open_lazy("bob/gr00t", endpoint=stand_in.url, progress=Recorder())
    video = "videos/chunk-000/observation.images.ego_view/episode_000002.mp4"
    stand_in.faults[video] = GetFault("cut", times=None, after_bytes=5000)
    with pytest.raises(hub.HubError, match="fetching videos/"):
        hub.fetch_episode(origin, index, 2, progress=Recorder())
    assert not (origin.root / video).exists(), "a cut transfer never shows up as the file"
    del stand_in.faults[video]
    new_index = hub.fetch_episode(origin, index, 2, progress=Recorder())  # a retry completes it
    assert new_index.episode(2).videos["observation.images.ego_view"].exists


def test_lazy_open_v3_fetches_the_first_file_of_each_kind(hf_home, stand_in, sample_av1):
    repo = stand_in.add_dataset("alice/sample", sample_av1)
    index, _ = hub.open_lazy("alice/sample", endpoint=stand_in.url, progress=Recorder())
    fetched = set(stand_in.resolved_paths("alice/sample"))
    wanted = {p for p in repo.files if p.startswith("meta/")} | {
        "data/chunk-000/file-000.parquet",
        "videos/observation.images.front/chunk-000/file-000.mp4",
        "videos/observation.images.wrist/chunk-000/file-000.mp4",
    }
    assert fetched == wanted
    assert [e.episode_index for e in index.episodes] == [0, 1, 2]
    assert all(v.exists for v in index.episode(2).videos.values())


def test_lazy_open_uses_existing_local_copy_without_fetching(hf_home, stand_in):
    stand_in.add_dataset("bob/gr00t", GR00T)
    hub.open_lazy("bob/gr00t", endpoint=stand_in.url, progress=Recorder())
    stand_in.clear_log()
    index, origin = hub.open_lazy("bob/gr00t", endpoint=stand_in.url, progress=Recorder())
    assert stand_in.resolved_paths("bob/gr00t") == []
    assert origin.listing is not None and len(index.episodes) == 5


# ---------------------------------------------------------------------- upload
def test_upload_delivers_every_file_and_the_commit_message(hf_home, stand_in, sample_av1, tmp_path):
    stale = "data/chunk-009/file-000.parquet"
    remote = stand_in.add_dataset("alice/sample", None)
    remote.files[stale] = b"left over from an older version"
    remote.files["README.md"] = b"# card stays"
    local = copy_dataset(sample_av1, tmp_path, "sample")
    (local / ".cache" / "huggingface").mkdir(parents=True)
    (local / ".cache" / "huggingface" / "junk.metadata").write_text("bookkeeping, not uploaded")
    hub.login(TEST_TOKEN, endpoint=stand_in.url)

    rec = Recorder()
    result = hub.upload_replace(
        local, "alice/sample", endpoint=stand_in.url, commit_message="Clean episodes", progress=rec
    )

    served = stand_in.repos["alice/sample"]
    expected = files_of(local)
    assert {p: b for p, b in served.files.items() if p not in (".gitattributes", "README.md")} == expected
    assert served.files["README.md"] == b"# card stays"
    assert stale not in served.files
    commit = served.commits[-1]
    assert commit["summary"] == "Clean episodes" and commit["deleted"] == [stale]
    assert sorted(commit["added"]) == sorted(expected)
    assert served.tags == {"v3.0": served.sha}
    assert result.commit_url == f"{stand_in.url}/datasets/alice/sample/commit/{served.sha}"
    assert result.uploaded == len(expected) and result.deleted == 1
    assert rec.fractions[-1] > 0.9


def test_upload_creates_the_repo(hf_home, stand_in, sample_av1, tmp_path):
    local = copy_dataset(sample_av1, tmp_path, "sample")
    hub.login(TEST_TOKEN, endpoint=stand_in.url)
    hub.upload_replace(
        local, "alice/fresh", endpoint=stand_in.url, commit_message="first", progress=Recorder()
    )
    assert {
        p: b for p, b in stand_in.repos["alice/fresh"].files.items() if p != ".gitattributes"
    } == files_of(local)


def test_upload_refused_without_login_or_with_unsaved_edits(hf_home, stand_in, sample_av1, tmp_path):
    local = copy_dataset(sample_av1, tmp_path, "sample")
    with pytest.raises(hub.HubError, match="not logged in"):
        hub.upload_replace(
            local, "alice/sample", endpoint=stand_in.url, commit_message="x", progress=Recorder()
        )
    hub.login(TEST_TOKEN, endpoint=stand_in.url)
    _journal_with_edits(local, cursor=2)
    with pytest.raises(hub.HubError, match="2 unsaved edit"):
        hub.upload_replace(
            local, "alice/sample", endpoint=stand_in.url, commit_message="x", progress=Recorder()
        )
    assert not [r for r in stand_in.requests if r.method in ("POST", "PUT")], "nothing was sent"


def test_upload_to_someone_elses_namespace_is_a_clear_refusal(hf_home, stand_in, sample_av1, tmp_path):
    local = copy_dataset(sample_av1, tmp_path, "sample")
    hub.login(TEST_TOKEN, endpoint=stand_in.url)
    with pytest.raises(hub.HubError, match="write access"):
        hub.upload_replace(
            local, "bob/theirs", endpoint=stand_in.url, commit_message="x", progress=Recorder()
        )


# ---------------------------------------------------------------------- private, gated, missing
def test_private_and_gated_datasets_give_clear_messages(hf_home, stand_in, sample_av1):
    stand_in.add_dataset("bob/secret", sample_av1, private=True)
    stand_in.add_dataset("bob/gated", sample_av1, gated=True)
    with pytest.raises(hub.HubError, match="not found .* or it is private: log in"):
        hub.open_lazy("bob/secret", endpoint=stand_in.url, progress=Recorder())
    with pytest.raises(hub.HubError, match="is gated: accept its access conditions"):
        hub.open_lazy("bob/gated", endpoint=stand_in.url, progress=Recorder())
    hub.login(OTHER_TOKEN, endpoint=stand_in.url)  # bob owns both
    index, _ = hub.open_lazy("bob/secret", endpoint=stand_in.url, progress=Recorder())
    assert len(index.episodes) == 3
    with pytest.raises(hub.HubError, match="not a LeRobot dataset"):
        stand_in.add_dataset("bob/empty", None)
        hub.open_lazy("bob/empty", endpoint=stand_in.url, progress=Recorder())


# ---------------------------------------------------------------------- the token stays secret
def test_token_never_appears_in_logs_output_or_our_files(
    hf_home, stand_in, sample_av1, tmp_path, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    stand_in.add_dataset("alice/sample", sample_av1)
    runner = JobRunner()
    hub.login(TEST_TOKEN, endpoint=stand_in.url)
    job = runner.start(
        "dl",
        "download",
        lambda ctx: hub.download_replace("alice/sample", endpoint=stand_in.url, progress=ctx),
    )
    job.wait()
    assert job.status == "done", job.error
    local = hub.local_root_for("alice/sample")
    job = runner.start(
        "up",
        "upload",
        lambda ctx: hub.upload_replace(
            local, "alice/copy", endpoint=stand_in.url, commit_message="m", progress=ctx
        ),
    )
    job.wait()
    assert job.status == "done", job.error
    stand_in.faults["meta/info.json"] = GetFault("cut", times=None)
    job = runner.start(
        "fail", "fail", lambda ctx: hub.download_replace("alice/sample", endpoint=stand_in.url, progress=ctx)
    )
    job.wait()
    assert job.status == "failed"
    hub.logout()

    out, err = capfd.readouterr()
    texts = [out, err, caplog.text] + [line for j in runner.jobs() for line in j.log_lines()]
    texts += [j.error or "" for j in runner.jobs()]
    assert all(TEST_TOKEN not in t for t in texts)
    assert any(t for t in texts), "something was logged at all"
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        assert TEST_TOKEN.encode() not in path.read_bytes(), f"token written to {path}"


def test_lazy_open_of_10k_episodes_fetches_meta_then_one_episode(hf_home, stand_in):
    """10,000 episodes in 10 data files and 4 episodes files: the open fetches info.json, the tasks,
    the first episodes file and the first episode's files, and lists the first 2,500 episodes as a
    partial index; the rest of meta/ comes next; selecting the last episode fetches its one data
    file. Requests and bytes are counted at each step."""
    from tools.scale_dataset import cached_scale_dataset

    folder = cached_scale_dataset(10_000, per_data_file=1_000, per_meta_file=2_500)
    repo = stand_in.add_dataset("carol/big", folder)
    rec = Recorder()
    index, origin = hub.open_lazy("carol/big", endpoint=stand_in.url, progress=rec)
    fetched = stand_in.resolved_paths("carol/big")
    meta = sorted(p for p in repo.files if p.startswith("meta/"))
    episodes_meta = [p for p in meta if p.startswith("meta/episodes/")]
    assert len(episodes_meta) == 4
    opened_meta = ["meta/info.json", "meta/tasks.parquet", episodes_meta[0]]
    assert sorted(set(meta) - set(episodes_meta)) == sorted(opened_meta[:2] + ["meta/stats.json"])
    first = [
        "data/chunk-000/file-000.parquet",
        "videos/observation.images.front/chunk-000/file-000.mp4",
        "videos/observation.images.wrist/chunk-000/file-000.mp4",
    ]
    assert sorted(fetched) == sorted(opened_meta + first)
    open_gets = sum(r.method == "GET" for r in stand_in.requests)
    assert len(fetched) == len(set(fetched)) == 6  # one request per file, none twice
    open_bytes = sum(len(repo.files[p]) for p in fetched)
    total_bytes = sum(len(b) for b in repo.files.values())
    assert origin.fetched_bytes == open_bytes, "the bytes the open reports are the bytes served"
    assert any(line.startswith(f"opened carol/big: fetched {len(fetched)} files") for line in rec.lines)

    # Partial, not damaged: the first file's 2,500 episodes, no totals or splits warnings.
    assert index.partial and sorted(index.pending_meta) == sorted(episodes_meta[1:] + ["meta/stats.json"])
    assert len(index.episodes) == 2_500
    assert not [p for p in index.problems if p.severity is not Severity.INFO], index.problems
    assert not any("total_episodes" in p.message or "split" in p.message for p in index.problems)

    stand_in.clear_log()
    complete = hub.fetch_remaining_meta(origin, progress=rec)
    rest = stand_in.resolved_paths("carol/big")
    assert sorted(rest) == sorted(episodes_meta[1:] + ["meta/stats.json"])
    rest_bytes = sum(len(repo.files[p]) for p in rest)
    assert origin.fetched_bytes == open_bytes + rest_bytes
    assert not complete.partial and len(complete.episodes) == 10_000
    assert not [p for p in complete.problems if p.severity is not Severity.INFO], complete.problems

    rows = [
        ("info.json + tasks", sum(len(repo.files[p]) for p in opened_meta[:2])),
        ("  first episodes file", len(repo.files[episodes_meta[0]])),
        ("first episode's data and videos", sum(len(repo.files[p]) for p in first)),
        ("fetched by the open", open_bytes),
        (f"then the rest of meta/ ({len(rest)} files)", rest_bytes),
        ("the whole dataset", total_bytes),
    ]
    print(
        f"\nlazy open of 10,000 episodes: {len(fetched)} files in {open_gets} GET requests "
        f"(listing included), then {len(rest)} meta/ files"
    )
    for label, size in rows:
        print(f"  {label:<38} {size:>10,} bytes")
    assert open_bytes + rest_bytes < total_bytes
    last = complete.episode(9_999)
    assert not last.data_path.exists() and all(v.exists for v in last.videos.values())

    stand_in.clear_log()
    new_index = hub.fetch_episode(origin, complete, 9_999, progress=rec)
    assert stand_in.resolved_paths("carol/big") == ["data/chunk-000/file-009.parquet"]
    assert origin.fetched_bytes == open_bytes + rest_bytes + len(
        repo.files["data/chunk-000/file-009.parquet"]
    )
    assert new_index.episode(9_999).column("episode_index").tolist() == [9_999] * 10
    assert not new_index.episode(9_999).problems and not new_index.partial

    # A local copy left partial (closed before the rest came) opens partial again, not damaged.
    for rel in episodes_meta[1:]:
        (origin.root / rel).unlink()
    again, _ = hub.open_lazy("carol/big", endpoint=stand_in.url, progress=Recorder())
    assert again.partial and len(again.episodes) == 2_500

    # Download (replace local) of that partial copy still fetches everything.
    hub.download_replace("carol/big", endpoint=stand_in.url, progress=Recorder())
    assert files_of(origin.root) == repo.files
    assert len(journal.open_for_edit(origin.root).episodes) == 10_000
