"""`python -m ui`: the same as `fonte-ui`."""

from ui.server import main

raise SystemExit(main())
