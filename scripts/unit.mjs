// Runs the unit tests (*.test.ts beside their modules in src/ and webview/, and test/unit) with Node's test runner.
// Usage: node scripts/unit.mjs [path-filter ...]
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

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
