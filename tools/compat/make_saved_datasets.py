"""Write datasets saved by leropilot-gl, for loading with another LeRobot (see lerobot06.sh).

Run with the project's Python: `python tools/compat/make_saved_datasets.py OUT_DIR`. Each dataset
starts as a copy of the bundled sample (every video frame carries its (episode, frame) code), is
edited (delete, trim, reorder) and saved; OUT_DIR/expected.json lists, per saved dataset, the
source (episode, start, end) of each new episode and the lowest LeRobot release that must load it.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from leropilot_gl.dataset import open_dataset  # noqa: E402
from leropilot_gl.dataset.compat import compatibility  # noqa: E402
from leropilot_gl.dataset.journal import EditSession  # noqa: E402
from leropilot_gl.dataset.save import save  # noqa: E402
from tests.dataset.language_fixtures import add_language_columns, add_subtasks_044  # noqa: E402

SAMPLE = ROOT / "leropilot_gl/assets/sample/so101_sample"


def _edit_and_save(root: Path, journals: Path) -> list[tuple[int, int, int]]:
    s = EditSession(journals)
    s.attach(open_dataset(root))
    s.delete(root, ["e1"])
    s.trim(root, "e2", 20, 130)
    s.move(root, "e3", 0)
    save(s, root)
    return [(3, 0, 150), (0, 0, 150), (2, 20, 130)]


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    expected = {}
    makers = {"plain": None, "language06": add_language_columns, "subtasks044": add_subtasks_044}
    with tempfile.TemporaryDirectory() as tmp:
        for name, add in makers.items():
            root = out / name
            if root.exists():
                shutil.rmtree(root)
            shutil.copytree(SAMPLE, root)
            if add is not None:
                add(root)
            episodes = _edit_and_save(root, Path(tmp) / name)
            compat = compatibility(json.loads((root / "meta/info.json").read_text()), root)
            expected[name] = {"episodes": episodes, "readers": compat.readers, "flavour": compat.flavour}
            print(f"{name}: saved, {compat.readers} ({'; '.join(compat.reasons)})")
    (out / "expected.json").write_text(json.dumps(expected, indent=2))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: make_saved_datasets.py OUT_DIR")
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
