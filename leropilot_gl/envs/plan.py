"""The install plan: an EnvironmentConfig turned into a bash (Linux, macOS) or PowerShell script.

Every user value (URL, ref, name, path, index) reaches the script only as a single-quoted literal
for its shell, assigned to a variable at the top; commands use the variables. So a value holding
spaces, quotes, `$( )`, backticks, `;` or a newline is data, never a command. Comments carry no
user value. Progress lines look like `##[step 2/6] text`; the installer parses them.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from leropilot_gl.envs.settings import Settings

DONE_MARK = "##[done]"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_EXTRA_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # PEP 508 extra names
_PYTHON_RE = re.compile(r"^[0-9]+\.[0-9]+(\.[0-9]+)?$")
_TORCH_BUILD_RE = re.compile(r"^(skip|cpu|default|cu[0-9]{3}|rocm[0-9]+(\.[0-9]+){1,2})$")
_VERSION_RE = re.compile(r"^[0-9][A-Za-z0-9.+!_-]*$")


class PlanError(ValueError):
    pass


def new_env_id(name: str) -> str:
    """A folder-safe id: the name's safe characters plus a random suffix."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "env"
    return f"{slug}-{secrets.token_hex(3)}"


class EnvironmentConfig(BaseModel):
    id: str
    name: str
    display_name: str = ""
    created_at: float = Field(default_factory=time.time)
    repo_url: str
    ref: str
    commit_hash: str = ""
    python_version: str
    torch_version: str | None = None  # None with torch_build "skip"
    torch_build: str = "skip"  # "cu128", "rocm6.3", "cpu", "default" (PyPI's), "skip"
    torchvision_version: str | None = None
    torchcodec_version: str | None = None
    cuda_version: str | None = None
    rocm_version: str | None = None
    selected_robots: list[str] = Field(default_factory=list)  # the extras to install
    project_name: str = ""  # the distribution the verify step checks (from pyproject)
    install_ffmpeg: bool = True
    ffmpeg_version: str = ""
    # the project's own [tool.uv.sources] (e.g. torch routed to one CUDA index): None decides by
    # the torch choice: used when torch is skipped (the project decides), switched off
    # (--no-sources) when the user chose a build, so that choice is what gets installed
    use_sources: bool | None = None

    @property
    def sources_on(self) -> bool:
        return self.torch_build == "skip" if self.use_sources is None else self.use_sources

    @property
    def sources_note(self) -> str:
        if self.sources_on:
            return "the project's [tool.uv.sources] are used as it declares them"
        return f"the project's [tool.uv.sources] are switched off (--no-sources): torch comes from the {self.torch_build} build chosen here"

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError("id must be 1-64 of a-z 0-9 _ - (it names a folder)")
        return value

    @field_validator("ref")
    @classmethod
    def _ref(cls, value: str) -> str:
        if not value.strip() or value.startswith("-"):
            raise ValueError("a ref must be non-empty and must not start with '-'")
        return value

    @field_validator("commit_hash")
    @classmethod
    def _commit(cls, value: str) -> str:
        if value and not re.fullmatch(r"[0-9a-f]{7,64}", value):
            raise ValueError(f"{value!r} is not a commit hash")
        return value

    @field_validator("python_version")
    @classmethod
    def _python(cls, value: str) -> str:
        if not _PYTHON_RE.match(value):
            raise ValueError(f"{value!r} is not a Python version like 3.10")
        return value

    @field_validator("torch_build")
    @classmethod
    def _build(cls, value: str) -> str:
        if not _TORCH_BUILD_RE.match(value):
            raise ValueError(f"{value!r} is not a torch build (skip, cpu, default, cuXYZ, rocmX.Y)")
        return value

    @field_validator("torch_version", "torchvision_version", "torchcodec_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not _VERSION_RE.match(value):
            raise ValueError(f"{value!r} is not a version")
        return value

    @field_validator("selected_robots")
    @classmethod
    def _extras(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _EXTRA_RE.match(v)]
        if bad:
            raise ValueError(f"not valid extra names: {bad}")
        return sorted(set(value))

    @property
    def title(self) -> str:
        return self.display_name or self.name


def bash_quote(value: str) -> str:
    """One single-quoted bash word; inside single quotes nothing is special except the quote."""
    if "\0" in value:
        raise PlanError("a value contains a NUL byte")
    return "'" + value.replace("'", "'\"'\"'") + "'"


_PS_QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell treats all of these as single quotes


def powershell_quote(value: str) -> str:
    """One single-quoted PowerShell string: every single-quote character is doubled."""
    if "\0" in value:
        raise PlanError("a value contains a NUL byte")
    return "'" + "".join(c + c if c in _PS_QUOTES else c for c in value) + "'"


class PlanInputs(BaseModel):
    """Where things are, decided by the manager: the script gets them as quoted values."""

    env_dir: Path
    repo_cache: Path
    git: str
    uv: str
    ffmpeg_source: str = ""  # a cached ffmpeg binary, or "" (the step then only explains)
    ffmpeg_cache_hint: str = ""  # where the user may place one


def _index_args(settings: Settings) -> list[str]:
    """Indexes and find-links, without --index-strategy (the torch step sets its own)."""
    args = ["--index-url", settings.effective_index_url()]
    for url in settings.extra_index_urls:
        args += ["--extra-index-url", url]
    for link in settings.find_links:
        args += ["--find-links", link]
    if settings.offline:
        args.append("--offline")
    return args


def _strategy_args(settings: Settings) -> list[str]:
    return ["--index-strategy", settings.index_strategy] if settings.index_strategy else []


def _sources_args(config: EnvironmentConfig) -> list[str]:
    return [] if config.sources_on else ["--no-sources"]


def _torch_index(config: EnvironmentConfig, settings: Settings) -> str:
    if config.torch_build in ("skip", "default"):
        return ""
    return settings.pytorch_index_base.rstrip("/") + "/" + config.torch_build


def _torch_requirements(config: EnvironmentConfig) -> list[str]:
    """What the torch step installs: torch and its matching torchvision."""
    if config.torch_build == "skip" or not config.torch_version:
        return []
    reqs = [f"torch=={config.torch_version}"]
    if config.torchvision_version:
        reqs.append(f"torchvision=={config.torchvision_version}")
    return reqs


def torch_constraints(config: EnvironmentConfig) -> list[str]:
    """The matching set every later install must keep: torch, torchvision and torchcodec (which is
    built for one torch release only; unpinned, uv pairs an old torch with the newest codec)."""
    reqs = _torch_requirements(config)
    if reqs and config.torchcodec_version:
        reqs.append(f"torchcodec=={config.torchcodec_version}")
    return reqs


def _editable_target(config: EnvironmentConfig, src: str) -> str:
    return src + (f"[{','.join(config.selected_robots)}]" if config.selected_robots else "")


def _env_vars(settings: Settings) -> dict[str, str]:
    env = {"UV_HTTP_TIMEOUT": str(int(settings.network_timeout_s))}
    if settings.proxies.http:
        env["HTTP_PROXY"] = settings.proxies.http
    if settings.proxies.https:
        env["HTTPS_PROXY"] = settings.proxies.https
    if settings.proxies.no_proxy:
        env["NO_PROXY"] = settings.proxies.no_proxy
    if settings.hub_endpoint:
        env["HF_ENDPOINT"] = settings.hub_endpoint
    return env


def _bash_activate_extra(hf_endpoint: str) -> str:
    """Appended to bin/activate: set HF_ENDPOINT, and make `deactivate` put back the old value."""
    return "\n".join(
        [
            "# leropilot-gl: the Hub mirror, undone by deactivate",
            'if [ -z "${_LEROPILOT_HF_SAVED:-}" ]; then',
            "  _LEROPILOT_HF_SAVED=1",
            '  if [ -n "${HF_ENDPOINT+x}" ]; then _LEROPILOT_OLD_HF_ENDPOINT="$HF_ENDPOINT"; _LEROPILOT_HAD_HF=1;',
            "  else _LEROPILOT_HAD_HF=0; fi",
            "fi",
            "export HF_ENDPOINT=" + bash_quote(hf_endpoint),
            'eval "_leropilot_venv_deactivate() $(declare -f deactivate | tail -n +2)"',
            "deactivate () {",
            '  _leropilot_venv_deactivate "$@"',
            '  if [ "${1:-}" != "nondestructive" ]; then',
            '    if [ "${_LEROPILOT_HAD_HF:-0}" = 1 ]; then export HF_ENDPOINT="$_LEROPILOT_OLD_HF_ENDPOINT";',
            "    else unset HF_ENDPOINT; fi",
            "    unset _LEROPILOT_HF_SAVED _LEROPILOT_HAD_HF _LEROPILOT_OLD_HF_ENDPOINT",
            "    unset -f _leropilot_venv_deactivate deactivate",
            "  fi",
            "}",
        ]
    )


def _powershell_activate_extra(hf_endpoint: str) -> str:
    """Appended to Activate.ps1: the same for PowerShell."""
    return "\n".join(
        [
            "# leropilot-gl: the Hub mirror, undone by deactivate",
            "if (-not (Test-Path variable:global:_LeropilotHfSaved)) {",
            "  $global:_LeropilotHfSaved = $true",
            "  $global:_LeropilotHadHf = Test-Path env:HF_ENDPOINT",
            "  $global:_LeropilotOldHf = $env:HF_ENDPOINT",
            "}",
            "$env:HF_ENDPOINT = " + powershell_quote(hf_endpoint),
            "$global:_LeropilotVenvDeactivate = ${function:deactivate}",
            "function global:deactivate([switch]$NonDestructive) {",
            "  & $global:_LeropilotVenvDeactivate -NonDestructive:$NonDestructive",
            "  if (-not $NonDestructive) {",
            "    if ($global:_LeropilotHadHf) { $env:HF_ENDPOINT = $global:_LeropilotOldHf }",
            "    else { Remove-Item -LiteralPath env:HF_ENDPOINT -ErrorAction SilentlyContinue }",
            "    Remove-Variable -Scope global -Name _LeropilotHfSaved, _LeropilotHadHf, _LeropilotOldHf, "
            "_LeropilotVenvDeactivate -ErrorAction SilentlyContinue",
            "  }",
            "}",
        ]
    )


def step_count(config: EnvironmentConfig) -> int:
    return 5 + (1 if _torch_requirements(config) else 0) + (1 if config.install_ffmpeg else 0)


def _script_values(
    config: EnvironmentConfig, settings: Settings, inputs: PlanInputs
) -> list[tuple[str, str, str | list[str]]]:
    """The values both install scripts start with: (bash name, PowerShell name, value or list).
    One table, so the two dialects cannot drift apart in what they install."""
    return [
        ("ENV_DIR", "EnvDir", str(inputs.env_dir)),
        ("ENV_NAME", "EnvName", config.title),
        ("REPO_URL", "RepoUrl", config.repo_url),
        ("REPO_CACHE", "RepoCache", str(inputs.repo_cache)),
        ("REF", "Ref", config.ref),
        ("COMMIT", "Commit", config.commit_hash or config.ref),
        ("PYTHON_VERSION", "PythonVersion", config.python_version),
        ("GIT", "Git", inputs.git),
        ("UV", "Uv", inputs.uv),
        ("PROJECT", "Project", config.project_name),
        ("INDEX_ARGS", "IndexArgs", _index_args(settings)),
        ("STRATEGY_ARGS", "StrategyArgs", _strategy_args(settings)),
        ("SOURCES_ARGS", "SourcesArgs", _sources_args(config)),
        ("TORCH_REQS", "TorchReqs", _torch_requirements(config)),
        ("TORCH_CONSTRAINTS", "TorchConstraints", torch_constraints(config)),
        ("TORCH_INDEX", "TorchIndex", _torch_index(config, settings)),
        ("EXTRAS_TARGET_SUFFIX", "ExtrasSuffix", _editable_target(config, "")),
        ("FFMPEG_SOURCE", "FfmpegSource", inputs.ffmpeg_source),
        ("FFMPEG_HINT", "FfmpegHint", inputs.ffmpeg_cache_hint),
    ]


def generate_bash(config: EnvironmentConfig, settings: Settings, inputs: PlanInputs) -> str:
    q = bash_quote
    total = step_count(config)
    lines = [
        "#!/usr/bin/env bash",
        "# LeRobot environment install script (leropilot-gl). Edit freely before running.",
        "set -euo pipefail",
        "",
    ]
    for name, _, value in _script_values(config, settings, inputs):
        if isinstance(value, list):
            lines.append(f"{name}=(" + " ".join(q(v) for v in value) + ")")
        else:
            lines.append(f"{name}={q(value)}")
    lines += [f"export {k}={q(v)}" for k, v in _env_vars(settings).items()]
    lines += [
        'SRC="$ENV_DIR/src"',
        'VENV="$ENV_DIR/.venv"',
        "",
        "n=0",
        f'step() {{ n=$((n + 1)); echo "##[step $n/{total}] $1"; }}',
        "",
        'step "Cloning the source into src (from the local cache)"',
        'if [ ! -d "$SRC/.git" ]; then',
        '  "$GIT" clone --quiet --no-checkout -- "$REPO_CACHE" "$SRC"',
        "fi",
        '"$GIT" -C "$SRC" fetch --quiet --tags -- "$REPO_CACHE" "+refs/heads/*:refs/remotes/origin/*"',
        '"$GIT" -C "$SRC" -c advice.detachedHead=false checkout --quiet --force "$COMMIT" --',
        '"$GIT" -C "$SRC" remote set-url origin -- "$REPO_URL"',
        '"$GIT" -C "$SRC" log -1 --format="source at %H (%s)"',
        "",
        'step "Creating the Python $PYTHON_VERSION environment"',
        "# --seed: pip inside the venv, as LeRobot's own instructions expect",
        '"$UV" venv --clear --seed "${INDEX_ARGS[@]}" --python "$PYTHON_VERSION" "$VENV"',
    ]
    if settings.hub_endpoint:
        # the Hub mirror applies whenever the environment is activated, and `deactivate` puts
        # back what was there before
        lines += [
            f"ACTIVATE_EXTRA={q(_bash_activate_extra(settings.hub_endpoint))}",
            'printf "%s\n" "$ACTIVATE_EXTRA" >> "$VENV/bin/activate"',
        ]
    lines.append(f"echo {q('uv sources: ' + config.sources_note)}")
    if _torch_requirements(config):
        torch_index = (
            ['--extra-index-url "$TORCH_INDEX" --index-strategy unsafe-best-match']
            if _torch_index(config, settings)
            else ['"${STRATEGY_ARGS[@]}"']
        )
        lines += [
            "",
            'step "Installing PyTorch (${TORCH_REQS[*]})"',
            'printf "%s\\n" "${TORCH_CONSTRAINTS[@]}" > "$ENV_DIR/torch-constraints.txt"',
            '"$UV" pip install --python "$VENV" "${INDEX_ARGS[@]}" "${SOURCES_ARGS[@]}" \\',
            f'  {torch_index[0]} "${{TORCH_REQS[@]}}"',
        ]
    constraint = ' --constraints "$ENV_DIR/torch-constraints.txt"' if _torch_requirements(config) else ""
    lines += [
        "",
        'step "Installing $PROJECT from src"',
        'cd "$SRC"  # a relative target: uv parses an absolute path with " ; " as a marker',
        f'"$UV" pip install --python "$VENV" "${{INDEX_ARGS[@]}}" "${{STRATEGY_ARGS[@]}}" "${{SOURCES_ARGS[@]}}"{constraint} \\',
        '  -e ".$EXTRAS_TARGET_SUFFIX"',
    ]
    if config.install_ffmpeg:
        lines += [
            "",
            'step "Adding FFmpeg to the environment"',
            'if [ -n "$FFMPEG_SOURCE" ] && [ -f "$FFMPEG_SOURCE" ]; then',
            '  cp -f -- "$FFMPEG_SOURCE" "$VENV/bin/ffmpeg"',
            '  chmod +x "$VENV/bin/ffmpeg"',
            '  "$VENV/bin/ffmpeg" -hide_banner -version | head -n 1',
            "else",
            '  echo "no FFmpeg in the cache: place an ffmpeg binary at $FFMPEG_HINT and install again" >&2',
            "fi",
        ]
    lines += [
        "",
        'step "Checking the environment"',
        '"$VENV/bin/python" -c \'import sys, importlib.metadata as m; '
        'print(sys.argv[1], m.version(sys.argv[1]), "on Python", sys.version.split()[0])\' "$PROJECT"',
    ]
    if _torch_requirements(config):
        lines.append('"$VENV/bin/python" -c "import torch; print(\'torch\', torch.__version__)"')
    lines += [
        "",
        'step "Done: activate with  source $(printf %q "$VENV/bin/activate")"',
        f'echo "{DONE_MARK}"',
        "",
    ]
    return "\n".join(lines)


def generate_powershell(config: EnvironmentConfig, settings: Settings, inputs: PlanInputs) -> str:
    q = powershell_quote
    total = step_count(config)
    lines = [
        "# LeRobot environment install script (leropilot-gl). Edit freely before running.",
        "$ErrorActionPreference = 'Stop'",
        "",
    ]
    for _, name, value in _script_values(config, settings, inputs):
        if isinstance(value, list):
            lines.append(f"${name} = @(" + ", ".join(q(v) for v in value) + ")")
        else:
            lines.append(f"${name} = {q(value)}")
    lines += [f"$env:{k} = {q(v)}" for k, v in _env_vars(settings).items()]
    lines += [
        "$Src = Join-Path $EnvDir 'src'",
        "$Venv = Join-Path $EnvDir '.venv'",
        "$script:n = 0",
        f'function Step($text) {{ $script:n++; Write-Output "##[step $($script:n)/{total}] $text" }}',
        'function Check { if ($LASTEXITCODE -ne 0) { throw "command failed with exit code $LASTEXITCODE" } }',
        "",
        "Step 'Cloning the source (from the local cache)'",
        "if (-not (Test-Path -LiteralPath (Join-Path $Src '.git'))) { & $Git clone --quiet --no-checkout -- $RepoCache $Src; Check }",
        "& $Git -C $Src fetch --quiet --tags -- $RepoCache '+refs/heads/*:refs/remotes/origin/*'; Check",
        "& $Git -C $Src -c advice.detachedHead=false checkout --quiet --force $Commit --; Check",
        "& $Git -C $Src remote set-url origin -- $RepoUrl; Check",
        "",
        "Step 'Creating the Python environment'",
        "& $Uv venv --clear --seed @IndexArgs --python $PythonVersion $Venv; Check",
    ]
    if settings.hub_endpoint:
        lines += [
            f"$ActivateExtra = {q(_powershell_activate_extra(settings.hub_endpoint))}",
            "Add-Content -LiteralPath (Join-Path $Venv 'Scripts\\Activate.ps1') -Value $ActivateExtra",
        ]
    if _torch_requirements(config):
        lines += [
            "",
            "Step 'Installing PyTorch'",
            "Set-Content -LiteralPath (Join-Path $EnvDir 'torch-constraints.txt') -Value $TorchConstraints",
            "& $Uv pip install --python $Venv @IndexArgs @SourcesArgs "
            + (
                "--extra-index-url $TorchIndex --index-strategy unsafe-best-match"
                if _torch_index(config, settings)
                else "@StrategyArgs"
            )
            + " @TorchReqs; Check",
        ]
    constraint = (
        " --constraints (Join-Path $EnvDir 'torch-constraints.txt')" if _torch_requirements(config) else ""
    )
    lines += [
        "",
        f"Write-Output {q('uv sources: ' + config.sources_note)}",
        "Step 'Installing the project'",
        "Set-Location -LiteralPath $Src",
        f"& $Uv pip install --python $Venv @IndexArgs @StrategyArgs @SourcesArgs{constraint} -e ('.' + $ExtrasSuffix); Check",
    ]
    if config.install_ffmpeg:
        lines += [
            "",
            "Step 'Adding FFmpeg to the environment'",
            "if ($FfmpegSource -and (Test-Path -LiteralPath $FfmpegSource)) {",
            "  Copy-Item -LiteralPath $FfmpegSource -Destination (Join-Path $Venv 'Scripts\\ffmpeg.exe') -Force",
            '} else { Write-Warning "no FFmpeg in the cache: place ffmpeg.exe at $FfmpegHint and install again" }',
        ]
    lines += [
        "",
        "Step 'Checking the environment'",
        "& (Join-Path $Venv 'Scripts\\python.exe') -c 'import sys, importlib.metadata as m; "
        "print(sys.argv[1], m.version(sys.argv[1]))' $Project; Check",
        "",
        "Step 'Done'",
        f"Write-Output '{DONE_MARK}'",
        "",
    ]
    return "\n".join(lines)


def generate_script(
    config: EnvironmentConfig, settings: Settings, inputs: PlanInputs, *, shell: str = "bash"
) -> str:
    if shell == "bash":
        return generate_bash(config, settings, inputs)
    if shell == "powershell":
        return generate_powershell(config, settings, inputs)
    raise PlanError(f"unknown shell {shell!r} (bash or powershell)")
