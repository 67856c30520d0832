# A thin layer over CMake, as Neovim has: `make` builds and runs the lecture tour, `make test` runs
# every test. BUILD_TYPE, BUILD_DIR and CMAKE_FLAGS pass through (e.g. CMAKE_FLAGS=-DPARLAB_SANITIZE=address).
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all deps build lab test bench clean install

all: lab

deps:
	@sh tools/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

lab: build
	$(BUILD_DIR)/parlab lab

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD_DIR)/parlab bench/run.lua

clean:
	rm -rf $(BUILD_DIR)

# `make install PREFIX=/opt/parlab`: the relocatable layout of docs/install.md.
PREFIX ?= /usr/local
.PHONY: install
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)
