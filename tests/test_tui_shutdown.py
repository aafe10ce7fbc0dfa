"""The app's driver stops however the app ends, even when Textual cancelled its worker first.

A thread worker that Textual cancels (at exit, after an error in a handler) is marked cancelled at
once, but the asyncio loop in its thread keeps running the driver: the demo's writer and the
watcher's observer threads with it, so the process never exited. The app now tells a driver whose
loop still runs to stop, whatever its worker's state.
"""

from __future__ import annotations

import asyncio
import time

from sumtrace.live.demo import make_demo


async def test_demo_stops_when_textual_cancelled_the_driver_worker_first() -> None:
    from sumtrace.tui.app import demo_app

    demo = make_demo(("healthy-first-scan",), speed=60.0, max_gap=0.5)  # minutes of writing left
    try:
        app = demo_app(demo, install_signals=False, animations=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.5)
            worker = app._driver_worker
            assert worker is not None and app.threaded
            worker.cancel()  # what Textual does to its workers when the app ends
            await pilot.pause(0.1)
            assert not app.driver_running and app.driver_thread_alive
            app.exit()
        deadline = time.monotonic() + 5
        while not app.driver_done and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert app.driver_done, "the driver's loop was left running"
        assert demo.writer.done
    finally:
        demo.cleanup()
