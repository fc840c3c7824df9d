"""A machine-readable (episode, frame) code painted into video frames, plus camera-like texture.

The code is a band of big black/white cells over the bottom half of the image, placed relative to
the image size so it survives lossy AV1/H.264 at 96x64 and bilinear rescaling:

    row 0..3, column 0..8 (9 x 4 = 36 cells, read row by row)
    corner cells are fixed markers: top-left white, top-right black, bottom-left black,
    bottom-right white (they give the black/white levels and reject mirrored or missing codes);
    the other 32 cells carry 10 episode bits, 14 frame bits and a CRC-8 of those 24 bits,
    so misread cells return None rather than a wrong number; one ambiguous (greyish) cell
    is corrected.
"""

from __future__ import annotations

import numpy as np

CODE_COLUMNS = 9
CODE_ROWS = 4
CODE_TOP = 0.5  # the band covers rows [CODE_TOP * height, height)
EPISODE_BITS = 10
FRAME_BITS = 14
CRC_BITS = 8
MAX_EPISODE = (1 << EPISODE_BITS) - 1  # 1023
MAX_FRAME = (1 << FRAME_BITS) - 1  # 16383
MIN_CONTRAST = 60  # luma gap between the white and black markers below which nothing is read
SOFT_MARGIN = 0.3  # a cell within this fraction of the contrast from the threshold may be corrected

_WHITE, _BLACK = 255, 0
_MARKERS = {
    (0, 0): 1,
    (0, CODE_COLUMNS - 1): 0,
    (CODE_ROWS - 1, 0): 0,
    (CODE_ROWS - 1, CODE_COLUMNS - 1): 1,
}
_DATA_CELLS = [(r, c) for r in range(CODE_ROWS) for c in range(CODE_COLUMNS) if (r, c) not in _MARKERS]
assert len(_DATA_CELLS) == EPISODE_BITS + FRAME_BITS + CRC_BITS


def _crc8(value: int, nbits: int) -> int:
    """CRC-8 (polynomial x^8 + x^2 + x + 1) over the nbits of value, most significant first."""
    crc = 0
    for i in range(nbits - 1, -1, -1):
        bit = (value >> i) & 1
        top = (crc >> 7) & 1
        crc = (crc << 1) & 0xFF
        if top ^ bit:
            crc ^= 0x07
    return crc


def _payload_bits(episode: int, frame: int) -> list[int]:
    payload = (episode << FRAME_BITS) | frame
    nbits = EPISODE_BITS + FRAME_BITS
    word = (payload << CRC_BITS) | _crc8(payload, nbits)
    total = nbits + CRC_BITS
    return [(word >> (total - 1 - i)) & 1 for i in range(total)]


def _cell_bounds(height: int, width: int, row: int, col: int) -> tuple[int, int, int, int]:
    top = CODE_TOP * height
    cell_h = (height - top) / CODE_ROWS
    cell_w = width / CODE_COLUMNS
    y0 = round(top + row * cell_h)
    y1 = round(top + (row + 1) * cell_h)
    x0 = round(col * cell_w)
    x1 = round((col + 1) * cell_w)
    return y0, y1, x0, x1


def draw_frame_code(image: np.ndarray, episode: int, frame: int) -> None:
    """Paint the code of (episode, frame) into the bottom half of an HxWx3 uint8 image, in place."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 image, got {image.shape} {image.dtype}")
    if not 0 <= episode <= MAX_EPISODE:
        raise ValueError(f"episode {episode} is outside 0..{MAX_EPISODE}")
    if not 0 <= frame <= MAX_FRAME:
        raise ValueError(f"frame {frame} is outside 0..{MAX_FRAME}")
    height, width = image.shape[:2]
    if height < 2 * CODE_ROWS or width < CODE_COLUMNS:
        raise ValueError(f"image {width}x{height} is too small for a {CODE_COLUMNS}x{CODE_ROWS} code")
    cells = dict(_MARKERS)
    cells.update(zip(_DATA_CELLS, _payload_bits(episode, frame), strict=True))
    for (row, col), bit in cells.items():
        y0, y1, x0, x1 = _cell_bounds(height, width, row, col)
        image[y0:y1, x0:x1] = _WHITE if bit else _BLACK


def _cell_luma(luma: np.ndarray, row: int, col: int) -> float:
    """Mean luma of the central part of a cell: edges blur under compression and rescaling."""
    height, width = luma.shape
    y0, y1, x0, x1 = _cell_bounds(height, width, row, col)
    dy, dx = (y1 - y0) * 0.3, (x1 - x0) * 0.3
    ys, ye = int(y0 + dy), max(int(y0 + dy) + 1, int(round(y1 - dy)))
    xs, xe = int(x0 + dx), max(int(x0 + dx) + 1, int(round(x1 - dx)))
    return float(luma[ys:ye, xs:xe].mean())


def read_frame_code(image: np.ndarray) -> tuple[int, int] | None:
    """The (episode, frame) painted by draw_frame_code, or None when no valid code is there.

    Accepts HxWx3 or HxWx4 (screenshots) uint8 images at any size.
    """
    if image.ndim != 3 or image.shape[2] < 3:
        return None
    height, width = image.shape[:2]
    if height < 2 * CODE_ROWS or width < CODE_COLUMNS:
        return None
    # Luma of the code band only; full-height coordinates are kept by zeroing the rows above.
    band_top = max(0, int(CODE_TOP * height) - 1)
    rgb = image[band_top:, :, :3].astype(np.float32)
    luma = np.zeros((height, width), np.float32)
    luma[band_top:] = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    white = [_cell_luma(luma, r, c) for (r, c), bit in _MARKERS.items() if bit]
    black = [_cell_luma(luma, r, c) for (r, c), bit in _MARKERS.items() if not bit]
    if min(white) - max(black) < MIN_CONTRAST:
        return None
    threshold = (float(np.mean(white)) + float(np.mean(black))) / 2
    contrast = float(np.mean(white)) - float(np.mean(black))
    values = [_cell_luma(luma, row, col) for row, col in _DATA_CELLS]
    word = 0
    for value in values:
        word = (word << 1) | int(value > threshold)
    decoded = _check(word)
    if decoded is None:
        # Encoders now and then smear one cell towards grey (a mispredicted block). CRC-8 over
        # 24 bits has Hamming distance 4, so flipping the single least certain cell is a safe
        # correction, and only when that cell really is ambiguous.
        margins = [abs(v - threshold) / contrast for v in values]
        weakest = int(np.argmin(margins))
        if margins[weakest] < SOFT_MARGIN:
            decoded = _check(word ^ (1 << (len(values) - 1 - weakest)))
    return decoded


def _check(word: int) -> tuple[int, int] | None:
    payload, crc = word >> CRC_BITS, word & ((1 << CRC_BITS) - 1)
    if _crc8(payload, EPISODE_BITS + FRAME_BITS) != crc:
        return None
    return payload >> FRAME_BITS, payload & MAX_FRAME


def camera_hue(camera_index: int) -> np.ndarray:
    """A base RGB colour per camera, so cameras are told apart at a glance and by tests."""
    hues = [(200, 120, 60), (60, 140, 200), (90, 180, 90), (180, 90, 170), (200, 190, 70)]
    return np.array(hues[camera_index % len(hues)], dtype=np.float32)


def make_camera_frame(
    width: int, height: int, *, episode: int, frame: int, camera_index: int = 0, seed: int = 0
) -> np.ndarray:
    """An HxWx3 uint8 camera-like frame: gradient + a moving disc + per-frame noise, plus the code."""
    ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    xs = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    base = camera_hue(camera_index)
    # Slow lighting drift over the episode, and a diagonal gradient like a lit scene.
    shade = 0.55 + 0.35 * (0.6 * xs + 0.4 * ys) + 0.05 * np.sin(frame / 15.0 + episode)
    image = shade[..., None] * base[None, None, :]
    # A disc that moves along a per-episode path: something like an object or the gripper.
    phase = frame / 20.0 + episode * 1.3 + camera_index * 0.7
    cx, cy = 0.5 + 0.3 * np.cos(phase), 0.25 + 0.12 * np.sin(1.7 * phase)
    radius = 0.12
    aspect = width / max(height, 1)
    dist2 = ((xs - cx) * aspect) ** 2 + (ys - cy) ** 2
    disc = (dist2 < radius * radius)[..., None]
    image = np.where(disc, np.array([235.0, 235.0, 225.0], dtype=np.float32), image)
    rng = np.random.default_rng((seed, camera_index, episode, frame))
    image += rng.normal(0.0, 4.0, size=(height, width, 1)).astype(np.float32)
    out = np.clip(image, 0, 255).astype(np.uint8)
    draw_frame_code(out, episode, frame)
    return out
