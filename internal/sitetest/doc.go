// Package sitetest tests the built report site end to end, as a reader's
// browser shows it: it builds the demo site (and one from hostile exports),
// serves it on 127.0.0.1 and opens every page in headless Chromium (see
// internal/browser). The package has tests only; they need Debian's
// chromium and poppler-utils packages and axe-core from npm, all of which
// .ci/run installs.
package sitetest
