#!/usr/bin/env python3
"""The dependency graph of nnc's own libraries, read from CMake.

Reads every CMakeLists.txt under lib/ for add_mlir_library(NAME ... LINK_LIBS
...) and target_link_libraries(NAME ...), keeps the edges between nnc's own
libraries (those defined there), and checks that the graph is acyclic.
With --check-doc FILE, also checks that the ```deps block of FILE (lines
`A -> B, C`) lists exactly these edges. Exits 1 on a cycle or a mismatch.
Usage: scripts/lib-graph.py [SRC] [--check-doc docs/architecture.md]
"""
import os
import re
import sys


def cmake_calls(text, name):
    for m in re.finditer(r'\b%s\s*\(' % name, text):
        depth, i = 1, m.end()
        while depth:
            depth += {'(': 1, ')': -1}.get(text[i], 0)
            i += 1
        yield text[m.end():i - 1]


def read_graph(src):
    deps = {}
    for root, _, files in os.walk(os.path.join(src, 'lib')):
        if 'CMakeLists.txt' not in files:
            continue
        text = open(os.path.join(root, 'CMakeLists.txt')).read()
        text = re.sub(r'#[^\n]*', '', text)
        for call in cmake_calls(text, 'add_mlir_library'):
            words = call.split()
            libs = []
            if 'LINK_LIBS' in words:
                rest = words[words.index('LINK_LIBS') + 1:]
                for w in rest:
                    if w in ('DEPENDS', 'LINK_COMPONENTS', 'ADDITIONAL_HEADERS'):
                        break
                    if w not in ('PUBLIC', 'PRIVATE', 'INTERFACE'):
                        libs.append(w)
            deps.setdefault(words[0], set()).update(libs)
        for call in cmake_calls(text, r'add_(?:nnc_)?library'):
            deps.setdefault(call.split()[0], set())
        for call in cmake_calls(text, 'target_link_libraries'):
            words = call.split()
            deps.setdefault(words[0], set()).update(
                w for w in words[1:] if w not in ('PUBLIC', 'PRIVATE', 'INTERFACE'))
    own = set(deps)
    return {lib: sorted(d for d in ds if d in own and d != lib)
            for lib, ds in deps.items()}


def find_cycle(graph):
    state = {}
    def visit(node, path):
        state[node] = 'open'
        for dep in graph.get(node, []):
            if state.get(dep) == 'open':
                return path + [node, dep]
            if dep not in state:
                found = visit(dep, path + [node])
                if found:
                    return found
        state[node] = 'done'
        return None
    for node in sorted(graph):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def main(argv):
    doc = None
    if '--check-doc' in argv:
        i = argv.index('--check-doc')
        doc = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    src = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    graph = read_graph(src)
    lines = ['%s -> %s' % (lib, ', '.join(ds)) for lib, ds in sorted(graph.items()) if ds]
    print('\n'.join(lines))
    cycle = find_cycle(graph)
    if cycle:
        print('cycle: ' + ' -> '.join(cycle), file=sys.stderr)
        return 1
    if doc:
        text = open(os.path.join(src, doc) if not os.path.isabs(doc) else doc).read()
        m = re.search(r'```deps\n(.*?)```', text, re.S)
        documented = m.group(1).strip().splitlines() if m else []
        if documented != lines:
            print('%s: the ```deps block differs from CMake:' % doc, file=sys.stderr)
            for l in sorted(set(lines) - set(documented)):
                print('  missing: ' + l, file=sys.stderr)
            for l in sorted(set(documented) - set(lines)):
                print('  not in CMake: ' + l, file=sys.stderr)
            return 1
    print('acyclic')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
