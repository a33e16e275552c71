// Package dashboard is a live page for a training run, as TensorBoard is
// for Keras: a train.Callback that a program adds to Fit, and an HTTP
// server of its own that shows the loss of every batch and the logs of
// every epoch (each History key, val_ ones included) as curves updating
// while the model trains, the hyperparameters the program gives, the
// model's summary and layer diagram (viz.PlotModel), and, once the program
// publishes its report folder (Dashboard.Report), the report itself.
//
// The page (HTML, CSS and JavaScript embedded in the binary, no CDN, no
// network) reads a stream of server-sent events, the frames of each
// Options.FlushInterval (100 ms) written together, and redraws at most ten
// times a second. Training never waits for
// it: the callback records each figure under a short lock and hands the
// encoded frame to every watching page through a bounded buffer, without
// blocking; a page that falls behind loses the frames that did not fit and
// is sent the whole record instead once it catches up, so a slow or absent
// browser costs frames, never training steps, and a run with a dashboard
// gives the same weights, bit for bit, as one without. Several pages can
// watch at once, a page opened late gets the record so far (the batch
// losses thinned to at most Options.MaxBatchPoints, every epoch kept), and
// Close ends the streams and shuts the server down.
//
// The server binds to 127.0.0.1 unless the address names another host
// ("0.0.0.0:6006" to be seen from other machines): the page shows the
// run's settings and files to whoever can reach it.
package dashboard
