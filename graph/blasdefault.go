package graph

// Importing graph/blas installs its default BLAS (gradgraph's packed sgemm
// with gonum for the rest) before any graph runs, for every program that
// builds graphs, whether or not it calls blas.Use.
import _ "github.com/gradgraph/gradgraph/graph/blas"
