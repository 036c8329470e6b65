"""numpy integers are taken wherever a Python int is (np.int64 registers as numbers.Integral);
bools, Python's or numpy's, are still refused where a count is wanted."""

from __future__ import annotations


import pytest

import autograd
from autograd import Value

np = pytest.importorskip("numpy")


def graph() -> Value:
    x = Value(2.0, label="x")
    return x * x + x


def test_explain_takes_numpy_ints():
    y = graph()
    (x,) = [v for v in autograd.topo_order(y) if v.label == "x"]
    text = str(autograd.explain(y, x, max_paths=np.int64(3), digits=np.int32(3)))
    assert text == str(autograd.explain(y, x, max_paths=3, digits=3))
    with pytest.raises(TypeError, match="explain: digits must be an int, got bool"):
        autograd.explain(y, x, digits=np.True_)


@pytest.mark.needs_dot
def test_draw_dot_and_to_html_take_numpy_ints():
    pytest.importorskip("graphviz")
    y = graph()
    assert (autograd.draw_dot(y, max_nodes=np.int64(50), digits=np.int64(3)).source
            == autograd.draw_dot(y, max_nodes=50, digits=3).source)
    assert autograd.to_html(y, max_nodes=np.int64(50)).html == autograd.to_html(y,
                                                                               max_nodes=50).html
    with pytest.raises(ValueError, match="to_html: max_nodes must be an int >= 1 or None, got "
                                         "np.True_"):
        autograd.to_html(y, max_nodes=np.True_)
