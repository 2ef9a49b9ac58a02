"""`python -m eval`: the same as `fonte-eval`."""

import sys

from eval.run import main

sys.exit(main())
