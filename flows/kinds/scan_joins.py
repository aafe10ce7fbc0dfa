"""Joining the other machines' records to scans, recomputed only in the window new facts can touch.

Every join has a bounded reach in time: an MP lookup answers a location request sent at most 15
minutes before it, a relay forwards state messages posted at most 10 minutes before it, StateSys
processes an SMX file within 20 minutes of its relay, IIS errors fall inside the WUA search. So when
the earliest new fact (on any machine) is at time T, every join made entirely before
``T - MARGIN`` still holds, and only the joins from there on are made again. The exceptions are
looked up by key, not by time: a StateSys batch naming an SMX file goes to the scan that relayed
that file whenever it comes, and an hourly SUM task goes to every scan processed since the task
before it.

Assignments are kept per remote episode (MP lookups and relays: one episode goes to at most one
scan, several may go to the same scan) or per scan (StateSys batch, SUM task, IIS errors), each
with the key that orders it, so the window is cut with a binary search. Joining everything again
from scratch gives the same result as any sequence of windowed refreshes: the joins are a pure
function of the facts, and the window only skips work whose inputs did not change.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sumtrace.flows.classify import Fact
from sumtrace.flows.kinds.scan_segment import ScanSegment
from sumtrace.flows.stitch import FactKey, SortedFacts, TimeIndex

MARGIN = timedelta(minutes=30)  # the longest reach of a per-scan join (StateSys: 20 min), with room
EPISODE_MARGIN = timedelta(minutes=3)  # the longest reach of an MP episode back to its scan (2 min)
_MIN = timedelta(minutes=1)
LOOKUP_REACH = (timedelta(seconds=900), timedelta(seconds=120))  # request sent up to 15 min before, 2 min after
RELAY_REACH = (timedelta(seconds=600), timedelta(seconds=120))
STATESYS_REACH = (_MIN, timedelta(minutes=20))
MOVE_REACH = timedelta(minutes=2)
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
Scan = tuple[str, ScanSegment]


@dataclass(slots=True)
class Attach:
    """One join: records of ``step`` from another machine, attached to scan ``sid``, and how."""

    key: FactKey
    sid: str
    step: str
    facts: list[Fact]
    how: str


def topics(f: Fact | None) -> list[str]:
    if f is None or not f.values.get("topics"):
        return []
    return [t.split(":")[0] for t in f.values["topics"].split(",")]


def scan_topics(s: ScanSegment) -> set[str]:
    steps = s.steps
    out = {f.ids["topic"] for f in steps.get("update_states", []) if "topic" in f.ids}
    for f in steps.get("state_upload", []):
        out.update(topics(f))
    return out


def upload_anchor(s: ScanSegment) -> Fact | None:
    up = s.steps.get("state_upload", [])
    for name in ("msg_post", "sm_forwarded", "sm_body"):
        for f in up:
            if f.name == name:
                return f
    return None


def client_ips(s: ScanSegment) -> set[str]:
    """The client's IP addresses, as its location request body lists them (empty when not logged)."""
    out: set[str] = set()
    for f in s.steps.get("location_request", []):
        if f.name == "ls_request_body":
            out.update(f.values.get("client_ips", "").split())
    return out


def done_at(facts: Iterable[Fact]) -> datetime | None:
    done = [f.utc for f in facts if f.outcome == "done"]
    return max(done) if done else None


class ScanJoiner:
    """The joins of all scans, kept between updates and refreshed from a time window on."""

    def __init__(self) -> None:
        self.by_scan: dict[str, dict[str, list[Attach]]] = {}
        self._lookups: list[Attach] = []  # by episode start
        self._relays: list[Attach] = []  # by episode start
        self._per_scan: dict[str, dict[str, Attach]] = {"state_processing": {}, "summarization": {}, "wua_search": {}}
        self._smx_batch: dict[str, tuple[FactKey, list[Fact]]] = {}
        self._batches: list[tuple[FactKey, frozenset[str], list[Fact]]] = []
        self._smx_owner: dict[str, str] = {}  # SMX file name → the scan whose relay wrote it
        self._relayed: set[str] = set()  # scans that have their relay (one relay per scan)
        # Senders of each StateSys batch, by the batch's identity and size: every scan's state
        # processing join asks for the senders of every batch near it, on every update (a site of
        # 650 clients asked 5,800 times per batch of 1,000 new records, each a walk of the batch).
        self._senders: dict[int, tuple[list[Fact], int, frozenset[str]]] = {}
        self._moved: dict[FactKey, Fact] = {}  # relay episode start → the MPFDM move of the SMX it wrote
        self._move_taken: set[FactKey] = set()
        self._moved_order: list[FactKey] = []  # the keys of ``_moved``, in time order

    # ------------------------------------------------------------------ reading

    def evidence(self, sid: str) -> tuple[dict[str, list[Fact]], dict[str, str]]:
        steps: dict[str, list[Fact]] = {}
        how: dict[str, str] = {}
        for step, attaches in self.by_scan.get(sid, {}).items():
            facts = [f for a in attaches for f in a.facts]
            if facts:
                steps[step] = sorted(facts, key=lambda f: f.key)
                how[step] = attaches[-1].how
        return steps, how

    def sig(self, sid: str) -> tuple[object, ...]:
        steps = self.by_scan.get(sid)
        if not steps:
            return ()
        return tuple((k, tuple((a.key, len(a.facts), a.facts[-1].key if a.facts else None, a.how) for a in v))
                     for k, v in sorted(steps.items()) if v)

    # ------------------------------------------------------------------ bookkeeping

    def _add(self, a: Attach) -> None:
        self.by_scan.setdefault(a.sid, {}).setdefault(a.step, []).append(a)

    def _drop(self, a: Attach) -> None:
        steps = self.by_scan.get(a.sid)
        if steps is None:
            return
        lst = steps.get(a.step)
        if lst is not None:
            steps[a.step] = [x for x in lst if x is not a]
            if not steps[a.step]:
                del steps[a.step]
        if not steps:
            del self.by_scan[a.sid]

    def _truncate(self, lst: list[Attach], t0: datetime) -> set[str]:
        i = bisect_left(lst, t0, key=lambda a: a.key[0])
        cut = lst[i:]
        del lst[i:]
        for a in cut:
            self._drop(a)
            if a.step == "mp_relay":
                self._relayed.discard(a.sid)
                for name in _smx_names(a.facts):
                    if self._smx_owner.get(name) == a.sid:
                        del self._smx_owner[name]
        return {a.sid for a in cut}

    def _set_per_scan(self, step: str, sid: str, a: Attach | None) -> bool:
        table = self._per_scan[step]
        old = table.get(sid)
        if old is not None and a is not None and old.facts == a.facts and old.how == a.how:
            return False
        if old is None and a is None:
            return False
        if old is not None:
            self._drop(old)
            del table[sid]
        if a is not None:
            table[sid] = a
            self._add(a)
        return True

    def forget(self, sids: Iterable[str]) -> None:
        """Scans that no longer exist lose their joins (their episodes are re-joined by the caller)."""
        for sid in sids:
            for table in self._per_scan.values():
                a = table.pop(sid, None)
                if a is not None:
                    self._drop(a)

    def earliest_join_of(self, sids: set[str]) -> datetime | None:
        """The earliest episode joined to any of ``sids`` (to re-join it when those scans vanish)."""
        if not sids:
            return None
        times = [a.key[0] for lst in (self._lookups, self._relays) for a in lst if a.sid in sids]
        return min(times) if times else None

    # ------------------------------------------------------------------ refresh

    def refresh(self, t0: datetime | None, dirty: Mapping[str, datetime], dirty_hosts: set[str],
                hosts: Mapping[str, Sequence[Scan]],
                segment_of: Callable[[str], ScanSegment | None],
                lookups: Sequence[Sequence[list[Fact]]], relays: Sequence[Sequence[list[Fact]]],
                posts: SortedFacts, moves: SortedFacts, batches: Sequence[Sequence[list[Fact]]],
                tasks: SortedFacts, task_from: datetime | None, iis: SortedFacts) -> set[str]:
        """Re-join what changes at ``t0`` can reach (None: everything); returns the scans whose joins changed.

        ``t0`` is the earliest change: a new record, the start of an episode that was made again,
        or an episode joined to a scan that vanished. ``dirty`` gives the partitions that changed,
        with their earliest change (``client``, ``mp_lookup``, ``mp_relay``, ``iis_post``, ``mpfdm``, ``statesys``, ``sumtask``,
        ``iis_wsus``), ``dirty_hosts`` the clients whose scans were re-segmented: a join whose
        inputs did not change is not made again.
        ``lookups``, ``relays`` and ``batches`` are each machine's episodes in time order; ``posts``
        the MP's IIS ``CCM_POST`` records, ``moves`` MPFDM's moves of SMX files.
        ``task_from`` is the earliest new SUM task record, if any arrived.
        """
        changed: set[str] = set()
        everything = t0 is None
        clients = everything or "client" in dirty
        # An MP episode reaches a scan's anchor at most 2 minutes after it starts, so the episodes
        # from shortly before ``t0`` are joined again, against the scans that can take part.
        start = t0 - EPISODE_MARGIN if t0 is not None else EARLIEST
        window = self._window(hosts, start - MARGIN if t0 is not None else EARLIEST)
        # MP lookups and relays: per episode.
        if clients or "mp_lookup" in dirty:
            changed |= self._truncate(self._lookups, start)
            changed |= self._join_lookups(window, _since(lookups, start))
        if clients or dirty.keys() & {"mp_relay", "iis_post", "mpfdm"}:
            changed |= self._truncate(self._relays, start)
            new_relays = _since(relays, start)
            self._claim_moves(new_relays, moves, start)
            changed |= self._join_relays(window, new_relays, posts)
        # StateSys: per scan, for the scans whose relay or own records changed, those whose SMX file
        # a new batch names, and when batches without file names arrived, those that can only be
        # joined by time.
        new_batches = self._index_batches(batches, start) if everything or "statesys" in dirty else []
        affected = set(changed)
        if everything:
            affected |= {sid for sid, _ in window}
        else:
            affected |= {sid for sid, seg in window if seg.host in dirty_hosts}
            # Batches without file names join by time, and current-branch batches by their sender.
            if any(not names or _batch_senders(b) for _, names, b in new_batches):
                named = self._per_scan["state_processing"]
                reach = new_batches[0][0][0] - MARGIN  # a batch at b joins a relay up to 20 min before it
                affected |= {sid for sid, seg in window if seg.last is not None and seg.last >= reach
                             and (sid not in named or named[sid].how != "smx_file")}
        affected |= {owner for _, names, _ in new_batches for name in names if (owner := self._smx_owner.get(name))}
        scans = {sid: seg for sid in affected if (seg := segment_of(sid)) is not None}
        for sid, seg in scans.items():
            if self._join_statesys(sid, seg, batches):
                changed.add(sid)
        # SUM tasks: the scans whose processing changed, and when tasks arrived, every scan
        # processed since the task before them.
        redo_tasks = {sid for sid in changed if sid in scans}
        if task_from is not None:
            # A scan's task is the first SUM task to end after its processing: new task records can
            # change it only where that end is not known yet, or comes after them.
            ended = self._per_scan["summarization"]
            for sid in self._per_scan["state_processing"]:
                att = ended.get(sid)
                end = next((f.utc for f in reversed(att.facts) if f.name != "ss_task_started"), None) if att else None
                if end is None or end >= task_from:
                    redo_tasks.add(sid)
        for sid in redo_tasks:
            proc = self._per_scan["state_processing"].get(sid)
            found = _sum_task(tasks, max(f.utc for f in proc.facts)) if proc is not None else []
            att = Attach(found[0].key, sid, "summarization", found, "time") if found else None
            if self._set_per_scan("summarization", sid, att):
                changed.add(sid)
        # WSUS IIS errors during the WUA search.
        iis_from = dirty.get("iis_wsus")
        iis_window = window if everything else [
            (sid, seg) for sid, seg in window
            if seg.host in dirty_hosts or (iis_from is not None and seg.last is not None and seg.last >= iis_from - _MIN)]
        for sid, s in iis_window:
            search = s.steps.get("wua_search", [])
            found = []
            if search:
                ips = client_ips(s)
                found = [f for f in iis.between(search[0].utc - _MIN, search[-1].utc + _MIN)
                         if f.outcome == "fail" and (not ips or f.values.get("client_ip") in ips)][:10]
            att = Attach(found[0].key, sid, "wua_search", found, "") if found else None
            if self._set_per_scan("wua_search", sid, att):
                changed.add(sid)
        return changed

    def _window(self, hosts: Mapping[str, Sequence[Scan]], cutoff: datetime) -> list[Scan]:
        """The scans that can take part in a join from ``cutoff`` on (newest scans of each host)."""
        out: list[Scan] = []
        for pairs in hosts.values():
            i = len(pairs)
            while i > 0:
                s = pairs[i - 1][1]
                last, first = s.last, s.first
                if last is not None and last < cutoff and (first is None or first < cutoff - timedelta(hours=6)):
                    break
                i -= 1
            out.extend(pairs[i:])
        return out

    def _join_lookups(self, window: Sequence[Scan], eps: Iterable[list[Fact]]) -> set[str]:
        """An MP lookup belongs to the scan whose location request went out just before it."""
        anchors: list[tuple[datetime, tuple[str, ScanSegment, Fact | None]]] = []
        for sid, s in window:
            loc = s.steps.get("location_request", [])
            sent = next((f for f in loc if f.name == "ls_request_body"), None)
            anchor = sent or (loc[0] if loc else None)
            if anchor is not None:
                anchors.append((anchor.utc, (sid, s, sent)))
        index = TimeIndex(anchors)
        changed: set[str] = set()
        for ep in eps:
            req = next((f for f in ep if f.name == "mp_request_body"), None)
            if req is None:
                continue
            source = req.ids.get("update_source")
            version = req.values.get("content_version")
            ips = set(req.values.get("client_ips", "").split())
            best: tuple[float, str] | None = None
            for sid, s, sent in index.between(req.utc - LOOKUP_REACH[0], req.utc + LOOKUP_REACH[1]):
                s_source = s.first_id("update_source")
                if source and s_source and source != s_source:
                    continue
                if version and sent and sent.values.get("content_version") not in (None, version):
                    continue
                if ips and sent and sent.values.get("client_ips") and not ips & set(sent.values["client_ips"].split()):
                    continue
                anchor_t = (sent or s.steps["location_request"][0]).utc
                delta = abs((req.utc - anchor_t).total_seconds())
                if best is None or delta < best[0]:
                    best = (delta, sid)
            if best is not None:
                a = Attach(ep[0].key, best[1], "mp_lookup", ep,
                           "update_source+content_version" + ("+client_ip" if ips else ""))
                self._lookups.append(a)
                self._add(a)
                changed.add(a.sid)
        return changed

    def _join_relays(self, window: Sequence[Scan], eps: Iterable[list[Fact]], posts: SortedFacts) -> set[str]:
        """A relay belongs to the scan whose state messages were posted just before it (one per scan)."""
        by_sid = dict(window)
        anchors = [(up.utc, (sid, s)) for sid, s in window if (up := upload_anchor(s)) is not None]
        index = TimeIndex(anchors)
        used = self._relayed
        changed: set[str] = set()
        for ep in eps:
            start = ep[0]
            body = next((f for f in ep if f.name == "relay_body"), None)
            netbios = body.values.get("netbios") if body else None
            tops = set(topics(body)) if body else set()
            best: tuple[float, str, str] | None = None
            for sid, s in index.between(start.utc - RELAY_REACH[0], start.utc + RELAY_REACH[1]):
                if sid in used:
                    continue
                upload = upload_anchor(s)
                assert upload is not None
                delta = (start.utc - upload.utc).total_seconds()
                how = "time"
                s_topics = scan_topics(s)
                if tops and s_topics:
                    if not tops & s_topics:
                        continue
                    how = "state_topic+serial"
                elif netbios and s.steps.get("state_upload"):
                    names = {f.values.get("netbios") for f in s.steps["state_upload"]}
                    if netbios not in names:
                        continue
                    how = "netbios"
                if best is None or abs(delta) < best[0]:
                    best = (abs(delta), sid, how)
            if best is None:
                continue
            used.add(best[1])
            near = posts.between(start.utc - timedelta(seconds=30), start.utc + timedelta(seconds=30))
            ips = client_ips(by_sid[best[1]])
            if ips:  # the client's own POST, not another client's in the same minute
                near = [p for p in near if p.values.get("client_ip") in ips]
            moved = self._moved.get(start.key)
            facts = sorted([*ep, *near, *([moved] if moved is not None else [])], key=lambda x: x.key)
            a = Attach(start.key, best[1], "mp_relay", facts, best[2])
            self._relays.append(a)
            self._add(a)
            for name in _smx_names(a.facts):
                self._smx_owner.setdefault(name, a.sid)
            changed.add(a.sid)
        return changed

    def _claim_moves(self, eps: Sequence[list[Fact]], moves: SortedFacts, start: datetime) -> None:
        """Which SMX file each relay wrote: MPFDM moves the outbox's files in the order the relays
        wrote them, so each relay takes the first move not yet taken within two minutes of its end.

        MP_Relay.log does not name the file it writes; the order is the only link, so every relay
        episode takes part (also those of clients whose logs were not collected).
        """
        i = bisect_left(self._moved_order, start, key=lambda k: k[0])
        for key in self._moved_order[i:]:
            move = self._moved.pop(key)
            self._move_taken.discard(move.key)
        del self._moved_order[i:]
        for ep in eps:
            done = next((f for f in reversed(ep) if f.name == "relay_done"), None)
            if done is None:
                continue
            for move in moves.between(done.utc, done.utc + MOVE_REACH):
                if move.key not in self._move_taken:
                    self._move_taken.add(move.key)
                    self._moved[ep[0].key] = move
                    self._moved_order.append(ep[0].key)
                    break

    def _index_batches(self, batches: Sequence[Sequence[list[Fact]]], start: datetime
                       ) -> list[tuple[FactKey, frozenset[str], list[Fact]]]:
        """Keep the SMX file name → earliest batch index current; returns the batches from ``start`` on."""
        i = bisect_left(self._batches, start, key=lambda b: b[0][0])
        for key, names, _ in self._batches[i:]:
            for name in names:
                if name in self._smx_batch and self._smx_batch[name][0] >= key:
                    del self._smx_batch[name]
        del self._batches[i:]
        new = sorted(((b[0].key, _batch_files(b), b) for b in _since(batches, start)), key=lambda x: x[0])
        for key, names, batch in new:
            self._batches.append((key, names, batch))
            for name in names:
                if name not in self._smx_batch or key < self._smx_batch[name][0]:
                    self._smx_batch[name] = (key, batch)
        return new

    def _join_statesys(self, sid: str, s: ScanSegment, batches: Sequence[Sequence[list[Fact]]]) -> bool:
        """StateSys loads the scan's SMX file (by name when logged, else the first batch after the relay)."""
        relay = [f for a in self.by_scan.get(sid, {}).get("mp_relay", []) for f in a.facts]
        smx = _smx_names(relay)
        anchor = done_at(relay) or done_at(s.steps.get("state_upload", []))
        att: Attach | None = None
        if anchor is not None:
            lo, hi = anchor - STATESYS_REACH[0], anchor + STATESYS_REACH[1]
            in_time = [b for runs in batches for b in _between(runs, lo, hi)]
            in_time.sort(key=lambda b: b[0].key)
            chosen: list[Fact] | None = None
            how = "time"
            named = [self._smx_batch[n][1] for n in smx if n in self._smx_batch]
            client = {_client_key(f.values["client_id"]) for f in [*s.facts, *relay] if f.values.get("client_id")}
            sent = [b for b in in_time if client & self._senders_of(b)] if client else []
            if named:  # the batch that names the scan's SMX file, whenever it ran
                chosen, how = min(named, key=lambda b: b[0].key), "smx_file"
            elif sent:  # current branch names each file's sender: the client's GUID
                chosen, how = sent[0], "sender"
            else:
                # A batch that names its files is joined by name only: by time it could be any client's.
                chosen = next((b for b in in_time if not _batch_files(b)), None)
            if chosen is not None:
                att = Attach(chosen[0].key, sid, "state_processing", chosen, how)
        return self._set_per_scan("state_processing", sid, att)


    def _senders_of(self, batch: list[Fact]) -> frozenset[str]:
        """:func:`_batch_senders`, computed again only when the batch has grown (facts are only ever
        added to an episode). The cache holds the batch itself, so its id cannot be reused while
        cached; it is emptied when it outgrows the batches kept."""
        hit = self._senders.get(id(batch))
        if hit is not None and hit[0] is batch and hit[1] == len(batch):
            return hit[2]
        if len(self._senders) > 2 * len(self._batches) + 1024:
            self._senders.clear()
        senders = frozenset(_batch_senders(batch))
        self._senders[id(batch)] = (batch, len(batch), senders)
        return senders


def _since(per_machine: Sequence[Sequence[list[Fact]]], start: datetime) -> list[list[Fact]]:
    """Every machine's episodes that start at or after ``start``, merged in time order."""
    out: list[list[Fact]] = []
    for runs in per_machine:
        out.extend(runs[bisect_left(runs, start, key=lambda r: r[0].utc):])
    out.sort(key=lambda r: r[0].key)
    return out


def _between(runs: Sequence[list[Fact]], lo: datetime, hi: datetime) -> Sequence[list[Fact]]:
    i = bisect_left(runs, lo, key=lambda r: r[0].utc)
    j = bisect_left(runs, hi, key=lambda r: r[0].utc)
    while j < len(runs) and runs[j][0].utc <= hi:
        j += 1
    return runs[i:j]


def _batch_files(batch: Sequence[Fact]) -> frozenset[str]:
    # Verbose StateSys names the file it starts; current branch names it in each "Processed N records" line.
    return frozenset(smx_key(f.values["smx"]) for f in batch
                     if f.name in ("ss_processing_file", "ss_records") and f.values.get("smx"))


def _client_key(text: str) -> str:
    return text.strip().upper().removeprefix("GUID:").strip()


def _batch_senders(batch: Sequence[Fact]) -> set[str]:
    return {_client_key(f.values["sender"]) for f in batch if f.name == "ss_records" and f.values.get("sender")}


def smx_key(name: str) -> str:
    """An SMX file's name as both ends know it: StateSys's inbox adds a priority prefix
    (``N_3KRW5Z24.SMX`` for the MP's ``3KRW5Z24.SMX``)."""
    name = name.upper()
    return name[2:] if len(name) > 2 and name[1] == "_" and name[0].isalpha() else name


def _smx_names(facts: Iterable[Fact]) -> set[str]:
    return {smx_key(f.values["smx"]) for f in facts if f.values.get("smx")}


def _sum_task(tasks: SortedFacts, after: datetime) -> list[Fact]:
    """The first SUM summarization task that starts (and its end) after the state messages were processed."""
    started: dict[str, Fact] = {}
    for f in tasks.from_time(after):
        task = f.values.get("task", "")
        if not (task.upper().startswith("SUM ") or task.startswith("<")):
            continue
        if f.name == "ss_task_started":
            started.setdefault(task, f)
        elif f.name in ("ss_task_done", "ss_task_failed"):
            return [x for x in (started.get(task), f) if x is not None]
        if len(started) > 50:
            break
    return list(started.values())[:1]
