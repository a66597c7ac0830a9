# Pinned versions and the cache folders keyed by them. Sourced by hack/*.sh and the Makefile.
# shellcheck shell=bash
K8S_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
KWOK_VERSION=v0.8.0
METRICS_SERVER_VERSION=v0.8.0
SK_CACHE=${SK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/super-kubenetes}
K8S_BIN_DIR=$SK_CACHE/k8s-$K8S_VERSION-etcd-$ETCD_VERSION
KWOK_BIN_DIR=$SK_CACHE/kwok-$KWOK_VERSION
METRICS_SERVER_BIN_DIR=$SK_CACHE/metrics-server-$METRICS_SERVER_VERSION
# The developer tools are keyed by the hash of the module that pins them.
DEVTOOLS_BIN_DIR=$SK_CACHE/devtools-$(cd "$(dirname "${BASH_SOURCE[0]}")/tools" && cat go.mod | sha256sum | cut -c1-12)
export K8S_VERSION ETCD_VERSION KWOK_VERSION METRICS_SERVER_VERSION SK_CACHE K8S_BIN_DIR KWOK_BIN_DIR METRICS_SERVER_BIN_DIR DEVTOOLS_BIN_DIR
