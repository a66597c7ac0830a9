#!/usr/bin/env bash
# Fails on unformatted code, go vet or golangci-lint findings, untidy modules,
# generated code and manifests that differ from what `make generate` writes,
# recording rules that promtool refuses or whose unit tests fail, or the
# console's TypeScript, ESLint or translation check failing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=hack/versions.sh
source hack/versions.sh
fail=0

echo "==> gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [[ -n $unformatted ]]; then
	echo "These files need gofmt -w:"
	echo "$unformatted"
	fail=1
fi

echo "==> go vet"
go vet ./... || fail=1
# The suites behind build tags compile too (a change of a signature they
# call would otherwise show only when they run).
go vet -tags bench ./test/bench/... || fail=1
go vet -tags e2e ./test/e2e/... || fail=1
go vet -tags faults ./test/faults/... || fail=1

echo "==> golangci-lint"
"$DEVTOOLS_BIN_DIR/golangci-lint" run ./... || fail=1

echo "==> go mod tidy"
for mod in . hack/tools hack/tools/k8s hack/tools/kwok hack/tools/metrics-server hack/tools/mailpit hack/tools/victorialogs hack/tools/jaeger; do
	(cd "$mod" && go mod tidy -diff >/dev/null) || {
		echo "$mod/go.mod is not tidy: run go mod tidy there"
		fail=1
	}
done

echo "==> generated code"
# Generate into a copy of the tree and compare, so that the work tree is untouched.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tmp" 2>/dev/null || true
(cd "$tmp" && bash hack/generate.sh)
for d in api config charts internal/apiserver/openapi docs; do
	[[ -d $d || -d $tmp/$d ]] || continue
	if ! diff -r -q "$d" "$tmp/$d" >/dev/null 2>&1; then
		echo "Generated files in $d/ are not current: run make generate"
		diff -r "$d" "$tmp/$d" | head -40 || true
		fail=1
	fi
done

echo "==> Prometheus recording rules"
rules=charts/super-kubenetes/files/prometheus/rules.yaml
if ! command -v promtool >/dev/null; then
	echo "promtool is missing: install Debian's prometheus package (apt-get install prometheus), which brings /usr/bin/promtool"
	fail=1
else
	promtool check rules "$rules" || fail=1
	promtool test rules test/prometheus/rules_test.yaml || fail=1
fi

if [[ -f web/package.json ]]; then
	echo "==> console: TypeScript, ESLint and translations"
	[[ -d web/node_modules ]] || npm --prefix web ci --no-audit --no-fund
	npm --prefix web run --silent typecheck || fail=1
	npm --prefix web run --silent lint || fail=1
	npm --prefix web run --silent i18n:check || fail=1
fi

if ((fail)); then
	echo "verify: FAILED"
	exit 1
fi
echo "verify: OK"
