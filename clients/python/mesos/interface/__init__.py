"""The framework-facing interfaces of Mesos' Python bindings: ``Scheduler`` (the callbacks a
framework implements), ``SchedulerDriver`` (what it calls) and the ``mesos_pb2`` messages."""

from mesos.interface import mesos_pb2  # noqa: F401  (import mesos.interface; mesos.interface.mesos_pb2)


class Scheduler(object):
    """Callbacks of a framework's scheduler. The driver calls them one at a time, from its own thread;
    they may call the driver. Each does nothing unless overridden."""

    def registered(self, driver, frameworkId, masterInfo):
        """The first subscription of this driver succeeded: the framework's id and the master."""

    def reregistered(self, driver, masterInfo):
        """The driver subscribed again (a new leader, a lost connection) with the same framework id."""

    def disconnected(self, driver):
        """The event stream was lost; the driver is subscribing again."""

    def resourceOffers(self, driver, offers):
        """New offers (a list of mesos_pb2.Offer)."""

    def offerRescinded(self, driver, offerId):
        """An offer is no longer valid."""

    def statusUpdate(self, driver, status):
        """A task's status (mesos_pb2.TaskStatus). Acknowledged when this returns, unless acknowledgements are explicit."""

    def frameworkMessage(self, driver, executorId, slaveId, message):
        """Bytes an executor sent to the framework."""

    def slaveLost(self, driver, slaveId):
        """An agent was lost."""

    def executorLost(self, driver, executorId, slaveId, status):
        """An executor ended; ``status`` is its exit status."""

    def error(self, driver, message):
        """An unrecoverable error; the driver has been aborted before this is called."""


class SchedulerDriver(object):
    """What a scheduler can ask of its driver. Methods return a mesos_pb2 Status (DRIVER_RUNNING, ...)."""

    def start(self):
        raise NotImplementedError

    def stop(self, failover=False):
        raise NotImplementedError

    def abort(self):
        raise NotImplementedError

    def join(self):
        raise NotImplementedError

    def run(self):
        raise NotImplementedError

    def requestResources(self, requests):
        raise NotImplementedError

    def launchTasks(self, offerIds, tasks, filters=None):
        raise NotImplementedError

    def killTask(self, taskId):
        raise NotImplementedError

    def acceptOffers(self, offerIds, operations, filters=None):
        raise NotImplementedError

    def declineOffer(self, offerId, filters=None):
        raise NotImplementedError

    def reviveOffers(self):
        raise NotImplementedError

    def suppressOffers(self):
        raise NotImplementedError

    def acknowledgeStatusUpdate(self, status):
        raise NotImplementedError

    def sendFrameworkMessage(self, executorId, slaveId, data):
        raise NotImplementedError

    def reconcileTasks(self, tasks):
        raise NotImplementedError


class Executor(object):
    """Present so that modules importing it load; this client has no executor driver."""


class ExecutorDriver(object):
    """Present so that modules importing it load; this client has no executor driver."""
