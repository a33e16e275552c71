//go:build !race

package server

// raceEnabled: the race detector is on (tests make their loads smaller).
const raceEnabled = false
