// Catch2's main, compiled once for every engine and binding test file.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
