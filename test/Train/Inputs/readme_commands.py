#!/usr/bin/env python3
"""Runs the shell commands of a README as written (embed-readme.test).

Usage: readme_commands.py README.md REPO BIN WORKDIR
WORKDIR stands in for the repository root: `include` and `examples` link to
REPO's, `build/bin` to BIN (the tools under test). Every ```sh block is run
with bash -e in WORKDIR, one logical command at a time (backslash
continuations joined), except `scripts/build.sh ...` (the build is the
tools under test). The stdout of the last block is compared with the next
plain ``` block: lines equal, except that on `row N: class K scores ...`
lines only the row, the class and the number of scores must agree (the
scores are the trained weights' rounding). Prints what it runs; exits 1 on
a failing command or a different output.
"""
import os
import re
import subprocess
import sys


def blocks(text):
    """(language, body) of each fenced block."""
    return [(m.group(1), m.group(2))
            for m in re.finditer(r"```(\w*)\n(.*?)```", text, re.S)]


def commands(body):
    out, current = [], ""
    for line in body.split("\n"):
        current += line
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        if current.strip():
            out.append(current)
        current = ""
    return out


def same(got, want):
    g, w = got.strip().split("\n"), want.strip().split("\n")
    if len(g) != len(w):
        return False
    row = re.compile(r"row (\d+): class (\d+) scores((?: \S+)+)$")
    for a, b in zip(g, w):
        ma, mb = row.match(a), row.match(b)
        if ma and mb:
            if ma.group(1, 2) != mb.group(1, 2) or \
                    len(ma.group(3).split()) != len(mb.group(3).split()):
                return False
        elif a != b:
            return False
    return True


def main():
    readme, repo, bin_dir, work = sys.argv[1:5]
    os.makedirs(os.path.join(work, "build"), exist_ok=True)
    for name, target in (("include", os.path.join(repo, "include")),
                         ("examples", os.path.join(repo, "examples")),
                         (os.path.join("build", "bin"), bin_dir)):
        link = os.path.join(work, name)
        if not os.path.lexists(link):
            os.symlink(os.path.abspath(target), link)
    parts = blocks(open(readme).read())
    last = ""
    for index, (lang, body) in enumerate(parts):
        if lang != "sh":
            continue
        for cmd in commands(body):
            if cmd.startswith("scripts/build.sh"):
                print("skipped (the tools under test are built):", cmd)
                continue
            print("$", cmd.replace("\n", " "))
            r = subprocess.run(["bash", "-e", "-c", cmd], cwd=work,
                               capture_output=True, text=True)
            if r.returncode != 0:
                print("FAILED with status %d:\n%s%s" % (r.returncode, r.stdout,
                                                        r.stderr))
                return 1
            last = r.stdout
        expected = next((b for l, b in parts[index + 1:] if l == ""), None)
        if expected is not None and index + 1 < len(parts) and \
                parts[index + 1][0] == "":
            if not same(last, expected):
                print("OUTPUT DIFFERS\n--- got\n%s--- README\n%s" % (last,
                                                                      expected))
                return 1
            print("output as in the README")
    print("all commands ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
