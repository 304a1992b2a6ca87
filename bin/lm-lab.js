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
            (code) => exitWhenFlushed(code),
            (error) => {
                process.stderr.write(`lm-lab: ${error && error.stack ? error.stack : error}\n`);
                exitWhenFlushed(1);
            },
        );
}

/**
 * Exits once everything written so far has left the process. Writes to a pipe are asynchronous,
 * so an immediate process.exit() would cut piped output at the pipe's buffer size (64 KiB); the
 * explicit exit after the flush still ends the process if a library keeps a handle open.
 */
function exitWhenFlushed(code) {
    process.exitCode = code;
    let pending = 2;
    const done = () => {
        if (--pending === 0) process.exit(code);
    };
    // A write's callback runs after every earlier write to the same stream has been handed over.
    process.stdout.write("", done);
    process.stderr.write("", done);
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
