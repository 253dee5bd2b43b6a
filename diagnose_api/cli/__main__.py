"""Run the command line as ``python -m diagnose_api.cli``."""

from diagnose_api.cli import main

raise SystemExit(main())
