"""Repeated fields, as protobuf's containers behave where frameworks touch them."""


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
