#!/usr/bin/env node
// Entry point of the `lm-lab` command. Runs the bundled dist/cli.js when it is at least as new
// as the sources; otherwise (a fresh clone, or sources edited since the last build) it loads
// the TypeScript sources through tsx, so no build step is needed.
"use strict";

const { existsSync, readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
const bundle = join(root, "dist", "cli.js");
const sources = join(root, "src");

function newestMtime(dir) {
    let newest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
        else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
    }
    return newest;
}

function loadCli() {
    const bundleIsCurrent =
        existsSync(bundle) &&
        (!existsSync(sources) || statSync(bundle).mtimeMs >= newestMtime(sources));
    if (bundleIsCurrent) return require(bundle);
    require("tsx/cjs/api").register();
    return require(join(sources, "cli", "main.ts"));
}

loadCli()
    .runCli(process.argv.slice(2))
    .then(
        (code) => process.exit(code),
        (error) => {
            process.stderr.write(`lm-lab: ${error && error.stack ? error.stack : error}\n`);
            process.exit(1);
        },
    );
