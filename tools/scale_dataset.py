"""A LeRobot v3.0 dataset of many episodes, made in seconds: metadata written directly with pyarrow.

A small dataset is recorded once through LeRobot's API (tools/make_sample_dataset.py: real AV1
videos with frame codes, real stats columns); the big one repeats its episodes: episode i is a copy
of base episode i % base_episodes, its data rows copied (episode_index and index renumbered) and its
cameras pointing at the base's own frames inside the base's mp4s. LeRobot loads the result.

    python tools/scale_dataset.py --episodes 100000     # prints the cached folder
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.make_sample_dataset import DEFAULT_CACHE_DIR, cached_sample_dataset

SCALE_CACHE_DIR = DEFAULT_CACHE_DIR / "bench"
BASE_PARAMS = dict(
    repo_id="local/scale_base", episodes=10, frames=10, cameras=2, width=64, height=48, vcodec="libsvtav1"
)
EPISODES_PER_DATA_FILE = 10_000
EPISODES_PER_META_FILE = 25_000
SCALE_VERSION = 1  # bump when the written content changes


def base_dataset() -> Path:
    return cached_sample_dataset("scale-base", cache_dir=SCALE_CACHE_DIR, hash_sources=False, **BASE_PARAMS)


def _set(table: pa.Table, name: str, values: np.ndarray) -> pa.Table:
    if name not in table.column_names:
        return table
    i = table.column_names.index(name)
    return table.set_column(i, name, pa.array(values, type=table.schema.field(name).type))


def make_scale_dataset(
    out: Path,
    *,
    episodes: int,
    base: Path | None = None,
    per_data_file: int = EPISODES_PER_DATA_FILE,
    per_meta_file: int = EPISODES_PER_META_FILE,
) -> Path:
    """Write `episodes` episodes into the new folder `out` (must not exist)."""
    base = base or base_dataset()
    info = json.loads((base / "meta" / "info.json").read_text())
    base_data = pq.read_table(base / "data" / "chunk-000" / "file-000.parquet")
    base_eps = pq.read_table(base / "meta" / "episodes" / "chunk-000" / "file-000.parquet")
    n_base = base_eps.num_rows
    lengths = base_eps.column("length").to_numpy()
    starts = base_eps.column("dataset_from_index").to_numpy()
    if not (lengths == lengths[0]).all():
        raise ValueError("the base dataset's episodes must have one length")
    frames = int(lengths[0])

    out.mkdir(parents=True)
    shutil.copytree(base / "videos", out / "videos")
    (out / "meta").mkdir()
    for name in ("stats.json", "tasks.parquet"):
        shutil.copy2(base / "meta" / name, out / "meta" / name)

    all_eps = np.arange(episodes, dtype=np.int64)
    source = all_eps % n_base
    data_file = all_eps // per_data_file
    for f in range(int(data_file.max()) + 1):
        eps = all_eps[data_file == f]
        rows = (starts[source[eps]][:, None] + np.arange(frames)).ravel()
        table = base_data.take(pa.array(rows))
        table = _set(table, "episode_index", np.repeat(eps, frames))
        table = _set(table, "index", (eps[:, None] * frames + np.arange(frames)).ravel())
        path = out / "data" / "chunk-000" / f"file-{f:03d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)

    table = base_eps.take(pa.array(source))
    table = _set(table, "episode_index", all_eps)
    table = _set(table, "data/chunk_index", np.zeros(episodes, dtype=np.int64))
    table = _set(table, "data/file_index", data_file)
    # Global row index: LeRobot's dataset_from_index counts rows across all files.
    table = _set(table, "dataset_from_index", all_eps * frames)
    table = _set(table, "dataset_to_index", (all_eps + 1) * frames)
    meta_file = all_eps // per_meta_file
    table = _set(table, "meta/episodes/chunk_index", np.zeros(episodes, dtype=np.int64))
    table = _set(table, "meta/episodes/file_index", meta_file)
    for f in range(int(meta_file.max()) + 1):
        path = out / "meta" / "episodes" / "chunk-000" / f"file-{f:03d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        mask = pc.equal(table.column("meta/episodes/file_index"), f)
        pq.write_table(table.filter(mask), path)

    info.update(total_episodes=episodes, total_frames=episodes * frames, splits={"train": f"0:{episodes}"})
    (out / "meta" / "info.json").write_text(json.dumps(info, indent=4))
    return out


def cached_scale_dataset(
    episodes: int, *, per_data_file: int = EPISODES_PER_DATA_FILE, per_meta_file: int = EPISODES_PER_META_FILE
) -> Path:
    """make_scale_dataset once per shape under ~/.cache/leropilot-gl/bench/, built aside and renamed."""
    shape = (
        ""
        if (per_data_file, per_meta_file) == (EPISODES_PER_DATA_FILE, EPISODES_PER_META_FILE)
        else (f"-d{per_data_file}-m{per_meta_file}")
    )
    final = SCALE_CACHE_DIR / f"scale-{episodes}{shape}-v{SCALE_VERSION}"
    if final.is_dir():
        return final
    base = base_dataset()
    work = Path(tempfile.mkdtemp(prefix=f".scale-{episodes}-", dir=SCALE_CACHE_DIR))
    try:
        make_scale_dataset(
            work / "dataset",
            episodes=episodes,
            base=base,
            per_data_file=per_data_file,
            per_meta_file=per_meta_file,
        )
        try:
            os.rename(work / "dataset", final)
        except OSError:
            if not final.is_dir():  # not another run winning the race
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(cached_scale_dataset(args.episodes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
