// Package train compiles, fits, evaluates and runs gradgraph models, in the
// shape of Keras's model.compile / fit / evaluate / predict.
//
// Compile binds a Model to an Optimizer (SGD, Adam, RMSprop, Adagrad,
// with Keras 3's update rules and defaults, or one of your own registered
// with RegisterOptimizer, which checkpoints then save and load), a Loss
// (sparse or one-hot categorical cross-entropy, mean squared error) and
// Metrics (Accuracy); CompileOutputs does so per output for a model of
// several outputs, whose data is a data.Join. The trainer asks only for
// the small Model interface (model.go): names and per-sample shapes of the
// inputs and outputs, the weights as graph.Params, and a forward pass that
// adds the model to a graph.Builder. An *nn.Model (Sequential or
// functional) is one, and so is a model of the user's own written with
// Gorgonia directly (ExampleCompile_customModel); Save, Clone and
// Activations ask for more (Configured, *nn.Model) and say so by name.
// Trainer.NN returns the model as an *nn.Model for its layers and Summary.
// Fit then trains on any data.Source:
//
//   - each epoch shuffles the training samples and draws dropout masks from a
//     generator derived from (Seed, epoch), so a run is reproducible to the
//     bit, and a run resumed at epoch e draws what an uninterrupted one would;
//   - ValidationSplit holds out the last fraction of the samples before
//     shuffling, as Keras does; ValidationData supplies a separate set;
//   - every step runs a graph built for its batch size, so the last, partial
//     batch is trained on and every sample is evaluated;
//   - callbacks see the same points as Keras's (train, epoch and batch
//     begin/end); EarlyStopping implements Keras 3's monitor, min_delta,
//     patience, baseline, start_from_epoch and restore_best_weights;
//   - a NaN or infinite loss, gradient or batch statistic stops training
//     with an error naming the epoch and batch, before the step's update
//     reaches the weights; an update that would overflow a weight or an
//     optimiser state is refused the same way (stepguard.go: the step is
//     bounded from the largest gradient, and backed up only when the
//     bound cannot rule an overflow out);
//   - a step's loops may run on several cores, but only while whole steps
//     time faster that way than inline (stepgate.go); the split never
//     changes a bit of the result, and a step run inline keeps its OS
//     thread, so that its weights stay in one core's caches.
//
// Training metrics are sample-weighted means over the epoch computed in
// training mode (dropout on, batch statistics), validation and Evaluate
// figures in inference mode, as Keras reports them. Progress lines follow
// Keras's format:
//
//	12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 9ms/step - accuracy: 0.6171 - loss: 1.0188 - val_accuracy: 0.7500 - val_loss: 0.7654
package train
