package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// dir is the notebooks' folder in the repository.
const dir = "notebooks-md"

// Files maps a path relative to the repository root (slash-separated, under
// notebooks-md) to its generated content.
type Files map[string][]byte

type notebook struct {
	name  string // "01-iris"
	lines []string
	dirs  []*directive
	mnist bool // requires MNIST
}

// mnistAvailable reports whether the MNIST files the notebooks read are there.
func mnistAvailable(root string) bool {
	d := os.Getenv("GRADGRAPH_DATA_MNIST")
	if d == "" {
		d = filepath.Join(root, "..", "shared", "data", "mnist")
	} else if !filepath.IsAbs(d) {
		d = filepath.Join(root, d)
	}
	_, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz"))
	if err != nil {
		_, err = os.Stat(filepath.Join(d, "train-images-idx3-ubyte"))
	}
	return err == nil
}

// readNotebooks parses notebooks-md/src/*.md.
func readNotebooks(root string) ([]*notebook, error) {
	paths, err := filepath.Glob(filepath.Join(root, dir, "src", "*.md"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return nil, fmt.Errorf("no sources in %s", filepath.Join(root, dir, "src"))
	}
	var nbs []*notebook
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(p), ".md")
		lines, dirs, err := parseSource(path.Join(dir, "src", name+".md"), string(src))
		if err != nil {
			return nil, err
		}
		nb := &notebook{name: name, lines: lines, dirs: dirs}
		for _, d := range dirs {
			if d != nil && d.kind == "requires" {
				nb.mnist = true
			}
		}
		nbs = append(nbs, nb)
	}
	return nbs, nil
}

// Generate builds and runs every program the notebooks use, in a temporary
// folder, and returns the notebooks and figures. With skipMNIST, notebooks
// that require MNIST are left out; otherwise their absence is an error.
func Generate(root string, skipMNIST bool) (Files, error) {
	files, _, err := generate(root, skipMNIST)
	return files, err
}

func generate(root string, skipMNIST bool) (Files, []string, error) {
	nbs, err := readNotebooks(root)
	if err != nil {
		return nil, nil, err
	}
	haveMNIST := mnistAvailable(root)
	var skipped []string
	var keep []*notebook
	for _, nb := range nbs {
		if nb.mnist && !haveMNIST {
			if !skipMNIST {
				return nil, nil, fmt.Errorf("%s needs MNIST: put the IDX files in ../shared/data/mnist beside the repository or name their folder in $GRADGRAPH_DATA_MNIST", nb.name)
			}
			skipped = append(skipped, nb.name+" (needs MNIST: ../shared/data/mnist or $GRADGRAPH_DATA_MNIST)")
			continue
		}
		keep = append(keep, nb)
	}

	// The programs, in order of first use, and the notebook each belongs to.
	var programs []string
	owner := map[string]string{}
	for _, nb := range keep {
		for _, d := range nb.dirs {
			if d == nil || d.program == "" {
				continue
			}
			nbName := strings.Split(d.program, "/")[1]
			if nbName != nb.name {
				return nil, nil, fmt.Errorf("%s/src/%s.md:%d: program %s belongs to notebook %s", dir, nb.name, d.line, d.program, nbName)
			}
			if _, ok := owner[d.program]; !ok {
				owner[d.program] = nb.name
				programs = append(programs, d.program)
			}
		}
	}

	tmp, err := os.MkdirTemp("", "notebooks-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bin")
	out := filepath.Join(tmp, "out")
	if err := build(root, bin, programs); err != nil {
		return nil, nil, err
	}
	stdout, err := runAll(root, bin, out, programs, owner)
	if err != nil {
		return nil, nil, err
	}

	files := Files{}
	for _, nb := range keep {
		md, err := render(root, nb, stdout)
		if err != nil {
			return nil, nil, err
		}
		files[path.Join(dir, nb.name+".md")] = md
	}
	err = filepath.WalkDir(filepath.Join(out, dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, nil, err
	}
	if err := renderGraphs(root, files, os.Stderr); err != nil {
		return nil, nil, err
	}
	if err := checkLinks(root, files); err != nil {
		return nil, nil, err
	}
	return files, skipped, nil
}

// build compiles every program with one go build into bin, each binary
// named after its folder.
func build(root, bin string, programs []string) error {
	if len(programs) == 0 {
		return nil
	}
	seen := map[string]string{}
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, p := range programs {
		base := path.Base(p)
		if other, ok := seen[base]; ok {
			return fmt.Errorf("programs %s and %s have the same name %q; give their folders different names", other, p, base)
		}
		seen[base] = p
		args = append(args, "./"+path.Join(dir, p))
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, stderr.Bytes())
	}
	return nil
}

// runAll runs every program from the repository root, two or more at a
// time, with -img set to out/notebooks-md/img/<notebook>, and returns what
// each printed.
func runAll(root, bin, out string, programs []string, owner map[string]string) (map[string]string, error) {
	stdout := map[string]string{}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	sem := make(chan struct{}, max(2, runtime.NumCPU()/2))
	for _, p := range programs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			img := filepath.Join(out, dir, "img", owner[p])
			var o, e bytes.Buffer
			cmd := exec.Command(filepath.Join(bin, path.Base(p)), "-img", img)
			cmd.Dir = root
			cmd.Stdout, cmd.Stderr = &o, &e
			err := cmd.Run()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v\n%s", p, err, e.Bytes()))
				return
			}
			stdout[p] = o.String()
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errs[0]
	}
	return stdout, nil
}

// render writes a notebook with its directives replaced.
func render(root string, nb *notebook, stdout map[string]string) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- Generated by `go run ./cmd/notebooks` (make notebooks) from src/%s.md and the programs under code/%s/. Edit those, not this file. -->\n\n", nb.name, nb.name)
	for i, l := range nb.lines {
		d := nb.dirs[i]
		switch {
		case d == nil:
			b.WriteString(l)
		case d.kind == "requires":
			continue
		case d.kind == "code":
			file := path.Join(dir, d.program, "main.go")
			src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
			if err != nil {
				return nil, err
			}
			code, err := extractCode(file, string(src), d.part)
			if err != nil {
				return nil, err
			}
			note, err := sourceNote(d.program, string(src), code)
			if err != nil {
				return nil, err
			}
			b.WriteString("```go\n" + code + "\n```\n\n" + note)
		case d.kind == "output":
			text, err := section(d.program, stdout[d.program], d.part)
			if err != nil {
				return nil, err
			}
			b.WriteString("```text\n" + maskOutput(text) + "\n```")
		}
		if i < len(nb.lines)-1 {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String()), nil
}

// checkLinks verifies that every local link of the generated notebooks
// resolves: images to generated figures, other targets to files of the
// repository or generated notebooks; and that every figure is linked.
func checkLinks(root string, files Files) error {
	linked := map[string]bool{}
	var problems []string
	names := sortedKeys(files)
	for _, name := range names {
		if !strings.HasSuffix(name, ".md") {
			continue
		}
		for _, t := range links(string(files[name])) {
			target := path.Join(path.Dir(name), t)
			if isImage(t) {
				linked[target] = true
				if _, ok := files[target]; !ok {
					problems = append(problems, fmt.Sprintf("%s: image %s was not drawn by any program", name, t))
				}
				continue
			}
			if _, ok := files[target]; ok || isGeneratedDir(files, target) {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(target))); err != nil {
				problems = append(problems, fmt.Sprintf("%s: link %s does not resolve", name, t))
			}
		}
	}
	for _, name := range names {
		if isImage(name) && !linked[name] {
			problems = append(problems, fmt.Sprintf("%s: drawn but linked from no notebook", name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("broken links:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// isGeneratedDir reports whether target is a folder of generated files.
func isGeneratedDir(files Files, target string) bool {
	for name := range files {
		if strings.HasPrefix(name, target+"/") {
			return true
		}
	}
	return false
}

func sortedKeys(f Files) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// screenshots is the folder under notebooks-md/img that the generator
// leaves alone: the live pages' screenshots, which their browser tests
// write (go test -run TestBrowser -update-screenshots in cmd/playground and
// viz/dashboard), not the notebooks' programs.
const screenshots = "screenshots"

// committed lists the generated files present in the repository: the
// notebooks (notebooks-md/*.md) and everything under notebooks-md/img but
// its screenshots folder.
func committed(root string) (Files, error) {
	files := Files{}
	mds, err := filepath.Glob(filepath.Join(root, dir, "*.md"))
	if err != nil {
		return nil, err
	}
	for _, p := range mds {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files[path.Join(dir, filepath.Base(p))] = b
	}
	img := filepath.Join(root, dir, "img")
	err = filepath.WalkDir(img, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p == filepath.Join(img, screenshots) {
			return fs.SkipDir
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return files, nil
}

// write replaces the generated files in the repository with files: stale
// notebooks and figures are removed.
func write(root string, files Files) error {
	old, err := committed(root)
	if err != nil {
		return err
	}
	for name := range old {
		if _, ok := files[name]; !ok {
			if err := os.Remove(filepath.Join(root, filepath.FromSlash(name))); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(files) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if b, err := os.ReadFile(p); err == nil && bytes.Equal(b, files[name]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", name)
	}
	return nil
}

// Check regenerates the notebooks and compares them with the repository's.
// It returns the notebooks it could not check (MNIST absent) and one line per
// file that differs, is missing or is stale.
func Check(root string) (skipped, diffs []string, err error) {
	files, skipped, err := generate(root, true)
	if err != nil {
		return nil, nil, err
	}
	old, err := committed(root)
	if err != nil {
		return nil, nil, err
	}
	skip := func(name string) bool {
		for _, s := range skipped {
			nb, _, _ := strings.Cut(s, " ")
			if name == path.Join(dir, nb+".md") || strings.HasPrefix(name, path.Join(dir, "img", nb)+"/") {
				return true
			}
		}
		return false
	}
	for _, name := range sortedKeys(files) {
		b, ok := old[name]
		switch {
		case !ok:
			diffs = append(diffs, "missing: "+name)
		case !bytes.Equal(b, files[name]):
			diffs = append(diffs, "differs: "+name)
		}
	}
	for _, name := range sortedKeys(old) {
		if _, ok := files[name]; !ok && !skip(name) {
			diffs = append(diffs, "stale:   "+name)
		}
	}
	return skipped, diffs, nil
}
