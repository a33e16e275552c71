//go:build !noasm

package gemm

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestKernelChoice checks, when GEMM_WANT_KERNEL is set, that the kernel
// picked at start-up is that one; TestGODEBUGKernel sets it in children run
// under GODEBUG. It can be run by hand the same way, e.g. on a CI machine:
//
//	GODEBUG=cpu.avx512f=off GEMM_WANT_KERNEL=avx2 go test ./internal/gemm
func TestKernelChoice(t *testing.T) {
	want := os.Getenv("GEMM_WANT_KERNEL")
	if want == "" {
		t.Logf("kernel %s (set GEMM_WANT_KERNEL to check it)", kernel.name)
		return
	}
	if kernel.name != want {
		t.Errorf("GODEBUG=%q picked kernel %s, want %s", os.Getenv("GODEBUG"), kernel.name, want)
	}
}

// TestGODEBUGKernel reruns this test binary with AVX-512 and then AVX2
// switched off through GODEBUG, which golang.org/x/sys/cpu honours, and
// checks that the next kernel down is picked and passes the odd shapes.
func TestGODEBUGKernel(t *testing.T) {
	if os.Getenv("GEMM_WANT_KERNEL") != "" {
		return // a child: TestKernelChoice does the checking
	}
	cases := []struct {
		godebug, want string
		needs         bool
	}{
		{"cpu.avx512f=off", "avx2", cpu.X86.HasAVX2 && cpu.X86.HasFMA},
		{"cpu.avx512f=off,cpu.avx2=off", "go", true},
	}
	for _, c := range cases {
		if !c.needs {
			t.Logf("%s: CPU lacks the instructions, skipped", c.godebug)
			continue
		}
		cmd := exec.Command(os.Args[0], "-test.run", "^(TestKernelChoice|TestSgemmOddShapes|TestSgemmExact)$", "-test.short", "-test.count=1")
		cmd.Env = append(os.Environ(), "GODEBUG="+c.godebug, "GEMM_WANT_KERNEL="+c.want)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "PASS") {
			t.Errorf("GODEBUG=%s: %v\n%s", c.godebug, err, out)
		}
	}
}
