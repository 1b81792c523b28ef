#!/usr/bin/env python3
"""The README's C example must be examples/summary.c, verbatim (it is compiled
and run by the example-summary and install tests)."""
import sys

readme, example = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
start = text.index("```c\n") + len("```c\n")
end = text.index("```\n", start)
block = text[start:end]
code = open(example, encoding="utf-8").read()
if block != code:
    sys.stderr.write("README.md's C example differs from examples/summary.c\n")
    sys.exit(1)
print("README C example == examples/summary.c (%d lines)" % code.count("\n"))
