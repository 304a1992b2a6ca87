// Runs the unit tests (*.test.ts beside their modules in src/ and webview/, and test/unit) with Node's test runner.
// Usage: node scripts/unit.mjs [path-filter ...]
// Many tests read the shared, read-only material (GPT-2 fixtures, corpus); without it the run
// stops at once with one message instead of failing those tests one by one with ENOENT.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Says what is missing of the shared material, found as test/support/paths.ts finds it
 * (LM_LAB_SHARED, else the `shared` folder beside this checkout); undefined when all is there.
 */
export function missingSharedMaterial() {
    const fromEnv = process.env.LM_LAB_SHARED !== undefined;
    const sharedDir = fromEnv ? process.env.LM_LAB_SHARED : resolve(root, "..", "shared");
    const missing = ["fixtures/reference.json", "data/tinyshakespeare.txt"]
        .map((path) => join(sharedDir, path))
        .filter((path) => !existsSync(path));
    if (missing.length === 0) return undefined;
    return (
        `the shared test material is missing: ${missing.join(" and ")} not found ` +
        `(looked in ${sharedDir}, ${fromEnv ? "set by LM_LAB_SHARED" : "the shared folder beside this checkout"}). ` +
        "Point LM_LAB_SHARED at the folder holding fixtures/ and data/, e.g. LM_LAB_SHARED=/path/to/shared npm test"
    );
}

function collect(dir, out) {
    if (!existsSync(dir)) return out;
    for (const name of readdirSync(dir)) {
        if (name === "node_modules" || name.startsWith(".")) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) collect(path, out);
        else if (name.endsWith(".test.ts")) out.push(relative(root, path));
    }
    return out;
}

function main() {
    const missing = missingSharedMaterial();
    if (missing) {
        console.error(missing);
        process.exit(1);
    }
    const filters = process.argv.slice(2);
    const files = [
        ...collect(join(root, "src"), []),
        ...collect(join(root, "webview"), []),
        ...collect(join(root, "test", "unit"), []),
    ]
        .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
        .sort();
    if (files.length === 0) {
        console.error(`no test files match ${filters.join(" ")}`);
        process.exit(1);
    }
    const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
        cwd: root,
        stdio: "inherit",
    });
    process.exit(result.status ?? 1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
