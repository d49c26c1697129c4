"""One HTTP request to one master, and following a leader's 307s: the driver's thin I/O shell."""

import base64
import http.client
import os
import socket
import ssl

from mesos.native._endpoints import follow_location

API_PATH = "/api/v1/scheduler"
MAX_REDIRECTS = 5


class NoLeader(Exception):
    """No master answered as the leader (503, a refused connection, a timeout, too many redirects)."""


class Refused(Exception):
    """The master refused the request for good (400, 401, 403, ...): retrying will not help."""

    def __init__(self, status, message):
        Exception.__init__(self, "%d %s" % (status, message))
        self.status = status
        self.message = message


def ssl_context():
    """Mesos' variables: masters verified with LIBPROCESS_SSL_CA_FILE when set (the system's authorities
    otherwise), a client certificate from LIBPROCESS_SSL_CERT_FILE and LIBPROCESS_SSL_KEY_FILE when set."""
    context = ssl.create_default_context(cafile=os.environ.get("LIBPROCESS_SSL_CA_FILE") or None)
    certificate = os.environ.get("LIBPROCESS_SSL_CERT_FILE")
    if certificate:
        context.load_cert_chain(certificate, os.environ.get("LIBPROCESS_SSL_KEY_FILE") or None)
    if os.environ.get("LIBPROCESS_SSL_VERIFY_CERT", "").lower() in ("false", "0", "no"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def basic_authorization(credential):
    if credential is None or not credential.principal:
        return None
    pair = ("%s:%s" % (credential.principal, credential.secret)).encode("utf-8")
    return "Basic " + base64.b64encode(pair).decode("ascii")


def connect(endpoint, timeout_s):
    """A new connection: the host name is resolved again each time (a DNS name may move to the new leader)."""
    if endpoint.scheme == "https":
        return http.client.HTTPSConnection(endpoint.host, endpoint.port, timeout=timeout_s, context=ssl_context())
    return http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout_s)


def post(endpoint, body, headers, timeout_s, register=None):
    """POSTs to the scheduler API, following 307s to the leader. Returns (connection, response,
    endpoint answered) for a 2xx, with the body unread; raises NoLeader or Refused otherwise.
    ``register(connection)`` is told of each connection so another thread can close it."""
    for _ in range(MAX_REDIRECTS + 1):
        connection = connect(endpoint, timeout_s)
        try:
            connection.request("POST", API_PATH, body=body, headers=headers)
            # http.client drops connection.sock when a response will close; keep it to time out and close reads.
            connection.mesos_sock = connection.sock
            if register is not None:
                register(connection)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as e:
            connection.close()
            raise NoLeader("%s: %s" % (endpoint, e))
        if 200 <= response.status < 300:
            return connection, response, endpoint
        text = _read_text(response)
        connection.close()
        if response.status in (301, 302, 303, 307, 308):
            location = response.getheader("Location")
            if not location:
                raise NoLeader("%s: %d without Location" % (endpoint, response.status))
            endpoint = follow_location(endpoint, location)
            continue
        if response.status in (502, 503, 504) or response.status == 429:
            raise NoLeader("%s: %d %s" % (endpoint, response.status, text))
        raise Refused(response.status, text or response.reason)
    raise NoLeader("more than %d redirects" % MAX_REDIRECTS)


def _read_text(response):
    try:
        return response.read(4096).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""


def sock_of(connection):
    return getattr(connection, "mesos_sock", None) or connection.sock


def shutdown(connection):
    """Closes a connection another thread may be reading from: shutdown wakes a blocked read."""
    sock = sock_of(connection)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    try:
        connection.close()
    except OSError:
        pass
