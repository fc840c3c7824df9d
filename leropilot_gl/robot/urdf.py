"""Load a URDF and its meshes (STL, OBJ, DAE through trimesh) into a RobotModel. No GL.

Mesh paths may be relative to the URDF's folder, `file://` URLs, or `package://<pkg>/<path>`
resolved against user-set package folders and the URDF's own ancestors. A missing or unreadable
mesh does not stop the load: it is listed in `RobotModel.problems` and the link is drawn without it.
Slow (parsing, mesh files): call from a worker, never from a UI frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import numpy as np

if TYPE_CHECKING:  # imported where used: trimesh costs about 0.6 s, and the window must open first
    import trimesh
    import yourdfpy

from leropilot_gl.robot.model import JointSpec, MeshData, RobotModel, VisualSpec

DEFAULT_RGBA = (0.7, 0.7, 0.72, 1.0)
# CAD exports carry far more triangles than a review view needs (SO-101: 323k); merging vertices
# closer than a millimetre keeps the silhouette and cuts that ~7x, so software GL stays usable.
DEFAULT_SIMPLIFY_CELL_M = 0.001


class RobotLoadError(Exception):
    """The URDF itself cannot be used (missing file, bad XML, no links)."""


def load_robot(
    urdf_path: str | Path,
    *,
    package_dirs: Sequence[str | Path] = (),
    simplify_cell_m: float = DEFAULT_SIMPLIFY_CELL_M,
) -> RobotModel:
    """Parse the URDF and load its visual meshes; simplify_cell_m=0 keeps every triangle."""
    import xml.etree.ElementTree as ET  # here, on the loading worker: not at the app's start

    urdf_path = Path(urdf_path).expanduser().resolve()
    if not urdf_path.is_file():
        raise RobotLoadError(f"URDF file not found: {urdf_path}")
    try:  # yourdfpy quietly recovers from broken XML; a broken file must say so instead
        root_tag = ET.parse(urdf_path).getroot().tag
    except (ET.ParseError, OSError) as exc:
        raise RobotLoadError(f"cannot read URDF {urdf_path.name}: {exc}") from exc
    if root_tag != "robot":
        raise RobotLoadError(f"{urdf_path.name} is not a URDF: its root element is <{root_tag}>, not <robot>")
    try:
        import yourdfpy

        parsed = yourdfpy.URDF.load(
            str(urdf_path), load_meshes=False, build_scene_graph=False, build_collision_scene_graph=False
        )
    except Exception as exc:  # yourdfpy raises lxml, ValueError, ... for bad files
        raise RobotLoadError(f"cannot read URDF {urdf_path.name}: {exc}") from exc
    robot = parsed.robot
    links = [link.name for link in robot.links]
    if not links:
        raise RobotLoadError(f"URDF {urdf_path.name} has no links")
    problems: list[str] = []
    joints, root = _ordered_joints(robot, links, problems)
    materials = {m.name: m for m in robot.materials if m.name}
    mesh_cache: dict[str, MeshData | None] = {}
    visuals: list[VisualSpec] = []
    for link in robot.links:
        for visual in link.visuals:
            mesh = _visual_mesh(
                visual, link.name, urdf_path, package_dirs, mesh_cache, problems, simplify_cell_m
            )
            if mesh is None:
                continue
            origin = visual.origin if visual.origin is not None else np.eye(4)
            visuals.append(
                VisualSpec(
                    link.name, np.asarray(origin, dtype=np.float64), mesh, _visual_rgba(visual, materials)
                )
            )
    return RobotModel(robot.name or urdf_path.stem, urdf_path, root, links, joints, visuals, problems)


def resolve_mesh_path(
    filename: str, urdf_path: Path, package_dirs: Sequence[str | Path] = ()
) -> tuple[Path | None, list[Path]]:
    """The mesh file a URDF's `filename` points to, and every place looked at (for the message)."""
    urdf_dir = urdf_path.parent
    tried: list[Path] = []
    if filename.startswith("package://"):
        rest = filename[len("package://") :]
        package, _, inner = rest.partition("/")
        for folder in [Path(d).expanduser() for d in package_dirs]:
            tried += [folder / package / inner, folder / inner]
        for ancestor in [urdf_dir, *urdf_dir.parents]:
            if ancestor.name == package:
                tried.append(ancestor / inner)
            tried.append(ancestor / package / inner)
        tried.append(urdf_dir / inner)
    elif filename.startswith("file://"):
        tried.append(Path(unquote(urlparse(filename).path)))
    else:
        candidate = Path(filename)
        tried.append(candidate if candidate.is_absolute() else urdf_dir / candidate)
    for path in tried:
        if path.is_file():
            return path, tried
    return None, tried


def _ordered_joints(
    robot: yourdfpy.Robot, links: list[str], problems: list[str]
) -> tuple[list[JointSpec], str]:
    children = {j.child for j in robot.joints}
    roots = [link for link in links if link not in children]
    if not roots:
        problems.append("the URDF's joints form a loop: no root link")
        roots = [links[0]]
    if len(roots) > 1:
        problems.append(f"the URDF has several root links ({', '.join(roots)}); {roots[0]} is used")
    root = roots[0]
    specs = [_joint_spec(j) for j in robot.joints]
    by_parent: dict[str, list[JointSpec]] = {}
    for spec in specs:
        by_parent.setdefault(spec.parent, []).append(spec)
    ordered: list[JointSpec] = []
    pending = [root, *roots[1:]]
    while pending:
        link = pending.pop(0)
        for spec in by_parent.get(link, []):
            ordered.append(spec)
            pending.append(spec.child)
    left_out = [s.name for s in specs if s not in ordered]
    if left_out:
        problems.append(f"joints not connected to the tree are ignored: {', '.join(left_out)}")
    return ordered, root


def _joint_spec(j: yourdfpy.Joint) -> JointSpec:
    axis = np.asarray(j.axis if j.axis is not None else (1.0, 0.0, 0.0), dtype=np.float64)
    norm = np.linalg.norm(axis)
    axis = axis / norm if norm > 0 else np.array([1.0, 0.0, 0.0])
    lower = upper = None
    if j.limit is not None and j.type != "continuous":
        lower, upper = j.limit.lower, j.limit.upper
    origin = np.asarray(j.origin if j.origin is not None else np.eye(4), dtype=np.float64)
    mimic = j.mimic
    return JointSpec(
        name=j.name,
        joint_type=j.type if j.type in ("revolute", "continuous", "prismatic") else "fixed",
        parent=j.parent,
        child=j.child,
        parent_from_joint=origin,
        axis=axis,
        lower=None if lower is None else float(lower),
        upper=None if upper is None else float(upper),
        mimic_of=mimic.joint if mimic is not None else None,
        mimic_multiplier=float(mimic.multiplier)
        if mimic is not None and mimic.multiplier is not None
        else 1.0,
        mimic_offset=float(mimic.offset) if mimic is not None and mimic.offset is not None else 0.0,
    )


def _visual_mesh(
    visual: yourdfpy.Visual,
    link: str,
    urdf_path: Path,
    package_dirs: Sequence[str | Path],
    cache: dict[str, MeshData | None],
    problems: list[str],
    simplify_cell_m: float,
) -> MeshData | None:
    import trimesh
    import trimesh.creation

    geometry = visual.geometry
    if geometry is None:
        return None
    if geometry.mesh is not None:
        filename = geometry.mesh.filename
        path, tried = resolve_mesh_path(filename, urdf_path, package_dirs)
        if path is None:
            looked = ", ".join(str(p) for p in tried[:4]) + (" ..." if len(tried) > 4 else "")
            problems.append(f"mesh not found for link {link}: {filename} (looked in {looked})")
            return None
        scale = geometry.mesh.scale
        scale_vec = (
            np.ones(3) if scale is None else np.broadcast_to(np.asarray(scale, dtype=np.float64), (3,))
        )
        key = f"{path}|{tuple(np.round(scale_vec, 9))}"
        if key not in cache:
            try:
                loaded = trimesh.load(str(path), force="mesh")
            except Exception as exc:  # trimesh raises many kinds for unreadable files
                problems.append(f"cannot read mesh {path.name} for link {link}: {exc}")
                cache[key] = None
                return None
            if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
                problems.append(f"mesh {path.name} for link {link} has no triangles")
                cache[key] = None
                return None
            cache[key] = mesh_data(key, loaded, scale_vec, simplify_cell_m=simplify_cell_m)
        return cache[key]
    if geometry.box is not None:
        return _primitive(
            cache, f"box{tuple(geometry.box.size)}", lambda: trimesh.creation.box(geometry.box.size)
        )
    if geometry.cylinder is not None:
        c = geometry.cylinder
        return _primitive(
            cache,
            f"cyl{c.radius},{c.length}",
            lambda: trimesh.creation.cylinder(radius=c.radius, height=c.length, sections=32),
        )
    if geometry.sphere is not None:
        r = geometry.sphere.radius
        return _primitive(cache, f"sphere{r}", lambda: trimesh.creation.icosphere(subdivisions=2, radius=r))
    problems.append(f"link {link} has a visual with unsupported geometry")
    return None


def _primitive(cache: dict[str, MeshData | None], key: str, make) -> MeshData:
    if cache.get(key) is None:
        cache[key] = mesh_data(key, make(), np.ones(3))
    return cache[key]  # type: ignore[return-value]


def simplify_by_clustering(
    vertices: np.ndarray, faces: np.ndarray, cell_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge the vertices in each cell of a cubic grid into their mean; drop collapsed faces."""
    cells = np.floor(vertices / cell_m).astype(np.int64)
    cells -= cells.min(axis=0)
    span = cells.max(axis=0) + 1
    flat = (cells[:, 0] * span[1] + cells[:, 1]) * span[2] + cells[:, 2]
    _, cluster, counts = np.unique(flat, return_inverse=True, return_counts=True)
    cluster = cluster.reshape(-1)
    merged = np.zeros((len(counts), 3))
    np.add.at(merged, cluster, vertices)
    merged /= counts[:, None]
    new_faces = cluster[faces]
    alive = (
        (new_faces[:, 0] != new_faces[:, 1])
        & (new_faces[:, 1] != new_faces[:, 2])
        & (new_faces[:, 0] != new_faces[:, 2])
    )
    return merged, new_faces[alive]


def mesh_data(
    key: str, mesh: trimesh.Trimesh, scale: np.ndarray, *, simplify_cell_m: float = 0.0
) -> MeshData:
    """Shared vertices and indices: a third of the vertex work of unshared, flat-normal triangles."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64) * scale[None, :]
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if simplify_cell_m > 0:
        vertices, faces = simplify_by_clustering(vertices, faces, simplify_cell_m)
    tris = vertices[faces]
    area2 = np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1)
    faces = faces[area2 > 0]
    return MeshData(key, vertices.astype(np.float32), faces.astype(np.uint32))


def _visual_rgba(visual: yourdfpy.Visual, materials: dict) -> tuple[float, float, float, float]:
    material = visual.material
    if material is None:
        return DEFAULT_RGBA
    color = material.color
    if color is None and material.name in materials:
        color = materials[material.name].color
    if color is None or color.rgba is None:
        return DEFAULT_RGBA
    r, g, b, a = (float(x) for x in color.rgba)
    return (r, g, b, a)
