"""Save's columnar stats give the numbers the per-episode functions give, episode by episode."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from leropilot_gl.dataset.save import aggregate_stats, feature_stats
from leropilot_gl.dataset.save.columns import EpisodeRows, nested_lists_to_numpy, numpy_to_nested_lists
from leropilot_gl.dataset.save.stats import aggregate_columns, segment_stats


def test_segment_stats_match_feature_stats_per_episode() -> None:
    rng = np.random.default_rng(7)
    lengths = np.array([1, 2, 7, 30, 3, 101])
    values = rng.normal(size=(int(lengths.sum()), 4)).astype(np.float32)
    values[:, 3] = np.round(values[:, 3])  # ties inside a segment
    together = segment_stats(values, lengths)
    start = 0
    for k, n in enumerate(lengths):
        alone = feature_stats(values[start : start + n])
        start += n
        for name, expected in alone.items():
            if name in ("min", "max", "count"):
                np.testing.assert_array_equal(together[name][k], expected, err_msg=name)
            else:
                np.testing.assert_allclose(together[name][k], expected, rtol=1e-12, atol=1e-12, err_msg=name)


def test_integer_columns_keep_integer_min_max() -> None:
    values = np.arange(12, dtype=np.int64).reshape(6, 2)
    stats = segment_stats(values, np.array([2, 4]))
    assert stats["min"].dtype == np.int64 and stats["min"].tolist() == [[0, 1], [4, 5]]
    assert stats["max"].tolist() == [[2, 3], [10, 11]]


def test_aggregate_columns_match_aggregate_stats() -> None:
    rng = np.random.default_rng(3)
    lengths = np.array([5, 9, 2, 40])
    values = rng.normal(size=(int(lengths.sum()), 3))
    columns = segment_stats(values, lengths)
    per_episode = [{"x": {n: v[k] for n, v in columns.items()}} for k in range(len(lengths))]
    expected = aggregate_stats(per_episode)["x"]
    got = aggregate_columns({"x": columns})["x"]
    assert expected.keys() == got.keys()
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-12, err_msg=name)


def test_episode_table_columns_are_what_from_pylist_writes() -> None:
    image_mean = np.arange(12, dtype=np.float64).reshape(4, 3, 1, 1) / 10
    rows = EpisodeRows()
    rows.add(
        {"episode_index": np.array([0, 1]), "length": np.array([3, 4])},
        pa.array([["a"], ["a", "b"]]),
        {"cam": {"mean": image_mean[:2]}, "x": {"min": np.array([[1], [2]])}},
    )
    rows.add(
        {"episode_index": np.array([2, 3]), "length": np.array([5, 6])},
        pa.array([["b"], []], pa.list_(pa.string())),
        {"cam": {"mean": image_mean[2:]}, "x": {"min": np.array([[3], [4]])}},
    )
    table = rows.table({"meta/episodes/file_index": 0})
    expected = pa.Table.from_pylist(
        [
            {
                "episode_index": e,
                "tasks": t,
                "length": n,
                "stats/cam/mean": image_mean[e].tolist(),
                "stats/x/min": [e + 1],
                "meta/episodes/file_index": 0,
            }
            for e, t, n in zip(range(4), [["a"], ["a", "b"], ["b"], []], [3, 4, 5, 6], strict=True)
        ]
    )
    assert table.schema.equals(expected.schema)
    assert table.to_pylist() == expected.to_pylist()
    back = nested_lists_to_numpy(numpy_to_nested_lists(image_mean), 4)
    np.testing.assert_array_equal(back, image_mean)
