// Starts code-server on 127.0.0.1 with LM Lab installed and a folder open, isolated from the
// user's own editor state, and stops it with its whole process group. Used by `npm start` and
// the real-editor tests. A watchdog process (this file run with --watchdog) stops code-server and
// removes its state folder if the launcher dies without stopping it, even by SIGKILL.
import { spawn } from "node:child_process";
import {
    existsSync,
    mkdirSync,
    mkdtempSync,
    openSync,
    readFileSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { codeServerEntryPath, repoRoot } from "./provision.mjs";

/**
 * Launches code-server (already provisioned) and resolves once /healthz answers.
 * @param {object} options
 * @param {string} options.folder  the workspace folder to open
 * @param {string} [options.stateDir]  where HOME, user data and extensions go (default: a new temp dir)
 * @param {"link" | "vsix"} [options.install]  symlink the repository (default) or install lm-lab.vsix
 * @param {Record<string, unknown>} [options.userSettings]  written to the user settings.json
 * @param {number} [options.timeoutMs]
 * @param {boolean} [options.stopOnSignals]  kill it and exit on SIGINT/SIGTERM/SIGHUP (default true)
 * @returns {Promise<{ url: string, port: number, pid: number, stateDir: string, logPath: string,
 *     stop: () => Promise<void> }>}
 */
export async function startCodeServer(options) {
    const entry = codeServerEntryPath();
    if (!existsSync(entry)) {
        throw new Error(`code-server is not installed (${entry}); run node scripts/provision.mjs`);
    }
    const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "lm-lab-editor-"));
    const dirs = {
        home: join(stateDir, "home"),
        userData: join(stateDir, "user-data"),
        extensions: join(stateDir, "extensions"),
        tmp: join(stateDir, "tmp"),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    const env = isolatedEnv(dirs);
    writeUserSettings(dirs.userData, options.userSettings ?? {});
    await installExtension(entry, dirs, env, options.install ?? "link");

    const port = await freePort();
    const logPath = join(stateDir, "code-server.log");
    const logFd = openSync(logPath, "a");
    const args = [
        entry,
        "--bind-addr",
        `127.0.0.1:${port}`,
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        "--user-data-dir",
        dirs.userData,
        "--extensions-dir",
        dirs.extensions,
        options.folder,
    ];
    // detached puts code-server in its own session and process group, so one signal to the group
    // also reaches the extension hosts and the LM Lab engine, which outlive their parent otherwise.
    installExitHooks(options.stopOnSignals ?? true);
    const child = spawn(process.execPath, args, {
        env,
        detached: true,
        stdio: ["ignore", logFd, logFd],
    });
    let exited = false;
    child.on("exit", () => {
        exited = true;
    });
    liveGroups.add(child.pid);
    const watchdog = startWatchdog(child.pid, options.stateDir ? undefined : stateDir, logFd);
    const stop = async () => {
        watchdog.kill("SIGKILL");
        await stopGroup(child.pid);
        liveGroups.delete(child.pid);
        // A state folder made here is ours to remove; a caller's is left to the caller.
        if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    };
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.folder)}`;
    try {
        await waitForHealth(port, options.timeoutMs ?? 30_000, () => exited, logPath);
    } catch (err) {
        await stop();
        throw err;
    }
    return { url, port, pid: child.pid, stateDir, logPath, stop };
}

/** Asks the OS for a free loopback port. */
export function freePort() {
    return new Promise((resolvePort, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            server.close(() => resolvePort(port));
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * Starts the watchdog for code-server's process group `pid`: a detached process reading a pipe
 * from this one. The kernel closes the pipe when this process ends in any way, SIGKILL included;
 * the watchdog then stops the group and removes `stateDir` (if given). It exits by itself once
 * the group is gone, and stop() ends it first so that it never races a normal shutdown.
 */
function startWatchdog(pid, stateDir, logFd) {
    const watchdog = spawn(
        process.execPath,
        [fileURLToPath(import.meta.url), "--watchdog", String(pid), stateDir ?? ""],
        { detached: true, stdio: ["pipe", "ignore", logFd] },
    );
    // Neither the process nor its pipe may keep this one alive.
    watchdog.unref();
    watchdog.stdin.unref();
    watchdog.stdin.on("error", () => {
        // The watchdog died first (killed by stop()); nothing is left to tell it.
    });
    return watchdog;
}

/** The watchdog's body: wait for the launcher's pipe to close, then clean up after it. */
async function runWatchdog(pid, stateDir) {
    const groupGone = setInterval(() => {
        if (!groupAlive(pid)) process.exit(0);
    }, 1000);
    await new Promise((resolveEnd) => {
        process.stdin.on("close", resolveEnd);
        process.stdin.on("end", resolveEnd);
        process.stdin.on("error", resolveEnd);
        process.stdin.resume();
    });
    clearInterval(groupGone);
    await stopGroup(pid);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}

/**
 * Process groups started here and not yet stopped. code-server runs in its own group, so it would
 * survive this process; if we exit or are told to stop before stop() ran, they are killed too.
 */
const liveGroups = new Set();
let exitHooksInstalled = false;

function installExitHooks(onSignals) {
    if (exitHooksInstalled) return;
    exitHooksInstalled = true;
    process.on("exit", () => {
        for (const pid of liveGroups) signalGroup(pid, "SIGKILL");
    });
    if (!onSignals) return;
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
        process.once(signal, () => {
            for (const pid of liveGroups) signalGroup(pid, "SIGKILL");
            process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
        });
    }
}

function isolatedEnv(dirs) {
    const env = { ...process.env };
    // Keep the editor from touching the user's config, sockets or an ambient VS Code session.
    for (const key of Object.keys(env)) {
        if (key.startsWith("VSCODE_") || key.startsWith("ELECTRON_")) delete env[key];
    }
    Object.assign(env, {
        HOME: dirs.home,
        XDG_CONFIG_HOME: join(dirs.home, ".config"),
        XDG_DATA_HOME: join(dirs.home, ".local", "share"),
        XDG_CACHE_HOME: join(dirs.home, ".cache"),
        XDG_RUNTIME_DIR: dirs.tmp,
        TMPDIR: dirs.tmp,
        // Without this the workbench queries a public marketplace; 127.0.0.1:9 answers nothing.
        EXTENSIONS_GALLERY: JSON.stringify({
            serviceUrl: "http://127.0.0.1:9/gallery",
            itemUrl: "http://127.0.0.1:9/item",
            resourceUrlTemplate: "http://127.0.0.1:9/resource",
        }),
        // The engine's own threads; the machines running the suite have few cores.
        LM_LAB_THREADS: process.env.LM_LAB_THREADS ?? "1",
    });
    return env;
}

function writeUserSettings(userDataDir, extra) {
    const dir = join(userDataDir, "User");
    mkdirSync(dir, { recursive: true });
    const settings = {
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "workbench.enableExperiments": false,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "security.workspace.trust.enabled": false,
        "editor.hover.delay": 150,
        "chat.disableAIFeatures": true,
        "window.commandCenter": false,
        ...extra,
    };
    writeFileSync(join(dir, "settings.json"), JSON.stringify(settings, null, 4) + "\n");
}

async function installExtension(entry, dirs, env, mode) {
    const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    if (mode === "vsix") {
        const vsix = join(repoRoot, "lm-lab.vsix");
        if (!existsSync(vsix)) throw new Error(`${vsix} not found; run npm run package first`);
        await runToEnd(
            process.execPath,
            [
                entry,
                "--extensions-dir",
                dirs.extensions,
                "--user-data-dir",
                dirs.userData,
                "--install-extension",
                vsix,
                "--force",
            ],
            env,
        );
        return;
    }
    // The repository itself is the extension: dist/ holds the bundles and node_modules the
    // native ONNX Runtime addon, so a link is equivalent to an installed VSIX without packaging.
    const target = join(
        dirs.extensions,
        `${manifest.publisher}.${manifest.name}-${manifest.version}`,
    );
    rmSync(target, { recursive: true, force: true });
    symlinkSync(repoRoot, target, "dir");
}

function runToEnd(command, args, env) {
    return new Promise((resolveRun, reject) => {
        const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        child.on("exit", (code) => {
            clearTimeout(timer);
            if (code === 0) resolveRun(output);
            else reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`));
        });
    });
}

async function waitForHealth(port, timeoutMs, hasExited, logPath) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (hasExited()) {
            throw new Error(`code-server exited during startup; log:\n${tail(logPath)}`);
        }
        try {
            const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
                signal: AbortSignal.timeout(2000),
            });
            if (response.ok) return;
        } catch {
            // Not listening yet: retry until the deadline.
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(
        `code-server did not answer /healthz within ${timeoutMs} ms; log:\n${tail(logPath)}`,
    );
}

/** SIGTERM to the process group, then SIGKILL if anything is left after two seconds. */
async function stopGroup(pid) {
    if (!pid) return;
    signalGroup(pid, "SIGTERM");
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && groupAlive(pid)) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(pid)) signalGroup(pid, "SIGKILL");
}

function signalGroup(pid, signal) {
    try {
        process.kill(-pid, signal);
    } catch (err) {
        if (err.code !== "ESRCH") throw err;
    }
}

function groupAlive(pid) {
    try {
        process.kill(-pid, 0);
        return true;
    } catch {
        return false;
    }
}

function tail(path) {
    if (!existsSync(path)) return "(no log)";
    return readFileSync(path, "utf8").split("\n").slice(-30).join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "--watchdog") {
    const [, , , pid, stateDir] = process.argv;
    runWatchdog(Number(pid), stateDir || undefined).then(
        () => process.exit(0),
        (err) => {
            // stderr is code-server's log file, where a failed cleanup is worth finding.
            process.stderr.write(`lm-lab watchdog: ${err.stack ?? err}\n`);
            process.exit(1);
        },
    );
}
