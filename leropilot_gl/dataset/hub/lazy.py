"""Opening a Hub dataset lazily: info.json, the tasks, the first `meta/episodes` file and the first
episode's files first; the rest of `meta/` next (in the background, the index listing only the
episodes of the files present until then); then only the files an episode needs when it is
selected. Missing files the Hub has are INFO notes, not errors."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.episodes_table import episode_row_v3
from leropilot_gl.dataset.hub.auth import HubError, local_root_for
from leropilot_gl.dataset.hub.transfer import (
    META_PREFIX,
    Progress,
    RemoteListing,
    fetch_files,
    format_size,
    list_remote,
    prepare_local_root,
    staging_dir,
    swap_in,
)
from leropilot_gl.dataset.info import DatasetInfo
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.problems import DatasetProblem, Severity

NOT_DOWNLOADED = "not downloaded yet: fetched from the Hub when the episode is selected"


# ---------------------------------------------------------------------- episodes' files
def episode_files(root: Path, episode_index: int | None = None) -> list[str]:
    """Relative paths of the data and video files one episode needs (None: the first episode),
    read from the local meta/ alone (the files themselves may not be here yet)."""
    meta = DatasetInfo.read(root)
    if meta.is_v3:
        row = episode_row_v3(root, episode_index)
        if row is None:
            raise HubError(f"episode {episode_index} is not in {root / L.EPISODES_V3_DIR}")
        paths = [
            meta.data_template.format(
                chunk_index=int(row[L.EP_DATA_CHUNK]), file_index=int(row[L.EP_DATA_FILE])
            )
        ]
        for key in meta.video_keys:
            chunk, file = (
                row.get(L.ep_video_column(key, "chunk_index")),
                row.get(L.ep_video_column(key, "file_index")),
            )
            if chunk is not None and file is not None:
                paths.append(
                    meta.video_template.format(video_key=key, chunk_index=int(chunk), file_index=int(file))
                )
        return paths
    ep = 0 if episode_index is None else episode_index
    fields = dict(episode_chunk=ep // meta.chunks, episode_index=ep)
    return [meta.data_template.format(**fields)] + [
        meta.video_template.format(video_key=k, **fields) for k in meta.video_keys
    ]


def missing_files(index: DatasetIndex, episode_index: int) -> list[str]:
    """Files of one episode that are not on the local disk yet (relative to the dataset root)."""
    episode = index.episode(episode_index)
    wanted = [episode.data_path] + [v.path for v in episode.videos.values()]
    return sorted({p.relative_to(index.root).as_posix() for p in wanted if not p.exists()})


def mark_not_downloaded(index: DatasetIndex, listing: RemoteListing) -> DatasetIndex:
    """Missing-file problems for files the Hub has become INFO notes: they are fetched on demand."""

    def soften(p: DatasetProblem) -> DatasetProblem:
        if p.path is None or p.severity is Severity.INFO or p.path.exists():
            return p
        try:
            rel = p.path.relative_to(index.root).as_posix()
        except ValueError:
            return p
        return (
            replace(p, severity=Severity.INFO, message=f"{rel}: {NOT_DOWNLOADED}")
            if rel in listing.files
            else p
        )

    index.problems = [soften(p) for p in index.problems]  # episodes read theirs from this list
    return index


# ---------------------------------------------------------------------- meta/ in two steps
# Not needed to list episodes: fetched with the later episodes files, after the open.
DEFERRED_META = (L.STATS_PATH,)


def first_meta(listing: RemoteListing) -> list[str]:
    """What the open fetches of meta/: with more than one episodes file, all but the later ones and
    the stats (they come next, the index partial until then); else all of meta/ at once."""
    meta = listing.under(META_PREFIX)
    later_episodes = [p for p in meta if p.startswith(L.EPISODES_V3_DIR + "/")][1:]
    if not later_episodes:
        return meta
    return [p for p in meta if p not in later_episodes and p not in DEFERRED_META]


def remaining_meta(root: Path, listing: RemoteListing) -> list[str]:
    """meta/ files the Hub holds that the local copy lacks."""
    return [p for p in listing.under(META_PREFIX) if not (root / p).is_file()]


def open_local(root: Path, listing: RemoteListing | None) -> DatasetIndex:
    """Read the local copy: partial (episodes of the meta files present, not attachable for
    editing) while meta/ files are still on the Hub only, else complete with its meta fingerprint."""
    from leropilot_gl.dataset.journal import open_for_edit  # fingerprinted before the read
    from leropilot_gl.dataset.open import open_dataset

    if listing is None:
        return open_for_edit(root)
    pending = remaining_meta(root, listing)
    index = open_dataset(root, pending_meta=pending) if pending else open_for_edit(root)
    return mark_not_downloaded(index, listing)


# ---------------------------------------------------------------------- open lazily
@dataclass
class HubDataset:
    """A dataset opened from the Hub: where it came from and what the Hub holds."""

    repo_id: str
    root: Path
    endpoint: str
    listing: RemoteListing | None  # None when opened offline from the local copy
    fetched_episodes: set[int] = field(default_factory=set)
    fetched_bytes: int = 0  # what this open and the episode fetches since have downloaded


def open_lazy(
    repo_id: str,
    *,
    endpoint: str,
    progress: Progress,
    fresh: bool = False,
    local_root: Path | None = None,
) -> tuple[DatasetIndex, HubDataset]:
    """Open a Hub dataset: info.json, the tasks, the first episodes file and the first episode's
    files, nothing more. The index is partial when meta/ files are still to come:
    `fetch_remaining_meta` fetches them and returns the complete index.

    With a local copy and fresh=False the local copy is used as it is (the Hub is only asked for its
    file list, so later episodes can be fetched). Otherwise the files land in a staging folder that
    replaces the local copy only when complete.
    """
    root = Path(local_root) if local_root is not None else local_root_for(repo_id)
    prepare_local_root(root, progress)
    if root.exists() and not fresh:
        try:
            listing: RemoteListing | None = list_remote(repo_id, endpoint=endpoint)
        except HubError as exc:
            progress.log(f"working offline from the local copy: {exc}")
            listing = None
        return open_local(root, listing), HubDataset(repo_id, root, endpoint, listing)

    listing = list_remote(repo_id, endpoint=endpoint)
    staged = staging_dir(root, "partial")
    try:
        meta = first_meta(listing)
        progress.log(
            f"{repo_id}: {len(listing.files)} files on the Hub, {format_size(listing.size_of(listing.files))}"
        )
        fetch_files(listing, meta, staged, endpoint=endpoint, progress=progress, span=(0.0, 0.5))
        first = [p for p in episode_files(staged) if p in listing.files]
        fetch_files(listing, first, staged, endpoint=endpoint, progress=progress, span=(0.5, 1.0))
        swap_in(staged, root)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    fetched = listing.size_of(meta + first)
    progress.log(
        f"opened {repo_id}: fetched {len(meta) + len(first)} files, {format_size(fetched)} "
        f"of {format_size(listing.size_of(listing.files))} (meta/ {format_size(listing.size_of(meta))})"
    )
    index = open_local(root, listing)
    if index.partial:
        progress.log(
            f"{len(index.episodes)} of {index.info.get('total_episodes', '?')} episodes listed; "
            f"{len(index.pending_meta)} meta/ files to fetch next"
        )
    first_ep = int(index.table.episode_index.min())
    return index, HubDataset(repo_id, root, endpoint, listing, {first_ep}, fetched)


def fetch_remaining_meta(hub: HubDataset, *, progress: Progress) -> DatasetIndex:
    """Fetch the meta/ files a lazy open left on the Hub, then re-read the local copy: the complete
    index (or a partial one again if another fetch is still writing)."""
    if hub.listing is None:
        raise HubError(f"{hub.repo_id}: the Hub could not be reached to list the remaining episodes")
    pending = remaining_meta(hub.root, hub.listing)
    if pending:
        fetch_files(hub.listing, pending, hub.root, endpoint=hub.endpoint, progress=progress)
        hub.fetched_bytes += hub.listing.size_of(pending)
        progress.log(
            f"{hub.repo_id}: fetched the remaining {len(pending)} meta/ files, "
            f"{format_size(hub.listing.size_of(pending))}"
        )
    return open_local(hub.root, hub.listing)


def fetch_episode(
    hub: HubDataset, index: DatasetIndex, episode_index: int, *, progress: Progress
) -> DatasetIndex | None:
    """Fetch the files one episode needs that are not here yet, then re-read the local copy.
    Returns the new index, or None when nothing was missing."""
    missing = missing_files(index, episode_index)
    if not missing:
        hub.fetched_episodes.add(episode_index)
        return None
    if hub.listing is None:
        raise HubError(f"episode {episode_index} is not downloaded and the Hub could not be reached")
    available = [p for p in missing if p in hub.listing.files]
    for rel in sorted(set(missing) - set(available)):
        progress.log(f"episode {episode_index}: {rel} is missing on the Hub too (the dataset lacks it)")
    if not available:
        hub.fetched_episodes.add(episode_index)
        return None
    fetch_files(hub.listing, available, hub.root, endpoint=hub.endpoint, progress=progress)
    hub.fetched_episodes.add(episode_index)
    hub.fetched_bytes += hub.listing.size_of(available)
    return open_local(hub.root, hub.listing)
