"""One decoder per mp4, kept open: torchcodec (CUDA when it works, else CPU), PyAV as the fallback.

A decoder is used by one thread only (dav1d crashes when one decoder is shared between threads):
the decode pool opens it inside the worker that owns the file. Frames come out as HxWx3 uint8
numpy arrays (RGB), ready for a texture upload.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np

BACKEND_ENV = "LEROPILOT_VIDEO_BACKEND"  # "auto" (default), "torchcodec" or "pyav"
BACKENDS = ("auto", "torchcodec", "pyav")
# Gray formats deeper than 8 bits: depth cameras (LeRobot 0.6 writes 12-bit codes in gray12le).
# They are decoded by PyAV to uint16 codes; torchcodec would convert them to 8-bit RGB.
GRAY_DEEP_FORMATS = ("gray10le", "gray12le", "gray14le", "gray16le", "gray16be")
# The decoder a CPU-only machine uses in "auto". Measured with tools/bench/scrub.py (3 cameras
# 640x480 AV1, 2 cores): PyAV seeks as fast as torchcodec and needs no torch import (3 to 5 s,
# about 1 GB of RSS), so torch is loaded only where torchcodec can use a GPU.
CPU_AUTO_BACKEND = "pyav"


class MediaError(Exception):
    """A video that cannot be opened or a frame that cannot be decoded; the message is for the user."""


@dataclass(frozen=True)
class VideoInfo:
    """What a decoder learned from the file: its own frame rate and frame count."""

    fps: float
    num_frames: int
    width: int
    height: int
    codec: str | None


@dataclass(frozen=True)
class BackendStatus:
    """Which decoder the app uses, and, when it is not the preferred one, why (shown in the UI)."""

    name: str  # "torchcodec", "pyav"
    device: str  # "cpu" or "cuda"
    reason: str | None = None  # why the preferred backend or device is not in use

    def describe(self) -> str:
        text = f"{self.name} ({self.device})"
        return f"{text}: {self.reason}" if self.reason else text


class FrameDecoder(Protocol):
    path: Path
    info: VideoInfo

    def get_frame(self, index: int, *, out: np.ndarray | None = None) -> np.ndarray: ...

    def close(self) -> None: ...


class TorchcodecDecoder:
    """torchcodec's VideoDecoder with exact seeking, frames in HWC order (no transpose needed)."""

    def __init__(self, path: Path, *, device: str = "cpu") -> None:
        from torchcodec.decoders import VideoDecoder

        self.path = Path(path)
        self.device = device
        try:
            self._decoder = VideoDecoder(
                str(path), dimension_order="NHWC", seek_mode="exact", num_ffmpeg_threads=1, device=device
            )
        except Exception as exc:  # torchcodec raises RuntimeError/ValueError for damaged or odd files
            raise MediaError(f"cannot open {Path(path).name}: {_first_line(exc)}") from exc
        meta = self._decoder.metadata
        fps = meta.average_fps or meta.average_fps_from_header
        if not fps or not meta.num_frames:
            raise MediaError(f"{Path(path).name}: the video stream has no frame rate or no frames")
        self.info = VideoInfo(float(fps), int(meta.num_frames), int(meta.width), int(meta.height), meta.codec)

    def get_frame(self, index: int, *, out: np.ndarray | None = None) -> np.ndarray:
        """The frame as HxWx3 RGB (out is not used: torchcodec allocates its own tensor)."""
        _check_index(self.path, index, self.info.num_frames)
        try:
            data = self._decoder.get_frame_at(index).data
        except Exception as exc:
            raise MediaError(f"{self.path.name}: frame {index} does not decode ({_first_line(exc)})") from exc
        if data.device.type != "cpu":
            data = data.cpu()
        return data.numpy()

    def close(self) -> None:
        self._decoder = None


class PyAVDecoder:
    """PyAV with index seeking: seek to the keyframe before the frame, decode forward to it.

    Reading on from the last decoded frame costs no seek, so playback decodes each frame once.
    """

    def __init__(self, path: Path, *, rgba: bool = False) -> None:
        import av
        from av.video.reformatter import VideoReformatter

        self.path = Path(path)
        # One converter for the file's life: a frame's own reformat() builds a new swscale
        # context every time (0.22 ms against 0.13 ms per 640x480 RGBA frame here).
        self._reformatter = VideoReformatter()
        # The pixel format frames come out in: swscale writes RGBA directly (one pass), and gray
        # depth streams keep their 12/16-bit codes (uint16), never squashed to 8 bits.
        self.out_format = "rgba" if rgba else "rgb24"
        try:
            self._container = av.open(str(path))
            stream = self._container.streams.video[0]
        except Exception as exc:  # av raises many error types for damaged files
            raise MediaError(f"cannot open {Path(path).name}: {_first_line(exc)}") from exc
        stream.thread_type = "NONE"
        # One decoder thread: dav1d otherwise starts a thread per core and holds frames back for
        # its pipeline, so a seek costs 4 to 16 ms instead of 2 (640x480 AV1, 2 cores). The
        # pool already decodes the cameras side by side.
        stream.codec_context.thread_count = 1
        self._stream = stream
        rate = stream.average_rate or stream.guessed_rate
        if not rate:
            raise MediaError(f"{self.path.name}: the video stream has no frame rate")
        self._rate = Fraction(rate)
        self._time_base = stream.time_base
        self._start_pts = stream.start_time or 0
        num_frames = stream.frames
        if not num_frames and stream.duration:
            num_frames = round(float(stream.duration * stream.time_base) * float(rate))
        ctx = stream.codec_context
        self.info = VideoInfo(float(rate), int(num_frames or 0), ctx.width, ctx.height, ctx.name)
        self.pix_fmt = ctx.pix_fmt  # e.g. "yuv420p", or "gray12le" for a depth camera
        if self.pix_fmt in GRAY_DEEP_FORMATS:
            self.out_format = self.pix_fmt
        self._frames = None  # the decode iterator after the last seek
        self._next_index: int | None = None  # the index the iterator yields next
        self._fresh_seek = False

    def _index_of(self, frame) -> int:
        return round(float((frame.pts - self._start_pts) * self._time_base) * float(self._rate))

    def get_frame(self, index: int, *, out: np.ndarray | None = None) -> np.ndarray:
        """The frame in out_format; written into out when out has the frame's shape (HxWx4 or 3).

        out should be memory already written once: a fresh array costs more in page faults
        (~0.8 ms for 640x480 RGBA here) than the colour conversion itself.
        """
        if self.info.num_frames:
            _check_index(self.path, index, self.info.num_frames)
        try:
            if self._next_index is None or not (self._next_index <= index <= self._next_index + 4):
                self._seek(index)
            # An open GOP (x265's default) drops the frames that lead a keyframe after a seek:
            # when the first frame out is past the target, seek further back and read on.
            back, sought = 1, index
            while True:
                frame, got = self._read_until(index)
                if frame is not None and got == index:
                    self._next_index = got + 1
                    return self._to_array(frame, out)
                if not self._fresh_seek or sought == 0:
                    break
                back *= 4
                sought = max(0, index - back)
                self._seek(sought)
        except MediaError:
            self._next_index = None
            raise
        except Exception as exc:
            self._next_index = None
            raise MediaError(f"{self.path.name}: frame {index} does not decode ({_first_line(exc)})") from exc
        self._next_index = None
        if got is not None:
            raise MediaError(f"{self.path.name}: frame {index} is missing (next is {got})")
        raise MediaError(f"{self.path.name}: frame {index} is outside the file (its frames end before it)")

    def _to_array(self, frame, out: np.ndarray | None) -> np.ndarray:  # noqa: ANN001  # av.VideoFrame
        converted = self._reformatter.reformat(frame, format=self.out_format)
        channels = {"rgba": 4, "rgb24": 3}.get(self.out_format)
        if out is None or channels is None or out.shape != (frame.height, frame.width, channels):
            return converted.to_ndarray()  # already in out_format: no second conversion
        # swscale converted into a frame of its own (freed right after, so the allocator hands
        # the same warm memory back next time); one copy lands the pixels in out.
        plane = converted.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
        np.copyto(out.reshape(frame.height, -1), rows[:, : frame.width * channels])
        return out

    def _seek(self, index: int) -> None:
        target_pts = self._start_pts + int(Fraction(index) / self._rate / self._time_base)
        self._container.seek(target_pts, stream=self._stream, backward=True, any_frame=False)
        self._frames = self._container.decode(self._stream)
        self._fresh_seek = True

    def _read_until(self, index: int):
        """Decode on to the first frame at or past index: (frame, its index), or (None, None) at the end.

        _fresh_seek stays True only when that frame is the first one out after a seek.
        """
        first = True
        for frame in self._frames:
            got = self._index_of(frame)
            if got >= index:
                self._fresh_seek = self._fresh_seek and first
                return frame, got
            first = False
        self._fresh_seek = False
        return None, None

    def close(self) -> None:
        container, self._container = self._container, None
        if container is not None:
            container.close()


def rgb_to_rgba(frame: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """HxWx3 -> HxWx4 with alpha 255: the texture upload then is a plain copy.

    Drivers convert 3-byte pixels on upload in a slow generic path (Mesa's software GL: 1 ms per
    640x480 frame against 0.05 ms for 4-byte pixels), on the UI thread; doing it here moves that
    cost to the decode workers. One pass: each pixel's bytes r,g,b plus the next pixel's first byte
    read as a little-endian uint32, then the top byte forced to 255 (a numpy strided copy of the
    3 channels is 7x slower).
    """
    height, width = frame.shape[:2]
    flat = np.ascontiguousarray(frame, dtype=np.uint8).reshape(-1)
    count = height * width
    if out is None or out.shape != (height, width, 4) or out.dtype != np.uint8 or not out.flags.c_contiguous:
        out = np.empty((height, width, 4), dtype=np.uint8)
    words_out = out.reshape(-1).view("<u4")
    if count > 1:
        words = np.ndarray(shape=(count - 1,), dtype="<u4", buffer=flat, offset=0, strides=(3,))
        np.bitwise_or(words, np.uint32(0xFF000000), out=words_out[: count - 1])
    if count:
        red, green, blue = (int(v) for v in flat[-3:])  # the last pixel has no byte after it
        words_out[count - 1] = red | green << 8 | blue << 16 | 0xFF000000
    return out


def _check_index(path: Path, index: int, num_frames: int) -> None:
    if not 0 <= index < num_frames:
        raise MediaError(f"{path.name}: frame {index} is outside the file's {num_frames} frames")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def cuda_driver_present() -> bool:
    """An NVIDIA driver is installed (checked without importing torch): only then is torch worth loading."""
    if os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidiactl"):
        return True
    import ctypes.util

    return os.name == "nt" and ctypes.util.find_library("nvcuda") is not None


class BackendProbe:
    """Finds, once per process, which backend and device work here.

    status() may import torch (seconds): scripts call it. status_now() never waits: while the
    probe runs in its own thread it answers PyAV, so the first frames decode before torch is in.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status: dict[str, BackendStatus] = {}
        self._probing: dict[str, threading.Thread] = {}

    def status(self, preferred: str = "auto") -> BackendStatus:
        preferred = _resolve(preferred)
        with self._lock:
            thread = self._probing.get(preferred)
        if thread is not None:
            thread.join()
        with self._lock:
            if preferred not in self._status:
                self._status[preferred] = _probe(preferred)
            return self._status[preferred]

    def status_now(self, preferred: str = "auto") -> tuple[BackendStatus, bool]:
        """(status, final): final is False while torchcodec still loads and PyAV stands in."""
        preferred = _resolve(preferred)
        with self._lock:
            known = self._status.get(preferred)
            if known is not None:
                return known, True
            if preferred == "pyav" or (
                preferred == "auto" and CPU_AUTO_BACKEND == "pyav" and not cuda_driver_present()
            ):
                # Nothing to load: decided at once, torch never imported.
                self._status[preferred] = _probe(preferred)
                return self._status[preferred], True
            if preferred not in self._probing:
                thread = threading.Thread(
                    target=self._probe_into, args=(preferred,), name="decoder-probe", daemon=True
                )
                self._probing[preferred] = thread
                thread.start()
        return BackendStatus("pyav", "cpu", "torchcodec is loading"), False

    def _probe_into(self, preferred: str) -> None:
        status = _probe(preferred)
        with self._lock:
            self._status[preferred] = status
            self._probing.pop(preferred, None)


def _resolve(preferred: str) -> str:
    preferred = preferred if preferred != "auto" else os.environ.get(BACKEND_ENV, "auto")
    return preferred if preferred in BACKENDS else "auto"


def _probe(preferred: str) -> BackendStatus:
    if preferred == "pyav":
        return BackendStatus("pyav", "cpu", "chosen in settings")
    if preferred == "auto" and CPU_AUTO_BACKEND == "pyav" and not cuda_driver_present():
        return BackendStatus("pyav", "cpu", None)
    try:
        import torchcodec.decoders  # noqa: F401  # fails when FFmpeg's shared libraries are missing
    except Exception as exc:
        return BackendStatus("pyav", "cpu", f"torchcodec cannot load: {_first_line(exc)}")
    try:
        import torch

        if torch.cuda.is_available():
            return BackendStatus("torchcodec", "cuda")
        if preferred == "auto" and CPU_AUTO_BACKEND == "pyav":
            return BackendStatus("pyav", "cpu", "no CUDA device: PyAV seeks fastest on the CPU")
        return BackendStatus("torchcodec", "cpu", None)
    except Exception as exc:
        return BackendStatus("torchcodec", "cpu", f"CUDA check failed: {_first_line(exc)}")


BACKEND_PROBE = BackendProbe()


def open_decoder(
    path: Path, status: BackendStatus, *, rgba: bool = False, gray: bool = False
) -> FrameDecoder:
    """A decoder for path with the given backend; CUDA falls back to CPU per file when NVDEC refuses it.

    rgba: PyAV frames come out HxWx4 (torchcodec's stay HxWx3). gray: a depth camera, decoded
    by PyAV whatever the backend, so its 12/16-bit codes stay whole.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"video file missing: {path}")
    if status.name == "pyav" or gray:
        return PyAVDecoder(path, rgba=rgba)
    if status.device == "cuda":
        try:
            return TorchcodecDecoder(path, device="cuda")
        except MediaError:
            pass  # e.g. a codec the GPU cannot decode: this file decodes on the CPU
    return TorchcodecDecoder(path, device="cpu")
