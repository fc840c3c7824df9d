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
