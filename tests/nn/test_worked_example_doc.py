"""docs/worked_example.md, the project's own write-up of the worked example: every number it
quotes is the engine's (forward pass, the w35 chain, the six gradients, both orders' runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd import explain
from nn.examples import worked_example as we

PAGE = Path(__file__).resolve().parents[2] / "docs" / "worked_example.md"


@pytest.fixture(scope="module")
def text() -> str:
    return PAGE.read_text(encoding="utf-8")


def test_forward_pass_and_gradients(text):
    g = we.forward(we.START)
    for node in (g.z3, g.y3, g.z4, g.y4, g.z5, g.yp, g.error):
        assert f"| {node.label} | {node.data!r} |" in text
    g.error.backward()
    for name, w in g.weights.items():
        if name != "w35":
            assert f"| {name} | {w.grad!r} |" in text
    (path,) = explain(g.error, g.weights["w35"]).paths
    factors = " · ".join(repr(f.value) for f in path.factors)
    assert f"= {factors}\n            = {g.weights['w35'].grad!r}" in text
    assert repr(g.z5.grad) in text and "g(w35) += 0.6803 × 0.04068 = 0.02767" in text
    assert repr(0.3 - g.weights["w35"].grad) in text


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_both_orders(text, optimizer):
    name = {"sgd": "SGD", "rmsprop": "RMSprop"}[optimizer]
    for order, words in (("document", "the post's order"), ("autograd", "true gradient descent")):
        steps = we.run(optimizer, order=order)
        row = next(line for line in text.splitlines() if line.startswith(f"| {name}, {words}"))
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        last = steps[-1]
        assert cells == [repr(steps[1].yp), str(last.step), repr(last.yp), repr(last.error)]
    assert f"first at **step {len(we.run(optimizer))}**" in text


def test_no_path_outside_the_repository(text):
    assert "shared/" not in text and "seeds/" not in text
