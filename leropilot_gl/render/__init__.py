"""GL objects: shaders, the offscreen 3D robot view. Imports OpenGL, never imgui."""
