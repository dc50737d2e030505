#!/usr/bin/env python
import sys

from abonement.cli import main

if __name__ == "__main__":
    sys.exit(main())
