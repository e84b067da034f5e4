"""Conan 2 recipe for hotbackup, a header-only C++20 library.

`conan create .` packages this checkout and builds test_package/ (the same consumer
project CI builds against a plain `cmake --install`). Consumers then write
`find_package(hotbackup CONFIG REQUIRED)` and link `hotbackup::hotbackup`, as with
vcpkg or an installed tree: CMakeDeps makes those names from package_info().
"""

import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout
from conan.tools.scm import Version

required_conan_version = ">=2.0"


class HotbackupConan(ConanFile):
    name = "hotbackup"
    description = (
        "Online backup and restore of a live write-ahead-logged storage engine, "
        "modelled on ESE's external backup API; header-only C++20."
    )
    license = "MIT"
    topics = ("backup", "restore", "ese", "write-ahead-log", "coroutines", "header-only")
    package_type = "header-library"
    # Only so that validate() can read compiler.cppstd; the package id is cleared.
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "include/*", "LICENSE"
    no_copy_source = True

    def set_version(self):
        # include/hotbackup/version.hpp is the one place the version is written.
        text = load(self, os.path.join(self.recipe_folder, "include", "hotbackup", "version.hpp"))
        parts = [
            re.search(rf"#define HOTBACKUP_VERSION_{part} (\d+)", text).group(1)
            for part in ("MAJOR", "MINOR", "PATCH")
        ]
        self.version = ".".join(parts)

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        # The public headers include these (range-v3 is part of the interface the
        # CMake target promises), so their headers must reach our consumers.
        self.requires("range-v3/0.12.0", transitive_headers=True)
        self.requires("nlohmann_json/3.11.3", transitive_headers=True)
        self.requires("xxhash/0.8.2", transitive_headers=True)

    def package_id(self):
        # Headers only: one package serves every configuration.
        self.info.clear()

    # The compilers the library is built and tested with (README, "Requirements"):
    # older ones accept -std=c++20 but lack parts of the library it uses.
    _minimum_compilers = {"gcc": "12", "clang": "14"}

    def validate(self):
        # CMakeDeps does not carry the CMake target's cxx_std_20 to consumers, so the
        # profile's compiler.cppstd must say 20 or later.
        check_min_cppstd(self, 20)
        if self.settings.get_safe("os") == "Windows":
            raise ConanInvalidConfiguration(f"{self.ref} needs POSIX files (posix_storage)")
        compiler = str(self.settings.get_safe("compiler"))
        minimum = self._minimum_compilers.get(compiler)
        version = self.settings.get_safe("compiler.version")
        if minimum and version and Version(version) < minimum:
            raise ConanInvalidConfiguration(f"{self.ref} needs {compiler} {minimum} or later")

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(
            self,
            "*.hpp",
            os.path.join(self.source_folder, "include"),
            os.path.join(self.package_folder, "include"),
        )

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        # The same names as the CMake export (cmake/install.cmake) and pkg-config file.
        self.cpp_info.set_property("cmake_file_name", "hotbackup")
        self.cpp_info.set_property("cmake_target_name", "hotbackup::hotbackup")
        self.cpp_info.set_property("pkg_config_name", "hotbackup")
