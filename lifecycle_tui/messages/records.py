"""``Record``: the read-only objects templates see (``customer``, ``shop``, ``order`` ...).

A plain dict would be a trap in Jinja: ``order.items`` would find ``dict.items`` (a method)
before the key. A Record has no public methods, so every ``x.name`` is a field lookup, and a
missing field names the record in the error ("customer has no field 'frist_name'").
"""

from __future__ import annotations

from typing import Any, Iterator


class Record:
    __slots__ = ("_data", "_label")

    def __init__(self, label: str, data: dict[str, Any]):
        object.__setattr__(self, "_label", label)
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        raise AttributeError("records are read-only")

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and other._data == self._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{self._label} {self._data!r}>"

    def __str__(self) -> str:  # `{{ customer }}` in a template: something readable, not a repr
        return str(self._data.get("name") or self._data.get("title") or self._label)


def to_plain(value: Any) -> Any:
    """Records (and lists of them) back to JSON-able dicts, for previews and --json."""
    if isinstance(value, Record):
        return {k: to_plain(v) for k, v in value._data.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value


def to_record(label: str, value: Any) -> Any:
    """Dicts from callers (a rule's ``extra``) as Records, recursively."""
    if isinstance(value, Record):
        return value
    if isinstance(value, dict):
        return Record(label, {str(k): to_record(f"{label}.{k}", v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return [to_record(label, v) for v in value]
    return value
