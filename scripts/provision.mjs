// Installs what the real-editor tests and `npm start` need, idempotently: Debian packages
// (Chromium, ripgrep, kerberos headers) and code-server in the git-ignored .cache/ folder.
// Usage: node scripts/provision.mjs   (prints the code-server entry point and Chromium path)
import { execFileSync, spawnSync } from "node:child_process";
import {
    copyFileSync,
    existsSync,
    mkdirSync,
    readFileSync,
    realpathSync,
    rmSync,
    writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The newest code-server whose VS Code still runs on Node 20. */
export const codeServerVersion = "4.100.3";
export const editorCacheDir = join(repoRoot, ".cache", "editor");
export const aptPackages = ["chromium", "libkrb5-dev", "pkg-config", "ripgrep"];

/**
 * Makes sure the Debian packages and code-server are installed and returns where they are.
 * Each step checks first and does nothing when already done, so calling it again costs a second.
 */
export function provision(log = (line) => process.stderr.write(`[provision] ${line}\n`)) {
    ensureAptPackages(log);
    const codeServerEntry = ensureCodeServer(log);
    return { codeServerEntry, chromiumPath: findChromium() };
}

/** The Chromium binary playwright-core drives; Debian installs it as /usr/bin/chromium. */
export function findChromium() {
    const candidates = [
        process.env.LM_LAB_CHROMIUM,
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ];
    const found = candidates.find((path) => path && existsSync(path));
    if (!found) {
        throw new Error(
            "Chromium not found at /usr/bin/chromium; install the Debian package `chromium` " +
                "or set LM_LAB_CHROMIUM to a Chromium binary.",
        );
    }
    return found;
}

/** Where code-server's entry script lives once installed (it may not exist yet). */
export function codeServerEntryPath() {
    return join(codeServerDir(), "node_modules", "code-server", "out", "node", "entry.js");
}

// ---------------------------------------------------------------------------------------------
// Helpers

function codeServerDir() {
    return join(editorCacheDir, `code-server-${codeServerVersion}`);
}

function ensureAptPackages(log) {
    const missing = aptPackages.filter((name) => !dpkgInstalled(name));
    if (missing.length === 0) return;
    const asRoot = process.getuid?.() === 0;
    const sudo = asRoot ? [] : ["sudo", "-n"];
    if (!asRoot && spawnSync("sudo", ["-n", "true"]).status !== 0) {
        throw new Error(
            `Debian packages missing: ${missing.join(" ")}. Install them as root: ` +
                `apt-get update && apt-get install -y ${missing.join(" ")}`,
        );
    }
    log(`installing Debian packages: ${missing.join(" ")}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    run([...sudo, "apt-get", "update", "-qq"], { env });
    run([...sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing], {
        env,
    });
    const still = missing.filter((name) => !dpkgInstalled(name));
    if (still.length > 0) throw new Error(`apt-get did not install: ${still.join(" ")}`);
}

function dpkgInstalled(name) {
    const result = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8" });
    return result.status === 0 && result.stdout.includes("install ok installed");
}

/**
 * Installs code-server with npm into .cache/editor. Its native addons are built from source
 * against this Node, so the marker records the Node version too; a different Node reinstalls.
 */
function ensureCodeServer(log) {
    const dir = codeServerDir();
    const entry = codeServerEntryPath();
    const marker = join(dir, ".complete");
    const stamp = `code-server ${codeServerVersion} node ${process.version}`;
    if (existsSync(marker) && readFileSync(marker, "utf8") === stamp && existsSync(entry)) {
        return entry;
    }
    log(`installing code-server ${codeServerVersion} into ${dir} (takes a few minutes)`);
    // A half-finished install (no marker) is thrown away rather than patched.
    rmSync(dir, { recursive: true, force: true });
    const tmp = join(dir, "tmp");
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true }, null, 4) + "\n");
    prefillRipgrepCache(tmp);

    const env = {
        ...process.env,
        TMPDIR: tmp,
        // Its postinstall refuses to run as root otherwise.
        npm_config_unsafe_perm: "true",
        // argon2 and kerberos would otherwise fetch prebuilt binaries from GitHub.
        npm_config_build_from_source: "true",
        // node-pty's postinstall calls npx, which would otherwise prompt.
        npm_config_yes: "true",
        npm_config_audit: "false",
        npm_config_fund: "false",
        npm_config_update_notifier: "false",
    };
    // node-gyp would download Node's headers from nodejs.org; Debian's nodejs and the official
    // tarballs ship them beside the binary (<prefix>/include/node).
    const prefix = dirname(dirname(realpathSync(process.execPath)));
    if (existsSync(join(prefix, "include", "node", "node_api.h"))) env.npm_config_nodedir = prefix;
    run(
        ["npm", "install", "--no-save", "--foreground-scripts", `code-server@${codeServerVersion}`],
        {
            cwd: dir,
            env,
        },
    );
    if (!existsSync(entry)) throw new Error(`code-server installed but ${entry} is missing`);
    const rg = join(
        dirname(entry),
        "..",
        "..",
        "lib",
        "vscode",
        "node_modules",
        "@vscode",
        "ripgrep",
        "bin",
        "rg",
    );
    if (!existsSync(rg)) throw new Error(`code-server installed without ripgrep at ${rg}`);
    rmSync(tmp, { recursive: true, force: true });
    writeFileSync(marker, stamp);
    log("code-server installed");
    return entry;
}

/**
 * @vscode/ripgrep's postinstall downloads a ripgrep build from GitHub unless its cache in TMPDIR
 * already holds the archive; an archive holding Debian's `rg` satisfies it offline.
 */
function prefillRipgrepCache(tmp) {
    const rg = ["/usr/bin/rg", "/bin/rg"].find((path) => existsSync(path));
    if (!rg) throw new Error("ripgrep (`rg`) not found; install the Debian package `ripgrep`");
    const staging = join(tmp, "rg-staging");
    mkdirSync(staging, { recursive: true });
    copyFileSync(rg, join(staging, "rg"));
    const archive = "ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz";
    for (const version of ["1.15.11", "1.15.10", "1.15.9"]) {
        const cache = join(tmp, `vscode-ripgrep-cache-${version}`);
        mkdirSync(cache, { recursive: true });
        execFileSync("tar", ["-czf", join(cache, archive), "-C", staging, "rg"]);
    }
    rmSync(staging, { recursive: true, force: true });
}

function run(argv, options) {
    const result = spawnSync(argv[0], argv.slice(1), { stdio: "inherit", ...options });
    if (result.status !== 0) {
        throw new Error(
            `${argv.join(" ")} failed with exit code ${result.status ?? result.signal}`,
        );
    }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const where = provision();
    process.stdout.write(
        `code-server: ${where.codeServerEntry}\nchromium: ${where.chromiumPath}\n`,
    );
}
