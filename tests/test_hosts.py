"""Hosts are machines (issue 12): one host rule for parse, report, replay and watch.

A machine's own log locations belong to the machine that owns the drive they are on (this
computer for a local drive, the server of a UNC drive share), whatever folders they sit in; a
collection gives one host per machine folder; ``watch`` follows live logs, so everything a
watched file or log folder holds is this computer's. A name the logs say later (the NetBIOS name
in a state message) is shown as ``host_name`` and never changes the host's id.
"""

from __future__ import annotations

import asyncio
import shutil
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sumtrace.flows.model import Flow, FlowEvent
from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.preload import preload
from sumtrace.parsers.files import discover
from sumtrace.parsers.hosts import host_of, local_machine, root_machine
from tests.conftest import FIXTURES
from tests.livekit import Harness

CLIENT = FIXTURES / "healthy-first-scan" / "client"
# A Windows 10 client: its WindowsUpdate.log (Get-WindowsUpdateLog) has no zone of its own, so it
# takes the bias of the machine's CMTrace logs, which live in another folder.
WIN10 = FIXTURES / "win10-wulog" / "client"
NETBIOS = "PS1WIN7X64"  # what the fixture's state messages say


@pytest.fixture
def this_computer(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This computer's name, fixed (COMPUTERNAME is how Windows says it; it wins everywhere)."""
    monkeypatch.setenv("COMPUTERNAME", "admin-ws7.corp.example")
    local_machine.cache_clear()
    yield "ADMIN-WS7"
    local_machine.cache_clear()


def test_local_machine_is_the_netbios_style_short_name(this_computer: str) -> None:
    assert local_machine() == this_computer


# ------------------------------------------------------------------------------------ the path rule

@pytest.mark.parametrize(("path", "host"), [
    # a machine's own log locations, on this computer's drives
    (r"C:\Windows\CCM\Logs\ScanAgent.log", "HERE"),
    (r"C:\Windows\WindowsUpdate.log", "HERE"),
    (r"c:\windows\ccm\logs\ScanAgent-20140120-171803.log", "HERE"),
    (r"C:\Windows\SoftwareDistribution\ReportingEvents.log", "HERE"),
    (r"D:\Program Files\Microsoft Configuration Manager\Logs\WCM.log", "HERE"),
    (r"C:\Program Files (x86)\Microsoft Configuration Manager\Logs\wsyncmgr.log", "HERE"),
    (r"C:\SMS_CCM\Logs\MP_Location.log", "HERE"),
    (r"C:\Program Files\Update Services\LogFiles\SoftwareDistribution.log", "HERE"),
    (r"C:\inetpub\logs\LogFiles\W3SVC1\u_ex140120.log", "HERE"),
    # ... on another machine's drive share
    (r"\\PC02\C$\Windows\CCM\Logs\ScanAgent.log", "PC02"),
    (r"\\PC02\C$\Windows\WindowsUpdate.log", "PC02"),
    # ... copied under a folder named for their machine
    (r"D:\collected\PC01\Windows\CCM\Logs\ScanAgent.log", "PC01"),
    (r"D:\collected\PC01\Windows\WindowsUpdate.log", "PC01"),
    (r"D:\collected\PC01\C\Windows\CCM\Logs\ScanAgent.log", "PC01"),
    (r"D:\collected\PC01\CCM\Logs\ScanAgent.log", "PC01"),
    (r"\\files\collected\PC03\SMS_CCM\Logs\MP_Location.log", "PC03"),
    # collected logs elsewhere: the folder, or the folder above a Logs folder
    (r"D:\collected\PC01\ScanAgent.log", "PC01"),
    (r"D:\collected\PC01\Logs\ScanAgent.log", "PC01"),
    (r"\\files\collected\PC03\ScanAgent.log", "PC03"),
    (r"\\files\PC04\ScanAgent.log", "PC04"),
    (r"C:\Logs\ScanAgent.log", "Logs"),  # not a ConfigMgr location: nothing says whose they are
    ("/srv/collected/PC05/WUAHandler.log", "PC05"),
    ("/srv/collected/PC05/Logs/WUAHandler.log", "PC05"),
    ("/srv/collected/PC05/Windows/CCM/Logs/WUAHandler.log", "PC05"),
])
def test_host_of_a_path(path: str, host: str) -> None:
    assert host_of(path, local="HERE") == host


def test_live_paths_belong_to_the_machine_they_are_on() -> None:
    assert root_machine(r"D:\collected\PC01", local="HERE") == "HERE"  # watched: live on this computer
    assert root_machine(r"\\PC02\C$\Windows\CCM\Logs", local="HERE") == "PC02"
    assert root_machine(r"\\files\collected", local="HERE") is None  # a share of somebody's collection


# ------------------------------------------------------------------------------------ report / replay

def _machine_layout(top: Path, *, client: Path = WIN10) -> tuple[Path, Path]:
    """A machine's live layout under ``top``: ``Windows/CCM/Logs`` plus ``Windows/WindowsUpdate.log``."""
    logs = top / "Windows" / "CCM" / "Logs"
    logs.mkdir(parents=True)
    for f in client.iterdir():
        if f.name != "WindowsUpdate.log":
            shutil.copy(f, logs / f.name)
    wu = top / "Windows" / "WindowsUpdate.log"
    shutil.copy(client / "WindowsUpdate.log", wu)
    return logs, wu


def _shape(flows: list[Flow]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return sorted((f.kind, f.status, [(s.key, s.status) for s in f.steps]) for f in flows)


def _reference(now: datetime | None = None) -> Tracker:
    """The fixture's client logs read from one folder: what one machine's logs give."""
    ref = Tracker(retention=None)
    assert preload(Pipeline(ref), [str(WIN10)]) == []
    assert ref.newest is not None
    ref.update(now or ref.newest)
    return ref


def test_report_of_a_machines_log_folder_and_its_windowsupdate_log_is_one_host(tmp_path: Path) -> None:
    logs, wu = _machine_layout(tmp_path / "PC01")
    found = discover([str(logs), str(wu)])
    assert found.errors == []
    assert {s.host_hint for s in found.sources} == {"PC01"}
    wu_src = next(s for s in found.sources if s.path == str(wu))
    assert wu_src.bias == 300  # the zone of the machine's CMTrace logs, from the other folder
    tracker = Tracker(retention=None)
    assert preload(Pipeline(tracker), [str(logs), str(wu)]) == []
    assert tracker.newest is not None
    tracker.update(tracker.newest)
    assert _shape(tracker.flows) == _shape(_reference().flows)


def test_collected_bundles_give_one_host_per_machine(tmp_path: Path) -> None:
    bundle = tmp_path / "collected.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.write(CLIENT / "ScanAgent.log", "PC01/CCM/Logs/ScanAgent.log")
        zf.write(CLIENT / "WindowsUpdate.log", "PC01/Windows/WindowsUpdate.log")
        zf.write(CLIENT / "ScanAgent.log", "PC02/Logs/ScanAgent.log")
        zf.write(CLIENT / "ScanAgent.log", "PC03/ScanAgent.log")
    alone = tmp_path / "PC04.zip"
    with zipfile.ZipFile(alone, "w") as zf:
        zf.write(CLIENT / "ScanAgent.log", "Windows/CCM/Logs/ScanAgent.log")
        zf.write(CLIENT / "WindowsUpdate.log", "Windows/WindowsUpdate.log")
    site = tmp_path / "SITE01.zip"  # a site server's Logs folder zipped (the real MEMCM2403 bundle's shape)
    with zipfile.ZipFile(site, "w") as zf:
        zf.write(CLIENT / "ScanAgent.log", "Logs/wsyncmgr.log")
    hosts = {s.member: s.host_hint for s in discover([str(bundle), str(alone), str(site)]).sources}
    assert hosts == {"PC01/CCM/Logs/ScanAgent.log": "PC01", "PC01/Windows/WindowsUpdate.log": "PC01",
                     "PC02/Logs/ScanAgent.log": "PC02", "PC03/ScanAgent.log": "PC03",
                     "Windows/CCM/Logs/ScanAgent.log": "PC04", "Windows/WindowsUpdate.log": "PC04",
                     "Logs/wsyncmgr.log": "SITE01"}


def test_collection_prefixes_still_split_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "collected"
    folder.mkdir()
    shutil.copy(CLIENT / "ScanAgent.log", folder / "PC01_ScanAgent.log")
    shutil.copy(CLIENT / "ScanAgent.log", folder / "PC02_ScanAgent.log")
    shutil.copy(CLIENT / "ScanAgent.log", folder / "PC02_ScanAgent-20140120-171803.log")  # a rolled generation
    assert sorted(s.host_hint for s in discover([str(folder)]).sources) == ["PC01", "PC02", "PC02"]


# ------------------------------------------------------------------------------------ watch

async def test_watch_of_a_log_folder_and_a_windowsupdate_log_elsewhere_is_one_host(
        tmp_path: Path, this_computer: str) -> None:
    """``sumtrace watch C:\\Windows\\CCM\\Logs C:\\Windows\\WindowsUpdate.log``, on a temp layout: the
    logs are this computer's whatever the folders are called, so the scan keeps its WUA search and
    no phantom flow appears."""
    logs, wu = _machine_layout(tmp_path / "anywhere")
    ref = _reference(datetime.now(timezone.utc))
    tracker = Tracker()
    async with Harness([logs, wu], tracker=tracker) as h:
        await h.until(lambda: len(h.entries(wu)) > 0 and any(f.kind == "scan" for f in tracker.flows), 10.0,
                      "the WindowsUpdate.log records and the scan")
        await h.until(lambda: _shape(tracker.flows) == _shape(ref.flows), 10.0,
                      f"the flows of one machine (have {_shape(tracker.flows)})")
    assert {b.host for b in h.batches if b.entries} == {this_computer}
    assert {f.host for f in h.files()} == {this_computer}
    assert {f.host for f in tracker.flows} == {this_computer}
    scan = next(f for f in tracker.flows if f.kind == "scan")
    assert scan.step("wua_search").status == "ok"
    assert not any(f.status == "failed" for f in tracker.flows)
    assert {(e.time_source, e.bias) for e in h.entries(wu)} == {("host-bias", 300)}


async def test_watch_of_a_collection_gives_one_host_per_subfolder_and_prefix(
        tmp_path: Path, this_computer: str) -> None:
    (tmp_path / "PC01").mkdir()
    shutil.copy(CLIENT / "ScanAgent.log", tmp_path / "PC01" / "ScanAgent.log")
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(CLIENT / "ScanAgent.log", shared / "PC02_ScanAgent.log")
    shutil.copy(CLIENT / "ScanAgent.log", shared / "PC03_ScanAgent.log")
    async with Harness([tmp_path]) as h:
        await h.until(lambda: len({b.host for b in h.batches if b.entries}) == 3, 5.0, "three hosts")
        late = tmp_path / "PC04" / "Windows" / "CCM" / "Logs"
        late.mkdir(parents=True)
        shutil.copy(CLIENT / "ScanAgent.log", late / "ScanAgent.log")
        shutil.copy(CLIENT / "ScanAgent.log", shared / "PC05_ScanAgent.log")
        shutil.copy(CLIENT / "ScanAgent.log", tmp_path / "ScanAgent.log")  # written into the root itself
        await h.until(lambda: len({b.host for b in h.batches if b.entries}) == 6, 5.0, "six hosts")
    assert {b.host for b in h.batches if b.entries} == {"PC01", "PC02", "PC03", "PC04", "PC05", this_computer}


def _flow_events(h: Harness) -> list[FlowEvent]:
    return [e for b in h.batches for e in b.events if isinstance(e, FlowEvent)]


async def test_a_hosts_id_never_changes_when_its_netbios_name_appears(tmp_path: Path) -> None:
    """Folder ``client`` is the host; when its StateMessage.log says the NetBIOS name, every flow of
    the host shows that name, and no flow id, host or selection key changes."""
    folder = tmp_path / "client"
    folder.mkdir()
    for f in CLIENT.iterdir():
        if f.name != "StateMessage.log":
            shutil.copy(f, folder / f.name)
    tracker = Tracker(retention=None)
    async with Harness([tmp_path], tracker=tracker) as h:
        await h.until(lambda: any(f.kind == "scan" for f in tracker.flows)
                      and any(f.kind == "policy" for f in tracker.flows), 10.0, "the scan and the policy flow")
        before = {f.id: f.host for f in tracker.flows}
        assert set(before.values()) == {"client"} and all(f.host_name is None for f in tracker.flows)
        mark = len(_flow_events(h))
        shutil.copy(CLIENT / "StateMessage.log", folder / "StateMessage.log")
        await h.until(lambda: all(f.host_name == NETBIOS for f in tracker.flows), 10.0, "the NetBIOS name")
        await asyncio.sleep(0.1)
    after = {f.id: f.host for f in tracker.flows}
    assert after == before  # same ids, same host: only the name shown changed
    assert {e.host for e in _flow_events(h)} == {"client"}
    events = _flow_events(h)[mark:]  # what the name's arrival changed
    assert not [e for e in events if e.status == "removed"]
    named = [e for e in events if e.host_name == NETBIOS]
    assert {e.flow for e in named} == set(before)  # every flow of the host was re-announced with its name
    assert {u.host_name for u in tracker.updates} == {NETBIOS} and {u.host for u in tracker.updates} == {"client"}


async def test_watch_of_a_folder_with_logs_and_machine_subfolders(tmp_path: Path, this_computer: str) -> None:
    """A watched folder's own logs are this computer's; its subfolders are other machines' (a
    collection beside them), except under a machine's log location, which is all one machine's."""
    mixed = tmp_path / "mixed"
    (mixed / "PC09").mkdir(parents=True)
    shutil.copy(CLIENT / "ScanAgent.log", mixed / "ScanAgent.log")
    shutil.copy(CLIENT / "ScanAgent.log", mixed / "PC09" / "ScanAgent.log")
    system = tmp_path / "Windows" / "CCM" / "Logs"
    (system / "sub").mkdir(parents=True)
    shutil.copy(CLIENT / "WUAHandler.log", system / "sub" / "WUAHandler.log")
    async with Harness([mixed, system]) as h:
        await h.until(lambda: all(h.entries(p) for p in (mixed / "ScanAgent.log", mixed / "PC09" / "ScanAgent.log",
                                                         system / "sub" / "WUAHandler.log")), 5.0, "every log")
    host = {b.path: b.host for b in h.batches if b.entries}
    assert host == {str(mixed / "ScanAgent.log"): this_computer, str(mixed / "PC09" / "ScanAgent.log"): "PC09",
                    str(system / "sub" / "WUAHandler.log"): this_computer}
