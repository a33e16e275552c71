//go:build unix

package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERM: SIGTERM stops the command gracefully: it returns without
// error (exit status 0) after saying so.
func TestSIGTERM(t *testing.T) {
	path := savedIris(t)
	addr := make(chan string, 1)
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runNotified([]string{"-model", path, "-addr", "127.0.0.1:0"}, &out, func(a string) { addr <- a })
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a
	case err := <-done:
		t.Fatal(err)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// The signal is caught from the moment the server listens (ready runs
	// after signal.NotifyContext), so it cannot kill the test binary.
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not stop within 10 s of SIGTERM")
	}
	if !strings.HasSuffix(out.String(), "stopped\n") {
		t.Errorf("output %q", out.String())
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still serving after SIGTERM")
	}
}
