"""Compact: rewrite a saved dataset's mp4s so each file holds its episodes in order, without
overlap or unused bytes — the canonical layout LeRobot's own tools (delete_episodes,
split_dataset) assume.

An episode's segment is remuxed (packets copied, timestamps rebased, no decoding) when it starts
on a keyframe and its packets are in presentation order; any other segment is re-encoded into a
file of its own. Runs of remuxable segments share a file. Data parquet is reused; the episodes
table gets the new video positions. Built beside the dataset and swapped in like a save (the
user's other files carried over, the old mp4s and episodes table kept in a backup).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.backup import Backup, is_owned, swap_in
from leropilot_gl.dataset.fsio import link_or_copy
from leropilot_gl.dataset.journal import (
    EditError,
    EditSession,
    meta_fingerprint,
    remember_fingerprint,
    write_saving_marker,
)
from leropilot_gl.dataset.lock import DatasetLock, staging_path
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.open import open_dataset
from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pq = lazy_module("pyarrow.parquet")

_INPUTS_KEPT = 4  # source files held open at once by one writer
ENCODERS = {"av1": "libsvtav1", "h264": "libx264", "hevc": "libx265"}


@dataclass
class CompactResult:
    root: Path
    segments_remuxed: int = 0
    segments_reencoded: int = 0
    files_written: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    seconds: float = 0.0
    index: DatasetIndex | None = None
    fingerprint: str = ""
    backup: Backup | None = None
    reencoded: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"compacted {self.root.name}: {self.segments_remuxed} episode video(s) remuxed, "
            f"{self.segments_reencoded} re-encoded, {self.files_written} file(s), "
            f"{self.bytes_before / 1e6:.1f} MB -> {self.bytes_after / 1e6:.1f} MB in {self.seconds:.1f} s"
        )


@dataclass
class _Packets:
    """One source file's video packets, demuxed once (no decoding)."""

    pts: list[int]
    dts: list[int]
    key: list[bool]
    duration: list[int]
    time_base: Fraction
    codec: str
    width: int
    height: int
    extradata: bytes
    _times_s: np.ndarray | None = None
    _dts: np.ndarray | None = None

    def dts_array(self) -> np.ndarray:
        if self._dts is None:
            self._dts = np.array(self.dts, dtype=np.int64)
        return self._dts

    def times_s(self) -> np.ndarray:
        """Presentation times in seconds, in decode order (exactly float(pts * time_base))."""
        if self._times_s is None:
            tb = self.time_base
            # pts * numerator is exact in float64 here, so one division rounds like the Fraction
            self._times_s = np.array(self.pts, dtype=np.float64) * tb.numerator / tb.denominator
        return self._times_s


def compact(
    session: EditSession,
    root: str | Path,
    *,
    progress: Callable[[float, str], None] | None = None,
    finish: bool = True,
) -> CompactResult:
    """Rewrite root's videos canonically. Refused while root has pending edits (save them first)."""
    started = time.perf_counter()
    report = progress or (lambda _f, _t: None)
    journal = session.journal(root)
    if journal.dirty:
        raise EditError(f"{journal.root.name} has pending edits; save or discard them before compacting")
    index = session.indexes[str(journal.root)]
    if index.version != L.V30:
        raise EditError(
            f"{journal.root.name} is LeRobot {index.version}; save it (as v3.0) before compacting"
        )
    snapshot = json.loads(json.dumps(journal.to_json()))
    result = compact_index(
        index, journal.fingerprint, journal_dir=session.journal_dir, snapshot=snapshot, progress=report
    )
    if finish:
        session.mark_saved(result.root, result.index, result.fingerprint)
    result.seconds = time.perf_counter() - started
    return result


def compact_index(
    index: DatasetIndex,
    fingerprint: str,
    *,
    journal_dir: Path | None = None,
    snapshot: dict | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> CompactResult:
    """Compact the saved v3.0 dataset `index` describes, whose meta fingerprint is `fingerprint`
    (refused if it changed on disk). Reads no session: a save job runs it right after its swap.
    snapshot: the journal to mark as landed with the compacted fingerprint (a restart then knows
    the dataset on disk holds its edits)."""
    started = time.perf_counter()
    report = progress or (lambda _f, _t: None)
    root = Path(index.root).resolve()
    result = CompactResult(root)
    with DatasetLock(root):
        if meta_fingerprint(root) != fingerprint:
            raise EditError(f"{root} changed on disk since it was opened; reopen it before compacting")
        staging = staging_path(root)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        try:
            _write_compacted(index, staging, result, report)
            report(0.9, "checking")
            check = open_dataset(staging)
            if [e.length for e in check.episodes] != [e.length for e in index.episodes]:
                raise EditError("check of the compacted dataset failed: episode lengths differ")
            new_fingerprint = meta_fingerprint(staging)

            def before_swap(_backup: Backup) -> None:  # under the lock, right before the swap
                if meta_fingerprint(root) != fingerprint:
                    raise EditError(f"{root} changed on disk while compacting; nothing was changed")
                write_saving_marker(journal_dir, snapshot or {}, new_fingerprint)

            result.backup = swap_in(root, staging, kind="compact", summary="compact", before_swap=before_swap)
        except BaseException:
            if staging.exists() and root.exists():
                shutil.rmtree(staging, ignore_errors=True)
            raise
        result.index = remember_fingerprint(open_dataset(root), new_fingerprint)  # read under the lock
        result.fingerprint = new_fingerprint
    result.seconds = time.perf_counter() - started
    report(1.0, result.summary())
    return result


COMPACT_WORK_DIR = ".leropilot-compact"  # inside a save's staging folder, removed with it


def compact_staged(
    folder: Path,
    live_root: Path,
    *,
    progress: Callable[[float, str], None] | None = None,
) -> CompactResult:
    """Compact a dataset a save has just built in its staging folder, before it is swapped in, so
    the save lands canonical in one swap with one backup. New video files take numbers that
    neither the staged nor the live dataset uses (a path never names different bytes over time).
    On failure the staged dataset is left as it was."""
    started = time.perf_counter()
    report = progress or (lambda _f, _t: None)
    index = open_dataset(folder)
    result = CompactResult(Path(live_root))
    work = folder / COMPACT_WORK_DIR
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    try:
        _write_compacted(index, work, result, report, also_avoid=Path(live_root))
        for rel in (L.VIDEO_DIR, L.EPISODES_V3_DIR):
            if not (work / rel).exists():
                raise EditError(f"compacting wrote no {rel}")
        for rel in (L.VIDEO_DIR, L.EPISODES_V3_DIR):  # the staged ones were links or fresh files
            shutil.rmtree(folder / rel)
            os.rename(work / rel, folder / rel)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _write_compacted(
    index: DatasetIndex,
    out: Path,
    result: CompactResult,
    report,  # noqa: ANN001
    also_avoid: Path | None = None,
) -> None:
    root = index.root
    info = json.loads((root / L.INFO_PATH).read_text(encoding="utf-8"))
    chunks_size = int(info.get("chunks_size") or L.DEFAULT_CHUNKS_SIZE)
    limit_bytes = float(info.get("video_files_size_in_mb") or 200) * 1024 * 1024
    fps = float(info["fps"])
    # The owned files but the videos and the episodes table are kept as they are (hard links);
    # the user's files are carried over by swap_in.
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if (
            rel.parts[0] == COMPACT_WORK_DIR
            or not is_owned(rel.as_posix())
            or not path.is_file()
            or rel.parts[0] == L.VIDEO_DIR
            or rel.as_posix().startswith(L.EPISODES_V3_DIR)
        ):
            continue
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        link_or_copy(path, out / rel)
    # Columns, not per-episode objects: 100,000 episodes cost numpy calls.
    table = index.table
    episodes = table.episode_index
    lengths = table.length
    positions: dict[str, np.ndarray] = {}
    keys = index.video_keys
    for k, key in enumerate(keys):
        report(0.1 + 0.8 * k / max(1, len(keys)), f"rewriting {key}")
        writer = _FileWriter(out, key, chunks_size, limit_bytes, fps, result)
        # New files take numbers no old file used: a path never names different bytes over time.
        writer.file_number = 1 + max(
            (
                int(p.parent.name.split("-")[1]) * chunks_size + int(p.stem.split("-")[1])
                for base in (root, also_avoid)
                if base is not None
                for p in (base / L.VIDEO_DIR / key).glob("chunk-*/file-*.mp4")
            ),
            default=-1,
        )
        vc = table.videos.get(key)
        if vc is None or (vc.file < 0).any():
            missing = episodes if vc is None else episodes[vc.file < 0]
            raise EditError(f"episode {int(missing[0])} has no {key} video; not compacting")
        chunk_col = np.zeros(len(episodes), dtype=np.int64)
        file_col = np.zeros(len(episodes), dtype=np.int64)
        from_col = np.zeros(len(episodes), dtype=np.float64)
        to_col = np.zeros(len(episodes), dtype=np.float64)
        packets: dict[int, _Packets] = {}
        try:
            for i in range(len(episodes)):
                f = int(vc.file[i])
                path = vc.paths[f]
                if f not in packets:
                    packets[f] = _demux(path)
                    result.bytes_before += path.stat().st_size
                src = packets[f]
                first, last = _segment(src, float(vc.from_s[i]), float(vc.to_s[i]), int(lengths[i]), fps)
                if _remuxable(src, first, last):
                    pos = writer.remux(path, src, first, last)
                    result.segments_remuxed += 1
                else:
                    pos = writer.reencode(path, src, first, last)
                    result.segments_reencoded += 1
                    result.reencoded.append(f"{key} episode {int(episodes[i])}")
                chunk_col[i], file_col[i], from_col[i], to_col[i] = pos
            writer.close()
        finally:
            writer.close_inputs()
        positions[L.ep_video_column(key, "chunk_index")] = chunk_col
        positions[L.ep_video_column(key, "file_index")] = file_col
        positions[L.ep_video_column(key, "from_timestamp")] = from_col
        positions[L.ep_video_column(key, "to_timestamp")] = to_col
    # The episodes table with the new positions (every other column kept, types as they were).
    for path in sorted((root / L.EPISODES_V3_DIR).glob("chunk-*/file-*.parquet")):
        part = pq.read_table(path)
        here = part.column("episode_index").to_numpy().astype(np.int64)
        rows = np.searchsorted(episodes, here)
        for name, values in positions.items():
            if name in part.column_names:
                at = part.column_names.index(name)
                kind = part.schema.field(name).type
                part = part.set_column(at, part.schema.field(name), pa.array(values[rows]).cast(kind))
            else:
                part = part.append_column(name, pa.array(values[rows]))
        dst = out / path.relative_to(root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(part, dst)
    result.bytes_after = sum(p.stat().st_size for p in (out / L.VIDEO_DIR).rglob("*.mp4"))


def _demux(path: Path) -> _Packets:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        out = _Packets(
            [],
            [],
            [],
            [],
            Fraction(stream.time_base),
            stream.codec_context.name,
            stream.codec_context.width,
            stream.codec_context.height,
            bytes(stream.codec_context.extradata or b""),
        )
        for packet in container.demux(stream):
            if packet.pts is None or packet.dts is None:
                continue
            out.pts.append(int(packet.pts))
            out.dts.append(int(packet.dts))
            out.key.append(bool(packet.is_keyframe))
            out.duration.append(int(packet.duration or 0))
    return out


def _segment(src: _Packets, from_s: float, to_s: float, length: int, fps: float) -> tuple[int, int]:
    """Packet positions (decode order) [first, last] of the frames shown in [from_s, to_s)."""
    half = 0.5 / fps
    t = src.times_s()
    chosen = np.flatnonzero((t >= from_s - half) & (t < to_s - half))
    if len(chosen) != length:
        raise EditError(
            f"the video holds {len(chosen)} frames in [{from_s:.3f}, {to_s:.3f}) s, the episode {length}; "
            "not compacting a file that does not match its episodes"
        )
    return int(chosen[0]), int(chosen[-1])


def _remuxable(src: _Packets, first: int, last: int) -> bool:
    if not src.key[first]:
        return False
    pts = src.pts[first : last + 1]
    return pts == sorted(pts) and last - first + 1 == len(pts)


class _FileWriter:
    """Appends segments to output files; remuxed runs share a file, re-encoded segments get their own."""

    def __init__(
        self, out: Path, key: str, chunks_size: int, limit_bytes: float, fps: float, result: CompactResult
    ) -> None:
        self.out, self.key, self.chunks_size, self.limit_bytes, self.fps = (
            out,
            key,
            chunks_size,
            limit_bytes,
            fps,
        )
        self.result = result
        self.file_number = 0
        self.container = None
        self.stream = None
        self.template: tuple | None = None
        self.cursor = 0  # next pts in the output stream's time base
        self.bytes = 0
        self.inputs: dict[Path, object] = {}

    def _path(self, n: int) -> Path:
        path = self.out / L.DEFAULT_VIDEO_PATH_V3.format(
            video_key=self.key, chunk_index=n // self.chunks_size, file_index=n % self.chunks_size
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _position(
        self, n: int, from_pts: int, to_pts: int, time_base: Fraction
    ) -> tuple[int, int, float, float]:
        """chunk_index, file_index, from_timestamp, to_timestamp of a segment written."""
        num, den = time_base.numerator, time_base.denominator
        # int / int rounds correctly: the same float as float(pts * time_base), without Fractions
        return n // self.chunks_size, n % self.chunks_size, from_pts * num / den, to_pts * num / den

    def _input(self, path: Path, src: _Packets, first: int) -> tuple[object, object, int]:
        """An open demuxer of path placed at or before packet `first` (decode order), and the
        position of the next packet it yields. Kept open between segments: the episodes of one
        file come one after another, so most segments continue where the last one stopped, and
        the others seek to their keyframe instead of reading the file from its start."""
        import av

        held = self.inputs.get(path)
        if held is not None and held[2] <= first:
            return held
        if held is None:
            if len(self.inputs) >= _INPUTS_KEPT:
                self.close_inputs()
            container = av.open(str(path))
            stream = container.streams.video[0]
            held = (container, container.demux(stream), 0)
        else:
            container = held[0]
            stream = container.streams.video[0]
            try:
                container.seek(int(src.pts[first]), stream=stream, backward=True, any_frame=False)
                packets = container.demux(stream)
            except av.FFmpegError:
                container.seek(0, stream=stream, backward=True, any_frame=False)
                packets = container.demux(stream)
            held = (container, packets, -1)  # -1: the position is read from the next packet's dts
        self.inputs[path] = held
        return held

    def _packets(self, path: Path, src: _Packets, first: int, last: int):  # noqa: ANN202
        """Packets first..last (decode order) of path."""
        container, packets, i = self._input(path, src, first)
        # Until this run ends where it should, the position is unknown (read from the next dts).
        self.inputs[path] = (container, packets, -1)
        for packet in packets:
            dts = packet.dts
            if dts is None or packet.pts is None:
                continue
            if i < 0:  # after a seek: find where we are by decode timestamp
                i = int(np.searchsorted(src.dts_array(), dts))
                if i >= len(src.dts) or src.dts[i] != dts or i > first:
                    self._drop_input(path)  # an inexact seek: read from the start instead
                    yield from self._packets(path, src, first, last)
                    return
            pos, i = i, i + 1
            if pos < first:
                continue
            yield packet
            if pos >= last:
                self.inputs[path] = (container, packets, i)
                return
        self._drop_input(path)  # at its end

    def _drop_input(self, path: Path) -> None:
        held = self.inputs.pop(path, None)
        if held is not None:
            held[0].close()

    def close_inputs(self) -> None:
        for path in list(self.inputs):
            self._drop_input(path)

    def remux(self, path: Path, src: _Packets, first: int, last: int) -> tuple[int, int, float, float]:
        import av

        template = (src.codec, src.width, src.height, src.extradata, src.time_base, path)
        if self.container is not None and (
            self.template[:5] != template[:5] or self.bytes > self.limit_bytes
        ):
            self.close()
        if self.container is None:
            self.container = av.open(str(self._path(self.file_number)), "w", format="mp4")
            with av.open(str(path)) as probe:
                self.stream = self.container.add_stream_from_template(probe.streams.video[0], opaque=True)
            self.stream.time_base = src.time_base
            self.template, self.cursor, self.bytes = template, 0, 0
        start_pts = src.pts[first]
        for packet in self._packets(path, src, first, last):
            delay = packet.pts - packet.dts
            packet.pts = self.cursor + packet.pts - start_pts
            packet.dts = packet.pts - delay
            packet.stream = self.stream
            self.bytes += packet.size
            self.container.mux(packet)
        end_pts = src.pts[last] + (src.duration[last] or round(1 / (self.fps * src.time_base)))
        position = self._position(
            self.file_number, self.cursor, self.cursor + end_pts - start_pts, src.time_base
        )
        self.cursor += end_pts - start_pts
        return position

    def reencode(self, path: Path, src: _Packets, first: int, last: int) -> tuple[int, int, float, float]:
        import av

        self.close()
        frames_wanted = sorted(src.pts[first : last + 1])
        wanted = set(frames_wanted)
        out_path = self._path(self.file_number)
        encoder = ENCODERS.get(src.codec, "libsvtav1")
        rate = Fraction(self.fps).limit_denominator(1001)
        with av.open(str(path)) as container, av.open(str(out_path), "w", format="mp4") as output:
            stream = container.streams.video[0]
            ostream = output.add_stream(encoder, rate=rate)
            ostream.width, ostream.height, ostream.pix_fmt = src.width, src.height, "yuv420p"
            ostream.options = {"g": "2", "crf": "30"} if encoder != "libsvtav1" else {"g": "2", "crf": "30"}
            container.seek(frames_wanted[0], stream=stream, backward=True, any_frame=False)
            n = 0
            for frame in container.decode(stream):
                if frame.pts is None or frame.pts not in wanted:
                    if frame.pts is not None and frame.pts > frames_wanted[-1]:
                        break
                    continue
                new = frame.reformat(format="yuv420p")
                new.pts = n
                new.time_base = Fraction(1) / rate
                for packet in ostream.encode(new):
                    output.mux(packet)
                n += 1
            for packet in ostream.encode(None):
                output.mux(packet)
            out_tb = Fraction(ostream.time_base)
        if n != len(frames_wanted):
            raise EditError(f"re-encoding {path.name} gave {n} frames, expected {len(frames_wanted)}")
        # Read back the real timestamps the muxer wrote (time base chosen by the mp4 muxer).
        written = _demux(out_path)
        tb = written.time_base or out_tb
        end = written.pts[-1] + (written.duration[-1] or round(1 / (self.fps * tb)))
        position = self._position(self.file_number, written.pts[0], end, tb)
        self.file_number += 1
        self.result.files_written += 1
        return position

    def close(self) -> None:
        if self.container is not None:
            self.container.close()
            self.container = None
            self.file_number += 1
            self.result.files_written += 1


def video_order_warnings(index: DatasetIndex) -> list[str]:
    """v3.0 video files whose episodes are out of order or overlap (a fast save, or another tool):
    LeRobot loads them, but its delete_episodes/split_dataset would return wrong frames."""
    if index.version != L.V30 or not index.fps:
        return []
    half_frame = 0.5 / float(index.fps)
    out = []
    for key in index.video_keys:
        columns = index.table.videos.get(key)
        if columns is None:
            continue
        for file_id in columns.files_out_of_order(half_frame):  # columnar: 100,000 episodes in ms
            path = columns.paths[file_id]
            rel = path.relative_to(index.root) if path.is_relative_to(index.root) else path
            out.append(
                f"{rel}: episodes out of order or overlapping; LeRobot's delete/split tools would "
                "return wrong frames: compact it (leropilot-gl edit DATASET --compact)"
            )
    return out
