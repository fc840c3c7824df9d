"""The "Sync" panel: per joint, how far the recorded state trails the commanded action."""

from __future__ import annotations

import math

from imgui_bundle import icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.state import AppState

FLAG_COLOR = imgui.ImVec4(1.0, 0.42, 0.38, 1.0)


FEATURES_POPUP = "State and action features###motion_features"


def gui_motion_features(state: AppState) -> None:
    """Which features are the state and the action (found by name, or the user's choice), editable."""
    dataset = state.selected_dataset
    if dataset is None:
        return
    index = dataset.index
    view = state.view3d
    if not view.load_prefs_async(state.executor):  # read on the executor, never in a frame
        imgui.text_disabled("Reading the saved robot settings...")
        return
    # Loaded on the executor with the robot settings (View3DState.load_prefs_async): a lookup.
    from leropilot_gl.render.motion_inputs import motion_features_for, numeric_sizes

    prefs = view.prefs_for(index.robot_type)
    features = motion_features_for(index, prefs)
    imgui.text_wrapped(features.describe())
    for note in features.notes:
        imgui.text_colored(FLAG_COLOR, note)
    imgui.same_line()
    if imgui.small_button(f"{fa.ICON_FA_PEN} Features"):
        imgui.open_popup(FEATURES_POPUP)
    if imgui.begin_popup(FEATURES_POPUP):
        imgui.text_disabled("Tick the features that make the robot's state and its action.")
        state_keys, action_keys = list(features.state), list(features.action)
        changed = False
        flags = imgui.TableFlags_.borders_inner_h | imgui.TableFlags_.sizing_fixed_fit
        if imgui.begin_table("##motion_features", 3, flags):
            for header in ("feature", "state", "action"):
                imgui.table_setup_column(header)
            imgui.table_headers_row()
            for key, size in numeric_sizes(index).items():
                with imgui_ctx.push_id(key):
                    imgui.table_next_row()
                    imgui.table_next_column()
                    imgui.text(f"{key} ({size})")
                    for chosen in (state_keys, action_keys):
                        imgui.table_next_column()
                        ticked, value = imgui.checkbox(
                            "##s" if chosen is state_keys else "##a", key in chosen
                        )
                        if ticked:
                            changed = True
                            if value:
                                chosen.append(key)
                            else:
                                chosen.remove(key)
            imgui.end_table()
        if changed:
            order = list(numeric_sizes(index))
            view.update_prefs(
                index.robot_type,
                state_features=sorted(state_keys, key=order.index) or None,
                action_features=sorted(action_keys, key=order.index) or None,
            )
        if imgui.button("Find by name"):
            view.update_prefs(index.robot_type, state_features=None, action_features=None)
        imgui.same_line()
        if imgui.button("Close"):
            imgui.close_current_popup()
        imgui.end_popup()


def gui_sync_table(state: AppState) -> None:
    motion = state.view3d.motion
    episode = state.selected_episode
    if episode is None:
        imgui.text_disabled("Select an episode to measure action/state lag.")
        return
    gui_motion_features(state)
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
        imgui.text_disabled("No joint is recorded in both action and state: choose the features above.")
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
