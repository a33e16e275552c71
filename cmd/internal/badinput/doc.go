// Package badinput holds no code: its test feeds gradgraph's public API and
// its commands bad input — malformed files, impossible shapes, bad flags,
// NaN data, missing folders — and checks that each gives an error naming
// the culprit, never a panic, and leaves no partial output file behind.
package badinput
