"""MesosSchedulerDriver against fake masters (http.server on 127.0.0.1, free ports)."""

import _paths  # noqa: F401  (clients/python on sys.path)
import base64
import json
import logging
import os
import random
import shutil
import socket
import subprocess
import tempfile
import unittest

from mesos.interface import mesos_pb2
from mesos.native import MesosSchedulerDriver

from fake_master import FakeMaster, RecordingScheduler
from mesos.native._recordio import encode

# Races between a test's end and the driver's last calls are expected: keep the output to errors.
logging.getLogger("mesos.native").setLevel(logging.CRITICAL)

UUID = base64.b64encode(bytes(range(16))).decode("ascii")


def framework(**fields):
    info = mesos_pb2.FrameworkInfo(name="test", user="tester", **fields)
    return info


def update(task_id, state, uuid=UUID, agent="agent-1"):
    status = {"task_id": {"value": task_id}, "state": state, "agent_id": {"value": agent}, "source": "SOURCE_EXECUTOR"}
    if uuid:
        status["uuid"] = uuid
    return {"type": "UPDATE", "update": {"status": status}}


class DriverTestCase(unittest.TestCase):
    def setUp(self):
        self.masters = []
        self.drivers = []

    def tearDown(self):
        for driver in self.drivers:
            driver.abort()
            driver.stop(failover=True)
        for master in self.masters:
            master.close()

    def master(self):
        master = FakeMaster()
        self.masters.append(master)
        return master

    def driver(self, scheduler, masters, **kwargs):
        driver = MesosSchedulerDriver(scheduler, kwargs.pop("framework", framework()), masters, random=random.Random(7), **kwargs)
        self.drivers.append(driver)
        return driver


class SubscriptionTests(DriverTestCase):
    def test_follows_307_to_the_leader_and_sends_calls_there_with_the_stream_id(self):
        follower, leader = self.master(), self.master()
        follower.on_subscribe = lambda call, headers: ("redirect", "//%s/api/v1/scheduler" % leader.address)
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, [follower.address, leader.address])
        self.assertEqual(mesos_pb2.DRIVER_RUNNING, driver.start())

        registered = scheduler.wait_for_callback("registered")
        framework_id, master_info = registered[0]
        self.assertEqual("fw-1", framework_id.value)
        self.assertEqual(leader.port, master_info.port)
        offer = mesos_pb2.OfferID(value="o-1")
        self.assertEqual(mesos_pb2.DRIVER_RUNNING, driver.declineOffer(offer))
        call, headers = leader.wait_for_calls("DECLINE")[0]
        self.assertEqual({"value": "fw-1"}, call["framework_id"])
        self.assertEqual([{"value": "o-1"}], call["decline"]["offer_ids"])
        self.assertEqual("stream-1", headers["Mesos-Stream-Id"])
        self.assertEqual([], follower.calls_of("DECLINE"))

    def test_calls_follow_a_307_to_the_new_leader(self):
        old, new = self.master(), self.master()
        old.on_call = lambda call, headers: ("redirect", "http://%s/api/v1/scheduler" % new.address)
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, old.address)
        driver.start()
        scheduler.wait_for_callback("registered")
        driver.reviveOffers()
        call, headers = new.wait_for_calls("REVIVE")[0]
        self.assertEqual("stream-1", headers["Mesos-Stream-Id"])
        self.assertEqual(1, len(old.calls_of("REVIVE")))

    @unittest.skipUnless(shutil.which("openssl"), "needs openssl to make a certificate")
    def test_https_with_the_authority_from_libprocess_ssl_ca_file(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory, True)
        cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True, timeout=30)
        master = FakeMaster(tls=(cert, key))
        self.masters.append(master)
        previous = os.environ.get("LIBPROCESS_SSL_CA_FILE")
        os.environ["LIBPROCESS_SSL_CA_FILE"] = cert
        self.addCleanup(lambda: os.environ.pop("LIBPROCESS_SSL_CA_FILE") if previous is None
                        else os.environ.__setitem__("LIBPROCESS_SSL_CA_FILE", previous))
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, "https://localhost:%d" % master.port)
        driver.start()
        scheduler.wait_for_callback("registered")
        driver.reviveOffers()
        master.wait_for_calls("REVIVE")

    def test_503_while_no_leader_is_retried_until_a_leader_answers(self):
        master = self.master()
        answers = iter([("status", 503), ("status", 503)])
        master.on_subscribe = lambda call, headers: next(answers, None) or ("stream", master.new_stream(call))
        scheduler = RecordingScheduler()
        self.driver(scheduler, master.address).start()
        scheduler.wait_for_callback("registered")
        self.assertEqual(3, len(master.calls_of("SUBSCRIBE")))

    def test_a_master_that_does_not_answer_is_skipped_for_the_next_in_the_list(self):
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        dead = "127.0.0.1:%d" % closed.getsockname()[1]
        closed.close()
        master = self.master()
        scheduler = RecordingScheduler()
        self.driver(scheduler, "%s,http://%s" % (dead, master.address)).start()
        scheduler.wait_for_callback("registered")

    def test_a_dns_name_is_resolved_on_connection(self):
        master = self.master()
        scheduler = RecordingScheduler()
        self.driver(scheduler, "localhost:%d" % master.port).start()
        scheduler.wait_for_callback("registered")

    def test_heartbeat_timeout_resubscribes_with_the_framework_id_and_reconciles(self):
        master = self.master()

        def subscribe(call, headers):
            if master.streams:
                return "stream", master.new_stream(call)
            # The first stream: an update right after SUBSCRIBED, then silence for more than three heartbeats.
            stream = master.new_stream(call, heartbeat_s=0.1)
            stream.send(update("t1", "TASK_RUNNING"))
            return "stream", stream
        master.on_subscribe = subscribe
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, master.address)
        driver.start()
        scheduler.wait_for_callback("reregistered")
        self.assertEqual(["registered", "statusUpdate", "disconnected", "reregistered"], scheduler.names()[:4])
        second = master.wait_for_calls("SUBSCRIBE", 2)[1][0]
        self.assertEqual({"value": "fw-1"}, second["framework_id"])
        self.assertEqual({"value": "fw-1"}, second["subscribe"]["framework_info"]["id"])
        reconciles = [c["reconcile"]["tasks"] for c, _ in master.wait_for_calls("RECONCILE", 2)]
        self.assertEqual([{"task_id": {"value": "t1"}, "agent_id": {"value": "agent-1"}}], reconciles[0])
        self.assertEqual([], reconciles[1])
        self.assertEqual("fw-1", driver.frameworkId.value)

    def test_a_lost_stream_resubscribes_and_calls_reregistered(self):
        master = self.master()
        scheduler = RecordingScheduler()
        self.driver(scheduler, master.address).start()
        scheduler.wait_for_callback("registered")
        master.stream(0).close()
        scheduler.wait_for_callback("reregistered")
        self.assertEqual(1, len(scheduler.of("registered")))
        self.assertIn("disconnected", scheduler.names())

    def test_a_malformed_event_drops_the_stream_and_resubscribes(self):
        master = self.master()
        scheduler = RecordingScheduler()
        self.driver(scheduler, master.address).start()
        scheduler.wait_for_callback("registered")
        master.stream(0).send_raw(encode("[not json"))
        scheduler.wait_for_callback("reregistered")
        self.assertIn("disconnected", scheduler.names())

    def test_a_master_that_goes_away_is_replaced_by_the_next_in_the_list(self):
        first, second = self.master(), self.master()
        scheduler = RecordingScheduler()
        self.driver(scheduler, [first.address, second.address]).start()
        scheduler.wait_for_callback("registered")
        first.close()  # its stream ends and it no longer accepts connections
        scheduler.wait_for_callback("reregistered")
        call = second.wait_for_calls("SUBSCRIBE")[0][0]
        self.assertEqual({"value": "fw-1"}, call["framework_id"])
        self.assertEqual({"value": "fw-1"}, call["subscribe"]["framework_info"]["id"])

    def test_an_event_split_inside_a_multibyte_character_arrives_whole(self):
        master = self.master()
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, master.address)
        driver.start()
        scheduler.wait_for_callback("registered")
        text = "caf\u00e9 \u2603 \U0001F600"
        record = encode(json.dumps({"type": "ERROR", "error": {"message": text}}, ensure_ascii=False))
        cut = record.index("\u2603".encode("utf-8")) + 1
        master.stream(0).send_raw(record[:cut])
        master.stream(0).send_raw(record[cut:])
        self.assertEqual(mesos_pb2.DRIVER_ABORTED, driver.join())
        self.assertEqual([(text,)], scheduler.of("error"))

    def test_a_refused_subscription_aborts_and_calls_error(self):
        master = self.master()
        master.on_subscribe = lambda call, headers: ("status", 403)
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, master.address)
        self.assertEqual(mesos_pb2.DRIVER_ABORTED, driver.run())
        self.assertEqual(1, len(scheduler.of("error")))

    def test_an_error_event_aborts_and_calls_error(self):
        master = self.master()
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, master.address)
        driver.start()
        scheduler.wait_for_callback("registered")
        master.stream(0).send({"type": "ERROR", "error": {"message": "Framework has been removed"}})
        self.assertEqual(mesos_pb2.DRIVER_ABORTED, driver.join())
        self.assertEqual([("Framework has been removed",)], scheduler.of("error"))

    def test_basic_authentication_with_a_credential(self):
        master = self.master()
        scheduler = RecordingScheduler()
        credential = mesos_pb2.Credential(principal="ops", secret="s3cret")
        self.driver(scheduler, master.address, credential=credential).start()
        scheduler.wait_for_callback("registered")
        call, headers = master.calls_of("SUBSCRIBE")[0]
        self.assertEqual("Basic " + base64.b64encode(b"ops:s3cret").decode("ascii"), headers["Authorization"])
        self.assertEqual("ops", call["subscribe"]["framework_info"]["principal"])


class EventTests(DriverTestCase):
    def test_events_become_callbacks_with_mesos_pb2_messages(self):
        master = self.master()
        scheduler = RecordingScheduler()
        self.driver(scheduler, master.address).start()
        scheduler.wait_for_callback("registered")
        stream = master.stream(0)
        stream.send({"type": "OFFERS", "offers": {"offers": [{
            "id": {"value": "o-1"}, "framework_id": {"value": "fw-1"}, "agent_id": {"value": "a-1"}, "hostname": "h1",
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 2}}]}]}})
        stream.send({"type": "RESCIND", "rescind": {"offer_id": {"value": "o-1"}}})
        stream.send({"type": "MESSAGE", "message": {"agent_id": {"value": "a-1"}, "executor_id": {"value": "e-1"},
                                                    "data": base64.b64encode(b"hi").decode("ascii")}})
        stream.send({"type": "FAILURE", "failure": {"agent_id": {"value": "a-1"}}})
        stream.send({"type": "FAILURE", "failure": {"agent_id": {"value": "a-1"}, "executor_id": {"value": "e-1"}, "status": 3}})
        stream.send({"type": "HEARTBEAT"})
        scheduler.wait_for_callback("executorLost")
        offers = scheduler.of("resourceOffers")[0][0]
        self.assertEqual("a-1", offers[0].slave_id.value)
        self.assertEqual(2.0, offers[0].resources[0].scalar.value)
        self.assertEqual("o-1", scheduler.of("offerRescinded")[0][0].value)
        executor, agent, data = scheduler.of("frameworkMessage")[0]
        self.assertEqual(("e-1", "a-1", b"hi"), (executor.value, agent.value, data))
        self.assertEqual("a-1", scheduler.of("slaveLost")[0][0].value)
        executor, agent, status = scheduler.of("executorLost")[0]
        self.assertEqual(("e-1", "a-1", 3), (executor.value, agent.value, status))

    def test_updates_with_a_uuid_are_acknowledged_after_status_update_returns(self):
        master = self.master()
        order = []
        scheduler = RecordingScheduler(on={"statusUpdate": lambda driver, status: order.append(len(master.calls_of("ACKNOWLEDGE")))})
        self.driver(scheduler, master.address).start()
        scheduler.wait_for_callback("registered")
        master.stream(0).send(update("t1", "TASK_RUNNING", uuid=None))
        master.stream(0).send(update("t1", "TASK_FINISHED"))
        acks = master.wait_for_calls("ACKNOWLEDGE")
        scheduler.wait_for_callback("statusUpdate", 2)
        self.assertEqual([0, 0], order)
        self.assertEqual({"agent_id": {"value": "agent-1"}, "task_id": {"value": "t1"}, "uuid": UUID}, acks[0][0]["acknowledge"])
        self.assertEqual(mesos_pb2.TASK_FINISHED, scheduler.of("statusUpdate")[1][0].state)
        self.assertEqual(bytes(range(16)), scheduler.of("statusUpdate")[1][0].uuid)

    def test_explicit_acknowledgements_wait_for_acknowledge_status_update(self):
        master = self.master()
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, master.address, implicitAcknowledgements=False)
        driver.start()
        scheduler.wait_for_callback("registered")
        master.stream(0).send(update("t1", "TASK_RUNNING"))
        status = scheduler.wait_for_callback("statusUpdate")[0][0]
        driver.reviveOffers()  # calls go out in order: had an ACKNOWLEDGE been sent, it would be in before this
        master.wait_for_calls("REVIVE")
        self.assertEqual([], master.calls_of("ACKNOWLEDGE"))
        driver.acknowledgeStatusUpdate(status)
        self.assertEqual(UUID, master.wait_for_calls("ACKNOWLEDGE")[0][0]["acknowledge"]["uuid"])


class CallTests(DriverTestCase):
    def registered(self, master, **kwargs):
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler, master.address, **kwargs)
        driver.start()
        scheduler.wait_for_callback("registered")
        return driver, scheduler

    def test_launch_tasks_sends_accept_with_a_launch_in_v1_json(self):
        master = self.master()
        driver, _ = self.registered(master)
        task = mesos_pb2.TaskInfo(name="t")
        task.task_id.value = "t1"
        task.slave_id.value = "a-1"
        task.command.value = "echo hi"
        cpus = task.resources.add(name="cpus", type=mesos_pb2.Value.SCALAR)
        cpus.scalar.value = 0.1
        self.assertEqual(mesos_pb2.DRIVER_RUNNING, driver.launchTasks(mesos_pb2.OfferID(value="o-1"), [task], mesos_pb2.Filters(refuse_seconds=1)))
        accept = master.wait_for_calls("ACCEPT")[0][0]["accept"]
        self.assertEqual([{"value": "o-1"}], accept["offer_ids"])
        self.assertEqual({"refuse_seconds": 1.0}, accept["filters"])
        self.assertEqual([{"type": "LAUNCH", "launch": {"task_infos": [{
            "name": "t", "task_id": {"value": "t1"}, "agent_id": {"value": "a-1"},
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}],
            "command": {"value": "echo hi"}}]}}], accept["operations"])

    def test_kill_reconcile_revive_suppress_message(self):
        master = self.master()
        driver, _ = self.registered(master)
        driver.killTask(mesos_pb2.TaskID(value="t1"))
        status = mesos_pb2.TaskStatus(state=mesos_pb2.TASK_RUNNING)
        status.task_id.value = "t1"
        status.slave_id.value = "a-1"
        driver.reconcileTasks([status])
        driver.reviveOffers()
        driver.suppressOffers()
        driver.sendFrameworkMessage(mesos_pb2.ExecutorID(value="e-1"), mesos_pb2.SlaveID(value="a-1"), b"ping")
        master.wait_for_calls("MESSAGE")
        self.assertEqual({"task_id": {"value": "t1"}}, master.calls_of("KILL")[0][0]["kill"])
        self.assertEqual({"tasks": [{"task_id": {"value": "t1"}, "agent_id": {"value": "a-1"}}]}, master.calls_of("RECONCILE")[0][0]["reconcile"])
        self.assertEqual(1, len(master.calls_of("REVIVE")))
        self.assertEqual(1, len(master.calls_of("SUPPRESS")))
        self.assertEqual({"agent_id": {"value": "a-1"}, "executor_id": {"value": "e-1"}, "data": "cGluZw=="},
                         master.calls_of("MESSAGE")[0][0]["message"])

    def test_stop_tears_the_framework_down(self):
        master = self.master()
        driver, _ = self.registered(master)
        self.assertEqual(mesos_pb2.DRIVER_STOPPED, driver.stop())
        self.assertEqual(1, len(master.calls_of("TEARDOWN")))
        self.assertEqual(mesos_pb2.DRIVER_STOPPED, driver.join())
        self.assertEqual(mesos_pb2.DRIVER_STOPPED, driver.declineOffer(mesos_pb2.OfferID(value="o")))
        self.assertTrue(master.stream(0).closed.wait(10), "the stream was not closed")

    def test_stop_while_the_master_closes_the_stream_before_answering_teardown_calls_nothing_back(self):
        master = self.master()

        def teardown(call, headers):
            master.stream(0).close()
            master.stream(0).closed.wait(10)
            return ("status", 202)
        master.on_call = teardown
        driver, scheduler = self.registered(master)
        self.assertEqual(mesos_pb2.DRIVER_STOPPED, driver.stop())
        driver._thread.join(10)
        self.assertFalse(driver._thread.is_alive())
        self.assertEqual(["registered"], scheduler.names())
        self.assertEqual(1, len(master.calls_of("SUBSCRIBE")))

    def test_stop_with_failover_leaves_the_framework_registered(self):
        master = self.master()
        driver, _ = self.registered(master)
        self.assertEqual(mesos_pb2.DRIVER_STOPPED, driver.stop(failover=True))
        self.assertTrue(master.stream(0).closed.wait(10), "the stream was not closed")
        self.assertEqual([], master.calls_of("TEARDOWN"))

    def test_stop_from_a_callback_ends_run(self):
        master = self.master()
        scheduler = RecordingScheduler(on={"statusUpdate": lambda driver, status: driver.stop()})
        driver = self.driver(scheduler, master.address)
        driver.start()
        scheduler.wait_for_callback("registered")
        master.stream(0).send(update("t1", "TASK_FINISHED"))
        self.assertEqual(mesos_pb2.DRIVER_STOPPED, driver.join())
        self.assertEqual(1, len(master.calls_of("TEARDOWN")))

    def test_status_values_as_mesos_returns_them(self):
        driver = MesosSchedulerDriver(RecordingScheduler(), framework(), "127.0.0.1:1")
        self.assertEqual(mesos_pb2.DRIVER_NOT_STARTED, driver.stop())
        self.assertEqual(mesos_pb2.DRIVER_NOT_STARTED, driver.abort())
        self.assertEqual(mesos_pb2.DRIVER_NOT_STARTED, driver.join())
        self.assertEqual(mesos_pb2.DRIVER_RUNNING, driver.start())
        self.assertEqual(mesos_pb2.DRIVER_RUNNING, driver.start())
        self.assertEqual(mesos_pb2.DRIVER_ABORTED, driver.abort())
        self.assertEqual(mesos_pb2.DRIVER_ABORTED, driver.join())
        self.assertEqual(mesos_pb2.DRIVER_ABORTED, driver.stop())
        self.assertEqual(mesos_pb2.DRIVER_STOPPED, driver.join())


if __name__ == "__main__":
    unittest.main()
