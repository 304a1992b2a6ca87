// `npm test`: unit tests, then the build, then the real-editor tests (code-server + Chromium,
// provisioned on first use). Ends with one line `N passed, N failed` and exits non-zero if any
// step or test failed.
// In CI (or with --vsix) the build is `npm run package` and the editor installs lm-lab.vsix, so
// the packaged extension is what gets tested; otherwise the editor links this repository.
// Usage: node scripts/test.mjs [--no-e2e] [--e2e-only] [--vsix] [e2e path filter ...]
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { provision, repoRoot } from "./provision.mjs";
import { missingSharedMaterial } from "./unit.mjs";

const args = process.argv.slice(2);
const skipE2e = args.includes("--no-e2e") || process.env.LM_LAB_SKIP_E2E === "1";
const vsix = args.includes("--vsix") || process.env.LM_LAB_E2E_INSTALL === "vsix" || isCi();
const e2eOnly = args.includes("--e2e-only");
const filters = args.filter((arg) => !arg.startsWith("--"));

/** Whole-run limits, so that a hung step fails the run instead of stalling CI. */
const limits = { unitMs: 20 * 60_000, buildMs: 5 * 60_000, e2eMs: 20 * 60_000 };

const totals = { passed: 0, failed: 0 };
const failures = [];

async function main() {
    if (!e2eOnly) {
        // Checked before anything runs, so that a checkout without it fails with one message.
        const missing = missingSharedMaterial();
        if (missing) {
            process.stdout.write(`FAILED: ${missing}\n0 passed, 1 failed\n`);
            process.exitCode = 1;
            return;
        }
        const unit = await runCounted(
            "unit tests",
            [process.execPath, "scripts/unit.mjs"],
            limits.unitMs,
        );
        record("unit tests", unit);
    }
    const buildScript = vsix && !skipE2e ? "package" : "build";
    const build = await runStep(buildScript, ["npm", "run", buildScript], limits.buildMs);
    if (!skipE2e) {
        if (!build) {
            failures.push("real-editor tests skipped: the build failed");
        } else if (provisionEditor()) {
            const files = e2eFiles();
            const e2e = await runCounted(
                "real-editor tests",
                [
                    process.execPath,
                    ...[
                        "--import",
                        "tsx",
                        "--test",
                        "--test-concurrency=1",
                        "--test-timeout=300000",
                    ],
                    ...files,
                ],
                limits.e2eMs,
            );
            record("real-editor tests", e2e);
        }
    }
    for (const failure of failures) process.stdout.write(`FAILED: ${failure}\n`);
    process.stdout.write(`${totals.passed} passed, ${totals.failed} failed\n`);
    process.exitCode = totals.failed > 0 || failures.length > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isCi() {
    return ["true", "1"].includes((process.env.CI ?? "").toLowerCase());
}

function record(name, result) {
    totals.passed += result.passed;
    totals.failed += result.failed;
    if (result.code !== 0) failures.push(`${name} (exit ${result.code})`);
    // A runner that fails without reporting a failed test (crash, timeout) still counts as one.
    if (result.code !== 0 && result.failed === 0) totals.failed += 1;
}

function provisionEditor() {
    try {
        provision();
        return true;
    } catch (err) {
        failures.push(`provisioning the editor: ${err.message}`);
        totals.failed += 1;
        return false;
    }
}

function e2eFiles() {
    const dir = join(repoRoot, "test", "e2e");
    const files = readdirSync(dir)
        .filter((name) => name.endsWith(".test.ts"))
        .map((name) => relative(repoRoot, join(dir, name)))
        .filter((path) => filters.length === 0 || filters.some((filter) => path.includes(filter)))
        .sort();
    if (files.length === 0) throw new Error(`no real-editor test matches ${filters.join(" ")}`);
    return files;
}

/** Runs a build-like step; a failure counts as one failed test. */
async function runStep(name, argv, timeoutMs) {
    const result = await spawnTee(argv, timeoutMs);
    if (result.code !== 0) {
        failures.push(`${name} (exit ${result.code})`);
        totals.failed += 1;
        return false;
    }
    return true;
}

/**
 * Runs a node:test run, echoing its output, and reads the counts from the reporter's closing
 * lines: "ℹ pass N" (spec reporter, on a terminal) or "# pass N" (TAP, when piped).
 */
async function runCounted(name, argv, timeoutMs) {
    process.stdout.write(`\n=== ${name}\n`);
    const result = await spawnTee(argv, timeoutMs);
    const count = (kind) => {
        const matches = [
            ...result.output.matchAll(new RegExp(`^(?:ℹ|#) ${kind} (\\d+)\\s*$`, "gm")),
        ];
        return matches.length > 0 ? Number(matches[matches.length - 1][1]) : 0;
    };
    return { code: result.code, passed: count("pass"), failed: count("fail") + count("cancelled") };
}

function spawnTee(argv, timeoutMs) {
    return new Promise((resolveRun) => {
        // Its own process group, so a timeout can stop the runner together with its children.
        const child = spawn(argv[0], argv.slice(1), {
            cwd: repoRoot,
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
            env: {
                ...process.env,
                FORCE_COLOR: process.env.FORCE_COLOR ?? "0",
                LM_LAB_E2E_INSTALL: vsix ? "vsix" : "link",
            },
        });
        let output = "";
        const onData = (stream) => (chunk) => {
            output += chunk;
            stream.write(chunk);
        };
        child.stdout.on("data", onData(process.stdout));
        child.stderr.on("data", onData(process.stderr));
        const timer = setTimeout(() => {
            process.stderr.write(
                `\n${argv.join(" ")} ran past ${timeoutMs / 60_000} min; stopping it\n`,
            );
            // SIGTERM first, so the test processes can stop the editors they started.
            signalGroup(child.pid, "SIGTERM");
            setTimeout(() => signalGroup(child.pid, "SIGKILL"), 5000).unref();
        }, timeoutMs);
        const stopOnSignal = () => signalGroup(child.pid, "SIGTERM");
        process.once("SIGINT", stopOnSignal);
        process.once("SIGTERM", stopOnSignal);
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            process.off("SIGINT", stopOnSignal);
            process.off("SIGTERM", stopOnSignal);
            resolveRun({ code: code ?? (signal ? 128 : 1), output });
        });
    });
}

function signalGroup(pid, signal) {
    try {
        process.kill(-pid, signal);
    } catch (err) {
        if (err.code !== "ESRCH") throw err;
    }
}

main().catch((err) => {
    process.stdout.write(
        `FAILED: ${err.stack ?? err}\n${totals.passed} passed, ${totals.failed + 1} failed\n`,
    );
    process.exitCode = 1;
});
