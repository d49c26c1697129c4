"""A message field's kind, default and type check, for mesos_pb2's classes."""

from mesos.interface._enum import EnumType

STRING = "string"
BYTES = "bytes"
BOOL = "bool"
INT = "int"
DOUBLE = "double"

_SCALAR_DEFAULTS = {STRING: "", BYTES: b"", BOOL: False, INT: 0, DOUBLE: 0.0}


class Field(object):
    """One field: ``kind`` is a scalar kind, an EnumType, or a message class name (resolved late)."""

    def __init__(self, name, kind, repeated=False, default=None, json_name=None):
        self.name = name
        self.kind = kind
        self.repeated = repeated
        self.json_name = json_name or name
        self._default = default
        self._resolved = None
        self.module = None

    @property
    def is_enum(self):
        return isinstance(self.kind, EnumType)

    @property
    def is_message(self):
        return isinstance(self.kind, str) and self.kind not in _SCALAR_DEFAULTS

    def message_class(self):
        if self._resolved is None:
            target = self.module
            for part in self.kind.split("."):
                target = getattr(target, part)
            self._resolved = target
        return self._resolved

    def default(self):
        if self._default is not None:
            return self._default
        if self.is_enum:
            return self.kind._first
        return _SCALAR_DEFAULTS[self.kind]

    def check(self, value):
        """The value as stored, or TypeError as protobuf raises for a value of the wrong type."""
        kind = self.kind
        if self.is_enum or kind == INT:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("%s must be an int, not %r" % (self.name, value))
            return value
        if kind == DOUBLE:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError("%s must be a number, not %r" % (self.name, value))
            return float(value)
        if kind == BOOL:
            if not isinstance(value, (bool, int)):
                raise TypeError("%s must be a bool, not %r" % (self.name, value))
            return bool(value)
        if kind == STRING:
            if isinstance(value, bytes):
                return value.decode("utf-8")
            if not isinstance(value, str):
                raise TypeError("%s must be a str, not %r" % (self.name, value))
            return value
        if kind == BYTES:
            # Frameworks written for Python 2 put str in bytes fields.
            if isinstance(value, str):
                return value.encode("utf-8")
            if not isinstance(value, (bytes, bytearray)):
                raise TypeError("%s must be bytes, not %r" % (self.name, value))
            return bytes(value)
        raise TypeError("%s is a message field: use CopyFrom" % self.name)
