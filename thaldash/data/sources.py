"""Where a cohort's data are: one file, a folder of files (one per centre), a partitioned dataset, or uploads.

A folder is listed here, never read: ``thaldash.data.centres`` reads and checks each file. The rules
(the contract's ``CENTRE_RULES``): in a folder, each Parquet or CSV file is one centre, named by the
file's name without its extension; a folder of ``centre=NAME/`` folders is a partitioned Parquet
dataset (as ``pyarrow.dataset.write_dataset`` or Spark write it), listed with pyarrow's dataset API,
each file's centre being its folder's. Names starting with ``.`` or ``_`` are skipped, as pyarrow
skips them (``_SUCCESS``, ``.DS_Store``); any other file that is not a table is named as not read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from thaldash.data.io import UnreadableFile

MAX_FILES = 1_000
"""Files a folder may hold: ten centres need ten; a folder of a million small files is refused first."""
TABLE_SUFFIXES: tuple[str, ...] = (".parquet", ".parq", ".pq", ".csv")
"""Files of a flat folder that are read (the format itself is recognised from the bytes)."""
PARTITION_KEY = "centre"
_HIDDEN = (".", "_")


@dataclass(frozen=True)
class Part:
    """One file of a folder (or one uploaded file).

    Attributes
    ----------
    name
        The file's path inside the folder ("guangzhou.csv", "centre=A/part-0.parquet") or its upload
        name: what problems, captions and the digest call it.
    source
        The file's path, or its bytes (an upload).
    centre
        The centre the folder gives the file: its name without the extension, or its ``centre=NAME``
        folder. A ``centre`` column in the file wins over a name, and must agree with a folder.
    partitioned
        The centre comes from a ``centre=NAME`` folder.
    """

    name: str
    source: Path | bytes
    centre: str
    partitioned: bool = False


@dataclass(frozen=True)
class Folder:
    """The files of a folder (or of one upload of several files) that make one cohort.

    ``name`` is the folder's name (or "N uploaded files"); ``skipped`` names what was not read
    (a warning each); ``layout`` is "files" (one file per centre) or "partitioned" (``centre=NAME/``).
    """

    name: str
    parts: tuple[Part, ...]
    skipped: tuple[str, ...] = ()
    layout: str = "files"


def is_folder(source: object) -> bool:
    """True for a path that is a directory (a folder of centres)."""
    return isinstance(source, (str, Path)) and Path(source).is_dir()


def centre_of(name: str) -> str:
    """The centre a file name gives: the name without its folder and extension ("a/guangzhou.csv" → "guangzhou")."""
    return Path(name).stem.strip()


def folder_parts(path: str | Path) -> Folder:
    """The files of the folder ``path``, each with its centre.

    Raises
    ------
    UnreadableFile
        The folder cannot be listed, holds no Parquet or CSV file, more than ``MAX_FILES`` files, mixes
        ``centre=NAME`` folders with files beside them, or has files outside any ``centre=NAME`` folder.
    """
    root = Path(path)
    display = root.name or str(root)

    def refuse(reason: str) -> UnreadableFile:
        return UnreadableFile(f"{display}: {reason}", name=display)

    try:
        entries = sorted(e for e in root.iterdir() if not e.name.startswith(_HIDDEN))
    except OSError as exc:
        raise refuse(f"the folder cannot be listed ({exc.strerror or exc})") from None
    partitions = [e for e in entries if e.is_dir() and e.name.startswith(f"{PARTITION_KEY}=")]
    if partitions:
        return _partitioned(root, display, entries, refuse)
    tables = [e for e in entries if e.is_file() and e.suffix.lower() in TABLE_SUFFIXES]
    skipped = tuple(f"{e.name}{'/' if e.is_dir() else ''}" for e in entries if e not in tables)
    if not tables:
        raise refuse("the folder holds no Parquet or CSV file (.parquet, .csv); put one file per centre in it"
                     + (f" (found: {', '.join(skipped[:5])})" if skipped else ""))
    if len(tables) > MAX_FILES:
        raise refuse(f"the folder holds {len(tables):,} files, above the limit of {MAX_FILES:,}; one file per "
                     "centre is expected")
    return Folder(display, tuple(Part(e.name, e, centre_of(e.name)) for e in tables), skipped, "files")


def _partitioned(root: Path, display: str, entries: list[Path], refuse) -> Folder:
    """A Hive-partitioned dataset: every file under a ``centre=NAME`` folder, listed by pyarrow (nothing read)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    stray = [e.name + ("/" if e.is_dir() else "") for e in entries if not e.name.startswith(f"{PARTITION_KEY}=")]
    if stray:
        raise refuse(f"a partitioned dataset holds only {PARTITION_KEY}=NAME folders, but {', '.join(stray[:5])} "
                     f"{'is' if len(stray) == 1 else 'are'} beside them; move or remove "
                     f"{'it' if len(stray) == 1 else 'them'}")
    schema = pa.schema([(PARTITION_KEY, pa.string())])
    try:
        # An explicit schema: the files are listed, none is opened (a broken one is reported when it is read).
        dataset = ds.dataset(root, schema=schema, format="parquet",
                             partitioning=ds.partitioning(schema, flavor="hive"))
        fragments = list(dataset.get_fragments())
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise refuse(f"the partitioned dataset cannot be listed ({str(exc).splitlines()[0][:200]})") from None
    if len(fragments) > MAX_FILES:
        raise refuse(f"the dataset holds {len(fragments):,} files, above the limit of {MAX_FILES:,}")
    parts = []
    for fragment in fragments:
        file = Path(fragment.path)
        centre = ds.get_partition_keys(fragment.partition_expression).get(PARTITION_KEY)
        name = file.relative_to(root).as_posix()
        if centre is None or not str(centre).strip():
            raise refuse(f"{name} is not inside a {PARTITION_KEY}=NAME folder with a name")
        parts.append(Part(name, file, str(centre).strip(), partitioned=True))
    if not parts:
        raise refuse(f"the {PARTITION_KEY}=NAME folders hold no file")
    return Folder(display, tuple(sorted(parts, key=lambda p: p.name)), (), "partitioned")


def upload_parts(files: Sequence[tuple[str, bytes]]) -> Folder:
    """Several uploaded files as a folder: each file a centre, named by its file name without the extension."""
    names = [name for name, _ in files]
    parts = tuple(Part(name, data, centre_of(name)) for name, data in files)
    return Folder(f"{len(names)} uploaded files", parts)


def folder_digest(files: Iterable[tuple[str, str]]) -> str:
    """One SHA-256 for a folder: of each file's name and SHA-256, in name order.

    So a renamed file (another centre) or a changed byte gives another digest, and the digest does not
    depend on the order the files were listed in.
    """
    digest = hashlib.sha256()
    for name, sha in sorted(files):
        digest.update(f"{name}\0{sha}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
