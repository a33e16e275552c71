package main

import (
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// kvLines returns, from the lines of out that start with prefix followed
// by a space, their key=value fields (the lines the matrix's child
// processes print, gradgraph's and PyTorch's alike). Other lines (warnings,
// progress) are skipped.
func kvLines(out, prefix string) []map[string]string {
	var rows []map[string]string
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != prefix {
			continue
		}
		kv := map[string]string{}
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(f, "="); ok {
				kv[k] = v
			}
		}
		rows = append(rows, kv)
	}
	return rows
}

// kvFloat reads the float field key of a kvLines row.
func kvFloat(kv map[string]string, key string) (float64, error) {
	v, ok := kv[key]
	if !ok {
		return 0, errors.Errorf("no %s= in the line", key)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, errors.Wrapf(err, "%s=%s", key, v)
	}
	return f, nil
}

// kvInt reads the integer field key of a kvLines row.
func kvInt(kv map[string]string, key string) (int, error) {
	v, ok := kv[key]
	if !ok {
		return 0, errors.Errorf("no %s= in the line", key)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errors.Wrapf(err, "%s=%s", key, v)
	}
	return n, nil
}
