// Bundles the extension host, the engine process, the CLI and every webview with esbuild, and
// copies the runtime files the bundles load from disk (codicons, ONNX Runtime's native addon).
// Usage: node scripts/build.mjs [--production] [--watch] [--platforms=linux-x64,darwin-arm64|all]
//        [--only=extension,engine,cli,webview]

import * as esbuild from "esbuild";
import {
    cpSync,
    existsSync,
    mkdirSync,
    readFileSync,
    readdirSync,
    renameSync,
    rmSync,
    statSync,
    writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const production = args.includes("--production");
const watch = args.includes("--watch");
const platformsArg = args.find((a) => a.startsWith("--platforms="))?.slice("--platforms=".length);
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const dist = join(root, "dist");
const wanted = (name) => !only || only.includes(name);

const nodeCommon = {
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: production,
    sourcemap: production ? false : "linked",
    logLevel: "warning",
};

/**
 * Node bundles. The engine and CLI sources may not exist yet in a fresh tree; they are skipped
 * with a warning then, but once present a failure to build them fails the build.
 */
const nodeEntries = [
    { name: "extension", entry: "src/extension/extension.ts", external: ["vscode"], required: true },
    { name: "engine", entry: "src/engine/main.ts", external: ["onnxruntime-node"], required: false },
    { name: "cli", entry: "src/cli/main.ts", external: ["onnxruntime-node"], required: false },
];

async function main() {
    mkdirSync(join(dist, "webview"), { recursive: true });
    const contexts = [];
    for (const spec of nodeEntries.filter((s) => wanted(s.name))) {
        if (!existsSync(join(root, spec.entry))) {
            if (spec.required) throw new Error(`missing ${spec.entry}`);
            process.stderr.write(`build: warning: ${spec.entry} not found, dist/${spec.name}.js skipped\n`);
            continue;
        }
        contexts.push(
            await esbuild.context({
                ...nodeCommon,
                entryPoints: { [spec.name]: join(root, spec.entry) },
                outdir: dist,
                external: spec.external,
            }),
        );
    }

    const webviewEntries = {};
    for (const name of readdirSync(join(root, "webview"))) {
        const entry = join(root, "webview", name, "main.ts");
        if (existsSync(entry)) webviewEntries[name] = entry;
    }
    if (wanted("webview") && Object.keys(webviewEntries).length > 0) {
        contexts.push(
            await esbuild.context({
                bundle: true,
                platform: "browser",
                target: "es2022",
                format: "iife",
                minify: production,
                sourcemap: production ? false : "linked",
                logLevel: "warning",
                entryPoints: webviewEntries,
                outdir: join(dist, "webview"),
                loader: { ".ttf": "file", ".svg": "dataurl" },
            }),
        );
    }

    copyCodicons();
    copyRuntime(platformsFrom(platformsArg));

    if (watch) {
        await Promise.all(contexts.map((c) => c.watch()));
        process.stderr.write("build: watching for changes\n");
        return;
    }
    try {
        await Promise.all(contexts.map((c) => c.rebuild()));
    } finally {
        await Promise.all(contexts.map((c) => c.dispose()));
    }
    process.stderr.write(`build: done (${production ? "production" : "development"})\n`);
}

function copyCodicons() {
    const from = join(root, "node_modules", "@vscode", "codicons", "dist");
    for (const file of ["codicon.css", "codicon.ttf"]) {
        cpSync(join(from, file), join(dist, "webview", file));
    }
}

/** Platforms whose ONNX Runtime binaries go into dist: the host's by default. */
function platformsFrom(value) {
    if (!value) return [`${process.platform}-${process.arch}`];
    if (value === "all") {
        return ["linux-x64", "linux-arm64", "darwin-arm64", "win32-x64", "win32-arm64"];
    }
    return value.split(",").map((s) => s.trim()).filter(Boolean);
}

/**
 * Copies onnxruntime-node (JS and the chosen platforms' binaries) and onnxruntime-common into
 * dist/node_modules, so dist/engine.js resolves them both in the repository and inside a VSIX
 * packaged without dependencies. Skipped when the copy is already current.
 */
function copyRuntime(platforms) {
    const nm = join(root, "node_modules");
    const ortSrc = join(nm, "onnxruntime-node");
    if (!existsSync(ortSrc)) {
        process.stderr.write("build: warning: onnxruntime-node is not installed; engine will not run\n");
        return;
    }
    const target = join(dist, "node_modules");
    const stampFile = join(target, ".platforms");
    // The binaries' names are part of the stamp, so that provider libraries installed later
    // (ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node) are copied by the next build.
    const binaries = platforms.map((p) => binaryNames(join(ortSrc, "bin", "napi-v6", ...p.split("-"))));
    const stamp = `${readVersion(ortSrc)} ${platforms.join(",")} ${binaries.join(",")}`;
    if (existsSync(stampFile) && readText(stampFile) === stamp) return;

    const staging = join(dist, "node_modules.tmp");
    rmSync(staging, { recursive: true, force: true });
    const ortOut = join(staging, "onnxruntime-node");
    cpSync(join(ortSrc, "package.json"), join(ortOut, "package.json"));
    if (existsSync(join(ortSrc, "LICENSE"))) cpSync(join(ortSrc, "LICENSE"), join(ortOut, "LICENSE"));
    copyFiltered(join(ortSrc, "dist"), join(ortOut, "dist"), (f) => f.endsWith(".js"));
    for (const platform of platforms) {
        const [os, arch] = platform.split("-");
        const bin = join(ortSrc, "bin", "napi-v6", os, arch);
        if (!existsSync(bin)) throw new Error(`onnxruntime-node has no binaries for ${platform}`);
        // DirectML and its shader compiler are only needed for the DirectML provider we never use.
        copyFiltered(bin, join(ortOut, "bin", "napi-v6", os, arch), (f) => !/^(DirectML|dxcompiler)\.dll$/.test(f));
    }
    const commonSrc = join(nm, "onnxruntime-common");
    const commonOut = join(staging, "onnxruntime-common");
    cpSync(join(commonSrc, "package.json"), join(commonOut, "package.json"));
    copyFiltered(join(commonSrc, "dist", "cjs"), join(commonOut, "dist", "cjs"), (f) => f.endsWith(".js") || f === "package.json");

    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    writeFileSync(stampFile, stamp);
    process.stderr.write(`build: copied onnxruntime-node for ${platforms.join(", ")}\n`);
}

function copyFiltered(from, to, keep) {
    for (const name of readdirSync(from)) {
        const src = join(from, name);
        if (statSync(src).isDirectory()) copyFiltered(src, join(to, name), keep);
        else if (keep(name)) {
            mkdirSync(dirname(join(to, name)), { recursive: true });
            cpSync(src, join(to, name));
        }
    }
}

function binaryNames(dir) {
    return existsSync(dir) ? readdirSync(dir).sort().join("+") : "";
}

function readVersion(dir) {
    return JSON.parse(readText(join(dir, "package.json"))).version;
}

function readText(path) {
    return readFileSync(path, "utf8");
}

main().catch((error) => {
    process.stderr.write(`build: failed: ${error.stack ?? error}\n`);
    process.exit(1);
});
