#!/usr/bin/env node
// Entry point of the `lm-lab` command. Runs the bundled dist/cli.js when it is at least as new
// as the sources; otherwise (a fresh clone, or sources edited since the last build) it runs the
// TypeScript sources in a child Node process with tsx's loader, so no build step is needed.
"use strict";

const { spawn } = require("node:child_process");
const { existsSync, readdirSync, statSync } = require("node:fs");
const { constants } = require("node:os");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const root = join(__dirname, "..");
const bundle = join(root, "dist", "cli.js");
const sources = join(root, "src");
const argv = process.argv.slice(2);

function newestMtime(dir) {
    let newest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
        else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
    }
    return newest;
}

function runBundle() {
    require(bundle)
        .runCli(argv)
        .then(
            (code) => process.exit(code),
            (error) => {
                process.stderr.write(`lm-lab: ${error && error.stack ? error.stack : error}\n`);
                process.exit(1);
            },
        );
}

/**
 * `node --import tsx` hooks both require() and import() of .ts files (the in-process tsx API
 * covers require() only, and the sources load some modules lazily with import()).
 */
function runSources() {
    const loader = pathToFileURL(require.resolve("tsx", { paths: [root] })).href;
    const child = spawn(
        process.execPath,
        ["--import", loader, join(sources, "cli", "main.ts"), ...argv],
        { stdio: "inherit" },
    );
    // Ctrl-C reaches the child directly (same process group): the first one stops a run with
    // a checkpoint, so this process must not forward it and make it a second one.
    process.on("SIGINT", () => undefined);
    process.on("SIGTERM", () => child.kill("SIGTERM"));
    child.on("exit", (code, signal) => {
        process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
    });
}

const bundleIsCurrent =
    existsSync(bundle) && (!existsSync(sources) || statSync(bundle).mtimeMs >= newestMtime(sources));
if (bundleIsCurrent) runBundle();
else runSources();
