"""Puts clients/python on sys.path, so the tests run without PYTHONPATH too."""

import os
import sys

CLIENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if CLIENT not in sys.path:
    sys.path.insert(0, CLIENT)
