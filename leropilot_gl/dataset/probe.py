"""Read an mp4's header (codec, size, frame rate) without decoding a frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VideoProbe:
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    pix_fmt: str | None = None
    duration_s: float | None = None
    error: str | None = None


def probe_video(path: Path) -> VideoProbe:
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
