"""``MesosSchedulerDriver`` over the Mesos v1 scheduler HTTP API (JSON), as ``mesos.native`` named it."""

from mesos.native._driver import (DRIVER_ABORTED, DRIVER_NOT_STARTED, DRIVER_RUNNING, DRIVER_STOPPED,  # noqa: F401
                                  MesosSchedulerDriver)


class MesosExecutorDriver(object):
    """This client has no executor driver: executors use the C# executor driver or the v1 executor API."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("mesos.native has no executor driver in Mesos.HA's Python client")
