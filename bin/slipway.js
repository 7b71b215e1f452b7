#!/usr/bin/env node
// The `slipway` command. The CLI is TypeScript; tsx compiles it on the fly (no build step).
require("tsx/cjs");
require("../cli/main.ts");
