"""`leropilot-gl hub ...` against the local Hub stand-in."""

from __future__ import annotations

import io

import pytest

from leropilot_gl.cli import main
from leropilot_gl.dataset import hub
from tests.conftest import copy_dataset, tree_checksum
from tests.hub_server import TEST_TOKEN, TEST_USER, HubStandIn, files_of, isolate_hf


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    isolate_hf(tmp_path, monkeypatch)
    with HubStandIn(tokens={TEST_TOKEN: TEST_USER}, lifetime_s=300) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_whoami_login_logout(stand_in, monkeypatch, capsys):
    assert main(["hub", "whoami"]) == 1
    assert "not logged in" in capsys.readouterr().out

    _stdin(monkeypatch, "hf_wrong_token_000000\n")
    assert main(["hub", "login"]) == 1
    out = capsys.readouterr().out
    assert "rejected the token" in out and "hf_wrong_token_000000" not in out

    _stdin(monkeypatch, TEST_TOKEN + "\n")
    assert main(["hub", "login"]) == 0
    assert main(["hub", "whoami"]) == 0
    assert main(["hub", "logout"]) == 0
    out = capsys.readouterr().out
    assert f"logged in as @{TEST_USER}" in out and f"@{TEST_USER} on {stand_in.url}" in out
    assert "logged out" in out and TEST_TOKEN not in out
    assert hub.token_source() is None


def test_download_and_upload(stand_in, sample_av1, tmp_path, monkeypatch, capsys):
    stand_in.add_dataset("alice/sample", sample_av1)
    local = tmp_path / "mine"
    assert main(["hub", "download", "alice/sample", "--local", str(local)]) == 0
    assert files_of(local) == stand_in.repos["alice/sample"].files

    # An existing local copy is replaced only with a confirmation (no terminal here: --yes).
    (local / "meta" / "note.txt").write_text("local")
    before = tree_checksum(local)
    _stdin(monkeypatch, "")
    assert main(["hub", "download", "alice/sample", "--local", str(local)]) == 1
    assert tree_checksum(local) == before
    assert "pass --yes" in capsys.readouterr().out

    source = copy_dataset(sample_av1, tmp_path, "to_upload")
    assert main(["hub", "upload", str(source), "alice/uploaded", "-m", "from the cli", "--yes"]) == 1
    assert "not logged in" in capsys.readouterr().out
    _stdin(monkeypatch, TEST_TOKEN + "\n")
    assert main(["hub", "login"]) == 0
    assert main(["hub", "upload", str(source), "alice/uploaded", "-m", "from the cli", "--yes"]) == 0
    out = capsys.readouterr().out
    repo = stand_in.repos["alice/uploaded"]
    assert repo.commits[-1]["summary"] == "from the cli"
    assert f"commit: {stand_in.url}/datasets/alice/uploaded/commit/{repo.sha}" in out
    assert {p: b for p, b in repo.files.items() if p != ".gitattributes"} == files_of(source)
    assert TEST_TOKEN not in out


def test_clear_errors(stand_in, capsys):
    assert main(["hub", "download", "not-a-repo-id"]) == 1
    assert "not a Hub dataset id" in capsys.readouterr().out
    assert main(["hub", "download", "alice/missing", "--yes"]) == 1
    assert "not found" in capsys.readouterr().out


def test_the_settings_endpoint_is_the_default(tmp_path, monkeypatch, sample_av1, capsys):
    """A mirror saved in the settings (Environment settings, `env settings set hub_endpoint`) is the
    Hub the commands talk to when no --endpoint is given; HF_ENDPOINT is not set here."""
    from leropilot_gl.settings import Settings

    isolate_hf(tmp_path, monkeypatch)
    monkeypatch.setenv("LEROPILOT_DATA_DIR", str(tmp_path / "data"))
    with HubStandIn(tokens={TEST_TOKEN: TEST_USER}, lifetime_s=300) as server:
        server.add_dataset("alice/sample", sample_av1)
        assert main(["env", "settings", "set", "hf_endpoint", server.url]) == 0  # the older key name
        assert Settings.model_validate_json(
            (tmp_path / "data" / "settings.json").read_text()
        ).hub_endpoint == (server.url)
        local = tmp_path / "mine"
        assert main(["hub", "download", "alice/sample", "--local", str(local)]) == 0
        assert files_of(local) == server.repos["alice/sample"].files
        assert main(["hub", "whoami"]) == 1
        assert f"not logged in to {server.url}" in capsys.readouterr().out
        assert main(["hub", "--endpoint", "http://127.0.0.1:9", "whoami"]) == 1  # --endpoint still wins
        assert "not logged in to http://127.0.0.1:9" in capsys.readouterr().out
