// Package recipe holds the image classifiers that cmd/mnist and cmd/images
// both train, so that one recipe is one network whichever command runs it:
// the dense network of Keras's first example (Dense512), Keras's MNIST
// convnet (Convnet), the small residual convnet (Resnet, resnet.go), their
// default epochs, batch size and learning rate (Defaults), and the resnet's
// per-epoch cosine schedule (CosineLR).
package recipe
