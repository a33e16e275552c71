// Package report writes what gradgraph's commands leave behind after a run:
// history.csv, metrics.json and the training curves, each written to a
// temporary file in the destination folder and renamed into place, so that a
// run that fails half-way never leaves a truncated file over a good one.
package report
