"""Protobuf-like enums for mesos_pb2."""


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
