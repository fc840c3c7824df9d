"""Read an mp4's header (codec, size, frame rate) without decoding a frame.

The common case (an ISO-BMFF mp4, as LeRobot writes) is read from the file's boxes directly:
opening a dataset then does not pay for importing PyAV. Anything else goes through PyAV.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class VideoProbe:
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    pix_fmt: str | None = None
    duration_s: float | None = None
    error: str | None = None


_CODECS = {
    b"av01": "av1",
    b"avc1": "h264",
    b"avc3": "h264",
    b"hvc1": "hevc",
    b"hev1": "hevc",
    b"vp09": "vp9",
    b"mp4v": "mpeg4",
}
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
_MAX_MOOV = 64 * 1024 * 1024


def _boxes(data: bytes, start: int = 0, end: int | None = None):
    """(type, payload start, payload end) of each box in data[start:end]."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _read_moov(f: BinaryIO) -> bytes | None:
    f.seek(0, 2)
    file_size = f.tell()
    pos = 0
    while pos + 8 <= file_size:
        f.seek(pos)
        head = f.read(16)
        if len(head) < 8:
            return None
        size, kind = struct.unpack_from(">I4s", head)
        header = 8
        if size == 1 and len(head) >= 16:
            size, header = struct.unpack_from(">Q", head, 8)[0], 16
        elif size == 0:
            size = file_size - pos
        if size < header:
            return None
        if kind == b"moov":
            if size > _MAX_MOOV:
                return None
            f.seek(pos)
            return f.read(size)
        pos += size
    return None


def _probe_mp4_boxes(path: Path) -> VideoProbe | None:
    """The first video track's codec, size, frame rate and duration from the moov box, or None."""
    with open(path, "rb") as f:
        moov = _read_moov(f)
    if moov is None:
        return None
    for kind, a, b in _boxes(moov, 8):
        if kind != b"trak":
            continue
        found: dict[bytes, tuple[int, int]] = {}

        def walk(start: int, end: int, found: dict[bytes, tuple[int, int]] = found) -> None:
            for k, s, e in _boxes(moov, start, end):
                if k in _CONTAINERS:
                    walk(s, e)
                elif k in (b"hdlr", b"mdhd", b"stsd", b"stts"):
                    found.setdefault(k, (s, e))

        walk(a, b)
        if not all(k in found for k in (b"hdlr", b"mdhd", b"stsd", b"stts")):
            continue
        if moov[found[b"hdlr"][0] + 8 : found[b"hdlr"][0] + 12] != b"vide":
            continue
        s = found[b"mdhd"][0]
        if moov[s] == 1:
            timescale, duration = struct.unpack_from(">IQ", moov, s + 20)
        else:
            timescale, duration = struct.unpack_from(">II", moov, s + 12)
        s = found[b"stsd"][0]
        entry = s + 8
        fourcc = moov[entry + 4 : entry + 8]
        width, height = struct.unpack_from(">HH", moov, entry + 8 + 24)
        s = found[b"stts"][0]
        (count,) = struct.unpack_from(">I", moov, s + 4)
        frames = total = 0
        for i in range(count):
            n, delta = struct.unpack_from(">II", moov, s + 8 + 8 * i)
            frames += n
            total += n * delta
        if fourcc not in _CODECS or not timescale:
            return None  # an unusual file: let PyAV read it
        return VideoProbe(
            codec=_CODECS[fourcc],
            width=width or None,
            height=height or None,
            fps=round(frames * timescale / total, 6) if total else None,
            duration_s=duration / timescale,
        )
    return None


def probe_video(path: Path) -> VideoProbe:
    try:
        fast = _probe_mp4_boxes(path)
    except (OSError, struct.error):
        fast = None
    if fast is not None:
        return fast
    import av  # imported here: only datasets with videos pay for it

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return VideoProbe(error="no video stream in the file")
            stream = container.streams.video[0]
            ctx = stream.codec_context
            rate = stream.average_rate or stream.guessed_rate
            duration_s = None
            if stream.duration is not None and stream.time_base is not None:
                duration_s = float(stream.duration * stream.time_base)
            return VideoProbe(
                codec=getattr(ctx.codec, "canonical_name", None)
                or ctx.name,  # "av1", not the decoder "libdav1d"
                width=ctx.width or None,
                height=ctx.height or None,
                fps=float(rate) if rate else None,
                pix_fmt=ctx.pix_fmt,
                duration_s=duration_s,
            )
    except Exception as exc:  # av raises many error types for damaged files
        return VideoProbe(error=f"cannot read the video header ({type(exc).__name__}: {exc})")
