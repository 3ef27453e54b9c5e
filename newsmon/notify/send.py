"""Sending notifications: signed webhook POSTs, and apprise destinations in a child process.

Every send is bounded: one deadline for the whole exchange, a few KB of the answer
read at most, no redirect followed, and every connection checked by the SSRF guard.
Each send returns an Outcome; none raises, so one broken destination never stops a
delivery round. Cancelling a send (the service stopping) ends it at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from newsmon.guard.netguard import IPNetwork
from newsmon.notify import appriseproc, webhook
from newsmon.notify.destinations import DestinationRefused
from newsmon.notify.records import Job, Outcome
from newsmon.notify.rules import SIGNATURE_HEADER, is_webhook, message, payload, sign

USER_AGENT = "newsmon-notify/1"
SEND_TIMEOUT = 10.0


@dataclass(frozen=True)
class SendLimits:
    """How far a send may go: its deadline and the networks it may reach."""

    timeout: float = SEND_TIMEOUT
    allow: tuple[IPNetwork, ...] = ()


async def send_all(jobs: list[Job], *, base_url: str, limits: SendLimits) -> list[Outcome]:
    """Deliver each job once, all at once: webhooks here, apprise jobs in one child process."""
    hooks = [job for job in jobs if is_webhook(job.url)]
    others = [job for job in jobs if not is_webhook(job.url)]
    apprised, hooked = await asyncio.gather(
        _apprise(others, base_url, limits),
        asyncio.gather(*(_webhook(job, base_url, limits) for job in hooks)),
    )
    done = {o.delivery_id: o for o in [*apprised, *hooked]}
    return [done[job.delivery_id] for job in jobs]


async def send(job: Job, *, base_url: str, limits: SendLimits) -> Outcome:
    """Deliver one job once (`newsmon notify test`)."""
    [outcome] = await send_all([job], base_url=base_url, limits=limits)
    return outcome


async def _webhook(job: Job, base_url: str, limits: SendLimits) -> Outcome:
    body = payload(job.facts, base_url=base_url)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if job.secret:
        headers[SIGNATURE_HEADER] = sign(body, job.secret)
    try:
        status = await webhook.post(
            job.url, body, headers, allow=limits.allow, timeout=limits.timeout
        )
    except TimeoutError:
        return Outcome(job.delivery_id, ok=False, error=f"no answer within {limits.timeout:g} s")
    except DestinationRefused as exc:
        return Outcome(job.delivery_id, ok=False, error=str(exc))
    except Exception as exc:  # a destination's failure is that delivery's, never the round's
        return Outcome(job.delivery_id, ok=False, error=f"{type(exc).__name__}: {exc}")
    ok = 200 <= status < 300
    return Outcome(job.delivery_id, ok=ok, status=status, error=None if ok else f"HTTP {status}")


async def _apprise(jobs: list[Job], base_url: str, limits: SendLimits) -> list[Outcome]:
    messages = [
        appriseproc.Message(job.delivery_id, job.url, *message(job.facts, base_url=base_url))
        for job in jobs
    ]
    try:
        answers = await appriseproc.send_messages(
            messages, allow=limits.allow, timeout=limits.timeout
        )
    except OSError as exc:  # the child could not be started
        return [Outcome(m.delivery_id, ok=False, error=f"apprise: {exc}") for m in messages]
    return [Outcome(a.delivery_id, ok=a.ok, error=a.error) for a in answers]
