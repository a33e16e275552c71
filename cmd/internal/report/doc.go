// Package report writes what gradgraph's commands leave behind after a run:
// history.csv, metrics.json and the training curves, and a report a person
// can send — report.html, one self-contained file with its figures embedded
// as data: URIs, and report.md with the same content and its figures as
// PNGs beside it (Write). Each file is written to a temporary file in the
// destination folder and renamed into place, so that a run that fails
// half-way never leaves a truncated file over a good one; the reports come
// last, once everything else is written, and every figure they show is
// read back from metrics.json.
package report
