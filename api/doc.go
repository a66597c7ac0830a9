// Package api holds the platform's API types, one package per group and
// version. The types are stored by kube-apiserver as custom resources.
package api
