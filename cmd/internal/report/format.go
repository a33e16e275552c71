package report

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

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
