// `npm start`: builds LM Lab if needed, then opens an editor on test/sample-workspace with the
// extension loaded from this repository: desktop VS Code (`code`) when installed, else code-server
// on 127.0.0.1 in the foreground until Ctrl-C.
// Usage: node scripts/start.mjs [--code-server] [--port N] [FOLDER]
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { startCodeServer } from "./codeServer.mjs";
import { provision, repoRoot } from "./provision.mjs";

const args = process.argv.slice(2);
const forceCodeServer = args.includes("--code-server");
const folder = resolve(
    args.find((arg) => !arg.startsWith("--")) ?? join(repoRoot, "test", "sample-workspace"),
);

async function main() {
    if (!existsSync(folder)) throw new Error(`folder to open not found: ${folder}`);
    buildIfStale();
    if (!existsSync(join(repoRoot, "models", "default", "config.json"))) {
        process.stderr.write(
            "warning: models/default is missing, so LM Lab starts without a model; " +
                "use LM Lab: Load Model… or set lmLab.model\n",
        );
    }
    const code = forceCodeServer ? undefined : findOnPath("code");
    if (code) {
        process.stdout.write(`Opening VS Code (${code}) with LM Lab from ${repoRoot}\n`);
        const result = spawnSync(code, [`--extensionDevelopmentPath=${repoRoot}`, folder], {
            stdio: "inherit",
        });
        process.exitCode = result.status ?? 1;
        return;
    }
    provision();
    const server = await startCodeServer({ folder, stopOnSignals: false });
    process.stdout.write(
        `\nLM Lab is running in code-server (VS Code in the browser):\n\n    ${server.url}\n\n` +
            `Open that address in a browser on this machine. Press Ctrl-C to stop.\n` +
            `(editor state: ${server.stateDir}; code-server log: ${server.logPath})\n`,
    );
    await new Promise((resolveWait) => {
        for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.once(signal, resolveWait);
    });
    process.stdout.write("\nStopping code-server...\n");
    await server.stop();
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs `npm run build` unless every bundle is newer than every source file. */
function buildIfStale() {
    const bundles = ["dist/extension.js", "dist/engine.js"].map((path) => join(repoRoot, path));
    const oldestBundle = Math.min(
        ...bundles.map((path) => (existsSync(path) ? statSync(path).mtimeMs : 0)),
    );
    const newestSource = Math.max(
        newestMtime(join(repoRoot, "src")),
        newestMtime(join(repoRoot, "webview")),
        statSync(join(repoRoot, "package.json")).mtimeMs,
    );
    if (oldestBundle > newestSource) return;
    process.stdout.write("Building LM Lab (npm run build)...\n");
    const result = spawnSync("npm", ["run", "build"], { cwd: repoRoot, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status})`);
}

function newestMtime(dir) {
    if (!existsSync(dir)) return 0;
    let newest = 0;
    for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const stat = statSync(path);
        newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
    }
    return newest;
}

function findOnPath(command) {
    for (const dir of (process.env.PATH ?? "").split(":")) {
        const path = join(dir, command);
        if (dir && existsSync(path) && statSync(path).isFile()) return path;
    }
    return undefined;
}

main().catch((err) => {
    process.stderr.write(`npm start: ${err.message}\n`);
    process.exitCode = 1;
});
