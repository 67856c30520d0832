# `cd build && cpack -G DEB` makes parlab_VERSION_ARCH.deb installing into /usr (docs/install.md). Its
# Depends line comes from dpkg-shlibdeps (Debian's package names for every shared library the binaries
# link: libluajit-5.1-2, libgomp1, MPI's when built with it), plus libedit2, which the REPL dlopens
# (cli/libedit.cpp) and dpkg-shlibdeps therefore cannot see; luajit itself is only a suggestion, for
# `require "parlab"` from a stock interpreter.
set(CPACK_PACKAGE_NAME parlab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "parlab maintainers <parlab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "parallelism lab: LuaJIT with threads, processes, queues and shared arrays")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION interpreters)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libedit2")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "luajit")
# The shlibs of libparlab.so itself: a program built against this package needs this package.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
include(CPack)
