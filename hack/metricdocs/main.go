// Command metricdocs writes the monitoring API's metric catalog, from
// package catalog, as a table into docs/monitoring.md between its markers.
// `make generate` runs it; `make verify` fails when the table is not
// current.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/superkube/super-kubenetes/internal/monitoring/catalog"
)

const (
	file  = "docs/monitoring.md"
	begin = "<!-- BEGIN GENERATED: metric catalog (make generate) -->"
	end   = "<!-- END GENERATED: metric catalog -->"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "metricdocs:", err)
		os.Exit(1)
	}
}

func run() error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no markers %q and %q", file, begin, end)
	}
	out := doc[:i+len(begin)] + "\n" + catalog.New().Markdown() + doc[j:]
	if out == doc {
		return nil
	}
	return os.WriteFile(file, []byte(out), 0o644)
}
