"""Helpers shared by the tests and the benchmarks: generated documents, free ports, a local S3 server.

Never imported by app/ or workers/ (an import-linter contract says so); bench/ uses these instead of
importing tests/.
"""
