"""Operator commands for documents, keys and the search index."""
