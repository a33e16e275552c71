// Package approx holds the comparisons of gradgraph's parity tests, which
// hold a fused op (graph) or a layer built from fused ops (nn) to its
// plain-Gorgonia twin: how far two results are apart, relative to their
// scale, and how far rounding alone may take them.
package approx
