# The two commands a user needs: `make run` and `make test` (see README.md).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build run test bench clean format

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@scripts/build-web.sh

# Starts the node daemon in the foreground on its embedded defaults.
run: build
	@scripts/run.sh $(BUILD)

test: build
	@scripts/test.sh $(BUILD)

bench: build
	@for b in bench/*/run; do echo "== $$b"; $$b $(BUILD) || exit 1; done

format:
	@git ls-files '*.cc' '*.h' '*.c' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
