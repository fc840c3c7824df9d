"""Checks that need no pixels: timing, motion, dataset-level. Vectorized per data file.

Every data file is read once (whole columns); per-episode results come from reductions over the
episodes' row ranges, so 100,000 episodes cost a few array passes, not 100,000 Python loops.
Only episodes that have a finding are looked at one by one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.model import DatasetIndex, EpisodeIndex
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.quality.findings import Finding, runs
from leropilot_gl.quality.thresholds import Thresholds

MOTION_KEYS = (L.ACTION, L.OBS_STATE)
PLACEHOLDER_TASKS = {"task", "default", "todo", "test", "none", "null", "n/a", "..."}
MAX_SAMPLE_ROWS = 1_000_000  # rows sampled for the dataset-wide step quantile


@dataclass
class FileBlock:
    """One data file's episodes: rows of each episode, concatenated in episode order."""

    path: Path
    episodes: list[EpisodeIndex]
    offsets: np.ndarray  # start of each episode in the concatenated rows (len = episodes + 1)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    lengths: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.lengths = np.diff(self.offsets)

    def episode_of(self, rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, rows, side="right") - 1


@dataclass
class MotionState:
    """Per-row facts the pixel pass and the idle refinement reuse: which steps move."""

    # root-relative file -> (episode indices, offsets, moving step mask (len rows - 1))
    moving: dict[Path, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)


def _blocks(index: DatasetIndex, wanted: set[int] | None) -> list[FileBlock]:
    by_file: dict[str, list[EpisodeIndex]] = defaultdict(list)  # str keys: Path equality is slow
    for ep in index.episodes:
        if ep.usable and (wanted is None or ep.episode_index in wanted):
            by_file[str(ep.data_path)].append(ep)
    blocks = []
    for eps in by_file.values():
        path = eps[0].data_path
        eps.sort(key=lambda e: e.row_start)
        lengths = np.fromiter((e.row_end - e.row_start for e in eps), dtype=np.int64, count=len(eps))
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        blocks.append(FileBlock(path, eps, offsets))
    return blocks


def _read(index: DatasetIndex, block: FileBlock, key: str) -> np.ndarray | None:
    try:
        col = index.columns.read(block.path, key)
    except Exception:  # a column the file lacks
        return None
    starts = np.fromiter((e.row_start for e in block.episodes), dtype=np.int64, count=len(block.episodes))
    ends = starts + block.lengths
    if len(starts) and np.all(starts[1:] == ends[:-1]):  # contiguous: one slice, no copy
        return col[starts[0] : ends[-1]]
    rows = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
    return col[rows]


def load_stats(root: Path) -> dict[str, dict[str, np.ndarray]]:
    path = root / L.STATS_PATH
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, dict[str, np.ndarray]] = {}
    for key, entry in raw.items() if isinstance(raw, dict) else ():
        if not isinstance(entry, dict):
            continue
        try:
            out[key] = {
                k: np.asarray(v, dtype=np.float64).reshape(-1)
                for k, v in entry.items()
                if k in ("min", "max", "mean", "std")
            }
        except (TypeError, ValueError):
            continue
    return out


def cheap_checks(
    index: DatasetIndex, th: Thresholds, *, episodes: set[int] | None = None
) -> tuple[list[Finding], MotionState]:
    """Timing, motion and dataset-level findings (no pixels)."""
    findings: list[Finding] = []
    motion = MotionState()
    blocks = _blocks(index, episodes)
    fps = index.fps
    stats = load_stats(index.root)
    motion_keys = [k for k in MOTION_KEYS if k in index.features and len(index.features[k].shape) <= 1]
    # Pass 1: read columns; dataset-wide scales (std, p99.9 of steps) from stats.json and samples.
    sums: dict[str, list] = {k: [] for k in motion_keys}
    samples: dict[str, list[np.ndarray]] = {k: [] for k in motion_keys}
    total_rows = sum(int(b.offsets[-1]) for b in blocks) or 1
    for block in blocks:
        for key in (L.TIMESTAMP, L.FRAME_INDEX, *motion_keys):
            values = _read(index, block, key)
            if values is not None:
                if key in motion_keys:
                    values = np.asarray(values, dtype=np.float64)
                    if values.ndim == 1:
                        values = values[:, None]
                block.columns[key] = values
        for key in motion_keys:
            x = block.columns.get(key)
            if x is None or not len(x):
                continue
            ok = np.isfinite(x)
            if ok.all():  # the usual case: plain reductions, no NaN-aware copies
                sums[key].append(
                    (x.min(0), x.max(0), x.sum(0), np.einsum("ij,ij->j", x, x), np.full(x.shape[1], len(x)))
                )
            else:
                finite = np.where(ok, x, np.nan)
                sums[key].append(
                    (
                        np.nanmin(finite, 0),
                        np.nanmax(finite, 0),
                        np.nansum(finite, 0),
                        np.nansum(finite**2, 0),
                        np.sum(ok, 0),
                    )
                )
            step = _steps(x, block.offsets)
            take = max(1, int(len(step) * MAX_SAMPLE_ROWS / total_rows))
            samples[key].append(step[:: max(1, len(step) // take)] if len(step) else step)
    scale: dict[str, np.ndarray] = {}
    mean: dict[str, np.ndarray] = {}
    step_p99: dict[str, np.ndarray] = {}
    data_range: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for key in motion_keys:
        if not sums[key]:
            continue
        mins = np.nanmin(np.stack([s[0] for s in sums[key]]), 0)
        maxs = np.nanmax(np.stack([s[1] for s in sums[key]]), 0)
        n = np.maximum(np.sum([s[4] for s in sums[key]], 0), 1)
        m = np.sum([s[2] for s in sums[key]], 0) / n
        var = np.maximum(np.sum([s[3] for s in sums[key]], 0) / n - m**2, 0)
        data_range[key] = (mins, maxs, m)
        std = np.sqrt(var)
        s = stats.get(key, {})
        if "std" in s and s["std"].shape == std.shape and np.all(np.isfinite(s["std"])):
            std = np.where(s["std"] > 0, s["std"], std)
        mean[key] = s["mean"] if "mean" in s and s["mean"].shape == m.shape else m
        scale[key] = np.where(std > 0, std, 1.0)
        all_steps = np.concatenate(samples[key]) if samples[key] else np.zeros((0, len(m)))
        all_steps = all_steps[np.all(np.isfinite(all_steps), 1)]
        step_p99[key] = np.quantile(all_steps, 0.99, axis=0) if len(all_steps) else np.zeros(len(m))
    for block in blocks:
        findings += _timing(block, fps, th)
        findings += _motion(block, fps, th, motion_keys, scale, mean, step_p99, motion)
    findings += _dataset_level(index, blocks, th, motion_keys, stats, data_range, scale)
    return findings, motion


def _steps(x: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """|x[t+1] - x[t]| for steps inside an episode (steps across an episode boundary dropped)."""
    if len(x) < 2:
        return np.zeros((0, x.shape[1]))
    step = np.abs(np.diff(x, axis=0))
    inner = np.ones(len(step), dtype=bool)
    inner[offsets[1:-1] - 1] = False
    return step[inner]


def _boundary_steps(offsets: np.ndarray, n: int) -> np.ndarray:
    """Mask over the n-1 steps: True where the step crosses into the next episode."""
    mask = np.zeros(max(n - 1, 0), dtype=bool)
    cut = offsets[1:-1] - 1
    mask[cut[(cut >= 0) & (cut < len(mask))]] = True
    return mask


def _timing(block: FileBlock, fps: float, th: Thresholds) -> list[Finding]:
    out: list[Finding] = []
    ts = block.columns.get(L.TIMESTAMP)
    if ts is None or not len(ts):
        return out
    ts = np.asarray(ts, dtype=np.float64).reshape(-1)
    n = len(ts)
    offsets = block.offsets
    pos = np.arange(n) - np.repeat(offsets[:-1], block.lengths)
    dev = np.abs(ts - pos / fps)
    dev = np.where(np.isfinite(dev), dev, np.inf)
    worst = np.maximum.reduceat(dev, offsets[:-1]) if n else dev
    bad_eps = np.flatnonzero(worst > th.timestamp_tolerance_s)
    steps = np.diff(ts)
    crossing = _boundary_steps(offsets, n)
    fi = block.columns.get(L.FRAME_INDEX)
    fi = np.asarray(fi, dtype=np.int64).reshape(-1) if fi is not None else pos
    same_frame = np.diff(fi) == 0
    dup = (steps == 0) & same_frame & ~crossing
    backwards = (steps < 0) & ~crossing & ~dup
    gap = (steps > th.gap_frames / fps) & ~crossing
    reported_dev: set[int] = set()
    for name, mask, severity, what in (
        ("duplicate_rows", dup, Severity.ERROR, "row repeats the previous frame"),
        ("timestamp_backwards", backwards, Severity.ERROR, "timestamp goes backwards"),
        ("timestamp_gap", gap, Severity.WARNING, "timestamps jump (dropped frames)"),
    ):
        hits = np.flatnonzero(mask) + 1  # the row after the step
        if not len(hits):
            continue
        owners = block.episode_of(hits)
        for k in np.unique(owners):
            ep = block.episodes[k]
            local = hits[owners == k] - offsets[k]
            first = int(local[0])
            extra = f" ({len(local)} places, first at frame {first})" if len(local) > 1 else ""
            if name == "timestamp_gap":
                jump = float(ts[offsets[k] + first] - ts[offsets[k] + first - 1])
                extra += f": {jump:.3f} s between frames {first - 1} and {first} (expected {1 / fps:.3f} s)"
            out.append(Finding(name, severity, what + extra, ep.episode_index, first, int(local[-1]) + 1))
            reported_dev.add(int(k))
    for k in bad_eps:
        ep = block.episodes[k]
        local_dev = dev[offsets[k] : offsets[k + 1]]
        bad = np.flatnonzero(local_dev > th.timestamp_tolerance_s)
        need = float(local_dev.max())
        severity = Severity.ERROR if need >= 0.5 / fps else Severity.WARNING
        if int(k) in reported_dev and severity is Severity.WARNING:
            continue  # the gap or jump above already explains it
        need_text = "inf" if not np.isfinite(need) else f"{need:.2g}"
        signed = ts[offsets[k] : offsets[k + 1]] - pos[offsets[k] : offsets[k + 1]] / fps
        if len(bad) == len(local_dev) and np.ptp(signed) <= th.timestamp_tolerance_s:
            text = (
                f"every timestamp is shifted by {float(signed[0]):+.3g} s from frame_index / fps "
                f"(the first is {float(ts[offsets[k]]):.3g} s, not 0): each row points "
                f"{abs(float(signed[0])) * fps:.2g} frame period(s) away from its video frame"
            )
        else:
            text = (
                f"{len(bad)} timestamps are off frame_index / fps by up to {need_text} s; "
                f"LeRobot needs tolerance_s >= {need_text} to match them to video frames"
            )
        out.append(
            Finding(
                "timestamps",
                severity,
                text,
                ep.episode_index,
                int(bad[0]),
                int(bad[-1]) + 1,
            )
        )
    return out


def _motion(
    block: FileBlock,
    fps: float,
    th: Thresholds,
    keys: list[str],
    scale: dict[str, np.ndarray],
    mean: dict[str, np.ndarray],
    step_p99: dict[str, np.ndarray],
    motion: MotionState,
) -> list[Finding]:
    out: list[Finding] = []
    present = [k for k in keys if k in block.columns and k in scale]
    n = int(block.offsets[-1])
    offsets = block.offsets
    eps = block.episodes
    if not present or n == 0:
        return out
    crossing = _boundary_steps(offsets, n)
    moving = np.zeros(max(n - 1, 0), dtype=bool)
    for key in present:
        x = block.columns[key]
        finite = np.isfinite(x)
        bad_rows = np.flatnonzero(~finite.all(1))
        if len(bad_rows):
            owners = block.episode_of(bad_rows)
            for k in np.unique(owners):
                local = bad_rows[owners == k] - offsets[k]
                out.append(
                    Finding(
                        "non_finite",
                        Severity.ERROR,
                        f"{key} holds NaN or infinite values in {len(local)} frames",
                        eps[k].episode_index,
                        int(local[0]),
                        int(local[-1]) + 1,
                    )
                )
        xs = np.where(finite, x, mean[key])
        signed = np.diff(xs, axis=0)
        signed[crossing] = 0.0
        step = np.abs(signed)
        rel = step / scale[key]
        moving |= (rel > th.idle_motion_frac).any(1)
        # spikes: a frame that jumps far above the dataset's usual largest steps and straight back
        # (a step that stays, like a gripper command, is not a spike)
        limit = np.maximum(th.spike_factor * step_p99[key], 0.5 * scale[key])
        big = step > limit
        back = big[:-1] & big[1:] & (np.sign(signed[:-1]) == -np.sign(signed[1:]))
        spike_rows = np.flatnonzero(back.any(1)) + 1
        _report_rows(out, block, spike_rows, "spike", Severity.WARNING, f"{key} jumps away and straight back")
        far = np.abs(xs - mean[key]) / scale[key] > th.outlier_sigma
        outlier_rows = np.flatnonzero(far.any(1))
        _report_rows(
            out,
            block,
            outlier_rows,
            "outlier",
            Severity.WARNING,
            f"{key} is more than {th.outlier_sigma:g} std from the dataset's mean",
        )
    moving &= ~crossing
    motion.moving[block.path] = (
        np.array([e.episode_index for e in eps], dtype=np.int64),
        offsets,
        moving,
    )
    out += idle_findings(block.episodes, offsets, moving, fps, th)
    # frozen actuators: one state dimension exactly constant while the others move
    # (only when the action of that dimension moves: a joint nobody commands is not stuck)
    key = L.OBS_STATE
    cmd = block.columns.get(L.ACTION)
    x = block.columns.get(key)
    if x is not None and key in scale and cmd is not None and cmd.shape == x.shape and x.shape[1] > 1:
        raw = np.abs(np.diff(x, axis=0))
        const = (raw <= 1e-9 * scale[key]) & ~crossing[:, None]
        others = raw / scale[key] > th.idle_motion_frac
        commanded = np.abs(np.diff(cmd, axis=0)) / scale.get(L.ACTION, scale[key]) > th.idle_motion_frac
        min_frames = th.frames(th.frozen_actuator_min_s, fps)
        for j in range(x.shape[1]):
            if scale[key][j] == 1.0 and np.all(const[:, j]):
                continue
            for a, b in runs(const[:, j]):
                if b - a + 1 < min_frames:
                    continue
                k = int(block.episode_of(np.array([a]))[0])
                length = int(block.lengths[k])
                if b - a + 1 < th.frozen_actuator_min_frac * length:
                    continue
                other = np.delete(others[a:b], j, axis=1).any(1).mean()
                if other < 0.5 or commanded[a:b, j].mean() < 0.1:
                    continue
                start = a - int(offsets[k])
                out.append(
                    Finding(
                        "frozen_actuator",
                        Severity.WARNING,
                        f"{key}[{j}] stays at {x[a, j]:.4g} for {b - a + 1} frames while its action "
                        "and the other joints move",
                        eps[k].episode_index,
                        start,
                        start + b - a + 1,
                    )
                )
    return out


def _report_rows(
    out: list[Finding], block: FileBlock, rows: np.ndarray, kind: str, severity: Severity, what: str
) -> None:
    if not len(rows):
        return
    owners = block.episode_of(rows)
    for k in np.unique(owners):
        local = rows[owners == k] - block.offsets[k]
        places = f" at {len(local)} frames" if len(local) > 1 else f" at frame {int(local[0])}"
        out.append(
            Finding(
                kind,
                severity,
                what + places,
                block.episodes[k].episode_index,
                int(local[0]),
                int(local[-1]) + 1,
            )
        )


def idle_findings(
    episodes: list[EpisodeIndex],
    offsets: np.ndarray,
    moving: np.ndarray,
    fps: float,
    th: Thresholds,
    *,
    what: str = "no motion in action and state",
) -> list[Finding]:
    """Idle start and end from a mask of moving steps (step t: frame t -> t+1)."""
    out: list[Finding] = []
    moving_at = np.flatnonzero(moving)
    min_frames = th.frames(th.idle_min_s, fps)
    keep = round(th.idle_keep_s * fps)
    starts, ends = offsets[:-1], offsets[1:] - 1  # steps of episode k: [starts[k], ends[k])
    first = np.searchsorted(moving_at, starts)
    last = np.searchsorted(moving_at, ends) - 1
    lengths = offsets[1:] - offsets[:-1]
    if len(moving_at):
        first_at = moving_at[np.minimum(first, len(moving_at) - 1)]
        last_at = moving_at[np.clip(last, 0, len(moving_at) - 1)]
        has = (first < len(moving_at)) & (first_at < ends)
    else:
        first_at = last_at = np.zeros(len(starts), dtype=np.int64)
        has = np.zeros(len(starts), dtype=bool)
    leads = first_at - starts  # frames 0..lead are identical
    tails = last_at - starts + 2  # frames tail_from-1.. are identical
    # Python only for the episodes that have something to report (vectorized over 100,000).
    candidates = (
        (~has & (lengths >= min_frames))
        | (has & (leads >= min_frames))
        | (has & (lengths - tails >= min_frames))
    )
    for k in np.flatnonzero(candidates):
        ep = episodes[int(k)]
        length = int(lengths[k])
        if not has[k]:
            out.append(
                Finding(
                    "idle_start",
                    Severity.WARNING,
                    f"{what} in the whole episode ({length / fps:.1f} s)",
                    ep.episode_index,
                    0,
                    length,
                    fix={"action": "delete"},
                )
            )
            continue
        lead, tail_from = int(leads[k]), int(tails[k])
        if lead >= min_frames:
            out.append(
                Finding(
                    "idle_start",
                    Severity.INFO,
                    f"{what} for the first {lead / fps:.1f} s",
                    ep.episode_index,
                    0,
                    lead,
                    fix={"action": "trim", "start": max(0, lead - keep), "end": length},
                )
            )
        if length - tail_from >= min_frames:
            out.append(
                Finding(
                    "idle_end",
                    Severity.INFO,
                    f"{what} for the last {(length - tail_from) / fps:.1f} s",
                    ep.episode_index,
                    tail_from,
                    length,
                    fix={"action": "trim", "start": 0, "end": min(length, tail_from + keep)},
                )
            )
    return out


def _dataset_level(
    index: DatasetIndex,
    blocks: list[FileBlock],
    th: Thresholds,
    keys: list[str],
    stats: dict[str, dict[str, np.ndarray]],
    data_range: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    scale: dict[str, np.ndarray],
) -> list[Finding]:
    out: list[Finding] = []
    for p in index.problems:
        out.append(Finding("open", p.severity, p.message, p.episode_index, camera=p.camera))
    # length outliers
    lengths = np.fromiter((e.length for e in index.episodes), dtype=np.float64, count=len(index.episodes))
    if len(lengths) >= 3:
        median = float(np.median(lengths))
        f = th.length_outlier_factor
        for k in np.flatnonzero((lengths < median / f) | (lengths > median * f)) if median > 0 else ():
            e = index.episodes[int(k)]
            out.append(
                Finding(
                    "length_outlier",
                    Severity.WARNING,
                    f"{e.length} frames, the median episode has {median:.0f}",
                    e.episode_index,
                    0,
                    e.length,
                )
            )
    # near-duplicate episodes: same length and the same actions (within a small fraction of std)
    key = L.ACTION if L.ACTION in keys else (keys[0] if keys else None)
    if key is not None and key in scale:
        groups: dict[tuple, list[tuple[int, np.ndarray]]] = defaultdict(list)
        for block in blocks:
            x = block.columns.get(key)
            if x is None or not len(x):
                continue
            xs = np.where(np.isfinite(x), x, 0.0)
            means = np.add.reduceat(xs, block.offsets[:-1], axis=0) / np.maximum(block.lengths, 1)[:, None]
            rounded = np.round(means / (0.01 * scale[key])).astype(np.int64)
            keys_2d = np.column_stack([block.lengths, rounded])
            _, inverse, counts = np.unique(keys_2d, axis=0, return_inverse=True, return_counts=True)
            inverse = inverse.reshape(-1)
            # only episodes sharing their key with another one are compared (few, usually none)
            for k in np.flatnonzero(counts[inverse] > 1):
                ep = block.episodes[int(k)]
                groups[(int(block.lengths[k]), rounded[k].tobytes())].append(
                    (ep.episode_index, xs[block.offsets[k] : block.offsets[k + 1]])
                )
        for members in groups.values():
            if len(members) < 2:
                continue
            members.sort(key=lambda m: m[0])
            for i, (ep_b, xb) in enumerate(members[1:], 1):
                for ep_a, xa in members[:i]:
                    if np.all(np.abs(xa - xb) <= 0.01 * scale[key]):
                        out.append(
                            Finding(
                                "near_duplicate",
                                Severity.WARNING,
                                f"{key} repeats episode {ep_a} (same length, every frame within 1% of std)",
                                ep_b,
                                0,
                                len(xb),
                                fix={"action": "delete"},
                            )
                        )
                        break
    # stats.json against the data (only when every episode was read)
    if len(blocks) and sum(len(b.episodes) for b in blocks) == len(index.episodes):
        for key in keys:
            s = stats.get(key)
            if not s or key not in data_range:
                continue
            mins, maxs, m = data_range[key]
            tol = 1e-3 * scale[key] + 1e-5 * np.abs(m) + 1e-6
            wrong = []
            for name, data in (("min", mins), ("max", maxs), ("mean", m)):
                if name in s and s[name].shape == data.shape:
                    off = np.abs(s[name] - data) > (tol if name != "mean" else tol + 0.01 * scale[key])
                    if off.any():
                        j = int(np.flatnonzero(off)[0])
                        wrong.append(f"{name}[{j}] {s[name][j]:.4g} vs {data[j]:.4g} in the data")
            if wrong:
                out.append(
                    Finding(
                        "stats_mismatch",
                        Severity.WARNING,
                        f"meta/stats.json disagrees with the data for {key}: " + "; ".join(wrong[:3]),
                    )
                )
    # task texts
    used: dict[str, list[int]] = defaultdict(list)
    for e in index.episodes:
        if not e.tasks:
            if index.tasks or index.version == L.V30:
                out.append(Finding("task_text", Severity.WARNING, "episode has no task", e.episode_index))
            continue
        for t in e.tasks:
            used[t].append(e.episode_index)
    for text, eps in sorted(used.items()):
        why = _task_problem(text, th)
        if why:
            out.append(
                Finding(
                    "task_text",
                    Severity.WARNING if not text.strip() else Severity.INFO,
                    f"task {text!r} {why} (episodes {_short_list(eps)})",
                )
            )
    return out


def _task_problem(text: str, th: Thresholds) -> str | None:
    stripped = text.strip()
    if not stripped:
        return "is empty"
    if stripped.lower() in PLACEHOLDER_TASKS:
        return "looks like a placeholder"
    if len(stripped) < th.min_task_chars:
        return "is too short to describe a task"
    if text != stripped:
        return "has leading or trailing spaces"
    if any(ord(c) < 32 for c in text):
        return "holds control characters"
    return None


def _short_list(values: list[int]) -> str:
    head = ", ".join(str(v) for v in values[:5])
    return head + (f" and {len(values) - 5} more" if len(values) > 5 else "")
