#version 330 core
// Grid, axes and trails: coloured world-space lines.
layout(location = 0) in vec3 a_position;
layout(location = 1) in vec4 a_color;

uniform mat4 u_clip_from_world;

out vec4 v_color;

void main() {
    v_color = a_color;
    gl_Position = u_clip_from_world * vec4(a_position, 1.0);
}
