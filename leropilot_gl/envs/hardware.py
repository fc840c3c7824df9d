"""Which accelerator this machine has: NVIDIA (driver), AMD (ROCm), Apple Silicon, or CPU only."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HardwareInfo:
    kind: str  # "nvidia", "amd", "apple", "cpu"
    gpu_name: str = ""
    driver_version: str = ""  # NVIDIA driver, e.g. "550.54.14"
    cuda_version: str = ""  # the highest CUDA the driver reports (nvidia-smi header)
    rocm_version: str = ""  # e.g. "6.1"
    os_name: str = ""  # platform.system(): Linux, Darwin, Windows
    machine: str = ""
    note: str = ""  # why detection fell back, for the UI tooltip

    @property
    def summary(self) -> str:
        if self.kind == "nvidia":
            name = self.gpu_name or "GPU"
            # nvidia-smi names usually start with the vendor already
            name = name if name.upper().startswith("NVIDIA") else f"NVIDIA {name}"
            return f"{name} (driver {self.driver_version})"
        if self.kind == "amd":
            name = self.gpu_name or "GPU"
            name = name if name.upper().startswith(("AMD", "RADEON")) else f"AMD {name}"
            return f"{name} (ROCm {self.rocm_version or 'unknown'})"
        if self.kind == "apple":
            return "Apple Silicon (Metal / MPS)"
        return "CPU only"


def _run(args: list[str], timeout_s: float = 10.0) -> str | None:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def detect_nvidia() -> HardwareInfo | None:
    exe = shutil.which("nvidia-smi")
    if not exe:
        return None
    query = _run([exe, "--query-gpu=driver_version,name", "--format=csv,noheader"])
    if not query or not query.strip():
        return None
    driver, _, name = query.strip().splitlines()[0].partition(",")
    header = _run([exe]) or ""
    cuda = re.search(r"CUDA Version:\s*([0-9]+\.[0-9]+)", header)
    return HardwareInfo(
        "nvidia",
        gpu_name=name.strip(),
        driver_version=driver.strip(),
        cuda_version=cuda.group(1) if cuda else "",
    )


def _rocm_version_from_files(rocm_root: Path) -> str:
    for rel in (".info/version", ".info/version-dev"):
        path = rocm_root / rel
        if path.is_file():
            match = re.match(r"\s*([0-9]+\.[0-9]+)", path.read_text(errors="replace"))
            if match:
                return match.group(1)
    return ""


def detect_amd(rocm_root: Path | None = None, kfd_path: Path = Path("/dev/kfd")) -> HardwareInfo | None:
    rocm_root = rocm_root or Path(os.environ.get("ROCM_PATH", "/opt/rocm"))
    exe = shutil.which("rocm-smi")
    if not exe and not kfd_path.exists():
        return None
    version = _rocm_version_from_files(rocm_root)
    name = ""
    if exe:
        if not version:
            # "ROCm version: 6.1.2" on newer rocm-smi, in `--showdriverversion`'s output
            text = _run([exe, "--showdriverversion"]) or ""
            match = re.search(r"ROCm version:\s*([0-9]+\.[0-9]+)", text)
            version = match.group(1) if match else ""
        text = _run([exe, "--showproductname"]) or ""
        match = re.search(r"Card (?:series|Series|model|Model):\s*(.+)", text)
        name = match.group(1).strip() if match else ""
    return HardwareInfo("amd", gpu_name=name, rocm_version=version)


def detect_hardware(*, rocm_root: Path | None = None, kfd_path: Path = Path("/dev/kfd")) -> HardwareInfo:
    system, machine = platform.system(), platform.machine()
    found = detect_nvidia()
    if found is None and system == "Linux":
        found = detect_amd(rocm_root, kfd_path)
    if found is None and system == "Darwin" and machine == "arm64":
        found = HardwareInfo("apple")
    if found is None:
        found = HardwareInfo("cpu", note="no nvidia-smi, rocm-smi or /dev/kfd found")
    return HardwareInfo(**{**found.__dict__, "os_name": system, "machine": machine})
