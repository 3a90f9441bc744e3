"""Checks that every repository path a document cites exists.

Usage: check_paths.py REPO_ROOT DOC...

A path is a word starting with one of the top-level directories of the
repository (lib/, include/, tools/, test/, bench/, scripts/, python/,
examples/, docs/, cmake/, dialects/, .ci/); `*` in it is a glob that must
match at least one file. Libraries (`.so`) are build products and are not
checked. Prints each missing path with the document and line that cite it,
and exits 1 if there is any.
"""
import glob
import os
import re
import sys

TOP = r"(?:lib|include|tools|test|bench|scripts|python|examples|docs|cmake|dialects|\.ci)"
PATH = re.compile(r"(?<![\w/.$-])(" + TOP + r"/[\w./*+-]*[\w*+-])")


def main():
    root, docs = sys.argv[1], sys.argv[2:]
    missing = 0
    checked = 0
    for doc in docs:
        with open(doc, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                for match in PATH.finditer(line):
                    path = match.group(1)
                    if path.endswith(".so"):
                        continue
                    checked += 1
                    full = os.path.join(root, path)
                    found = glob.glob(full) if "*" in path else os.path.exists(full)
                    if not found:
                        missing += 1
                        print(f"{os.path.relpath(doc, root)}:{number}: no such path: {path}")
    print(f"checked {checked} paths, {missing} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
