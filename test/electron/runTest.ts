// `npm run test:electron`: runs test/electron/suite inside desktop VS Code's extension host with
// @vscode/test-electron, on machines that have VS Code. It never downloads VS Code unless
// LM_LAB_DOWNLOAD_VSCODE=1 says so; without an installed one it stops with a message.
// Usage: node --import tsx test/electron/runTest.ts (builds first)

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { runTests } from "@vscode/test-electron";
import { repoRoot } from "../support/paths";

async function main(): Promise<number> {
    const executable = findVsCode();
    const download = process.env.LM_LAB_DOWNLOAD_VSCODE === "1";
    if (!executable && !download) {
        process.stderr.write(
            "test:electron: no desktop VS Code found. Install VS Code (the `code` command on PATH), or " +
                "set VSCODE_EXECUTABLE to its binary, or set LM_LAB_DOWNLOAD_VSCODE=1 to let " +
                "@vscode/test-electron download one. On machines without it, `npm test` runs the " +
                "real-editor tests in code-server instead.\n",
        );
        return 2;
    }
    const built = spawnSync("npm", ["run", "build"], { cwd: repoRoot, stdio: "inherit" });
    if (built.status !== 0) {
        process.stderr.write(`test:electron: npm run build failed (exit ${built.status})\n`);
        return 1;
    }
    const suite = await bundleSuite();
    const userData = mkdtempSync(join(tmpdir(), "lm-lab-electron-"));
    try {
        await runTests({
            vscodeExecutablePath: executable,
            extensionDevelopmentPath: repoRoot,
            extensionTestsPath: suite,
            launchArgs: [
                join(repoRoot, "test", "sample-workspace"),
                "--disable-extensions",
                "--disable-workspace-trust",
                `--user-data-dir=${join(userData, "user-data")}`,
                `--extensions-dir=${join(userData, "extensions")}`,
            ],
            extensionTestsEnv: { LM_LAB_REPO: repoRoot },
            timeout: 5 * 60_000,
        });
        return 0;
    } finally {
        rmSync(userData, { recursive: true, force: true });
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** VSCODE_EXECUTABLE, else the Electron binary behind a `code` command on PATH. */
function findVsCode(): string | undefined {
    const explicit = process.env.VSCODE_EXECUTABLE;
    if (explicit) {
        if (!existsSync(explicit)) throw new Error(`VSCODE_EXECUTABLE=${explicit} does not exist`);
        return explicit;
    }
    for (const dir of (process.env.PATH ?? "").split(":")) {
        const cli = join(dir, "code");
        if (!dir || !existsSync(cli) || !statSync(cli).isFile()) continue;
        // The CLI is <install>/bin/code; the Electron binary sits one level up.
        const install = dirname(dirname(realpathSync(cli)));
        for (const name of ["code", "code-insiders", "Code"]) {
            const binary = join(install, name);
            if (existsSync(binary) && statSync(binary).isFile()) return binary;
        }
        const mac = join(install, "..", "..", "MacOS", "Electron");
        if (existsSync(mac)) return mac;
    }
    return undefined;
}

/** The extension host loads plain CommonJS; bundle the TypeScript suite into out/electron. */
async function bundleSuite(): Promise<string> {
    const outDir = join(repoRoot, "out", "electron");
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, "suite.js");
    await build({
        entryPoints: [join(repoRoot, "test", "electron", "suite", "index.ts")],
        outfile,
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node20",
        external: ["vscode"],
        sourcemap: "inline",
        logLevel: "warning",
    });
    return outfile;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        process.stderr.write(
            `test:electron failed: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        process.exitCode = 1;
    },
);
