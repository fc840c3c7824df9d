"""Environment manager: settings, git cache, inspector, hardware, torch choice, plans, installs.

No imgui, no GL: the wizard panels, the CLI and the tests all use this surface.
"""

from leropilot_gl.envs.compat import (
    CompatTable,
    CompatTableError,
    TorchOption,
    load_table,
    recommend_python,
    recommended_option,
    refresh_table,
    torch_options,
)
from leropilot_gl.envs.hardware import HardwareInfo, detect_hardware
from leropilot_gl.envs.inspector import BASE_INSTALL, InspectError, RepoInspection, inspect_pyproject
from leropilot_gl.envs.installer import InstallError, InstallStatus, read_status, run_install
from leropilot_gl.envs.manager import EnvError, EnvironmentRecord, EnvManager
from leropilot_gl.envs.plan import (
    EnvironmentConfig,
    PlanError,
    PlanInputs,
    bash_quote,
    generate_script,
    new_env_id,
    powershell_quote,
)
from leropilot_gl.envs.repos import RepoCache, RepoError, RepoRefs
from leropilot_gl.envs.settings import (
    OFFICIAL_REPO_URL,
    Settings,
    ToolCheck,
    check_data_dir,
    check_git,
    is_first_run,
    load_settings,
    read_pip_config,
)
from leropilot_gl.envs.uvtool import UvNotFound, check_uv, find_uv

__all__ = [
    "BASE_INSTALL",
    "OFFICIAL_REPO_URL",
    "CompatTable",
    "CompatTableError",
    "EnvError",
    "EnvManager",
    "EnvironmentConfig",
    "EnvironmentRecord",
    "HardwareInfo",
    "InspectError",
    "InstallError",
    "InstallStatus",
    "PlanError",
    "PlanInputs",
    "RepoCache",
    "RepoError",
    "RepoInspection",
    "RepoRefs",
    "Settings",
    "ToolCheck",
    "TorchOption",
    "UvNotFound",
    "bash_quote",
    "check_data_dir",
    "check_git",
    "check_uv",
    "detect_hardware",
    "find_uv",
    "generate_script",
    "inspect_pyproject",
    "is_first_run",
    "load_settings",
    "load_table",
    "new_env_id",
    "powershell_quote",
    "read_pip_config",
    "read_status",
    "recommend_python",
    "recommended_option",
    "refresh_table",
    "run_install",
    "torch_options",
]
