"""An orbit camera around a target point, z up (the URDF convention). Pure math, no GL calls."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

DEFAULT_TARGET = (0.12, 0.0, 0.14)
DEFAULT_YAW_RAD = math.radians(-135.0)
DEFAULT_PITCH_RAD = math.radians(25.0)
DEFAULT_DISTANCE_M = 0.75
MIN_DISTANCE_M = 0.05
MAX_DISTANCE_M = 20.0
ORBIT_RAD_PER_PX = 0.008
ZOOM_PER_STEP = 0.88


@dataclass
class OrbitCamera:
    target: np.ndarray = field(default_factory=lambda: np.array(DEFAULT_TARGET, dtype=np.float64))
    yaw_rad: float = DEFAULT_YAW_RAD  # around world z, 0 looks from +x towards the target
    pitch_rad: float = DEFAULT_PITCH_RAD  # elevation above the ground plane
    distance_m: float = DEFAULT_DISTANCE_M
    fov_y_deg: float = 40.0

    def reset(self) -> None:
        fresh = OrbitCamera()
        self.target, self.yaw_rad, self.pitch_rad, self.distance_m = (
            fresh.target,
            fresh.yaw_rad,
            fresh.pitch_rad,
            fresh.distance_m,
        )

    def orbit(self, dx_px: float, dy_px: float) -> None:
        """Drag right turns the scene right; drag down looks from higher up."""
        self.yaw_rad = math.remainder(self.yaw_rad - dx_px * ORBIT_RAD_PER_PX, 2 * math.pi)
        limit = math.radians(89.0)
        self.pitch_rad = min(max(self.pitch_rad + dy_px * ORBIT_RAD_PER_PX, -limit), limit)

    def pan(self, dx_px: float, dy_px: float, viewport_height_px: float) -> None:
        """Move the target in the view plane so the point under the mouse follows it."""
        metres_per_px = (
            2 * self.distance_m * math.tan(math.radians(self.fov_y_deg) / 2) / max(viewport_height_px, 1)
        )
        right, up = self._right_up()
        self.target = self.target + (-dx_px * right + dy_px * up) * metres_per_px

    def zoom(self, steps: float) -> None:
        """Positive steps (wheel up) move closer."""
        self.distance_m = min(max(self.distance_m * ZOOM_PER_STEP**steps, MIN_DISTANCE_M), MAX_DISTANCE_M)

    def eye(self) -> np.ndarray:
        cp = math.cos(self.pitch_rad)
        offset = np.array(
            [cp * math.cos(self.yaw_rad), cp * math.sin(self.yaw_rad), math.sin(self.pitch_rad)]
        )
        return self.target + self.distance_m * offset

    def _right_up(self) -> tuple[np.ndarray, np.ndarray]:
        forward = self.target - self.eye()
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        return right, np.cross(right, forward)

    def view_from_world(self) -> np.ndarray:
        eye = self.eye()
        right, up = self._right_up()
        back = np.cross(right, up)
        out = np.eye(4)
        out[0, :3], out[1, :3], out[2, :3] = right, up, back
        out[:3, 3] = -out[:3, :3] @ eye
        return out

    def clip_from_view(self, aspect: float) -> np.ndarray:
        near, far = max(self.distance_m * 0.01, 0.002), self.distance_m * 50 + 5
        f = 1.0 / math.tan(math.radians(self.fov_y_deg) / 2)
        aspect = max(aspect, 1e-6)
        # The field of view applies to the narrower side, so a tall panel still shows the whole arm.
        fx, fy = (f / aspect, f) if aspect >= 1 else (f, f * aspect)
        out = np.zeros((4, 4))
        out[0, 0], out[1, 1] = fx, fy
        out[2, 2], out[2, 3] = (far + near) / (near - far), 2 * far * near / (near - far)
        out[3, 2] = -1.0
        return out

    def clip_from_world(self, aspect: float) -> np.ndarray:
        return self.clip_from_view(aspect) @ self.view_from_world()
