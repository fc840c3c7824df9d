"""A real git repository holding a small real Python package, made with pygit2 for the tests.

The package builds through an in-tree PEP 517 backend that uses only the standard library, so
real uv installs it with --offline: no index, no network. History:
  v0.1.0 (tag): requires-python >=3.9, extras alpha, beta
  v0.2.0 (tag, main): requires-python >=3.10, extras alpha, gamma, and a torch pin
  dev (branch): one commit after main, version 0.3.0.dev0
"""

from __future__ import annotations

import base64
import hashlib
import sys
import textwrap
import zipfile
from pathlib import Path

import pygit2
import pytest

from leropilot_gl.envs import EnvManager, Settings

PACKAGE = "robotpkg"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

_BACKEND = '''\
"""A tiny PEP 517 backend (stdlib only), so the package builds offline."""
import base64, hashlib, os, zipfile

NAME, VERSION, EXTRAS, REQUIRES = {name!r}, {version!r}, {extras!r}, {requires!r}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _dist_info():
    meta = ["Metadata-Version: 2.1", "Name: " + NAME, "Version: " + VERSION]
    meta += ["Provides-Extra: " + e for e in EXTRAS]
    meta += ["Requires-Dist: " + r for r in REQUIRES]
    d = NAME + "-" + VERSION + ".dist-info/"
    wheel = "Wheel-Version: 1.0\\nGenerator: tiny\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    return {{d + "METADATA": ("\\n".join(meta) + "\\n").encode(), d + "WHEEL": wheel.encode()}}


def _write(directory, files):
    name = NAME + "-" + VERSION + "-py3-none-any.whl"
    record = NAME + "-" + VERSION + ".dist-info/RECORD"
    rows = []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as zf:
        for arc, data in files.items():
            zf.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(arc + ",sha256=" + digest + "," + str(len(data)))
        zf.writestr(record, "\\n".join(rows + [record + ",,"]) + "\\n")
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    pkg = os.path.join(ROOT, NAME)
    files = {{}}
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py"):
            with open(os.path.join(pkg, fn), "rb") as f:
                files[NAME + "/" + fn] = f.read()
    files.update(_dist_info())
    return _write(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    files = {{"_" + NAME + "_editable.pth": (ROOT + "\\n").encode()}}
    files.update(_dist_info())
    return _write(wheel_directory, files)
'''


def _pyproject(version: str, requires_python: str, extras: list[str], deps: list[str]) -> str:
    extra_lines = "\n".join(f"{e} = []" for e in extras)
    return (
        textwrap.dedent(f"""\
        [build-system]
        requires = []
        build-backend = "backend"
        backend-path = ["_backend"]

        [project]
        name = "{PACKAGE}"
        version = "{version}"
        requires-python = "{requires_python}"
        dependencies = {deps!r}

        [project.optional-dependencies]
        """).replace("'", '"')
        + extra_lines
        + "\n"
    )


def _write_version(
    work: Path, version: str, requires_python: str, extras: list[str], deps: list[str]
) -> None:
    (work / PACKAGE).mkdir(exist_ok=True)
    (work / PACKAGE / "__init__.py").write_text(f'VERSION = "{version}"\n')
    (work / "_backend").mkdir(exist_ok=True)
    (work / "_backend" / "backend.py").write_text(
        _BACKEND.format(name=PACKAGE, version=version, extras=extras, requires=[])
    )
    (work / "pyproject.toml").write_text(_pyproject(version, requires_python, extras, deps))


def _commit(repo: pygit2.Repository, message: str, parents: list) -> pygit2.Oid:
    repo.index.add_all()
    repo.index.write()
    tree = repo.index.write_tree()
    sig = pygit2.Signature("Test", "test@example.com", 1_700_000_000 + len(parents), 0)
    return repo.create_commit("HEAD", sig, sig, message, tree, parents)


def make_package_repo(root: Path, *, installable_main: bool = True) -> Path:
    work = root / "robotpkg-src"
    repo = pygit2.init_repository(str(work), initial_head="main")
    _write_version(work, "0.1.0", ">=3.9", ["alpha", "beta"], [])
    first = _commit(repo, "0.1.0", [])
    repo.references.create("refs/tags/v0.1.0", first)
    deps = [] if installable_main else ["torch>=2.2,<2.8"]
    _write_version(work, "0.2.0", ">=3.10", ["alpha", "gamma"], deps)
    second = _commit(repo, "0.2.0", [first])
    repo.create_tag(
        "v0.2.0",
        second,
        pygit2.enums.ObjectType.COMMIT,
        pygit2.Signature("Test", "test@example.com", 1_700_000_100, 0),
        "release 0.2.0",
    )
    repo.branches.local.create("dev", repo[second])
    repo.checkout("refs/heads/dev")
    _write_version(work, "0.3.0.dev0", ">=3.10", ["alpha", "gamma", "delta"], [])
    _commit(repo, "0.3.0.dev0", [second])
    repo.checkout("refs/heads/main")
    return work


LEROBOTLIKE = "botkit"
UNREACHABLE_INDEX = "http://127.0.0.1:9/whl/cu128"


def _lerobotlike_version(
    work: Path, version: str, requires_python: str, deps: list[str], extras: dict[str, list[str]]
) -> None:
    """A version of a LeRobot-shaped project: torch pins, robot extras, and (like LeRobot 0.6)
    [tool.uv.sources] sending torch to its own CUDA index, unreachable here."""
    (work / LEROBOTLIKE).mkdir(exist_ok=True)
    (work / LEROBOTLIKE / "__init__.py").write_text(f'VERSION = "{version}"\n')
    (work / "_backend").mkdir(exist_ok=True)
    requires = deps + [f"{d}; extra == '{e}'" for e, ds in extras.items() for d in ds]
    (work / "_backend" / "backend.py").write_text(
        _BACKEND.format(name=LEROBOTLIKE, version=version, extras=sorted(extras), requires=requires)
    )
    extra_lines = "\n".join(f"{e} = {ds!r}" for e, ds in extras.items()).replace("'", '"')
    sources = ""
    if any(d.startswith("torch") for d in deps):
        sources = textwrap.dedent(f"""
            [tool.uv.sources]
            torch = {{ index = "pytorch-cu128" }}
            torchvision = {{ index = "pytorch-cu128" }}

            [[tool.uv.index]]
            name = "pytorch-cu128"
            url = "{UNREACHABLE_INDEX}"
            explicit = true
            """)
    (work / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
        [build-system]
        requires = []
        build-backend = "backend"
        backend-path = ["_backend"]

        [project]
        name = "{LEROBOTLIKE}"
        version = "{version}"
        requires-python = "{requires_python}"
        dependencies = {deps!r}

        [project.optional-dependencies]
        """).replace("'", '"')
        + extra_lines
        + "\n"
        + sources
    )


def make_lerobotlike_repo(root: Path) -> Path:
    """Tags with different requires-python, torch pins, extras and [tool.uv.sources]:
    v0.9.0: Python >=3.13 only; v1.0.0: torch>=2.7,<2.8 + torchvision + torchcodec, extra
    feetech, uv sources; v1.1.0 (main): no torch, depends on `slowdep` (served slowly)."""
    work = root / "botkit-src"
    repo = pygit2.init_repository(str(work), initial_head="main")
    _lerobotlike_version(work, "0.9.0", ">=3.13", [], {"feetech": []})
    parent = _commit(repo, "0.9.0", [])
    repo.references.create("refs/tags/v0.9.0", parent)
    torch_deps = ["torch>=2.7,<2.8", "torchvision>=0.22,<0.23", "torchcodec>=0.4"]
    _lerobotlike_version(work, "1.0.0", ">=3.10", torch_deps, {"feetech": ["feetechsdk>=1"]})
    parent = _commit(repo, "1.0.0", [parent])
    repo.references.create("refs/tags/v1.0.0", parent)
    _lerobotlike_version(work, "1.1.0", ">=3.10", ["slowdep"], {"feetech": ["feetechsdk>=1"]})
    parent = _commit(repo, "1.1.0", [parent])
    repo.references.create("refs/tags/v1.1.0", parent)
    return work


@pytest.fixture(scope="session")
def lerobotlike_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_lerobotlike_repo(tmp_path_factory.mktemp("botkit"))


@pytest.fixture(scope="session")
def index_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheels: <root>/simple is "PyPI", <root>/whl/cpu the PyTorch CPU index."""
    from tests.envs.local_index import make_wheel

    root = tmp_path_factory.mktemp("index")
    simple, cpu = root / "simple", root / "whl" / "cpu"
    make_wheel(simple, "torch", "2.7.1")
    make_wheel(simple, "torchvision", "0.22.1", ["torch==2.7.1"])
    make_wheel(simple, "torchcodec", "0.4.0")
    make_wheel(simple, "torchcodec", "0.10.0")  # the newest codec, built for another torch
    make_wheel(simple, "feetechsdk", "1.0.0")
    make_wheel(simple, "slowdep", "1.0.0")
    make_wheel(cpu, "torch", "2.7.1+cpu")
    make_wheel(cpu, "torch", "2.6.0+cpu")
    make_wheel(cpu, "torchvision", "0.22.1+cpu", ["torch==2.7.1"])
    make_wheel(cpu, "torchvision", "0.21.0+cpu", ["torch==2.6.0"])
    return root


@pytest.fixture(scope="session")
def package_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The source repository (a working repo; mirror it by path like any URL)."""
    return make_package_repo(tmp_path_factory.mktemp("gitsrc"))


@pytest.fixture(scope="session")
def pinned_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Same history, but v0.2.0 pins torch like LeRobot does (for inspection, not installs)."""
    return make_package_repo(tmp_path_factory.mktemp("gitpinned"), installable_main=False)


def wheel_from_installed(dist_name: str, out_dir: Path) -> Path:
    """A wheel rebuilt from an installed distribution's files (its RECORD): `uv venv --seed` needs
    pip (and setuptools, wheel before Python 3.12) and the tests have no index to get them from."""
    from importlib.metadata import distribution

    dist = distribution(dist_name)
    base = Path(str(dist.locate_file("")))
    info = next(f for f in dist.files if str(f).endswith(".dist-info/WHEEL")).parent
    name = f"{dist.metadata['Name'].replace('-', '_')}-{dist.version}-py3-none-any.whl"
    rows = []
    out_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_dir / name, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in dist.files:
            rel = str(f)
            if rel.startswith("..") or "__pycache__" in rel or rel.endswith("RECORD"):
                continue
            path = base / rel
            if not path.is_file():
                continue
            data = path.read_bytes()
            zf.writestr(rel, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{rel},sha256={digest},{len(data)}")
        record = f"{info}/RECORD"
        zf.writestr(record, "\n".join([*rows, record + ",,"]) + "\n")
    return out_dir / name


@pytest.fixture(scope="session")
def seed_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip, setuptools and wheel as wheels in a folder: find-links for `uv venv --seed`, offline."""
    folder = tmp_path_factory.mktemp("seed-wheels")
    for name in ("pip", "setuptools", "wheel", "packaging"):  # wheel needs packaging
        wheel_from_installed(name, folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_wheels: Path) -> Settings:
    """Settings in a tmp data folder with a space and a quote in its path; offline uv."""
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv cache"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    data = tmp_path / "data dir 'o"
    return Settings(
        data_dir=data,
        offline=True,
        pypi_index_url="https://pypi.invalid/simple",
        find_links=[str(seed_wheels)],
    )


@pytest.fixture
def manager(settings: Settings) -> EnvManager:
    return EnvManager(settings)
