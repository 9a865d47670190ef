"""A ``streamlit run`` server on a free loopback port, and the memory of its process tree.

The server gets a clean environment (``THALDASH_DATA`` set only when a data file is given),
binds 127.0.0.1 only and sends no usage statistics. Peak memory is read from
``/proc/<pid>/status`` (``VmHWM``, the high-water mark of the resident set), summed over the
server and any child process. (psutil has no peak resident size on Linux, so it would add
nothing here; it is not needed.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120.0  # seconds until the health check answers (imports only; data load comes later)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(data: Path | None) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ} | {"PYTHONUNBUFFERED": "1"}
    if data is not None:
        env["THALDASH_DATA"] = str(data)
    return env


class Server:
    """``with Server("app.py", data=path) as server: server.url ...``; stopped on exit.

    ``started`` is the ``time.perf_counter()`` just before the process was spawned, so a
    caller can time a cold start from the spawn to a rendered page.
    """

    def __init__(self, script: str | Path, *, data: Path | None = None, log: Path | None = None) -> None:
        self.script = str(script)
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or Path(os.devnull)
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    def __enter__(self) -> "Server":
        command = [sys.executable, "-m", "streamlit", "run", self.script, "--server.headless", "true",
                   "--server.port", str(self.port), "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self._out = open(self.log, "w", encoding="utf-8")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=REPO, env=clean_env(self.data), stdout=self._out,
                                        stderr=subprocess.STDOUT)
        try:
            self.wait_healthy()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)  # polling a port that is not listening yet: there is no event to await
        raise RuntimeError(f"streamlit did not answer within {START_TIMEOUT:.0f} s; see {self.log}")

    def peak_rss_bytes(self) -> int:
        """High-water resident memory of the server and its children (bytes)."""
        return tree_peak_rss(self.process.pid)

    def rss_bytes(self) -> int:
        """Current resident memory of the server and its children (bytes)."""
        return tree_peak_rss(self.process.pid, field="VmRSS")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    task = Path(f"/proc/{pid}/task")
    for thread in task.glob("*") if task.exists() else []:
        try:
            found += [int(c) for c in (thread / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_peak_rss(pid: int, field: str = "VmHWM") -> int:
    """Sum of ``field`` (``VmHWM`` peak or ``VmRSS`` current, bytes) over ``pid`` and its descendants."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
        stack += _children(current)
    return total
