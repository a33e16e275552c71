// Package livetest runs a training command with -serve and -serve-wait in
// a test as a user would, and checks what its page shows against the
// files the command wrote. For tests only.
package livetest
