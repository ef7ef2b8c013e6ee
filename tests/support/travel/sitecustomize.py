"""Test-only: every Python process started with this folder on PYTHONPATH moves its clock by
CC_CLOCK_OFFSET_SECONDS, so the browser tests' local stack lives on the same day as a suite run
with `pytest --at ...` (tests/conftest.py). Never on the path of `make run` or AWS."""
import os

_offset = os.environ.get("CC_CLOCK_OFFSET_SECONDS")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
