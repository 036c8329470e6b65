"""Small checks every nn module shares: short quotes of user input, flags, numpy scalars.

An error message quotes what came in so the learner sees it, but a file of megabytes or a list of
a million numbers must not become a megabyte-long message: `quote` cuts every quoted input to
about `LIMIT` characters. numpy scalars are taken where the Python ones are (`np.float64` is a
float and `np.int64` registers as an `numbers.Integral`; `np.bool_` is neither, so flags accept
it here by name, without importing numpy).
"""

from __future__ import annotations

import reprlib
from typing import Iterable

LIMIT = 200

_repr = reprlib.Repr()
_repr.maxstring = LIMIT
_repr.maxother = LIMIT
_repr.maxlong = 60
_repr.maxlevel = 3
for _name in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset", "maxdeque",
              "maxarray"):
    setattr(_repr, _name, 8)


def quote(value: object, limit: int = LIMIT) -> str:
    """repr(value), cut to about `limit` characters with "..." (lists and dicts to a few items),
    so an error that quotes user input stays one readable line."""
    if isinstance(value, int) and value.bit_length() > 1000:  # str() refuses past 4300 digits
        digits = int(value.bit_length() * 0.30103) + 1
        return f"{'-' if value < 0 else ''}<an int of about {digits} digits>"
    try:
        text = _repr.repr(value)
    except Exception:  # a broken __repr__ must not hide the error being reported
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def names(keys: Iterable[object], most: int = 10) -> str:
    """'a', 'b', ... and 3 more: a list of names for an error, never thousands long."""
    keys = list(keys)
    shown = ", ".join(quote(k, 80) for k in keys[:most])
    return shown if len(keys) <= most else f"{shown} and {len(keys) - most} more"


def is_flag(value: object) -> bool:
    """True or False, Python's or numpy's (np.True_, np.False_)."""
    if isinstance(value, bool):
        return True
    cls = type(value)
    return cls.__module__ == "numpy" and cls.__name__ in ("bool_", "bool")
