"""Per-joint time shift between commanded action and recorded state (cross-correlation). No GL.

A positive lag means the state follows the action, as it should (the motor needs time to get
there). A negative lag (state before its command) or a large one points at misaligned streams,
dropped frames or teleop latency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_MAX_LAG_S = 1.0
DEFAULT_LARGE_LAG_S = 0.25
MIN_CORRELATION = 0.5


@dataclass(frozen=True)
class JointLag:
    name: str
    lag_frames: float  # > 0: state follows action by this many frames
    lag_s: float
    correlation: float  # peak normalized correlation of the two velocities, -1..1
    flagged: bool
    note: str


def estimate_lag(action: np.ndarray, state: np.ndarray, *, max_lag_frames: int) -> tuple[float, float]:
    """(lag in frames, peak correlation) that best aligns state[t + lag] with action[t].

    Velocities are correlated, not positions: smooth positions give a broad peak, their
    derivatives a sharp one. The peak is refined to a fraction of a frame with a parabola.
    Returns (nan, 0) when either signal does not move.
    """
    da = np.diff(np.asarray(action, dtype=np.float64))
    ds = np.diff(np.asarray(state, dtype=np.float64))
    n = min(len(da), len(ds))
    da, ds = da[:n], ds[:n]
    max_lag = int(min(max_lag_frames, max(n - 3, 0)))
    if n < 4 or np.std(da) < 1e-9 or np.std(ds) < 1e-9:
        return float("nan"), 0.0
    lags = np.arange(-max_lag, max_lag + 1)
    scores = np.array([_correlation_at(da, ds, int(k)) for k in lags])
    best = int(np.nanargmax(scores))
    peak = float(scores[best])
    shift = 0.0
    if 0 < best < len(lags) - 1:
        left, right = scores[best - 1], scores[best + 1]
        denom = left - 2 * peak + right
        if np.isfinite(denom) and denom < 0:
            shift = float(np.clip(0.5 * (left - right) / denom, -0.5, 0.5))
    return float(lags[best]) + shift, peak


def _correlation_at(a: np.ndarray, b: np.ndarray, lag: int) -> float:
    """Pearson correlation of a[t] and b[t + lag] over their overlap."""
    if lag >= 0:
        x, y = a[: len(a) - lag], b[lag:]
    else:
        x, y = a[-lag:], b[: len(b) + lag]
    if len(x) < 3:
        return float("nan")
    sx, sy = np.std(x), np.std(y)
    if sx < 1e-12 or sy < 1e-12:
        return float("nan")
    return float(np.mean((x - x.mean()) * (y - y.mean())) / (sx * sy))


def sync_table(
    names: Sequence[str],
    action: np.ndarray,
    state: np.ndarray,
    fps: float,
    *,
    max_lag_s: float = DEFAULT_MAX_LAG_S,
    large_lag_s: float = DEFAULT_LARGE_LAG_S,
) -> list[JointLag]:
    """One row per joint (column) of (frames, joints) action and state, in the given order."""
    action = np.asarray(action, dtype=np.float64).reshape(len(action), -1)
    state = np.asarray(state, dtype=np.float64).reshape(len(state), -1)
    max_lag_frames = max(1, int(round(max_lag_s * fps)))
    rows: list[JointLag] = []
    for i, name in enumerate(names):
        if i >= action.shape[1] or i >= state.shape[1]:
            break
        lag, corr = estimate_lag(action[:, i], state[:, i], max_lag_frames=max_lag_frames)
        if not np.isfinite(lag):
            rows.append(JointLag(name, lag, lag, 0.0, False, "too little motion to measure"))
            continue
        lag_s = lag / fps
        if lag < -0.5:
            flagged, note = True, "state leads its action: streams misaligned"
        elif lag_s > large_lag_s:
            flagged, note = True, f"lag over {large_lag_s * 1000:.0f} ms: latency or misaligned timestamps"
        elif corr < MIN_CORRELATION:
            flagged, note = False, "weak correlation: estimate unreliable"
        else:
            flagged, note = False, ""
        rows.append(JointLag(name, lag, lag_s, corr, flagged, note))
    return rows
