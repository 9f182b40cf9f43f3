"""``python -m api``: the same as the ``oap`` command."""

import sys

from api.cli.main import main

sys.exit(main())
