// bin/lm-lab.js with its stdout piped: output far larger than a pipe's buffer arrives whole, both
// when the launcher runs a bundled dist/cli.js in its own process and when it runs the sources.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { repoRoot } from "../../test/support/paths";
import { tempDir } from "../engine/train/testSupport";

const dir = tempDir("launcher");
const text = join(dir, "text.txt");
// 60 words give about 120 tokens: 4 layers x 4 heads x 120² weights print as several megabytes.
writeFileSync(text, Array.from({ length: 60 }, (_, i) => ["the", "quick", "fox"][i % 3]).join(" "));
const args = ["attention", "--model", join(repoRoot, "models", "default"), "--file", text, "--json"];

/** Runs `launcher` with stdout piped and read slowly in pieces, as `| wc -c` would. */
function runPiped(launcher: string): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolvePromise, reject) => {
        const child = spawn(process.execPath, [launcher, ...args], {
            cwd: dir,
            // A copied launcher has no node_modules above it: resolve externals from the repo.
            env: { ...process.env, NODE_PATH: join(repoRoot, "node_modules") },
            stdio: ["ignore", "pipe", "inherit"],
        });
        const chunks: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
        child.on("error", reject);
        child.on("close", (code) =>
            resolvePromise({ code, stdout: Buffer.concat(chunks).toString("utf8") }),
        );
    });
}

function assertWholeJson(result: { code: number | null; stdout: string }): void {
    assert.equal(result.code, 0);
    assert.ok(result.stdout.length > 1_000_000, `only ${result.stdout.length} bytes arrived`);
    const parsed = JSON.parse(result.stdout) as { tokens: unknown[]; nLayer: number };
    assert.equal(parsed.nLayer, 4);
    assert.ok(parsed.tokens.length > 50);
}

test("a bundled CLI delivers megabytes of piped --json output whole", async () => {
    // The launcher runs dist/cli.js in-process when no sources sit beside it.
    const root = join(dir, "bundled");
    mkdirSync(join(root, "bin"), { recursive: true });
    copyFileSync(join(repoRoot, "bin", "lm-lab.js"), join(root, "bin", "lm-lab.js"));
    await build({
        entryPoints: [join(repoRoot, "src", "cli", "main.ts")],
        outfile: join(root, "dist", "cli.js"),
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        external: ["onnxruntime-node"],
        logLevel: "error",
    });
    assertWholeJson(await runPiped(join(root, "bin", "lm-lab.js")));
});

test("the repository's launcher delivers megabytes of piped --json output whole", async () => {
    assertWholeJson(await runPiped(join(repoRoot, "bin", "lm-lab.js")));
});
