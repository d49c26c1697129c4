"""RecordIO as the v1 scheduler API frames its event stream: ``<length in bytes>\\n<record>``."""

MAX_RECORD_BYTES = 64 * 1024 * 1024
_MAX_HEADER_BYTES = 20


class RecordIOError(ValueError):
    """The stream is not RecordIO (a bad length, or a record over the limit)."""


class RecordIOReader(object):
    """Splits a byte stream into records, whatever the chunks it arrives in: a record (and any
    multi-byte UTF-8 character in it) may be split across reads, so only whole records come out,
    as bytes for the caller to decode. Bounded: a record longer than ``max_record_bytes`` is an error."""

    def __init__(self, max_record_bytes=MAX_RECORD_BYTES):
        self._buffer = bytearray()
        self._expected = None
        self._max = max_record_bytes

    def feed(self, data):
        """Adds bytes; returns the records they complete (possibly none)."""
        self._buffer.extend(data)
        records = []
        while True:
            if self._expected is None:
                newline = self._buffer.find(b"\n")
                if newline < 0:
                    if len(self._buffer) > _MAX_HEADER_BYTES:
                        raise RecordIOError("no record length in the first %d bytes" % _MAX_HEADER_BYTES)
                    return records
                header = bytes(self._buffer[:newline]).strip()
                if not header.isdigit():
                    raise RecordIOError("bad record length %r" % header[:_MAX_HEADER_BYTES])
                length = int(header)
                if length > self._max:
                    raise RecordIOError("a record of %d bytes is over the limit of %d" % (length, self._max))
                del self._buffer[:newline + 1]
                self._expected = length
            if len(self._buffer) < self._expected:
                return records
            records.append(bytes(self._buffer[:self._expected]))
            del self._buffer[:self._expected]
            self._expected = None

    @property
    def pending_bytes(self):
        """Bytes held of a record not yet complete."""
        return len(self._buffer)


def encode(record):
    """One record framed (for tests and fakes)."""
    if isinstance(record, str):
        record = record.encode("utf-8")
    return str(len(record)).encode("ascii") + b"\n" + record
