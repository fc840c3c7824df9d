"""The PyTorch compatibility table and the recommendation it drives.

The table (bundled in assets/compat, refreshable from a URL) maps an NVIDIA driver to the highest
CUDA it runs, and each torch release to its CUDA/ROCm builds and Python versions. The recommended
torch is the highest one that fits both the hardware and the LeRobot version's constraints; when
none fits both, the highest one that runs on the hardware, flagged "potential incompatibility".
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from leropilot_gl.envs.hardware import HardwareInfo
from leropilot_gl.envs.inspector import RepoInspection

TABLE_NAME = "torch_compat.json"


class CompatTableError(ValueError):
    pass


@dataclass(frozen=True)
class TorchRelease:
    version: str
    torchvision: str
    torchcodec: str | None
    python: list[str]
    cuda: list[str]
    rocm: list[str]


@dataclass(frozen=True)
class CompatTable:
    cuda_min_driver: list[dict[str, str]]  # {"cuda", "linux", "windows"}
    torch: list[TorchRelease]  # ascending by version
    source: str  # "bundled" or the cached file's path
    # {"major", "linux", "windows"}: the driver that runs every CUDA of that major release
    # (NVIDIA's minor-version compatibility); empty in tables that predate it
    cuda_minor_compat: list[dict[str, str]] = field(default_factory=list)

    def compat_majors_for_driver(self, driver: str, *, os_name: str = "Linux") -> list[str]:
        """CUDA major versions this driver runs through minor-version compatibility."""
        column = "windows" if os_name == "Windows" else "linux"
        try:
            have = _vtuple(driver)
        except ValueError:
            return []
        return [row["major"] for row in self.cuda_minor_compat if have >= _vtuple(row[column])]

    def max_cuda_for_driver(self, driver: str, *, os_name: str = "Linux") -> str | None:
        """The highest CUDA whose minimum driver is <= `driver` (None: too old for any listed)."""
        column = "windows" if os_name == "Windows" else "linux"
        try:
            have = _vtuple(driver)
        except ValueError:
            return None
        best = None
        for row in self.cuda_min_driver:
            if have >= _vtuple(row[column]) and (best is None or _vtuple(row["cuda"]) > _vtuple(best)):
                best = row["cuda"]
        return best


def _vtuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.strip().split("."))


def parse_table(data: dict, source: str) -> CompatTable:
    try:
        rows = [dict(r) for r in data["cuda_min_driver"]]
        for row in rows:
            _vtuple(row["cuda"]), _vtuple(row["linux"]), _vtuple(row["windows"])
        releases = [
            TorchRelease(
                version=str(r["version"]),
                torchvision=str(r["torchvision"]),
                torchcodec=None if r.get("torchcodec") is None else str(r["torchcodec"]),
                python=[str(p) for p in r["python"]],
                cuda=[str(c) for c in r["cuda"]],
                rocm=[str(c) for c in r["rocm"]],
            )
            for r in data["torch"]
        ]
        releases.sort(key=lambda r: Version(r.version))
        compat = [dict(r) for r in data.get("cuda_minor_compat", [])]
        for row in compat:
            int(row["major"]), _vtuple(row["linux"]), _vtuple(row["windows"])
    except (KeyError, TypeError, ValueError, InvalidVersion) as exc:
        raise CompatTableError(f"compatibility table {source} is malformed: {exc}") from exc
    if not releases or not rows:
        raise CompatTableError(f"compatibility table {source} is empty")
    return CompatTable(rows, releases, source, compat)


def bundled_table() -> CompatTable:
    text = (
        resources.files("leropilot_gl").joinpath("assets", "compat", TABLE_NAME).read_text(encoding="utf-8")
    )
    return parse_table(json.loads(text), "bundled")


def load_table(cache_dir: Path | None = None) -> CompatTable:
    """The refreshed copy in the cache when it is valid, else the bundled one."""
    if cache_dir is not None:
        cached = cache_dir / "compat" / TABLE_NAME
        if cached.is_file():
            try:
                return parse_table(json.loads(cached.read_text(encoding="utf-8")), str(cached))
            except (ValueError, OSError):
                pass
    return bundled_table()


def refresh_table(url: str, cache_dir: Path, *, timeout_s: float = 30.0) -> CompatTable:
    """Download the table; it replaces the cached copy only when it parses."""
    if not url:
        raise CompatTableError("no compatibility table URL is set")
    import urllib.request  # http, email, ssl: ~0.1 s, only when the user asks for a refresh

    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (user-set URL)
            body = response.read(2_000_000)
        table = parse_table(json.loads(body), url)
    except (OSError, ValueError) as exc:
        raise CompatTableError(f"cannot refresh the compatibility table from {url}: {exc}") from exc
    target = cache_dir / "compat" / TABLE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(body)
    os.replace(tmp, target)
    return CompatTable(table.cuda_min_driver, table.torch, str(target), table.cuda_minor_compat)


@dataclass(frozen=True)
class TorchOption:
    """One torch choice for the wizard: a release in one build, and why it fits or not."""

    torch_version: str | None  # None: do not install torch (the project's own pins decide)
    torchvision: str | None
    torchcodec: str | None
    build: str  # "cu128", "rocm6.3", "cpu", "default" (the platform's PyPI wheel), "skip"
    cuda_version: str | None = None
    rocm_version: str | None = None
    fits_hardware: bool = True
    fits_lerobot: bool = True
    fits_python: bool = True
    recommended: bool = False
    potential_incompatibility: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.build == "skip":
            return "Skip PyTorch (install nothing extra)"
        if self.build == "default":
            return f"torch {self.torch_version} (default index)"
        return f"torch {self.torch_version} ({self.build})"

    @property
    def spec(self) -> str:
        """How the CLI names this choice: `2.7.1+cu118`, `2.7.1+default`, `skip`."""
        return "skip" if self.build == "skip" else f"{self.torch_version}+{self.build}"


def _fits(spec_text: str | None, version: str | None) -> bool:
    if not spec_text:
        return True
    if version is None:
        return False
    return SpecifierSet(spec_text).contains(version, prereleases=True)


def _best_rocm(builds: list[str], installed: str) -> str | None:
    if not builds:
        return None
    if not installed:
        return builds[-1]
    have = _vtuple(installed)[:2]
    fitting = [b for b in builds if _vtuple(b)[:2] <= have]
    return max(fitting, key=_vtuple) if fitting else None


def _hardware_build(release: TorchRelease, hw: HardwareInfo, table: CompatTable) -> tuple[str | None, str]:
    """(build tag or None, reason) for this release on this hardware."""
    if hw.kind == "nvidia":
        os_name = hw.os_name or "Linux"
        max_cuda = table.max_cuda_for_driver(hw.driver_version, os_name=os_name)
        majors = table.compat_majors_for_driver(hw.driver_version, os_name=os_name)
        native = [c for c in release.cuda if max_cuda is not None and _vtuple(c) <= _vtuple(max_cuda)]
        if native:
            cuda = max(native, key=_vtuple)
            return "cu" + cuda.replace(
                ".", ""
            ), f"CUDA {cuda} build; driver {hw.driver_version} runs CUDA up to {max_cuda}"
        # a newer minor of a CUDA major the driver supports runs by minor-version compatibility
        compat = [c for c in release.cuda if c.split(".")[0] in majors]
        if compat:
            cuda = max(compat, key=_vtuple)
            return "cu" + cuda.replace(".", ""), (
                f"CUDA {cuda} build through CUDA minor-version compatibility "
                f"(driver {hw.driver_version} runs CUDA {cuda.split('.')[0]}.x)"
            )
        if max_cuda is None and not majors:
            return None, f"driver {hw.driver_version} is older than any CUDA build listed"
        return (
            None,
            f"its CUDA builds ({', '.join(release.cuda)}) need a newer driver than {hw.driver_version}",
        )
    if hw.kind == "amd":
        rocm = _best_rocm(release.rocm, hw.rocm_version)
        if rocm is None:
            return (
                None,
                f"its ROCm builds ({', '.join(release.rocm) or 'none'}) are newer than ROCm {hw.rocm_version}",
            )
        return "rocm" + rocm, f"ROCm {rocm} build for ROCm {hw.rocm_version or 'unknown'}"
    if hw.kind == "apple":
        return "default", "PyPI's macOS wheel (Metal / MPS)"
    return "cpu", "CPU build (no supported GPU found)"


def torch_options(
    hw: HardwareInfo, inspection: RepoInspection | None, python_version: str, table: CompatTable
) -> list[TorchOption]:
    """Every torch choice for the wizard, newest first, exactly one marked recommended.

    CPU builds and "skip" are always offered last, so the user can choose them on any machine.
    """
    constraints = inspection.torch_constraints if inspection else {}
    options: list[TorchOption] = []
    for release in reversed(table.torch):
        build, hw_reason = _hardware_build(release, hw, table)
        reasons = [hw_reason]
        fits_lerobot = (
            _fits(constraints.get("torch"), release.version)
            and _fits(constraints.get("torchvision"), release.torchvision)
            and _fits(constraints.get("torchcodec"), release.torchcodec)
        )
        if constraints:
            wanted = ", ".join(f"{k}{v}" for k, v in sorted(constraints.items()) if v) or "any torch"
            reasons.append(
                ("fits" if fits_lerobot else "outside") + f" this LeRobot version's pins ({wanted})"
            )
        fits_python = python_version in release.python
        if not fits_python:
            reasons.append(f"no wheels for Python {python_version} (has {', '.join(release.python)})")
        cuda = build[2:4] + "." + build[4:] if build and build.startswith("cu") else None
        options.append(
            TorchOption(
                torch_version=release.version,
                torchvision=release.torchvision,
                torchcodec=release.torchcodec,
                build=build or "unavailable",
                cuda_version=cuda,
                rocm_version=build[4:] if build and build.startswith("rocm") else None,
                fits_hardware=build is not None,
                fits_lerobot=fits_lerobot,
                fits_python=fits_python,
                reasons=reasons,
            )
        )
    pick = next(
        (i for i, o in enumerate(options) if o.fits_hardware and o.fits_lerobot and o.fits_python), None
    )
    flagged = False
    if pick is None:
        pick = next((i for i, o in enumerate(options) if o.fits_hardware and o.fits_python), None)
        flagged = pick is not None
    if pick is not None:
        chosen = options[pick]
        why = "Recommended: the newest torch that runs on this hardware"
        why += (
            " but outside this LeRobot version's pins (potential incompatibility)"
            if flagged
            else " and satisfies this LeRobot version"
        )
        options[pick] = _recommend(chosen, why, flagged)
    # runnable builds first, then the ones this hardware cannot run (shown, greyed), then the
    # CPU build, the platform's default wheel from the package index, and skip
    options = [o for o in options if o.fits_hardware] + [o for o in options if not o.fits_hardware]
    extra: list[TorchOption] = []
    if hw.kind not in ("cpu", "apple"):
        cpu = _fallback_option(table, hw, constraints, python_version, "cpu")
        if cpu is not None:
            extra.append(cpu)
    if hw.kind != "apple":
        default = _fallback_option(table, hw, constraints, python_version, "default")
        if default is not None:
            extra.append(default)
    skip = TorchOption(
        None,
        None,
        None,
        "skip",
        reasons=[
            "installs no torch wheel of our choice: the project's own dependencies (and its "
            "[tool.uv.sources]) decide"
        ],
    )
    extra.append(skip)
    options += extra
    if not any(o.recommended for o in options):
        # every machine gets a recommendation: the CPU build, with the reason nothing else fits
        gpu_why = next((o.reasons[0] for o in options if not o.fits_hardware and o.reasons), "")
        cause = f"no {hw.summary} build fits" + (f" ({gpu_why})" if gpu_why else "")
        idx = next((i for i, o in enumerate(options) if o.build == "cpu"), None)
        if idx is None:
            idx = next((i for i, o in enumerate(options) if o.build == "default"), None)
        if idx is None:
            idx = len(options) - 1
        chosen = options[idx]
        flagged = not (chosen.fits_lerobot and chosen.fits_python) and chosen.build != "skip"
        options[idx] = _recommend(chosen, f"Recommended: {chosen.label}, because {cause}", flagged)
    return options


def _recommend(option: TorchOption, why: str, flagged: bool) -> TorchOption:
    return TorchOption(
        **{
            **option.__dict__,
            "recommended": True,
            "potential_incompatibility": flagged,
            "reasons": [why, *option.reasons],
        }
    )


def _fallback_option(
    table: CompatTable, hw: HardwareInfo, constraints: dict[str, str], python_version: str, build: str
) -> TorchOption | None:
    """The newest release fitting Python (and the pins when one does) as a CPU or default build."""
    candidates = [r for r in reversed(table.torch) if python_version in r.python]
    fitting = [
        r
        for r in candidates
        if _fits(constraints.get("torch"), r.version)
        and _fits(constraints.get("torchvision"), r.torchvision)
        and _fits(constraints.get("torchcodec"), r.torchcodec)
    ]
    release = (fitting or candidates or [None])[0]
    if release is None:
        return None
    if build == "cpu":
        reason = "CPU build: runs everywhere, no GPU acceleration"
    else:
        reason = {
            "Linux": "the PyPI wheel (bundles its own CUDA 12 runtime; needs a recent NVIDIA driver for GPU use)",
            "Windows": "the PyPI wheel (CPU only on Windows)",
        }.get(hw.os_name or "Linux", "the platform's PyPI wheel")
        reason += "; from the default package index, no PyTorch index needed"
    fits = bool(fitting)
    reasons = [reason]
    if constraints and not fits:
        reasons.append("outside this LeRobot version's pins")
    return TorchOption(
        release.version,
        release.torchvision,
        release.torchcodec,
        build,
        fits_lerobot=fits,
        reasons=reasons,
    )


def recommended_option(options: list[TorchOption]) -> TorchOption | None:
    return next((o for o in options if o.recommended), None)


def recommend_python(
    inspection: RepoInspection | None, table: CompatTable, available: dict[str, bool] | None = None
) -> str:
    """The Python to offer first. Installed ones first (uv may not reach its downloads), 3.10 among
    equals (LeRobot's own install guide uses it), else the lowest allowed version with torch wheels.

    `available` is uv's view ({"3.11": True installed, "3.10": False downloadable}); None: unknown.
    """
    choices = inspection.python_choices if inspection else ["3.10", "3.11", "3.12"]
    pythons_with_torch = {p for r in table.torch for p in r.python}
    usable = [p for p in choices if p in pythons_with_torch] or choices
    if available:
        installed = [p for p in usable if available.get(p)]
        reachable = [p for p in usable if p in available]
        usable = installed or reachable or usable
    if "3.10" in usable:
        return "3.10"
    return usable[0] if usable else "3.10"


def order_pythons(choices: list[str], available: dict[str, bool] | None) -> list[tuple[str, str]]:
    """(version, note) for the wizard and the CLI: installed first, then what uv downloads; versions
    uv cannot get are left out when uv's view is known."""
    if not available:
        return [(p, "") for p in choices]
    installed = [(p, "installed") for p in choices if available.get(p)]
    download = [(p, "uv downloads it") for p in choices if p in available and not available[p]]
    return installed + download
