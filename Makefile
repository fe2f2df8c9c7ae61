# nnkit — the front door. `make help` lists every target; CMake/CTest do the work underneath.
BUILD   ?= build
JOBS    ?= $(shell nproc)
CTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help deps deps-python data configure build test demo golden \
        handout handout-check handout-dist grade grade-batch validate gradescope classroom bench clean

help: ## list the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z_-]+:.*## / { printf "  make %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

deps: ## install the Debian packages the kit needs (idempotent; root or sudo)
	@tools/install_deps.sh tools/packages-build.txt

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

demo: deps data build ## set up, build, and run what exists so far
	@tools/demo.sh $(BUILD)

golden: deps-python ## regenerate the committed golden values with NumPy/scikit-learn/PyTorch
	@tools/make_golden.sh

handout: ## regenerate handout/ from solution/ (student regions become stubs)
	@tools/make_handout.sh solution handout && echo "handout: written from solution/"
handout-check: ## fail when handout/ is stale against solution/
	@tools/handout_check.sh
handout-dist: ## pack the student archive into dist/nnkit-assignment.tar.gz
	@tools/make_handout_dist.sh dist/nnkit-assignment.tar.gz
grade: ## grade SUBMISSION=dir (not built yet: issue 5)
	@tools/not_yet.sh grade "issue 5 (the grader)"
grade-batch: ## grade every folder in SUBMISSIONS=dir (not built yet: issue 5)
	@tools/not_yet.sh grade-batch "issue 5 (the grader)"
validate: ## solution 42/42, blank handout 0 (not built yet: issue 5)
	@tools/not_yet.sh validate "issue 5 (the grader)"
gradescope: ## build dist/autograder.zip (not built yet: issue 5)
	@tools/not_yet.sh gradescope "issue 5 (the grader)"
classroom: ## write a GitHub Classroom workflow (not built yet: issue 5)
	@tools/not_yet.sh classroom "issue 5 (the grader)"
bench: deps data build ## nnkit vs NumPy/PyTorch: time, peak RSS, GFLOP/s (BENCH_ARGS="--epochs 2": quick)
	@test -x /usr/bin/python3 || { echo "bench: no /usr/bin/python3; fix: make deps-python" >&2; exit 2; }
	@/usr/bin/python3 bench/run_bench.py --build $(BUILD) $(BENCH_ARGS)

clean: ## remove build/ and dist/
	rm -rf $(BUILD) $(BUILD).configure.log dist
