"""The Mesos messages frameworks use, shaped as the generated ``mesos_pb2`` module was: the same
class, field and enum names (``slave_id``, not v1's ``agent_id``), enum values at module level and on
their classes. ``to_json``/``from_json`` convert to and from the Mesos v1 scheduler API's JSON.
"""

from mesos.interface._message import BOOL, BYTES, DOUBLE, INT, STRING, EnumType, Field, Message, bind

# v1 renamed SLAVE to AGENT in enum names; JSON from a v1 master carries the new names.
_AGENT_ALIASES = {"SOURCE_AGENT": "SOURCE_SLAVE", "REASON_AGENT_DISCONNECTED": "REASON_SLAVE_DISCONNECTED",
                  "REASON_AGENT_REMOVED": "REASON_SLAVE_REMOVED", "REASON_AGENT_RESTARTED": "REASON_SLAVE_RESTARTED",
                  "REASON_AGENT_UNKNOWN": "REASON_SLAVE_UNKNOWN", "REASON_AGENT_REMOVED_BY_OPERATOR": "REASON_SLAVE_REMOVED_BY_OPERATOR",
                  "REASON_AGENT_DRAINING": "REASON_SLAVE_DRAINING"}


def _export(enum, target):
    for name, number in enum.items():
        target[name] = number


Status = EnumType("Status", [("DRIVER_NOT_STARTED", 1), ("DRIVER_RUNNING", 2), ("DRIVER_ABORTED", 3), ("DRIVER_STOPPED", 4)])
_export(Status, globals())

TaskState = EnumType("TaskState", [
    ("TASK_STAGING", 6), ("TASK_STARTING", 0), ("TASK_RUNNING", 1), ("TASK_KILLING", 8), ("TASK_FINISHED", 2),
    ("TASK_FAILED", 3), ("TASK_KILLED", 4), ("TASK_ERROR", 7), ("TASK_LOST", 5), ("TASK_DROPPED", 9),
    ("TASK_UNREACHABLE", 10), ("TASK_GONE", 11), ("TASK_GONE_BY_OPERATOR", 12), ("TASK_UNKNOWN", 13)])
_export(TaskState, globals())

TERMINAL_STATES = frozenset([TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_ERROR, TASK_LOST, TASK_DROPPED,  # noqa: F821
                             TASK_GONE, TASK_GONE_BY_OPERATOR])  # noqa: F821


def _id(name):
    return type(name, (Message,), {"_FIELDS": [Field("value", STRING)], "__doc__": "A Mesos %s: value." % name})


FrameworkID = _id("FrameworkID")
OfferID = _id("OfferID")
SlaveID = _id("SlaveID")
TaskID = _id("TaskID")
ExecutorID = _id("ExecutorID")
ContainerID = _id("ContainerID")


class Address(Message):
    _FIELDS = [Field("hostname", STRING), Field("ip", STRING), Field("port", INT)]


class URL(Message):
    _FIELDS = [Field("scheme", STRING), Field("address", "Address"), Field("path", STRING)]


class MasterInfo(Message):
    _FIELDS = [Field("id", STRING), Field("ip", INT), Field("port", INT, default=5050), Field("pid", STRING),
               Field("hostname", STRING), Field("version", STRING), Field("address", "Address")]


class FrameworkInfo(Message):
    class Capability(Message):
        Type = EnumType("Type", [("UNKNOWN", 0), ("REVOCABLE_RESOURCES", 1), ("TASK_KILLING_STATE", 2), ("GPU_RESOURCES", 3),
                                 ("SHARED_RESOURCES", 4), ("PARTITION_AWARE", 5), ("MULTI_ROLE", 6), ("RESERVATION_REFINEMENT", 7),
                                 ("REGION_AWARE", 8)])
        _export(Type, locals())
        _FIELDS = [Field("type", Type)]

    _FIELDS = [Field("user", STRING), Field("name", STRING), Field("id", "FrameworkID"),
               Field("failover_timeout", DOUBLE), Field("checkpoint", BOOL), Field("role", STRING, default="*"),
               Field("roles", STRING, repeated=True), Field("hostname", STRING), Field("principal", STRING),
               Field("webui_url", STRING), Field("capabilities", "FrameworkInfo.Capability", repeated=True),
               Field("labels", "Labels")]


class Value(Message):
    Type = EnumType("Type", [("SCALAR", 0), ("RANGES", 1), ("SET", 2), ("TEXT", 3)])
    _export(Type, locals())

    class Scalar(Message):
        _FIELDS = [Field("value", DOUBLE)]

    class Range(Message):
        _FIELDS = [Field("begin", INT), Field("end", INT)]

    class Ranges(Message):
        _FIELDS = [Field("range", "Value.Range", repeated=True)]

    class Set(Message):
        _FIELDS = [Field("item", STRING, repeated=True)]

    class Text(Message):
        _FIELDS = [Field("value", STRING)]

    _FIELDS = [Field("type", Type), Field("scalar", "Value.Scalar"), Field("ranges", "Value.Ranges"),
               Field("set", "Value.Set"), Field("text", "Value.Text")]


class Attribute(Message):
    _FIELDS = [Field("name", STRING), Field("type", Value.Type), Field("scalar", "Value.Scalar"),
               Field("ranges", "Value.Ranges"), Field("set", "Value.Set"), Field("text", "Value.Text")]


class Resource(Message):
    class AllocationInfo(Message):
        _FIELDS = [Field("role", STRING)]

    class ReservationInfo(Message):
        Type = EnumType("Type", [("UNKNOWN", 0), ("STATIC", 1), ("DYNAMIC", 2)])
        _export(Type, locals())
        _FIELDS = [Field("type", Type), Field("role", STRING), Field("principal", STRING), Field("labels", "Labels")]

    _FIELDS = [Field("name", STRING), Field("type", Value.Type), Field("scalar", "Value.Scalar"),
               Field("ranges", "Value.Ranges"), Field("set", "Value.Set"), Field("role", STRING, default="*"),
               Field("allocation_info", "Resource.AllocationInfo"),
               Field("reservations", "Resource.ReservationInfo", repeated=True)]


class Label(Message):
    _FIELDS = [Field("key", STRING), Field("value", STRING)]


class Labels(Message):
    _FIELDS = [Field("labels", "Label", repeated=True)]


class Environment(Message):
    class Variable(Message):
        _FIELDS = [Field("name", STRING), Field("value", STRING)]

    _FIELDS = [Field("variables", "Environment.Variable", repeated=True)]


class CommandInfo(Message):
    class URI(Message):
        _FIELDS = [Field("value", STRING), Field("executable", BOOL), Field("extract", BOOL, default=True),
                   Field("cache", BOOL), Field("output_file", STRING)]

    _FIELDS = [Field("uris", "CommandInfo.URI", repeated=True), Field("environment", "Environment"),
               Field("shell", BOOL, default=True), Field("value", STRING), Field("arguments", STRING, repeated=True),
               Field("user", STRING)]


class ExecutorInfo(Message):
    Type = EnumType("Type", [("UNKNOWN", 0), ("DEFAULT", 1), ("CUSTOM", 2)])
    _export(Type, locals())
    _FIELDS = [Field("type", Type), Field("executor_id", "ExecutorID"), Field("framework_id", "FrameworkID"),
               Field("command", "CommandInfo"), Field("resources", "Resource", repeated=True), Field("name", STRING),
               Field("source", STRING), Field("data", BYTES), Field("labels", "Labels")]


class HealthCheck(Message):
    Type = EnumType("Type", [("UNKNOWN", 0), ("COMMAND", 1), ("HTTP", 2), ("TCP", 3)])
    _export(Type, locals())

    class HTTPCheckInfo(Message):
        _FIELDS = [Field("scheme", STRING), Field("port", INT), Field("path", STRING)]

    class TCPCheckInfo(Message):
        _FIELDS = [Field("port", INT)]

    _FIELDS = [Field("type", Type), Field("delay_seconds", DOUBLE, default=15.0), Field("interval_seconds", DOUBLE, default=10.0),
               Field("timeout_seconds", DOUBLE, default=20.0), Field("consecutive_failures", INT, default=3),
               Field("grace_period_seconds", DOUBLE, default=10.0), Field("command", "CommandInfo"),
               Field("http", "HealthCheck.HTTPCheckInfo"), Field("tcp", "HealthCheck.TCPCheckInfo")]


class TaskInfo(Message):
    _FIELDS = [Field("name", STRING), Field("task_id", "TaskID"), Field("slave_id", "SlaveID", json_name="agent_id"),
               Field("resources", "Resource", repeated=True), Field("executor", "ExecutorInfo"), Field("command", "CommandInfo"),
               Field("health_check", "HealthCheck"), Field("data", BYTES), Field("labels", "Labels")]


class TaskStatus(Message):
    Source = EnumType("Source", [("SOURCE_MASTER", 0), ("SOURCE_SLAVE", 1), ("SOURCE_EXECUTOR", 2)], _AGENT_ALIASES)
    _export(Source, locals())
    Reason = EnumType("Reason", [
        ("REASON_COMMAND_EXECUTOR_FAILED", 0), ("REASON_CONTAINER_LAUNCH_FAILED", 21), ("REASON_CONTAINER_LIMITATION", 19),
        ("REASON_CONTAINER_LIMITATION_DISK", 20), ("REASON_CONTAINER_LIMITATION_MEMORY", 8), ("REASON_CONTAINER_PREEMPTED", 17),
        ("REASON_CONTAINER_UPDATE_FAILED", 22), ("REASON_EXECUTOR_REGISTRATION_TIMEOUT", 23),
        ("REASON_EXECUTOR_REREGISTRATION_TIMEOUT", 24), ("REASON_EXECUTOR_TERMINATED", 1), ("REASON_EXECUTOR_UNREGISTERED", 2),
        ("REASON_FRAMEWORK_REMOVED", 3), ("REASON_GC_ERROR", 4), ("REASON_INVALID_FRAMEWORKID", 5), ("REASON_INVALID_OFFERS", 6),
        ("REASON_IO_SWITCHBOARD_EXITED", 27), ("REASON_MASTER_DISCONNECTED", 7), ("REASON_RECONCILIATION", 9),
        ("REASON_RESOURCES_UNKNOWN", 18), ("REASON_SLAVE_DISCONNECTED", 10), ("REASON_SLAVE_REMOVED", 11),
        ("REASON_SLAVE_REMOVED_BY_OPERATOR", 31), ("REASON_SLAVE_RESTARTED", 12), ("REASON_SLAVE_UNKNOWN", 13),
        ("REASON_SLAVE_DRAINING", 34), ("REASON_TASK_CHECK_STATUS_UPDATED", 28), ("REASON_TASK_HEALTH_CHECK_STATUS_UPDATED", 29),
        ("REASON_TASK_GROUP_INVALID", 25), ("REASON_TASK_GROUP_UNAUTHORIZED", 26), ("REASON_TASK_INVALID", 14),
        ("REASON_TASK_KILLED_DURING_LAUNCH", 30), ("REASON_TASK_UNAUTHORIZED", 15), ("REASON_TASK_UNKNOWN", 16)],
        _AGENT_ALIASES)
    _export(Reason, locals())
    _FIELDS = [Field("task_id", "TaskID"), Field("state", TaskState), Field("message", STRING), Field("source", Source),
               Field("reason", Reason), Field("data", BYTES), Field("slave_id", "SlaveID", json_name="agent_id"),
               Field("executor_id", "ExecutorID"), Field("timestamp", DOUBLE), Field("uuid", BYTES), Field("healthy", BOOL),
               Field("labels", "Labels")]


class Filters(Message):
    _FIELDS = [Field("refuse_seconds", DOUBLE, default=5.0)]


class Offer(Message):
    class Operation(Message):
        Type = EnumType("Type", [("UNKNOWN", 0), ("LAUNCH", 1), ("LAUNCH_GROUP", 6), ("RESERVE", 2), ("UNRESERVE", 3),
                                 ("CREATE", 4), ("DESTROY", 5)])
        _export(Type, locals())

        class Launch(Message):
            _FIELDS = [Field("task_infos", "TaskInfo", repeated=True)]

        _FIELDS = [Field("type", Type), Field("launch", "Offer.Operation.Launch")]

    _FIELDS = [Field("id", "OfferID"), Field("framework_id", "FrameworkID"), Field("slave_id", "SlaveID", json_name="agent_id"),
               Field("hostname", STRING), Field("url", "URL"), Field("resources", "Resource", repeated=True),
               Field("attributes", "Attribute", repeated=True), Field("executor_ids", "ExecutorID", repeated=True),
               Field("allocation_info", "Resource.AllocationInfo")]


class Request(Message):
    _FIELDS = [Field("slave_id", "SlaveID", json_name="agent_id"), Field("resources", "Resource", repeated=True)]


class Credential(Message):
    _FIELDS = [Field("principal", STRING), Field("secret", STRING)]


bind(globals())
