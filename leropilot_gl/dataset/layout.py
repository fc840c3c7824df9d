"""Every LeRobot path template, key and version constant lives here, and nowhere else."""

from __future__ import annotations

INFO_PATH = "meta/info.json"
STATS_PATH = "meta/stats.json"
TASKS_V3_PATH = "meta/tasks.parquet"
EPISODES_V3_DIR = "meta/episodes"
TASKS_V2_PATH = "meta/tasks.jsonl"
EPISODES_V2_PATH = "meta/episodes.jsonl"
EPISODES_STATS_V21_PATH = "meta/episodes_stats.jsonl"
DATA_DIR = "data"
VIDEO_DIR = "videos"

CHUNK_FILE_PATTERN = "chunk-{chunk_index:03d}/file-{file_index:03d}"
DEFAULT_DATA_PATH_V3 = DATA_DIR + "/" + CHUNK_FILE_PATTERN + ".parquet"
DEFAULT_VIDEO_PATH_V3 = VIDEO_DIR + "/{video_key}/" + CHUNK_FILE_PATTERN + ".mp4"
DEFAULT_EPISODES_PATH_V3 = EPISODES_V3_DIR + "/" + CHUNK_FILE_PATTERN + ".parquet"
DEFAULT_DATA_PATH_V2 = "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet"
DEFAULT_VIDEO_PATH_V2 = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4"
DEFAULT_CHUNKS_SIZE = 1000
# Globs (relative to data/, meta/episodes/ or videos/<key>/) matching the v3.0 file templates.
CHUNK_FILE_GLOB = "chunk-*/file-*"
PARQUET_CHUNK_FILE_GLOB = CHUNK_FILE_GLOB + ".parquet"
MP4_CHUNK_FILE_GLOB = CHUNK_FILE_GLOB + ".mp4"
V2_DATA_GLOB = "chunk-*/episode_*.parquet"

V20, V21, V30 = "v2.0", "v2.1", "v3.0"
SUPPORTED_VERSIONS = (V20, V21, V30)

# Feature keys written by LeRobot into every data row.
OBS_STATE = "observation.state"
ACTION = "action"
TIMESTAMP = "timestamp"
FRAME_INDEX = "frame_index"
EPISODE_INDEX = "episode_index"
INDEX = "index"
TASK_INDEX = "task_index"
DEFAULT_FEATURE_KEYS = (TIMESTAMP, FRAME_INDEX, EPISODE_INDEX, INDEX, TASK_INDEX)

# Columns of the v3.0 episodes table.
EP_DATA_CHUNK = "data/chunk_index"
EP_DATA_FILE = "data/file_index"
EP_FROM_INDEX = "dataset_from_index"
EP_TO_INDEX = "dataset_to_index"
EP_TASKS = "tasks"
EP_LENGTH = "length"
EP_EPISODE_INDEX = "episode_index"
EP_STATS_PREFIX = "stats/"
VIDEO_FIELDS = ("chunk_index", "file_index", "from_timestamp", "to_timestamp")


def ep_video_column(video_key: str, field: str) -> str:
    """`videos/<video_key>/<field>`: chunk_index, file_index, from_timestamp or to_timestamp."""
    return f"videos/{video_key}/{field}"


# Keys under a video feature that hold codec/fps metadata; LeRobot writes "info", older
# tools (GR00T exports) wrote "video_info".
VIDEO_INFO_KEYS = ("info", "video_info")
