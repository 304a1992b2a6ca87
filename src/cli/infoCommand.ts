// `lm-lab info` and `lm-lab --version`: the versions of LM Lab and ONNX Runtime, and which
// execution providers this installation has. With --probe each installed provider opens a tiny
// session on its own (no CPU fallback), so a GPU user sees whether CUDA or WebGPU really works.

import * as ort from "onnxruntime-node";
import { GraphBuilder } from "../engine/graph/builder";
import { add } from "../engine/graph/ops/elementwise";
import { backendStatus, ortVersion, type BackendStatus } from "../engine/runtime";
import { UserError } from "../engine/types";
import { formatOptions, parseArgs, type OptionSpec } from "./args";
import type { Output } from "./reporter";
import { processOutput } from "./reporter";
import { outputOptions } from "./runtimeOptions";

const infoSpecs: OptionSpec[] = [
    { name: "probe", kind: "boolean", help: "open a session on each installed provider" },
    ...outputOptions("print one JSON object instead of text"),
];

export const infoCommandHelp = `lm-lab info [--probe] [--json]\n\n${formatOptions(infoSpecs)}`;

/** How to install the CUDA provider's libraries into onnxruntime-node (Linux x64, CUDA 12). */
export const cudaInstallHint = "ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node";

/** One backend as `info` reports it; `probe` is set with --probe for installed backends. */
export interface BackendReport extends BackendStatus {
    probe?: { ok: boolean; error?: string };
}

/** `lm-lab --version`: one line with both versions and the installed backends. */
export function versionLine(): string {
    const installed = backendStatus().filter((b) => b.installed).map((b) => b.name);
    const backends = installed.join(", ");
    return `lm-lab ${lmLabVersion()} (ONNX Runtime ${ortVersion()}; backends ${backends})`;
}

export async function infoCommand(argv: string[], out: Output = processOutput): Promise<number> {
    const { options, positionals } = parseArgs(argv, infoSpecs);
    if (options.help) {
        out.line(infoCommandHelp);
        return 0;
    }
    if (positionals.length > 0) throw new UserError(`Unexpected argument "${positionals[0]}".`);
    const backends: BackendReport[] = backendStatus();
    if (options.probe) {
        for (const backend of backends) {
            if (backend.installed) backend.probe = await probe(backend.name);
        }
    }
    if (options.json) {
        out.line(JSON.stringify({ version: lmLabVersion(), ortVersion: ortVersion(), backends }));
        return 0;
    }
    out.line(`lm-lab ${lmLabVersion()}`);
    const platform = `${process.platform}-${process.arch}`;
    out.line(`ONNX Runtime ${ortVersion()} (onnxruntime-node, ${platform})`);
    out.line("execution providers:");
    for (const b of backends) out.line(`  ${b.name.padEnd(9)} ${describe(b)}`);
    if (backends.some((b) => b.name === "cuda" && !b.installed)) {
        out.line(`CUDA (Linux x64, CUDA 12 + cuDNN 9): ${cudaInstallHint}, then npm run build`);
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function describe(b: BackendReport): string {
    const where = b.bundled ? "bundled" : b.installed ? "installed" : "not installed";
    if (!b.probe) return where;
    return b.probe.ok ? `${where}, works` : `${where}, fails: ${b.probe.error}`;
}

/** Opens and runs a one-node graph (y = x + x) on `name` alone and checks the answer. */
async function probe(name: string): Promise<{ ok: boolean; error?: string }> {
    const g = new GraphBuilder({ float: "float32" });
    const x = g.input("x", "float32", [4]);
    g.output(add(g, x, x), "y");
    let session: ort.InferenceSession | undefined;
    // ORT's own error line for a provider that cannot load would precede the one printed here.
    ort.env.logLevel = "fatal";
    try {
        session = await ort.InferenceSession.create(g.toBytes(), { executionProviders: [name] });
        const input = Float32Array.from([1, 2, 3, 4]);
        const { y } = await session.run({ x: new ort.Tensor("float32", input, [4]) });
        const got = Array.from(y.data as Float32Array);
        const ok = got.every((v, i) => v === 2 * input[i]);
        return ok ? { ok } : { ok, error: `computed ${got.join(", ")} for 2, 4, 6, 8` };
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { ok: false, error: message.split("\n")[0] };
    } finally {
        await session?.release();
    }
}

function lmLabVersion(): string {
    // Loaded on demand: the engine server module is not otherwise needed by the command line.
    return (require("../engine/server") as typeof import("../engine/server")).engineVersion;
}
