"""``python -m optimizer``: the same command line as the ``optimizer`` console script.

Why: where the script's folder is not on ``PATH`` (a venv not activated, a CI step, Windows), the
interpreter that has the package installed can still run it.
"""

from .cli import main

main()
