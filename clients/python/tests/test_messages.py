"""mesos_pb2's message classes behave as generated protobuf classes do where frameworks touch them."""

import _paths  # noqa: F401  (clients/python on sys.path)
import copy
import pickle
import unittest

import mesos.interface
from mesos.interface import mesos_pb2


class MessageTests(unittest.TestCase):
    def test_nested_messages_are_created_on_first_access_and_present_once_written(self):
        task = mesos_pb2.TaskInfo()
        self.assertEqual("", task.task_id.value)
        self.assertFalse(task.HasField("task_id"))
        task.task_id.value = "1"
        self.assertTrue(task.HasField("task_id"))
        offer = mesos_pb2.Offer()
        offer.slave_id.value = "agent-1"
        task.slave_id.value = offer.slave_id.value
        self.assertEqual("agent-1", task.slave_id.value)
        info = mesos_pb2.ExecutorInfo()
        info.command.environment.variables.add(name="A", value="1")
        self.assertTrue(info.HasField("command"))
        self.assertTrue(info.command.HasField("environment"))

    def test_scalar_defaults_and_presence(self):
        status = mesos_pb2.TaskStatus()
        self.assertEqual(mesos_pb2.TASK_STAGING, status.state)
        self.assertFalse(status.HasField("state"))
        self.assertEqual(5.0, mesos_pb2.Filters().refuse_seconds)
        self.assertEqual("*", mesos_pb2.Resource().role)
        self.assertTrue(mesos_pb2.CommandInfo().shell)
        status.state = mesos_pb2.TASK_RUNNING
        self.assertTrue(status.HasField("state"))
        status.ClearField("state")
        self.assertFalse(status.HasField("state"))

    def test_repeated_fields(self):
        task = mesos_pb2.TaskInfo()
        cpus = task.resources.add()
        cpus.name = "cpus"
        cpus.type = mesos_pb2.Value.SCALAR
        cpus.scalar.value = 0.1
        mem = mesos_pb2.Resource(name="mem", type=mesos_pb2.Value.SCALAR)
        mem.scalar.value = 32
        task.resources.append(mem)
        task.resources.extend([mem])
        self.assertEqual(3, len(task.resources))
        self.assertEqual(["cpus", "mem", "mem"], [r.name for r in task.resources])
        self.assertEqual(32.0, task.resources[1].scalar.value)
        self.assertEqual(32.0, task.resources[-1].scalar.value)
        mem.scalar.value = 64  # append copied it
        self.assertEqual(32.0, task.resources[1].scalar.value)
        del task.resources[2]
        self.assertEqual(2, len(task.resources))
        command = mesos_pb2.CommandInfo()
        command.arguments.append("-c")
        command.arguments.extend(["x", "y"])
        self.assertEqual(["-c", "x", "y"], list(command.arguments))
        self.assertIn("x", command.arguments)
        with self.assertRaises(TypeError):
            command.arguments.append(3)

    def test_assignment_is_type_checked_as_protobuf_does(self):
        task = mesos_pb2.TaskInfo()
        with self.assertRaises(TypeError):
            task.name = 5
        with self.assertRaises(AttributeError):
            task.task_id = mesos_pb2.TaskID()
        with self.assertRaises(AttributeError):
            task.no_such_field = 1
        task.data = "python 2 style"
        self.assertEqual(b"python 2 style", task.data)

    def test_copy_merge_clear_and_equality(self):
        a = mesos_pb2.TaskStatus(state=mesos_pb2.TASK_FAILED, message="boom")
        a.task_id.value = "t"
        b = mesos_pb2.TaskStatus()
        b.CopyFrom(a)
        self.assertEqual(a, b)
        b.task_id.value = "u"
        self.assertNotEqual(a, b)
        self.assertEqual("t", a.task_id.value)
        c = mesos_pb2.TaskStatus(message="kept")
        c.MergeFrom(mesos_pb2.TaskStatus(state=mesos_pb2.TASK_LOST))
        self.assertEqual(("kept", mesos_pb2.TASK_LOST), (c.message, c.state))
        c.Clear()
        self.assertEqual(mesos_pb2.TaskStatus(), c)
        holder = mesos_pb2.TaskInfo()
        holder.task_id.CopyFrom(mesos_pb2.TaskID(value="x"))
        self.assertTrue(holder.HasField("task_id"))
        with self.assertRaises(TypeError):
            holder.task_id.CopyFrom(mesos_pb2.SlaveID(value="x"))

    def test_copy_deepcopy_and_pickle(self):
        task = mesos_pb2.TaskInfo(name="t", data=b"\x00\x01")
        task.task_id.value = "1"
        task.resources.add(name="cpus", type=mesos_pb2.Value.SCALAR).scalar.value = 1
        for copied in (copy.copy(task), copy.deepcopy(task), pickle.loads(pickle.dumps(task))):
            self.assertEqual(task, copied)
            self.assertIsNot(task.task_id, copied.task_id)
        self.assertEqual(mesos_pb2.Value.Scalar(value=2), pickle.loads(pickle.dumps(mesos_pb2.Value.Scalar(value=2))))

    def test_str_is_protobuf_text(self):
        task = mesos_pb2.TaskInfo(name="t")
        task.task_id.value = "1"
        r = task.resources.add(name="cpus", type=mesos_pb2.Value.SCALAR)
        r.scalar.value = 0.5
        self.assertEqual('name: "t"\ntask_id {\n  value: "1"\n}\nresources {\n  name: "cpus"\n  type: SCALAR\n'
                         '  scalar {\n    value: 0.5\n  }\n}\n', str(task))

    def test_enums_at_module_level_and_on_their_classes(self):
        states = ["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED",
                  "TASK_ERROR", "TASK_LOST", "TASK_DROPPED", "TASK_UNREACHABLE", "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNKNOWN"]
        for name in states:
            self.assertEqual(name, mesos_pb2.TaskState.Name(getattr(mesos_pb2, name)))
            self.assertEqual(getattr(mesos_pb2, name), mesos_pb2.TaskState.Value(name))
        self.assertEqual(len(states), len(set(getattr(mesos_pb2, n) for n in states)))
        self.assertEqual((0, 1, 2, 3), (mesos_pb2.Value.SCALAR, mesos_pb2.Value.RANGES, mesos_pb2.Value.SET, mesos_pb2.Value.TEXT))
        self.assertEqual("RANGES", mesos_pb2.Value.Type.Name(mesos_pb2.Value.RANGES))
        self.assertEqual(6, mesos_pb2.FrameworkInfo.Capability.MULTI_ROLE)
        self.assertEqual(2, mesos_pb2.TaskStatus.SOURCE_EXECUTOR)
        self.assertEqual(9, mesos_pb2.TaskStatus.REASON_RECONCILIATION)
        self.assertEqual((1, 2, 3, 4), (mesos_pb2.DRIVER_NOT_STARTED, mesos_pb2.DRIVER_RUNNING, mesos_pb2.DRIVER_ABORTED, mesos_pb2.DRIVER_STOPPED))
        with self.assertRaises(ValueError):
            mesos_pb2.TaskState.Name(99)
        with self.assertRaises(ValueError):
            mesos_pb2.TaskState.Value("TASK_NOPE")

    def test_the_classic_imports(self):
        import mesos.native
        self.assertIs(mesos.interface.mesos_pb2, mesos_pb2)
        self.assertTrue(issubclass(mesos.native.MesosSchedulerDriver, mesos.interface.SchedulerDriver))
        for name in ("FrameworkID", "OfferID", "SlaveID", "TaskID", "ExecutorID", "FrameworkInfo", "MasterInfo", "Offer", "Resource",
                     "Value", "Attribute", "CommandInfo", "Environment", "TaskInfo", "ExecutorInfo", "TaskStatus", "Filters", "Request",
                     "Credential", "Labels", "Label"):
            self.assertTrue(callable(getattr(mesos_pb2, name)), name)
        ranges = mesos_pb2.Value.Ranges()
        ranges.range.add(begin=31000, end=31099)
        self.assertEqual(31099, ranges.range[0].end)
        self.assertEqual("x", mesos_pb2.Value.Text(value="x").value)
        self.assertEqual(["a"], list(mesos_pb2.Value.Set(item=["a"]).item))


if __name__ == "__main__":
    unittest.main()
