"""Checks the Conan recipe and the vcpkg manifests against the CMake package.

    python3 tests/package/check_recipes.py <checkout>

Neither Conan nor vcpkg can reach its registry from CI machines, so the recipes are
checked through what they rely on. Both conanfile.py files must byte-compile. The
root recipe is then run, method by method, under a minimal stand-in for the `conan`
module that records what each method asks of Conan (requires, copies, cpp_info
properties); the records must agree with the CMake package: the version written in
include/hotbackup/version.hpp, the exported target hotbackup::hotbackup, the
dependencies hotbackupConfig.cmake finds, and the vcpkg manifests. Prints one line
per check and exits 1 at the first disagreement.
"""

import json
import pathlib
import py_compile
import re
import shutil
import sys
import tempfile
import types

sys.dont_write_bytecode = True  # leave no __pycache__ in the checkout

root = pathlib.Path(sys.argv[1]).resolve()
failures = []


def check(condition, what):
    print(("ok      " if condition else "FAILED  ") + what)
    if not condition:
        failures.append(what)


# ---- the facts, from the CMake side ----
version_text = (root / "include/hotbackup/version.hpp").read_text()
version = ".".join(
    re.search(rf"#define HOTBACKUP_VERSION_{part} (\d+)", version_text).group(1)
    for part in ("MAJOR", "MINOR", "PATCH")
)
config_text = (root / "cmake/hotbackupConfig.cmake.in").read_text()
cmake_dependencies = set(re.findall(r"find_dependency\(([\w-]+)", config_text))
# The same packages under each ecosystem's names.
expected = {
    "cmake": {"range-v3", "nlohmann_json", "xxHash"},
    "vcpkg": {"range-v3", "nlohmann-json", "xxhash"},
    "conan": {"range-v3", "nlohmann_json", "xxhash"},
}
check(cmake_dependencies == expected["cmake"],
      f"hotbackupConfig.cmake finds {sorted(cmake_dependencies)}")
# Each declared dependency is one the public headers really include, and each
# library the headers include is declared: the package files match the headers.
HEADER_OF = {"range-v3": "range/v3/", "nlohmann_json": "nlohmann/", "xxHash": "xxhash.h"}
included = set()
for header in sorted((root / "include").rglob("*.hpp")):
    for spelled in re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', header.read_text(),
                              re.MULTILINE):
        included.add((spelled, header.relative_to(root).as_posix()))
for dependency in sorted(expected["cmake"]):
    users = sorted({where for spelled, where in included
                    if spelled.startswith(HEADER_OF[dependency])})
    check(bool(users), f"{dependency} is included by the public headers "
          f"({', '.join(users[:3]) or 'none: drop it from the package files'})")
third_party = {spelled.split("/")[0] for spelled, _ in included
               if "/" in spelled and not spelled.startswith("hotbackup/")
               and not spelled.startswith(("sys/", "linux/"))}
declared_roots = {HEADER_OF[name].split("/")[0] for name in expected["cmake"]}
check(third_party <= declared_roots,
      f"every library header the public headers include is a declared dependency "
      f"({sorted(third_party)} within {sorted(declared_roots)})")
license_text = (root / "LICENSE").read_text()
check(license_text.startswith("MIT License"), "LICENSE is the MIT license")

# ---- vcpkg ----
for manifest_path in (root / "vcpkg.json", root / "ports/hotbackup/vcpkg.json"):
    name = manifest_path.relative_to(root)
    manifest = json.loads(manifest_path.read_text())  # fails on invalid JSON
    check(manifest.get("name") == "hotbackup", f"{name}: name hotbackup")
    check(manifest.get("version") == version, f"{name}: version {version}")
    check(manifest.get("license") == "MIT", f"{name}: license MIT")
    runtime = {
        entry if isinstance(entry, str) else entry["name"]
        for entry in manifest.get("dependencies", [])
        if isinstance(entry, str) or not entry.get("host", False)
    }
    check(runtime == expected["vcpkg"], f"{name}: dependencies {sorted(runtime)}")
port_text = (root / "ports/hotbackup/portfile.cmake").read_text()
check("vcpkg_cmake_config_fixup(PACKAGE_NAME hotbackup)" in port_text,
      "portfile.cmake fixes up the config of package hotbackup")
usage = (root / "ports/hotbackup/usage").read_text()
check("find_package(hotbackup CONFIG REQUIRED)" in usage and "hotbackup::hotbackup" in usage,
      "usage shows find_package(hotbackup) and hotbackup::hotbackup")

# ---- Conan: both recipes byte-compile ----
scratch = tempfile.mkdtemp(prefix="hotbackup-recipes-")
for recipe in (root / "conanfile.py", root / "test_package/conanfile.py"):
    try:
        py_compile.compile(str(recipe), doraise=True,
                           cfile=str(pathlib.Path(scratch) / (recipe.parent.name + ".pyc")))
        check(True, f"{recipe.relative_to(root)} byte-compiles")
    except py_compile.PyCompileError as error:
        check(False, f"{recipe.relative_to(root)} byte-compiles: {error.msg}")
shutil.rmtree(scratch, ignore_errors=True)

# ---- Conan: the root recipe's methods, under a recording stand-in ----
records = {"requires": [], "copies": [], "cppstd": None, "cleared": False}


class ConanFile:
    pass


class ConanInvalidConfiguration(Exception):
    pass


def copy(_conanfile, pattern, src, dst):
    records["copies"].append((pattern, pathlib.Path(src), pathlib.Path(dst)))


def load(_conanfile, path):
    return pathlib.Path(path).read_text()


def check_min_cppstd(_conanfile, cppstd):
    records["cppstd"] = int(cppstd)


def module(name, **members):
    made = types.ModuleType(name)
    made.__dict__.update(members)
    sys.modules[name] = made


module("conan", ConanFile=ConanFile)
module("conan.errors", ConanInvalidConfiguration=ConanInvalidConfiguration)
module("conan.tools")
module("conan.tools.build", check_min_cppstd=check_min_cppstd, can_run=lambda _: True)
module("conan.tools.files", copy=copy, load=load)
module("conan.tools.layout", basic_layout=lambda *args, **kwargs: None)
module("conan.tools.cmake", CMake=object, cmake_layout=lambda *args, **kwargs: None)


class Version:
    """Dotted versions compared part by part, as conan.tools.scm.Version does here."""

    def __init__(self, text):
        self.parts = tuple(int(part) for part in str(text).split("."))

    def __lt__(self, other):
        return self.parts < Version(other).parts


module("conan.tools.scm", Version=Version)

namespace = {"__name__": "recipe"}
exec(compile((root / "conanfile.py").read_text(), "conanfile.py", "exec"), namespace)
recipes = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, ConanFile)
           and v is not ConanFile]
check(len(recipes) == 1, "conanfile.py defines one recipe")
recipe_class = recipes[0]
recipe = recipe_class()
recipe.recipe_folder = str(root)
recipe.source_folder = str(root)
recipe.package_folder = "/package"


class Info:
    def clear(self):
        records["cleared"] = True


class CppInfo:
    def __init__(self):
        self.properties = {}
        self.bindirs = ["bin"]
        self.libdirs = ["lib"]

    def set_property(self, name, value):
        self.properties[name] = value


recipe.info = Info()
recipe.cpp_info = CppInfo()
recipe.requires = lambda reference, **traits: records["requires"].append((reference, traits))

check(recipe_class.name == "hotbackup", "recipe name hotbackup")
check(recipe_class.package_type == "header-library", "package_type header-library")
check(recipe_class.license == "MIT", "recipe license MIT")
recipe.set_version()
check(recipe.version == version, f"set_version() reads {recipe.version} (version.hpp: {version})")
recipe.requirements()
names = {reference.split("/")[0] for reference, _ in records["requires"]}
check(names == expected["conan"], f"requirements() {sorted(names)}")
check(all(traits.get("transitive_headers") for _, traits in records["requires"]),
      "every requirement passes its headers on (the public headers include them)")
recipe.package_id()
check(records["cleared"], "package_id() clears the package id")


class Settings:
    def __init__(self, values):
        self.values = values

    def get_safe(self, name):
        return self.values.get(name)


def validates(settings):
    recipe.settings = Settings(settings)
    try:
        recipe.validate()
        return True
    except ConanInvalidConfiguration:
        return False


recipe.ref = "hotbackup/" + version
check(validates({"os": "Linux", "compiler": "gcc", "compiler.version": "12"})
      and records["cppstd"] == 20, "validate() requires C++20 and accepts gcc 12 on Linux")
check(validates({"os": "Linux", "compiler": "clang", "compiler.version": "14"}),
      "validate() accepts clang 14")
check(not validates({"os": "Linux", "compiler": "gcc", "compiler.version": "11"}),
      "validate() refuses gcc 11")
check(not validates({"os": "Windows", "compiler": "msvc", "compiler.version": "193"}),
      "validate() refuses Windows (posix_storage)")
recipe.package()
copied = {(pattern, src.relative_to(root).as_posix() if src != root else ".",
           dst.as_posix()) for pattern, src, dst in records["copies"]}
check(("*.hpp", "include", "/package/include") in copied, "package() copies include/**/*.hpp")
check(("LICENSE", ".", "/package/licenses") in copied, "package() copies LICENSE")
exported = set(recipe_class.exports_sources)
check({"include/*", "LICENSE"} <= exported, "exports_sources has include/* and LICENSE")
recipe.package_info()
properties = recipe.cpp_info.properties
check(properties.get("cmake_file_name") == "hotbackup", "cmake_file_name hotbackup")
check(properties.get("cmake_target_name") == "hotbackup::hotbackup",
      "cmake_target_name hotbackup::hotbackup (the exported target)")
check(properties.get("pkg_config_name") == "hotbackup", "pkg_config_name hotbackup")
check(recipe.cpp_info.bindirs == [] and recipe.cpp_info.libdirs == [],
      "no bin/ or lib/ directories in cpp_info")

# ---- the consumer project both ecosystems build ----
consumer = (root / "test_package/CMakeLists.txt").read_text()
check("find_package(hotbackup" in consumer and "hotbackup::hotbackup" in consumer,
      "test_package/CMakeLists.txt finds hotbackup and links hotbackup::hotbackup")
install_text = (root / "cmake/install.cmake").read_text()
check("NAMESPACE hotbackup::" in install_text, "cmake/install.cmake exports hotbackup::")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("recipes agree with the CMake package")
