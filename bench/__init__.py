"""CaseOS benchmarks: every figure side by side with a baseline run on the same machine in the same run.

Run everything with ``python -m bench.run`` (see bench/README.md); ``--quick`` uses tiny sizes.
"""
