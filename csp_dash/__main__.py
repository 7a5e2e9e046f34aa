import sys

from csp_dash.cli import main

sys.exit(main())
