"""The RecordIO reader: whole records out, whatever the chunks in."""

import _paths  # noqa: F401  (clients/python on sys.path)
import json
import unittest

from mesos.native._recordio import RecordIOError, RecordIOReader, encode


class RecordIOReaderTests(unittest.TestCase):
    def test_records_in_one_chunk(self):
        reader = RecordIOReader()
        self.assertEqual([b"hello", b"", b"{}"], reader.feed(encode("hello") + encode("") + encode("{}")))
        self.assertEqual(0, reader.pending_bytes)

    def test_records_split_at_every_position(self):
        stream = encode('{"type":"HEARTBEAT"}') + encode('{"type":"OFFERS","offers":{"offers":[]}}')
        for cut in range(len(stream) + 1):
            reader = RecordIOReader()
            records = reader.feed(stream[:cut]) + reader.feed(stream[cut:])
            self.assertEqual(['{"type":"HEARTBEAT"}', '{"type":"OFFERS","offers":{"offers":[]}}'],
                             [r.decode("utf-8") for r in records], "cut at %d" % cut)

    def test_byte_by_byte(self):
        stream = encode("abc") + encode("defgh")
        reader = RecordIOReader()
        records = []
        for i in range(len(stream)):
            records.extend(reader.feed(stream[i:i + 1]))
        self.assertEqual([b"abc", b"defgh"], records)

    def test_multibyte_utf8_split_across_chunks_is_decoded_whole(self):
        message = {"type": "ERROR", "error": {"message": "caf\u00e9 \u2603 \U0001F600 \u6f22\u5b57"}}
        record = encode(json.dumps(message, ensure_ascii=False))
        self.assertGreater(len(record), len(json.dumps(message, ensure_ascii=False)) + 2, "the record holds multi-byte characters")
        for cut in range(len(record) + 1):
            reader = RecordIOReader()
            first = reader.feed(record[:cut])
            rest = reader.feed(record[cut:])
            records = first + rest
            self.assertEqual(1, len(records), "cut at %d" % cut)
            self.assertEqual(message, json.loads(records[0].decode("utf-8")))

    def test_length_is_in_bytes_not_characters(self):
        self.assertEqual(b"3\n\xe2\x98\x83", encode("\u2603"))

    def test_a_bad_length_is_an_error(self):
        with self.assertRaises(RecordIOError):
            RecordIOReader().feed(b"x1\nabc")

    def test_a_record_over_the_limit_is_an_error(self):
        with self.assertRaises(RecordIOError):
            RecordIOReader(max_record_bytes=10).feed(b"11\n")

    def test_a_header_without_newline_is_bounded(self):
        with self.assertRaises(RecordIOError):
            RecordIOReader().feed(b"1" * 30)


if __name__ == "__main__":
    unittest.main()
