"""The edit journal at Hub scale: what an edit, an undo and a restore cost on the cached
100,000-episode dataset (tools/scale_dataset.py), this checkout's journal against another's.

    python tools/bench/journal.py [--episodes 100000] [--code /work/main] [--edits 20]

Each step is timed until its journal write is on disk (flush), on a session with a background
writer as the app has: `ui ms` is the part the UI thread waits for, `disk ms` the rest. Attach,
restore and mark_saved run as the app runs them: the part the app does on a worker
(prepare_attach, prepare_saved in the save job) is the `worker ms` column, the rest is `ui ms`;
a checkout without that split does it all in `ui ms`. The other checkout's journal module is
loaded from its file under a name of its own, in the same process, over the same dataset. Ends
with one line: `summary: episodes=<n> edit_ms=<new> edit_ms_old=<old> restore_s=<new>
restore_s_old=<old> attach_ui_ms=<new> attach_ui_ms_old=<old> mark_saved_ui_ms=<new>
mark_saved_ui_ms_old=<old> restore_ui_ms=<new> restore_ui_ms_old=<old>` (restore_s: worker and
UI parts together).
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


def split(first: Callable[[], object] | None, then: Callable[[object], object]) -> tuple[float, float]:
    """(ms of then on the UI thread, ms of first on a worker): first's result is passed to then."""
    started = time.perf_counter()
    prepared = first() if first is not None else None
    worker = time.perf_counter() - started
    started = time.perf_counter()
    then(prepared)
    return (time.perf_counter() - started) * 1000, worker * 1000


def attach_split(session: object, index: object) -> tuple[float, float]:
    if hasattr(session, "prepare_attach"):
        return split(lambda: session.prepare_attach(index), session.finish_attach)  # type: ignore[attr-defined]
    return split(None, lambda _: session.attach(index))  # type: ignore[attr-defined]


def run(module: ModuleType, root: Path, index: object, n: int, edits: int, tmp: Path) -> dict[str, tuple]:
    journals = tmp / f"journals-{module.__name__}"
    rows: dict[str, tuple] = {}
    nan = float("nan")
    s = module.EditSession(journals, background_writes=True)
    ui, worker = attach_split(s, index)
    rows["attach"] = (ui, 0.0, worker)
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
    ui, worker = attach_split(fresh, index)
    rows["restore (fresh session)"] = (ui, 0.0, worker)
    restored = [(e.uid, e.slice.start, e.slice.end, e.deleted) for e in fresh.journal(root).working()]
    if restored != live:
        raise SystemExit(f"{module.__name__}: the restored working list differs from the live one")
    fingerprint = s.journal(root).fingerprint
    if hasattr(s, "prepare_saved"):
        # the app's job passes the old base (prepare_saved reuse=): here that would take every
        # episode (the index is the same), so the row with reuse is timed apart
        before = s.journal(root).base
        started = time.perf_counter()
        s.prepare_saved(root, index, fingerprint, before)
        rows["prepare_saved, same eps"] = (nan, 0.0, (time.perf_counter() - started) * 1000)
        ui, worker = split(
            lambda: s.prepare_saved(root, index, fingerprint),
            lambda p: s.mark_saved(root, index, fingerprint, prepared=p),
        )
    else:
        ui, worker = split(None, lambda _: s.mark_saved(root, index, fingerprint))
    started = time.perf_counter()
    s.flush()
    rows["mark_saved"] = (ui, (time.perf_counter() - started) * 1000, worker)
    # the first frame after it: what the tree and the pending-edits panel read
    started = time.perf_counter()
    j = s.journal(root)
    j.working()
    j.kept_view()
    j.position_of(f"e{n - 1}")
    rows["first read after save"] = ((time.perf_counter() - started) * 1000, 0.0)
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
    nan = float("nan")
    print(
        f"{'step':<26} {'new ui ms':>10} {'new disk ms':>12} {'new worker ms':>14}"
        f" {'old ui ms':>10} {'old disk ms':>12} {'old worker ms':>14}"
    )
    for step, row in new.items():
        ui, disk, worker = (*row, nan)[:3]
        o_ui, o_disk, o_worker = (*old.get(step, (nan, nan)), nan)[:3]
        print(
            f"{step:<26} {ui:>10.1f} {disk:>12.1f} {worker:>14.1f} {o_ui:>10.1f} {o_disk:>12.1f} {o_worker:>14.1f}"
        )

    def edit_ms(rows: dict[str, tuple]) -> float:
        ui, disk = rows.get(f"trim x{args.edits} (median)", (float("nan"), float("nan")))
        return ui + disk

    def ui_ms(rows: dict[str, tuple], step: str) -> float:
        return rows.get(step, (nan,))[0]

    def restore_s(rows: dict[str, tuple]) -> float:
        row = rows.get("restore (fresh session)", (nan, 0.0, 0.0))
        return (row[0] + (row[2] if len(row) > 2 else 0.0)) / 1000

    print(
        f"summary: episodes={args.episodes} edit_ms={edit_ms(new):.1f} edit_ms_old={edit_ms(old):.1f} "
        f"restore_s={restore_s(new):.2f} restore_s_old={restore_s(old):.2f} "
        f"attach_ui_ms={ui_ms(new, 'attach'):.1f} attach_ui_ms_old={ui_ms(old, 'attach'):.1f} "
        f"mark_saved_ui_ms={ui_ms(new, 'mark_saved'):.1f} mark_saved_ui_ms_old={ui_ms(old, 'mark_saved'):.1f} "
        f"restore_ui_ms={ui_ms(new, 'restore (fresh session)'):.1f} "
        f"restore_ui_ms_old={ui_ms(old, 'restore (fresh session)'):.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
