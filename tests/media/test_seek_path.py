"""The seek path: PyAV converts into buffers written ahead of time, spare buffers are written a slice
at a time, wait_any wakes on the first camera, and a paused playhead prefetches only once its own
frame is decoded."""

from __future__ import annotations

import threading

import numpy as np

from leropilot_gl.dataset import open_dataset
from leropilot_gl.media import DecodePool, EpisodeMedia, FrameCache, PyAVDecoder
from leropilot_gl.media.pool import SpareFrames
from tools.frame_code import read_frame_code


def test_pyav_writes_into_the_given_buffer_the_same_pixels(sample_av1):
    index = open_dataset(sample_av1)
    episode = index.episodes[1]
    video = next(iter(episode.videos.values()))
    own, into = PyAVDecoder(video.path, rgba=True), PyAVDecoder(video.path, rgba=True)
    try:
        for frame in (7, 0, 12, 3):
            file_index = round((video.from_s + frame / index.fps) * own.info.fps)
            expected = own.get_frame(file_index)
            out = np.full((own.info.height, own.info.width, 4), 17, np.uint8)
            got = into.get_frame(file_index, out=out)
            assert got is out  # no new array: the pixels landed in the buffer given
            assert np.array_equal(got, expected)
            assert read_frame_code(got[..., :3]) == (1, frame)
        wrong = np.zeros((4, 4, 4), np.uint8)  # a buffer of another size is left alone
        assert into.get_frame(0).shape == (own.info.height, own.info.width, 4)
        assert into.get_frame(0, out=wrong) is not wrong
    finally:
        own.close()
        into.close()


def test_spare_buffers_are_written_a_slice_at_a_time_and_finished_later():
    spares = SpareFrames()
    shape = (480, 640, 4)
    assert spares.take(shape) is None  # the first ask registers the shape
    checks = {"n": 0}

    def interrupt_after_a_few_slices() -> bool:
        checks["n"] += 1
        return checks["n"] > 5

    spares.refill(interrupt_after_a_few_slices)  # work arrived: stop within a slice
    assert spares.take(shape) is None  # nothing whole yet
    spares.refill(lambda: False)  # idle again: the partial buffer is finished, then the rest
    buffers = []
    while (buffer := spares.take(shape)) is not None:
        buffers.append(buffer)
    assert len(buffers) == SpareFrames.PER_SHAPE
    assert all(b.shape == shape and b.flags.c_contiguous for b in buffers)
    assert all(not b.any() for b in buffers)  # every byte was written (zeros)


def test_wait_any_returns_when_the_first_camera_lands(sample_av1):
    index = open_dataset(sample_av1)
    pool = DecodePool(FrameCache(64 * 1024 * 1024), workers=1, backend="pyav")
    try:
        media = EpisodeMedia(pool, index.episodes[2])
        for source in media.sources.values():
            assert pool.wait_open(source.path, 30)
        keys = [(s.path, media.file_frame_index(k, 9)) for k, s in media.sources.items()]
        media.update(9, speed_if_playing=None)
        assert pool.wait_any(keys, 30)
        assert any(key in pool.cache for key in keys)
        assert pool.wait(keys, 30)
        stats = pool.stats()
        assert stats.decoded >= len(keys) and stats.decode_cpu_s > 0
        missing = [(keys[0][0], 10**6)]  # never requested: wait_any times out and says so
        assert not pool.wait_any(missing, 0.05)
    finally:
        pool.close()


def test_paused_prefetch_waits_for_the_playheads_own_frame(sample_h264):
    """Two calls at the same position in one UI frame (a panel's seek, then the tick) queue only
    the playhead's frame; the neighbours follow once it is decoded."""
    index = open_dataset(sample_h264)
    pool = DecodePool(FrameCache(64 * 1024 * 1024), workers=1, backend="pyav")
    try:
        media = EpisodeMedia(pool, index.episodes[1])
        for source in media.sources.values():
            assert pool.wait_open(source.path, 30)
        gate = threading.Event()
        original = pool._run_job  # noqa: SLF001  # hold the worker so the queue can be looked at

        def held(worker, job):  # noqa: ANN001, ANN202
            gate.wait(30)
            original(worker, job)

        pool._run_job = held  # noqa: SLF001
        media.update(20, speed_if_playing=None)
        media.update(20, speed_if_playing=None)  # same position, frame not decoded yet
        assert pool.stats().queued == len(media.sources)  # the playhead's frame, one per camera
        gate.set()
        media.wait_frame(20)
        media.update(20, speed_if_playing=None)  # decoded: now the neighbours are asked for
        assert pool.stats().queued > 0 or media.ready(21)
        keys = [(s.path, media.file_frame_index(k, 21)) for k, s in media.sources.items()]
        assert pool.wait(keys, 30)
        assert read_frame_code(media.frame("observation.images.top", 21).image) == (1, 21)
    finally:
        pool.close()


def test_each_camera_of_an_episode_gets_its_own_worker(sample_av1):
    index = open_dataset(sample_av1)
    pool = DecodePool(FrameCache(64 * 1024 * 1024), workers=None, backend="pyav")
    fixed = DecodePool(FrameCache(64 * 1024 * 1024), workers=1, backend="pyav")
    try:
        episode = index.episodes[0]
        files = {v.path for v in episode.videos.values()}
        EpisodeMedia(pool, episode)
        assert pool.worker_count >= len(files)
        owners = {id(pool._owner_locked(path)) for path in files}  # noqa: SLF001
        assert len(owners) == len(files)  # side by side, not two files in one worker
        EpisodeMedia(fixed, episode)
        assert fixed.worker_count == 1  # a count given by the caller stays
    finally:
        pool.close()
        fixed.close()
