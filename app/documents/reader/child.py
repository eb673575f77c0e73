"""The document sandbox's entry point: ``python -I app/documents/reader/child.py --sandbox-child``.

The child runs in isolated mode, in a private folder, with a minimal environment and no app
package: it puts the folder holding this package first on sys.path and imports it as the
top-level package ``reader`` (its modules import each other relatively, and nothing else of CaseOS).
"""
import os
import sys

if __name__ == "__main__" and "--sandbox-child" in sys.argv:  # pragma: no cover - run as a subprocess
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from reader.ops import _child_main

    _child_main()
