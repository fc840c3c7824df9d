"""Both decode paths: every frame carries its (episode, frame) code, and torchcodec and PyAV agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.media import MediaError, PyAVDecoder, TorchcodecDecoder
from leropilot_gl.media.decoders import BackendProbe
from tools.frame_code import read_frame_code


def _frame_plan(root: Path) -> list[tuple[Path, int, tuple[int, int]]]:
    """(file, index in file, expected code) for every frame of every camera, from the dataset's index."""
    index = open_dataset(root)
    plan = []
    for ep in index.episodes:
        for video in ep.videos.values():
            for frame in range(ep.length):
                plan.append(
                    (
                        video.path,
                        round((video.from_s + frame / index.fps) * index.cameras[video.video_key].fps),
                        (ep.episode_index, frame),
                    )
                )
    return plan


@pytest.mark.parametrize("fixture", ["sample_av1", "sample_h264"])
def test_both_backends_return_every_frame_and_agree(fixture, request):
    root = request.getfixturevalue(fixture)
    plan = _frame_plan(root)
    # Backward then forward through the shared files: every seek direction, episodes interleaved.
    order = sorted(plan, key=lambda p: (str(p[0]), -p[1]))[::3] + sorted(
        plan, key=lambda p: (str(p[0]), p[1])
    )
    torchcodec, pyav = {}, {}
    try:
        for path, index, expected in order:
            tc = torchcodec.setdefault(path, TorchcodecDecoder(path)).get_frame(index)
            av = pyav.setdefault(path, PyAVDecoder(path)).get_frame(index)
            assert read_frame_code(tc) == expected, (path.name, index)
            assert read_frame_code(av) == expected, (path.name, index)
            assert tc.shape == av.shape and tc.dtype == np.uint8
            # Same stream, two FFmpeg front-ends: colour conversion may differ by rounding only.
            assert np.abs(tc.astype(np.int16) - av.astype(np.int16)).mean() < 2.0
    finally:
        for decoder in [*torchcodec.values(), *pyav.values()]:
            decoder.close()


def test_v20_real_h264_backends_agree(real_data):
    root = real_data / "datasets" / "gr00t_pnp_sim_v2.0"
    index = open_dataset(root)
    video = index.episodes[2].videos["observation.images.ego_view"]
    tc, av = TorchcodecDecoder(video.path), PyAVDecoder(video.path)
    try:
        assert tc.info.fps == av.info.fps == 20.0
        assert tc.info.num_frames == index.episodes[2].length
        for frame in (300, 0, 150, 151, index.episodes[2].length - 1, 5):
            a, b = tc.get_frame(frame), av.get_frame(frame)
            assert a.shape == (256, 256, 3)
            assert np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() < 2.0
        # Neighbouring frames differ: we are not handed the same frame twice.
        assert np.abs(tc.get_frame(150).astype(np.int16) - tc.get_frame(200).astype(np.int16)).mean() > 1.0
    finally:
        tc.close()
        av.close()


@pytest.mark.parametrize("decoder_type", [TorchcodecDecoder, PyAVDecoder])
def test_frame_outside_the_file_is_a_clear_error(decoder_type, sample_av1):
    path = open_dataset(sample_av1).episodes[0].videos["observation.images.front"].path
    decoder = decoder_type(path)
    try:
        with pytest.raises(MediaError, match="outside"):
            decoder.get_frame(decoder.info.num_frames)
        assert read_frame_code(decoder.get_frame(1)) == (0, 1)  # still usable afterwards
    finally:
        decoder.close()


@pytest.mark.parametrize("decoder_type", [TorchcodecDecoder, PyAVDecoder])
def test_garbage_file_does_not_open(decoder_type, tmp_path):
    path = tmp_path / "not_a_video.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    with pytest.raises(MediaError, match="cannot open"):
        decoder_type(path)


def test_backend_probe_reports_pyav_choice_and_torchcodec_here():
    probe = BackendProbe()
    assert probe.status("pyav").name == "pyav"
    status = probe.status("torchcodec")
    assert status.name == "torchcodec" and status.device in ("cpu", "cuda")


def test_pyav_takes_over_when_torchcodec_cannot_load(monkeypatch, sample_av1):
    import sys

    from leropilot_gl.media import decoders, open_decoder

    monkeypatch.setitem(sys.modules, "torchcodec.decoders", None)  # the import now fails, as without FFmpeg
    monkeypatch.setattr(decoders, "cuda_driver_present", lambda: True)  # so "auto" tries torchcodec
    status = BackendProbe().status("auto")
    assert status.name == "pyav" and "torchcodec cannot load" in status.reason
    path = open_dataset(sample_av1).episodes[1].videos["observation.images.wrist"].path
    decoder = open_decoder(path, status)
    try:
        assert isinstance(decoder, PyAVDecoder)
        assert read_frame_code(decoder.get_frame(30 + 12)) == (1, 12)
    finally:
        decoder.close()
