"""The document sandbox's entry points: ``python -I app/documents/reader/child.py --sandbox-child`` (one
cold child: reads one request from stdin) and ``... --sandbox-forkserver FD`` (the warm fork server,
reader/forkserver.py, which forks such a child per request).

They run in isolated mode, in a private folder, with a minimal environment and no app package: this
puts the folder holding this package first on sys.path and imports it as the top-level package
``reader`` (its modules import each other relatively, and nothing else of CaseOS).
"""
import os
import sys

if __name__ == "__main__" and "--sandbox-child" in sys.argv:  # pragma: no cover - run as a subprocess
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from reader.ops import _child_main

    _child_main()
elif __name__ == "__main__" and "--sandbox-forkserver" in sys.argv:  # pragma: no cover - run as a subprocess
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from reader.forkserver import serve

    serve(int(sys.argv[sys.argv.index("--sandbox-forkserver") + 1]))
