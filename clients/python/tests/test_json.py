"""mesos_pb2 to and from the Mesos v1 JSON our master accepts and emits."""

import _paths  # noqa: F401  (clients/python on sys.path)
import base64
import json
import unittest

from mesos.interface import mesos_pb2

# An OFFERS event's offer as the master writes it (SchedulerEventJson.OfferOf).
OFFER_JSON = json.loads("""{
  "id": {"value": "o-7"}, "framework_id": {"value": "fw-1"}, "agent_id": {"value": "a-1"}, "hostname": "node1",
  "url": {"scheme": "http", "address": {"hostname": "node1", "ip": "10.0.0.5", "port": 5051}, "path": "/slave(1)"},
  "resources": [
    {"name": "cpus", "type": "SCALAR", "scalar": {"value": 3.5}, "allocation_info": {"role": "*"}},
    {"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 31000, "end": 31099}]}, "allocation_info": {"role": "*"},
     "reservations": [{"type": "STATIC", "role": "web"}]},
    {"name": "zones", "type": "SET", "set": {"item": ["a", "b"]}}],
  "allocation_info": {"role": "*"},
  "unavailability": {"start": {"nanoseconds": 1}}
}""")


class ToJsonTests(unittest.TestCase):
    def test_task_info_uses_v1_names_enum_names_and_base64(self):
        task = mesos_pb2.TaskInfo(name="t")
        task.task_id.value = "1"
        task.slave_id.value = "a-1"
        task.data = b"\x00\xffhi"
        task.command.value = "echo hi"
        task.command.uris.add(value="http://x/y.tgz", extract=True)
        task.command.environment.variables.add(name="A", value="1")
        r = task.resources.add(name="mem", type=mesos_pb2.Value.SCALAR)
        r.scalar.value = 32
        task.labels.labels.add(key="k", value="v")
        self.assertEqual({
            "name": "t", "task_id": {"value": "1"}, "agent_id": {"value": "a-1"},
            "resources": [{"name": "mem", "type": "SCALAR", "scalar": {"value": 32.0}}],
            "command": {"uris": [{"value": "http://x/y.tgz", "extract": True}], "environment": {"variables": [{"name": "A", "value": "1"}]},
                        "value": "echo hi"},
            "data": base64.b64encode(b"\x00\xffhi").decode("ascii"),
            "labels": {"labels": [{"key": "k", "value": "v"}]},
        }, task.to_json())

    def test_framework_info(self):
        info = mesos_pb2.FrameworkInfo(user="u", name="n", failover_timeout=60, checkpoint=True, principal="p")
        info.id.value = "fw-1"
        info.roles.append("web")
        info.capabilities.add(type=mesos_pb2.FrameworkInfo.Capability.MULTI_ROLE)
        self.assertEqual({"user": "u", "name": "n", "id": {"value": "fw-1"}, "failover_timeout": 60.0, "checkpoint": True,
                          "roles": ["web"], "principal": "p", "capabilities": [{"type": "MULTI_ROLE"}]}, info.to_json())

    def test_only_present_fields_are_written(self):
        self.assertEqual({}, mesos_pb2.TaskInfo().to_json())
        task = mesos_pb2.TaskInfo()
        task.task_id  # read, not written
        self.assertEqual({}, task.to_json())

    def test_the_json_is_serializable(self):
        status = mesos_pb2.TaskStatus(state=mesos_pb2.TASK_RUNNING, uuid=bytes(16))
        self.assertEqual('{"state": "TASK_RUNNING", "uuid": "AAAAAAAAAAAAAAAAAAAAAA=="}', json.dumps(status.to_json()))


class FromJsonTests(unittest.TestCase):
    def test_an_offer_as_the_master_writes_it(self):
        offer = mesos_pb2.Offer.from_json(OFFER_JSON)
        self.assertEqual(("o-7", "fw-1", "a-1", "node1"), (offer.id.value, offer.framework_id.value, offer.slave_id.value, offer.hostname))
        self.assertEqual(5051, offer.url.address.port)
        cpus, ports, zones = offer.resources
        self.assertEqual((mesos_pb2.Value.SCALAR, 3.5), (cpus.type, cpus.scalar.value))
        self.assertEqual((mesos_pb2.Value.RANGES, 31000, 31099), (ports.type, ports.ranges.range[0].begin, ports.ranges.range[0].end))
        self.assertEqual(mesos_pb2.Resource.ReservationInfo.STATIC, ports.reservations[0].type)
        self.assertEqual("web", ports.reservations[0].role)
        self.assertEqual(["a", "b"], list(zones.set.item))
        self.assertEqual("*", offer.allocation_info.role)

    def test_an_update_status_with_v1_enum_names(self):
        status = mesos_pb2.TaskStatus.from_json({
            "task_id": {"value": "t1"}, "state": "TASK_FAILED", "source": "SOURCE_AGENT", "agent_id": {"value": "a-1"},
            "message": "Command exited with status 5", "reason": "REASON_AGENT_REMOVED", "uuid": base64.b64encode(bytes(range(16))).decode(),
            "timestamp": 1764550000.25, "executor_id": {"value": "e"}, "healthy": True, "data": "aGk="})
        self.assertEqual(mesos_pb2.TASK_FAILED, status.state)
        self.assertEqual(mesos_pb2.TaskStatus.SOURCE_SLAVE, status.source)
        self.assertEqual(mesos_pb2.TaskStatus.REASON_SLAVE_REMOVED, status.reason)
        self.assertEqual("a-1", status.slave_id.value)
        self.assertEqual(bytes(range(16)), status.uuid)
        self.assertEqual(1764550000.25, status.timestamp)
        self.assertEqual(b"hi", status.data)
        self.assertTrue(status.healthy)

    def test_unknown_fields_and_enum_names_are_skipped(self):
        status = mesos_pb2.TaskStatus.from_json({"task_id": {"value": "t"}, "state": "TASK_RUNNING", "reason": "REASON_FROM_THE_FUTURE",
                                                 "brand_new_field": {"x": 1}})
        self.assertEqual(mesos_pb2.TASK_RUNNING, status.state)
        self.assertFalse(status.HasField("reason"))

    def test_round_trip(self):
        offer = mesos_pb2.Offer.from_json(OFFER_JSON)
        again = mesos_pb2.Offer.from_json(offer.to_json())
        self.assertEqual(offer, again)
        expected = dict(OFFER_JSON)
        del expected["unavailability"]  # not a field of this Offer
        self.assertEqual(expected, json.loads(json.dumps(offer.to_json())))

    def test_not_an_object_is_an_error(self):
        with self.assertRaises(ValueError):
            mesos_pb2.TaskID.from_json("x")


if __name__ == "__main__":
    unittest.main()
