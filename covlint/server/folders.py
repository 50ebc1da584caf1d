"""The workspace: its folders, and the project (data set) each path belongs to."""

from __future__ import annotations

from pathlib import Path

from covlint.server.workspace import Project

# Files whose presence makes a folder a project root (the nearest one up from a folder wins).
ROOT_MARKERS = (".coverage", ".coveragerc", "pyproject.toml", "setup.cfg", "tox.ini", ".git")


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` that looks like a project root (else `start`)."""
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return start


class Workspace:
    """The projects of the open workspace folders, plus any met outside them."""

    def __init__(self) -> None:
        self.projects: dict[Path, Project] = {}
        self.folders: dict[Path, Project] = {}

    def add_folder(self, folder: Path, uri: str) -> Project:
        project = self._project(find_project_root(folder), uri)
        self.folders[folder] = project
        return project

    def remove_folder(self, folder: Path) -> Project | None:
        """Forget a workspace folder; its project, if no other folder shares it."""
        project = self.folders.pop(folder, None)
        if project is None or project in self.folders.values():
            return None
        return self.projects.pop(project.root, None)

    def project_for(self, path: Path) -> Project:
        """The project of the innermost workspace folder holding `path` (or of its own root)."""
        holders = [f for f in self.folders if path.is_relative_to(f)]
        if holders:
            return self.folders[max(holders, key=lambda f: len(f.parts))]
        return self._project(find_project_root(path.parent), None)

    def _project(self, root: Path, uri: str | None) -> Project:
        if root not in self.projects:
            self.projects[root] = Project(root, uri)
        return self.projects[root]
