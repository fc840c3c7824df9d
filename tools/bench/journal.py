"""The edit journal at Hub scale: what an edit, an undo and a restore cost on the cached
100,000-episode dataset (tools/scale_dataset.py), this checkout's journal against another's.

    python tools/bench/journal.py [--episodes 100000] [--code /work/main] [--edits 20]

Each step is timed until its journal write is on disk (flush), on a session with a background
writer as the app has: `ui ms` is the part the UI thread waits for, `disk ms` the rest. The other
checkout's journal module is loaded from its file under a name of its own, in the same process,
over the same dataset. Ends with one line:
`summary: episodes=<n> edit_ms=<new> edit_ms_old=<old> restore_s=<new> restore_s_old=<old>`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from leropilot_gl.dataset import journal as new_journal  # noqa: E402
from tools.scale_dataset import cached_scale_dataset  # noqa: E402


def load_other(code: Path) -> ModuleType | None:
    """The journal module of another checkout (a single journal.py, or the journal package)."""
    single = code / "leropilot_gl" / "dataset" / "journal.py"
    package = code / "leropilot_gl" / "dataset" / "journal" / "__init__.py"
    path = single if single.is_file() else package if package.is_file() else None
    if path is None:
        return None
    spec = importlib.util.spec_from_file_location(
        "other_journal", path, submodule_search_locations=[str(path.parent)] if path == package else None
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["other_journal"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def timed(session: object, step: Callable[[], object]) -> tuple[float, float]:
    """(ms the caller waits, ms until the journal is on disk)."""
    started = time.perf_counter()
    step()
    ui = time.perf_counter() - started
    session.flush()  # type: ignore[attr-defined]
    return ui * 1000, (time.perf_counter() - started - ui) * 1000


def run(module: ModuleType, root: Path, index: object, n: int, edits: int, tmp: Path) -> dict[str, tuple]:
    journals = tmp / f"journals-{module.__name__}"
    rows: dict[str, tuple] = {}
    s = module.EditSession(journals, background_writes=True)
    started = time.perf_counter()
    s.attach(index)
    rows["attach"] = ((time.perf_counter() - started) * 1000, 0.0)
    rows["delete (first edit)"] = timed(s, lambda: s.delete(root, ["e5"]))
    rows["trim"] = timed(s, lambda: s.trim(root, f"e{n // 2}", 2, 8))
    rows["duplicate"] = timed(s, lambda: s.duplicate(root, f"e{n - 1}"))
    rows["undo"] = timed(s, s.undo)
    rows["redo"] = timed(s, s.redo)
    more = [timed(s, lambda k=k: s.trim(root, f"e{k * 997 % n}", 1, 7)) for k in range(edits)]
    rows[f"trim x{edits} (median)"] = (
        statistics.median(m[0] for m in more),
        statistics.median(m[1] for m in more),
    )
    undos = [timed(s, s.undo) for _ in range(min(edits, 12))]
    rows["undo x12 (median)"] = (
        statistics.median(u[0] for u in undos),
        statistics.median(u[1] for u in undos),
    )
    live = [(e.uid, e.slice.start, e.slice.end, e.deleted) for e in s.journal(root).working()]
    files = sum(p.stat().st_size for p in journals.iterdir() if p.is_file())
    fresh = module.EditSession(journals, background_writes=True)
    started = time.perf_counter()
    fresh.attach(index)
    restored = [(e.uid, e.slice.start, e.slice.end, e.deleted) for e in fresh.journal(root).working()]
    rows["restore (fresh session)"] = ((time.perf_counter() - started) * 1000, 0.0)
    if restored != live:
        raise SystemExit(f"{module.__name__}: the restored working list differs from the live one")
    fingerprint = s.journal(root).fingerprint
    rows["mark_saved"] = timed(s, lambda: s.mark_saved(root, index, fingerprint))
    rows["journal files (KB)"] = (files / 1024, 0.0)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--code", type=Path, default=Path("/work/main"), help="the checkout to compare with")
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args(argv)
    source = cached_scale_dataset(args.episodes)
    other = load_other(args.code)
    with tempfile.TemporaryDirectory(prefix="journal-bench-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "scale"
        shutil.copytree(source, root, copy_function=os.link)  # attach may tidy beside it, never in it
        index = new_journal.open_for_edit(root)
        new = run(new_journal, root.resolve(), index, args.episodes, args.edits, tmp)
        old = run(other, root.resolve(), index, args.episodes, args.edits, tmp) if other else {}
    print(f"{args.episodes} episodes; new: this checkout; old: {args.code if other else '(not found)'}")
    print(f"{'step':<26} {'new ui ms':>10} {'new disk ms':>12} {'old ui ms':>10} {'old disk ms':>12}")
    for step, (ui, disk) in new.items():
        o_ui, o_disk = old.get(step, (float("nan"), float("nan")))
        print(f"{step:<26} {ui:>10.1f} {disk:>12.1f} {o_ui:>10.1f} {o_disk:>12.1f}")

    def edit_ms(rows: dict[str, tuple]) -> float:
        ui, disk = rows.get(f"trim x{args.edits} (median)", (float("nan"), float("nan")))
        return ui + disk

    restore = new["restore (fresh session)"][0] / 1000
    restore_old = old.get("restore (fresh session)", (float("nan"),))[0] / 1000
    print(
        f"summary: episodes={args.episodes} edit_ms={edit_ms(new):.1f} edit_ms_old={edit_ms(old):.1f} "
        f"restore_s={restore:.2f} restore_s_old={restore_old:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
