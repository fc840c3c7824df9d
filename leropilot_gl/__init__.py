"""leropilot-gl: view, clean and train with LeRobot datasets."""

__version__ = "0.1.0"
