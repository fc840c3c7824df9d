"""Episode playback through the decode pool: right frames, seeks across episodes, prefetch, stale drop."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.media import BACKEND_PROBE, DecodePool, EpisodeMedia, FrameCache
from leropilot_gl.media.episode import PAUSED_AHEAD, PAUSED_BEHIND
from tools.frame_code import read_frame_code


@pytest.fixture
def pool_factory():
    pools: list[DecodePool] = []

    def make(**kwargs) -> DecodePool:
        kwargs.setdefault("backend", "torchcodec")
        pool = DecodePool(FrameCache(kwargs.pop("max_bytes", 64 * 1024 * 1024)), **kwargs)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()


def test_pyav_decodes_while_torchcodec_loads_then_torchcodec_takes_over(
    sample_av1, pool_factory, monkeypatch
):
    """The first frames never wait for torch: PyAV stands in, and the files switch once it is loaded."""
    from leropilot_gl.media import pool as pool_module
    from leropilot_gl.media.decoders import BackendProbe, PyAVDecoder, TorchcodecDecoder

    probe = BackendProbe()
    monkeypatch.setattr(pool_module, "BACKEND_PROBE", probe)
    status, final = probe.status_now("torchcodec")
    assert (status.name, final) == ("pyav", False) and status.reason == "torchcodec is loading"
    index = open_dataset(sample_av1)
    pool = pool_factory(backend="torchcodec", workers=1)
    media = EpisodeMedia(pool, index.episode(1))
    tiles = media.wait_frame(7, timeout_s=60)
    assert all(read_frame_code(t.image) == (1, 7) for t in tiles.values())
    probe.status("torchcodec")  # wait for the load to finish (a script may; the UI never does)
    tiles = media.wait_frame(20, timeout_s=60)
    assert all(read_frame_code(t.image) == (1, 20) for t in tiles.values())
    assert pool.backend_status.name == "torchcodec"
    decoders = pool._workers[0].decoders  # noqa: SLF001  # which decoder each file has now
    assert decoders and all(isinstance(d, TorchcodecDecoder) for d in decoders.values())
    assert not any(isinstance(d, PyAVDecoder) for d in decoders.values())


def _wait_until_idle(pool: DecodePool) -> None:
    for _ in range(2000):
        if pool.stats().queued == 0:
            return
        pool.wait([], 0.005)
        __import__("time").sleep(0.005)
    raise AssertionError("the decode pool never went idle")


@pytest.mark.parametrize("backend", ["torchcodec", "pyav"])
@pytest.mark.parametrize("fixture", ["sample_av1", "sample_h264"])
def test_random_seeks_across_episodes_sharing_a_file(fixture, backend, request, pool_factory):
    index = open_dataset(request.getfixturevalue(fixture))
    assert len({ep.videos["observation.images.front"].path for ep in index.episodes}) == 1  # one shared mp4
    BACKEND_PROBE.status(backend)  # loaded first, so every frame here comes from that backend
    pool = pool_factory(backend=backend)
    media = {ep.episode_index: EpisodeMedia(pool, ep) for ep in index.episodes}
    rng = random.Random(3)
    positions = [(ep.episode_index, f) for ep in index.episodes for f in (0, ep.length - 1)]
    positions += [(rng.randrange(len(index.episodes)), rng.randrange(30)) for _ in range(12)]
    for episode, frame in positions:  # jumps backward and forward between episodes of one file
        tiles = media[episode].wait_frame(frame, timeout_s=30)
        assert len(tiles) == len(index.cameras)
        for key, tile in tiles.items():
            assert tile.problem is None, tile.problem
            assert read_frame_code(tile.image) == (episode, frame), (key, episode, frame)
    assert pool.backend_status.name == backend


def test_v20_dataset_plays_and_missing_camera_is_reported(real_data, pool_factory):
    index = open_dataset(real_data / "datasets" / "gr00t_pnp_sim_v2.0")
    pool = pool_factory()
    media = EpisodeMedia(pool, index.episodes[3])
    tiles = media.wait_frame(411, timeout_s=30)
    assert tiles["observation.images.ego_view"].image.shape == (256, 256, 4)
    assert "missing" in tiles["observation.images.egoview"].problem  # declared, no file
    assert pool.info(media.sources["observation.images.ego_view"].path).fps == 20.0


def test_paused_prefetch_fills_around_the_playhead(sample_h264, pool_factory):
    index = open_dataset(sample_h264)
    pool = pool_factory()
    media = EpisodeMedia(pool, index.episodes[1])
    media.wait_frame(15)
    _wait_until_idle(pool)
    assert not media.ready(16)  # a seek asks for its own frame first, nothing else
    media.update(15, speed_if_playing=None)  # the next UI frame at the same position: prefetch
    _wait_until_idle(pool)
    for frame in range(15 - PAUSED_BEHIND, 15 + PAUSED_AHEAD + 1):
        assert media.ready(frame), frame
        assert read_frame_code(media.frame("observation.images.top", frame).image) == (1, frame)
    assert not media.ready(15 + PAUSED_AHEAD + 3)


def test_playing_prefetch_runs_ahead_and_stale_requests_are_dropped(sample_h264, pool_factory):
    index = open_dataset(sample_h264)
    pool = pool_factory(workers=1)
    media = EpisodeMedia(pool, index.episodes[2])
    media.wait_frame(0)
    media.update(1, speed_if_playing=1.0)  # queues frames 1..29 of each camera, ahead only
    queued = pool.stats().queued
    assert queued > 30
    media.update(20, speed_if_playing=None)  # a seek: the old requests are stale now
    stats = pool.stats()
    assert stats.dropped_stale > 0
    media.wait_frame(20)
    _wait_until_idle(pool)
    final = pool.stats()
    # Every queued request was decoded or dropped, never both; the seek target arrived.
    assert final.queued == 0
    assert final.dropped_stale >= stats.dropped_stale
    assert read_frame_code(media.frame("observation.images.wrist", 20).image) == (2, 20)
    # Frames only the stale request wanted (2..11, far behind the new playhead) were mostly never decoded.
    cached_stale = sum(media.frame("observation.images.front", f).ready for f in range(3, 12))
    assert cached_stale < 9


def test_cache_budget_holds_while_playing_a_whole_episode(sample_h264, pool_factory):
    frame_bytes = 128 * 96 * 3
    pool = pool_factory(max_bytes=frame_bytes * 10)
    index = open_dataset(sample_h264)
    media = EpisodeMedia(pool, index.episodes[0])
    for frame in range(0, 30, 3):
        media.wait_frame(frame)
        media.update(frame, speed_if_playing=2.0)
        assert pool.cache.nbytes <= frame_bytes * 10
    _wait_until_idle(pool)
    assert pool.cache.nbytes <= frame_bytes * 10
    assert pool.cache.stats().evictions > 0


def test_broken_video_shows_its_problem_and_other_cameras_go_on(
    sample_av1, copy_dataset_to_tmp, pool_factory
):
    root = copy_dataset_to_tmp(sample_av1)
    wrist = next(Path(root, "videos", "observation.images.wrist").rglob("*.mp4"))
    data = wrist.read_bytes()
    wrist.write_bytes(data[: len(data) // 3])  # truncated mid-stream: the moov atom is gone
    index = open_dataset(root)
    pool = pool_factory()
    media = EpisodeMedia(pool, index.episodes[1])
    tiles = media.wait_frame(7)
    assert read_frame_code(tiles["observation.images.front"].image) == (1, 7)
    assert tiles["observation.images.wrist"].image is None
    assert tiles["observation.images.wrist"].problem  # a message, shown in the tile
    assert media.ready(7)  # a broken camera does not keep the others buffering


def test_playback_that_keeps_up_extends_the_window_without_a_new_generation(sample_h264, pool_factory):
    index = open_dataset(sample_h264)
    pool = pool_factory()
    media = EpisodeMedia(pool, index.episodes[0])
    media.wait_frame(0)
    media.update(0, speed_if_playing=1.0)
    generation = pool.generation
    for frame in range(1, 30):
        media.update(frame, speed_if_playing=1.0)
        keys = [(s.path, media.file_frame_index(k, frame)) for k, s in media.sources.items()]
        assert pool.wait(keys, 30)
        assert read_frame_code(media.frame("observation.images.wrist", frame).image) == (0, frame)
    assert pool.generation == generation  # the queue was extended, never rebuilt
    media.update(5, speed_if_playing=1.0)  # a jump back while playing is a seek
    assert pool.generation == generation + 1
