package main

import "strings"

// stringsBuilder collects flag usage text for an error message.
type stringsBuilder = strings.Builder
