"""Runs the one ```python block of a Markdown page as written (its asserts
are part of it), from the repository root.

usage: run_doc_example.py ROOT PAGE.md
"""
import os
import re
import sys

root, page = sys.argv[1], sys.argv[2]
with open(os.path.join(root, page)) as f:
    blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
assert len(blocks) == 1, f"{page}: {len(blocks)} python blocks"
os.chdir(root)
exec(compile(blocks[0], page, "exec"), {"__name__": "__main__"})
print(f"{page}: the worked example ran")
