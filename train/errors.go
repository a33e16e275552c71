package train

import (
	"fmt"

	"github.com/pkg/errors"
)

// ErrNonFinite is what every NonFiniteError is (errors.Is): a training step
// produced a NaN or infinite loss or gradient and was thrown away.
var ErrNonFinite = errors.New("non-finite loss, gradient or update")

// ErrFitRunning is returned, wrapped, by Fit when another Fit is running on
// the same trainer.
var ErrFitRunning = errors.New("another Fit is running on this trainer")

// NonFiniteError reports the step at which Fit stopped because the loss, a
// gradient or a batch statistic was NaN or infinite, or because the update
// would have made a weight or an optimiser state so. The step was not applied: every param,
// BatchNorm's moving statistics included, holds the values of the step
// before. Find it with errors.As through Fit's wrapping.
type NonFiniteError struct {
	Model   string  // the model's name
	Epoch   int     // 0-based, as callbacks count (the message counts from 1)
	Batch   int     // 0-based index of the batch within the epoch
	Batches int     // batches per epoch
	Loss    float64 // the step's loss
	Grad    string  // the param whose gradient was not finite; "" when the loss was not
	Stat    string  // the statistic (BatchNorm's batch mean or variance) that was not finite
	Update  string  // the param whose update would have been non-finite (an overflow)
}

// Error names the step counting from 1, as the progress lines do.
func (e *NonFiniteError) Error() string {
	what := fmt.Sprintf("loss is %v", e.Loss)
	switch {
	case e.Grad != "":
		what = fmt.Sprintf("gradient of %q is not finite (loss %v)", e.Grad, e.Loss)
	case e.Stat != "":
		what = fmt.Sprintf("batch statistic %q is not finite (loss %v)", e.Stat, e.Loss)
	case e.Update != "":
		what = fmt.Sprintf("the update of %q overflows (loss %v)", e.Update, e.Loss)
	}
	return fmt.Sprintf("fit %q: %s at epoch %d, batch %d/%d; stopped before updating the weights (lower the learning rate, or check the inputs for NaN/Inf)",
		e.Model, what, e.Epoch+1, e.Batch+1, e.Batches)
}

// Unwrap makes errors.Is(err, ErrNonFinite) true.
func (e *NonFiniteError) Unwrap() error { return ErrNonFinite }
