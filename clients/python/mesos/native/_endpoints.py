"""Where the masters are, and how long to wait before asking again: pure helpers of the driver."""

import collections
import urllib.parse

DEFAULT_PORT = 5050

Endpoint = collections.namedtuple("Endpoint", "scheme host port")


def _netloc(endpoint):
    host = endpoint.host
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host
    return "%s:%d" % (host, endpoint.port)


Endpoint.netloc = property(_netloc)
Endpoint.__str__ = lambda self: "%s://%s" % (self.scheme, _netloc(self))


def parse_masters(master):
    """The masters as a list of Endpoint, in the order given. ``master`` is "host:port", a
    comma-separated list of them or a Python list, each optionally with http:// or https://.
    Host names are kept as given: they are resolved on every connection, never here."""
    if isinstance(master, (list, tuple)):
        entries = [str(m) for m in master]
    else:
        entries = str(master).split(",")
    endpoints = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        if entry.startswith("zk://"):
            raise ValueError("ZooKeeper master URLs are not supported: give the masters as host:port, comma-separated")
        scheme = "http"
        if "://" in entry:
            scheme, _, entry = entry.partition("://")
            scheme = scheme.lower()
            if scheme not in ("http", "https"):
                raise ValueError("master %r: the scheme must be http or https" % entry)
        endpoints.append(_host_port(entry.split("/", 1)[0], scheme))
    if not endpoints:
        raise ValueError("no master given")
    return endpoints


def _host_port(netloc, scheme):
    parsed = urllib.parse.urlsplit("//" + netloc)
    try:
        port = parsed.port or DEFAULT_PORT
    except ValueError:
        raise ValueError("master %r: bad port" % netloc)
    if not parsed.hostname:
        raise ValueError("master %r: no host" % netloc)
    return Endpoint(scheme, parsed.hostname, port)


def follow_location(current, location):
    """The endpoint a 307's Location names: ``//host:port/path`` keeps the current scheme."""
    parsed = urllib.parse.urlsplit(location)
    if not parsed.netloc:
        return current
    scheme = parsed.scheme.lower() if parsed.scheme else current.scheme
    return _host_port(parsed.netloc, scheme)


class Backoff(object):
    """Delays between subscription attempts: none for the first retry after a working stream
    (another master may lead already), then ``initial`` doubling to ``cap``, each drawn in
    [half, all] of it by ``random`` (a ``random.Random``; seed it to replay)."""

    def __init__(self, random, initial_s=0.05, cap_s=2.0):
        self._random = random
        self._initial = initial_s
        self._cap = cap_s
        self._failures = 0

    def reset(self):
        self._failures = 0

    def next_delay_s(self):
        """The wait before the next attempt, after one more failure."""
        if self._failures == 0:
            self._failures = 1
            return 0.0
        ceiling = min(self._cap, self._initial * (2 ** (self._failures - 1)))
        self._failures = min(self._failures + 1, 32)
        return ceiling * (0.5 + 0.5 * self._random.random())
