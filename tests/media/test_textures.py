"""Camera textures on a real (headless, EGL) GL context: in-place updates, no reallocation per frame."""

from __future__ import annotations

import numpy as np

from leropilot_gl.dataset import open_dataset
from leropilot_gl.media import DecodePool, EpisodeMedia, FrameCache
from tools.frame_code import read_frame_code


def test_decoded_frames_stream_into_one_texture_allocation(gl_context, sample_h264):
    from leropilot_gl.render.textures import VideoTexture

    index = open_dataset(sample_h264)
    pool = DecodePool(FrameCache(32 * 1024 * 1024))
    texture = VideoTexture()
    try:
        for episode, frame in [(0, 0), (2, 29), (1, 5), (0, 17)]:
            media = EpisodeMedia(pool, index.episode(episode))
            tile = media.wait_frame(frame)["observation.images.top"]
            texture.upload(tile.image, ("top", episode, frame))
            pixels = texture.read_back()
            assert tile.image.shape[2] == 4  # the pool hands out RGBA: uploads are plain copies
            assert np.array_equal(pixels, tile.image[..., :3])  # lossless upload, rows not misaligned
            assert read_frame_code(pixels) == (episode, frame)
        assert texture.allocations == 1  # same size: updated in place every time
        texture.upload(np.zeros((64, 96, 3), np.uint8), "other size")
        assert texture.allocations == 2 and texture.read_back().shape == (64, 96, 3)
        allocated = texture.allocations
        texture.upload(np.ones((64, 96, 3), np.uint8), "other size")  # same key: not re-uploaded
        assert texture.read_back().max() == 0 and texture.allocations == allocated
    finally:
        texture.release()
        pool.close()
    assert texture.texture_id is None


def test_odd_width_rows_upload_correctly(gl_context):
    from leropilot_gl.render.textures import VideoTexture

    image = np.random.default_rng(1).integers(0, 255, size=(7, 13, 3), dtype=np.uint8)
    texture = VideoTexture()
    try:
        texture.upload(image[:, ::-1], "non-contiguous, 39-byte rows")
        assert np.array_equal(texture.read_back(), image[:, ::-1])
    finally:
        texture.release()
