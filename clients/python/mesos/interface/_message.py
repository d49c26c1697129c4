"""A small stand-in for the protobuf runtime: messages, repeated fields and enums that behave as
generated protobuf classes do where frameworks touch them (nested messages created on first
access, ``add()``, ``CopyFrom``, ``HasField``, a text ``__str__``), plus conversion to and from the
Mesos v1 JSON (``json_name`` renames, enums as names, bytes as base64).

Not thread-safe, as protobuf messages are not: one thread builds a message at a time.
"""

import base64

from mesos.interface._containers import RepeatedCompositeContainer, RepeatedScalarContainer
from mesos.interface._enum import EnumType  # noqa: F401  (mesos_pb2 imports it from here)
from mesos.interface._field import BOOL, BYTES, DOUBLE, INT, STRING, Field  # noqa: F401


class Message(object):
    """Base of every message class. Subclasses set ``_FIELDS`` (a list of Field)."""

    _FIELDS = []
    __slots__ = ("_values", "_present", "_parent")

    def __init__(self, **kwargs):
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_present", set())
        object.__setattr__(self, "_parent", None)
        for name, value in kwargs.items():
            field = self._field(name)
            if field.repeated:
                getattr(self, name).extend(value)
            elif field.is_message:
                getattr(self, name).CopyFrom(value)
            else:
                setattr(self, name, value)

    @classmethod
    def _field(cls, name):
        fields = cls.__dict__.get("_BY_NAME")
        if fields is None:
            fields = {f.name: f for f in cls._FIELDS}
            cls._BY_NAME = fields
        try:
            return fields[name]
        except KeyError:
            raise AttributeError("%s has no field %r" % (cls.__name__, name))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        field = self._field(name)
        values = self._values
        if name in values:
            return values[name]
        if field.repeated:
            kind = RepeatedCompositeContainer if field.is_message else RepeatedScalarContainer
            value = values[name] = kind(self, field)
            return value
        if field.is_message:
            child = field.message_class()()
            object.__setattr__(child, "_parent", (self, name))
            values[name] = child
            return child
        return field.default()

    def __setattr__(self, name, value):
        field = self._field(name)
        if field.repeated or field.is_message:
            raise AttributeError("assignment to %s.%s is not allowed: use CopyFrom, add or extend" % (type(self).__name__, name))
        self._values[name] = field.check(value)
        self._present.add(name)
        self._modified()

    def _modified(self):
        """Marks this message present in its parent (protobuf's lazily-present sub-messages)."""
        parent = self._parent
        while parent is not None:
            owner, name = parent
            if name in owner._present:
                break
            owner._present.add(name)
            parent = owner._parent

    def HasField(self, name):
        field = self._field(name)
        if field.repeated:
            raise ValueError("HasField of a repeated field %r" % name)
        return name in self._present

    def ClearField(self, name):
        self._field(name)
        child = self._values.pop(name, None)
        if isinstance(child, Message):
            object.__setattr__(child, "_parent", None)
        self._present.discard(name)

    def Clear(self):
        for name in list(self._values):
            self.ClearField(name)
        self._present.clear()

    def ListFields(self):
        listed = []
        for field in self._FIELDS:
            if field.repeated:
                value = self._values.get(field.name)
                if value is not None and len(value):
                    listed.append((field, value))
            elif field.name in self._present:
                listed.append((field, getattr(self, field.name)))
        return listed

    def CopyFrom(self, other):
        if other is self:
            return
        if not isinstance(other, type(self)):
            raise TypeError("CopyFrom of a %s into a %s" % (type(other).__name__, type(self).__name__))
        self.Clear()
        self.MergeFrom(other)
        self._modified()

    def MergeFrom(self, other):
        if not isinstance(other, type(self)):
            raise TypeError("MergeFrom of a %s into a %s" % (type(other).__name__, type(self).__name__))
        for field, value in other.ListFields():
            if field.repeated:
                getattr(self, field.name).extend(value)
            elif field.is_message:
                getattr(self, field.name).MergeFrom(value)
                self._present.add(field.name)
            else:
                setattr(self, field.name, value)
        self._modified()

    def __copy__(self):
        copy = type(self)()
        copy.CopyFrom(self)
        return copy

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __reduce__(self):
        # Pickled as its JSON, which carries every field this client knows.
        return _rebuild, (type(self), self.to_json())

    def IsInitialized(self):
        return True

    def ByteSize(self):
        return len(str(self))

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return _comparable(self) == _comparable(other)

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None

    def __str__(self):
        lines = []
        _text(self, "", lines)
        return "".join(lines)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, str(self).replace("\n", " ").strip())

    # The v1 JSON -------------------------------------------------------------------------

    def to_json(self):
        """This message as a v1 JSON object (dict): present fields only, json names, enums as names, bytes in base64."""
        out = {}
        for field, value in self.ListFields():
            if field.repeated:
                out[field.json_name] = [_value_to_json(field, v) for v in value]
            else:
                out[field.json_name] = _value_to_json(field, value)
        return out

    @classmethod
    def from_json(cls, data):
        """A message from a v1 JSON object; unknown fields and enum names are skipped, as a reader of a newer master must."""
        message = cls()
        message._merge_json(data)
        return message

    def _merge_json(self, data):
        if not isinstance(data, dict):
            raise ValueError("%s expects a JSON object, got %r" % (type(self).__name__, data))
        by_json = _json_fields(type(self))
        for key, value in data.items():
            field = by_json.get(key)
            if field is None or value is None:
                continue
            if field.repeated:
                if not isinstance(value, list):
                    raise ValueError("%s.%s must be a list" % (type(self).__name__, key))
                container = getattr(self, field.name)
                for item in value:
                    if field.is_message:
                        container.add()._merge_json(item)
                    else:
                        converted = _value_from_json(field, item)
                        if converted is not None:
                            container.append(converted)
            elif field.is_message:
                getattr(self, field.name)._merge_json(value)
                self._present.add(field.name)
                self._modified()
            else:
                converted = _value_from_json(field, value)
                if converted is not None:
                    setattr(self, field.name, converted)


def _rebuild(cls, data):
    return cls.from_json(data)


def _json_fields(cls):
    fields = cls.__dict__.get("_BY_JSON")
    if fields is None:
        fields = {}
        for f in cls._FIELDS:
            fields[f.json_name] = f
            fields.setdefault(f.name, f)
        cls._BY_JSON = fields
    return fields


def _value_to_json(field, value):
    if field.is_message:
        return value.to_json()
    if field.is_enum:
        return field.kind.json_name(value)
    if field.kind == BYTES:
        return base64.b64encode(value).decode("ascii")
    return value


def _value_from_json(field, value):
    if field.is_enum:
        return field.kind.from_json(value)
    kind = field.kind
    if kind == BYTES:
        return base64.b64decode(value)
    if kind == INT:
        return int(value)
    if kind == DOUBLE:
        return float(value)
    if kind == BOOL:
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind == STRING:
        return value if isinstance(value, str) else str(value)
    return value


def _comparable(message):
    out = []
    for field, value in message.ListFields():
        if field.repeated:
            value = [_comparable(v) if field.is_message else v for v in value]
        elif field.is_message:
            value = _comparable(value)
        out.append((field.name, value))
    return out


def _text(message, indent, lines):
    for field, value in message.ListFields():
        items = value if field.repeated else [value]
        for item in items:
            if field.is_message:
                lines.append("%s%s {\n" % (indent, field.name))
                _text(item, indent + "  ", lines)
                lines.append("%s}\n" % indent)
            else:
                lines.append("%s%s: %s\n" % (indent, field.name, _text_scalar(field, item)))


def _text_scalar(field, value):
    if field.is_enum:
        try:
            return field.kind.Name(value)
        except ValueError:
            return str(value)
    if field.kind == STRING:
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if field.kind == BYTES:
        return '"%s"' % "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\%03o" % b for b in value)
    if field.kind == BOOL:
        return "true" if value else "false"
    if field.kind == DOUBLE and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def bind(module_globals):
    """Points every message field of the module's message classes at the module, to resolve class names late."""
    import sys
    module = sys.modules[module_globals["__name__"]]
    pending = [v for v in module_globals.values() if isinstance(v, type) and issubclass(v, Message) and v is not Message]
    while pending:
        cls = pending.pop()
        for field in cls._FIELDS:
            field.module = module
        pending.extend(v for v in vars(cls).values() if isinstance(v, type) and issubclass(v, Message))
