"""A small fake master for the driver's tests: http.server on 127.0.0.1 on a free port, speaking
just enough of the v1 scheduler API. Each SUBSCRIBE is answered by ``on_subscribe(call, headers)``,
which returns ("redirect", location), ("status", code) or ("stream", Stream); other calls are
recorded and answered by ``on_call`` (202 unless a test says otherwise). Everything is waited on with deadlines, never with sleeps."""

import _paths  # noqa: F401
import http.server
import json
import queue
import select
import socket
import ssl
import threading
import time

from mesos.native._recordio import encode

DEADLINE_S = 10.0


class Stream(object):
    """An open event stream: ``send`` events to the driver, ``close`` it (the master ends the response)."""

    def __init__(self, stream_id):
        self.stream_id = stream_id
        self._queue = queue.Queue()
        self.closed = threading.Event()

    def send(self, event):
        self._queue.put(encode(json.dumps(event)))

    def send_raw(self, data):
        self._queue.put(data)

    def close(self):
        self._queue.put(None)

    def _next(self):
        """The next bytes to send, None to end the stream, False when there was nothing for a while
        (the handler then checks whether the driver closed its end)."""
        try:
            return self._queue.get(timeout=0.05)
        except queue.Empty:
            return False


class FakeMaster(object):
    def __init__(self, tls=None):
        """``tls``: (certificate file, key file) to serve HTTPS."""
        self.calls = []             # (call, headers) of every request, SUBSCRIBE included
        self.streams = []
        self._changed = threading.Condition()
        self.on_subscribe = lambda call, headers: ("stream", self.new_stream(call))
        self.on_call = lambda call, headers: ("status", 202)
        master = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                call = json.loads(body.decode("utf-8"))
                master._record(call, self.headers)
                handler = master.on_subscribe if call.get("type") == "SUBSCRIBE" else master.on_call
                kind, value = handler(call, self.headers)
                if kind == "redirect":
                    self._reply(307, {"Location": value})
                elif kind == "status":
                    self._reply(value)
                else:
                    self._stream(value)

            def _peer_closed(self):
                readable, _, _ = select.select([self.connection], [], [], 0)
                if not readable:
                    return False
                try:
                    return self.connection.recv(1, socket.MSG_PEEK) == b""
                except ValueError:
                    return False  # TLS: no peeking; such a stream ends when the master closes it
                except OSError:
                    return True

            def _reply(self, code, headers=None):
                self.send_response(code)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _stream(self, stream):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Mesos-Stream-Id", stream.stream_id)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.flush()
                self.close_connection = True
                try:
                    while True:
                        data = stream._next()
                        if data is False:
                            if self._peer_closed():
                                break
                            continue
                        if data is None:
                            self.wfile.write(b"0\r\n\r\n")
                            break
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        self.wfile.flush()
                except OSError:
                    pass
                finally:
                    stream.closed.set()

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.address = "127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def new_stream(self, call, framework_id="fw-1", heartbeat_s=15.0):
        """A stream that starts with SUBSCRIBED (the id the call asked for, or ``framework_id``)."""
        stream = Stream("stream-%d" % (len(self.streams) + 1))
        given = (call.get("framework_id") or {}).get("value")
        stream.send({"type": "SUBSCRIBED", "subscribed": {"framework_id": {"value": given or framework_id},
                                                          "heartbeat_interval_seconds": heartbeat_s}})
        with self._changed:
            self.streams.append(stream)
            self._changed.notify_all()
        return stream

    def _record(self, call, headers):
        with self._changed:
            self.calls.append((call, dict(headers)))
            self._changed.notify_all()

    def calls_of(self, kind):
        with self._changed:
            return [(c, h) for c, h in self.calls if c.get("type") == kind]

    def wait_for(self, what, predicate, timeout_s=DEADLINE_S):
        """Waits until ``predicate()`` holds; AssertionError naming ``what`` and the calls seen otherwise."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for %s; calls seen: %s" % (what, [c.get("type") for c, _ in self.calls]))
                self._changed.wait(left)

    def wait_for_calls(self, kind, count=1, timeout_s=DEADLINE_S):
        self.wait_for("%d %s call(s)" % (count, kind), lambda: len(self.calls_of(kind)) >= count, timeout_s)
        return self.calls_of(kind)

    def stream(self, index=-1):
        self.wait_for("a stream", lambda: len(self.streams) > (index if index >= 0 else 0))
        with self._changed:
            return self.streams[index]

    def close(self):
        for stream in list(self.streams):
            stream.close()
        self._server.shutdown()
        self._server.server_close()


class RecordingScheduler(object):
    """Records every callback as (name, args); ``wait_for`` waits with a deadline."""

    def __init__(self, on=None):
        self.events = []
        self._changed = threading.Condition()
        self._on = on or {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def callback(driver, *args):
            with self._changed:
                self.events.append((name, args))
                self._changed.notify_all()
            if name in self._on:
                self._on[name](driver, *args)
        return callback

    def names(self):
        with self._changed:
            return [n for n, _ in self.events]

    def of(self, name):
        with self._changed:
            return [a for n, a in self.events if n == name]

    def wait_for(self, what, predicate, timeout_s=DEADLINE_S):
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for %s; callbacks seen: %s" % (what, [n for n, _ in self.events]))
                self._changed.wait(left)

    def wait_for_callback(self, name, count=1, timeout_s=DEADLINE_S):
        self.wait_for("%d %s callback(s)" % (count, name), lambda: len([1 for n, _ in self.events if n == name]) >= count, timeout_s)
        return self.of(name)
