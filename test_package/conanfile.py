"""Conan's test package: builds the consumer project in this folder against the
package just created and runs it. CI builds the same project against an installed,
relocated tree (tests/CMakeLists.txt, label `package`)."""

import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout


class HotbackupTestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "CMakeToolchain"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            consumer = os.path.join(self.cpp.build.bindir, "hotbackup_package_consumer")
            self.run(consumer, env="conanrun")
