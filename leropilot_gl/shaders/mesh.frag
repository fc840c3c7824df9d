#version 330 core
// Flat shading from screen-space derivatives (CAD parts look right with face normals).
// Simple lighting: a key light from above the camera, a sky/ground ambient, a little specular.
in vec3 v_position_world;

uniform vec4 u_color;
uniform vec3 u_eye_world;
uniform vec3 u_light_dir_world;  // towards the light, normalized

out vec4 frag_color;

void main() {
    vec3 n = normalize(cross(dFdx(v_position_world), dFdy(v_position_world)));
    vec3 to_eye = normalize(u_eye_world - v_position_world);
    if (dot(n, to_eye) < 0.0) n = -n;  // face the viewer whatever the winding
    float diffuse = max(dot(n, u_light_dir_world), 0.0);
    float sky = 0.5 + 0.5 * n.z;
    vec3 ambient = mix(vec3(0.16, 0.15, 0.14), vec3(0.30, 0.31, 0.34), sky);
    vec3 half_dir = normalize(u_light_dir_world + to_eye);
    float specular = pow(max(dot(n, half_dir), 0.0), 32.0) * 0.12;
    vec3 lit = u_color.rgb * (ambient + 0.62 * diffuse) + vec3(specular);
    frag_color = vec4(lit, u_color.a);
}
