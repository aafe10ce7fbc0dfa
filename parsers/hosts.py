"""Which machine a log file belongs to: the one host rule of ``parse``, ``report``, ``replay`` and ``watch``.

A host is a machine, and its id (in flow ids, JSON ``host``, the TUI's selection) is given once,
from where the logs are, and never changes; a name the logs say later (the NetBIOS name in a
state message) is only shown (``host_name``). The id comes from the path:

* **A machine's own log locations** (``C:\\Windows\\CCM\\Logs``, ``C:\\Windows\\WindowsUpdate.log``,
  ``<drive>:\\SMS_CCM\\Logs``, ``…\\Microsoft Configuration Manager\\Logs``, ``…\\Update
  Services\\LogFiles``, ``inetpub\\logs\\LogFiles\\W3SVC1``) belong to the machine that owns the
  folder above them: a drive root is **this computer** (:func:`local_machine`), a UNC drive share
  (``\\\\PC01\\C$``) is that server, and any other folder is a collected copy named after it
  (``D:\\collected\\PC01\\Windows\\CCM\\Logs`` → ``PC01``). So ``watch C:\\Windows\\CCM\\Logs
  C:\\Windows\\WindowsUpdate.log`` is one host, and the scan keeps its WUA search step.
* **Collected logs** anywhere else: the folder they are in (``D:\\collected\\PC01`` → ``PC01``),
  or the folder above a ``Logs`` folder, or a zip bundle's name when its logs sit at its top.

``watch`` adds one rule of its own (see :mod:`sumtrace.live.discovery`): what it follows is live on
this computer, so a watched file, and every log of a watched folder that holds logs itself, is
this computer's whatever the folders are called; only a watched folder of per-machine subfolders
is a collection. Collection prefixes (``PC01_ScanAgent.log`` beside ``PC02_ScanAgent.log``) split a
folder into machines everywhere (:func:`sumtrace.parsers.files.split_prefixed_hosts`).

Windows paths are parsed as Windows paths on any system (``ntpath``), so the rule is tested on Linux.
"""

from __future__ import annotations

import fnmatch
import ntpath
import os
import posixpath
import re
import socket
from collections.abc import Sequence
from functools import lru_cache
from types import ModuleType

__all__ = ["host_of", "local_machine", "location_machine", "machine_in", "path_parts", "root_machine"]

_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\[^\\/]+[\\/][^\\/]+)")
_DRIVE_SHARE = re.compile(r"^[A-Za-z]\$$")  # \\PC01\C$: a machine's drive, not a folder of collected logs
_DRIVE_FOLDER = re.compile(r"^[A-Za-z]\$?$")  # D:\collected\PC01\C\Windows\CCM\Logs: a copied drive's letter

# Where a machine writes its own update-path logs, as folder names from its drive root down
# (lower case; ``*`` as in fnmatch). Matched against the end of a file's folders, longest first;
# "program files" also stands for "program files (x86)".
_SYSTEM_LOCATIONS: tuple[tuple[str, ...], ...] = tuple(sorted((
    ("windows", "ccm", "logs"),
    ("windows", "ccmsetup", "logs"),
    ("windows", "softwaredistribution"),  # ReportingEvents.log
    ("windows", "logs"),
    ("sms_ccm", "logs"),
    ("program files", "sms_ccm", "logs"),
    ("program files", "microsoft configuration manager", "logs"),
    ("microsoft configuration manager", "logs"),
    ("program files", "update services", "logfiles"),
    ("update services", "logfiles"),
    ("inetpub", "logs", "logfiles", "w3svc*"),
    ("ccm", "logs"),
    ("ccmsetup", "logs"),
), key=len, reverse=True))
_WINDIR_LOGS = frozenset({"windowsupdate.log"})  # written straight into %windir%


@lru_cache(maxsize=1)
def local_machine() -> str:
    """This computer's name as Windows shows it: the NetBIOS-style short name, upper case.

    ``COMPUTERNAME`` (set on Windows, and settable elsewhere) wins over the host name; the DNS
    suffix is dropped and the name cut at NetBIOS's 15 characters, so it matches the NetBIOS
    name ConfigMgr writes in its state messages.
    """
    name = os.environ.get("COMPUTERNAME") or socket.gethostname() or ""
    short = name.strip().split(".")[0].upper()[:15]
    return short or "LOCALHOST"


def _flavour(path: str) -> ModuleType:
    return ntpath if os.name == "nt" or _WINDOWS_PATH.match(path) else posixpath


def path_parts(path: str) -> tuple[str | None, list[str], str]:
    """``(owner, folders, file name)`` of an absolute path.

    ``owner`` is who owns the path's root when that root is a machine's drive: ``""`` for this
    computer's (``C:\\``, ``/``), the server for a UNC drive share (``\\\\PC01\\C$``), and None for
    any other UNC share (``\\\\files\\collected``), whose name then counts as the first folder.
    """
    mod = _flavour(path)
    full = mod.normpath(path) if mod is ntpath and _WINDOWS_PATH.match(path) else mod.abspath(path)
    drive, rest = mod.splitdrive(full)
    names = [p for p in re.split(r"[\\/]", rest) if p and p != "."]
    filename = names.pop() if names else ""
    owner: str | None = ""
    if drive.startswith(("\\\\", "//")):
        server, _, share = drive[2:].replace("/", "\\").partition("\\")
        if _DRIVE_SHARE.match(share):
            owner = server
        else:
            owner = None
            names.insert(0, share)
    return owner, names, filename


def _matches(folders: Sequence[str], chain: tuple[str, ...]) -> bool:
    n = len(chain)
    if len(folders) < n:
        return False
    for name, pattern in zip(folders[-n:], chain, strict=True):
        low = name.lower()
        if low.startswith("program files"):
            low = "program files"
        if not fnmatch.fnmatchcase(low, pattern):
            return False
    return True


def location_machine(folders: Sequence[str], filename: str) -> tuple[bool, str | None]:
    """Whether ``folders`` end in a machine's own log location, and the folder that names the machine.

    ``(True, None)``: the location starts at the top of ``folders`` (its machine is whoever owns
    that top); ``(True, name)``: a copy under a folder named for its machine; ``(False, None)``: no
    system location.
    """
    chains = _SYSTEM_LOCATIONS + ((("windows",),) if filename.lower() in _WINDIR_LOGS else ())
    for chain in chains:
        if _matches(folders, chain):
            above = list(folders[: len(folders) - len(chain)])
            while above and _DRIVE_FOLDER.match(above[-1]):
                above.pop()  # collected\PC01\C\Windows\...: the letter of a copied drive is not a machine
            return True, (above[-1] if above else None)
    return False, None


def machine_in(folders: Sequence[str], filename: str, top: str, *, bundle: bool = False) -> str:
    """The machine of ``filename`` in ``folders`` (outermost first) of a collection whose top is ``top``.

    ``top`` names whoever owns the outermost level: this computer or a server for a path on disk,
    the bundle's name for a zip member (``bundle``: a ``Logs`` folder at the top of a bundle is
    that bundle's machine's, where ``C:\\Logs`` on a disk says nothing about whose logs it holds).
    """
    system, named = location_machine(folders, filename)
    if system:
        return named or top
    if not folders:
        return top
    parent = folders[-1]
    if parent.lower() == "logs" and (len(folders) > 1 or bundle):
        return folders[-2] if len(folders) > 1 else top  # a collected Logs folder: the machine is above it
    return parent


def root_machine(path: str, local: str | None = None) -> str | None:
    """The machine a path lives on when it is read live: this computer, or a UNC path's server.

    None for a share that is not a drive (``\\\\files\\collected``): it is somebody's collection.
    """
    owner, _, _ = path_parts(path)
    if owner is None:
        return None
    return owner or (local or local_machine())


def host_of(path: str, local: str | None = None) -> str:
    """The host (machine) a log file on disk belongs to when read as collected logs (see the module docstring)."""
    owner, folders, filename = path_parts(path)
    if owner is None:  # a UNC share of collected logs: its name is the outermost folder
        return machine_in(folders[1:], filename, folders[0]) if folders else "unknown"
    return machine_in(folders, filename, owner or (local or local_machine()))
