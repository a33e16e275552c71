package data

import (
	"math"
	"math/rand"
	"sort"

	"github.com/pkg/errors"
)

// TrainTestSplit shuffles d with a generator seeded by seed and splits it
// into copies for training and testing. The same seed always gives the same
// split, on every platform, because math/rand's seeded source is stable.
//
// The test side gets ceil(testFraction*n) samples, as in scikit-learn's
// train_test_split. With stratify, each class contributes to the test side
// in proportion to its size (largest remainders, ties to the lower class
// index), so both sides keep d's class balance; as in scikit-learn every
// class then needs at least two samples and each side at least one sample
// per class.
//
// It is an error for testFraction to lie outside (0, 1) or for either side
// to come out empty.
func TrainTestSplit(d *Dataset, testFraction float64, seed int64, stratify bool) (train, test *Dataset, err error) {
	if d == nil {
		return nil, nil, errors.New("data: TrainTestSplit: nil data set")
	}
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, errors.Errorf("data: TrainTestSplit: test fraction %v outside (0, 1)", testFraction)
	}
	n := d.Len()
	nTest := int(math.Ceil(testFraction * float64(n)))
	if nTest <= 0 || nTest >= n {
		return nil, nil, errors.Errorf("data: TrainTestSplit: %s: test fraction %v of %d samples leaves %d for training and %d for testing",
			d.Name, testFraction, n, n-nTest, nTest)
	}
	rng := rand.New(rand.NewSource(seed))

	var trainIdx, testIdx []int
	if !stratify {
		perm := rng.Perm(n)
		testIdx, trainIdx = perm[:nTest], perm[nTest:]
	} else {
		trainIdx, testIdx, err = stratifiedIndices(d, nTest, rng)
		if err != nil {
			return nil, nil, err
		}
	}
	if train, err = d.Take(d.Name+"/train", trainIdx); err != nil {
		return nil, nil, err
	}
	if test, err = d.Take(d.Name+"/test", testIdx); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func stratifiedIndices(d *Dataset, nTest int, rng *rand.Rand) (train, test []int, err error) {
	if d.NumClasses() == 0 || d.TargetWidth() == 0 {
		return nil, nil, errors.Errorf("data: TrainTestSplit: %s: stratify needs class labels", d.Name)
	}
	n := d.Len()
	byClass := make([][]int, d.NumClasses())
	for i := 0; i < n; i++ {
		c := d.Label(i)
		byClass[c] = append(byClass[c], i)
	}
	present := 0
	for c, members := range byClass {
		if len(members) == 1 {
			return nil, nil, errors.Errorf("data: TrainTestSplit: %s: class %q has a single sample; stratifying needs at least 2",
				d.Name, d.Classes[c])
		}
		if len(members) > 0 {
			present++
		}
	}
	if nTest < present || n-nTest < present {
		return nil, nil, errors.Errorf("data: TrainTestSplit: %s: %d test and %d training samples cannot each hold all %d classes",
			d.Name, nTest, n-nTest, present)
	}

	// Largest-remainder apportionment of nTest over the classes.
	type share struct {
		class int
		rem   float64
	}
	perClass := make([]int, len(byClass))
	shares := make([]share, 0, len(byClass))
	given := 0
	for c, members := range byClass {
		exact := float64(nTest) * float64(len(members)) / float64(n)
		perClass[c] = int(math.Floor(exact))
		given += perClass[c]
		shares = append(shares, share{c, exact - math.Floor(exact)})
	}
	sort.SliceStable(shares, func(a, b int) bool { return shares[a].rem > shares[b].rem })
	for k := 0; given < nTest; k = (k + 1) % len(shares) {
		c := shares[k].class
		if perClass[c] < len(byClass[c]) {
			perClass[c]++
			given++
		}
	}

	for c, members := range byClass {
		rng.Shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
		test = append(test, members[:perClass[c]]...)
		train = append(train, members[perClass[c]:]...)
	}
	// Mix the classes, so that a consumer that does not shuffle does not
	// see them in blocks.
	rng.Shuffle(len(test), func(a, b int) { test[a], test[b] = test[b], test[a] })
	rng.Shuffle(len(train), func(a, b int) { train[a], train[b] = train[b], train[a] })
	return train, test, nil
}
