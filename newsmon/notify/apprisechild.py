"""The process that sends one round's apprise notifications, so it can be killed.

apprise's plugins block in threads that cannot be stopped and read whole answers, so
they run here, in a child of the service (`python -m newsmon.notify.apprisechild`),
which the service kills at its deadline or when it stops. Before apprise is
imported, this process is narrowed:

- every name it resolves goes through the SSRF guard (`socket.getaddrinfo` refuses a
  host with any address off the allow-list, and only checked addresses are
  returned, so they are the ones connected to: the rule of newsmon.guard.netguard for every
  plugin and library, whatever protocol it speaks);
- requests follows no redirect, and reads at most `cap` bytes of any answer;
- it ends itself (SIGALRM) if its parent has not killed it by then.

Input on stdin: {"allow", "cap", "timeout", "jobs": [{"id", "url", "title", "body"}]}.
Output on stdout: one JSON line per job as it finishes: {"id", "ok", "error"}; jobs
unfinished at `timeout` are answered "no answer within" and the process exits.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import sys
import threading
from typing import Any

from newsmon.guard.netguard import IPNetwork, parse_networks
from newsmon.notify.destinations import DestinationRefused, address_refusal

ORPHAN_GRACE = 10  # seconds past the timeout after which the process ends itself
_refused = threading.local()  # the guard's last refusal in this thread, for the error


def guard_resolver(allow: tuple[IPNetwork, ...]) -> None:
    """Make every resolution in this process pass the SSRF guard."""
    original = socket.getaddrinfo

    def guarded(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        found = original(host, port, *args, **kwargs)
        if host is None:  # a local (listening) address, not a destination
            return found
        name = host.decode() if isinstance(host, bytes) else str(host)
        reason = address_refusal(name, [str(info[4][0]) for info in found], allow)
        if reason:
            _refused.reason = reason
            raise DestinationRefused(reason)
        return found

    socket.getaddrinfo = guarded


def cap_requests(cap: int) -> None:
    """requests in this process: no redirects, at most `cap` bytes of any answer."""
    import requests
    from requests.adapters import HTTPAdapter
    from requests.sessions import SessionRedirectMixin

    send = HTTPAdapter.send

    def capped(self: HTTPAdapter, request: Any, stream: bool = False, **kwargs: Any) -> Any:
        response = send(self, request, stream=True, **kwargs)
        if not stream:
            try:
                head = response.raw.read(cap, decode_content=True)
            finally:
                response.raw.close()  # the rest is never read: the connection goes
                response.raw.release_conn()
            response._content = head
            # types-requests leaves out this private flag, which `.content` reads first
            response._content_consumed = True  # type: ignore[attr-defined]
        return response

    def no_redirect(self: SessionRedirectMixin, resp: requests.Response) -> str | None:
        return None

    # Patching requests' own methods: mypy forbids assigning to a method (method-assign),
    # and `capped` passes the adapter's optional arguments on as **kwargs (assignment).
    HTTPAdapter.send = capped  # type: ignore[method-assign, assignment]
    requests.Session.get_redirect_target = no_redirect  # type: ignore[method-assign]


def send_one(job: dict[str, Any]) -> dict[str, Any]:
    """One apprise notification in this thread; never raises."""
    import apprise

    _refused.reason = None
    try:
        asset = apprise.AppriseAsset(http_redirects=False, service_timeout=0)
        notifier = apprise.Apprise(asset=asset)
        if not notifier.add(job["url"]):
            return {"id": job["id"], "ok": False, "error": "apprise does not know this destination"}
        result = notifier.notify(body=job["body"], title=job["title"])
        ok = bool(result)
        error = None if ok else (_refused.reason or _last_warning(result))
    except Exception as exc:  # a plugin's failure is that delivery's
        ok, error = False, _refused.reason or f"{type(exc).__name__}: {exc}"
    return {"id": job["id"], "ok": ok, "error": error}


def _last_warning(result: Any) -> str:
    """apprise's last warning about this notification (it logs why it failed), in short."""
    entries = [e for e in result.logs() if e.level in ("WARNING", "ERROR")]
    return f"apprise: {entries[-1].message[:300]}" if entries else "apprise: not delivered"


def main() -> None:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything a plugin prints goes to stderr, never into the answers
    request = json.load(sys.stdin)
    timeout = float(request["timeout"])
    signal.alarm(math.ceil(timeout) + ORPHAN_GRACE)  # default action: the process ends
    guard_resolver(parse_networks(request["allow"]))
    cap_requests(int(request["cap"]))
    import apprise  # noqa: F401  (after the guards: plugins bind requests as they import)

    lock, finished = threading.Lock(), threading.Condition()
    pending = {job["id"] for job in request["jobs"]}

    def run(job: dict[str, Any]) -> None:
        answer = send_one(job)
        with lock:
            out.write(json.dumps(answer) + "\n")
            out.flush()
        with finished:
            pending.discard(job["id"])
            finished.notify()

    for job in request["jobs"]:
        threading.Thread(target=run, args=(job,), daemon=True).start()
    with finished:
        finished.wait_for(lambda: not pending, timeout=timeout)
        late = sorted(pending)
    with lock:
        for job_id in late:
            error = f"no answer within {timeout:g} s"
            out.write(json.dumps({"id": job_id, "ok": False, "error": error}) + "\n")
        out.flush()
        os._exit(0)  # threads still waiting on a receiver are abandoned with the process


if __name__ == "__main__":
    main()
