"""One progress bar for every long command, on stderr and only when stderr is a terminal.

Library functions take a ``progress(done, total)`` callback and never draw;
a command wraps its call in :func:`progress_bar` and passes the bar in. Pipes
and files (stdout or stderr redirected, CI, tests) get no bar at all, so
stdout holds only the command's output.
"""

import sys


class ProgressBar:
    """A callable ``(done, total)`` that draws a rich bar; a no-op when stderr is not a terminal."""

    def __init__(self, label, unit):
        self.label = label
        self.unit = unit
        self.bar = None
        self.task = None

    def __enter__(self):
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn(self.unit), TimeRemainingColumn(), console=Console(stderr=True),
                                transient=True)
            self.bar.__enter__()
            # Shown at once, pulsing, until the work says how much there is.
            self.task = self.bar.add_task(self.label, total=None)
        return self

    def __call__(self, done, total, label=None):
        """Show ``done`` of ``total``; ``label`` names a new stage (the bar starts again)."""
        if self.bar is None:
            return
        if self.task is None or label is not None:
            if self.task is not None:
                self.bar.remove_task(self.task)
            self.task = self.bar.add_task(label or self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def progress_bar(label, unit):
    """A :class:`ProgressBar` to use as ``with progress_bar("importing", "rows") as progress: ...``."""
    return ProgressBar(label, unit)


def prepare_coast():
    """Build the coastline's tile cache under a bar of its own if it is missing (once per install).

    Commands that read the coastline (detect, report) call this first, so that
    the minute the first build takes is not a silent wait inside them.
    """
    from shipsight.coast import cache_path, ensure_cache
    from shipsight.errors import InputError

    try:
        if cache_path().exists():
            return
    except InputError:  # no roaring-landmask: the command says so itself, or draws no land
        return
    with progress_bar("building the coastline cache (once)", "polygons") as progress:
        ensure_cache(progress=progress)
