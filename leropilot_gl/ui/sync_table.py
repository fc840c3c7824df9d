"""The "Sync" panel: per joint, how far the recorded state trails the commanded action."""

from __future__ import annotations

import math

from imgui_bundle import icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.state import AppState

FLAG_COLOR = imgui.ImVec4(1.0, 0.42, 0.38, 1.0)


def gui_sync_table(state: AppState) -> None:
    motion = state.view3d.motion
    episode = state.selected_episode
    if episode is None:
        imgui.text_disabled("Select an episode to measure action/state lag.")
        return
    view = state.view3d
    if motion is not None:
        rows = motion.sync_rows
    elif view.robot_source is None or view.robot_error is not None:
        rows = view.sync_rows  # no robot model to show: the numbers come on their own
        if view.sync_error:
            imgui.text_colored(FLAG_COLOR, view.sync_error)
            return
    else:
        rows = None
    if rows is None:
        imgui.text_disabled("Reading the episode's state and action...")
        return
    if not rows:
        imgui.text_disabled("No joint is recorded in both action and state.")
        return
    imgui.text_wrapped(
        f"Episode {episode.episode_index}: time shift that best aligns each joint's state to its action "
        "(positive: the state follows the action)."
    )
    flags = imgui.TableFlags_.borders | imgui.TableFlags_.row_bg | imgui.TableFlags_.sizing_fixed_fit
    flags |= imgui.TableFlags_.scroll_x  # columns keep their width (whole joint names); the table scrolls
    if imgui.begin_table("##sync", 5, flags):
        for header in ("joint", "lag (frames)", "lag (ms)", "corr.", "note"):
            imgui.table_setup_column(header)
        imgui.table_headers_row()
        for row in rows:
            with imgui_ctx.push_id(row.name):
                imgui.table_next_row()
                imgui.table_next_column()
                if row.flagged:
                    imgui.text_colored(FLAG_COLOR, f"{fa.ICON_FA_TRIANGLE_EXCLAMATION} {row.name}")
                else:
                    imgui.text(row.name)
                imgui.table_next_column()
                imgui.text("-" if math.isnan(row.lag_frames) else f"{row.lag_frames:+.1f}")
                imgui.table_next_column()
                imgui.text("-" if math.isnan(row.lag_s) else f"{row.lag_s * 1000:+.0f}")
                imgui.table_next_column()
                imgui.text(f"{row.correlation:.2f}")
                imgui.table_next_column()
                if row.flagged:
                    imgui.text_colored(FLAG_COLOR, row.note)
                else:
                    imgui.text_disabled(row.note)
        imgui.end_table()
