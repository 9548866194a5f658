"""Writing outputs so a crash never leaves something half-written, and a rebuild never eats user files.

Files are written to a temporary name beside the target and renamed over it (atomic on POSIX).
Folders (datasets/NAME, loras/NAME, -o DIR, a tiny model) are built in a temporary sibling
`.NAME.PID.XXXX.tmp` and swapped in at the end:

- where the filesystem can (Linux renameat2 RENAME_EXCHANGE: ext4, xfs, btrfs, tmpfs) the new and old
  folders trade places in one step, so NAME always exists;
- elsewhere the old folder is first renamed to `.NAME.old.PID`, then the new one to NAME. A crash
  between the two renames leaves NAME missing for a moment: the next run that writes or looks up
  NAME (`recover`) renames `.NAME.old.PID` back when PID is dead.

Leftovers of dead runs (`.NAME.PID.XXXX.tmp`, `.NAME.old.PID`) are removed by the next run.

A folder is replaced only when it is empty or characterkit wrote it: each folder written here gets
a marker file `.characterkit` listing the entries characterkit wrote. Entries the user added
afterwards are carried over (hard-linked, else copied) into the new folder, never lost; one whose
name the new output also uses is kept beside it as `NAME.user`. A non-empty folder without the
marker (and without a legacy report.json / characterkit.json run card) is refused.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

MARKER = ".characterkit"
LEGACY_MARKERS = ("report.json", "characterkit.json")  # written before the marker existed
_LEGACY_TMP_AGE = 3600  # seconds: a `.NAME.XXXX.tmp` without a PID (older versions) is stale after this
FAULT_ENV = "CHARACTERKIT_TEST_KILL_AT"  # tests: SIGKILL this process at the named step of a swap
SWAP_ENV = "CHARACTERKIT_SWAP"  # tests: "rename" forces the two-rename swap where exchange works


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fault(step: str) -> None:
    """Let a test kill this process at `step` (exactly as kill -9 would: no cleanup runs)."""
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def write_text(path: str | os.PathLike, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the result should look like any other file
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename is None:  # write() on a full disk names no file
            raise type(e)(e.errno, e.strerror, str(path)) from None
        raise


def write_json(path: str | os.PathLike, obj, indent: int | None = 2) -> None:
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=indent) + "\n")


@contextlib.contextmanager
def replace_file(path: str | os.PathLike):
    """Yield a temporary path beside `path` for writers that open the file themselves (a GGUF writer);
    on success it is renamed over `path`, on error removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --- whose folder is it ---------------------------------------------------------------------------


def _marker_entries(folder: Path) -> set[str] | None:
    """The entries characterkit wrote into `folder` (from its marker); None when it has no marker."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        return set(data["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _is_legacy_output(folder: Path) -> bool:
    for name in LEGACY_MARKERS:
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and ("kind" in data or "characterkit_version" in data):
            return True
    return False


def foreign_entries(folder: Path, owned=()) -> list[str] | None:
    """Entries of `folder` characterkit did not write (sorted); None for a legacy characterkit folder
    (written before the marker: what it wrote is unknown, so everything not rewritten is kept).

    owned: name patterns a command writes into its folder besides the swap (checkpoint-*, eval.json).
    """
    entries = set(os.listdir(folder))
    ours = _marker_entries(folder)
    if ours is None and _is_legacy_output(folder):
        return None
    ours = (ours or set()) | {MARKER}
    return sorted(e for e in entries - ours if not any(fnmatch.fnmatch(e, p) for p in owned))


def check_replaceable(folder: str | os.PathLike, owned=()) -> None:
    """Raise UserError unless `folder` may be replaced by a new output: it is missing, empty, or was
    written by characterkit; never a file, the current folder or one holding it."""
    from characterkit.errors import UserError

    folder = Path(os.path.abspath(folder))
    if folder.exists() and not folder.is_dir():
        raise UserError("output path exists and is a file, not a folder", path=folder)
    if folder.is_symlink():
        raise UserError("output path is a symbolic link; give the folder it points to", path=folder)
    cwd = Path.cwd()
    if folder == cwd or folder in cwd.parents:
        raise UserError("is the current folder (or holds it); the output must be a folder of its own, "
                        "e.g. -o my-dataset", path=folder)
    if not folder.is_dir() or _marker_entries(folder) is not None or _is_legacy_output(folder):
        return  # characterkit's own folder: what the user added to it is carried over by the swap
    foreign = foreign_entries(folder, owned)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise UserError(f"folder exists and was not written by characterkit (holds {shown}); it is only replaced "
                        "when empty or made by characterkit: choose another folder or move its files away",
                        path=folder)


# --- leftovers of dead runs -------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process (or a number no process can have: keep, to be safe)
    return True


def recover(target: str | os.PathLike) -> None:
    """Repair what a killed swap of `target` left behind: bring a hidden previous folder back under
    its name, remove temporary and superseded folders of dead runs. Cheap; errors are ignored (a
    folder we cannot list or write is reported by whatever uses it next)."""
    target = Path(os.path.abspath(target))
    name, parent = target.name, target.parent
    old_re = re.compile(rf"^\.{re.escape(name)}\.old\.(\d+)$")
    tmp_re = re.compile(rf"^\.{re.escape(name)}\.(\d+)\.[A-Za-z0-9_]+\.tmp$")
    legacy_re = re.compile(rf"^\.{re.escape(name)}\.[A-Za-z0-9_]{{8}}\.tmp$")
    try:
        siblings = [p for p in parent.iterdir() if p.name.startswith(f".{name}.")]
    except OSError:
        return
    for path in sorted(siblings):
        with contextlib.suppress(OSError):
            if (m := old_re.match(path.name)) and not _pid_alive(int(m[1])):
                if not os.path.lexists(target):
                    os.replace(path, target)  # killed between the two renames: the old folder comes back
                else:
                    shutil.rmtree(path)  # killed after the swap: this one is superseded
            elif (m := tmp_re.match(path.name)) and path.is_dir() and not _pid_alive(int(m[1])):
                shutil.rmtree(path)
            elif legacy_re.match(path.name) and path.is_dir() and time.time() - path.stat().st_mtime > _LEGACY_TMP_AGE:
                shutil.rmtree(path)


# --- the swap --------------------------------------------------------------------------------------


@contextlib.contextmanager
def replace_dir(target: str | os.PathLike, owned=()):
    """Yield a fresh temporary folder; on success it replaces `target`, on error it is removed.

    Refuses (UserError) a `target` that characterkit did not write (see `check_replaceable`). The
    old `target` stays in place until the new one is complete, so readers see either the old folder
    or the new one, never a mix. owned: name patterns in `target` that belong to the command
    although not written through this swap (they are dropped unless the command moves them in).
    """
    target = Path(os.path.abspath(target))
    check_replaceable(target, owned)
    with _naming(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; another user (a webui service) may need to read it
        yield tmp
        written = sorted(os.listdir(tmp))
        if target.is_dir():
            _carry_user_entries(target, tmp, owned)
        write_json(tmp / MARKER, {"written_by": "characterkit", "entries": written})
        _fault("before-swap")
        _swap(tmp, target)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        disk_error = _as_os_error(e, target)
        if disk_error is not None:
            raise disk_error from None
        raise


@contextlib.contextmanager
def _naming(folder: Path):
    """Report an error making or listing `folder` as being about `folder` (not a random temporary name)."""
    try:
        yield
    except FileExistsError:  # a parent that is a file
        raise NotADirectoryError(20, "a file is in the way of this folder", str(_first_file(folder))) from None
    except OSError as e:
        raise type(e)(e.errno, e.strerror, str(folder)) from None


def _first_file(folder: Path) -> Path:
    for p in [*reversed(folder.parents), folder]:
        if p.exists() and not p.is_dir():
            return p
    return folder


def _as_os_error(e: BaseException, target: Path) -> OSError | None:
    """A write error as an OSError naming the folder being written: the OS's errors raised without a
    file name (write() on a full disk) and libraries' wrapped ones (safetensors: "... (os error 28)")."""
    if isinstance(e, OSError):
        return None if e.filename is not None else type(e)(e.errno, e.strerror or str(e), str(target))
    if isinstance(e, (KeyboardInterrupt, SystemExit)) or type(e).__module__.startswith("characterkit"):
        return None
    m = re.search(r"os error (\d+)", str(e))
    if m:
        return OSError(int(m[1]), os.strerror(int(m[1])), str(target))
    if "No space left on device" in str(e) or "file write failed" in str(e):
        return OSError(28, os.strerror(28), str(target))
    return None


def _swap(tmp: Path, target: Path) -> None:
    if os.path.lexists(target) and os.environ.get(SWAP_ENV) != "rename" and _exchange(tmp, target):
        _fault("after-exchange")
        shutil.rmtree(tmp, ignore_errors=True)  # now the previous folder
        return
    old = None
    if os.path.lexists(target):
        old = target.parent / f".{target.name}.old.{os.getpid()}"
        os.replace(target, old)
        _fault("between-renames")
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)  # put the previous folder back under its name
        raise
    _fault("after-renames")
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _carry_user_entries(old: Path, new: Path, owned) -> None:
    """Link (else copy) into `new` what the user added to the `old` characterkit folder."""
    foreign = foreign_entries(old, owned)
    if foreign is None:  # legacy folder: keep everything the new output does not rewrite
        foreign = [e for e in os.listdir(old) if e != MARKER and not any(fnmatch.fnmatch(e, p) for p in owned)
                   and not os.path.lexists(new / e)]
    for name in foreign:
        dest = new / name
        while os.path.lexists(dest):
            dest = dest.with_name(dest.name + ".user")
        _link_or_copy(old / name, dest)


def _link_or_copy(src: Path, dst: Path) -> None:
    def link(s, d, **_):
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True, copy_function=link)
    else:
        link(src, dst)


@contextlib.contextmanager
def writing(folder: str | os.PathLike, keep=None):
    """A block that writes into `folder` in place (the Trainer's checkpoints): a disk error becomes an
    OSError naming the folder, and a failed block (or Ctrl-C) leaves no folder it created holding
    nothing of use. keep(folder) -> the paths worth keeping (complete checkpoints, for --resume);
    everything else the failed block wrote there is removed."""
    folder = Path(folder)
    existed = folder.exists()
    try:
        yield
    except BaseException as e:
        if not existed and folder.is_dir():
            kept = set(keep(folder)) if keep else set()
            for path in folder.iterdir():
                if path not in kept:
                    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
        disk_error = _as_os_error(e, folder)
        if disk_error is not None:
            raise disk_error from None
        raise


def copy_files(pairs) -> list[Path]:
    """Copy each (src, dst) so that either every dst is written or none is changed: every copy is
    first made beside its dst, then all are renamed into place (a rename failing midway puts the
    files it replaced back)."""
    staged, done, made = [], [], []
    try:
        for src, dst in pairs:
            dst = Path(dst)
            made += [p for p in reversed([dst.parent, *dst.parent.parents]) if not p.exists() and p not in made]
            dst.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
            os.close(fd)
            staged.append((Path(tmp), dst))
            shutil.copyfile(src, tmp)
            os.chmod(tmp, 0o666 & ~_umask())
        for tmp, dst in staged:
            backup = None
            if dst.exists():
                backup = dst.with_name(f".{dst.name}.{os.getpid()}.bak")
                os.link(dst, backup)
            os.replace(tmp, dst)
            done.append((dst, backup))
    except BaseException:
        for dst, backup in reversed(done):
            with contextlib.suppress(OSError):
                os.replace(backup, dst) if backup else os.unlink(dst)
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for folder in reversed(made):  # the folders made for the copies, deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    finally:
        for _, backup in done:
            if backup is not None:
                with contextlib.suppress(OSError):
                    os.unlink(backup)
    return [dst for _, dst in staged]
