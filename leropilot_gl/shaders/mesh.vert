#version 330 core
// Robot meshes: indexed, shared vertices; the fragment shader derives the face normal.
layout(location = 0) in vec3 a_position;

uniform mat4 u_clip_from_world;
uniform mat4 u_world_from_model;

out vec3 v_position_world;

void main() {
    vec4 world = u_world_from_model * vec4(a_position, 1.0);
    v_position_world = world.xyz;
    gl_Position = u_clip_from_world * world;
}
