"""Catalogue search (SPEC C4): a portable inverted index with one small engine-specific module."""
