"""What a LeRobot version needs, read from its pyproject.toml: Python, torch stack, extras."""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.specifiers import InvalidSpecifier, SpecifierSet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

# Python minor versions uv can provide; the inspector keeps those requires-python allows.
KNOWN_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
TORCH_PACKAGES = ("torch", "torchvision", "torchcodec")
BASE_INSTALL = "Custom / base install"


class InspectError(ValueError):
    pass


@dataclass(frozen=True)
class RepoInspection:
    project_name: str
    version: str
    requires_python: str  # "" when the project does not say
    python_choices: list[str]  # ascending
    torch_constraints: dict[str, str]  # package -> specifier ("" = any version)
    extras: list[str]  # sorted optional-dependency names (the robot checkboxes)
    uv_sources: list[str] = field(default_factory=list)  # packages [tool.uv.sources] routes elsewhere


def inspect_pyproject(text: str) -> RepoInspection:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InspectError(f"pyproject.toml is not valid TOML: {exc}") from exc
    project = data.get("project")
    if not isinstance(project, dict):
        raise InspectError("pyproject.toml has no [project] table")
    requires_python = str(project.get("requires-python", "") or "")
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier as exc:
        raise InspectError(f"requires-python {requires_python!r} is not a valid specifier") from exc
    pythons = [v for v in KNOWN_PYTHONS if spec.contains(v, prereleases=True)]
    from packaging.requirements import InvalidRequirement, Requirement  # ~0.05 s: with the first inspect

    constraints: dict[str, str] = {}
    for line in project.get("dependencies", []) or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        name = req.name.lower().replace("_", "-")
        if name in TORCH_PACKAGES:
            constraints[name] = str(req.specifier)
    extras = sorted((project.get("optional-dependencies") or {}).keys())
    sources = ((data.get("tool") or {}).get("uv") or {}).get("sources") or {}
    return RepoInspection(
        project_name=str(project.get("name", "")),
        version=str(project.get("version", "")),
        requires_python=requires_python,
        python_choices=pythons,
        torch_constraints=constraints,
        extras=extras,
        uv_sources=sorted(sources) if isinstance(sources, dict) else [],
    )
