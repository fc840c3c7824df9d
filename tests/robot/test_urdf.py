"""Loading URDFs: the bundled SO-101, mesh path resolution, and broken inputs reported clearly."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import trimesh

from leropilot_gl.robot import BUNDLED_SO101_URDF, RobotLoadError, bundled_urdf_for, load_robot


def test_bundled_so101_loads_whole():
    robot = load_robot(BUNDLED_SO101_URDF)
    assert robot.problems == []
    assert [j.name for j in robot.movable_joints] == [
        "shoulder_pan",
        "shoulder_lift",
        "elbow_flex",
        "wrist_flex",
        "wrist_roll",
        "gripper",
    ]
    pan = robot.joint("shoulder_pan")
    assert (pan.lower, pan.upper) == pytest.approx((-1.91986, 1.91986))
    assert len(robot.visuals) == 17  # every <visual> of the file, meshes found
    assert {v.link for v in robot.visuals} >= {"base_link", "gripper_link", "moving_jaw_so101_v1_link"}
    # Identical files share one MeshData (one GPU buffer): the STS3215 servo appears six times.
    assert len({id(v.mesh) for v in robot.visuals}) == 13
    mesh = robot.visuals[0].mesh
    assert mesh.positions.dtype == np.float32 and mesh.indices.dtype == np.uint32
    assert mesh.indices.max() < len(mesh.positions)
    # Simplified (vertices within 1 mm merged) but the same size as the full-detail mesh.
    full = load_robot(BUNDLED_SO101_URDF, simplify_cell_m=0).visuals[0].mesh
    assert full.triangle_count > 2 * mesh.triangle_count > 0
    np.testing.assert_allclose(np.ptp(mesh.positions, axis=0), np.ptp(full.positions, axis=0), atol=0.0015)
    assert (LICENSE := BUNDLED_SO101_URDF.parent / "LICENSE").is_file() and "Apache" in LICENSE.read_text()


def test_bundled_model_for_robot_types():
    for robot_type in ("so101_follower", "so100_follower", "bi_so100_follower", "SO-101"):
        assert bundled_urdf_for(robot_type) == BUNDLED_SO101_URDF
    for robot_type in ("koch_follower", "reachy2", None, ""):
        assert bundled_urdf_for(robot_type) is None


def test_missing_meshes_are_reported_and_the_tree_still_loads(tmp_path):
    urdf = tmp_path / "so101.urdf"
    shutil.copyfile(BUNDLED_SO101_URDF, urdf)  # without its assets/ folder
    robot = load_robot(urdf)
    assert robot.visuals == []
    assert len(robot.movable_joints) == 6
    assert len(robot.problems) == 17
    assert "mesh not found for link base_link: assets/base_motor_holder_so101_v1.stl" in robot.problems[0]
    assert str(tmp_path / "assets" / "base_motor_holder_so101_v1.stl") in robot.problems[0]


def _write_arm(urdf_path, mesh_filename: str) -> None:
    urdf_path.write_text(
        f"""<robot name="arm">
  <material name="red"><color rgba="1 0 0 1"/></material>
  <link name="base"><visual><geometry><box size="0.1 0.1 0.02"/></geometry></visual></link>
  <link name="tip"><visual><geometry><mesh filename="{mesh_filename}" scale="2 2 2"/></geometry>
    <material name="red"/></visual></link>
  <joint name="j1" type="continuous"><parent link="base"/><child link="tip"/><axis xyz="0 0 1"/></joint>
</robot>"""
    )


@pytest.mark.parametrize("file_type", ["stl", "obj", "dae"])
def test_package_urls_resolve_against_package_folders(tmp_path, file_type):
    meshes = tmp_path / "pkgs" / "my_arm" / "meshes"
    meshes.mkdir(parents=True)
    exported = trimesh.creation.box((0.01, 0.02, 0.03)).export(file_type=file_type)
    (meshes / f"tip.{file_type}").write_bytes(exported.encode() if isinstance(exported, str) else exported)
    urdf_dir = tmp_path / "elsewhere"
    urdf_dir.mkdir()
    _write_arm(urdf_dir / "arm.urdf", f"package://my_arm/meshes/tip.{file_type}")
    unresolved = load_robot(urdf_dir / "arm.urdf")
    assert [v.link for v in unresolved.visuals] == ["base"]
    assert "package://my_arm/meshes/tip" in unresolved.problems[0]

    robot = load_robot(urdf_dir / "arm.urdf", package_dirs=[tmp_path / "pkgs"])
    assert robot.problems == []
    tip = next(v for v in robot.visuals if v.link == "tip")
    assert tip.rgba == (1.0, 0.0, 0.0, 1.0)  # the robot-level material is looked up by name
    extent = tip.mesh.positions.max(axis=0) - tip.mesh.positions.min(axis=0)
    np.testing.assert_allclose(extent, [0.02, 0.04, 0.06], atol=1e-6)  # scale 2 applied
    assert tip.mesh.triangle_count == 12


def test_relative_mesh_path_next_to_urdf(tmp_path):
    (tmp_path / "tip.stl").write_bytes(trimesh.creation.box((0.01, 0.01, 0.01)).export(file_type="stl"))
    _write_arm(tmp_path / "arm.urdf", "tip.stl")
    assert load_robot(tmp_path / "arm.urdf").problems == []


def test_unreadable_mesh_is_reported(tmp_path):
    (tmp_path / "tip.stl").write_bytes(b"this is not a mesh")
    _write_arm(tmp_path / "arm.urdf", "tip.stl")
    robot = load_robot(tmp_path / "arm.urdf")
    assert len(robot.problems) == 1 and "tip.stl" in robot.problems[0] and "link tip" in robot.problems[0]


def test_bad_urdf_files_raise_a_clear_error(tmp_path):
    with pytest.raises(RobotLoadError, match="URDF file not found"):
        load_robot(tmp_path / "nope.urdf")
    (tmp_path / "bad.urdf").write_text("<robot name='x'><link name='a'>")
    with pytest.raises(RobotLoadError, match="cannot read URDF bad.urdf"):
        load_robot(tmp_path / "bad.urdf")
    (tmp_path / "scene.urdf").write_text("<sdf version='1.6'><model name='x'/></sdf>")
    with pytest.raises(RobotLoadError, match="not a URDF: its root element is <sdf>"):
        load_robot(tmp_path / "scene.urdf")
