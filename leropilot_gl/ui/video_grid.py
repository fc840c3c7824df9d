"""Every camera of the episode in a grid: aspect kept, names, a buffering mark, problems in the tile.

Double-click a tile to show that camera alone; double-click again to go back to the grid.
Depth cameras show a colormap (near blue, far red) and the depth under the cursor in the
dataset's unit.
"""

from __future__ import annotations

import math

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.render.playback_view import DepthHover
from leropilot_gl.state import AppState

TILE_BACKGROUND = imgui.ImVec4(0.08, 0.08, 0.09, 1.0)
BUFFERING_COLOUR = imgui.ImVec4(1.0, 0.8, 0.2, 1.0)
PROBLEM_COLOUR = imgui.ImVec4(1.0, 0.45, 0.4, 1.0)


def gui_video_grid(state: AppState) -> None:
    playback = state.playback
    media = playback.media
    if media is None:
        imgui.text_disabled("Select an episode to see its cameras.")
        return
    keys = media.video_keys
    if not keys:
        dataset = state.selected_dataset
        if dataset is not None and dataset.index.video_keys:
            # cameras declared, but the episode table that places this episode in them is lost
            imgui.text_colored(
                PROBLEM_COLOUR, "This episode's place in the camera videos is unknown: see Problems."
            )
        else:
            imgui.text_disabled("This dataset has no cameras.")
        return
    if playback.maximized_camera in keys:
        keys = [playback.maximized_camera]
    columns = math.ceil(math.sqrt(len(keys)))
    rows = math.ceil(len(keys) / columns)
    avail = imgui.get_content_region_avail()
    spacing = imgui.get_style().item_spacing
    cell_w = max(1.0, (avail.x - spacing.x * (columns - 1)) / columns)
    cell_h = max(1.0, (avail.y - spacing.y * (rows - 1)) / rows)
    for number, key in enumerate(keys):
        if number % columns:
            imgui.same_line()
        with imgui_ctx.push_id(key):
            _gui_tile(state, key, imgui.ImVec2(cell_w, cell_h))


def _gui_tile(state: AppState, key: str, size: imgui.ImVec2) -> None:
    playback, view = state.playback, state.playback_view
    status = playback.tiles.get(key)
    texture = view.textures.get(key)
    origin = imgui.get_cursor_screen_pos()
    draw = imgui.get_window_draw_list()
    draw.add_rect_filled(origin, origin + size, imgui.get_color_u32(TILE_BACKGROUND))
    # The whole tile is one button: it takes the double-click and gives the tile its ID.
    imgui.invisible_button("##tile", size)
    if imgui.is_item_hovered() and imgui.is_mouse_double_clicked(imgui.MouseButton_.left):
        playback.maximized_camera = None if playback.maximized_camera == key else key
    label_h = imgui.get_text_line_height_with_spacing()
    camera = state.selected_dataset.index.cameras.get(key) if state.selected_dataset else None
    width = texture.width if texture is not None and texture.width else (camera.width if camera else None)
    height = texture.height if texture is not None and texture.height else (camera.height if camera else None)
    image_rect = None
    if width and height:
        scale = min(size.x / width, (size.y - label_h) / height)
        image_w, image_h = width * scale, height * scale
        top_left = imgui.ImVec2(
            origin.x + (size.x - image_w) / 2, origin.y + label_h + (size.y - label_h - image_h) / 2
        )
        image_rect = (top_left, imgui.ImVec2(top_left.x + image_w, top_left.y + image_h))
    if texture is not None and texture.texture_id is not None and image_rect is not None:
        draw.add_image(imgui.ImTextureRef(texture.texture_id), image_rect[0], image_rect[1])
        view.tile_rects[key] = (
            image_rect[0].x,
            image_rect[0].y,
            image_rect[1].x,
            image_rect[1].y,
        )
    name = key.removeprefix("observation.images.")
    draw.add_text(imgui.ImVec2(origin.x + 4, origin.y + 2), imgui.get_color_u32(imgui.Col_.text), name)
    if status is not None and status.buffering:
        mark = f"{fa.ICON_FA_HOURGLASS_HALF} buffering"
        mark_w = imgui.calc_text_size(mark).x
        draw.add_text(
            imgui.ImVec2(origin.x + size.x - mark_w - 4, origin.y + 2),
            imgui.get_color_u32(BUFFERING_COLOUR),
            mark,
        )
    if status is not None and status.problem:
        text = f"{fa.ICON_FA_TRIANGLE_EXCLAMATION} {status.problem}"
        wrap = max(hello_imgui.em_size(8), size.x - hello_imgui.em_size(1))
        text_size = imgui.calc_text_size(text, wrap_width=wrap)
        at = imgui.ImVec2(origin.x + (size.x - text_size.x) / 2, origin.y + (size.y - text_size.y) / 2)
        draw.add_text(
            imgui.get_font(), imgui.get_font_size(), at, imgui.get_color_u32(PROBLEM_COLOUR), text, wrap
        )
    media = playback.media
    depth = media.depth.get(key) if media is not None else None
    if depth is not None:
        near, far = depth.to_depth_range()
        span = f"depth {_depth_text(near, depth.unit)} to {_depth_text(far, depth.unit)}"
        name_w = imgui.calc_text_size(name).x
        draw.add_text(  # on the label row, after the camera name: never over the image
            imgui.ImVec2(origin.x + 4 + name_w + hello_imgui.em_size(1), origin.y + 2),
            imgui.get_color_u32(imgui.Col_.text_disabled),
            span,
        )
    if imgui.is_item_hovered() and status is not None and status.shown_frame is not None:
        text = f"{key}: frame {status.shown_frame}"
        if depth is not None and image_rect is not None and media is not None and width and height:
            mouse = imgui.get_mouse_pos()
            x = int((mouse.x - image_rect[0].x) / (image_rect[1].x - image_rect[0].x) * width)
            y = int((mouse.y - image_rect[0].y) / (image_rect[1].y - image_rect[0].y) * height)
            value = media.depth_at(key, status.shown_frame, x, y)
            if value is not None:
                text += f"\ndepth {_depth_text(value, depth.unit)} at ({x}, {y})"
                view.depth_hover[key] = DepthHover(x, y, value)
        imgui.set_item_tooltip(text)


def _depth_text(value: float, unit: str) -> str:
    return f"{value:.0f} {unit}" if unit == "mm" else f"{value:.3f} {unit}"
