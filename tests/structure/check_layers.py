#!/usr/bin/env python3
"""The include graph of include/hotbackup follows the layers.

Every header under include/hotbackup belongs to a layer by its folder, lowest first:

    base      errc.hpp, error.hpp, types.hpp, generator.hpp, version.hpp and detail/ (the
              vocabulary and utilities every layer may use)
    storage   storage/
    format    format/    on-disk formats: page seal, headers, log, checkpoint, names
    protocol  protocol/  what an engine and its backup session share
    engine    engine/    the reference engine
    session   session/   backup_source and the typestate session
    set       set/       writing a backup set (any backup_source)
    restore   restore/   reading sets back: backup_set, verify, restore
    esent     esent.hpp and esent/
    umbrella  hotbackup.hpp

A header may include headers of its own layer or of lower ones. The check fails on
an include from a lower layer to a higher one, on a cycle between folders (detail/
and the root's base headers count as folders of their own, esent.hpp goes with
esent/, subfolders such as engine/detail/ count as their parent's), on an include of a hotbackup header that does not exist, on a
header outside every layer, and (with --max-lines N) on a header longer than N
lines. Every include spelling counts: <hotbackup/...>, "hotbackup/...", and paths
relative to the including header ("page.hpp", "../format/page.hpp").

Usage: check_layers.py INCLUDE_DIR [--max-lines N]
       check_layers.py --self-test    (shows that each kind of violation is caught)
Exit code 0 when the graph is clean, 1 with one line per violation otherwise.
"""

import os
import re
import sys
import tempfile

LAYERS = ["base", "storage", "format", "protocol", "engine", "session", "set", "restore",
          "esent", "umbrella"]
FOLDER_LAYERS = {
    "detail": "base",
    "storage": "storage",
    "format": "format",
    "protocol": "protocol",
    "engine": "engine",
    "session": "session",
    "set": "set",
    "restore": "restore",
    "esent": "esent",
}
ROOT_LAYERS = {
    "errc.hpp": "base",
    "error.hpp": "base",
    "types.hpp": "base",
    "generator.hpp": "base",
    "version.hpp": "base",
    "esent.hpp": "esent",
    "hotbackup.hpp": "umbrella",
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)


def folder_of(relative):
    """The folder a header counts in: its first directory under hotbackup/; for a
    header directly in hotbackup/, "(root)" for the base headers and its layer's
    name for esent.hpp and the umbrella (they are layers of their own)."""
    parts = relative.split("/")
    if len(parts) > 1:
        return parts[0]
    layer = ROOT_LAYERS.get(parts[0])
    return "(root)" if layer in (None, "base") else layer


def layer_of(relative):
    parts = relative.split("/")
    if len(parts) == 1:
        return ROOT_LAYERS.get(parts[0])
    return FOLDER_LAYERS.get(parts[0])


def headers_under(root):
    """Every header below root/hotbackup, as paths relative to it."""
    base = os.path.join(root, "hotbackup")
    found = []
    for directory, _, files in os.walk(base):
        for name in files:
            if name.endswith((".hpp", ".h")):
                found.append(os.path.relpath(os.path.join(directory, name), base)
                             .replace(os.sep, "/"))
    return sorted(found)


def resolve(root, including, spelling, target):
    """The header an include names, relative to hotbackup/, or None for a header
    that is not hotbackup's (the standard library, a dependency)."""
    base = os.path.join(root, "hotbackup")
    if target.startswith("hotbackup/"):
        return os.path.normpath(target[len("hotbackup/"):]).replace(os.sep, "/")
    if spelling == '"':
        # A quoted include is looked up beside the including header first.
        beside = os.path.normpath(os.path.join(base, os.path.dirname(including), target))
        inside = os.path.relpath(beside, base).replace(os.sep, "/")
        if not inside.startswith("../") and (os.path.exists(beside) or target.endswith(".hpp")):
            return inside
    return None


def find_cycle(graph):
    """One cycle of the folder graph as a list of folders, or None."""
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == "open":
                return stack[stack.index(successor):] + [successor]
            if successor not in state:
                cycle = visit(successor)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def check(root, max_lines=None):
    """Every violation under root (an include directory), one message each."""
    violations = []
    headers = headers_under(root)
    known = set(headers)
    folder_graph = {}
    for header in headers:
        path = os.path.join(root, "hotbackup", header)
        with open(path, encoding="utf-8") as source:
            text = source.read()
        own_layer = layer_of(header)
        if own_layer is None:
            violations.append(f"{header}: in no layer (put it in one of the layer folders)")
            continue
        if max_lines is not None:
            lines = text.count("\n")
            if lines > max_lines:
                violations.append(f"{header}: {lines} lines, over the limit of {max_lines}")
        for match in INCLUDE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            included = resolve(root, header, match.group(1), match.group(2))
            if included is None:
                continue
            if included not in known:
                violations.append(f"{header}:{line}: includes {match.group(2)}, "
                                  "which is not a header of include/hotbackup")
                continue
            included_layer = layer_of(included)
            if included_layer is None:
                continue  # reported as a header in no layer
            if LAYERS.index(included_layer) > LAYERS.index(own_layer):
                violations.append(f"{header}:{line}: the {own_layer} layer includes "
                                  f"{included} of the higher {included_layer} layer")
            if folder_of(included) != folder_of(header):
                folder_graph.setdefault(folder_of(header), set()).add(folder_of(included))
    cycle = find_cycle(folder_graph)
    if cycle:
        violations.append("folders include each other: " + " -> ".join(cycle))
    return violations


def self_test():
    """Builds small include trees with one violation each and checks that each is
    reported, and that a clean tree passes."""
    cases = {
        "clean": ({"format/page.hpp": '#include "hotbackup/error.hpp"\n',
                   "engine/db.hpp": "#include <hotbackup/format/page.hpp>\n",
                   "error.hpp": ""}, None),
        "upward": ({"format/page.hpp": '#include "hotbackup/engine/db.hpp"\n',
                    "engine/db.hpp": ""}, "the format layer includes engine/db.hpp"),
        "upward, relative spelling": ({"format/page.hpp": '#  include "../engine/db.hpp"\n',
                                       "engine/db.hpp": ""},
                                      "the format layer includes engine/db.hpp"),
        "cycle between base folders": ({"error.hpp": '#include "hotbackup/detail/a.hpp"\n',
                                        "detail/a.hpp": '#include "hotbackup/error.hpp"\n'},
                                       "folders include each other"),
        "missing header": ({"format/page.hpp": "#include <hotbackup/format/gone.hpp>\n"},
                           "not a header of include/hotbackup"),
        "header in no layer": ({"backup/old.hpp": ""}, "in no layer"),
        "too long": ({"format/page.hpp": "\n" * 12}, "over the limit of 10"),
    }
    failures = 0
    for name, (files, expected) in cases.items():
        with tempfile.TemporaryDirectory() as root:
            for relative, text in files.items():
                path = os.path.join(root, "hotbackup", relative)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as header:
                    header.write(text)
            violations = check(root, max_lines=10)
        if expected is None:
            ok = not violations
        else:
            ok = any(expected in violation for violation in violations)
        print(f"{'ok' if ok else 'FAILED'}: {name}: {violations or 'clean'}")
        failures += 0 if ok else 1
    return 1 if failures else 0


def main(arguments):
    if arguments == ["--self-test"]:
        return self_test()
    if len(arguments) not in (1, 3) or (len(arguments) == 3 and arguments[1] != "--max-lines"):
        print(__doc__, file=sys.stderr)
        return 2
    max_lines = int(arguments[2]) if len(arguments) == 3 else None
    violations = check(arguments[0], max_lines)
    for violation in violations:
        print(violation)
    if violations:
        print(f"{len(violations)} violations of the layers")
        return 1
    print(f"{len(headers_under(arguments[0]))} headers: the include graph follows the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
