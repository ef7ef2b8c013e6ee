"""The time an invocation has left, and what fits in it.

A scheduled function reads the remaining time of its Lambda invocation from the context
(`context.get_remaining_time_in_millis()`); outside Lambda (the local timer, a staff "run now"
in process, tests) a budget of so many seconds stands in. Work stops taking new items while it can
still store what it did, so a run that reaches its deadline leaves consistent state and the next
invocation carries on.
"""
from __future__ import annotations

import time
from typing import Callable

# Never start an outside call with less than this to wait for its answer.
MIN_CALL_SECONDS = 1.0


class Deadline:
    def __init__(self, remaining: Callable[[], float]):
        self._remaining = remaining

    @classmethod
    def seconds(cls, budget: float, clock: Callable[[], float] = time.monotonic) -> "Deadline":
        end = clock() + budget
        return cls(lambda: end - clock())

    @classmethod
    def from_context(cls, context, default_seconds: float) -> "Deadline":
        """The invocation's own deadline when Lambda gave a context, else `default_seconds`."""
        getter = getattr(context, "get_remaining_time_in_millis", None)
        if callable(getter):
            return cls(lambda: getter() / 1000.0)
        return cls.seconds(default_seconds)

    def left(self) -> float:
        """Seconds until the invocation ends."""
        return max(0.0, float(self._remaining()))

    def allows(self, seconds: float) -> bool:
        """Is there more than `seconds` left?"""
        return self.left() > seconds

    def call_timeout(self, own: float, reserve: float) -> float | None:
        """The timeout for an outside call that must finish, and leave `reserve` seconds to store its
        result, before the deadline: the smaller of its own timeout and what is left; None when that
        is too short to start the call at all."""
        timeout = min(own, self.left() - reserve)
        return timeout if timeout >= MIN_CALL_SECONDS else None
