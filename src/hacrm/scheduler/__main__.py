"""``python -m hacrm.scheduler`` runs the crm_simulate-compatible command line."""

import sys

from .simulate_cli import main

sys.exit(main(sys.argv[1:]))
