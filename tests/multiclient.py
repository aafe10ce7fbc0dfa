"""A realistic multi-client site: one management point and one site server serving N clients.

The fixtures hold one client per folder next to "its own" MP and site server, so every MP record in
them belongs to the scan under test (plus a little noise). A real site is not like that: one MP
writes the location lookups and state-message relays of thousands of clients into one
``MP_Location.log`` and one ``MP_Relay.log``, interleaved in time, and one StateSys processes them
all. Whether the tracker joins each hop to the right client, and whether it stays linear as the site
grows, can only be seen on such a set; this module builds one, deterministically, from the same
generator as the fixtures (:mod:`sumtrace.live.scenarios`, which stays untouched and byte-stable).

Layout (relative paths)::

    client-001/ScanAgent.log ... WindowsUpdate.log   each client's own logs (one folder per machine)
    mp/MP_Location.log MP_Relay.log MPFDM.log u_exYYMMDD.log                        every client, one file per log
    server/StateSys.log WSyncMgr.log SMSDBMON.log PolicyPv.log SoftwareDistribution.log u_exYYMMDD.log

How it is made (every choice is a hash of ``seed`` and a label, so a set is reproducible anywhere):

* Each client gets a NetBIOS name ``PS1WKSnnnn``, an IP in 10.20.x.y, a Windows bias, a profile
  (Windows 7 with UTF-8 or UTF-16 client logs, or Windows 10 with a ``Get-WindowsUpdateLog`` file)
  and its own client SMS GUID and WUA SusClientId. Its first scan starts at a random second within
  a two-hour window; a third of the clients rescan 3 to 6 hours later. A few scans (``max(2, N // 8)``,
  Windows 7 clients only, because the generator writes WUA failures in the legacy log format only)
  are failing scenarios taken in turn from :data:`FAILURES`; the rest are healthy.
* Every scan is one run of the generator's ``Build`` on a ``dataclasses.replace``-d ``Scenario``
  (name, start, client, IP, subnet, bias, encoding, state-message cycle, Group Policy wait). The
  scenario name seeds the per-scan GUIDs (ScanJob, location request, messages, SMX), so they are
  distinct. Four values the generator derives from the scenario name but which on a real site are
  shared are overridden on the ``Build`` instance (a subclass, :class:`_ScanBuild`), before anything
  is written, so no generated text is rewritten afterwards:
  the UpdateSource GUID and the update IDs (site-wide: every client scans the same source for the
  same updates), the client SMS GUID and SusClientId (per client: the same in all its scans), and the
  first state-message serial (per client, increasing across its scans). The thread ids of the MP
  and site-server components are the site's, not the scan's.
* Client logs take everything the scan's ``Build`` wrote for the client (its scan and its own
  background activity). MP logs and the server's StateSys.log and WSUS IIS log take everything the
  ``Build`` wrote there, including the background "other clients" traffic of its window (clients
  whose logs were not collected), so MP load grows with the site. The site-server singletons
  (WSyncMgr, SMSDBMON, PolicyPv, SoftwareDistribution.log) are written once, by one site ``Build``'s
  background over the whole span, instead of once per scan. SUM summarization runs hourly on the
  site (as StateSys schedules it) instead of once per scan; each healthy scan's processing is
  followed by a run within the hour, so its ``summarization`` step stays ``ok``.
* Files are rendered exactly as the generator renders them (same record text, CRLF, BOM and
  encoding), records sorted by UTC (stable: same-time records keep the order they were written).
  Nothing is rotated; :func:`set_tracks` with :class:`~sumtrace.live.replay.FileSink` writes the set
  live, rolling at ``max_size`` if asked to.

The expected summary comes from the construction (the scenarios chosen and the generator's own
``expected()``), never from running the tracker. A scan whose scenario stalls (no reply, states
not forwarded) is expected ``incomplete`` when the client scans again later, as the README defines.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sumtrace.live import scenarios as gen
from sumtrace.live.replay import Track
from sumtrace.parsers.entry import iso_utc
from sumtrace.parsers.files import bias_from_bytes

START = datetime(2014, 1, 21, 12, 0, 0)  # naive UTC, like Scenario.start; the whole set stays on one UTC day
FIRST_WINDOW = 2 * 3600  # seconds over which first scans spread
RESCAN_AFTER = (3 * 3600, 6 * 3600)  # seconds after the first scan
RESCAN_SHARE = 1 / 3
FAILURES = ("wsus-401", "location-reply-missing", "wsus-503", "gpo-override", "state-not-forwarded")
BIASES = (300, 360, 300, -60, 300)  # US Eastern mostly, some US Central and Central Europe


@dataclass(frozen=True)
class Profile:
    """What kind of machine a client is: the scenario its healthy scans start from, and its logs' encoding."""

    base: str
    encoding: str
    can_fail: bool  # the generator writes WUA failures only in the legacy WindowsUpdate.log format


PROFILES = {
    "win7": Profile("healthy-first-scan", "utf-8-sig", True),
    "win7-utf16": Profile("healthy-first-scan", "utf-16", True),
    "win10": Profile("win10-wulog", "utf-8-sig", False),
}
PROFILE_CYCLE = ("win7", "win10", "win7", "win7-utf16", "win7", "win7")

# Generator thread labels that belong to the MP and site server (one process each on a site).
SITE_THREADS = frozenset({"mp-location", "mp-location-2", "mp-relay", "mpfdm", "wsyncmgr", "smsdbmon", "policypv",
                          "statesys"})
# Site-server logs written once for the site rather than once per scan's background.
SITE_SINGLETONS = frozenset({"WSyncMgr.log", "SMSDBMON.log", "PolicyPv.log", "SoftwareDistribution.log"})


@dataclass(frozen=True)
class ScanPlan:
    k: int  # 0 = first scan, 1 = rescan
    scenario: str  # "healthy" or a failure scenario's name
    start: datetime
    forward_after: float  # the client's state message cycle fires this long after the results
    gp_wait: float


@dataclass(frozen=True)
class ClientPlan:
    index: int
    folder: str
    netbios: str
    ip: str
    subnet: str
    bias: int
    profile: str
    client_id: str
    sus_client_id: str
    serial: int
    scans: tuple[ScanPlan, ...]


@dataclass(frozen=True)
class Site:
    """The identities every client shares."""

    name: str
    source: str
    update_ids: dict[str, str]


def _h(seed: int, *parts: object, hi: int) -> int:
    """A deterministic integer in [0, hi] (SHA-256 based, so stable across Python versions, unlike ``random``)."""
    return gen.number("multiclient", seed, *parts, lo=0, hi=hi)


def site_of(seed: int) -> Site:
    name = f"mc{seed}-site"
    kbs = [u.kb for u in gen.WIN7_X64 + gen.WIN7_X86 + gen.WIN10_X64]
    return Site(name, "{" + gen.make_guid(name, "update-source") + "}",
                {kb: gen.make_guid(name, "update", kb).lower() for kb in kbs})


def plan_set(n_clients: int, seed: int = 0) -> list[ClientPlan]:
    """Who the clients are, when they scan and which scans fail (no logs yet)."""
    if n_clients < 1:
        raise ValueError("n_clients must be at least 1")
    rescanning = sorted(range(1, n_clients + 1), key=lambda i: (_h(seed, "rescan", i, hi=10**9), i))
    rescanning = rescanning[:round(n_clients * RESCAN_SHARE)]
    starts: dict[int, list[datetime]] = {}
    for i in range(1, n_clients + 1):
        first = gen.later(START, _h(seed, "first", i, hi=FIRST_WINDOW * 1000) / 1000)
        starts[i] = [first]
        if i in rescanning:
            lo, hi = RESCAN_AFTER
            starts[i].append(gen.later(first, lo + _h(seed, "rescan-after", i, hi=(hi - lo) * 1000) / 1000))
    profile = {i: PROFILE_CYCLE[(i - 1 + seed) % len(PROFILE_CYCLE)] for i in starts}
    candidates = sorted((_h(seed, "fail", i, k, hi=10**9), i, k) for i in starts if PROFILES[profile[i]].can_fail
                        for k in range(len(starts[i])))
    failing = {(i, k): FAILURES[(j + seed) % len(FAILURES)]
               for j, (_, i, k) in enumerate(candidates[:max(2, n_clients // 8)])}
    plans = []
    for i, times in starts.items():
        block, host = divmod(i - 1, 250)
        folder = f"client-{i:03d}"
        scans = tuple(
            ScanPlan(k, failing.get((i, k), "healthy"), at,
                     forward_after=2 * 60 + _h(seed, "cycle", i, k, hi=13 * 60 * 10) / 10,
                     gp_wait=6 + _h(seed, "gp", i, k, hi=400) / 10)
            for k, at in enumerate(times))
        plans.append(ClientPlan(
            i, folder, f"PS1WKS{i:04d}", f"10.20.{block}.{host + 4}", f"10.20.{block}.0",
            BIASES[(i - 1 + seed) % len(BIASES)], profile[i],
            "GUID:" + gen.make_guid(f"mc{seed}", folder, "client-id"),
            gen.make_guid(f"mc{seed}", folder, "sus-client-id").lower(),
            200 + _h(seed, "serial", i, hi=400), scans))
    return plans


class _SiteBuild(gen.Build):
    """A generator ``Build`` that uses the site's UpdateSource, update IDs and MP/server thread ids."""

    def __init__(self, sc: gen.Scenario, site: Site) -> None:
        self._site = site  # set first: ``Build.__init__`` calls ``tid``
        super().__init__(sc)
        self.source = site.source
        self.update_ids = {kb: site.update_ids[kb] for kb in self.update_ids}

    def tid(self, label: str) -> int:
        if label in SITE_THREADS:
            return gen.thread_id(self._site.name, "thread", label)
        return super().tid(label)


class _ScanBuild(_SiteBuild):
    """One client scan: the client's own identity, and hooks that split off site-level output.

    ``background_from`` records how many records each log held before the generator's background
    activity started (so site singletons keep only the scan's own records); ``summarize`` records
    when the scan's summarization would run instead of writing it (the site runs it hourly).
    """

    def __init__(self, sc: gen.Scenario, site: Site, client: ClientPlan, k: int) -> None:
        super().__init__(sc, site)
        self.client_id = client.client_id
        self.sus_client_id = client.sus_client_id
        self.serial = client.serial + 50 * k
        self.background_from: dict[str, int] = {}
        self.summary_due: datetime | None = None

    def background(self, w0: datetime, w1: datetime) -> None:
        self.background_from = {path: len(log.records) for path, log in self.files.items()}
        super().background(w0, w1)

    def summarize(self, at: datetime) -> None:
        self.summary_due = at
        self.mark("summarization", at)  # as the generator does: the client's window runs on past it


def _scenario(client: ClientPlan, scan: ScanPlan, seed: int) -> gen.Scenario:
    profile = PROFILES[client.profile]
    name = f"mc{seed}-{client.folder}-scan{scan.k + 1}"
    if scan.scenario == "healthy":
        base = gen.scenario(profile.base)
        if profile.base == "healthy-first-scan":
            base = replace(base, new_source=scan.k == 0)  # a rescan finds the source already added
        base = replace(base, gp_wait=scan.gp_wait)
    else:
        base = gen.scenario(scan.scenario)
    return replace(
        base, name=name, description=f"{client.netbios} scan {scan.k + 1}: {base.description}",
        start=scan.start, client=client.netbios, client_ip=client.ip, subnet=client.subnet,
        client_bias=client.bias, encoding=profile.encoding, policy_flow=False, sync=None,
        forward_after=scan.forward_after,
    )


class _Out:
    """The set's files while they are assembled: one generator ``Log`` per output path."""

    def __init__(self, iis_header: Any) -> None:
        self.logs: dict[str, gen.Log] = {}
        self._iis_header = iis_header

    def add(self, path: str, like: gen.Log, records: Iterable[tuple[datetime, int, str]]) -> None:
        for utc, _, text in sorted(records):  # generator order within one Build, stable across Builds
            target = path
            if like.kind == "iis":  # IIS starts a new file per UTC day
                target = f"{path.split('/')[0]}/u_ex{utc:%y%m%d}.log"
            log = self.logs.get(target)
            if log is None:
                header = self._iis_header if like.kind == "iis" else None
                log = self.logs[target] = gen.Log(like.kind, like.bias, like.encoding, header)
            if (log.kind, log.bias, log.encoding) != (like.kind, like.bias, like.encoding):
                raise ValueError(f"{target}: scans disagree on the file's format ({log.kind}, {log.bias}, "
                                 f"{log.encoding}) vs ({like.kind}, {like.bias}, {like.encoding})")
            log.add(utc, text)

    def span(self) -> tuple[datetime, datetime]:
        times = [r[0] for log in self.logs.values() for r in log.records]
        return min(times), max(times)


def _expected_scan(b: _ScanBuild, plan: ScanPlan) -> dict[str, Any]:
    exp = b.expected()
    scan = exp["scan"]
    return {
        "scenario": plan.scenario,
        "name": b.sc.name,
        "start": iso_utc(plan.start.replace(tzinfo=timezone.utc)),
        "status": scan["status"],
        "failed_step": scan["failed_step"],
        "stalled_step": scan["stalled_step"],
        "error_code": scan["error_code"],
        "update_source": scan["update_source"],
        "content_version": scan["content_version"],
        "scan_job": scan["scan_job"],
        "location_request": exp["ids"]["location_request"],
        "messages": exp["ids"]["messages"],
        "smx": exp["ids"]["smx"],
        "state_serials": exp["ids"]["state_serials"],
        "reached": sorted(b.reached),
        "updates": scan["updates"],
    }


def build_set(n_clients: int, seed: int = 0) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The set's files (relative path → bytes) and its expected summary (from the construction).

    The summary: ``clients[folder]`` gives the client's identity and ``scans`` in time order, each
    with the flow status the tracker should report (``ok``, ``failed``, ``stalled`` or
    ``incomplete``), the failing or stalling step, the error code, its IDs, and ``reached`` (the
    generator's steps the scan got to, so which MP/server logs must hold it); ``files[path]``
    gives each file's record count (what a parser must find) and encoding.
    """
    site = site_of(seed)
    site_sc = replace(gen.scenario("healthy-first-scan"), name=site.name, description="site", start=START,
                      policy_flow=False, sync=None)
    iis_header = _SiteBuild(site_sc, site)._iis_header
    out = _Out(iis_header)
    clients: dict[str, Any] = {}
    dues: list[datetime] = []
    for client in plan_set(n_clients, seed):
        scans = []
        for plan in client.scans:
            b = _ScanBuild(_scenario(client, plan, seed), site, client, plan.k)
            b.run()
            for path, log in b.files.items():
                top, name = path.split("/", 1)
                if top == "client":
                    out.add(f"{client.folder}/{name}", log, log.records)
                elif top == "server" and name in SITE_SINGLETONS:
                    out.add(path, log, log.records[:b.background_from.get(path, 0)])
                else:
                    out.add(path, log, log.records)
            if b.summary_due is not None:
                dues.append(b.summary_due)
            scans.append(_expected_scan(b, plan))
        for older in scans[:-1]:
            if older["status"] == "stalled":
                older["status"] = "incomplete"  # README: a newer scan started before this one finished
        clients[client.folder] = {
            "netbios": client.netbios, "ip": client.ip, "subnet": client.subnet, "bias": client.bias,
            "profile": client.profile, "client_id": client.client_id, "sus_client_id": client.sus_client_id,
            "scans": scans,
        }

    # The site server's own activity across the whole span, once.
    w0, w1 = out.span()
    site_b = _SiteBuild(site_sc, site)
    site_b.background(w0, w1)
    for path, log in site_b.files.items():
        if path.startswith("server/") and path.split("/", 1)[1] in SITE_SINGLETONS:
            out.add(path, log, log.records)
    # Hourly SUM summarization, until one run follows the last scan's state processing.
    runs = _SiteBuild(site_sc, site)
    end = max([w1, *dues])
    at = w0.replace(minute=0, second=0, microsecond=0) + timedelta(seconds=7 * 60 + _h(seed, "sum-phase", hi=600))
    while True:
        if at >= w0:
            runs.summarize(at)
        if at >= end:
            break
        at += timedelta(hours=1)
    log = runs.files["server/StateSys.log"]
    out.add("server/StateSys.log", log, log.records)

    first, last = out.span()
    files = {path: gen.encode(log.text(), log.encoding) for path, log in sorted(out.logs.items())}
    statuses: dict[str, int] = {}
    for c in clients.values():
        for s in c["scans"]:
            statuses[s["status"]] = statuses.get(s["status"], 0) + 1
    expected = {
        "seed": seed,
        "n_clients": n_clients,
        "site": {"mp": site_b.mp, "site_server": site_b.site, "update_source": site.source,
                 "content_versions": sorted({s["content_version"] for c in clients.values() for s in c["scans"]})},
        "clients": clients,
        "scans": sum(len(c["scans"]) for c in clients.values()),
        "statuses": dict(sorted(statuses.items())),
        "files": {path: {"records": len(log.records), "encoding": log.encoding} for path, log in sorted(out.logs.items())},
        "records": sum(len(log.records) for log in out.logs.values()),
        "window": {"first": iso_utc(first.replace(tzinfo=timezone.utc)), "last": iso_utc(last.replace(tzinfo=timezone.utc))},
    }
    return files, expected


def write_set(root: str, n: int, seed: int = 0) -> dict[str, Any]:
    """Write the set under ``root`` (and its summary as ``root/expected.json``, which no log reader picks up)."""
    files, expected = build_set(n, seed)
    for rel, data in files.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
    with open(os.path.join(root, "expected.json"), "w", encoding="utf-8") as fh:
        json.dump(expected, fh, indent=1)
        fh.write("\n")
    return expected


def set_tracks(files: dict[str, bytes]) -> list[Track]:
    """Tracks to write the set live (``Player(set_tracks(files), FileSink(root))``) or to replay it.

    Host = the top folder (``client-NNN``, ``mp``, ``server``). A track's bias is its folder's
    CMTrace bias, as discovery assigns it, so zone-less WindowsUpdate.log records are ordered right
    while playing. ``FileSink`` rolls a file at ``max_size`` (250 kB by default); pass a larger one
    to get the files back byte for byte.
    """
    bias: dict[str, int | None] = {}
    for rel, data in sorted(files.items()):
        folder = rel.split("/", 1)[0]
        if bias.get(folder) is None and not rel.endswith(("WindowsUpdate.log", "SoftwareDistribution.log")):
            bias[folder] = bias_from_bytes(data[-65536:])
    return [Track(rel, rel.split("/", 1)[0], bias.get(rel.split("/", 1)[0]), _one_chunk(data))
            for rel, data in sorted(files.items())]


def _one_chunk(data: bytes) -> Callable[[], Iterator[bytes]]:
    return lambda: iter([data])


__all__ = ["FAILURES", "ClientPlan", "ScanPlan", "build_set", "plan_set", "set_tracks", "write_set"]
