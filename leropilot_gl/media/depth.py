"""Depth cameras: their quantization parameters, codes -> depth in the dataset's unit, a colormap.

LeRobot 0.6 stores a depth camera as 12-bit gray video (HEVC gray12le in mp4). Each pixel is a
code q in [0, qmax] (qmax = 4095 for 12 bits). The feature's `info` carries how depth maps to
codes, in metres: `video.depth_min` (code 0), `video.depth_max` (code qmax), `video.shift` and
`video.use_log`. With use_log the codes are spaced evenly in log(depth + shift) between the two
ends (finer steps near the camera), else evenly in depth. `depth_unit` ("mm" or "m") names the
unit the dataset's depth frames are expressed in. Missing keys take LeRobot's defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_DEPTH_MIN_M = 0.01
DEFAULT_DEPTH_MAX_M = 10.0
DEFAULT_SHIFT_M = 3.5
DEFAULT_USE_LOG = True
DEFAULT_UNIT = "mm"
UNIT_PER_METRE = {"m": 1.0, "mm": 1000.0}


def is_depth_feature(feature: dict[str, Any]) -> bool:
    """True for a feature that LeRobot marks as a depth map (current or legacy key)."""
    info = feature.get("info") or {}
    video_info = feature.get("video_info") or {}
    return bool(
        info.get("is_depth_map") or info.get("video.is_depth_map") or video_info.get("video.is_depth_map")
    )


@dataclass(frozen=True)
class DepthParams:
    """How a depth camera's codes map to depth; all distances in metres."""

    depth_min_m: float = DEFAULT_DEPTH_MIN_M
    depth_max_m: float = DEFAULT_DEPTH_MAX_M
    shift_m: float = DEFAULT_SHIFT_M
    use_log: bool = DEFAULT_USE_LOG
    unit: str = DEFAULT_UNIT  # the dataset's depth unit: values are given in it
    bits: int = 12

    @property
    def qmax(self) -> int:
        return (1 << self.bits) - 1

    @classmethod
    def from_feature(cls, feature: dict[str, Any], *, bits: int = 12) -> DepthParams:
        """From an info.json feature; bad values raise ValueError with a one-line message."""
        info = feature.get("info") or {}

        def pick(name: str, default: Any) -> Any:
            for key in (f"video.{name}", name):
                if info.get(key) is not None:
                    return info[key]
            return default

        try:
            params = cls(
                depth_min_m=float(pick("depth_min", DEFAULT_DEPTH_MIN_M)),
                depth_max_m=float(pick("depth_max", DEFAULT_DEPTH_MAX_M)),
                shift_m=float(pick("shift", DEFAULT_SHIFT_M)),
                use_log=bool(pick("use_log", DEFAULT_USE_LOG)),
                unit=str(info.get("depth_unit") or DEFAULT_UNIT),
                bits=bits,
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"depth parameters unreadable: {exc}") from None
        params.check()
        return params

    def check(self) -> None:
        if self.unit not in UNIT_PER_METRE:
            raise ValueError(f"depth_unit {self.unit!r} is not one of {', '.join(UNIT_PER_METRE)}")
        if not self.depth_max_m > self.depth_min_m:
            raise ValueError(f"depth_max {self.depth_max_m} is not above depth_min {self.depth_min_m}")
        if self.use_log and self.depth_min_m + self.shift_m <= 0:
            raise ValueError("depth_min + shift must be positive for log quantization")

    def _scale_offset(self) -> tuple[float, float]:
        if self.use_log:
            low = math.log(self.depth_min_m + self.shift_m)
            high = math.log(self.depth_max_m + self.shift_m)
        else:
            low, high = self.depth_min_m, self.depth_max_m
        return (high - low) / self.qmax, low

    def to_depth(self, codes: np.ndarray) -> np.ndarray:
        """Codes (any integer array) -> float32 depth in the dataset's unit, within [min, max]."""
        scale, offset = self._scale_offset()
        out = np.asarray(codes, dtype=np.float64) * scale + offset
        if self.use_log:
            np.exp(out, out=out)
            out -= self.shift_m
        np.clip(out, self.depth_min_m, self.depth_max_m, out=out)
        out *= UNIT_PER_METRE[self.unit]
        return out.astype(np.float32)

    def to_depth_range(self) -> tuple[float, float]:
        """The nearest and farthest depth a code can hold, in the dataset's unit."""
        factor = UNIT_PER_METRE[self.unit]
        return self.depth_min_m * factor, self.depth_max_m * factor

    def depth_at(self, code: int) -> float:
        """One code -> depth in the dataset's unit (the value under the cursor)."""
        return float(self.to_depth(np.array([code]))[0])

    def to_codes(self, depth: np.ndarray) -> np.ndarray:
        """Depth in the dataset's unit -> uint16 codes: the inverse, to write test fixtures."""
        metres = np.asarray(depth, dtype=np.float64) / UNIT_PER_METRE[self.unit]
        if self.use_log:
            low = math.log(self.depth_min_m + self.shift_m)
            high = math.log(self.depth_max_m + self.shift_m)
            norm = (np.log(metres + self.shift_m) - low) / (high - low)
        else:
            norm = (metres - self.depth_min_m) / (self.depth_max_m - self.depth_min_m)
        return np.clip(np.rint(norm * self.qmax), 0, self.qmax).astype(np.uint16)


def _turbo_like(count: int) -> np.ndarray:
    """count x 4 uint8 RGBA: dark blue (near) through cyan, green, yellow to dark red (far)."""
    stops = np.array(
        [
            (0.00, 0.19, 0.07, 0.23),
            (0.15, 0.27, 0.41, 0.94),
            (0.30, 0.10, 0.80, 0.86),
            (0.45, 0.27, 0.98, 0.47),
            (0.60, 0.75, 0.96, 0.20),
            (0.75, 0.99, 0.72, 0.21),
            (0.90, 0.91, 0.33, 0.05),
            (1.00, 0.48, 0.02, 0.01),
        ]
    )
    x = np.linspace(0.0, 1.0, count)
    rgb = np.stack([np.interp(x, stops[:, 0], stops[:, c]) for c in (1, 2, 3)], axis=1)
    out = np.empty((count, 4), dtype=np.uint8)
    out[:, :3] = np.rint(rgb * 255)
    out[:, 3] = 255
    return out


class DepthColormap:
    """Codes -> RGBA through a lookup table with one entry per code: a gather, no float math.

    The colours follow the codes, so a log-quantized camera gets finer colour steps up close,
    where its depth resolution is; the range is the camera's fixed [min, max], so a colour means
    the same depth in every frame.
    """

    def __init__(self, bits: int = 12) -> None:
        self.bits = bits
        self._lut = _turbo_like(1 << bits)
        self._lut_words = self._lut.reshape(-1).view("<u4")

    def __call__(self, codes: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.ndim != 2:
            raise ValueError(f"expected an HxW code image, got shape {codes.shape}")
        height, width = codes.shape
        if out is None or out.shape != (height, width, 4) or out.dtype != np.uint8:
            out = np.empty((height, width, 4), dtype=np.uint8)
        top = (1 << self.bits) - 1
        index = np.minimum(codes, top) if codes.max(initial=0) > top else codes
        np.take(self._lut_words, index, out=out.reshape(height, width * 4).view("<u4"))
        return out


def bits_of(pix_fmt: str | None) -> int:
    """Bits per code of a gray pixel format: gray12le -> 12, gray16le -> 16 (default 12)."""
    digits = "".join(ch for ch in (pix_fmt or "") if ch.isdigit())
    return int(digits) if digits else 12
