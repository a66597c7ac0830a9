# Super Kubenetes. `make help` lists the targets.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Pinned tool versions and their cache folders come from hack/versions.sh.
K8S_BIN_DIR      := $(shell source hack/versions.sh && echo $$K8S_BIN_DIR)
KWOK_BIN_DIR     := $(shell source hack/versions.sh && echo $$KWOK_BIN_DIR)
METRICS_SERVER_BIN_DIR := $(shell source hack/versions.sh && echo $$METRICS_SERVER_BIN_DIR)
VICTORIALOGS_BIN_DIR := $(shell source hack/versions.sh && echo $$VICTORIALOGS_BIN_DIR)
MAILPIT_BIN_DIR  := $(shell source hack/versions.sh && echo $$MAILPIT_BIN_DIR)
GITEA_BIN_DIR    := $(shell source hack/versions.sh && echo $$GITEA_BIN_DIR)
JAEGER_BIN_DIR   := $(shell source hack/versions.sh && echo $$JAEGER_BIN_DIR)
DEVTOOLS_BIN_DIR := $(shell source hack/versions.sh && echo $$DEVTOOLS_BIN_DIR)
export K8S_BIN_DIR KWOK_BIN_DIR METRICS_SERVER_BIN_DIR VICTORIALOGS_BIN_DIR MAILPIT_BIN_DIR GITEA_BIN_DIR JAEGER_BIN_DIR DEVTOOLS_BIN_DIR
# controller-runtime's envtest finds kube-apiserver and etcd here.
export KUBEBUILDER_ASSETS := $(K8S_BIN_DIR)

GO        ?= go
BIN       := bin
DATA_DIR  ?= .local/cluster
CONTROLLER_GEN := $(DEVTOOLS_BIN_DIR)/controller-gen
GOLANGCI_LINT  := $(DEVTOOLS_BIN_DIR)/golangci-lint
TEST_FLAGS ?=
# More flags of `ke-dev up` for make run, e.g. RUN_FLAGS=--ha.
RUN_FLAGS ?=
# The release's version: the image tag and the binaries' version, by default the
# chart's appVersion (the tag the chart deploys when none is set).
VERSION  ?= $(shell awk '/^appVersion:/ {print $$2}' charts/super-kubenetes/Chart.yaml)
# The commit and its time: the images' revision label and their time stamps
# (the commit time, not now, so that a build can be reproduced).
REVISION ?= $(shell git rev-parse HEAD)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct)
# Where `make images` names the images, <IMAGE_REPOSITORY>/<component>:<VERSION>.
IMAGE_REPOSITORY ?= ghcr.io/superkube
IMAGE_ARCHES     ?= amd64 arm64
IMAGE_COMPONENTS := ke-apiserver ke-controller-manager ke-console ke-agent
# More flags of hack/images, e.g. IMAGES_FLAGS=--docker-tarballs.
IMAGES_FLAGS ?=
comma := ,
OUTPUT   := _output
VERSION_PKG := github.com/superkube/super-kubenetes/internal/version
RELEASE_LDFLAGS = -s -w -X $(VERSION_PKG).gitVersion=$(VERSION) -X $(VERSION_PKG).gitCommit=$(REVISION) \
	-X $(VERSION_PKG).buildDate=$(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
# Number of clusters make run starts, the host included, e.g. CLUSTERS=2 for
# one member cluster joined to the platform (empty: ke-dev's default, 1).
CLUSTERS ?=

##@ Main

.PHONY: help
help: ## List the targets with a one-line description
	@awk 'BEGIN {FS = ":.*## "} /^##@/ {printf "\n%s\n", substr($$0, 5)} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: tools build ## Start the local cluster and every platform component; Ctrl-C stops them
	$(BIN)/ke-dev up --exit-with-parent --data-dir $(DATA_DIR) --platform-bin-dir $(BIN) $(if $(CLUSTERS),--clusters $(CLUSTERS)) $(RUN_FLAGS)

.PHONY: run-ui-dev
run-ui-dev: tools build ## Like run, with the console's UI served by Vite's dev server (hot reload of web/src)
	npm --prefix web run dev -- --host 127.0.0.1 & vite=$$!; trap 'kill $$vite' EXIT INT TERM; \
	$(BIN)/ke-dev up --exit-with-parent --data-dir $(DATA_DIR) --platform-bin-dir $(BIN) --ke-console-dev-ui-url=http://127.0.0.1:5173 $(if $(CLUSTERS),--clusters $(CLUSTERS)) $(RUN_FLAGS)

.PHONY: test
test: tools $(if $(wildcard web/package.json),web-deps) ## Run unit and integration tests (real kube-apiserver and etcd; the console's Vitest tests)
	$(GO) test $(TEST_FLAGS) ./...
	$(if $(wildcard web/package.json),npm --prefix web test)

##@ Local cluster

.PHONY: down
down: ## Stop a local cluster started by `make run` (keeps its data)
	$(GO) run ./cmd/ke-dev down --data-dir $(DATA_DIR)

.PHONY: reset
reset: ## Stop the local cluster and delete its data
	$(GO) run ./cmd/ke-dev reset --data-dir $(DATA_DIR)

##@ Build

.PHONY: tools
tools: ## Build the pinned Kubernetes, etcd, KWOK, metrics-server, VictoriaLogs, Mailpit, Gitea, Jaeger and developer tools into the cache (once)
	bash hack/tools.sh all

.PHONY: build
build: $(if $(wildcard web/package.json),ui) ## Build the binaries of cmd/ into bin/ (with the console SPA embedded, once web/ exists)
	$(GO) build -o $(BIN)/ ./cmd/...

.PHONY: images
images: $(if $(wildcard web/package.json),ui) ## Build the OCI images of the components for linux/amd64 and linux/arm64 into _output/images/ (no container engine)
	for arch in $(IMAGE_ARCHES); do \
		echo "go build linux/$$arch"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags "$(RELEASE_LDFLAGS)" \
			-o $(OUTPUT)/bin/linux_$$arch/ $(addprefix ./cmd/,$(IMAGE_COMPONENTS)); \
	done
	$(GO) run ./hack/images --bin-dir $(OUTPUT)/bin --out $(OUTPUT)/images \
		--components $(subst $(eval) ,$(comma),$(IMAGE_COMPONENTS)) --arches $(subst $(eval) ,$(comma),$(IMAGE_ARCHES)) \
		--repository $(IMAGE_REPOSITORY) --version $(VERSION) --revision $(REVISION) --created $(SOURCE_DATE_EPOCH) $(IMAGES_FLAGS)

.PHONY: web-deps
web-deps: ## Install the console's npm packages (web/node_modules) when missing or stale
	@if [[ ! -d web/node_modules || web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then \
		echo "npm --prefix web ci --no-audit --no-fund"; \
		npm --prefix web ci --no-audit --no-fund; \
	fi

.PHONY: ui
ui: web-deps ## Build the console SPA (web/) into internal/console/ui/dist, which ke-console embeds
	npm --prefix web run build
	@# The build empties dist/; its committed placeholder keeps go:embed valid without a build.
	@touch internal/console/ui/dist/.keep

.PHONY: generate
generate: tools ## Regenerate deepcopy code and CRD/RBAC manifests
	bash hack/generate.sh

.PHONY: verify
verify: tools ## Fail on formatting, vet or lint problems, or generated code that is not current
	bash hack/verify.sh

.PHONY: test-e2e
test-e2e: tools build ## Run end-to-end tests against a local cluster they start (Go, then the console's Playwright tests in Chromium)
	$(GO) test -tags e2e -count=1 -timeout 20m $(TEST_FLAGS) ./test/e2e/...
	$(if $(wildcard web/package.json),npm --prefix web run e2e -- --reporter=list)

.PHONY: test-faults
test-faults: tools build ## Inject faults (restarts, kill -9, a hung Redis, HA failover) into a platform ke-dev starts, check what users see, print FIGURE lines
	$(GO) test -tags faults -count=1 -timeout 30m -v $(TEST_FLAGS) ./test/faults/...

.PHONY: bench
bench: tools build ## Run the benchmarks and print their figures (several minutes)
	$(GO) test -run '^$$' -bench . -benchmem $(TEST_FLAGS) ./internal/...
	$(GO) test -tags bench -run '^$$' -bench . -benchtime 1x -timeout 90m $(TEST_FLAGS) ./test/bench/...

.PHONY: print-env
print-env: ## Print the environment the tests need, for `eval $(make -s print-env)`
	@echo "export KUBEBUILDER_ASSETS=$(K8S_BIN_DIR) K8S_BIN_DIR=$(K8S_BIN_DIR) KWOK_BIN_DIR=$(KWOK_BIN_DIR) METRICS_SERVER_BIN_DIR=$(METRICS_SERVER_BIN_DIR) VICTORIALOGS_BIN_DIR=$(VICTORIALOGS_BIN_DIR) MAILPIT_BIN_DIR=$(MAILPIT_BIN_DIR) GITEA_BIN_DIR=$(GITEA_BIN_DIR) JAEGER_BIN_DIR=$(JAEGER_BIN_DIR)"

.PHONY: clean
clean: ## Remove build output (not the tool cache, not the cluster's data)
	rm -rf $(BIN) $(OUTPUT)
