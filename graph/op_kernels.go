package graph

import "github.com/gradgraph/gradgraph/internal/kernels"

// The arithmetic of the fused ops (products, sparse products, ReLU, the
// worker pool) lives in internal/kernels; float is its element type,
// float32 or float64.
type float = kernels.Float
