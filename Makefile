# nnkit — the front door. `make help` lists every target; CMake/CTest do the work underneath.
BUILD   ?= build
JOBS    ?= $(shell nproc)
# Submissions graded at once by grade-batch: each trains a CNN (~600 MB), so not one per core.
GRADE_JOBS ?= 2
CTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help deps deps-python data configure build test demo golden \
        handout handout-check handout-dist grader grade grade-batch validate gradescope classroom bench clean \
        test-manifest test-sanitize test-gcc11 test-classroom test-gradescope test-clang test-arm64

help: ## list the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  make %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

deps: ## install the Debian packages the kit needs (idempotent; root or sudo)
	@tools/install_deps.sh tools/packages-build.txt tools/packages-kit-tests.txt

deps-python: ## install python3-numpy/sklearn/torch, for golden scripts and benchmarks only
	@tools/install_deps.sh tools/packages-python.txt

data: ## make sure Fashion-MNIST is there and intact (FMNIST_DIR=dir to override)
	@data/setup.sh

configure:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > $(BUILD).configure.log 2>&1 \
	  || { cat $(BUILD).configure.log; exit 1; }

build: deps configure ## build the library, programs and tests into build/ (Release)
	@cmake --build $(BUILD) -j $(JOBS)

test: deps data build ## run every test through CTest
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

test-manifest: deps data ## a threshold changed in a copy of the manifest reaches program, public test and grader (rebuilds nnkit: minutes)
	@bash tests/test_manifest_threshold.sh $(BUILD)-manifest-check

test-sanitize: deps data ## lib and grader unit tests under ASan+UBSan, the thread pool under TSan (builds build-asan, build-tsan: minutes)
	@bash tests/test_sanitize.sh $(BUILD)

test-gcc11: deps data ## nnkit and its lib tests built with g++-11 (Ubuntu 22.04's) in build-gcc11, then ctest -L lib (minutes)
	@JOBS=$(JOBS) bash tests/test_gcc11.sh $(BUILD)
test-classroom: deps data ## make classroom's workflow run here in a fresh student repository: a broken part costs only its items (builds nnkit once more: minutes)
	@bash tests/test_classroom.sh
test-clang: deps data ## the student archive with the solution built with clang (allocator without mmap), then its make test (minutes)
	@JOBS=$(JOBS) bash tests/test_clang.sh $(BUILD)
test-arm64: deps data ## the student archive cross-built for arm64, its public tests (long items as short runs) under qemu (root once; minutes)
	@JOBS=$(JOBS) bash tests/test_arm64.sh $(BUILD)
test-gradescope: grader ## the Gradescope zip in a fresh Debian 12 root (mmdebstrap, cached in BUILD): setup.sh, then the solution full marks, the blank handout 0 (root; minutes)
	@JOBS=$(JOBS) NNKIT_GRADE=$(BUILD)/bin/nnkit-grade bash tests/test_gradescope_fresh_root.sh $(BUILD)

demo: deps data build ## set up, build, run the programs, then grade the solution and the blank handout
	@tools/demo.sh $(BUILD)

golden: deps-python ## regenerate the committed golden values with NumPy/scikit-learn/PyTorch
	@tools/make_golden.sh

handout: ## regenerate handout/ from solution/ (student regions become stubs), and each example's
	@tools/make_handout.sh solution handout && echo "handout: written from solution/"
	@for example in examples/*/; do \
	  tools/make_handout.sh "$${example}solution" "$${example}handout" \
	    && echo "handout: written from $${example}solution/" || exit 1; \
	done
handout-check: ## fail when handout/ (or an example's) is stale against its solution
	@tools/handout_check.sh
	@for example in examples/*/; do tools/handout_check.sh "$${example}solution" "$${example}handout" || exit 1; done
handout-dist: ## pack the student archive into dist/nnkit-assignment.tar.gz
	@tools/make_handout_dist.sh dist/nnkit-assignment.tar.gz
# Grading (docs/architecture.md, "The grader"): nnkit-grade and its staged kit, built on their own.
GRADER ?= $(BUILD)/bin/nnkit-grade
SUITE  ?= all
OUT    ?= out/batch
# $(call require,VAR,example): stop, saying what to type, when VAR is not set
require = test -n "$($(1))" || { echo "make $@: $(1) is not set. For example:" >&2; echo "  $(2)" >&2; exit 2; }

grader: deps data configure
	@cmake --build $(BUILD) -j $(JOBS) --target nnkit-grade grader-kit
grade: ## grade SUBMISSION=dir [SUITE=public|hidden|all] [GRADE_ARGS="--results r.json"]
	@$(call require,SUBMISSION,make grade SUBMISSION=submissions/alice SUITE=public)
	@$(MAKE) --no-print-directory grader
	@$(GRADER) grade "$(SUBMISSION)" --suite $(SUITE) $(GRADE_ARGS)
grade-batch: ## grade every folder in SUBMISSIONS=dir [OUT=out/batch] [GRADE_JOBS=2 at once] [GRADE_ARGS="--items 1.2 --force"]
	@$(call require,SUBMISSIONS,make grade-batch SUBMISSIONS=submissions OUT=out/batch GRADE_JOBS=2)
	@$(MAKE) --no-print-directory grader
	@$(GRADER) batch "$(SUBMISSIONS)" --out "$(OUT)" --jobs $(GRADE_JOBS) --suite $(SUITE) $(GRADE_ARGS)
validate: ## the kit is sound: the solution scores every point, the blank handout none; threshold margins
	@$(MAKE) --no-print-directory grader
	@$(GRADER) validate
gradescope: grader ## pack Gradescope's autograder into dist/autograder.zip (self-contained: headers and data split inside)
	@NNKIT_GRADE=$(BUILD)/bin/nnkit-grade tools/make_gradescope.sh dist/autograder.zip
classroom: ## write a GitHub Classroom workflow for student repositories into dist/classroom/
	@tools/make_classroom.sh dist/classroom
bench: deps data build ## nnkit vs NumPy/PyTorch: time, peak RSS, GFLOP/s (BENCH_ARGS="--epochs 2": quick)
	@test -x /usr/bin/python3 || { echo "bench: no /usr/bin/python3; fix: make deps-python" >&2; exit 2; }
	@/usr/bin/python3 bench/run_bench.py --build $(BUILD) $(BENCH_ARGS)

clean: ## remove build/, the sanitizer builds, the g++-11, clang and arm64 builds and dist/
	rm -rf $(BUILD) $(BUILD).configure.log $(BUILD)-asan* $(BUILD)-tsan* $(BUILD)-gcc11* \
	  $(BUILD)-clang $(BUILD)-arm64 dist
