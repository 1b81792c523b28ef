"""The one place that says which libcva this binding was written for.

The loader refuses a shared library whose ``cva_version_number()`` has a
different major or minor version (patch releases are ABI-compatible).
``python/meson.build`` checks at configure time that this string equals the
meson project version, so the two cannot drift apart silently.
"""

__version__ = "0.1.0"

_parts = tuple(int(p) for p in __version__.split("."))
EXPECTED_MAJOR = _parts[0]
EXPECTED_MINOR = _parts[1]
