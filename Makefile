# The project's commands. `make run` is the main job, `make test` the whole test
# suite; both install what they need from Debian first.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
# The suites CI also runs under AddressSanitizer + UndefinedBehaviorSanitizer.
ASAN_SUITES ?= xgrad_tests_core xgrad_tests_autograd xgrad_tests_nn
ASAN_LABELS ?= core|autograd|nn
CMAKE_FLAGS ?=
# Seconds each libFuzzer target (IDX, CSV, safetensors, PNG, tabular readers) runs: `make fuzz` alone
# runs longer than `make test`, which keeps CI well under 30 minutes on 2 cores.
FUZZ_SECONDS ?= 30
CI_FUZZ_SECONDS ?= 15

.PHONY: deps build test test-asan fuzz run bench bench-compare bench-scaling clean

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

# Everything CI runs: the Release suite, the sanitizer build of the layers below
# models, and a bounded run of the readers' fuzzers.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-asan
	$(MAKE) fuzz FUZZ_SECONDS=$(CI_FUZZ_SECONDS)

# -O1, as the sanitizers' documentation advises: the same checks at a third less
# compile time than -O2 (docs/build-time.md); -g1 keeps file:line in their reports.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_SANITIZE=address,undefined \
	  -DXGRAD_BUILD_BENCH=OFF "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target $(ASAN_SUITES)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L '$(ASAN_LABELS)'

fuzz: deps
	bash fuzz/run.sh $(FUZZ_SECONDS)

run: build
	$(BUILD)/bin/xgrad train --model vae --out out/vae
	$(BUILD)/bin/xgrad report out/vae

bench: build
	for b in core autograd nn models; do $(BUILD)/bin/xgrad_bench_$$b; done

# One training step of each model in PyTorch and xgrad, side by side (needs python3-torch).
bench-compare: build
	bash scripts/install-deps.sh --with-torch
	bash bench/compare.sh

# How each step's cost grows with batch size or sequence length, xgrad and PyTorch side by side.
bench-scaling: build
	bash scripts/install-deps.sh --with-torch
	bash bench/scaling.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
