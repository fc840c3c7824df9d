"""Opening the window imports only what the first frame needs: the heavy libraries load later."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Each of these is loaded by the panel, command or worker that uses it, never by the app's import.
LATER = (
    "pydantic",
    "pygit2",
    "torch",
    "torchcodec",
    "huggingface_hub",
    "trimesh",
    "yourdfpy",
    "lerobot",
    # the doctor's checks, the 3D view's robot code and the environment manager's helpers
    "leropilot_gl.quality.run",
    "leropilot_gl.quality.video",
    "leropilot_gl.robot.urdf",
    "leropilot_gl.robot.review",
    "leropilot_gl.render.scene3d",
    "leropilot_gl.render.motion_inputs",
    "leropilot_gl.envs.compat",
    "leropilot_gl.envs.ffmpeg",
    "leropilot_gl.envs.settings",
    # and the standard or small libraries only they use
    "xml.etree.ElementTree",
    "urllib.request",
    "http.client",
    "packaging",
)


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_importing_the_app_leaves_heavy_libraries_for_later():
    loaded = _modules_after("import leropilot_gl.cli, leropilot_gl.app")
    assert "leropilot_gl.app" in loaded and "imgui_bundle" in loaded
    early = sorted(name for name in LATER if name in loaded)
    assert not early, f"imported at start-up: {early}"


def test_the_envs_surface_still_loads_on_use():
    loaded = _modules_after(
        "from leropilot_gl import envs\nassert envs.EnvManager.__name__ == 'EnvManager'\n"
        "assert set(envs.__all__) <= set(envs._LAZY)"
    )
    assert "pydantic" in loaded and "leropilot_gl.envs.manager" in loaded


def test_the_lazy_packages_still_export_their_names():
    """quality and robot load their names on first use: each name resolves, to the same object as
    in its module, and the 3D panel's units are the robot's."""
    from leropilot_gl import quality, robot
    from leropilot_gl.quality import video
    from leropilot_gl.robot.units import JointUnits
    from leropilot_gl.ui.view3d import UNIT_CHOICES

    for package in (quality, robot):
        for name in package.__all__:
            assert getattr(package, name) is not None, name
    assert quality.Cancelled is video.Cancelled
    assert [value for value, _ in UNIT_CHOICES if value] == [
        JointUnits.DEGREES.value,
        JointUnits.RANGE_100.value,
        JointUnits.RADIANS.value,
    ]


def test_the_3d_panel_modules_load_on_the_executor_with_the_robot_settings():
    loaded = _modules_after(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "import tempfile\nfrom pathlib import Path\n"
        "from leropilot_gl.render.view3d_state import View3DState\n"
        "view = View3DState(config_dir=Path(tempfile.mkdtemp()))\n"
        "with ThreadPoolExecutor(1) as ex:\n"
        "    view.load_prefs_async(ex)\n"
        "    while not view.load_prefs_async(ex):\n"
        "        pass\n"
    )
    assert {"leropilot_gl.robot.urdf", "leropilot_gl.render.scene3d", "leropilot_gl.robot.review"} <= loaded
    assert "xml.etree.ElementTree" not in loaded and "trimesh" not in loaded  # only with a URDF


def test_the_panels_import_without_waiting_for_opengl():
    """app.py loads PyOpenGL on a thread of its own; no panel or render module needs it at import."""
    loaded = _modules_after("import leropilot_gl.ui.layout, leropilot_gl.render.scene3d")
    assert "leropilot_gl.render.textures" in loaded and "leropilot_gl.render.scene3d" in loaded
    assert "OpenGL" not in loaded


def test_the_app_imports_without_pyarrow():
    """No module the window needs imports pyarrow (about 0.3 s): app.py loads it on a thread of its
    own, and the dataset readers reach it through leropilot_gl.lazy when they first read."""
    loaded = _modules_after(
        "import sys\nsys.modules['pyarrow'] = None  # any import of it fails\n"
        "import leropilot_gl.cli, leropilot_gl.app"
    )
    assert "leropilot_gl.app" in loaded and "leropilot_gl.dataset.open" in loaded
    opened = _modules_after(
        "from leropilot_gl.dataset import open_dataset\n"
        "open_dataset('leropilot_gl/assets/sample/so101_sample')"
    )
    assert "pyarrow.parquet" in opened


def test_a_launch_imports_only_the_command_it_runs():
    window = _modules_after(
        "import leropilot_gl.app as app\n"
        "app.run_app = lambda *args, **kwargs: 0\n"
        "from leropilot_gl.cli import main\n"
        "assert main(['some/dataset']) == 0"
    )
    assert not [name for name in window if name.startswith("leropilot_gl.commands.")]
    info = _modules_after(
        "from leropilot_gl.cli import main\nassert main(['info', 'leropilot_gl/assets/sample/so101_sample']) == 0"
    )
    assert sorted(n for n in info if n.startswith("leropilot_gl.commands.")) == ["leropilot_gl.commands.info"]


def test_the_command_table_names_every_registered_command():
    from leropilot_gl.cli import COMMANDS, build_parser

    parser = build_parser()
    registered = set(parser._subparsers._group_actions[0].choices)  # noqa: SLF001
    assert registered == set(COMMANDS)
    for name in COMMANDS:
        assert set(build_parser(name)._subparsers._group_actions[0].choices) == {name}  # noqa: SLF001
