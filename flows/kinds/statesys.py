"""StateSys on the site server: how its processing records group into batches.

A batch is what a client's state messages go through on the site server: the SMX files picked up
from the inbox, their records processed, bad files set aside. The scan flow joins a client's
state upload to the batch that processed its SMX file (by name) or, failing that, by time.
"""

from __future__ import annotations

from collections.abc import Sequence

from sumtrace.flows.classify import Fact


def statesys_batches(facts: Sequence[Fact]) -> list[list[Fact]]:
    """StateSys batches: the inbox trigger, then (after its pause) the processing thread, to its end.

    Restartable: a batch starts at a trigger, at a "found new state messages" that follows
    anything but a lone trigger, or after two minutes of silence; the thread's end closes it.
    """
    out: list[list[Fact]] = []
    cur: list[Fact] | None = None
    for f in facts:
        new = (cur is None or (f.utc - cur[-1].utc).total_seconds() > 120 or f.name == "ss_inbox_trigger"
               or (f.name == "ss_found" and any(x.name != "ss_inbox_trigger" for x in cur)))
        if new:
            cur = [f]
            out.append(cur)
        else:
            assert cur is not None
            cur.append(f)
        if f.name == "ss_thread_done":
            cur = None
    return out
