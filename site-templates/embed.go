// Package sitetemplates holds the built-in layouts and static assets of the
// report site (Hugo conventions: layouts/_default/baseof.html, layouts/
// index.html, layouts/category.html, layouts/partials/, static/), embedded
// so the generator needs nothing beside its binary.
package sitetemplates

import "embed"

// FS holds layouts/ and static/. layouts/_default is named on its own
// because a directory pattern skips names starting with '_'.
//
//go:embed layouts layouts/_default static
var FS embed.FS
