"""``python -m airsentry.cli``."""

from airsentry.cli import main

raise SystemExit(main())
