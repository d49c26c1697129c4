"""MesosSchedulerDriver over the Mesos v1 scheduler HTTP API with JSON.

Threading: one background thread subscribes, reads the event stream and calls the scheduler back,
one callback at a time. Driver methods may be called from any thread, callbacks included; calls go
out synchronously on the caller's thread, each on its own connection to the master holding the
stream. State shared between the two is guarded by one lock, never held across I/O or callbacks.
"""

import base64
import getpass
import http.client
import json
import logging
import random as _random
import socket
import threading

from mesos.interface import SchedulerDriver, mesos_pb2
from mesos.native import _events, _http
from mesos.native._endpoints import Backoff, parse_masters
from mesos.native._recordio import RecordIOError, RecordIOReader

log = logging.getLogger("mesos.native")

DRIVER_NOT_STARTED = mesos_pb2.DRIVER_NOT_STARTED
DRIVER_RUNNING = mesos_pb2.DRIVER_RUNNING
DRIVER_ABORTED = mesos_pb2.DRIVER_ABORTED
DRIVER_STOPPED = mesos_pb2.DRIVER_STOPPED

_TERMINAL = mesos_pb2.TERMINAL_STATES


class MesosSchedulerDriver(SchedulerDriver):
    """Mesos' scheduler driver: ``MesosSchedulerDriver(scheduler, framework, master,
    implicitAcknowledgements=True, credential=None)``. See the module documentation for threading."""

    #: Bounds each subscription attempt (connect and response headers), so a paused master costs one attempt.
    attempt_timeout_s = 5.0
    #: Bounds each call.
    call_timeout_s = 10.0
    #: The stream is dead after this many heartbeat intervals without a byte.
    heartbeat_misses = 3
    #: Tasks remembered for reconciliation after a re-subscription.
    max_tracked_tasks = 100000

    def __init__(self, scheduler, framework, master, implicitAcknowledgements=True, credential=None, random=None):
        self._scheduler = scheduler
        self._framework = mesos_pb2.FrameworkInfo()
        self._framework.CopyFrom(framework)
        if not self._framework.user:
            self._framework.user = getpass.getuser()
        if not self._framework.hostname:
            self._framework.hostname = socket.gethostname()
        if credential is not None and not self._framework.principal:
            self._framework.principal = credential.principal
        self._masters = parse_masters(master)
        self._implicit_acks = bool(implicitAcknowledgements)
        self._authorization = _http.basic_authorization(credential)
        self._random = random if random is not None else _random.Random()
        self._lock = threading.Condition()
        self._status = DRIVER_NOT_STARTED
        self._stopping = False         # stop() under way: no more callbacks, no re-subscription
        self._wake = threading.Event()
        self._thread = None
        self._stream = None            # the connection the stream thread reads, to close it from stop/abort
        self._stream_id = None
        self._leader = None            # the endpoint that answered SUBSCRIBE
        self._registered_once = False
        self._got_subscribed = False   # the stream thread's: the current attempt got SUBSCRIBED
        self._tasks = {}               # task id -> agent id (or None): non-terminal tasks seen

    # Life cycle ---------------------------------------------------------------------------

    def start(self):
        with self._lock:
            if self._status != DRIVER_NOT_STARTED:
                return self._status
            self._status = DRIVER_RUNNING
            self._thread = threading.Thread(target=self._run, name="mesos-scheduler-driver", daemon=True)
            self._thread.start()
            return DRIVER_RUNNING

    def stop(self, failover=False):
        with self._lock:
            if self._status not in (DRIVER_RUNNING, DRIVER_ABORTED):
                return self._status
            aborted = self._status == DRIVER_ABORTED
            connected = self._stream_id is not None
            # Set before TEARDOWN goes out: the master may close the stream before it answers.
            self._stopping = True
        if not failover and not aborted and connected:
            self._send({"type": "TEARDOWN"})
        with self._lock:
            self._status = DRIVER_STOPPED
            self._end_stream_locked()
            return DRIVER_ABORTED if aborted else DRIVER_STOPPED

    def abort(self):
        with self._lock:
            if self._status != DRIVER_RUNNING:
                return self._status
            self._status = DRIVER_ABORTED
            self._end_stream_locked()
            return DRIVER_ABORTED

    def join(self):
        with self._lock:
            if self._status == DRIVER_NOT_STARTED:
                return self._status
            while self._status == DRIVER_RUNNING:
                self._lock.wait()
            return self._status

    def run(self):
        status = self.start()
        return self.join() if status == DRIVER_RUNNING else status

    def _end_stream_locked(self):
        self._stream_id = None
        self._wake.set()
        if self._stream is not None:
            _http.shutdown(self._stream)
        self._lock.notify_all()

    # Calls ----------------------------------------------------------------------------------

    def launchTasks(self, offerIds, tasks, filters=None):
        operation = mesos_pb2.Offer.Operation()
        operation.type = mesos_pb2.Offer.Operation.LAUNCH
        operation.launch.task_infos.extend(tasks)
        return self.acceptOffers(offerIds, [operation], filters)

    def acceptOffers(self, offerIds, operations, filters=None):
        for operation in operations:
            for task in operation.launch.task_infos:
                self._track(task.task_id.value, task.slave_id.value if task.HasField("slave_id") else None)
        accept = {"offer_ids": _events.offer_ids(offerIds), "operations": [o.to_json() for o in operations]}
        if filters is not None:
            accept["filters"] = _events.filters_json(filters)
        return self._call({"type": "ACCEPT", "accept": accept})

    def declineOffer(self, offerId, filters=None):
        decline = {"offer_ids": _events.offer_ids(offerId)}
        if filters is not None:
            decline["filters"] = _events.filters_json(filters)
        return self._call({"type": "DECLINE", "decline": decline})

    def killTask(self, taskId):
        kill = {"task_id": taskId.to_json()}
        with self._lock:
            agent = self._tasks.get(taskId.value)
        if agent:
            kill["agent_id"] = {"value": agent}
        return self._call({"type": "KILL", "kill": kill})

    def acknowledgeStatusUpdate(self, status):
        if not status.uuid or not status.slave_id.value:
            return self.status
        return self._call(_events.acknowledge(status))

    def reconcileTasks(self, tasks):
        return self._call(_events.reconcile([(s.task_id.value, s.slave_id.value) for s in tasks]))

    def reviveOffers(self):
        return self._call({"type": "REVIVE"})

    def suppressOffers(self):
        return self._call({"type": "SUPPRESS"})

    def sendFrameworkMessage(self, executorId, slaveId, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        return self._call({"type": "MESSAGE", "message": {
            "agent_id": slaveId.to_json(), "executor_id": executorId.to_json(),
            "data": base64.b64encode(data).decode("ascii")}})

    def requestResources(self, requests):
        return self._call({"type": "REQUEST", "request": {"requests": [r.to_json() for r in requests]}})

    @property
    def status(self):
        with self._lock:
            return self._status

    @property
    def frameworkId(self):
        """The framework's id once subscribed (a mesos_pb2.FrameworkID), None before."""
        with self._lock:
            return _copy(self._framework.id) if self._framework.id.value else None

    def _call(self, call):
        with self._lock:
            if self._status != DRIVER_RUNNING:
                return self._status
        self._send(call)
        return DRIVER_RUNNING

    def _send(self, call):
        """Sends a call on the caller's thread to the master holding the stream; dropped (as Mesos' driver
        drops them) while not subscribed. A call the master refuses is logged."""
        with self._lock:
            stream_id, leader, framework_id = self._stream_id, self._leader, self._framework.id.value
        if stream_id is None or leader is None:
            log.warning("not subscribed: dropping %s", call["type"])
            return False
        call = dict(call, framework_id={"value": framework_id})
        headers = self._headers()
        headers["Mesos-Stream-Id"] = stream_id
        try:
            connection, response, _ = _http.post(leader, json.dumps(call).encode("utf-8"), headers, self.call_timeout_s)
            try:
                response.read()
            finally:
                connection.close()
            return True
        except (_http.NoLeader, _http.Refused, OSError, http.client.HTTPException) as e:
            log.warning("%s was not accepted: %s", call["type"], e)
            return False

    def _headers(self):
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._authorization:
            headers["Authorization"] = self._authorization
        return headers

    def _track(self, task_id, agent_id):
        with self._lock:
            if task_id in self._tasks or len(self._tasks) < self.max_tracked_tasks:
                self._tasks[task_id] = agent_id or self._tasks.get(task_id)

    # The stream thread ------------------------------------------------------------------------

    def _running(self):
        with self._lock:
            return self._status == DRIVER_RUNNING and not self._stopping

    def _run(self):
        backoff = Backoff(self._random)
        index = 0
        while self._running():
            endpoint = self._masters[index % len(self._masters)]
            self._got_subscribed = False
            try:
                self._subscribe_once(endpoint)
            except _http.Refused as e:
                self._fail("SUBSCRIBE refused by %s: %s" % (endpoint, e))
                return
            except (_http.NoLeader, OSError, RecordIOError, ValueError) as e:
                log.info("subscription through %s failed: %s", endpoint, e)
            except _CallbackFailed:
                return
            except Exception:
                # A malformed event, or a bug here: the stream is dropped and another one opened, never silently ended.
                log.exception("the stream from %s failed", endpoint)
            subscribed = self._got_subscribed
            with self._lock:
                self._stream = None
                self._stream_id = None
            if not self._running():
                return
            if subscribed:
                backoff.reset()
                if not self._callback("disconnected", self):
                    return
            index += 1
            delay = backoff.next_delay_s()
            if delay > 0:
                self._wake.wait(delay)

    def _subscribe_once(self, endpoint):
        """One subscription, until its stream ends; ``_got_subscribed`` says whether it got SUBSCRIBED."""
        with self._lock:
            body = {"type": "SUBSCRIBE", "subscribe": {"framework_info": self._framework.to_json()}}
            if self._framework.id.value:
                body["framework_id"] = self._framework.id.to_json()
        connection, response, leader = _http.post(endpoint, json.dumps(body).encode("utf-8"), self._headers(),
                                                  self.attempt_timeout_s, self._register_stream)
        try:
            stream_id = response.getheader("Mesos-Stream-Id")
            reader = RecordIOReader()
            while True:
                try:
                    chunk = response.read1(65536)
                except socket.timeout:
                    log.warning("no event from %s in time: the stream is dead", leader)
                    return
                except (OSError, ValueError, AttributeError, http.client.HTTPException):
                    return  # closed under us by stop/abort, or by the master
                if not chunk:
                    return
                for record in reader.feed(chunk):
                    event = json.loads(record.decode("utf-8"))
                    if event.get("type") == "SUBSCRIBED":
                        self._got_subscribed = True
                        self._on_subscribed(event.get("subscribed") or {}, stream_id, leader, connection)
                    elif not self._dispatch(event):
                        raise _CallbackFailed()
                    if not self._running():
                        return
        finally:
            _http.shutdown(connection)

    def _register_stream(self, connection):
        with self._lock:
            self._stream = connection
            if self._status != DRIVER_RUNNING or self._stopping:
                _http.shutdown(connection)

    def _on_subscribed(self, subscribed, stream_id, leader, connection):
        heartbeat_s = float(subscribed.get("heartbeat_interval_seconds") or 15.0)
        sock = _http.sock_of(connection)
        if sock is not None:
            sock.settimeout(max(heartbeat_s * self.heartbeat_misses, 0.2))
        framework_id = mesos_pb2.FrameworkID.from_json(subscribed.get("framework_id") or {})
        with self._lock:
            resubscribed = bool(self._framework.id.value)
            first = not self._registered_once
            self._registered_once = True
            self._framework.id.CopyFrom(framework_id)
            self._stream_id = stream_id
            self._leader = leader
            known = sorted(self._tasks.items())
        master_info = _events.master_info(subscribed, leader, _peer_ip(connection))
        log.info("subscribed to %s as framework %s", leader, framework_id.value)
        if first:
            ok = self._callback("registered", self, _copy(framework_id), master_info)
        else:
            ok = self._callback("reregistered", self, master_info)
        if not ok:
            raise _CallbackFailed()
        if resubscribed and self._running():
            # Updates sent while the stream was down are lost: ask for the state of every task seen.
            if known:
                self._send(_events.reconcile(known))
            self._send(_events.reconcile([]))

    def _dispatch(self, event):
        """Calls the scheduler back for one event; False when the driver must stop reading."""
        decoded = _events.callback_for(event)
        if decoded is None:
            if event.get("type") != "HEARTBEAT":
                log.debug("ignoring a %s event", event.get("type"))
            return True
        name, args = decoded
        if name == "error":
            self._fail(args[0])
            return False
        if name == "statusUpdate":
            return self._on_update(args[0])
        return self._callback(name, self, *args)

    def _on_update(self, status):
        task_id = status.task_id.value
        if status.state in _TERMINAL:
            with self._lock:
                self._tasks.pop(task_id, None)
        else:
            self._track(task_id, status.slave_id.value)
        if not self._callback("statusUpdate", self, status):
            return False
        if self._implicit_acks and status.uuid and self._running():
            self.acknowledgeStatusUpdate(status)
        return True

    def _callback(self, name, *args):
        """Calls the scheduler unless the driver stopped; an exception in it aborts the driver, as in Mesos."""
        if not self._running():
            return False
        try:
            getattr(self._scheduler, name)(*args)
            return True
        except Exception:
            log.exception("the scheduler's %s raised: aborting the driver", name)
            self.abort()
            return False

    def _fail(self, message):
        log.error("%s", message)
        if self.abort() == DRIVER_ABORTED:
            try:
                self._scheduler.error(self, message)
            except Exception:
                log.exception("the scheduler's error raised")


class _CallbackFailed(Exception):
    """A callback raised or the driver stopped while the stream was read."""


def _copy(message):
    copy = type(message)()
    copy.CopyFrom(message)
    return copy


def _peer_ip(connection):
    try:
        return _http.sock_of(connection).getpeername()[0]
    except (OSError, AttributeError):
        return None
