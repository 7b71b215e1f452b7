//go:build tools

// Package cli pins the Pulumi CLI that Slipway's engine tests run. Nothing here is our code:
// `npm run engine:build` builds github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the version
// this module requires, from the Go module proxy.
package cli

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
