package train

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressLine writes Keras's end-of-epoch progress line:
//
//	12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 9ms/step - accuracy: 0.6171 - loss: 1.0188
func progressLine(w io.Writer, steps int, elapsed time.Duration, logs Logs) {
	per := elapsed.Seconds() / float64(steps)
	fmt.Fprintf(w, "%d/%d %s %.0fs %s/step - %s\n", steps, steps, strings.Repeat("━", 20),
		elapsed.Seconds(), perStep(per), logs)
}

// perStep formats seconds per step with Keras's units.
func perStep(s float64) string {
	switch {
	case s >= 1 || s == 0:
		return fmt.Sprintf("%.0fs", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.0fms", s*1e3)
	default:
		return fmt.Sprintf("%.0fus", s*1e6)
	}
}
