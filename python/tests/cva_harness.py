# SPDX-License-Identifier: MIT
"""Shared set-up of the Python test scripts, imported before `cva`.

`--no-numpy` on the command line (removed from sys.argv) or CVA_TEST_NO_NUMPY=1 runs a
script as on a machine without numpy: numpy and pandas (and their submodules) cannot be
imported, so the binding takes its pure-Python paths. Importing this module also puts
python/ on sys.path, so that `import cva` finds the package of the source tree.
"""
import importlib.abc
import os
import sys

NO_NUMPY = "--no-numpy" in sys.argv or os.environ.get("CVA_TEST_NO_NUMPY") == "1"
if "--no-numpy" in sys.argv:
    sys.argv.remove("--no-numpy")


class _BlockNumpy(importlib.abc.MetaPathFinder):
    """Import hook: numpy and pandas (and their submodules) are unavailable."""
    blocked = ("numpy", "pandas")

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.blocked:
            raise ImportError("numpy blocked by the test runner (--no-numpy)")
        return None


if NO_NUMPY:
    for _mod in list(sys.modules):
        if _mod.split(".")[0] in _BlockNumpy.blocked:
            del sys.modules[_mod]
    sys.meta_path.insert(0, _BlockNumpy())

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
