"""Checks that the scripts' Debian package lists cover what the build looks for.

    python3 tests/package/check_packages.py <checkout> [<cmake>]

scripts/quickstart installs scripts/packages-quickstart.txt, scripts/test that list and
scripts/packages-test.txt, and .ci/run adds scripts/packages-sanitize.txt for the
sanitizer workflows. So that the lists cannot drift from the build:

- every find_package, find_dependency, find_program, find_path and find_library in
  every CMakeLists.txt, *.cmake and *.cmake.in of the checkout (build trees left out)
  must have a row in the tables below, and its Debian package must be in the
  quickstart or the test list;
- the quickstart preset is configured (`cmake --preset quickstart`, traced, in a
  scratch binary directory): each of those calls it reaches must have its package in
  the quickstart list;
- the generator, compiler and sanitizer runtime of each preset a script runs must be
  in the lists that script installs;
- no list names a package nothing needs, or a package another list already has.

Prints one line per check and exits 1 after listing every failure, each naming the
package and the file:line that needs it.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # leave no __pycache__ in the checkout

# ---- what the build looks for, as Debian 12 packages (None: nothing to install) ----
# find_package() and find_dependency() names.
PACKAGES = {
    "range-v3": "librange-v3-dev",
    "nlohmann_json": "nlohmann-json3-dev",
    "xxHash": "libxxhash-dev",
    "Catch2": "catch2",
    "benchmark": "libbenchmark-dev",
    "Doxygen": "doxygen",
    "Python3": "python3",
    "PkgConfig": "pkg-config",
    "Threads": None,  # the C library
    "hotbackup": None,  # this project: test_package/ finds the tree a test installed
}
# find_program() names (any one of its NAMES).
PROGRAMS = {
    "clang-tidy": "clang-tidy",
    "clang-format": "clang-format",
    "doxygen": "doxygen",
    "python3": "python3",
    "pkg-config": "pkg-config",
    "tar": None,  # Essential: on every Debian system
}
# find_path() and find_library() names.
FILES = {
    "xxhash.h": "libxxhash-dev",
}
TABLES = {
    "find_package": PACKAGES,
    "find_dependency": PACKAGES,
    "find_program": PROGRAMS,
    "find_path": FILES,
    "find_library": FILES,
}
# What the presets need besides the find_* calls.
CMAKE_PACKAGE = "cmake"
GENERATORS = {"Ninja": "ninja-build"}
COMPILERS = {"g++": "g++", "c++": "g++", "clang++": "clang"}  # c++: a preset that sets none
SANITIZER_RUNTIMES = {"clang": "libclang-rt-dev"}  # -fsanitize=... with that compiler

LISTS = {
    "quickstart": "scripts/packages-quickstart.txt",
    "test": "scripts/packages-test.txt",
    "sanitize": "scripts/packages-sanitize.txt",
}
SCRIPTS = ("scripts/quickstart", "scripts/test", ".ci/run")
# The script each list is for: a list holds only what that script's runs need.
LIST_OWNERS = {"quickstart": "scripts/quickstart", "test": "scripts/test", "sanitize": ".ci/run"}

root = pathlib.Path(sys.argv[1]).resolve()
cmake = sys.argv[2] if len(sys.argv) > 2 else "cmake"
failures = []


def check(condition, what, failure=None):
    print(("ok      " if condition else "FAILED  ") + (what if condition or not failure else failure))
    if not condition:
        failures.append(failure or what)
    return condition


# ---- the lists ----
def read_list(relative):
    packages = {}
    path = root / relative
    if not check(path.is_file(), f"{relative} exists"):
        return packages
    for number, line in enumerate(path.read_text().splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        check(len(words) == 1 and re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", words[0]),
              f"{relative}:{number}: one Debian package name",
              f"{relative}:{number}: '{line.strip()}' is not one Debian package name per line")
        for word in words:
            check(word not in packages, f"{relative}:{number}: {word} listed once",
                  f"{relative}:{number}: {word} is listed twice (line {packages.get(word)})")
            packages.setdefault(word, number)
    return packages


lists = {name: read_list(relative) for name, relative in LISTS.items()}
for a, b in (("quickstart", "test"), ("quickstart", "sanitize"), ("test", "sanitize")):
    for package in sorted(lists[a].keys() & lists[b].keys()):
        check(False, "", f"{package} is in both {LISTS[a]}:{lists[a][package]} and "
              f"{LISTS[b]}:{lists[b][package]}: keep it in one list")


# ---- the find_* calls, from a small CMake lexer (comments and strings are skipped) ----
BRACKET_OPEN = re.compile(r"\[(=*)\[")
COMMAND = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(")


def skip_bracket(text, i, equals):
    """i is just past the opening [=[; returns the index past the closing ]=]."""
    end = text.find("]" + equals + "]", i)
    return len(text) if end < 0 else end + len(equals) + 2


def skip_comment(text, i):
    """The index after the comment that starts at text[i] ("#"): a bracket comment
    "#[[...]]" to its closing bracket, a line comment to the end of its line."""
    m = BRACKET_OPEN.match(text, i + 1)
    if m:
        return skip_bracket(text, m.end(), m.group(1))
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def commands(text):
    """Yields (command name in lower case, arguments, line) for each command invocation."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            i = skip_comment(text, i)
            continue
        m = COMMAND.match(text, i)
        if not m or (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
            i += 1
            continue
        line = text.count("\n", 0, i) + 1
        i = m.end()
        args, current, depth = [], None, 1
        while i < n and depth:
            c = text[i]
            if c in " \t\r\n":
                if current is not None:
                    args.append(current)
                    current = None
                i += 1
            elif c == "(":
                depth += 1
                i += 1
            elif c == ")":
                depth -= 1
                i += 1
            elif c == "#" and current is None:
                i = skip_comment(text, i)
            elif c == '"':
                j, value = i + 1, []
                while j < n and text[j] != '"':
                    if text[j] == "\\" and j + 1 < n:
                        j += 1
                    value.append(text[j])
                    j += 1
                if current is None:
                    args.append("".join(value))
                else:  # a quoted part inside an unquoted argument (-DX="a b")
                    current += '"' + "".join(value) + '"'
                i = j + 1
            elif c == "[" and current is None and BRACKET_OPEN.match(text, i):
                m2 = BRACKET_OPEN.match(text, i)
                end = skip_bracket(text, m2.end(), m2.group(1))
                args.append(text[m2.end():end - len(m2.group(1)) - 2])
                i = end
            else:
                if c == "\\" and i + 1 < n:
                    i += 1
                    c = text[i]
                current = (current or "") + c
                i += 1
        if current is not None:
            args.append(current)
        yield m.group(1).lower(), args, line


def searched_names(command, args):
    """The names a find_* call looks for: the package, or the NAMES of a program or file."""
    if command in ("find_package", "find_dependency"):
        return args[:1]
    if "NAMES" in args:
        names = []
        for arg in args[args.index("NAMES") + 1:]:
            if re.fullmatch(r"[A-Z][A-Z0-9_]*", arg):
                break
            names.append(arg)
        return names
    return args[1:2]


def debian_package(command, args, where):
    """The Debian package a call needs (None: none), or False after reporting a failure."""
    names = searched_names(command, args)
    table = TABLES[command]
    for name in names:
        if name in table:
            return table[name]
    check(False, "", f"{where}: {command}({' '.join(names) or '?'}) has no row in the "
          f"tables of tests/package/check_packages.py: add the Debian package it needs there "
          f"(None when it needs none) and to {LISTS['quickstart']} or {LISTS['test']}")
    return False


def is_build_tree(path):
    return any(part == "build" or part.startswith("build-") or part == ".git"
               for part in path.relative_to(root).parts[:-1])


sources = sorted(p for p in root.rglob("*")
                 if (p.name == "CMakeLists.txt" or p.name.endswith((".cmake", ".cmake.in")))
                 and p.is_file() and not is_build_tree(p))
check(len(sources) > 0, f"{len(sources)} CMake files to read")
needed = {"quickstart": set(), "test": set(), "sanitize": set()}  # packages some call needs
calls = 0
for source in sources:
    relative = source.relative_to(root).as_posix()
    for command, args, line in commands(source.read_text()):
        if command not in TABLES:
            continue
        calls += 1
        where = f"{relative}:{line}"
        package = debian_package(command, args, where)
        if not package:
            continue
        names = " ".join(searched_names(command, args))
        needed["test"].add(package)
        check(package in lists["quickstart"] or package in lists["test"],
              f"{where}: {command}({names}): {package} is in a list",
              f"{where}: {command}({names}) needs Debian package {package}, which is in "
              f"neither {LISTS['quickstart']} nor {LISTS['test']}")
print(f"        ({calls} find_* calls in {len(sources)} files)")


# ---- the find_* calls the quickstart preset reaches: configure it, traced ----
scratch = tempfile.mkdtemp(prefix="hotbackup-packages-")
try:
    trace_path = pathlib.Path(scratch) / "trace.json"
    configure = subprocess.run(
        [cmake, "--preset", "quickstart", "-S", str(root), "-B", str(pathlib.Path(scratch) / "build"),
         "--trace-format=json-v1", "--trace-expand", f"--trace-redirect={trace_path}"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not check(configure.returncode == 0, "cmake --preset quickstart configures",
                 f"cmake --preset quickstart failed to configure:\n{configure.stdout}"):
        reached = []
    else:
        reached = []
        for text in trace_path.read_text().splitlines():
            record = json.loads(text)
            command = record.get("cmd", "").lower()
            file = record.get("file", "")
            if command not in TABLES or not file:
                continue
            path = pathlib.Path(file).resolve()
            if root not in path.parents or is_build_tree(path):
                continue  # CMake's own modules and the packages' config files
            reached.append((command, record.get("args", []),
                            f"{path.relative_to(root).as_posix()}:{record.get('line')}"))
        check(len(reached) > 0, f"cmake --preset quickstart reaches {len(reached)} find_* calls")
finally:
    shutil.rmtree(scratch, ignore_errors=True)
for command, args, where in reached:
    package = debian_package(command, args, where)
    if not package:
        continue
    names = " ".join(searched_names(command, args))
    needed["quickstart"].add(package)
    check(package in lists["quickstart"],
          f"quickstart: {where}: {command}({names}): {package} is in {LISTS['quickstart']}",
          f"quickstart: {where}: {command}({names}) is reached by `cmake --preset quickstart` "
          f"and needs Debian package {package}, which is not in {LISTS['quickstart']}")


# ---- the presets each script runs: generator, compiler, sanitizer runtime ----
presets = {p["name"]: p for p in json.loads((root / "CMakePresets.json").read_text())["configurePresets"]}


def preset_field(name, field, key=None):
    """A field (or cacheVariables[key]) of a configure preset, through its inherits."""
    preset = presets[name]
    value = preset.get(field, {}).get(key) if key else preset.get(field)
    if value is not None:
        return value
    inherits = preset.get("inherits", [])
    for parent in [inherits] if isinstance(inherits, str) else inherits:
        value = preset_field(parent, field, key)
        if value is not None:
            return value
    return None


def script_lists(relative, seen=()):
    """The lists a script installs (through the scripts it runs) and the presets it runs."""
    text = "\n".join(line for line in (root / relative).read_text().splitlines()
                     if not line.lstrip().startswith("#"))
    installs = set(re.findall(r"scripts/(packages-\w+\.txt)", text))
    runs = set(re.findall(r"--preset[ =]+(\w+)", text))
    for called in SCRIPTS:
        if called != relative and called not in seen and re.search(
                rf"^\s*(exec\s+)?{re.escape(called)}\b", text, re.MULTILINE):
            more_installs, more_runs = script_lists(called, seen + (relative,))
            installs |= {name.removeprefix("scripts/") for name in more_installs}
            runs |= more_runs
    return {f"scripts/{name}" for name in installs}, runs


for script in SCRIPTS:
    if not check((root / script).is_file(), f"{script} exists"):
        continue
    installs, runs = script_lists(script)
    installed = set()
    for name, relative in LISTS.items():
        if relative in installs:
            installed |= lists[name].keys()
    check(len(runs) > 0, f"{script} runs the presets {sorted(runs)}")
    for preset in sorted(runs):
        if not check(preset in presets, f"{script}: preset {preset} exists",
                     f"{script} runs --preset {preset}, which CMakePresets.json does not define"):
            continue
        compiler = preset_field(preset, "cacheVariables", "CMAKE_CXX_COMPILER") or "c++"
        flags = preset_field(preset, "cacheVariables", "CMAKE_CXX_FLAGS") or ""
        wants = {CMAKE_PACKAGE: "cmake itself"}
        generator = preset_field(preset, "generator")
        if generator in GENERATORS:
            wants[GENERATORS[generator]] = f"generator {generator}"
        else:
            check(generator is None, "", f"CMakePresets.json: preset {preset}: generator "
                  f"{generator} has no row in GENERATORS of tests/package/check_packages.py")
        if check(compiler in COMPILERS, "", f"CMakePresets.json: preset {preset}: compiler "
                 f"{compiler} has no row in COMPILERS of tests/package/check_packages.py"):
            wants[COMPILERS[compiler]] = f"compiler {compiler}"
            if "-fsanitize=" in flags and COMPILERS[compiler] in SANITIZER_RUNTIMES:
                wants[SANITIZER_RUNTIMES[COMPILERS[compiler]]] = f"{compiler} -fsanitize"
        for package, why in wants.items():
            owner = next((n for n in LISTS if package in lists[n]), None)
            if owner and script == LIST_OWNERS[owner]:
                needed[owner].add(package)
            check(package in installed,
                  f"{script}: preset {preset}: {package} ({why}) is in {sorted(installs)}",
                  f"{script} runs preset {preset}, whose {why} needs Debian package {package}, "
                  f"which is in none of the lists it installs ({', '.join(sorted(installs)) or 'none'})")


# ---- nothing listed that nothing needs ----
for name, relative in LISTS.items():
    for package, number in sorted(lists[name].items()):
        check(package in needed[name], f"{relative}:{number}: {package} is needed",
              f"{relative}:{number}: {package} is listed, but nothing the "
              f"{'quickstart' if name == 'quickstart' else name + ' workflow'} runs needs it "
              f"(no find_* call or preset maps to it): remove it, or add the table row")

if failures:
    print(f"{len(failures)} check(s) failed:")
    for failure in failures:
        print("  " + failure)
    sys.exit(1)
print("the package lists cover the build")
