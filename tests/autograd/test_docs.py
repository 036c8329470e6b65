"""The operations page is the catalogue: regenerate it with autograd.ops.catalogue_table()."""

from pathlib import Path

from autograd import CATALOGUE
from autograd.ops import catalogue_table

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_operations_page_is_the_catalogue():
    text = PAGE.read_text(encoding="utf-8")
    assert catalogue_table() in text
    for name in CATALOGUE:
        assert f"| `{name}` |" in text
