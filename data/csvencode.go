package data

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// EncodingKind says how a column of strings becomes numbers; see Encoding.
type EncodingKind uint8

const (
	// OneHotEncoding turns a column of K categories into K features, 1 for
	// the row's category and 0 for the others, named "column=category":
	// pandas's get_dummies, scikit-learn's OneHotEncoder. As the label it
	// gives one-hot target rows (TargetWidth K).
	OneHotEncoding EncodingKind = iota + 1
	// IndexEncoding turns a column into one feature holding the index of
	// the row's category, 0..K-1: scikit-learn's OrdinalEncoder, the input
	// of an embedding. As the label it gives sparse class indices, the
	// categories becoming the class names: LabelEncoder.
	IndexEncoding
)

// String returns "one-hot" or "index".
func (k EncodingKind) String() string {
	switch k {
	case OneHotEncoding:
		return "one-hot"
	case IndexEncoding:
		return "index"
	}
	return fmt.Sprintf("EncodingKind(%d)", uint8(k))
}

// Encoding says how CSVOptions.Encode turns one column of strings into
// numbers.
type Encoding struct {
	// Kind is OneHotEncoding or IndexEncoding.
	Kind EncodingKind
	// Categories lists the column's categories in the order they are
	// numbered (index i, or the i-th one-hot feature). When nil they are
	// the distinct values of the file, in sorted (byte) order, as
	// scikit-learn's encoders and Keras's StringLookup with sorted
	// vocabularies do. A value that is not listed is an error naming its
	// file, line and column, unless Fallback is set. CSVTable.Options
	// records the categories a file gave, so that a test file is encoded
	// the same way.
	Categories []string
	// Fallback, when not empty, is the category a value that is not among
	// Categories is read as (an "other" bucket). With Categories given it
	// must be one of them; with Categories inferred it is one of them
	// whether the file has it or not.
	Fallback string
}

// MaxCSVCategories bounds the distinct values ReadCSV takes as the
// categories of an encoded column whose Categories are not given: 65,536.
// A column of unique values (an ID, free text) would otherwise become as
// many one-hot features as there are rows. A program with a larger
// vocabulary can raise it, up to 2^24, or list the categories.
var MaxCSVCategories = 1 << 16

// MaxCSVEncodedValues bounds the values of X after one-hot encoding, rows
// times encoded features: 2^28, 1 GiB of float32. It is checked before X
// is allocated, so a file of a few megabytes with a one-hot column of
// thousands of categories is refused rather than grown past memory.
var MaxCSVEncodedValues = 1 << 28

// catEncoder numbers the values of one encoded column as they are read.
// With categories given the numbers are final; otherwise they are
// temporary, in the order first seen, and finish renumbers them in sorted
// order.
type catEncoder struct {
	column   string
	enc      Encoding
	given    bool
	ids      map[string]int
	seen     []string // inferred categories, in the order first seen
	fallback int      // number of enc.Fallback, -1 when none
}

// newCatEncoder checks e, the encoding of column, and returns its encoder.
// what names the option in messages.
func newCatEncoder(column string, e Encoding, what string) (*catEncoder, error) {
	if e.Kind != OneHotEncoding && e.Kind != IndexEncoding {
		return nil, errors.Errorf("%s[%q]: Kind is %v; want data.OneHotEncoding or data.IndexEncoding", what, column, e.Kind)
	}
	c := &catEncoder{column: column, enc: e, given: len(e.Categories) > 0, ids: map[string]int{}, fallback: -1}
	for i, cat := range e.Categories {
		if err := checkCategory(cat); err != nil {
			return nil, errors.Wrapf(err, "%s[%q].Categories[%d]", what, column, i)
		}
		if j, dup := c.ids[cat]; dup {
			return nil, errors.Errorf("%s[%q].Categories lists %q twice (at %d and %d)", what, column, cat, j, i)
		}
		c.ids[cat] = i
	}
	if e.Fallback != "" {
		if err := checkCategory(e.Fallback); err != nil {
			return nil, errors.Wrapf(err, "%s[%q].Fallback", what, column)
		}
		if c.given {
			i, ok := c.ids[e.Fallback]
			if !ok {
				return nil, errors.Errorf("%s[%q].Fallback %q is not among its %d Categories", what, column, e.Fallback, len(e.Categories))
			}
			c.fallback = i
		} else {
			i, err := c.id(e.Fallback)
			if err != nil {
				return nil, errors.Wrapf(err, "%s[%q].Fallback", what, column)
			}
			c.fallback = i
		}
	}
	return c, nil
}

// checkCategory refuses a category no field can hold: fields are read
// with the spaces around them trimmed, and an empty one is missing.
func checkCategory(cat string) error {
	switch {
	case cat == "":
		return errors.New("an empty category: an empty field is a missing value (see CSVOptions.Missing)")
	case strings.TrimSpace(cat) != cat:
		return errors.Errorf("category %q has spaces around it, which fields are read without", cat)
	}
	return nil
}

// id returns the number of the category v.
func (c *catEncoder) id(v string) (int, error) {
	if i, ok := c.ids[v]; ok {
		return i, nil
	}
	if c.given {
		if c.fallback >= 0 {
			return c.fallback, nil
		}
		return 0, errors.Errorf("%q is not one of the %d categories %s; list it in CSVOptions.Encode[%q].Categories or set a Fallback",
			v, len(c.enc.Categories), quoteSome(c.enc.Categories, 10), c.column)
	}
	if limit := min(MaxCSVCategories, 1<<24); len(c.seen) >= limit {
		return 0, errors.Errorf("%q would be category %d, more than %d (data.MaxCSVCategories): list the categories in CSVOptions.Encode[%q].Categories, or raise the bound",
			v, len(c.seen)+1, limit, c.column)
	}
	i := len(c.seen)
	c.seen = append(c.seen, v)
	c.ids[v] = i
	return i, nil
}

// finish returns the categories in the order they are numbered, and the
// final number of each temporary one (nil when the numbers are final).
func (c *catEncoder) finish() (cats []string, remap []int) {
	if c.given {
		return append([]string(nil), c.enc.Categories...), nil
	}
	cats = append([]string(nil), c.seen...)
	sort.Strings(cats)
	remap = make([]int, len(cats))
	for i, cat := range cats {
		remap[c.ids[cat]] = i
	}
	return cats, remap
}

// quoteSome writes the first n of list quoted, and how many more there
// are, for a message that stays short whatever the list's length.
func quoteSome(list []string, n int) string {
	if len(list) <= n {
		return fmt.Sprintf("%q", list)
	}
	s := fmt.Sprintf("%q", list[:n])
	return fmt.Sprintf("%s … and %d more]", s[:len(s)-1], len(list)-n)
}
