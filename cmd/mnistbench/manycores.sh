#!/bin/bash
# manycores.sh measures gradgraph on a many-core machine that has no Go
# toolchain (as the machines lent with a GPU to some tasks): the README's
# "On 16 cores" table came from it.
#
#   cmd/mnistbench/manycores.sh pack [MNIST folder]   # here: static binaries and MNIST into .device/
#   cmd/mnistbench/manycores.sh run                   # there, from the repository root
#
# pack cross-compiles (CGO_ENABLED=0, pure Go) mnistbench and the test
# binaries of internal/..., train, nn and data into .device/bundle.tgz and
# copies the MNIST IDX files beside it (about 50 MB in all). run unpacks
# them and prints, with the log also in $OUT/log.txt (default /tmp/out):
# the CPU; the tests at every core and with AVX-512, then AVX2, switched
# off; the GEMM's share of the FMA peak (BenchmarkPeak, BenchmarkSgemm);
# and the benchmark matrix at GOMAXPROCS $CPUS (default 1,2,4,8,16)
# against PyTorch on 1 thread and on all, with the python3 on the PATH
# (GRADGRAPH_TORCH_PYTHON). MATRIX_ARGS adds mnistbench flags (-quick,
# -shapes ...); MATRIX_TIMEOUT bounds the matrix (default 420 s).
set -o pipefail
cd "$(dirname "$0")/../.." || exit 1
case "$1" in
pack)
	mnist=${2:-../shared/data/mnist}
	b=$(mktemp -d) || exit 1
	export CGO_ENABLED=0
	go build -trimpath -ldflags='-s -w' -o "$b/mnistbench" ./cmd/mnistbench || exit 1
	for p in internal/kernels internal/gemm internal/split train nn data; do
		go test -c -trimpath -ldflags='-s -w' -o "$b/$(basename $p).test" ./$p || exit 1
	done
	mkdir -p .device/mnist && cp "$mnist"/*-ubyte* .device/mnist/ || exit 1
	tar czf .device/bundle.tgz -C "$b" . && rm -r "$b"
	du -sh .device
	;;
run)
	OUT=${OUT:-/tmp/out}
	G=$(mktemp -d) && mkdir -p "$OUT" && tar xzf .device/bundle.tgz -C "$G" || exit 1
	export GRADGRAPH_TORCH_PYTHON=${GRADGRAPH_TORCH_PYTHON:-$(command -v python3)} GRADGRAPH_MNIST=$PWD/.device/mnist
	step() { echo; echo "=== $* ($(date -u +%T))"; }
	{
		step machine
		lscpu | grep -E 'Model name|^CPU\(s\)|Thread|Core|Socket|NUMA node|L2|L3'
		grep -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort | uniq -c
		"$GRADGRAPH_TORCH_PYTHON" -c 'import torch; print("torch", torch.__version__)'
		for d in "" cpu.avx512f=off cpu.avx2=off; do
			step tests, GODEBUG=$d, GOMAXPROCS $(nproc)
			for p in internal/kernels internal/gemm internal/split train nn data; do
				(cd $p && GODEBUG=$d timeout 300 "$G/$(basename $p).test" -test.count=1 2>&1 | tail -1) | sed "s|^|$p: |"
			done
		done
		step GEMM and FMA peak, one core
		for d in "" cpu.avx512f=off; do
			(cd internal/gemm && GODEBUG=$d "$G/gemm.test" -test.run '^$' -test.benchtime 200ms -test.count 2 \
				-test.bench 'Peak|Sgemm/(NN_128x512x784|NT_128x784x512|TN_784x512x128|NN_512x512x512)/avx.*/procs=1$' | grep GFLOP)
		done
		step benchmark matrix
		timeout "${MATRIX_TIMEOUT:-420}" "$G/mnistbench" -matrix -cpu "${CPUS:-1,2,4,8,16}" -data .device/mnist $MATRIX_ARGS
		step done
	} 2>&1 | tee "$OUT/log.txt"
	;;
*)
	echo "usage: $0 pack [MNIST folder] | run" >&2
	exit 2
	;;
esac
