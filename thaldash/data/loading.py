"""One call from a file (or uploaded bytes) to a ``Cohort``, with every problem as a table.

This is the entry point for the app and the CLI: ``load_cohort`` never raises for bad input.
``load_cohort_isolated`` checks an upload in a worker process with a memory limit first, so that
a file that needs more memory than it should can only fail its own load, never the server.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

import pandas as pd

from thaldash import DATA_DIR
from thaldash.data.centres import keyed, read_folder
from thaldash.data.cohort import Cohort
from thaldash.data.cohort_build import build_cohort
from thaldash.data.io import UnreadableFile, read_table
from thaldash.data.sources import Folder, folder_parts, is_folder, upload_parts
from thaldash.data.memory import release_memory, return_memory_as_freed
from thaldash.data.validation import validate
from thaldash.data.validation_problems import PROBLEM_COLUMNS, empty_problems

DATA_ENV = "THALDASH_DATA"
# What checking one upload may take in its worker process (address space, so a little above the
# ~1.6 GiB a 1,000,000-patient file peaks at); and how long, for a file that is slow rather than big.
UPLOAD_MEMORY_LIMIT = 3 * 1024**3
UPLOAD_TIME_LIMIT_S = 300.0


@dataclass(frozen=True, eq=False)
class LoadResult:
    """The outcome of ``load_cohort``.

    Attributes
    ----------
    cohort
        The validated cohort, or ``None`` when the file is unreadable or has errors.
    problems
        Columns ``severity``, ``column``, ``patient_id``, ``value``, ``problem`` (see
        ``thaldash.data.validation.Validation``); errors first. An unreadable file gives one
        error row with ``column`` "" and the reason as ``problem``.
    source_name
        Display name of the source.
    sha256
        Hex digest of the source bytes ("" when nothing could be read).
    unreadable
        True when the source could not be read as a table at all.
    n_errors, n_warnings
        Number of problems found, counting those beyond the per-kind cap of ``problems``.
    files
        For a folder of centres (or several uploaded files): the files read, as ``problems``' ``file``
        names them; () for a single file. ``skipped``: the folder's files that were not read.
    """

    cohort: Cohort | None
    problems: pd.DataFrame
    source_name: str
    sha256: str
    unreadable: bool = False
    n_errors: int = 0
    n_warnings: int = 0
    files: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when a cohort was loaded (warnings allowed)."""
        return self.cohort is not None


Source = str | Path | bytes | Folder | Sequence[tuple[str, bytes]]
"""A file (path or bytes), a folder of centres (path, or a listed ``Folder``), or several uploaded files
as (name, bytes) pairs."""


def load_cohort(source: Source, name: str | None = None) -> LoadResult:
    """Read, validate and assemble a cohort; never raises for bad input.

    Parameters
    ----------
    source
        Path to a Parquet or CSV file, or its bytes (e.g. an upload); or a folder of such files, one per
        centre, or a partitioned dataset (``thaldash.data.sources``); or several uploaded files as
        (name, bytes) pairs, each a centre.
    name
        Display name; defaults to the file name, or "uploaded file" for bytes.
    """
    try:
        if isinstance(source, Folder) or is_folder(source):
            return _load_folder(source)
        if isinstance(source, (list, tuple)):
            return _load_folder(upload_parts(source))
        return _load(source, name)
    finally:
        release_memory()


def _load_folder(source: str | Path | Folder) -> LoadResult:
    """``load_cohort`` of a folder: every file read and checked (``centres.read_folder``), then one cohort."""
    try:
        folder = source if isinstance(source, Folder) else folder_parts(source)
    except UnreadableFile as exc:
        return LoadResult(None, _one_error(str(exc)), exc.name, "", unreadable=True, n_errors=1)
    try:
        table = read_folder(folder)
        handed = [table.frame]  # as in _load: build_cohort frees each column once it has its place
        table = replace(table, frame=None)
        cohort = None if handed[0] is None else build_cohort(handed.pop(), source_name=table.name, sha256=table.sha256)
    except MemoryError:
        return LoadResult(None, _one_error(_needs_memory()), folder.name, "", n_errors=1)
    except Exception as exc:  # a bug, not bad data; still one sentence rather than a traceback
        message = f"internal error while checking the folder ({type(exc).__name__}: {exc}); please report it"
        return LoadResult(None, _one_error(message), folder.name, "", n_errors=1)
    return LoadResult(cohort, table.problems, table.name, table.sha256, unreadable=table.unreadable,
                      n_errors=table.n_errors, n_warnings=table.n_warnings, files=table.files, skipped=table.skipped)


def _load(source: str | Path | bytes, name: str | None) -> LoadResult:
    fallback = name or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    try:
        raw = read_table(source, name)
    except UnreadableFile as exc:
        return LoadResult(None, _one_error(str(exc)), exc.name or fallback, exc.sha256,
                          unreadable=True, n_errors=1)
    except MemoryError:
        return LoadResult(None, _one_error(_needs_memory()), fallback, "", unreadable=True, n_errors=1)
    shown, digest = raw.name, raw.sha256
    try:
        checked = validate(raw)
        problems, n_errors, n_warnings = checked.problems, checked.n_errors, checked.n_warnings
        # Hand the typed frame over: with no other reference left here, build_cohort frees each column
        # of the file as soon as it has its place in the cohort (a million patients need that memory).
        handed = [checked.frame]
        del raw, checked
        release_memory()  # validation's freed temporaries back to the system before the cohort is built
        # A file with a centre column naming several centres keys its patients by centre, as a folder does.
        cohort = None if handed[0] is None else build_cohort(keyed(handed.pop()), source_name=shown, sha256=digest)
    except MemoryError:
        return LoadResult(None, _one_error(_needs_memory()), shown, digest, n_errors=1)
    except Exception as exc:  # a bug, not bad data; still one sentence rather than a traceback
        message = f"internal error while checking the file ({type(exc).__name__}: {exc}); please report it"
        return LoadResult(None, _one_error(message), shown, digest, n_errors=1)
    return LoadResult(cohort, problems, shown, digest, n_errors=n_errors, n_warnings=n_warnings)


def load_cohort_isolated(data: bytes | Sequence[tuple[str, bytes]], name: str, *,
                         memory_limit_bytes: int = UPLOAD_MEMORY_LIMIT,
                         time_limit_s: float = UPLOAD_TIME_LIMIT_S) -> LoadResult:
    """``load_cohort`` for an upload (one file's bytes, or several files as (name, bytes) pairs, each a
    centre), run in a worker process with a memory limit.

    The worker reads, validates and assembles the cohort under ``memory_limit_bytes`` of address
    space and sends the ``LoadResult`` back (its arrays as separate buffers, so this process holds
    the cohort once, never its pickle as well). A file that needs more memory, or more than
    ``time_limit_s`` seconds, gives one error row saying so; only the worker is affected. The
    validation temporaries stay in the worker too: at 1,000,000 patients this process peaks lower
    than with ``load_cohort`` (see BENCHMARKS.md). Never raises for bad input.
    """
    outcome = _load_in_worker(data, name, memory_limit_bytes, time_limit_s)
    if isinstance(outcome, str):
        return LoadResult(None, _one_error(outcome), name, "", unreadable=True, n_errors=1)
    return outcome


def _load_in_worker(data: bytes | Sequence[tuple[str, bytes]], name: str, memory_limit: int,
                    time_limit: float) -> LoadResult | str:
    """The worker's LoadResult, or a sentence saying why there is none."""
    context = _worker_context()
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_worker, args=(send, data, name, memory_limit), daemon=True)
    worker.start()
    send.close()  # only the worker holds the sending end: its exit is seen as end-of-file
    outcome: LoadResult | str | None = None
    try:
        if receive.poll(time_limit):
            outcome = _receive(receive)
        else:
            outcome = (f"checking the file took longer than an upload may take ({time_limit / 60:g} minutes); "
                       "use a smaller file, or the command line (python -m thaldash validate)")
    except (EOFError, OSError):
        outcome = None
    finally:
        receive.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
    if outcome is None:  # the worker ended without an answer
        # Out of memory under the limit ends a worker in one of several ways, depending on which
        # allocation fails first: a MemoryError (status 1), an abort in Arrow's C++ (SIGABRT, -6), a
        # crash on a failed allocation (SIGSEGV, -11), or the kernel's out-of-memory killer (SIGKILL, -9).
        if worker.exitcode in (1, -6, -9, -11):
            return _needs_memory(memory_limit)
        return f"the file could not be checked (the worker process stopped with status {worker.exitcode})"
    return outcome


def _worker(send: Connection, data: bytes | Sequence[tuple[str, bytes]], name: str, memory_limit: int) -> None:
    """In the worker: load under the memory limit and send the result back."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    except (ImportError, ValueError, OSError):  # not Linux/macOS, or a lower limit already set
        pass
    return_memory_as_freed()  # as in the server: freed temporaries leave the worker's limit at once
    result = load_cohort(data if isinstance(data, bytes) else list(data), name)
    if result.problems["problem"].eq(_needs_memory()).any():
        result = _needs_memory(memory_limit)
    del data
    _send(send, result)
    send.close()


def _send(conn: Connection, obj: object) -> None:
    """``obj`` pickled with its arrays out of band: the sizes, the pickle, then each buffer."""
    buffers: list[pickle.PickleBuffer] = []
    payload = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    conn.send([len(payload), *(b.raw().nbytes for b in buffers)])
    conn.send_bytes(payload)
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def _receive(conn: Connection) -> object:
    """What ``_send`` sent; each array lands in its own writable buffer, with no second copy."""
    sizes = conn.recv()
    parts = []
    for size in sizes:
        part = bytearray(size)
        if size:
            conn.recv_bytes_into(part)
        else:
            conn.recv_bytes()
        parts.append(part)
    return pickle.loads(parts[0], buffers=parts[1:])


_CONTEXT: multiprocessing.context.BaseContext | None = None


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers are forked from a small server process that has imported the loading modules once.

    ("forkserver": forking the app's own multi-threaded process is unsafe, and "spawn" would pay
    the imports of pandas and pyarrow, ~1 s, on every upload.) Python 3.11's fork server does not
    take the app's ``sys.path``: ``thaldash`` is preloaded when the working directory is the
    repository (as for ``streamlit run app.py``), else each worker imports it (~0.15 s).
    """
    global _CONTEXT
    if _CONTEXT is None:
        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["pandas", "pyarrow.parquet", "pyarrow.compute", "thaldash.data.loading"])
        except ValueError:  # no forkserver on this platform
            context = multiprocessing.get_context("spawn")
        _CONTEXT = context
    return _CONTEXT


def _needs_memory(limit: int | None = None) -> str:
    if limit is None:
        return "the file needs more memory than is available to check it"
    return f"the file needs more memory than an upload may use (limit {limit / 2**30:g} GiB)"


def _one_error(message: str) -> pd.DataFrame:
    row = dict.fromkeys(PROBLEM_COLUMNS, "") | {"severity": "error", "problem": message}
    return pd.concat([empty_problems(), pd.DataFrame([row])], ignore_index=True).astype("str")


def bundled_cohort_path() -> Path:
    """``data/cohort.parquet`` of the repository (the cohort shipped with the app)."""
    return DATA_DIR / "cohort.parquet"


def default_data_path() -> Path:
    """The file (or folder of centres) named by the ``THALDASH_DATA`` environment variable if set, else the
    bundled cohort."""
    configured = os.environ.get(DATA_ENV, "").strip()
    return Path(configured).expanduser() if configured else bundled_cohort_path()
