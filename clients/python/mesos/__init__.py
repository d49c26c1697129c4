"""Mesos.HA's Python scheduler client, laid out as Mesos' Python bindings were.

``mesos.interface`` holds the Scheduler callbacks, the SchedulerDriver interface and the
``mesos_pb2`` message classes; ``mesos.native`` holds ``MesosSchedulerDriver``, which speaks the
Mesos v1 scheduler HTTP API with JSON. Standard library only.
"""
