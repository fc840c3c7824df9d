"""Environment manager: settings, git cache, inspector, hardware, torch choice, plans, installs.

No imgui, no GL: the wizard panels, the CLI and the tests all use this surface.
"""

import importlib

# Loaded on first use: pydantic, pygit2 and uv checks cost ~0.2 s to import, and the app's
# window must not wait for them before anyone opens an environment panel.
_LAZY = {
    "BASE_INSTALL": "inspector",
    "CompatTable": "compat",
    "CompatTableError": "compat",
    "EnvError": "manager",
    "EnvManager": "manager",
    "EnvironmentConfig": "plan",
    "EnvironmentRecord": "manager",
    "HardwareInfo": "hardware",
    "InspectError": "inspector",
    "InstallError": "installer",
    "InstallStatus": "installer",
    "OFFICIAL_REPO_URL": "settings",
    "PlanError": "plan",
    "PlanInputs": "plan",
    "RepoCache": "repos",
    "RepoError": "repos",
    "RepoInspection": "inspector",
    "RepoRefs": "repos",
    "Settings": "settings",
    "ToolCheck": "settings",
    "TorchOption": "compat",
    "UvNotFound": "uvtool",
    "bash_quote": "plan",
    "check_data_dir": "settings",
    "check_git": "settings",
    "check_uv": "uvtool",
    "detect_hardware": "hardware",
    "find_uv": "uvtool",
    "generate_script": "plan",
    "inspect_pyproject": "inspector",
    "is_first_run": "settings",
    "load_settings": "settings",
    "load_table": "compat",
    "new_env_id": "plan",
    "powershell_quote": "plan",
    "read_pip_config": "settings",
    "read_status": "installer",
    "recommend_python": "compat",
    "recommended_option": "compat",
    "refresh_table": "compat",
    "run_install": "installer",
    "torch_options": "compat",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
