#!/usr/bin/env python3
"""Checks that every C and C++ source file git tracks is formatted as
.clang-format says (LLVM style), with the clang-format of scripts/setup.sh.

Prints each file that clang-format would change, then `N files formatted,
M not`; exits 1 when M > 0. `--fix` formats them in place instead.
Usage: scripts/check-format.py [SRC] [--fix]
"""
import os
import subprocess
import sys

EXTENSIONS = ('.c', '.h', '.cpp', '.hpp', '.cc')
CLANG_FORMAT = 'clang-format-19'


def tracked_sources(src):
    out = subprocess.run(['git', '-C', src, 'ls-files', '-z'], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return sorted(f for f in out.split('\0') if f.endswith(EXTENSIONS))


def main():
    args = [a for a in sys.argv[1:] if a != '--fix']
    fix = '--fix' in sys.argv[1:]
    src = os.path.abspath(args[0] if args else '.')
    files = tracked_sources(src)
    bad = []
    for f in files:
        path = os.path.join(src, f)
        cmd = [CLANG_FORMAT, '-i' if fix else '--dry-run', '-Werror', path]
        if subprocess.run(cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode != 0:
            bad.append(f)
    for f in bad:
        print('not formatted: ' + f)
    print('%d files formatted, %d not' % (len(files) - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
