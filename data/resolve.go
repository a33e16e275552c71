package data

import (
	"os"
	"path/filepath"
)

// EnvDataDir names the environment variable that points at a folder of data
// sets: MNIST is looked for in its mnist/ subfolder, Fashion-MNIST in
// fashion-mnist/.
const EnvDataDir = "GRADGRAPH_DATA"

// searchDirs returns, in order, the folders that may hold the files of set,
// and the folder that missing files are downloaded into:
//
//  1. dir, when not empty (and dir/<sub>, so that a folder of data sets
//     works as well as the data set's own folder);
//  2. $GRADGRAPH_DATA/<sub>;
//  3. the set's system folders (Debian's /usr/share/datasets/...), read only;
//  4. os.UserCacheDir()/gradgraph/<sub>.
//
// Downloads go to the first of 1, 2 and 4 that applies: the folder the user
// named, else the shared data folder, else the per-user cache.
func searchDirs(set *imageSet, dir string) (dirs []string, target string) {
	add := func(d string) {
		for _, have := range dirs {
			if have == d {
				return
			}
		}
		dirs = append(dirs, d)
	}
	if dir != "" {
		add(dir)
		add(filepath.Join(dir, set.sub))
		target = dir
	}
	if env := os.Getenv(EnvDataDir); env != "" {
		d := filepath.Join(env, set.sub)
		add(d)
		if target == "" {
			target = d
		}
	}
	for _, d := range set.system {
		add(d)
	}
	if cache, err := os.UserCacheDir(); err == nil {
		d := filepath.Join(cache, "gradgraph", set.sub)
		add(d)
		if target == "" {
			target = d
		}
	}
	return dirs, target
}

// findFile returns the path of base or base.gz in dir, or "" if neither is
// a regular file. The compressed name is preferred: it is what mirrors and
// Debian ship.
func findFile(dir, base string) string {
	for _, name := range []string{base + ".gz", base} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// locate returns the paths of set's files: from the first folder that has
// them all, else from wherever each can be found (nil entries for missing
// ones). Taking a complete folder first keeps train and test from being
// mixed from two different copies when one is complete.
func locate(set *imageSet, dirs []string) []string {
	for _, d := range dirs {
		paths := make([]string, len(set.files))
		ok := true
		for i, f := range set.files {
			if paths[i] = findFile(d, f); paths[i] == "" {
				ok = false
				break
			}
		}
		if ok {
			return paths
		}
	}
	paths := make([]string, len(set.files))
	for i, f := range set.files {
		for _, d := range dirs {
			if p := findFile(d, f); p != "" {
				paths[i] = p
				break
			}
		}
	}
	return paths
}
