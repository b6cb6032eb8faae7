# SPDX-License-Identifier: LGPL-2.1-or-later
"""HTTP helpers shared by the pytest suites (beside portpick.py): one answer type, one plain
request function, and upstream's JSON serialisation for exact-body assertions."""

import http.client
import json


class Response:
    """An HTTP answer: status, reason, headers (lower-case names, first value wins; every one
    in header_list), body bytes."""

    def __init__(self, status, headers, body, reason=""):
        self.status = status
        self.reason = reason
        self.header_list = list(headers)
        self.headers = {}
        for k, v in self.header_list:
            self.headers.setdefault(k.lower(), v)
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %d %r %r>" % (self.status, self.header_list, self.body[:2000])


def http_request(port, method, path, body=None, headers=None, timeout=30.0, host="127.0.0.1"):
    """One request on a fresh connection to @host:@port; the answer as a Response."""
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, resp.getheaders(), data, resp.reason)
    finally:
        conn.close()


def dumps(obj):
    """Upstream's serialisation (rest-api.md §7.1): sorted keys, compact, ASCII, final newline."""
    return (json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n").encode()


def seldon_error(info, reason="MICROSERVICE_BAD_DATA"):
    """The exact body bytes of a Seldon error object (rest-api.md §8.1)."""
    return dumps({"status": {"code": -1, "info": info, "reason": reason, "status": 1}})
