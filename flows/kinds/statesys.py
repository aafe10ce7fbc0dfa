"""StateSys on the site server: how its processing records group into batches.

A batch is what a client's state messages go through on the site server: the SMX files picked up
from the inbox, their records processed, bad files set aside. The scan flow joins a client's
state upload to the batch that processed its SMX file (by name) or, failing that, by time.

Real StateSys.log (current branch, verbose or not) writes, per batch::

    Inbox notification triggered, pause for 10 seconds....      (optional, 10 s before)
    Found new state messages to process, starting processing thread
    Thread "State Message Processing Thread #0" id:8392 started
    total chunks loaded (1)                                      (the seed's 2012 R2 sample: "chucks")
    CMessageProcessor - Processed 1 records with 0 invalid records from sender: X, file: N_1iucexc1.SMX.
    total chunks loaded (0)
    Thread "State Message Processing Thread #0" id:8392 terminated normally

The inbox trigger is only a wake-up: StateSys pauses, and when the pause finds nothing new no
thread starts (site-CHQ-lab: 171 triggers, 84 processing threads). A trigger alone is no batch.
"""

from __future__ import annotations

from collections.abc import Sequence

from sumtrace.flows.classify import Fact

_GAP_S = 120
_ENDS = frozenset({"ss_thread_done", "ss_thread_ended"})


def statesys_batches(facts: Sequence[Fact]) -> list[list[Fact]]:
    """StateSys batches: the inbox trigger, then (after its pause) the processing thread, to its end.

    Restartable: a batch starts at a trigger, at a "found new state messages" that follows
    anything but a lone trigger, or after two minutes of silence; the thread's end closes it.
    Groups holding nothing but inbox triggers (a wake-up that found nothing) are not batches and
    are left out; dropping them keeps the splitter restartable, because re-splitting from an
    earlier batch's start sees the same triggers again.
    """
    out: list[list[Fact]] = []
    cur: list[Fact] | None = None
    for f in facts:
        new = (cur is None or (f.utc - cur[-1].utc).total_seconds() > _GAP_S or f.name == "ss_inbox_trigger"
               or (f.name == "ss_found" and any(x.name != "ss_inbox_trigger" for x in cur)))
        if new:
            cur = [f]
            out.append(cur)
        else:
            assert cur is not None
            cur.append(f)
        if f.name in _ENDS:
            cur = None
    return [b for b in out if any(f.name != "ss_inbox_trigger" for f in b)]
