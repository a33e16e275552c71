package report

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/gradgraph/gradgraph/cmd/internal/report/figure"
)

// DisplayKey writes the metrics.json value under key: a loss or metric
// figure (figure.Is) with four decimals, as Keras's logs print them,
// anything else as Display does.
func DisplayKey(key string, v any) string {
	if x, ok := v.(float64); ok && figure.Is(key) && !math.IsInf(x, 0) && !math.IsNaN(x) {
		return figure.Format(x)
	}
	return Display(v)
}

// Display writes a metrics.json value (as encoding/json decodes it) for a
// reader: whole numbers as integers, large ones to one decimal, others to
// four significant digits, booleans as on/off, lists comma-separated. The
// exact value travels beside it in the page (data-value), so that a test
// can compare both with metrics.json.
func Display(v any) string {
	switch x := v.(type) {
	case float64:
		switch {
		case x == math.Trunc(x) && math.Abs(x) < 1e15:
			return strconv.FormatFloat(x, 'f', 0, 64)
		case math.Abs(x) >= 1000:
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		return strconv.FormatFloat(x, 'g', 4, 64)
	case bool:
		if x {
			return "on"
		}
		return "off"
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Display(e)
		}
		return strings.Join(parts, ", ")
	case nil:
		return "none"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
