"""`python -m qa`: the same as `fonte-ask`."""

from qa.cli import main

raise SystemExit(main())
