# Cross toolchain for the arm64 LibBridge check: Debian's g++-aarch64-linux-gnu
# against an arm64 Debian sysroot (tests/bridge/arm64-sysroot.sh) given as
# VMI_ARM64_SYSROOT (CMake variable or environment), which holds the arm64
# builds of the bridge's dependencies.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
if(NOT VMI_ARM64_SYSROOT)
  set(VMI_ARM64_SYSROOT "$ENV{VMI_ARM64_SYSROOT}")
endif()
if(NOT VMI_ARM64_SYSROOT)
  message(FATAL_ERROR "set VMI_ARM64_SYSROOT to the sysroot tests/bridge/arm64-sysroot.sh makes")
endif()
# try_compile projects re-read this file: hand them the variable.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VMI_ARM64_SYSROOT)
set(CMAKE_SYSROOT "${VMI_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${VMI_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config reads the sysroot's .pc files and prefixes their paths with it.
set(ENV{PKG_CONFIG_LIBDIR} "${VMI_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${VMI_ARM64_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${VMI_ARM64_SYSROOT}")
set(ENV{PKG_CONFIG_PATH} "")
