"""How much memory the production server's processes took while a test did something: the peak
resident set size (VmHWM in /proc/<pid>/status) over the size before, per process. Writing "5"
to /proc/<pid>/clear_refs sets a process's peak back to its current size (Linux 4.0 and later,
for processes of the same user), so the peak measured is the action's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.security.conftest import ProductionServer

MB = 1024 * 1024


def server_processes(production: ProductionServer) -> list[int]:
    """The gunicorn master and workers of `production` (they carry its GUNICORN_BIND)."""
    bind = f"GUNICORN_BIND={production.url.removeprefix('http://')}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # another user's process, or one that has just ended
            continue
        if bind in environment:
            found.append(int(entry.name))
    assert found, f"no process of the server at {production.url}"
    return sorted(found)


def _status_kb(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {name} for process {pid}")


@dataclass
class Growth:
    """Bytes each process grew by at its peak, by pid (filled in when the block ends)."""

    by_process: dict[int, int] = field(default_factory=dict)

    @property
    def most(self) -> int:
        return max(self.by_process.values())


@contextmanager
def memory_growth(production: ProductionServer) -> Iterator[Growth]:
    pids = server_processes(production)
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    before = {pid: _status_kb(pid, "VmRSS") for pid in pids}
    growth = Growth()
    yield growth
    growth.by_process = {pid: (_status_kb(pid, "VmHWM") - before[pid]) * 1024 for pid in pids}
