"""When to check an article next, when to freeze it, how to back off: pure decisions.

The schedule relaxes as an article goes quiet, counted from its last change (or
first sighting when it never changed), and stops for good at the freeze age.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Step:
    """Below `age` since the last change, check every `every`."""

    age: timedelta
    every: timedelta


def _default_steps() -> tuple[Step, ...]:
    return (
        Step(timedelta(hours=3), timedelta(minutes=15)),
        Step(timedelta(days=1), timedelta(hours=1)),
        Step(timedelta(days=7), timedelta(hours=3)),
        Step(timedelta(days=40), timedelta(days=1)),
    )


@dataclass(frozen=True)
class RecheckPolicy:
    """The recheck schedule, the freeze age and the error backoff."""

    steps: tuple[Step, ...] = field(default_factory=_default_steps)
    freeze_after: timedelta = timedelta(days=40)
    error_backoff_base: timedelta = timedelta(minutes=15)
    error_backoff_cap: timedelta = timedelta(days=1)
    gone_after_errors: int = 3
    # A source's own floor (`sources set --interval`): no check comes sooner after another.
    floor: timedelta = timedelta(0)

    def floored(self, floor: timedelta | None) -> RecheckPolicy:
        """This policy with a source's floor under every interval (None: as it is)."""
        return self if not floor or floor == self.floor else replace(self, floor=floor)

    def interval(self, quiet_for: timedelta) -> timedelta | None:
        """How often to check an article quiet for `quiet_for`; None once it is frozen."""
        if quiet_for >= self.freeze_after:
            return None
        every = next((s.every for s in self.steps if quiet_for < s.age), None)
        if every is None:
            every = self.steps[-1].every if self.steps else timedelta(days=1)
        return max(every, self.floor)

    def should_freeze(self, *, quiet_since: datetime, now: datetime) -> bool:
        return now - quiet_since >= self.freeze_after

    def freeze_cutoff(self, now: datetime) -> datetime:
        """Articles quiet since before this moment are frozen."""
        return now - self.freeze_after

    def next_check(self, *, quiet_since: datetime, now: datetime) -> datetime | None:
        """The next check after one at `now`, never later than the freeze moment."""
        interval = self.interval(now - quiet_since)
        if interval is None:
            return None
        if self.floor > timedelta(0):  # the operator's floor holds even near the freeze
            return now + interval
        return min(now + interval, quiet_since + self.freeze_after)

    def error_backoff(self, consecutive_errors: int) -> timedelta:
        """Exponential backoff after the n-th consecutive error, capped."""
        exponent = max(consecutive_errors - 1, 0)
        delay = self.error_backoff_base * (2 ** min(exponent, 20))
        return min(delay, self.error_backoff_cap)

    def next_check_after_error(
        self, *, quiet_since: datetime, now: datetime, consecutive_errors: int
    ) -> datetime | None:
        regular = self.next_check(quiet_since=quiet_since, now=now)
        if regular is None:
            return None
        return max(regular, now + self.error_backoff(consecutive_errors))


@dataclass(frozen=True)
class FeedPolicy:
    """How often feeds are polled and how a failing feed backs off."""

    interval: timedelta = timedelta(minutes=5)
    error_backoff_cap: timedelta = timedelta(hours=6)

    def floored(self, floor: timedelta | None) -> FeedPolicy:
        """This policy polling no more often than a source's floor (None: as it is)."""
        return self if not floor or floor <= self.interval else replace(self, interval=floor)

    def next_poll(self, *, now: datetime, consecutive_errors: int) -> datetime:
        if consecutive_errors <= 0:
            return now + self.interval
        delay = self.interval * (2 ** min(consecutive_errors, 20))
        return now + min(delay, self.error_backoff_cap)


def expected_checks(policy: RecheckPolicy) -> int:
    """How many checks an article that never changes gets before it is frozen."""
    total, start = 0, timedelta(0)
    for step in policy.steps:
        end = min(step.age, policy.freeze_after)
        if end > start:
            total += -(-(end - start) // step.every)
            start = end
    return total
