"""nn._checks: quoted user input stays short; numpy's bools count as flags."""

from __future__ import annotations

import pytest

from nn._checks import LIMIT, is_flag, names, quote


@pytest.mark.parametrize("value", ["x" * 10**6, list(range(10**5)),
                                   {i: [i] * 100 for i in range(10**4)},
                                   b"\0" * 10**6, 10**5000, -(10**5000), 10**4000, 2.5e300],
                         ids=["str", "list", "dict", "bytes", "int", "-int", "int4000", "float"])
def test_quote_is_short_for_any_input(value):
    text = quote(value)
    assert len(text) <= LIMIT, text


def test_quote_keeps_small_inputs_as_repr_and_survives_a_broken_repr():
    assert quote("abc") == "'abc'" and quote(0.1) == "0.1" and quote([1, 2]) == "[1, 2]"

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert quote(Broken()).startswith("<Broken ")


def test_names_lists_a_few_and_counts_the_rest():
    assert names(["a", "b"]) == "'a', 'b'"
    assert names([f"k{i}" for i in range(1000)], most=3) == "'k0', 'k1', 'k2' and 997 more"


def test_is_flag_takes_python_and_numpy_bools_only():
    np = pytest.importorskip("numpy")
    assert all(is_flag(v) for v in (True, False, np.True_, np.False_, np.bool_(1)))
    assert not any(is_flag(v) for v in (1, 0, 1.0, None, "True", np.int64(1), np.array(True)))
