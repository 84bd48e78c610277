import sys

from lockwatch import main

sys.exit(main())
