"""Finding the logs that matter in folders, collected-log bundles and zips.

A client's ``CCM\\Logs`` holds 200 files, of which a dozen tell the update story; a folder of
collected logs has one subfolder per machine. Discovery keeps the known ConfigMgr, Windows
Update, WSUS and IIS logs (and their rolled ``.lo_`` / ``-YYYYMMDD-HHMMSS`` siblings), remembers
which folder (= which host) each came from, and reports unreadable paths without stopping.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sumtrace.parsers.entry import Entry
from sumtrace.parsers.stream import RecordParser, iter_chunks

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


@dataclass(slots=True)
class LogSource:
    """One file to read: on disk, or a member of a zip bundle."""

    path: str
    host_hint: str
    zip_path: str | None = None
    member: str | None = None
    bias: int | None = field(default=None)

    def chunks(self, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        if self.zip_path is None:
            yield from iter_chunks(self.path, chunk_size)
            return
        with zipfile.ZipFile(self.zip_path) as zf, zf.open(self.member or "") as fh:
            while True:
                data = fh.read(chunk_size)
                if not data:
                    return
                yield data

    def head_tail(self, size: int = 65536) -> bytes:
        """The last ``size`` bytes (where the newest bias is), for host-bias detection."""
        if self.zip_path is None:
            with open(self.path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                end = fh.tell()
                fh.seek(max(0, end - size))
                return fh.read()
        with zipfile.ZipFile(self.zip_path) as zf:
            data = zf.read(self.member or "")
        return data[-size:]


@dataclass(slots=True)
class Discovery:
    sources: list[LogSource]
    errors: list[str]


def host_of(path: str, root: str) -> str:
    """The machine a file belongs to: its folder's name (a bundle has one folder per machine)."""
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if parent.lower() == "logs":
        grand = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path))))
        if grand and grand.lower() not in ("ccm", "sms_ccm", "windows"):
            return grand
    return parent or os.path.basename(root)


def _wanted(name: str, all_logs: bool) -> bool:
    if all_logs:
        return name.lower().endswith(LOG_SUFFIXES)
    return is_known_log(name)


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
                    if name.lower().endswith(".zip"):
                        found |= _add_zip(full, sources, errors, all_logs)
                    elif _wanted(name, all_logs):
                        sources.append(LogSource(full, host_of(full, path)))
                        found = True
            if not found:
                errors.append(f"{raw}: no known ConfigMgr/Windows Update logs in this folder (use --all-logs to read every *.log)")
        elif path.lower().endswith(".zip"):
            _add_zip(path, sources, errors, all_logs)
        else:
            if not os.access(path, os.R_OK):
                errors.append(f"{raw}: permission denied")
                continue
            sources.append(LogSource(path, host_of(path, os.path.dirname(path) or ".")))
    split_prefixed_hosts(sources)
    assign_host_bias(sources)
    return Discovery(sources, errors)


def collection_prefix(filename: str) -> str:
    """``PC01_ScanAgent.log`` → ``PC01``: the prefix a collection tool put before a known log's name."""
    base = base_name_keep_stamp(filename.replace("\\", "/").rsplit("/", 1)[-1])
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
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(n for n in zf.namelist() if not n.endswith("/"))
    except (OSError, zipfile.BadZipFile) as exc:
        errors.append(f"{path}: cannot open zip bundle ({exc})")
        return False
    stem = os.path.splitext(os.path.basename(path))[0]
    found = False
    for name in names:
        if not _wanted(name.rsplit("/", 1)[-1], all_logs):
            continue
        parts = name.split("/")
        host = parts[-2] if len(parts) > 1 else stem
        if host.lower() == "logs":  # a collected Logs folder: the machine is the folder above, else the bundle
            host = parts[-3] if len(parts) > 2 else stem
        sources.append(LogSource(f"{path}!{name}", host, zip_path=path, member=name))
        found = True
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
    """Give every source the Windows bias of CMTrace logs in the same folder, when there are any.

    WindowsUpdate.log (Windows 10 format, or legacy lines before a banner), role setup logs
    (SUPSetup.log) and zone-less CMTrace writers have no zone of their own; the machine's
    ConfigMgr logs (CMTrace or SMS trace) in the same folder do.
    """
    by_folder: dict[str, list[LogSource]] = {}
    for src in sources:
        key = src.zip_path + "!" + os.path.dirname(src.member or "") if src.zip_path else os.path.dirname(src.path)
        by_folder.setdefault(key + "|" + src.host_hint, []).append(src)  # one machine: one folder and one host
    for group in by_folder.values():
        bias: int | None = None
        for src in group:
            if (known_base(src.path) or base_name(src.path)) not in _ZONELESS_OR_UTC and not is_iis_log(src.path):
                try:
                    bias = bias_from_bytes(src.head_tail())
                except OSError:
                    continue
                if bias is not None:
                    break
        for src in group:
            src.bias = bias


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
