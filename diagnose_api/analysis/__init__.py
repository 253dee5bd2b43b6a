"""Analyzers: pure functions on numpy arrays that build a diagnosis."""
