#!/usr/bin/env python3
"""An example framework in the classic Mesos Python style: one short command task per offer until
N tasks have run, then it stops. Usage: test_framework.py <master> [--tasks N]

<master> is host:port, several of them comma-separated, optionally with http:// or https://.
Exit status 0 only when every task finished. With MESOS_AUTHENTICATE=1 it authenticates as
DEFAULT_PRINCIPAL with DEFAULT_SECRET; for https masters LIBPROCESS_SSL_CA_FILE names the authority.
"""

import argparse
import os
import sys

from mesos.interface import mesos_pb2
import mesos.interface
import mesos.native

TASK_CPUS = 0.1
TASK_MEM = 32
TASK_COMMAND = "echo hello from $MESOS_TASK_ID; sleep 1"
FAILED_STATES = (mesos_pb2.TASK_LOST, mesos_pb2.TASK_KILLED, mesos_pb2.TASK_FAILED, mesos_pb2.TASK_ERROR)


def say(line):
    print(line)
    sys.stdout.flush()


class ExampleScheduler(mesos.interface.Scheduler):
    def __init__(self, total_tasks):
        self.total_tasks = total_tasks
        self.launched = 0
        self.finished = set()
        self.failed = False
        self.framework_id = None

    def registered(self, driver, frameworkId, masterInfo):
        self.framework_id = frameworkId.value
        say("Registered with framework ID %s" % frameworkId.value)

    def reregistered(self, driver, masterInfo):
        # The driver re-subscribed with the id it was given at registration.
        say("Re-registered with master %s:%d as framework ID %s" % (masterInfo.hostname, masterInfo.port, self.framework_id))

    def disconnected(self, driver):
        say("Disconnected from the master")

    def resourceOffers(self, driver, offers):
        for offer in offers:
            if self.launched >= self.total_tasks or not self.fits(offer):
                driver.declineOffer(offer.id)
                continue
            self.launched += 1
            task = self.make_task(offer, str(self.launched))
            say("Launching task %s on %s using offer %s" % (task.task_id.value, offer.hostname, offer.id.value))
            driver.launchTasks(offer.id, [task])

    @staticmethod
    def fits(offer):
        scalars = {}
        for resource in offer.resources:
            if resource.type == mesos_pb2.Value.SCALAR:
                scalars[resource.name] = scalars.get(resource.name, 0.0) + resource.scalar.value
        return scalars.get("cpus", 0.0) >= TASK_CPUS and scalars.get("mem", 0.0) >= TASK_MEM

    @staticmethod
    def make_task(offer, task_id):
        task = mesos_pb2.TaskInfo()
        task.task_id.value = task_id
        task.slave_id.value = offer.slave_id.value
        task.name = "task %s" % task_id
        task.command.value = TASK_COMMAND
        for name, amount in (("cpus", TASK_CPUS), ("mem", TASK_MEM)):
            resource = task.resources.add()
            resource.name = name
            resource.type = mesos_pb2.Value.SCALAR
            resource.scalar.value = amount
        return task

    def statusUpdate(self, driver, update):
        state = mesos_pb2.TaskState.Name(update.state)
        say("Task %s is in state %s" % (update.task_id.value, state))
        if update.state == mesos_pb2.TASK_FINISHED:
            self.finished.add(update.task_id.value)
            if len(self.finished) == self.total_tasks:
                say("All tasks done")
                driver.stop()
        elif update.state in FAILED_STATES:
            say("Aborting because task %s is in unexpected state %s with message '%s'" % (update.task_id.value, state, update.message))
            self.failed = True
            driver.abort()

    def frameworkMessage(self, driver, executorId, slaveId, message):
        say("Received a framework message from %s: %r" % (executorId.value, message))

    def error(self, driver, message):
        say("Error from the master: %s" % message)
        self.failed = True


def main(argv):
    parser = argparse.ArgumentParser(description="Runs short command tasks on a Mesos.HA cluster.")
    parser.add_argument("master", help="host:port[,host:port...], optionally with http:// or https://")
    parser.add_argument("--tasks", type=int, default=5, help="how many tasks to run (default 5)")
    args = parser.parse_args(argv)

    framework = mesos_pb2.FrameworkInfo()
    framework.user = ""  # the driver fills in the current user
    framework.name = "Example Framework (Python)"
    framework.failover_timeout = 60.0
    framework.checkpoint = True

    # As Mesos' examples did: MESOS_AUTHENTICATE=1 with DEFAULT_PRINCIPAL and DEFAULT_SECRET.
    credential = None
    if os.environ.get("MESOS_AUTHENTICATE"):
        credential = mesos_pb2.Credential()
        credential.principal = os.environ.get("DEFAULT_PRINCIPAL", "")
        credential.secret = os.environ.get("DEFAULT_SECRET", "")
        framework.principal = credential.principal

    scheduler = ExampleScheduler(args.tasks)
    driver = mesos.native.MesosSchedulerDriver(scheduler, framework, args.master, credential=credential)
    status = driver.run()
    done = len(scheduler.finished)
    say("Driver %s: %d of %d tasks finished" % (mesos_pb2.Status.Name(status), done, args.tasks))
    return 0 if status == mesos_pb2.DRIVER_STOPPED and done == args.tasks and not scheduler.failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
