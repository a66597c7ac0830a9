// Package componentconfig reads the versioned configuration files of the
// platform's binaries (ke-apiserver, ke-controller-manager, ke-console) and
// lets the flags that were set override them, so that the three read their
// files and flags the same way: strictly, over their defaults, and with
// errors that name the file and the field.
package componentconfig
