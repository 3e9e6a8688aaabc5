"""File handling for [`micrograd_nn.serialize`][]: atomic commits, bounded reads.

Writing (`commit`): the weights go to a new file, created exclusively (never
over an existing one) and fsynced; the JSON goes to a uniquely named temporary file,
fsynced, then `os.replace` puts it in place. That rename is the commit point: before
it the old JSON (naming the old weights, untouched) is in place, after it the new one.
A failure before it removes the new files; after it, superseded files are removed
(a crash there leaves only orphans, which the next save removes). Saves into one
folder take turns on an advisory lock on it (`flock`, waiting up to `LOCK_WAIT`
seconds, then TimeoutError); without locks (Windows, some network file systems) saves
still commit atomically but leave superseded files for a locked save to remove.

Reading (`read_json`, `read_npz`) checks every size before allocating:
the JSON's bytes, nesting and number of containers; the npz's checksum, its zip
directory's size and entries, and each member's `.npy` header (dtype, shape, byte
count) against the listing, before any array is made. Everything a file can get
wrong raises ValueError with a message of bounded length.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import itertools
import json
import math
import os
import re
import reprlib
import secrets
import struct
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]  # no locking where the module is missing

MAX_JSON_BYTES = 4 << 20  # a 65,536-synapse NeuronNet's JSON is 3.7 MB
MAX_DEPTH = 64  # nesting of JSON arrays/objects (a Sequential level takes two)
MAX_ENTRIES = 65_536  # parameters + buffers in one file
MAX_CONTAINERS = 2 * MAX_ENTRIES + 1_000  # JSON arrays + objects (two per entry)
MAX_NAME = 256  # characters in a parameter name
MAX_NDIM = 32
MAX_HEADER = 10_000  # bytes of a .npy header (numpy's own limit)
LOCK_WAIT = 60.0  # seconds a save waits for another save into the same folder
LOCKING = True  # tests turn it off to check the unlocked protocol
_RETRIES = 100


class Stale(ValueError):  # noqa: N818 - a ValueError that a re-read may resolve
    """The weights file is missing or does not match: maybe a save replaced the pair
    while we read it."""


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring = 3, 8, 8, 80


def short(x: Any, limit: int = 300) -> str:
    """`x` (a str, else a repr that elides long containers) cut to about `limit`
    characters: messages stay short whatever a file holds."""
    text = x if isinstance(x, str) else _REPR.repr(x)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


# ---------------------------------------------------------------- writing


def _create(folder: Path, names: Iterator[str], data: bytes) -> Path:
    """Write `data` to the first of `names` that does not exist yet (created
    exclusively, so two writers never share a file), fsync it; return its path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for name in names:
        path = folder / name
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:
            continue
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            _unlink(path)
            raise
        try:
            os.close(fd)
        except BaseException:
            _unlink(path)
            raise
        return path
    raise FileExistsError(f"save: no free file name in {folder} after {_RETRIES} tries")


def _unlink(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _token_names(pattern: str) -> Iterator[str]:
    return (pattern.format(secrets.token_hex(4)) for _ in range(_RETRIES))


def _fsync_dir(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):  # not every file system syncs folders
            os.fsync(fd)


def _lock(fd: int, folder: Path) -> bool:
    """Take the folder's lock; False where locks are unsupported (the save goes on
    unlocked), TimeoutError if another save holds it for over `LOCK_WAIT` s."""
    if fcntl is None or not LOCKING:
        return False
    deadline, delay = time.monotonic() + LOCK_WAIT, 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"save: another save into {folder} has held its lock "
                                   f"for over {LOCK_WAIT:g} s; is a process stuck "
                                   "saving there?") from None
            time.sleep(delay)
            delay = min(2 * delay, 0.05)
        except OSError:
            return False


def _sweep(folder: Path, stem: str, keep: str) -> None:
    """Remove this model's superseded weights files and leftover temporary files (all
    of them: the caller holds the folder's lock, so no other save is under way)."""
    s = re.escape(stem)
    pat = re.compile(rf"{s}(\.[0-9a-f]{{8}})?\.npz|{s}\.json\.[0-9a-f]{{8}}\.tmp|"
                     rf"{s}\.(json|npz)\.tmp")
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            m = pat.fullmatch(name)
            # "xor.0123abcd.npz" might be the weights of a model named "xor.0123abcd"
            if name != keep and m and not (m[1] and (folder / f"{stem}{m[1]}.json").exists()):
                _unlink(folder / name)


def commit(jpath: Path, weights: bytes, make_json: Callable[[str], bytes],
           previous: Callable[[Path], str | None]) -> Path:
    """Save a model atomically: `weights` into a new file (`<stem>.npz` if free,
    else `<stem>.<8 hex digits>.npz`), then `make_json(its name)` as `jpath`.
    `previous(jpath)` names the weights file the current JSON uses (or None).
    Returns the new weights file's path."""
    folder, stem = jpath.parent, jpath.name[:-len(".json")]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        dfd: int | None = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder: no lock, no folder fsync
        dfd = None
    try:
        locked = dfd is not None and _lock(dfd, folder)
        prev = None if locked else previous(jpath)
        wpath = _create(folder, itertools.chain([f"{stem}.npz"],
                                                _token_names(stem + ".{}.npz")), weights)
        tmp = None
        try:
            tmp = _create(folder, _token_names(stem + ".json.{}.tmp"),
                          make_json(wpath.name))
            _fsync_dir(dfd)  # the weights file's name is on disk before the commit
            os.replace(tmp, jpath)  # the commit point
        except BaseException:
            _unlink(tmp)
            _unlink(wpath)
            raise
        _fsync_dir(dfd)
        if locked:
            _sweep(folder, stem, wpath.name)
        elif prev and prev != wpath.name and re.fullmatch(
                re.escape(stem) + r"\.[0-9a-f]{8}\.npz", prev):
            # unique names are never reused, so no other save can be using it; the
            # plain name can be, so an unlocked save leaves that one to a locked save
            _unlink(folder / prev)
        return wpath
    finally:
        if dfd is not None:
            with contextlib.suppress(OSError):
                if fcntl is not None:  # released even if the close below fails
                    fcntl.flock(dfd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(dfd)


# ---------------------------------------------------------------- reading JSON

def check_json_text(raw: bytes, where: str) -> None:
    """Refuse JSON text over the limits before parsing it (the parser's memory grows
    with the number of containers, its recursion with their nesting)."""
    if len(raw) > MAX_JSON_BYTES:
        raise ValueError(f"{where} is larger than {MAX_JSON_BYTES >> 20} MiB, more than a "
                         "model file holds; it is corrupt or not a model file")
    # Brackets outside strings: without escaped backslashes and quotes, every quote
    # left opens or closes a string, as the parser reads them. In blocks of 1 MiB.
    text = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    inside = level = depth = count = 0
    for at in range(0, len(text), 1 << 20):
        b = np.frombuffer(text, np.uint8, min(1 << 20, len(text) - at), at)
        outside = (np.bitwise_xor.accumulate((b == ord('"')).view(np.uint8)) ^ inside) == 0
        inside ^= int(np.count_nonzero(b == ord('"')) & 1)
        opens = ((b == ord("[")) | (b == ord("{"))) & outside
        closes = ((b == ord("]")) | (b == ord("}"))) & outside
        levels = np.cumsum(opens.view(np.int8) - closes.view(np.int8), dtype=np.int32)
        depth = max(depth, level + int(levels.max()))
        level += int(levels[-1])
        count += int(np.count_nonzero(opens))
    if depth > MAX_DEPTH:
        raise ValueError(f"{where} nests {depth} levels deep (a model file uses under "
                         f"{MAX_DEPTH}); it is corrupt or not a model file")
    if count > MAX_CONTAINERS:
        raise ValueError(f"{where} holds {count:,} JSON arrays/objects, more "
                         f"than a model file of {MAX_ENTRIES:,} arrays; it is corrupt")


def stamp(path: Path) -> tuple[int, int, int] | None:
    """Identifies a version of a file (a replaced file gets a new one)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def read_json(path: Path, who: str) -> tuple[Any, tuple[int, int, int] | None]:
    """The parsed JSON of `path` and its `stamp`; ValueError naming the file."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            raw = f.read(min(st.st_size, MAX_JSON_BYTES) + 1)
    except FileNotFoundError:
        raise ValueError(f"{who}: {path} not found (save(model, path) writes path.json "
                         "and its weights, path.npz)") from None
    except OSError as e:
        raise ValueError(f"{who}: cannot read {path}: {short(str(e))}") from None
    check_json_text(raw, f"{who}: {path}")
    enabled = gc.isenabled()
    gc.disable()  # no collections while the parser makes many containers
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(f"{who}: {path} is not valid JSON ({short(str(e), 120)}); the "
                         "file is corrupt") from None
    finally:
        if enabled:
            gc.enable()
    return obj, (st.st_ino, st.st_mtime_ns, st.st_size)


# ---------------------------------------------------------------- reading npz

_COUNT = getattr(zipfile, "_ECD_ENTRIES_TOTAL", 4)
_SIZE = getattr(zipfile, "_ECD_SIZE", 5)
Listing = dict[str, tuple[tuple[int, ...], np.dtype]]


def nbytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    return math.prod(shape) * dtype.itemsize


def _sha256(f: Any) -> str:
    h = hashlib.sha256()
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def _npy_header(m: Any, cache: dict[bytes, tuple]) -> tuple[tuple, bool, np.dtype, int]:
    """`(shape, fortran_order, dtype, header bytes)` of the `.npy` stream `m`."""
    magic = m.read(8)
    if len(magic) < 8 or magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2):
        raise ValueError("is not a .npy array (no .npy version 1 or 2 magic)")
    size_len = 2 if magic[6] == 1 else 4
    raw_len = m.read(size_len)
    hlen = int.from_bytes(raw_len, "little")
    if len(raw_len) < size_len or hlen > MAX_HEADER:
        raise ValueError("has a truncated or overlong .npy header")
    header = m.read(hlen)
    key = magic[6:7] + raw_len + header
    if key not in cache:
        if len(header) < hlen:
            raise ValueError("has a truncated .npy header")
        read = (np.lib.format.read_array_header_1_0 if magic[6] == 1
                else np.lib.format.read_array_header_2_0)
        try:
            shape, fortran, dtype = read(io.BytesIO(raw_len + header),
                                         max_header_size=MAX_HEADER)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as e:
            raise ValueError(f"has a malformed .npy header ({short(str(e), 120)})") from None
        if dtype.hasobject:
            raise ValueError("holds Python objects (dtype object), which would need "
                             "pickle; load reads with allow_pickle=False")
        if dtype.kind not in "biuf" or dtype.fields or dtype.subdtype or \
                len(shape) > MAX_NDIM or any(n < 0 for n in shape):
            raise ValueError(f"declares dtype {short(str(dtype), 60)} shape "
                             f"{short(shape, 80)}, not an array of numbers")
        cache[key] = (shape, bool(fortran), dtype)
    return (*cache[key], len(magic) + size_len + hlen)


def _directory(f: Any, size: int, listing: Listing, where: str) -> zipfile.ZipFile:
    """Open the zip after checking its directory's size fits the listing (zipfile
    builds an object per directory entry, so a crafted directory could be huge)."""
    end = getattr(zipfile, "_EndRecData", None)  # zipfile's own view of the zip end
    try:
        rec = end(f) if end else None
        if end and rec is None:
            raise zipfile.BadZipFile("no end of central directory")
        budget = sum(46 + 64 + len(n.encode()) + 4 for n in listing) + 1024
        if rec and (rec[_COUNT] != len(listing) or rec[_SIZE] > budget):
            raise ValueError(f"it holds {rec[_COUNT]:,} arrays in a {rec[_SIZE]:,}-byte zip "
                             f"directory but {where} lists {len(listing):,} arrays")
        f.seek(0)
        return zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, EOFError, struct.error, IndexError,
            TypeError, NotImplementedError) as e:
        raise ValueError(f"it is not a .npz (zip) archive ({short(str(e), 120)}); a "
                         "bare .npy or another format is not a weights file") from None


def read_npz(wpath: Path, sha: str, listing: Listing, where: str, who: str
             ) -> dict[str, np.ndarray]:
    """The arrays of `wpath` after checking its checksum and that it holds exactly
    `listing` (names, dtypes, shapes, byte counts), header by header, before reading
    any data. `where` is the JSON that names it (for messages)."""
    try:
        f = open(wpath, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise Stale(f"{who}: weights file {wpath} not found (it belongs with "
                    f"{where})") from None
    except OSError as e:
        raise ValueError(f"{who}: cannot read {wpath}: {short(str(e))}") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        if _sha256(f) != sha:
            raise Stale(f"{who}: {wpath} does not match the checksum in {where}; the "
                        "weights file was changed, truncated or comes from another save")
        total = sum(nbytes(*v) for v in listing.values())
        if total > size:
            raise ValueError(f"{who}: cannot read {wpath} as .npz: it has {size:,} bytes "
                             f"but {where} lists {total:,} bytes of arrays; it is corrupt")
        try:
            with _directory(f, size, listing, where) as zf:
                return _members(zf, listing, size, where)
        except ValueError as e:
            raise ValueError(f"{who}: cannot read {wpath} as .npz: {e}") from None


def _members(zf: zipfile.ZipFile, listing: Listing, size: int, where: str
             ) -> dict[str, np.ndarray]:
    infos = zf.infolist()
    names = [i.filename[:-4] if i.filename.endswith(".npy") else i.filename for i in infos]
    if sorted(names) != sorted(listing):
        raise ValueError(f"it holds {short(sorted(names), 200)} but {where} lists "
                         f"{short(sorted(listing), 200)}")
    if sum(i.file_size for i in infos) > size or any(
            i.compress_type != zipfile.ZIP_STORED or i.file_size != i.compress_size
            for i in infos):
        raise ValueError("its members are compressed or larger than the file (save "
                         "stores them uncompressed)")
    arrays: dict[str, np.ndarray] = {}
    cache: dict[bytes, tuple] = {}
    for info, name in zip(infos, names, strict=True):
        try:
            with zf.open(info) as m:
                shape, fortran, dtype, hlen = _npy_header(m, cache)
                lshape, ldtype = listing[name]
                if shape != lshape or dtype != ldtype:
                    raise ValueError(f"has shape {shape} dtype {dtype}, but {where} lists "
                                     f"shape {lshape} dtype {ldtype}")
                count = nbytes(shape, dtype)
                if hlen + count != info.file_size:
                    raise ValueError(f"has {info.file_size:,} bytes, but its .npy header "
                                     f"declares {hlen + count:,}")
                data = m.read(count)
                if len(data) < count or m.read(1):  # reaching the end checks the CRC
                    raise ValueError("is truncated")
        except (zipfile.BadZipFile, OSError, EOFError, struct.error) as e:
            raise ValueError(f"{name!r} cannot be read ({short(str(e), 120)})") from None
        except ValueError as e:
            raise ValueError(f"{name!r} {e}") from None
        order: Literal["C", "F"] = "F" if fortran else "C"
        arrays[name] = np.frombuffer(data, dtype=dtype, count=math.prod(shape)).reshape(
            shape, order=order)
    return arrays
