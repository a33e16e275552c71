# gradgraph — see README.md. `make help` lists the targets.

GO ?= go

# The default build is pure Go and gives the same bits on every CPU. BLAS=openblas
# builds the run targets with -tags openblas instead (README: when it pays,
# and what it costs): OpenBLAS is dlopened at run time, so building needs only
# cgo and a C compiler, and the library (apt-get install libopenblas-dev) is
# looked for when the program starts; without it the program falls back to
# pure Go. It is never chosen behind the user's back: an installed library
# must not change a run's numbers.
CGO_OK := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v $$($(GO) env CC) >/dev/null 2>&1 && echo 1)
FAST_TAGS := $(if $(and $(CGO_OK),$(filter openblas,$(BLAS))),-tags openblas,)

.PHONY: help test onnx-deps browser-deps iris mnist images digits playground notebooks lint bench bench-matrix clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

QEMU_ARM64 := $(shell command -v qemu-aarch64 2>/dev/null)

# Tests the extra passes of make test leave to the plain pass, because the
# pass adds nothing to them. With the twins (GRADGRAPH_FUSION=0): determinism
# and core splits of the convnet (TestSameBitsEveryKernel's /twins hashes
# already pin the twins' bits), and checkpoint limits and a killed save, which
# build no graph. Under -race: tests that run on one goroutine, or whose
# goroutines other tests in the pass already exercise (MNIST's parallel
# decoding: TestMNISTReal; a step's core splits: TestSplitsChangeNoBit),
# and are slow only because the race detector instruments their loops.
FUSION_SKIP := TestConvnetDeterministic|TestSplitsChangeNoBit|TestSaveSurvivesKill|TestLoadRejects
RACE_SKIP := TestSameBitsEveryKernel|TestSaveSurvivesKill|TestLoadRejects|TestConvnetDeterministic|TestWindowTwins|TestDownloadGzipBomb|TestDownloadNestedGzip|TestKnownSizes|TestMNISTResolution|TestMNISTChecksumMismatch|TestMNISTMissingOffline|TestFashionMNISTDebian|TestReadCSVHostileLines

test: lint ## lint, then every test (MNIST ones use ../shared/data/mnist when present); again with fusion off, GOAMD64=v3, -tags noasm, AVX-512 off, arm64 under qemu-user, -race
	$(GO) test -count=1 ./...
	GRADGRAPH_FUSION=0 $(GO) test -count=1 -skip '$(FUSION_SKIP)' ./nn/... ./train/... ./cmd/iris
	GOAMD64=v3 $(GO) test -count=1 -run 'BitIdentical|BitForBit|Determin|RMSprop|SameBits' ./internal/kernels ./train
	$(GO) test -count=1 -tags noasm ./internal/... ./graph/... ./train/... ./data/...
	GODEBUG=cpu.avx512f=off $(GO) test -count=1 -run 'SameBits|NotebooksUpToDate|Sgemm' ./train ./cmd/notebooks ./internal/gemm
ifneq ($(QEMU_ARM64),)
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64 -run 'SameBits|F32|Dot4|Skinny' ./train ./internal/fma ./internal/kernels
else
	@echo "arm64 same-bits check skipped: no qemu-aarch64 (apt-get install qemu-user)"
endif
	$(GO) test -count=1 -race -skip '$(RACE_SKIP)' ./train/... ./nn/... ./data/...

# ONNX Runtime for the onnx package's tests (and the commands' -onnx tests):
# npm's onnxruntime-node, installed with --ignore-scripts (its bundled
# linux-x64 library runs; its post-install download cannot reach its host),
# into a cache folder outside the repository; the tests look there
# (GRADGRAPH_ONNXRUNTIME overrides). As root it also installs Debian's
# python3-onnx, whose checker the tests run on every file. `make test` does
# not call it (it needs the network); without it the ONNX tests skip with
# one line, and .ci/run calls it first and makes them fail instead of skip.
ONNX_DEPS ?= $(HOME)/.cache/gradgraph/onnx
ONNXRUNTIME_NODE_VERSION := 1.30.0

onnx-deps: ## install ONNX Runtime (npm onnxruntime-node into ONNX_DEPS) and, as root, python3-onnx, for the ONNX export tests
	@if ! command -v npm >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then apt-get update -qq && apt-get install -y -qq nodejs npm; \
		else echo "onnx-deps: npm not found: apt-get install nodejs npm"; exit 1; fi; \
	fi
	@if [ "$$(node -p 'require(process.argv[1]).version' $(ONNX_DEPS)/node_modules/onnxruntime-node/package.json 2>/dev/null)" = "$(ONNXRUNTIME_NODE_VERSION)" ]; then \
		echo "onnx-deps: onnxruntime-node $(ONNXRUNTIME_NODE_VERSION) is in $(ONNX_DEPS)"; \
	else \
		mkdir -p $(ONNX_DEPS) && npm install --prefix $(ONNX_DEPS) --ignore-scripts --no-audit --no-fund onnxruntime-node@$(ONNXRUNTIME_NODE_VERSION); \
	fi
	@if /usr/bin/python3 -c 'import onnx.checker' 2>/dev/null; then echo "onnx-deps: python3-onnx (the ONNX checker) is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then apt-get update -qq && apt-get install -y -qq python3-onnx; \
	else echo "onnx-deps: the ONNX checker needs Debian's python3-onnx: apt-get install python3-onnx (as root)"; fi

browser-deps: ## install, as root, Debian's chromium for the live pages' browser tests (cmd/playground and viz/dashboard TestBrowser)
	@if command -v chromium >/dev/null 2>&1; then echo "browser-deps: chromium is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then apt-get update -qq && apt-get install -y -qq chromium; \
	else echo "browser-deps: the browser test needs Debian's chromium: apt-get install chromium (as root)"; exit 1; fi

# SERVE=ADDR on iris, mnist, digits and images: the live dashboard of the
# run at ADDR (-serve), kept up after the run until Ctrl-C (-serve-wait).
SERVE_FLAGS := $(if $(SERVE),-serve $(SERVE) -serve-wait,)

iris: ## train the Iris tutorial (embedded data, offline) into out/iris (BLAS=openblas on any run target: OpenBLAS, other bits; SERVE=:6006 on iris, mnist, digits, images: a live page of the run, up until Ctrl-C)
	$(GO) run $(FAST_TAGS) ./cmd/iris $(SERVE_FLAGS)

mnist: ## train the Keras MNIST recipe into out/mnist (DATA=folder of the IDX files)
	$(GO) run $(FAST_TAGS) ./cmd/mnist $(if $(DATA),-data $(DATA),) $(SERVE_FLAGS)

images: ## train a recipe on your own image folder into out/images (TRAIN=folder of class subfolders; TEST=, SIZE=WxH, MODEL=dense|convnet|resnet, GRAY=1, EPOCHS=)
	@test -n "$(TRAIN)" || { echo 'usage: make images TRAIN=photos [TEST=photos-test] [SIZE=64x64] [MODEL=convnet] [GRAY=1] [EPOCHS=5]  (go run ./cmd/images -write-fashion out/fashion-png writes Fashion-MNIST as class folders to try it on)'; exit 2; }
	$(GO) run $(FAST_TAGS) ./cmd/images -train $(TRAIN) $(if $(TEST),-test $(TEST),) $(if $(SIZE),-size $(SIZE),) $(if $(MODEL),-model $(MODEL),) $(if $(GRAY),-gray,) $(if $(EPOCHS),-epochs $(EPOCHS),) $(SERVE_FLAGS)

digits: ## train the from-scratch network on the 8x8 digits (embedded, offline)
	$(GO) run $(FAST_TAGS) ./cmd/mnist -dataset digits $(SERVE_FLAGS)

playground: ## train a small net on a 2-D spiral; boundary.png and boundary.gif in out/playground
	$(GO) run $(FAST_TAGS) ./cmd/playground

.PHONY: serve
serve: ## serve a checkpoint or an ONNX file over HTTP, TensorFlow Serving's REST API on localhost:8501 (MODEL=path to a checkpoint or .onnx file, ADDR=host:port)
	@test -n "$(MODEL)" || { echo 'usage: make serve MODEL=out/iris/iris.ckpt (go run ./cmd/iris -save out/iris/iris.ckpt writes one)'; exit 2; }
	$(GO) run ./cmd/serve -model $(MODEL) $(if $(ADDR),-addr $(ADDR),)

notebooks: ## regenerate notebooks-md/ (code, output and figures) from notebooks-md/src and notebooks-md/code
	$(GO) run ./cmd/notebooks

STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: ## gofmt, go vet and staticcheck (v0.8.2, pinned; fetched through the module proxy on first use), default and noasm builds
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: the files above need formatting'; exit 1; }
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(STATICCHECK) -tags noasm ./...
	$(if $(CGO_OK),$(STATICCHECK) -tags openblas ./graph/blas,@echo "staticcheck -tags openblas skipped: no cgo")

MNIST ?= ../shared/data/mnist

bench: ## benchmarks: a train step and Predict (go test -bench), the MNIST recipe's epochs vs PyTorch, the same with fusion off, the quick benchmark matrix (MNIST=folder)
	@echo "backend: $(if $(FAST_TAGS),OpenBLAS (-tags openblas),pure Go (gradgraph sgemm + gonum)$(if $(CGO_OK),; BLAS=openblas for OpenBLAS,; cgo unavailable))"
	$(GO) test $(FAST_TAGS) -run '^$$' -bench 'TrainStepMNIST|PredictMNIST' -benchmem ./train
	$(GO) run $(FAST_TAGS) ./cmd/mnistbench -data $(MNIST)
	@echo "--- the same recipe built from the plain-Gorgonia twins (GRADGRAPH_FUSION=0), one epoch, no PyTorch:"
	GRADGRAPH_FUSION=0 $(GO) run $(FAST_TAGS) ./cmd/mnistbench -data $(MNIST) -epochs 1 -torch=false
	@echo "--- the benchmark matrix, quick (make bench-matrix for the full one):"
	$(GO) run $(FAST_TAGS) ./cmd/mnistbench -matrix -quick -data $(MNIST)

bench-matrix: ## five MLP shapes on MNIST, the Iris recipe and the MNIST convnet, each vs PyTorch (1 and all threads): epoch, GFLOP/s, RSS (QUICK=1, CPU=1,2, SHAPES=convnet,iris, ISA=avx2 for AVX-512 off, ROUNDS=4 turns of the CPU settings)
	$(if $(filter avx2,$(ISA)),GODEBUG=cpu.avx512f=off,) $(GO) run $(FAST_TAGS) ./cmd/mnistbench -matrix -data $(MNIST) $(if $(QUICK),-quick,) $(if $(CPU),-cpu $(CPU),) $(if $(SHAPES),-shapes $(SHAPES),) $(if $(ROUNDS),-rounds $(ROUNDS),)

clean: ## remove out/
	rm -rf out
