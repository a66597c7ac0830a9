#!/usr/bin/env bash
# Regenerates the code and manifests derived from the API types:
# deepcopy functions (api/**/zz_generated.deepcopy.go), CRDs (config/crd/bases)
# and the controller manager's RBAC (config/rbac).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=hack/versions.sh
source hack/versions.sh
gen=$DEVTOOLS_BIN_DIR/controller-gen

if compgen -G "api/*/*/*_types.go" >/dev/null; then
	"$gen" object:headerFile=hack/boilerplate.go.txt paths=./api/...
	rm -rf config/crd/bases
	"$gen" crd:allowDangerousTypes=false paths=./api/... output:crd:artifacts:config=config/crd/bases
fi
if compgen -G "internal/controller/*.go" >/dev/null; then
	"$gen" rbac:roleName=ke-controller-manager paths="./internal/controller/...;./internal/statemetrics/...;./internal/logging/eventexport/..." output:rbac:artifacts:config=config/rbac
fi
if [[ -f internal/apiserver/app/rbac.go ]]; then
	"$gen" rbac:roleName=ke-apiserver paths=./internal/apiserver/app/... output:rbac:artifacts:config=config/rbac/apiserver
fi

# The OpenAPI document of ke-apiserver's own endpoints.
if [[ -d hack/openapi ]]; then
	go run ./hack/openapi
fi

# The monitoring API's metric catalog in docs/monitoring.md.
if [[ -d hack/metricdocs ]]; then
	go run ./hack/metricdocs
fi

# The Helm chart carries copies of the CRDs and of the generated RBAC rules.
chart=charts/super-kubenetes
if [[ -d $chart ]]; then
	rm -f "$chart"/crds/*.yaml
	cp config/crd/bases/*.yaml "$chart/crds/"
	mkdir -p "$chart/files/rbac"
	cp config/rbac/role.yaml "$chart/files/rbac/ke-controller-manager-role.yaml"
	cp config/rbac/apiserver/role.yaml "$chart/files/rbac/ke-apiserver-role.yaml"
fi
