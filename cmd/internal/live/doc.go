// Package live gives gradgraph's training commands their -serve and
// -serve-wait flags: a live page of the run (package viz/dashboard) while
// it trains, with the run's report on it at the end.
//
// Without -serve-wait the page is served while the command runs and the
// command exits when it is done, as a Keras script does: the page keeps
// what it has drawn and says the server has closed. With -serve-wait the
// command stays after writing its outputs, serving the finished page and
// the report folder, until Ctrl-C (SIGINT) or SIGTERM, as TensorBoard
// does.
package live
