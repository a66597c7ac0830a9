#!/usr/bin/env bash
# Builds the pinned Kubernetes control plane, etcd, KWOK, metrics-server, VictoriaLogs, Mailpit, Gitea, Jaeger and the developer tools
# into a cache folder outside the checkout, keyed by version. When every binary
# is already there it does nothing. Usage: hack/tools.sh [k8s|kwok|metrics-server|victorialogs|mailpit|gitea|jaeger|dev|all]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/versions.sh
source "$root/hack/versions.sh"

what=${1:-all}

log() { printf '==> %s\n' "$*" >&2; }

build_k8s() {
	local dir=$K8S_BIN_DIR
	local want=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)
	local missing=()
	for b in "${want[@]}"; do [[ -x $dir/$b ]] || missing+=("$b"); done
	if ((${#missing[@]} == 0)); then
		log "Kubernetes $K8S_VERSION and etcd already built in $dir"
		return
	fi
	mkdir -p "$dir"
	local major minor
	major=$(echo "${K8S_VERSION#v}" | cut -d. -f1)
	minor=$(echo "${K8S_VERSION#v}" | cut -d. -f2)
	local date
	date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	local ld=""
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
		ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
	done
	local start=$SECONDS
	for b in "${missing[@]}"; do
		local pkg
		case $b in
		etcd) pkg=go.etcd.io/etcd/server/v3 ;;
		*) pkg=k8s.io/kubernetes/cmd/$b ;;
		esac
		log "Building $b ($pkg) into $dir (the first build of kube-apiserver takes several minutes)"
		(cd "$root/hack/tools/k8s" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ld" -o "$dir/$b.tmp" "$pkg")
		mv "$dir/$b.tmp" "$dir/$b"
	done
	log "Built ${missing[*]} in $((SECONDS - start))s"
}

build_kwok() {
	local dir=$KWOK_BIN_DIR
	if [[ -x $dir/kwok ]]; then
		log "KWOK $KWOK_VERSION already built in $dir"
		return
	fi
	mkdir -p "$dir"
	local start=$SECONDS
	log "Building kwok $KWOK_VERSION into $dir"
	(cd "$root/hack/tools/kwok" && CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w" \
		-o "$dir/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok)
	# The stage configurations ship with the module; copy the ones the local cluster uses.
	local mod
	mod=$(cd "$root/hack/tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
	rm -rf "$dir/stages"
	cp -r "$mod/kustomize/stage" "$dir/stages"
	chmod -R u+w "$dir/stages"
	mv "$dir/kwok.tmp" "$dir/kwok"
	log "Built kwok in $((SECONDS - start))s"
}

build_metrics_server() {
	local dir=$METRICS_SERVER_BIN_DIR
	if [[ -x $dir/metrics-server ]]; then
		log "metrics-server $METRICS_SERVER_VERSION already built in $dir"
		return
	fi
	mkdir -p "$dir"
	local start=$SECONDS
	log "Building metrics-server $METRICS_SERVER_VERSION into $dir"
	(cd "$root/hack/tools/metrics-server" && CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION" \
		-o "$dir/metrics-server.tmp" sigs.k8s.io/metrics-server/cmd/metrics-server)
	mv "$dir/metrics-server.tmp" "$dir/metrics-server"
	log "Built metrics-server in $((SECONDS - start))s"
}

# build_victorialogs builds the log store (victoria-logs) and its shipper
# (vlagent) from the module pinned in hack/tools/victorialogs.
build_victorialogs() {
	local dir=$VICTORIALOGS_BIN_DIR
	local want=(victoria-logs vlagent)
	local missing=()
	for b in "${want[@]}"; do [[ -x $dir/$b ]] || missing+=("$b"); done
	if ((${#missing[@]} == 0)); then
		log "VictoriaLogs $VICTORIALOGS_VERSION already built in $dir"
		return
	fi
	mkdir -p "$dir"
	local start=$SECONDS
	for b in "${missing[@]}"; do
		log "Building $b $VICTORIALOGS_VERSION into $dir"
		(cd "$root/hack/tools/victorialogs" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
			-o "$dir/$b.tmp" "github.com/VictoriaMetrics/VictoriaLogs/app/$b")
		mv "$dir/$b.tmp" "$dir/$b"
	done
	log "Built VictoriaLogs in $((SECONDS - start))s"
}

# build_mailpit builds Mailpit, the SMTP sink with an HTTP API, from the module
# pinned in hack/tools/mailpit. The module ships no web UI assets (they are
# built with npm in Mailpit's own release process): the binary serves the SMTP
# server and the HTTP API, which is all the local cluster and the tests use.
build_mailpit() {
	local dir=$MAILPIT_BIN_DIR
	if [[ -x $dir/mailpit ]]; then
		log "Mailpit $MAILPIT_VERSION already built in $dir"
		return
	fi
	mkdir -p "$dir"
	local start=$SECONDS
	log "Building mailpit $MAILPIT_VERSION into $dir"
	(cd "$root/hack/tools/mailpit" && CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" \
		-o "$dir/mailpit.tmp" github.com/axllent/mailpit)
	mv "$dir/mailpit.tmp" "$dir/mailpit"
	log "Built mailpit in $((SECONDS - start))s"
}

# build_gitea builds Gitea, the Git server the DevOps module's local cluster and
# tests use. Its module (code.gitea.io/gitea, whose go.mod says `module gitea.dev`
# and carries replace directives) cannot be built with `go install pkg@version`,
# so the downloaded module is copied to a writable folder and built there. The
# templates, locales and migration schemas are embedded (`bindata`), so the
# binary needs no files beside it. SQLite is the pure Go modernc driver (the
# default since 1.27), so no cgo. The web UI's scripts and styles are built
# with npm in Gitea's release process and are not in the module: the web pages
# come without them; the API, git over HTTP and webhooks work.
build_gitea() {
	local dir=$GITEA_BIN_DIR
	if [[ -x $dir/gitea ]]; then
		log "Gitea $GITEA_VERSION already built in $dir"
		return
	fi
	mkdir -p "$dir"
	local start=$SECONDS
	local mod src
	src=$(mktemp -d "${TMPDIR:-/tmp}/gitea-src.XXXXXX")
	# shellcheck disable=SC2064 # expand now: src is local
	trap "rm -rf '$src'; trap - RETURN" RETURN
	# Outside any module, so the checkout's go.mod and go.sum stay as they are.
	mod=$(cd "$src" && go mod download -json "code.gitea.io/gitea@v$GITEA_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	if [[ -z $mod || ! -d $mod ]]; then
		echo "could not download code.gitea.io/gitea@v$GITEA_VERSION" >&2
		return 1
	fi
	cp -r "$mod/." "$src"
	chmod -R u+w "$src"
	log "Building gitea $GITEA_VERSION into $dir (takes several minutes the first time)"
	(
		cd "$src"
		CGO_ENABLED=0 go generate -tags bindata \
			./modules/options ./modules/templates ./modules/public ./modules/migration
		CGO_ENABLED=0 go build -trimpath -tags bindata \
			-ldflags "-s -w -X main.Version=$GITEA_VERSION -X main.Tags=bindata" \
			-o "$dir/gitea.tmp" .
	)
	mv "$dir/gitea.tmp" "$dir/gitea"
	log "Built gitea in $((SECONDS - start))s"
}

# build_jaeger builds Jaeger v2 (an OpenTelemetry Collector distribution with
# Jaeger's storage and query extensions), the trace store the service mesh
# module's local cluster and tests send spans to over OTLP and query over HTTP.
# The module pinned in hack/tools/jaeger carries its dependencies; the query
# UI's assets are built with npm in Jaeger's release process and are not in
# the module, so the binary serves the query API (which is all we use).
build_jaeger() {
	local dir=$JAEGER_BIN_DIR
	if [[ -x $dir/jaeger ]]; then
		log "Jaeger $JAEGER_VERSION already built in $dir"
		return
	fi
	mkdir -p "$dir"
	local start=$SECONDS
	log "Building jaeger $JAEGER_VERSION into $dir (takes a few minutes the first time)"
	(cd "$root/hack/tools/jaeger" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
		-o "$dir/jaeger.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
	mv "$dir/jaeger.tmp" "$dir/jaeger"
	log "Built jaeger in $((SECONDS - start))s"
}

build_dev() {
	local dir=$DEVTOOLS_BIN_DIR
	local want=(golangci-lint controller-gen)
	local missing=()
	for b in "${want[@]}"; do [[ -x $dir/$b ]] || missing+=("$b"); done
	if ((${#missing[@]} == 0)); then
		log "Developer tools already built in $dir"
		return
	fi
	mkdir -p "$dir"
	for b in "${missing[@]}"; do
		local pkg
		case $b in
		golangci-lint) pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint ;;
		controller-gen) pkg=sigs.k8s.io/controller-tools/cmd/controller-gen ;;
		esac
		log "Building $b into $dir"
		(cd "$root/hack/tools" && go build -trimpath -o "$dir/$b.tmp" "$pkg")
		mv "$dir/$b.tmp" "$dir/$b"
	done
}

case $what in
k8s) build_k8s ;;
kwok) build_kwok ;;
metrics-server) build_metrics_server ;;
victorialogs) build_victorialogs ;;
mailpit) build_mailpit ;;
gitea) build_gitea ;;
jaeger) build_jaeger ;;
dev) build_dev ;;
all)
	build_k8s
	build_kwok
	build_metrics_server
	build_victorialogs
	build_mailpit
	build_gitea
	build_jaeger
	build_dev
	;;
*)
	echo "usage: $0 [k8s|kwok|metrics-server|victorialogs|mailpit|gitea|jaeger|dev|all]" >&2
	exit 2
	;;
esac
