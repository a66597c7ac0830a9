package ui

import (
	"embed"
	"io/fs"
)

// dist is the SPA as Vite builds it (make ui). Only a placeholder is
// committed; without a build, the console answers 503 with how to build it.
//
//go:embed all:dist
var dist embed.FS

// Dist returns the embedded build of the single-page app.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: cannot happen
	}
	return sub
}
