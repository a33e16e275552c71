//go:build openblas && cgo

package blas

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

// CBLAS enums (cblas.h); passed as int, which is how C passes enums.
enum { GG_ROW_MAJOR = 101 };

typedef void   (*gg_sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
typedef void   (*gg_dgemm_fn)(int, int, int, int, int, int, double, const double*, int, const double*, int, double, double*, int);
typedef void   (*gg_sgemv_fn)(int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
typedef void   (*gg_dgemv_fn)(int, int, int, int, double, const double*, int, const double*, int, double, double*, int);
typedef void   (*gg_saxpy_fn)(int, float, const float*, int, float*, int);
typedef void   (*gg_daxpy_fn)(int, double, const double*, int, double*, int);
typedef float  (*gg_sdot_fn)(int, const float*, int, const float*, int);
typedef double (*gg_ddot_fn)(int, const double*, int, const double*, int);
typedef void   (*gg_set_threads_fn)(int);
typedef int    (*gg_get_threads_fn)(void);
typedef char*  (*gg_corename_fn)(void);

static gg_sgemm_fn gg_sgemm_p;
static gg_dgemm_fn gg_dgemm_p;
static gg_sgemv_fn gg_sgemv_p;
static gg_dgemv_fn gg_dgemv_p;
static gg_saxpy_fn gg_saxpy_p;
static gg_daxpy_fn gg_daxpy_p;
static gg_sdot_fn  gg_sdot_p;
static gg_ddot_fn  gg_ddot_p;
static gg_set_threads_fn gg_set_threads_p;
static gg_get_threads_fn gg_get_threads_p;
static gg_corename_fn    gg_corename_p;

// gg_pick_coretype returns the OpenBLAS core type this CPU should use, or
// NULL to let OpenBLAS decide. __builtin_cpu_supports also checks that the
// OS saves the AVX/AVX-512 register state (XCR0).
static const char* gg_pick_coretype(void) {
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return "Haswell";
#endif
	return NULL;
}

// gg_set_coretype sets OPENBLAS_CORETYPE unless the user already did.
// It returns 1 if it set the variable (so it can be unset after loading).
static int gg_set_coretype(void) {
	const char* c;
	if (getenv("OPENBLAS_CORETYPE") != NULL) return 0;
	c = gg_pick_coretype();
	if (c == NULL) return 0;
	return setenv("OPENBLAS_CORETYPE", c, 0) == 0;
}

static void gg_unset_coretype(void) { unsetenv("OPENBLAS_CORETYPE"); }

static void* gg_open(const char* path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }

static const char* gg_dlerror(void) {
	const char* e = dlerror();
	return e ? e : "unknown dlopen error";
}

// gg_bind resolves the symbols; it returns the name of the first required
// symbol that is missing, or NULL.
static const char* gg_bind(void* h) {
#define GG_REQ(var, type, sym) if ((var = (type)dlsym(h, sym)) == NULL) return sym
	GG_REQ(gg_sgemm_p, gg_sgemm_fn, "cblas_sgemm");
	GG_REQ(gg_dgemm_p, gg_dgemm_fn, "cblas_dgemm");
	GG_REQ(gg_sgemv_p, gg_sgemv_fn, "cblas_sgemv");
	GG_REQ(gg_dgemv_p, gg_dgemv_fn, "cblas_dgemv");
	GG_REQ(gg_saxpy_p, gg_saxpy_fn, "cblas_saxpy");
	GG_REQ(gg_daxpy_p, gg_daxpy_fn, "cblas_daxpy");
	GG_REQ(gg_sdot_p, gg_sdot_fn, "cblas_sdot");
	GG_REQ(gg_ddot_p, gg_ddot_fn, "cblas_ddot");
#undef GG_REQ
	gg_set_threads_p = (gg_set_threads_fn)dlsym(h, "openblas_set_num_threads");
	gg_get_threads_p = (gg_get_threads_fn)dlsym(h, "openblas_get_num_threads");
	gg_corename_p = (gg_corename_fn)dlsym(h, "openblas_get_corename");
	return NULL;
}

static void gg_set_threads(int n) { if (gg_set_threads_p) gg_set_threads_p(n); }
static int gg_get_threads(void) { return gg_get_threads_p ? gg_get_threads_p() : 1; }
static const char* gg_corename(void) { return gg_corename_p ? gg_corename_p() : "unknown core"; }

static void gg_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
                     const float* b, int ldb, float beta, float* c, int ldc) {
	gg_sgemm_p(GG_ROW_MAJOR, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
static void gg_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double* a, int lda,
                     const double* b, int ldb, double beta, double* c, int ldc) {
	gg_dgemm_p(GG_ROW_MAJOR, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
static void gg_sgemv(int ta, int m, int n, float alpha, const float* a, int lda, const float* x, int incx,
                     float beta, float* y, int incy) {
	gg_sgemv_p(GG_ROW_MAJOR, ta, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
static void gg_dgemv(int ta, int m, int n, double alpha, const double* a, int lda, const double* x, int incx,
                     double beta, double* y, int incy) {
	gg_dgemv_p(GG_ROW_MAJOR, ta, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
static void gg_saxpy(int n, float alpha, const float* x, int incx, float* y, int incy) { gg_saxpy_p(n, alpha, x, incx, y, incy); }
static void gg_daxpy(int n, double alpha, const double* x, int incx, double* y, int incy) { gg_daxpy_p(n, alpha, x, incx, y, incy); }
static float gg_sdot(int n, const float* x, int incx, const float* y, int incy) { return gg_sdot_p(n, x, incx, y, incy); }
static double gg_ddot(int n, const double* x, int incx, const double* y, int incy) { return gg_ddot_p(n, x, incx, y, incy); }
*/
import "C"

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// LibraryEnv names an environment variable holding the path of a
// libopenblas to load instead of searching the usual places.
const LibraryEnv = "GRADGRAPH_OPENBLAS"

// libCandidates are tried in order with dlopen. Bare sonames go through the
// dynamic linker's search path; the absolute ones cover Debian/Ubuntu's
// alternatives layout and common manual installs.
var libCandidates = []string{
	"libopenblas.so.0",
	"libopenblas.so",
	"/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.so.0",
	"/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
	"/usr/lib64/libopenblas.so.0",
	"/usr/lib64/libopenblasp.so.0",
	"/usr/lib/libopenblas.so.0",
	"/usr/local/lib/libopenblas.so.0",
	"/opt/OpenBLAS/lib/libopenblas.so.0",
	"/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
	"/usr/local/opt/openblas/lib/libopenblas.dylib",
}

// defaultThreads is the OpenBLAS thread count used unless ThreadsEnv says
// otherwise. See doc.go and bench_test.go for why.
// defaultThreads is 1: gradgraph's own kernels (sparse dense products,
// optimiser updates) run on Go goroutines beside BLAS, and OpenBLAS's idle
// workers spin on the cores those goroutines need: on a 2-core machine the
// MNIST recipe's epoch was slower with two threads than with one
// (cmd/mnistbench; BENCHMARKS.md, "BLAS backends").
func defaultThreads() int { return 1 }

// level1Min is the vector length from which Saxpy/Sdot/Daxpy/Ddot go to
// OpenBLAS; below it the cgo call costs more than gonum's assembly loop.
const level1Min = 4096

var (
	loaded   bool   // OpenBLAS symbols are bound
	loadErr  error  // why loading failed (sticky)
	coreName string // what OpenBLAS says it runs

	// openblasGemmCalls counts the Sgemm/Dgemm calls served by OpenBLAS.
	// Tests read it to prove Gorgonia's matmul goes through this package.
	openblasGemmCalls atomic.Uint64
)

// Use installs OpenBLAS into Gorgonia (and tensor) if the library can be
// loaded, and gonum's pure-Go BLAS otherwise. In the latter case err says
// why and how to install OpenBLAS; the returned name is still valid and
// callers can print err and go on.
func Use() (name string, err error) {
	mu.Lock()
	defer mu.Unlock()
	if !loaded && loadErr == nil {
		loadErr = load()
	}
	if loadErr != nil {
		return installGonum(), loadErr
	}
	n := threadsFromEnv(defaultThreads())
	C.gg_set_threads(C.int(n))
	install(openblasImpl{}, openblasName())
	return current, nil
}

// pickedCoreType is the OPENBLAS_CORETYPE this package sets on this CPU
// when the user has not set one ("" = let OpenBLAS detect).
func pickedCoreType() string {
	if c := C.gg_pick_coretype(); c != nil {
		return C.GoString(c)
	}
	return ""
}

func openblasName() string {
	n := int(C.gg_get_threads())
	unit := "threads"
	if n == 1 {
		unit = "thread"
	}
	return fmt.Sprintf("openblas (%s, %d %s)", coreName, n, unit)
}

// setThreads changes OpenBLAS's thread count (benchmarks use it).
func setThreads(n int) {
	mu.Lock()
	defer mu.Unlock()
	if !loaded {
		return
	}
	C.gg_set_threads(C.int(n))
	if strings.HasPrefix(current, "openblas") {
		current = openblasName()
	}
}

// load sets OPENBLAS_CORETYPE (if unset) and dlopens OpenBLAS. The variable
// must be in the C environment before the library's constructor runs: that
// is when OpenBLAS picks its kernels, once per process.
func load() error {
	candidates := libCandidates
	if p := os.Getenv(LibraryEnv); p != "" {
		candidates = []string{p}
	}
	set := C.gg_set_coretype() != 0
	var h unsafe.Pointer
	var errs []string
	for _, p := range candidates {
		cs := C.CString(p)
		h = C.gg_open(cs)
		C.free(unsafe.Pointer(cs))
		if h != nil {
			break
		}
		if len(errs) < 3 {
			errs = append(errs, C.GoString(C.gg_dlerror()))
		}
	}
	if set {
		// Keep child processes' environment as the user left it.
		C.gg_unset_coretype()
	}
	if h == nil {
		return fmt.Errorf("blas: OpenBLAS not found (%s); install it with `apt-get install libopenblas-dev` "+
			"(Debian/Ubuntu) or set %s to its path; using %s", strings.Join(errs, "; "), LibraryEnv, GonumName)
	}
	if missing := C.gg_bind(h); missing != nil {
		return fmt.Errorf("blas: the OpenBLAS library found lacks %s; using %s", C.GoString(missing), GonumName)
	}
	coreName = C.GoString(C.gg_corename())
	loaded = true
	return nil
}

// openblasImpl is gonum's BLAS with the hot routines replaced by OpenBLAS's
// CBLAS ones (row-major, like gonum's interface). Arguments that gonum
// would reject, empty problems, and sizes beyond C int go to gonum, which
// panics or returns exactly as it always does.
type openblasImpl struct {
	gonum.Implementation
}

func cTrans(t gblas.Transpose) C.int {
	if t == gblas.NoTrans {
		return 111 // CblasNoTrans
	}
	return 112 // CblasTrans (ConjTrans is Trans for real data)
}

func validTrans(t gblas.Transpose) bool {
	return t == gblas.NoTrans || t == gblas.Trans || t == gblas.ConjTrans
}

func fitsC(xs ...int) bool {
	for _, x := range xs {
		if x > math.MaxInt32 || x < math.MinInt32 {
			return false
		}
	}
	return true
}

// matOK reports whether a rows×cols row-major matrix with leading
// dimension ld fits in a slice of length l.
func matOK(rows, cols, ld, l int) bool {
	return ld >= cols && ld >= 1 && l >= (rows-1)*ld+cols
}

func gemmFast(tA, tB gblas.Transpose, m, n, k, la, lda, lb, ldb, lc, ldc int) bool {
	if !validTrans(tA) || !validTrans(tB) || m <= 0 || n <= 0 || k <= 0 {
		return false
	}
	ar, ac := m, k
	if tA != gblas.NoTrans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB != gblas.NoTrans {
		br, bc = n, k
	}
	return matOK(ar, ac, lda, la) && matOK(br, bc, ldb, lb) && matOK(m, n, ldc, lc) &&
		fitsC(m, n, k, lda, ldb, ldc, la, lb, lc)
}

func vecOK(n, inc, l int) bool {
	if inc == 0 {
		return false
	}
	if inc < 0 {
		inc = -inc
	}
	return (n-1)*inc < l
}

func gemvFast(tA gblas.Transpose, m, n, la, lda, lx, incX, ly, incY int) bool {
	if !validTrans(tA) || m <= 0 || n <= 0 {
		return false
	}
	lenX, lenY := n, m
	if tA != gblas.NoTrans {
		lenX, lenY = m, n
	}
	return matOK(m, n, lda, la) && vecOK(lenX, incX, lx) && vecOK(lenY, incY, ly) &&
		fitsC(m, n, lda, la, incX, incY, lx, ly)
}

func level1Fast(n, lx, incX, ly, incY int) bool {
	return n >= level1Min && vecOK(n, incX, lx) && vecOK(n, incY, ly) && fitsC(n, incX, incY, lx, ly)
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C (row-major).
func (impl openblasImpl) Sgemm(tA, tB gblas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !gemmFast(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	openblasGemmCalls.Add(1)
	C.gg_sgemm(cTrans(tA), cTrans(tB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(unsafe.Pointer(&a[0])), C.int(lda), (*C.float)(unsafe.Pointer(&b[0])), C.int(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}

// Dgemm computes C = alpha*op(A)*op(B) + beta*C (row-major).
func (impl openblasImpl) Dgemm(tA, tB gblas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if !gemmFast(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	openblasGemmCalls.Add(1)
	C.gg_dgemm(cTrans(tA), cTrans(tB), C.int(m), C.int(n), C.int(k), C.double(alpha),
		(*C.double)(unsafe.Pointer(&a[0])), C.int(lda), (*C.double)(unsafe.Pointer(&b[0])), C.int(ldb),
		C.double(beta), (*C.double)(unsafe.Pointer(&c[0])), C.int(ldc))
}

// Sgemv computes y = alpha*op(A)*x + beta*y (row-major).
func (impl openblasImpl) Sgemv(tA gblas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if !gemvFast(tA, m, n, len(a), lda, len(x), incX, len(y), incY) {
		impl.Implementation.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.gg_sgemv(cTrans(tA), C.int(m), C.int(n), C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.float)(unsafe.Pointer(&x[0])), C.int(incX), C.float(beta), (*C.float)(unsafe.Pointer(&y[0])), C.int(incY))
}

// Dgemv computes y = alpha*op(A)*x + beta*y (row-major).
func (impl openblasImpl) Dgemv(tA gblas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if !gemvFast(tA, m, n, len(a), lda, len(x), incX, len(y), incY) {
		impl.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.gg_dgemv(cTrans(tA), C.int(m), C.int(n), C.double(alpha), (*C.double)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.double)(unsafe.Pointer(&x[0])), C.int(incX), C.double(beta), (*C.double)(unsafe.Pointer(&y[0])), C.int(incY))
}

// Saxpy computes y += alpha*x.
func (impl openblasImpl) Saxpy(n int, alpha float32, x []float32, incX int, y []float32, incY int) {
	if !level1Fast(n, len(x), incX, len(y), incY) {
		impl.Implementation.Saxpy(n, alpha, x, incX, y, incY)
		return
	}
	C.gg_saxpy(C.int(n), C.float(alpha), (*C.float)(unsafe.Pointer(&x[0])), C.int(incX),
		(*C.float)(unsafe.Pointer(&y[0])), C.int(incY))
}

// Daxpy computes y += alpha*x.
func (impl openblasImpl) Daxpy(n int, alpha float64, x []float64, incX int, y []float64, incY int) {
	if !level1Fast(n, len(x), incX, len(y), incY) {
		impl.Implementation.Daxpy(n, alpha, x, incX, y, incY)
		return
	}
	C.gg_daxpy(C.int(n), C.double(alpha), (*C.double)(unsafe.Pointer(&x[0])), C.int(incX),
		(*C.double)(unsafe.Pointer(&y[0])), C.int(incY))
}

// Sdot returns x·y.
func (impl openblasImpl) Sdot(n int, x []float32, incX int, y []float32, incY int) float32 {
	if !level1Fast(n, len(x), incX, len(y), incY) {
		return impl.Implementation.Sdot(n, x, incX, y, incY)
	}
	return float32(C.gg_sdot(C.int(n), (*C.float)(unsafe.Pointer(&x[0])), C.int(incX),
		(*C.float)(unsafe.Pointer(&y[0])), C.int(incY)))
}

// Ddot returns x·y.
func (impl openblasImpl) Ddot(n int, x []float64, incX int, y []float64, incY int) float64 {
	if !level1Fast(n, len(x), incX, len(y), incY) {
		return impl.Implementation.Ddot(n, x, incX, y, incY)
	}
	return float64(C.gg_ddot(C.int(n), (*C.double)(unsafe.Pointer(&x[0])), C.int(incX),
		(*C.double)(unsafe.Pointer(&y[0])), C.int(incY)))
}

// threadsFromEnv returns the thread count asked for by ThreadsEnv, or def
// when the variable is unset or not a positive integer.
func threadsFromEnv(def int) int {
	s := strings.TrimSpace(os.Getenv(ThreadsEnv))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return def
	}
	if max := runtime.NumCPU(); n > max {
		n = max
	}
	return n
}
