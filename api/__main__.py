"""``python -m api``: the same as the ``oap`` command."""

import sys

from api.cli import main

sys.exit(main())
