"""Seed 000, second part: a SIGALRM handler that raises from inside a
blocking wait skips the cleanup after it.

A client sends requests to a server process and waits for each response on
a pipe.  Its bookkeeping entry for a request (`_pending`) is removed after
the wait.  A SIGALRM handler ("time is up") raises RuntimeError — an
Exception, so the client's loop reports the failed request and carries on —
but the line that removes the entry never runs: it leaks.

Under sigjam the alarm fires at the worst moment:
`read:in=parent:fd=pipe:during=300ms:signal=ALRM@self` delivers SIGALRM
while the client is blocked reading the slow response.  Pass --finally for
the fixed twin: the cleanup sits in a `finally:` block.
"""
import multiprocessing
import os
import signal
import sys
import time

REQUESTS = [(1, 0.0), (2, 1.0)]  # (request id, seconds the server takes)


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def server(requests, responses, parent_ends):
    for conn in parent_ends:  # forked copies: keeping them would block EOF
        conn.close()
    while True:
        try:
            rid, seconds = requests.recv()
        except EOFError:
            return
        time.sleep(seconds)
        responses.send((rid, f"result of request {rid}"))


class Client:
    def __init__(self, requests, responses, use_finally):
        self._requests = requests
        self._responses = responses
        self._use_finally = use_finally
        self._pending = {}  # request id -> time sent

    def request(self, rid, seconds):
        self._pending[rid] = time.monotonic()
        self._requests.send((rid, seconds))
        if self._use_finally:
            try:
                return self._wait_response(rid)
            finally:
                self._pending.pop(rid, None)
        response = self._wait_response(rid)
        self._pending.pop(rid)  # skipped when _wait_response raises
        return response

    def _wait_response(self, rid):
        while True:
            got, payload = self._responses.recv()
            if got == rid:
                return payload
            print(f"client: dropping stale response to request {got}", flush=True)

    def pending(self):
        return sorted(self._pending)


def time_is_up(signum, frame):
    raise RuntimeError("Time is up!")


def main(argv):
    use_finally = "--finally" in argv
    ctx = multiprocessing.get_context(start_method())
    req_r, req_w = ctx.Pipe(duplex=False)
    resp_r, resp_w = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=server, args=(req_r, resp_w, (req_w, resp_r)))
    proc.start()
    req_r.close()
    resp_w.close()

    signal.signal(signal.SIGALRM, time_is_up)
    signal.alarm(60)  # the program's own deadline; sigjam fires it early
    client = Client(req_w, resp_r, use_finally)
    for rid, seconds in REQUESTS:
        try:
            print(f"client: request {rid}: {client.request(rid, seconds)}", flush=True)
        except Exception as e:  # the usual "log it and carry on"
            print(f"client: request {rid} failed: {e!r}", flush=True)
    signal.alarm(0)

    req_w.close()
    proc.join()
    left = client.pending()
    print(f"client: pending entries after all requests: {left}", flush=True)
    if left:
        print(f"client: LEAK: {len(left)} entry never cleaned up", flush=True)
        return 1
    print("client: no leak", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
