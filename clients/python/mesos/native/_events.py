"""Pure translations between the v1 JSON and the classic callbacks and calls: no I/O, no state."""

import base64
import socket
import struct

from mesos.interface import mesos_pb2


def callback_for(event):
    """The scheduler callback an event asks for, as (name, args) without the driver argument; None for
    HEARTBEAT and for events this client does not handle (INVERSE_OFFERS, ...). ERROR gives ("error", (message,))."""
    kind = event.get("type")
    if kind == "OFFERS":
        return "resourceOffers", ([mesos_pb2.Offer.from_json(o) for o in _field(event, "offers").get("offers") or []],)
    if kind == "RESCIND":
        return "offerRescinded", (mesos_pb2.OfferID.from_json(_field(event, "rescind").get("offer_id") or {}),)
    if kind == "UPDATE":
        return "statusUpdate", (mesos_pb2.TaskStatus.from_json(_field(event, "update").get("status") or {}),)
    if kind == "MESSAGE":
        message = _field(event, "message")
        return "frameworkMessage", (mesos_pb2.ExecutorID.from_json(message.get("executor_id") or {}),
                                    mesos_pb2.SlaveID.from_json(message.get("agent_id") or {}),
                                    base64.b64decode(message.get("data") or ""))
    if kind == "FAILURE":
        failure = _field(event, "failure")
        agent = mesos_pb2.SlaveID.from_json(failure.get("agent_id") or {})
        if failure.get("executor_id"):
            return "executorLost", (mesos_pb2.ExecutorID.from_json(failure["executor_id"]), agent, int(failure.get("status") or 0))
        return "slaveLost", (agent,)
    if kind == "ERROR":
        return "error", (_field(event, "error").get("message") or "error",)
    return None


def _field(event, name):
    value = event.get(name) or {}
    if not isinstance(value, dict):
        raise ValueError("%s.%s must be an object" % (event.get("type"), name))
    return value


def offer_ids(ids):
    """One OfferID or a list of them, as v1 JSON."""
    if isinstance(ids, mesos_pb2.OfferID):
        ids = [ids]
    return [i.to_json() for i in ids]


def filters_json(filters):
    return {"refuse_seconds": filters.refuse_seconds}


def acknowledge(status):
    return {"type": "ACKNOWLEDGE", "acknowledge": {
        "agent_id": status.slave_id.to_json(), "task_id": status.task_id.to_json(),
        "uuid": base64.b64encode(status.uuid).decode("ascii")}}


def reconcile(tasks):
    """RECONCILE of (task id, agent id or None) pairs; none: implicit reconciliation."""
    entries = []
    for task_id, agent_id in tasks:
        entry = {"task_id": {"value": task_id}}
        if agent_id:
            entry["agent_id"] = {"value": agent_id}
        entries.append(entry)
    return {"type": "RECONCILE", "reconcile": {"tasks": entries}}


def master_info(subscribed, leader, peer_ip):
    """The SUBSCRIBED event's master_info, or one made from the master that answered (v1 masters may omit it)."""
    if subscribed.get("master_info"):
        return mesos_pb2.MasterInfo.from_json(subscribed["master_info"])
    info = mesos_pb2.MasterInfo()
    info.hostname = leader.host
    info.port = leader.port
    ip = peer_ip or leader.host
    try:
        info.ip = struct.unpack("!I", socket.inet_aton(ip))[0]
    except OSError:
        pass
    info.id = "%s:%d" % (leader.host, leader.port)
    info.pid = "master@%s:%d" % (ip, leader.port)
    info.address.hostname = leader.host
    info.address.ip = ip
    info.address.port = leader.port
    return info
