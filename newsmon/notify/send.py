"""Sending one notification: a signed webhook POST (httpx) or any apprise destination.

Every send is bounded by a timeout and returns an Outcome; none raises, so one
broken destination never stops a delivery round.
"""

from __future__ import annotations

import asyncio

import httpx

from newsmon.notify.records import Job, Outcome
from newsmon.notify.rules import SIGNATURE_HEADER, is_webhook, message, payload, sign

USER_AGENT = "newsmon-notify/1"


async def send(job: Job, *, base_url: str, timeout: float) -> Outcome:
    """Deliver `job` once, within `timeout` seconds all told."""
    try:
        return await asyncio.wait_for(_send(job, base_url, timeout), timeout)
    except TimeoutError:
        return Outcome(job.delivery_id, ok=False, error=f"no answer within {timeout:g} s")
    except Exception as exc:  # a destination's failure is that delivery's, never the round's
        return Outcome(job.delivery_id, ok=False, error=f"{type(exc).__name__}: {exc}")


async def _send(job: Job, base_url: str, timeout: float) -> Outcome:
    if is_webhook(job.url):
        return await _webhook(job, base_url, timeout)
    return await _apprise(job, base_url)


async def _webhook(job: Job, base_url: str, timeout: float) -> Outcome:
    body = payload(job.facts, base_url=base_url)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if job.secret:
        headers[SIGNATURE_HEADER] = sign(body, job.secret)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        response = await client.post(job.url, content=body, headers=headers)
    ok = 200 <= response.status_code < 300
    error = None if ok else f"HTTP {response.status_code}"
    return Outcome(job.delivery_id, ok=ok, status=response.status_code, error=error)


async def _apprise(job: Job, base_url: str) -> Outcome:
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(job.url):
        return Outcome(job.delivery_id, ok=False, error="apprise does not know this destination")
    title, body = message(job.facts, base_url=base_url)
    ok = await notifier.async_notify(body=body, title=title)
    return Outcome(job.delivery_id, ok=bool(ok), error=None if ok else "apprise: not delivered")
