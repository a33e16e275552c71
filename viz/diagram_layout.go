package viz

import (
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"
)

// The layout of a model diagram, as Graphviz's dot lays out Keras's
// plot_model (a simple Sugiyama scheme): every box goes in a rank, its
// longest path from the boxes that take no input; an edge that spans
// several ranks passes through a waypoint (a dummy node) in each rank
// between, and all the long edges from one box share their waypoints, as a
// bus; each rank is ordered by the barycentre of its nodes' predecessors;
// and the nodes of a rank are placed as near as they can be to above their
// predecessors, apart by their widths and a gap.

// Horizontal gaps between neighbours of a rank, in pixels.
const (
	diagramBoxGap   = 20 // between two boxes
	diagramLaneGap  = 16 // between a box and a waypoint
	diagramLanesGap = 10 // between two waypoints
)

// dummyWeight is how much a waypoint's wish to stay under its predecessor
// counts against a box's: far less, so that a box stays straight under its
// inputs and the edges that pass it make way.
const dummyWeight = 1e-6

// diagramNode is a box of the diagram or a waypoint of a long edge.
type diagramNode struct {
	box   int   // index in the boxes, or -1 for a waypoint
	rank  int   // row, 0 at the top
	preds []int // nodes of the rank above that feed this one
	w     int   // width in pixels; 0 for a waypoint
	x     int   // centre in pixels, from the image's left edge
}

// diagramLayout places the nodes: node i is box i for i < len(boxes); the
// waypoints follow.
type diagramLayout struct {
	nodes []diagramNode
	ranks [][]int // node indices of each rank, left to right
	width int     // the extent of the nodes, the leftmost's left edge at 0
}

// diagramEdges returns the boxes that feed each box, each at most once.
// Boxes none of which has a Name or Inbound make a chain, each fed by the
// one before. An inbound name that is no box's Name is an error, as is a
// name that two boxes share.
func diagramEdges(boxes []DiagramBox) ([][]int, error) {
	preds := make([][]int, len(boxes))
	graph := false
	for _, b := range boxes {
		if b.Name != "" || len(b.Inbound) > 0 {
			graph = true
			break
		}
	}
	if !graph {
		for i := 1; i < len(boxes); i++ {
			preds[i] = []int{i - 1}
		}
		return preds, nil
	}
	byName := make(map[string]int, len(boxes))
	for i, b := range boxes {
		if b.Name == "" {
			continue
		}
		if j, ok := byName[b.Name]; ok {
			return nil, errors.Errorf("boxes %d and %d are both named %q", j, i, b.Name)
		}
		byName[b.Name] = i
	}
	seen := make(map[[2]int]bool)
	for i, b := range boxes {
		for _, name := range b.Inbound {
			j, ok := byName[name]
			if !ok {
				return nil, errors.Errorf("box %d (%q): inbound %q is no box's name", i, b.Title, name)
			}
			if seen[[2]int{j, i}] {
				continue
			}
			seen[[2]int{j, i}] = true
			preds[i] = append(preds[i], j)
		}
	}
	return preds, nil
}

// diagramRanks returns each box's longest path from the boxes that have no
// predecessor, or an error naming a cycle. It takes time linear in the
// boxes and edges (Kahn's topological sort).
func diagramRanks(boxes []DiagramBox, preds [][]int) ([]int, error) {
	n := len(preds)
	// The successors as one flat slice (compressed rows), so that a long
	// chain costs two allocations rather than one per box.
	start := make([]int, n+1)
	for _, ps := range preds {
		for _, p := range ps {
			start[p+1]++
		}
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	succ := make([]int, start[n])
	fill := slices.Clone(start[:n])
	indeg := make([]int, n)
	for i, ps := range preds {
		indeg[i] = len(ps)
		for _, p := range ps {
			succ[fill[p]] = i
			fill[p]++
		}
	}
	rank := make([]int, n)
	queue := make([]int, 0, n)
	for i := range preds {
		if indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	for head := 0; head < len(queue); head++ {
		u := queue[head]
		for _, v := range succ[start[u]:start[u+1]] {
			rank[v] = max(rank[v], rank[u]+1)
			if indeg[v]--; indeg[v] == 0 {
				queue = append(queue, v)
			}
		}
	}
	if len(queue) == n {
		return rank, nil
	}
	// Every box left has a predecessor left (else the sort would have
	// taken it), so walking back through them must come round to a box
	// already met: that loop is a cycle.
	at := make(map[int]int)
	var walk []int
	u := -1
	for i := range preds {
		if indeg[i] > 0 {
			u = i
			break
		}
	}
	for {
		if k, ok := at[u]; ok {
			walk = walk[k:]
			break
		}
		at[u] = len(walk)
		walk = append(walk, u)
		for _, p := range preds[u] {
			if indeg[p] > 0 {
				u = p
				break
			}
		}
	}
	// The walk went against the arrows: turn it round, and start it at
	// the first of its boxes.
	slices.Reverse(walk)
	first := slices.Index(walk, slices.Min(walk))
	walk = slices.Concat(walk[first:], walk[:first])
	names := make([]string, 0, len(walk)+1)
	for _, i := range walk {
		names = append(names, boxLabel(boxes[i]))
	}
	names = append(names, names[0])
	return nil, errors.Errorf("the boxes form a cycle: %s", strings.Join(names, " → "))
}

// boxLabel names a box in an error: its Name, or its Title.
func boxLabel(b DiagramBox) string {
	if b.Name != "" {
		return b.Name
	}
	return b.Title
}

// layoutDiagram ranks, orders and places the boxes, whose widths in pixels
// are widths (even numbers, so that centres fall on whole pixels). Its time
// is linear in the boxes, edges and waypoints, but for sorting each rank.
func layoutDiagram(boxes []DiagramBox, widths []int) (*diagramLayout, error) {
	preds, err := diagramEdges(boxes)
	if err != nil {
		return nil, err
	}
	rank, err := diagramRanks(boxes, preds)
	if err != nil {
		return nil, err
	}
	n := len(boxes)
	nodes := make([]diagramNode, n, 2*n)
	// The long edges of box u share the waypoints below it, down to the
	// rank above its lowest consumer: waypoint k (from 0) of u is node
	// lane[u]+k, in rank rank[u]+1+k.
	reach := make([]int, n)
	for v, ps := range preds {
		for _, u := range ps {
			reach[u] = max(reach[u], rank[v]-rank[u])
		}
	}
	lane := make([]int, n)
	depth := 0
	for u := range boxes {
		nodes[u] = diagramNode{box: u, rank: rank[u], w: widths[u]}
		depth = max(depth, rank[u]+1)
		lane[u] = -1
		if reach[u] > 1 {
			lane[u] = len(nodes)
			for k := 0; k < reach[u]-1; k++ {
				p := u
				if k > 0 {
					p = len(nodes) - 1
				}
				nodes = append(nodes, diagramNode{box: -1, rank: rank[u] + 1 + k, preds: []int{p}})
			}
		}
	}
	for v, ps := range preds {
		nodes[v].preds = make([]int, len(ps))
		for i, u := range ps {
			if d := rank[v] - rank[u]; d > 1 {
				nodes[v].preds[i] = lane[u] + d - 2
			} else {
				nodes[v].preds[i] = u
			}
		}
	}
	ranks := make([][]int, depth)
	for i, nd := range nodes {
		ranks[nd.rank] = append(ranks[nd.rank], i)
	}
	l := &diagramLayout{nodes: nodes, ranks: ranks}
	l.order()
	l.place()
	return l, nil
}

// order sorts each rank below the first by the barycentre of its nodes'
// predecessors in the rank above, boxes before waypoints and then in the
// order given on ties. The first rank keeps the boxes' order.
func (l *diagramLayout) order() {
	pos := make([]float64, len(l.nodes))
	key := make([]float64, len(l.nodes))
	for r, row := range l.ranks {
		if r > 0 {
			for _, i := range row {
				sum := 0.0
				for _, p := range l.nodes[i].preds {
					sum += pos[p]
				}
				key[i] = sum / float64(len(l.nodes[i].preds))
			}
			slices.SortStableFunc(row, func(a, b int) int {
				if key[a] != key[b] {
					if key[a] < key[b] {
						return -1
					}
					return 1
				}
				da, db := l.nodes[a].box < 0, l.nodes[b].box < 0
				switch {
				case da == db:
					return 0
				case db:
					return -1
				default:
					return 1
				}
			})
		}
		for k, i := range row {
			pos[i] = float64(k)
		}
	}
}

// gap is the least distance between the centres of neighbours a and b.
func (l *diagramLayout) gap(a, b int) float64 {
	na, nb := l.nodes[a], l.nodes[b]
	g := diagramBoxGap
	switch {
	case na.box < 0 && nb.box < 0:
		g = diagramLanesGap
	case na.box < 0 || nb.box < 0:
		g = diagramLaneGap
	}
	return float64(na.w)/2 + float64(nb.w)/2 + float64(g)
}

// place gives every node its centre. The first rank is packed and centred
// on 0; each node below wants to sit at the mean of its predecessors (of
// its box predecessors, if it has any), and each rank takes the positions
// nearest those wishes, weighted, that keep its nodes apart (isotonic
// regression by pooling adjacent violators, linear in the rank). At the
// end everything moves right so that the leftmost edge is at 0.
func (l *diagramLayout) place() {
	xs := make([]float64, len(l.nodes))
	var want, weight, off []float64
	// A run of neighbours pooled at one y: the sum of their weights, of
	// their weighted wishes, and their count.
	type block struct {
		w, wy float64
		n     int
	}
	var blocks []block
	for r, row := range l.ranks {
		want, weight, off = want[:0], weight[:0], off[:0]
		c := 0.0
		for k, i := range row {
			if k > 0 {
				c += l.gap(row[k-1], i)
			}
			off = append(off, c)
			nd := l.nodes[i]
			w := 1.0
			if nd.box < 0 {
				w = dummyWeight
			}
			weight = append(weight, w)
			if r == 0 {
				want = append(want, 0)
				continue
			}
			sum, cnt := 0.0, 0
			for _, p := range nd.preds {
				if l.nodes[p].box >= 0 {
					sum += xs[p]
					cnt++
				}
			}
			if cnt == 0 {
				for _, p := range nd.preds {
					sum += xs[p]
					cnt++
				}
			}
			want = append(want, sum/float64(cnt))
		}
		if r == 0 {
			// Packed from 0, then centred on 0.
			mid := c / 2
			for k, i := range row {
				xs[i] = off[k] - mid
			}
			continue
		}
		// With y_k = x_k - off_k the gaps become y nondecreasing: fit
		// y to want - off by pooling adjacent violators.
		blocks = blocks[:0]
		for k := range row {
			b := block{w: weight[k], wy: weight[k] * (want[k] - off[k]), n: 1}
			for len(blocks) > 0 {
				last := blocks[len(blocks)-1]
				if last.wy/last.w <= b.wy/b.w {
					break
				}
				b = block{w: last.w + b.w, wy: last.wy + b.wy, n: last.n + b.n}
				blocks = blocks[:len(blocks)-1]
			}
			blocks = append(blocks, b)
		}
		k := 0
		for _, b := range blocks {
			y := b.wy / b.w
			for j := 0; j < b.n; j++ {
				xs[row[k]] = y + off[k]
				k++
			}
		}
	}
	left, right := math.Inf(1), math.Inf(-1)
	for i, nd := range l.nodes {
		// Whole pixels: half a box width is whole, so are its edges.
		xs[i] = math.Floor(xs[i] + 0.5)
		left = min(left, xs[i]-float64(nd.w)/2)
		right = max(right, xs[i]+float64(nd.w)/2)
	}
	for i := range l.nodes {
		l.nodes[i].x = int(xs[i] - left)
	}
	l.width = int(right - left)
}
