#!/usr/bin/env node
// The `slipway` command. The CLI is TypeScript, compiled to JavaScript by `npm run build`, which
// `npm ci` runs (`prepare`): build/register.js serves each module from that build while its source
// is unchanged. Without a build, or for a source edited since, it falls back to compiling with tsx
// and says so once on stderr. cli/main.ts only defines the command; this file is its one entry point.
require("../build/register");
require("../cli/main.ts").runCli(process.argv.slice(2));
