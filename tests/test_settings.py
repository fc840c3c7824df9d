from leropilot_gl.settings import Settings


def test_settings_round_trip_and_damaged_input():
    s = Settings(frame_cache_mb=256)
    for i in range(15):
        s.remember_dataset(f"/data/{i}")
    s.remember_dataset("/data/3")
    back = Settings.from_json(s.to_json())
    assert back.frame_cache_mb == 256
    assert back.recent_datasets[0] == "/data/3" and len(back.recent_datasets) == Settings.MAX_RECENT
    assert Settings.from_json("{not json") == Settings()
    assert Settings.from_json('{"frame_cache_mb": "lots", "unknown": 1}').frame_cache_mb == 1024


def test_ui_scale_is_remembered_and_kept_in_a_usable_range():
    s = Settings()
    assert s.ui_scale == 1.0
    s.set_ui_scale(1.5)
    assert Settings.from_json(s.to_json()).ui_scale == 1.5
    assert Settings.from_json('{"ui_scale": 2}').ui_scale == 2.0
    assert Settings.from_json('{"ui_scale": 40.0}').ui_scale == Settings.UI_SCALES[-1]
    assert Settings.from_json('{"ui_scale": 0.01}').ui_scale == Settings.UI_SCALES[0]
    assert Settings.from_json('{"ui_scale": "big"}').ui_scale == 1.0


# ---------------------------------------------------------------------- one model, older files
def test_older_files_migrate_to_the_one_hub_endpoint(tmp_path):
    import json

    from leropilot_gl.settings import is_first_run, load_settings

    # The environments' file from before one model: `hf_endpoint`, no first-run flag.
    envs_dir = tmp_path / "envs-data"
    envs_dir.mkdir()
    (envs_dir / "settings.json").write_text(
        json.dumps({"hf_endpoint": "https://mirror.a", "offline": True, "proxies": {"https": "http://p:1"}})
    )
    loaded = load_settings(envs_dir)
    assert (loaded.hub_endpoint, loaded.offline, loaded.proxies.https) == (
        "https://mirror.a",
        True,
        "http://p:1",
    )
    assert not is_first_run(envs_dir), "a file written before the flag means the environments were set up"

    # The window's preferences (hello_imgui user prefs) from before: they fill a new data folder.
    window = json.dumps({"hub_endpoint": "https://mirror.b", "recent_datasets": ["/x"], "ui_scale": 1.5})
    fresh = load_settings(tmp_path / "new-data", legacy_prefs=window)
    assert (fresh.hub_endpoint, fresh.recent_datasets, fresh.ui_scale) == ("https://mirror.b", ["/x"], 1.5)

    # Both: the environments' mirror stays, the window's recent datasets come along.
    both = load_settings(envs_dir, legacy_prefs=window)
    assert (both.hub_endpoint, both.recent_datasets, both.offline) == ("https://mirror.a", ["/x"], True)
    path = both.save(environments=False)
    saved = json.loads(path.read_text())
    assert saved["hub_endpoint"] == "https://mirror.a" and "hf_endpoint" not in saved
    assert load_settings(envs_dir) == both

    # The window saving its preferences does not end the environments' first run; their Save does.
    new = load_settings(tmp_path / "third")
    new.save(environments=False)
    assert is_first_run(tmp_path / "third")
    new.save()
    assert not is_first_run(tmp_path / "third")


def test_a_damaged_settings_file_is_kept_aside_and_bad_values_are_named(tmp_path):
    import pytest

    from leropilot_gl.envs.settings import set_setting
    from leropilot_gl.settings import load_settings

    (tmp_path / "settings.json").write_text('{"network_timeout_s": "soon"}')
    settings = load_settings(tmp_path)
    assert settings.network_timeout_s == 60.0
    assert (tmp_path / "settings.json.bad").read_text() == '{"network_timeout_s": "soon"}'
    with pytest.raises(ValueError, match="index_strategy: index strategy must be one of"):
        set_setting(settings, "index-strategy", "fastest")
    assert set_setting(settings, "HF-ENDPOINT", "https://m.example").hub_endpoint == "https://m.example"


def test_a_mirror_set_in_environment_settings_reaches_downloads_and_environments(tmp_path, monkeypatch):
    """One endpoint: typed where the environments are set, it is the Hub the dataset download talks
    to (the stand-in, with HF_ENDPOINT unset) and the HF_ENDPOINT an environment is activated with."""
    import subprocess
    from pathlib import Path

    from leropilot_gl.dataset import hub
    from leropilot_gl.envs.plan import EnvironmentConfig, PlanInputs, bash_quote, generate_script
    from leropilot_gl.settings import load_settings
    from leropilot_gl.state import AppState
    from leropilot_gl.ui.hub_actions import endpoint_of
    from tests.hub_server import HubStandIn, files_of, isolate_hf

    isolate_hf(tmp_path, monkeypatch)  # no HF_ENDPOINT: only the settings can point at the stand-in
    gr00t = Path(__file__).resolve().parent / "data" / "datasets" / "gr00t_pnp_sim_v2.0"
    data = tmp_path / "data"
    state = AppState()
    try:
        state.use_settings(load_settings(data))
        state.envs.ensure_loaded()
        assert state.envs.settings is state.settings, "the environments edit the app's one settings"
        with HubStandIn(tokens={}, lifetime_s=300) as stand_in:
            stand_in.add_dataset("bob/gr00t", gr00t)
            mirror = stand_in.url
            state.envs.settings.hub_endpoint = mirror  # what the Settings panel's field does
            state.envs.save_settings(state.executor)
            state.envs.pending["save-settings"].result()

            root = hub.download_replace(
                "bob/gr00t", endpoint=endpoint_of(state), progress=hub.SilentProgress()
            )
            assert files_of(root) == stand_in.repos["bob/gr00t"].files
            assert stand_in.resolved_paths("bob/gr00t"), "the files came from the mirror"
        assert load_settings(data).hub_endpoint == mirror, "saved once, in the one file"
    finally:
        state.shutdown()

    config = EnvironmentConfig(
        id="mirror", name="mirror", repo_url="https://x/y", ref="main", python_version="3.11"
    )
    inputs = PlanInputs(env_dir=tmp_path / "env", repo_cache=tmp_path / "cache", git="git", uv="uv")
    script = generate_script(config, load_settings(data), inputs)
    assert f"export HF_ENDPOINT={bash_quote(mirror)}" in script.splitlines()  # while installing
    # the (multi-line, quoted) assignment the script appends to bin/activate
    start = script.index("\nACTIVATE_EXTRA=") + 1
    extra = script[start : script.index('\nprintf "%s', start)]
    activated = subprocess.run(
        [
            "bash",
            "-c",
            f'deactivate () {{ :; }}\n{extra}\neval "$ACTIVATE_EXTRA"\nprintf "%s" "$HF_ENDPOINT"',
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert activated == mirror  # once the environment is activated
