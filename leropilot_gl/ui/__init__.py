"""Panels: one file per panel, each with one public `gui_<panel>(state)` function."""
