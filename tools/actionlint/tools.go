//go:build tools

// Package tools pins rhysd/actionlint, the linter the generated workflows are checked with
// (test/support/actionlint.ts builds it into .slipway/tools/).
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
