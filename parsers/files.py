"""Finding the logs that matter in folders, collected-log bundles and zips.

A client's ``CCM\\Logs`` holds 200 files, of which a dozen tell the update story; a folder of
collected logs has one subfolder per machine. Discovery keeps the known ConfigMgr, Windows
Update, WSUS and IIS logs (and their rolled ``.lo_`` / ``-YYYYMMDD-HHMMSS`` siblings), remembers
which machine (host) each belongs to (:mod:`sumtrace.parsers.hosts`), and reports unreadable paths
without stopping.
"""

from __future__ import annotations

import lzma
import os
import re
import stat as stat_mod
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sumtrace.parsers.entry import Entry
from sumtrace.parsers.hosts import host_of, machine_in
from sumtrace.parsers.stream import RecordParser

CLIENT_LOGS = frozenset({
    "scanagent", "wuahandler", "updatesdeployment", "updateshandler", "updatesstore", "statemessage",
    "locationservices", "ccmmessaging", "policyagent", "policyevaluator", "policyagentprovider", "cas",
    "contenttransfermanager", "datatransferservice", "servicewindowmanager", "rebootcoordinator",
    "sdmagent", "ciagent", "deltadownload", "alternatehandler", "ccmexec", "clientlocation",
    "windowsupdate", "fspstatemessage", "ccmnotificationagent", "scnotify", "reportingevents",
})
MP_LOGS = frozenset({"mp_location", "mp_relay", "mp_policy", "mpfdm", "mp_getpolicy", "mpcontrol",
                     "mp_status", "mp_framework"})
SERVER_LOGS = frozenset({"wsyncmgr", "wcm", "wsusctrl", "supsetup", "statesys", "smsdbmon", "policypv",
                         "objreplmgr", "sms_isvupdates_syncagent", "patchdownloader", "softwaredistribution",
                         "change"})
KNOWN_LOGS = CLIENT_LOGS | MP_LOGS | SERVER_LOGS

_ROLLED = re.compile(r"-\d{8}-\d{6}$")
_IIS_NAME = re.compile(r"^(u_)?(ex|in|nc)\d{6,8}(_x)?$")
LOG_SUFFIXES = (".log", ".lo_")


def base_name(filename: str) -> str:
    """``ScanAgent-20131014-091925.log`` / ``ScanAgent.lo_`` / ``ScanAgent.log`` → ``scanagent``."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for suffix in LOG_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return _ROLLED.sub("", name)


def is_iis_log(filename: str) -> bool:
    return bool(_IIS_NAME.match(base_name(filename)))


_PREFIXED = re.compile(r"[_\-. @]+(" + "|".join(sorted(KNOWN_LOGS, key=len, reverse=True)) + r")$")


def known_base(filename: str) -> str | None:
    """The known log a file is, also when collection tools prefixed it (``PC01_ScanAgent.log``)."""
    base = base_name(filename)
    if base in KNOWN_LOGS:
        return base
    m = _PREFIXED.search(base)
    return m.group(1) if m else None


def is_known_log(filename: str) -> bool:
    """One of the logs on the software-update path (by name, whatever its rotation suffix)."""
    return known_base(filename) is not None or is_iis_log(filename)


def is_rolled(filename: str) -> bool:
    low = filename.lower()
    return low.endswith(".lo_") or bool(_ROLLED.search(base_name_keep_stamp(low)))


def base_name_keep_stamp(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in LOG_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


# Size limits for zip bundles, checked on the sizes the archive declares (``zipfile`` never
# inflates a member past its declared size, so they also hold for a lying archive). A collected
# ConfigMgr log is at most a few hundred MB (IIS logs); a 1 MB zip bomb declares gigabytes.
MAX_MEMBER_BYTES = 1 << 30  # one member, uncompressed
MAX_ARCHIVE_BYTES = 4 << 30  # every member read from one archive, uncompressed
MAX_MEMBER_RATIO = 400  # uncompressed / compressed, above 16 MB: logs compress 10-50 times, zeros 1,030
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
_BINARY = getattr(os, "O_BINARY", 0)


class SourceError(OSError):
    """A file or zip member that cannot be read; costs that source only (its message is the reason)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.strerror = message


def not_regular(st: os.stat_result) -> str | None:
    """Why a path (stat-ed through symlinks) is no log file to read, or None for a regular file."""
    mode = st.st_mode
    if stat_mod.S_ISREG(mode):
        return None
    kind = ("a folder" if stat_mod.S_ISDIR(mode) else "a named pipe (FIFO)" if stat_mod.S_ISFIFO(mode)
            else "a device" if stat_mod.S_ISCHR(mode) or stat_mod.S_ISBLK(mode)
            else "a socket" if stat_mod.S_ISSOCK(mode) else "not a regular file")
    return f"not a regular file ({kind}); skipped"


def open_regular(path: str) -> int:
    """A read-only descriptor on ``path``, refused (:class:`SourceError`) unless it is a regular file.

    The check is made on the open descriptor (``fstat``), so a path swapped for a FIFO or a device
    after discovery is refused too; opening does not block on a FIFO without a writer.
    """
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | _BINARY)
    try:
        why = not_regular(os.fstat(fd))
    except OSError:
        os.close(fd)
        raise
    if why:
        os.close(fd)
        raise SourceError(why)
    return fd


def read_regular(path: str, offset: int, size: int) -> bytes:
    """``size`` bytes of a regular file from ``offset``; no handle outlives the call."""
    fd = open_regular(path)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        parts: list[bytes] = []
        left = size
        while left > 0:
            data = os.read(fd, min(left, 1 << 20))
            if not data:
                break
            parts.append(data)
            left -= len(data)
        return b"".join(parts)
    finally:
        os.close(fd)


class ZipBundle:
    """One ``.zip`` bundle, opened once and shared by all its members' sources.

    Opening a ``ZipFile`` reads the whole central directory, so opening it once per member made
    a bundle of n entries cost n² (2,000 tiny entries: 64 s and 2 GB). ``zipfile`` lets several
    members be read at once from one ``ZipFile`` (the merge of ``parse`` does that).
    """

    def __init__(self, path: str, zf: zipfile.ZipFile | None = None) -> None:
        self.path = path
        self.zf: zipfile.ZipFile | None = zf
        self.budget = MAX_ARCHIVE_BYTES  # uncompressed bytes still allowed to be read from it

    def open(self) -> zipfile.ZipFile:
        if self.zf is None:
            fd = open_regular(self.path)
            self.zf = zipfile.ZipFile(os.fdopen(fd, "rb"))
        return self.zf

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()
            self.zf = None


def member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member cannot be read, as far as the central directory tells, or None."""
    if info.flag_bits & 0x1:
        return "encrypted (password-protected members are not read)"
    if info.compress_type not in _ZIP_METHODS:
        return f"compression method {info.compress_type} is not supported"
    if info.file_size > MAX_MEMBER_BYTES:
        return (f"{info.file_size:,} bytes uncompressed, over the limit of {MAX_MEMBER_BYTES:,} per zip member")
    if info.file_size > 16 << 20 and info.file_size > MAX_MEMBER_RATIO * max(info.compress_size, 1):
        return (f"expands {info.file_size // max(info.compress_size, 1):,} times ({info.compress_size:,} to "
                f"{info.file_size:,} bytes), over the limit of {MAX_MEMBER_RATIO:,} (a zip bomb?)")
    return None


# What reading a damaged member raises: a bad CRC or header (BadZipFile), a password or a
# method zipfile lacks (RuntimeError, NotImplementedError), corrupt compressed data (zlib.error
# and friends, EOFError).
_MEMBER_ERRORS: tuple[type[BaseException], ...] = (zipfile.BadZipFile, RuntimeError, NotImplementedError,
                                                   EOFError, ValueError, zlib.error, lzma.LZMAError)


@dataclass(slots=True)
class LogSource:
    """One file to read: on disk, or a member of a zip bundle."""

    path: str
    host_hint: str
    zip_path: str | None = None
    member: str | None = None
    bias: int | None = field(default=None)
    bundle: ZipBundle | None = field(default=None, repr=False)

    def chunks(self, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The bytes, in chunks. A file that is not a regular one, or a member that cannot be read,
        raises :class:`SourceError` (an ``OSError``) with the reason."""
        if self.zip_path is None:
            offset = 0
            while True:  # open, read, close: ConfigMgr renames its logs while we read them
                data = read_regular(self.path, offset, chunk_size)
                if not data:
                    return
                offset += len(data)
                yield data
        yield from self._member_chunks(chunk_size)

    def _member_chunks(self, chunk_size: int, *, count: bool = True) -> Iterator[bytes]:
        bundle = self.bundle or ZipBundle(self.zip_path or "")
        try:
            zf = bundle.open()
            info = zf.getinfo(self.member or "")
            why = member_problem(info)
            if why:
                raise SourceError(why)
            if count:
                if info.file_size > bundle.budget:
                    raise SourceError(f"over the limit of {MAX_ARCHIVE_BYTES:,} bytes read from one zip bundle; skipped")
                bundle.budget -= info.file_size
            with zf.open(info) as fh:
                while True:
                    data = fh.read(chunk_size)
                    if not data:
                        return
                    yield data
        except SourceError:
            raise
        except KeyError:
            raise SourceError("no longer in the zip bundle") from None
        except _MEMBER_ERRORS as exc:
            raise SourceError(f"cannot read this zip member ({exc})") from None
        finally:
            if self.bundle is None:
                bundle.close()

    def head_tail(self, size: int = 65536) -> bytes:
        """The last ``size`` bytes (where the newest bias is), for host-bias detection.

        A zip member cannot seek, so it is streamed through keeping only the last ``size`` bytes
        (memory stays bounded whatever the member expands to).
        """
        if self.zip_path is None:
            fd = open_regular(self.path)
            try:
                end = os.fstat(fd).st_size
                os.lseek(fd, max(0, end - size), os.SEEK_SET)
                return os.read(fd, size)
            finally:
                os.close(fd)
        tail = b""
        for chunk in self._member_chunks(1 << 20, count=False):  # the bias pass is not a read
            tail = (tail + chunk)[-size:]
        return tail


@dataclass(slots=True)
class Discovery:
    sources: list[LogSource]
    errors: list[str]


def _wanted(name: str, all_logs: bool) -> bool:
    if all_logs:
        return name.lower().endswith(LOG_SUFFIXES)
    return is_known_log(name)


def refused(path: str) -> str | None:
    """Why ``path`` is not read (not a regular file, through symlinks, or it cannot be stat-ed), or None.

    The one check for discovery (``parse``/``report``/``replay`` here, ``watch`` in
    :mod:`sumtrace.live.discovery`); reads check the open descriptor again (:func:`open_regular`).
    """
    try:
        return not_regular(os.stat(path))
    except OSError as exc:
        return exc.strerror or str(exc)


def discover(paths: Iterable[str], *, all_logs: bool = False) -> Discovery:
    """Expand files, folders (recursively) and ``.zip`` bundles into log sources.

    Files named explicitly are always read; inside folders and zips only the known update-path
    logs are (every ``*.log``/``*.lo_`` with ``all_logs``).
    """
    sources: list[LogSource] = []
    errors: list[str] = []
    for raw in paths:
        path = os.path.expanduser(raw)
        if not os.path.exists(path):
            errors.append(f"{raw}: no such file or directory")
            continue
        if os.path.isdir(path):
            found = False
            for dirpath, dirnames, filenames in os.walk(path, onerror=lambda e: errors.append(f"{e.filename}: {e.strerror}")):
                dirnames.sort()
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    is_zip = name.lower().endswith(".zip")
                    if not is_zip and not _wanted(name, all_logs):
                        continue
                    why = refused(full)
                    if why:
                        errors.append(f"{full}: {why}")
                    elif is_zip:
                        found |= _add_zip(full, sources, errors, all_logs)
                    else:
                        sources.append(LogSource(full, host_of(full)))
                        found = True
            if not found:
                errors.append(f"{raw}: no known ConfigMgr/Windows Update logs in this folder (use --all-logs to read every *.log)")
        elif why := refused(path):
            errors.append(f"{raw}: {why}")
        elif path.lower().endswith(".zip"):
            _add_zip(path, sources, errors, all_logs)
        else:
            if not os.access(path, os.R_OK):
                errors.append(f"{raw}: permission denied")
                continue
            sources.append(LogSource(path, host_of(path)))
    split_prefixed_hosts(sources)
    assign_host_bias(sources)
    return Discovery(sources, errors)


def collection_prefix(filename: str) -> str:
    """``PC01_ScanAgent.log`` → ``PC01``: the prefix a collection tool put before a known log's name.

    A rolled generation has its machine's prefix too (``PC01_ScanAgent-20140120-171803.log``).
    """
    base = _ROLLED.sub("", base_name_keep_stamp(filename.replace("\\", "/").rsplit("/", 1)[-1]))
    m = _PREFIXED.search(base.lower())
    return base[: m.start()].rstrip("_-. @") if m else ""


def split_prefixed_hosts(sources: list[LogSource]) -> None:
    """A folder whose logs carry different collection prefixes holds several machines' logs.

    Collection tools name files after their machine (``PC01_ScanAgent.log``,
    ``PC02_WindowsUpdate.log``); when one folder holds more than one such prefix, each prefix is
    a host of its own, so one machine's WindowsUpdate.log never joins another's scans or borrows
    its time zone. A folder with one prefix (or none) stays one host.
    """
    by_folder: dict[str, list[LogSource]] = {}
    for src in sources:
        key = src.zip_path + "!" + os.path.dirname(src.member or "") if src.zip_path else os.path.dirname(src.path)
        by_folder.setdefault(key, []).append(src)
    for group in by_folder.values():
        prefixes = {collection_prefix(src.member or src.path) for src in group}
        if len(prefixes - {""}) < 2:
            continue
        for src in group:
            prefix = collection_prefix(src.member or src.path)
            if prefix:
                src.host_hint = prefix


def _add_zip(path: str, sources: list[LogSource], errors: list[str], all_logs: bool) -> bool:
    """The wanted members of one bundle as sources sharing one open archive.

    Members that cannot be read (encrypted, an unknown compression method, over a size limit) are
    reported here, one line each, and skipped; the rest of the bundle is read.
    """
    bundle = ZipBundle(path)
    try:
        infos = sorted((i for i in bundle.open().infolist() if not i.is_dir()), key=lambda i: i.filename)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        bundle.close()
        errors.append(f"{path}: cannot open zip bundle ({getattr(exc, 'strerror', None) or exc})")
        return False
    stem = os.path.splitext(os.path.basename(path))[0]
    found = False
    for info in infos:
        name = info.filename
        if not _wanted(name.rsplit("/", 1)[-1], all_logs):
            continue
        why = member_problem(info)
        if why:
            errors.append(f"{path}!{name}: {why}; skipped")
            continue
        *folders, filename = name.split("/")
        host = machine_in([f for f in folders if f], filename, stem, bundle=True)  # logs at its top: the bundle
        sources.append(LogSource(f"{path}!{name}", host, zip_path=path, member=name, bundle=bundle))
        found = True
    if not found:
        bundle.close()
    return found


# A CMTrace ``time="…+300"`` or an SMS-trace ``<05-18-2024 21:22:59.243+420><thread=`` stamp.
_BIAS_PATTERN = (r'(?:time="\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d{1,7})?([+-]-?\d{1,4})"'
                 r'|<\d{1,2}-\d{1,2}-\d{4} \d{1,2}:\d{1,2}:\d{1,2}(?:\.\d{1,7})?([+-]-?\d{1,4})><thread=)')
_BIAS_IN_TAIL = re.compile(_BIAS_PATTERN.encode())
_BIAS_IN_TAIL16 = re.compile(_BIAS_PATTERN)


def bias_from_bytes(data: bytes) -> int | None:
    """The newest bias found in a chunk of a CMTrace or SMS-trace log (UTF-8 or UTF-16).

    Both write the machine's Windows bias in every record, so they give the zone of the
    machine's zone-less logs (WindowsUpdate.log, SUPSetup.log).
    """
    found = _BIAS_IN_TAIL.findall(data)
    if not found and b"\x00" in data:
        for enc in ("utf-16-le", "utf-16-be"):
            text = data[len(data) % 2:].decode(enc, "replace") if enc.endswith("le") else data.decode(enc, "replace")
            f16 = _BIAS_IN_TAIL16.findall(text)
            if f16:
                return _bias_value(f16[-1][0] or f16[-1][1])
        return None
    if not found:
        return None
    cm, sms = found[-1]
    return _bias_value((cm or sms).decode())


def _bias_value(text: str) -> int:
    return int(text[2:]) if text.startswith("+-") else int(text)


_ZONELESS_OR_UTC = frozenset({"windowsupdate", "softwaredistribution", "change", "reportingevents"})


def assign_host_bias(sources: list[LogSource]) -> None:
    """Give every source the Windows bias of its machine's CMTrace logs: those in the same folder
    first, else those of the same host in another folder.

    WindowsUpdate.log (Windows 10 format, or legacy lines before a banner), role setup logs
    (SUPSetup.log) and zone-less CMTrace writers have no zone of their own; the machine's
    ConfigMgr logs (CMTrace or SMS trace) do. On a live machine they are in another folder
    (``C:\\Windows\\WindowsUpdate.log`` beside ``C:\\Windows\\CCM\\Logs``), which the host tells.
    """
    by_folder: dict[str, list[LogSource]] = {}
    for src in sources:
        key = src.zip_path + "!" + os.path.dirname(src.member or "") if src.zip_path else os.path.dirname(src.path)
        by_folder.setdefault(key + "|" + src.host_hint, []).append(src)  # one folder of one host
    biases: dict[str, int | None] = {}
    for key, group in by_folder.items():
        bias: int | None = None
        for src in group:
            if (known_base(src.path) or base_name(src.path)) not in _ZONELESS_OR_UTC and not is_iis_log(src.path):
                try:
                    bias = bias_from_bytes(src.head_tail())
                except OSError:
                    continue
                if bias is not None:
                    break
        biases[key] = bias
    by_host: dict[str, int] = {}
    for key, bias in biases.items():
        if bias is not None:
            by_host.setdefault(by_folder[key][0].host_hint, bias)
    for key, group in by_folder.items():
        bias = biases[key]
        for src in group:
            src.bias = bias if bias is not None else by_host.get(src.host_hint)


def read_source(src: LogSource, stats: dict[str, Any], errors: list[str]) -> Iterator[Entry]:
    """Stream one source's entries; a read error is reported and ends only this source.

    When the stream ends, ``stats`` holds the file's summary as ``report --json`` lists it: path,
    host, dominant format, entries, unparsed and encoding.
    """
    parser = RecordParser(src.path, host_bias=src.bias)
    formats: Counter[str] = Counter()

    def counted(batch: list[Entry]) -> list[Entry]:
        formats.update(e.format for e in batch)
        return batch

    try:
        for chunk in src.chunks():
            yield from counted(parser.feed(chunk))
    except OSError as exc:
        errors.append(f"{src.path}: {exc.strerror or exc}")
    yield from counted(parser.flush())
    parsed = [f for f, _ in formats.most_common() if f != "plain"]
    stats.update(path=src.path, host=src.host_hint,
                 format=parsed[0] if parsed else ("plain" if formats else "empty"),
                 entries=parser.entries, unparsed=parser.unparsed, encoding=parser.encoding or "empty")
