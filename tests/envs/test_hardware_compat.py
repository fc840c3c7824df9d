"""GPU detection with stand-in nvidia-smi / rocm-smi on PATH, and the torch recommendation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from leropilot_gl.envs import (
    CompatTableError,
    HardwareInfo,
    detect_hardware,
    inspect_pyproject,
    load_table,
    recommend_python,
    recommended_option,
    refresh_table,
    torch_options,
)
from leropilot_gl.envs.compat import bundled_table
from leropilot_gl.envs.hardware import detect_amd

NVIDIA_TABLE = """\
Mon Nov 23 10:00:00 2026
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI {driver}              Driver Version: {driver}      CUDA Version: {cuda}     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
|   0  NVIDIA GeForce RTX 4090        Off |   00000000:01:00.0  On |                  Off |
+-----------------------------------------+------------------------+----------------------+
"""


def _stand_in(bin_dir: Path, name: str, body: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def _fake_nvidia(bin_dir: Path, driver: str, cuda: str) -> None:
    table = NVIDIA_TABLE.format(driver=driver, cuda=cuda)
    _stand_in(
        bin_dir,
        "nvidia-smi",
        f"""\
case "$1" in
  --query-gpu=driver_version,name) echo "{driver}, NVIDIA GeForce RTX 4090" ;;
  *) cat <<'END'
{table}END
  ;;
esac
""",
    )


def test_detects_nvidia_driver_and_gpu_from_nvidia_smi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_nvidia(tmp_path / "bin", "550.54.14", "12.4")
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    hw = detect_hardware(kfd_path=tmp_path / "no-kfd")
    assert (hw.kind, hw.driver_version, hw.gpu_name, hw.cuda_version) == (
        "nvidia",
        "550.54.14",
        "NVIDIA GeForce RTX 4090",
        "12.4",
    )
    assert "RTX 4090" in hw.summary


def test_detects_amd_from_rocm_smi_and_rocm_version_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stand_in(
        tmp_path / "bin",
        "rocm-smi",
        """\
echo "============================ ROCm System Management Interface ============================"
echo "====================================== Product Info ======================================"
printf 'GPU[0]\\t\\t: Card Series: \\t\\tAMD Instinct MI210\\n'
printf 'GPU[0]\\t\\t: Card Vendor: \\t\\tAdvanced Micro Devices, Inc. [AMD/ATI]\\n'
""",
    )
    (tmp_path / "rocm" / ".info").mkdir(parents=True)
    (tmp_path / "rocm" / ".info" / "version").write_text("6.3.1-48\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    hw = detect_amd(tmp_path / "rocm", tmp_path / "no-kfd")
    assert hw is not None and (hw.kind, hw.gpu_name, hw.rocm_version) == ("amd", "AMD Instinct MI210", "6.3")


def test_cpu_when_no_gpu_tool_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    hw = detect_hardware(kfd_path=tmp_path / "no-kfd", rocm_root=tmp_path)
    assert hw.kind in ("cpu", "apple") and hw.os_name


LEROBOT_PINS = inspect_pyproject("""
[project]
name = "lerobot"
requires-python = ">=3.10"
dependencies = ["torch>=2.2.1,<2.8.0", "torchvision>=0.21.0,<0.23.0"]
""")


@pytest.mark.parametrize(
    ("driver", "torch_version", "build"),
    [
        ("580.82.07", "2.7.1", "cu128"),  # newest driver: the LeRobot pin (<2.8) decides
        ("570.26", "2.7.1", "cu128"),
        ("560.35.03", "2.7.1", "cu126"),  # driver caps CUDA at 12.6
        ("550.54.14", "2.7.1", "cu118"),  # CUDA <= 12.4: the newest torch wins, in its CUDA 11.8 build
    ],
)
def test_recommendation_follows_driver_and_pins(driver: str, torch_version: str, build: str) -> None:
    table = bundled_table()
    hw = HardwareInfo("nvidia", gpu_name="x", driver_version=driver, os_name="Linux")
    rec = recommended_option(torch_options(hw, LEROBOT_PINS, "3.10", table))
    assert rec is not None and (rec.torch_version, rec.build) == (torch_version, build)
    assert rec.fits_lerobot and not rec.potential_incompatibility
    assert any("Recommended" in r for r in rec.reasons)


def test_driver_too_old_for_the_pins_is_flagged_potential_incompatibility() -> None:
    # driver 470 runs CUDA 11.x only; pins ask for torch >= 2.8 which has no CUDA 11 build
    pins = inspect_pyproject('[project]\nname="x"\ndependencies=["torch>=2.8"]\n')
    hw = HardwareInfo("nvidia", driver_version="470.256.02", os_name="Linux")
    options = torch_options(hw, pins, "3.11", bundled_table())
    rec = recommended_option(options)
    assert rec is not None and rec.potential_incompatibility
    assert (rec.torch_version, rec.build) == ("2.7.1", "cu118") and not rec.fits_lerobot
    assert any("potential incompatibility" in r for r in rec.reasons)
    assert sum(o.recommended for o in options) == 1
    assert options[-1].build == "skip" and any(o.build == "cpu" for o in options)


def test_windows_driver_numbers_and_amd_and_cpu_and_python() -> None:
    table = bundled_table()
    assert table.max_cuda_for_driver("551.61", os_name="Windows") == "12.4"
    assert table.max_cuda_for_driver("551.61", os_name="Linux") == "12.4"
    assert table.max_cuda_for_driver("400.1") is None
    amd = HardwareInfo("amd", rocm_version="6.2", os_name="Linux")
    rec = recommended_option(torch_options(amd, LEROBOT_PINS, "3.10", table))
    assert rec is not None and (rec.torch_version, rec.build, rec.rocm_version) == (
        "2.7.1",
        "rocm6.2.4",
        "6.2.4",
    )
    cpu = recommended_option(torch_options(HardwareInfo("cpu"), LEROBOT_PINS, "3.12", table))
    assert cpu is not None and (cpu.torch_version, cpu.build) == ("2.7.1", "cpu")
    # Python 3.14 has no torch within the pins: the hardware fit wins, flagged
    py314 = recommended_option(torch_options(HardwareInfo("cpu"), LEROBOT_PINS, "3.14", table))
    assert py314 is not None and py314.torch_version == "2.11.0" and py314.potential_incompatibility
    assert recommend_python(LEROBOT_PINS, table) == "3.10"


def test_table_refresh_falls_back_to_bundled(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(CompatTableError):
        refresh_table((tmp_path / "missing.json").as_uri(), cache)
    assert load_table(cache).source == "bundled"
    data = json.loads(
        json.dumps(
            {
                "cuda_min_driver": [{"cuda": "12.8", "linux": "570.26", "windows": "570.65"}],
                "torch": [
                    {
                        "version": "9.0.0",
                        "torchvision": "1.0.0",
                        "torchcodec": None,
                        "python": ["3.11"],
                        "cuda": ["12.8"],
                        "rocm": [],
                    }
                ],
            }
        )
    )
    good = tmp_path / "good.json"
    good.write_text(json.dumps(data))
    assert refresh_table(good.as_uri(), cache).torch[-1].version == "9.0.0"
    assert load_table(cache).torch[-1].version == "9.0.0"
    (cache / "compat" / "torch_compat.json").write_text("{broken")
    assert load_table(cache).source == "bundled"


LEROBOT_044 = inspect_pyproject("""
[project]
name = "lerobot"
requires-python = ">=3.10"
dependencies = ["torch>=2.2.1,<2.8.0", "torchcodec>=0.2.1,<0.6.0", "torchvision>=0.21.0,<0.23.0"]
""")
NEWEST = inspect_pyproject('[project]\nname="x"\nrequires-python=">=3.10"\ndependencies=["torch>=2.2"]\n')


@pytest.mark.parametrize(
    ("driver", "cuda", "pins", "expected", "why"),
    [
        # 470 runs CUDA 11.4 natively and every 11.x through minor-version compatibility
        ("470.256.02", "11.4", LEROBOT_044, ("2.7.1", "cu118"), "minor-version compatibility"),
        ("535.183.01", "12.2", LEROBOT_044, ("2.7.1", "cu118"), "runs CUDA up to 12.2"),
        ("535.183.01", "12.2", NEWEST, ("2.11.0", "cu128"), "minor-version compatibility"),
        ("550.54.14", "12.4", NEWEST, ("2.11.0", "cu128"), "minor-version compatibility"),
        ("580.82.07", "13.0", LEROBOT_044, ("2.7.1", "cu128"), "runs CUDA up to 13.0"),
        ("580.82.07", "13.0", NEWEST, ("2.11.0", "cu130"), "runs CUDA up to 13.0"),
    ],
)
def test_stand_in_nvidia_smi_drivers_each_get_a_build_and_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, driver, cuda, pins, expected, why
) -> None:
    _fake_nvidia(tmp_path / "bin", driver, cuda)
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    hw = detect_hardware(kfd_path=tmp_path / "no-kfd")
    assert hw.kind == "nvidia" and hw.driver_version == driver
    assert hw.summary.count("NVIDIA") == 1  # "NVIDIA GeForce ...", never "NVIDIA NVIDIA ..."
    options = torch_options(hw, pins, "3.11", bundled_table())
    rec = recommended_option(options)
    assert rec is not None and (rec.torch_version, rec.build) == expected
    assert rec.reasons[0].startswith("Recommended") and any(why in r for r in rec.reasons), rec.reasons
    assert sum(o.recommended for o in options) == 1
    # the CPU build, the package index's own wheel and skip are always offered
    assert [o.build for o in options[-3:]] == ["cpu", "default", "skip"]


def test_a_driver_too_old_for_any_cuda_gets_the_cpu_build_with_the_reason() -> None:
    hw = HardwareInfo("nvidia", gpu_name="Quadro K600", driver_version="390.157", os_name="Linux")
    options = torch_options(hw, LEROBOT_044, "3.11", bundled_table())
    rec = recommended_option(options)
    assert rec is not None and (rec.torch_version, rec.build) == ("2.7.1", "cpu")
    assert "driver 390.157" in rec.reasons[0] and not rec.potential_incompatibility


@pytest.mark.parametrize(
    ("rocm", "pins", "expected"),
    [
        ("6.1", LEROBOT_044, ("2.6.0", "rocm6.1")),
        ("6.3", LEROBOT_044, ("2.7.1", "rocm6.3")),
        ("7.2", NEWEST, ("2.11.0", "rocm7.2")),
        ("5.4", LEROBOT_044, ("2.7.1", "cpu")),  # older than any ROCm build: CPU, with the reason
    ],
)
def test_stand_in_rocm_versions_each_get_a_build_and_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rocm, pins, expected
) -> None:
    _stand_in(
        tmp_path / "bin",
        "rocm-smi",
        f"""\
case "$1" in
  --showdriverversion) echo "ROCm version: {rocm}.0" ;;
  --showproductname) printf 'GPU[0]\\t\\t: Card Series: \\t\\tRadeon RX 7900 XTX\\n' ;;
esac
""",
    )
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    hw = detect_amd(tmp_path / "no-rocm", tmp_path / "no-kfd")
    assert hw is not None and hw.rocm_version == rocm and hw.gpu_name == "Radeon RX 7900 XTX"
    options = torch_options(hw, pins, "3.11", bundled_table())
    rec = recommended_option(options)
    assert rec is not None and (rec.torch_version, rec.build) == expected
    assert rec.reasons[0].startswith("Recommended") and len(rec.reasons) >= 2
    assert sum(o.recommended for o in options) == 1


def test_python_offered_where_uv_can_get_it_installed_first() -> None:
    from leropilot_gl.envs.compat import order_pythons

    table = bundled_table()
    # 3.10 would be LeRobot's choice, but only 3.11 is installed and uv may not reach downloads
    assert recommend_python(LEROBOT_044, table, {"3.11": True, "3.10": False}) == "3.11"
    assert recommend_python(LEROBOT_044, table, {"3.11": True, "3.10": True}) == "3.10"
    assert recommend_python(LEROBOT_044, table, {"3.12": False, "3.10": False}) == "3.10"
    assert order_pythons(["3.10", "3.11", "3.12"], {"3.11": True, "3.10": False}) == [
        ("3.11", "installed"),
        ("3.10", "uv downloads it"),
    ]
