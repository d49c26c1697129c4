"""Master lists, redirects and backoff: the driver's pure helpers."""

import _paths  # noqa: F401  (clients/python on sys.path)
import random
import unittest

from mesos.native._endpoints import Backoff, Endpoint, follow_location, parse_masters


class ParseMastersTests(unittest.TestCase):
    def test_forms(self):
        self.assertEqual([Endpoint("http", "10.0.0.1", 5050)], parse_masters("10.0.0.1:5050"))
        self.assertEqual([Endpoint("http", "a", 5050), Endpoint("https", "b", 5051), Endpoint("http", "leader.mesos", 5050)],
                         parse_masters(" a:5050, https://b:5051/ ,leader.mesos"))
        self.assertEqual([Endpoint("http", "a", 1), Endpoint("http", "b", 2)], parse_masters(["a:1", "http://b:2"]))
        self.assertEqual([Endpoint("http", "::1", 5050)], parse_masters("[::1]:5050"))
        self.assertEqual("[::1]:5050", parse_masters("[::1]:5050")[0].netloc)

    def test_names_are_kept_unresolved(self):
        self.assertEqual("leader.mesos", parse_masters("leader.mesos:5050")[0].host)

    def test_refusals(self):
        for bad in ("", " , ", "zk://zk1:2181/mesos", "ftp://a:1", "a:notaport"):
            with self.assertRaises(ValueError, msg=bad):
                parse_masters(bad)


class FollowLocationTests(unittest.TestCase):
    def test_scheme_relative_location_keeps_the_scheme(self):
        current = Endpoint("https", "a", 5050)
        self.assertEqual(Endpoint("https", "b", 5051), follow_location(current, "//b:5051/api/v1/scheduler"))

    def test_absolute_location(self):
        self.assertEqual(Endpoint("http", "c", 7), follow_location(Endpoint("https", "a", 1), "http://c:7/api/v1/scheduler"))


class BackoffTests(unittest.TestCase):
    def test_first_retry_is_immediate_then_doubles_jittered_to_the_cap(self):
        backoff = Backoff(random.Random(42), initial_s=0.05, cap_s=2.0)
        delays = [backoff.next_delay_s() for _ in range(12)]
        self.assertEqual(0.0, delays[0])
        for n, delay in enumerate(delays[1:]):
            ceiling = min(2.0, 0.05 * 2 ** n)
            self.assertTrue(ceiling / 2 <= delay <= ceiling, "attempt %d waited %r, not in [%r, %r]" % (n, delay, ceiling / 2, ceiling))
        self.assertLessEqual(max(delays), 2.0)

    def test_reset_after_a_working_stream(self):
        backoff = Backoff(random.Random(1))
        for _ in range(5):
            backoff.next_delay_s()
        backoff.reset()
        self.assertEqual(0.0, backoff.next_delay_s())


if __name__ == "__main__":
    unittest.main()
