// Package storage holds what the storage API shares: the capabilities of a
// storage class derived from its CSI driver (see Capabilities), and the
// names of the annotations that mark default classes.
package storage
