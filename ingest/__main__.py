"""`python -m ingest`: the same as `fonte-ingest`."""

import sys

from ingest.cli import main

sys.exit(main())
