"""Keeping the search index in step with titles. Being written (catalogue issue)."""

from collections.abc import Iterable


def index_titles(title_ids: Iterable[int]) -> None:
    """(Re)index these titles; call inside the transaction that changed them."""


def remove_titles(title_ids: Iterable[int]) -> None:
    """Drop these titles from the index."""
