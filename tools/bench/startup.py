"""Start-up benchmark: launch to window, to dataset tree, to first video frame (offscreen), median of 5.

Each run is a fresh Python process that starts the app through its entry point,
`leropilot-gl DATASET --offscreen PNG` (GLFW Null platform + EGL, no display), and notes, on the
app's own frame tick, when the window draws its first frame, when the dataset tree has the
dataset, and when every camera tile shows a decoded frame. Times count from just before the process is spawned (interpreter start included).

    .venv/bin/python tools/bench/startup.py [--runs 5] [--backend auto] [DATASET]

DATASET defaults to the bundled sample. `--code A --code B` alternates the runs of two checkouts
(before and after a change, on the same machine at the same moment). The last line is
`summary: window_s=... tree_s=... first_frame_s=... torch_at_first_frame=... longest_frame_ms=...`
for the first checkout; "longest frame" is the longest gap between two frames of the window
before the first video frame (a frame that waited for an import or a read shows here).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
T0_ENV = "LEROPILOT_STARTUP_T0"
MAX_WAIT_S = 120.0


def child(dataset: str) -> int:
    """One launch: the app offscreen, milestones printed as one JSON line on stdout."""
    t0 = float(os.environ[T0_ENV])
    marks: dict[str, float] = {"interpreter": time.time() - t0}
    from leropilot_gl import app, cli

    marks["app_imported"] = time.time() - t0
    # The launch goes through the real entry point, `leropilot-gl DATASET --offscreen PNG`: the
    # CLI's own work counts. Its runner params get the milestone check on every frame.
    build_runner_params = app.build_runner_params

    def build_with_milestones(state, **kwargs):  # noqa: ANN001, ANN202
        params = build_runner_params(state, **kwargs)
        tick = params.callbacks.post_new_frame
        params.callbacks.post_new_frame = lambda: (tick(), milestones(state))
        return params

    app.build_runner_params = build_with_milestones

    def report() -> None:  # after each milestone: a run that hangs later still tells what it reached
        print("STARTUP " + json.dumps(marks), flush=True)

    last_frame = [None]

    def milestones(s) -> None:
        now = time.time() - t0
        if "first_frame" not in marks and last_frame[0] is not None:  # frames before the video shows
            gap_ms = (now - last_frame[0]) * 1000
            marks["longest_frame_ms"] = max(marks.get("longest_frame_ms", 0.0), gap_ms)
        last_frame[0] = now
        if "window" not in marks:
            marks["window"] = now
            # CPU seconds of the process so far (all threads): steadier than the clock when other
            # programs share the cores
            marks["window_cpu"] = time.process_time()
            report()
        if s.datasets and "tree" not in marks:
            marks["tree"] = now
            report()
        tiles = s.playback.tiles
        if tiles and all(t.shown_frame is not None or t.problem for t in tiles.values()):
            if "first_frame" not in marks:
                marks["first_frame"] = now
                marks["first_frame_cpu"] = time.process_time()
                marks["torch_at_first_frame"] = "torch" in sys.modules
                backend = s.playback.pool.backend_status if s.playback.pool else None
                marks["decoder"] = backend.describe() if backend else None
                marks["tile_problems"] = sum(bool(t.problem) for t in tiles.values())
                report()
            # A few more frames so the tiles are drawn, then out.
            if now - marks["first_frame"] > 0.2:
                app.hello_imgui.get_runner_params().app_shall_exit = True
        if now > MAX_WAIT_S:
            app.hello_imgui.get_runner_params().app_shall_exit = True

    with tempfile.TemporaryDirectory() as tmp:
        cli.main([dataset, "--offscreen", str(Path(tmp) / "window.png")])
    marks["exit"] = time.time() - t0
    report()
    return 0


def _bench_tools():  # noqa: ANN202
    """tools.bench of this checkout, for the parent only: a child must import nothing from here
    before the checkout it times (its PYTHONPATH) supplies leropilot_gl."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.append(str(REPO_ROOT))
    from tools.bench import bytecode

    return bytecode


def run_once(dataset: str, backend: str, code: Path = REPO_ROOT) -> dict:
    bytecode_env = _bench_tools().bytecode_env
    env = bytecode_env(dict(os.environ, PYTHONPATH=str(code) + os.pathsep + os.environ.get("PYTHONPATH", "")))
    if backend != "auto":
        env["LEROPILOT_VIDEO_BACKEND"] = backend
    env[T0_ENV] = repr(time.time())
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", dataset],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=MAX_WAIT_S + 30)
    except subprocess.TimeoutExpired:  # a run that never shows its frame or never exits
        proc.kill()
        stdout, stderr = proc.communicate()
    lines = [line for line in stdout.splitlines() if line.startswith("STARTUP ")]
    if lines:
        return json.loads(lines[-1].removeprefix("STARTUP "))
    raise RuntimeError(f"the app run failed (exit {proc.returncode}): {stderr.strip()[-2000:]}")


def load_text() -> str:
    try:
        return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def _table(runs: list[dict]) -> None:
    print(f"  {'launch to':<40}{'median s':>10}{'min s':>8}{'max s':>8}")
    for name, label in (
        ("interpreter", "interpreter running"),
        ("app_imported", "app modules imported"),
        ("window", "window (first frame drawn)"),
        ("tree", "dataset tree shown"),
        ("first_frame", "first video frame in every tile"),
        ("window_cpu", "CPU s of the process by the window"),
        ("first_frame_cpu", "CPU s of the process by the first frame"),
    ):
        values = [r[name] for r in runs if name in r]
        if values:
            print(f"  {label:<40}{statistics.median(values):>10.2f}{min(values):>8.2f}{max(values):>8.2f}")
    gaps = [r["longest_frame_ms"] for r in runs if "longest_frame_ms" in r]
    if gaps:
        print(
            f"  {'longest frame until the first video frame':<40}{statistics.median(gaps):>8.0f}ms"
            f"{min(gaps):>6.0f}ms{max(gaps):>6.0f}ms"
        )


def _summary(runs: list[dict]) -> str:
    def median(name: str) -> float:
        values = [r[name] for r in runs if name in r]
        return statistics.median(values) if values else float("nan")

    torch_runs = sum(bool(r.get("torch_at_first_frame")) for r in runs)
    shown = sum("first_frame" in r for r in runs)
    # A run that never showed its frame counts as MAX_WAIT_S in the median (a lower bound).
    first = statistics.median(r.get("first_frame", MAX_WAIT_S) for r in runs)
    return (
        f"window_s={median('window'):.2f} tree_s={median('tree'):.2f} window_cpu_s={median('window_cpu'):.2f} "
        f"first_frame_s={first:.2f} first_frame_runs={shown}/{len(runs)} "
        f"torch_at_first_frame={torch_runs}/{len(runs)} longest_frame_ms={median('longest_frame_ms'):.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "dataset", nargs="?", default=str(REPO_ROOT / "leropilot_gl/assets/sample/so101_sample")
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=("auto", "torchcodec", "pyav"), default="auto")
    parser.add_argument(
        "--code",
        type=Path,
        action="append",
        help="checkout whose app is launched; give it twice (e.g. --code . --code /other/checkout) to "
        "compare versions: their runs alternate, so a busy machine slows both alike",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.dataset)
    codes = [c.resolve() for c in (args.code or [REPO_ROOT])]

    print(
        f"start-up benchmark: {Path(args.dataset).name}, {args.runs} fresh processes per checkout, "
        f"{os.cpu_count()} cores, {load_text()} before"
    )
    print(_bench_tools().note())
    for code in codes:  # untimed: writes the bytecode cache of each checkout
        run_once(args.dataset, args.backend, code)
    runs: dict[Path, list[dict]] = {code: [] for code in codes}
    for number in range(args.runs):
        for code in codes:
            marks = run_once(args.dataset, args.backend, code)
            runs[code].append(marks)
            print(
                f"  run {number + 1} ({code}): window {marks.get('window', float('nan')):.2f} s, tree "
                f"{marks.get('tree', float('nan')):.2f} s, first frame "
                f"{marks.get('first_frame', float('nan')):.2f} s ({marks.get('decoder')}; torch imported "
                f"by then: {marks.get('torch_at_first_frame')})",
                flush=True,
            )
    for code in codes:
        print(f"{code}:")
        _table(runs[code])
    shown = sum("first_frame" in r for rs in runs.values() for r in rs)
    total = sum(len(rs) for rs in runs.values())
    print(f"after: {load_text()}; first frame shown within {MAX_WAIT_S:.0f} s in {shown} of {total} runs")
    for code in codes[1:]:
        print(f"summary[{code}]: {_summary(runs[code])}")
    print(f"summary: {_summary(runs[codes[0]])}")
    return 0 if shown == total else 1


if __name__ == "__main__":
    sys.exit(main())
