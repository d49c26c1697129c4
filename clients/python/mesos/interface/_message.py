"""A small stand-in for the protobuf runtime: messages, repeated fields and enums that behave as
generated protobuf classes do where frameworks touch them (nested messages created on first
access, ``add()``, ``CopyFrom``, ``HasField``, a text ``__str__``), plus conversion to and from the
Mesos v1 JSON (``json_name`` renames, enums as names, bytes as base64).

Not thread-safe, as protobuf messages are not: one thread builds a message at a time.
"""

import base64

STRING = "string"
BYTES = "bytes"
BOOL = "bool"
INT = "int"
DOUBLE = "double"

_SCALAR_DEFAULTS = {STRING: "", BYTES: b"", BOOL: False, INT: 0, DOUBLE: 0.0}


class EnumType(object):
    """An enum: ``Name(number)``, ``Value(name)``, ``keys()``, ``values()``, ``items()`` and each
    name as an attribute. ``aliases`` maps names other dialects use (v1's AGENT for SLAVE) to ours."""

    def __init__(self, name, values, aliases=None):
        self._name = name
        self._by_name = dict(values)
        self._first = values[0][1]
        self._by_number = {}
        for key, number in values:
            self._by_number.setdefault(number, key)
            setattr(self, key, number)
        self._aliases = dict(aliases or {})
        self._json_names = {ours: theirs for theirs, ours in self._aliases.items()}

    def Name(self, number):
        try:
            return self._by_number[number]
        except KeyError:
            raise ValueError("enum %s has no name for value %r" % (self._name, number))

    def Value(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            raise ValueError("enum %s has no value named %r" % (self._name, name))

    def keys(self):
        return [k for k, _ in sorted(self._by_name.items(), key=lambda kv: kv[1])]

    def values(self):
        return sorted(self._by_number)

    def items(self):
        return sorted(self._by_name.items(), key=lambda kv: kv[1])

    def json_name(self, number):
        name = self.Name(number)
        return self._json_names.get(name, name)

    def from_json(self, name):
        """The number of a JSON enum name (ours or an alias), or None when unknown."""
        if isinstance(name, int) and not isinstance(name, bool):
            return name if name in self._by_number else None
        name = self._aliases.get(name, name)
        return self._by_name.get(name)


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


class RepeatedScalarContainer(object):
    """A repeated scalar or enum field: a list that checks what goes in."""

    def __init__(self, owner, field):
        self._owner = owner
        self._field = field
        self._items = []

    def append(self, value):
        self._items.append(self._field.check(value))
        self._owner._modified()

    def extend(self, values):
        checked = [self._field.check(v) for v in values]
        self._items.extend(checked)
        if checked:
            self._owner._modified()

    def insert(self, index, value):
        self._items.insert(index, self._field.check(value))
        self._owner._modified()

    def remove(self, value):
        self._items.remove(value)

    def pop(self, index=-1):
        return self._items.pop(index)

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __getitem__(self, index):
        return self._items[index]

    def __setitem__(self, index, value):
        self._items[index] = self._field.check(value)

    def __delitem__(self, index):
        del self._items[index]

    def __contains__(self, value):
        return value in self._items

    def __eq__(self, other):
        return list(self) == list(other)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return repr(self._items)


class RepeatedCompositeContainer(RepeatedScalarContainer):
    """A repeated message field: ``add(**fields)`` makes a new element; ``append`` and ``extend`` copy."""

    def add(self, **kwargs):
        item = self._field.message_class()(**kwargs)
        self._items.append(item)
        self._owner._modified()
        return item

    def append(self, value):
        self.add().CopyFrom(value)

    def extend(self, values):
        for value in values:
            self.append(value)

    def insert(self, index, value):
        item = self._field.message_class()()
        item.CopyFrom(value)
        self._items.insert(index, item)
        self._owner._modified()

    def __setitem__(self, index, value):
        raise TypeError("assign to a field of the element, or use CopyFrom")


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
