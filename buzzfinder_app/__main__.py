"""``python -m buzzfinder_app``: the same as the ``buzzfinder`` command."""

import sys

from buzzfinder_app.cli import main

sys.exit(main())
