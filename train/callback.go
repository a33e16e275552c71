package train

// Callback is called by Fit at the points Keras's callbacks are. Epoch
// numbers are 0-based, as in Keras. Returning an error stops training with
// that error; to stop cleanly, call Trainer.StopTraining.
//
// Embed NopCallback to implement only the methods you need, or use
// CallbackFuncs for a callback made of closures.
type Callback interface {
	OnTrainBegin(t *Trainer) error
	OnEpochBegin(t *Trainer, epoch int) error
	OnBatchEnd(t *Trainer, batch int, loss float64) error
	OnEpochEnd(t *Trainer, epoch int, logs Logs) error
	OnTrainEnd(t *Trainer, logs Logs) error
}

// NopCallback does nothing; embed it in a callback of your own.
type NopCallback struct{}

// OnTrainBegin implements Callback.
func (NopCallback) OnTrainBegin(*Trainer) error { return nil }

// OnEpochBegin implements Callback.
func (NopCallback) OnEpochBegin(*Trainer, int) error { return nil }

// OnBatchEnd implements Callback.
func (NopCallback) OnBatchEnd(*Trainer, int, float64) error { return nil }

// OnEpochEnd implements Callback.
func (NopCallback) OnEpochEnd(*Trainer, int, Logs) error { return nil }

// OnTrainEnd implements Callback.
func (NopCallback) OnTrainEnd(*Trainer, Logs) error { return nil }

// CallbackFuncs is a callback made of optional closures (Keras's LambdaCallback).
type CallbackFuncs struct {
	TrainBegin func(t *Trainer) error
	EpochBegin func(t *Trainer, epoch int) error
	BatchEnd   func(t *Trainer, batch int, loss float64) error
	EpochEnd   func(t *Trainer, epoch int, logs Logs) error
	TrainEnd   func(t *Trainer, logs Logs) error
}

// OnTrainBegin implements Callback.
func (c CallbackFuncs) OnTrainBegin(t *Trainer) error {
	if c.TrainBegin == nil {
		return nil
	}
	return c.TrainBegin(t)
}

// OnEpochBegin implements Callback.
func (c CallbackFuncs) OnEpochBegin(t *Trainer, epoch int) error {
	if c.EpochBegin == nil {
		return nil
	}
	return c.EpochBegin(t, epoch)
}

// OnBatchEnd implements Callback.
func (c CallbackFuncs) OnBatchEnd(t *Trainer, batch int, loss float64) error {
	if c.BatchEnd == nil {
		return nil
	}
	return c.BatchEnd(t, batch, loss)
}

// OnEpochEnd implements Callback.
func (c CallbackFuncs) OnEpochEnd(t *Trainer, epoch int, logs Logs) error {
	if c.EpochEnd == nil {
		return nil
	}
	return c.EpochEnd(t, epoch, logs)
}

// OnTrainEnd implements Callback.
func (c CallbackFuncs) OnTrainEnd(t *Trainer, logs Logs) error {
	if c.TrainEnd == nil {
		return nil
	}
	return c.TrainEnd(t, logs)
}
