// Creates ONNX Runtime sessions the way every engine module wants them: full graph optimisation,
// a fixed intra-op thread count with spinning off (spinning threads hurt when the CPU is shared),
// and the requested execution providers followed by the CPU fallback. A provider that fails to
// initialise (CUDA libraries not installed, no WebGPU adapter) is logged by name and dropped, so a
// GPU preference never stops the engine from working on the CPU.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";
import { executionProviderNames, type ExecutionProviderName } from "../protocol";
import { log } from "./log";
import { UserError } from "./types";

export { executionProviderNames, type ExecutionProviderName };

export interface RuntimeOptions {
    /** Intra-op threads (default: ORT's choice). */
    threads?: number;
    /** Execution providers to try in order, e.g. ["cuda"]; "cpu" is always appended. */
    executionProviders?: readonly string[];
}

/** One backend of this ONNX Runtime build, and whether its binaries are present. */
export interface BackendStatus {
    name: string;
    /** Shipped inside the onnxruntime-node package. */
    bundled: boolean;
    /** Bundled, or its provider library has been installed beside the binding. */
    installed: boolean;
}

/** Opens an in-memory ONNX model, dropping providers that fail to initialise (see file comment). */
export async function createSession(
    bytes: Uint8Array,
    options: RuntimeOptions = {},
): Promise<ort.InferenceSession> {
    let providers = executionProviders(options.executionProviders);
    if (providers.length > 1) quietProviderProbing();
    const dropped: string[] = [];
    for (;;) {
        try {
            const session = await ort.InferenceSession.create(
                bytes,
                sessionOptions(providers, options),
            );
            // Only a session that then opens proves the dropped providers were at fault.
            for (const name of dropped) failedProviders.add(name);
            return session;
        } catch (err) {
            const failing = providers.find((p) => p !== "cpu");
            if (failing === undefined) throw err;
            providers = providers.filter((p) => p !== failing);
            dropped.push(failing);
            log.warn(
                `execution provider ${failing} failed to initialise (${firstLine(err)})` +
                    `${installHint(failing)}; falling back to ${providers.join(", ")}`,
            );
        }
    }
}

/**
 * The requested providers this build supports, then "cpu". Unsupported ones, and ones that already
 * failed to initialise in this process, are logged and skipped.
 */
export function executionProviders(requested: readonly string[] = []): string[] {
    const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
    const chosen: string[] = [];
    for (const name of requested) {
        if (name === "cpu" || chosen.includes(name)) continue;
        if (failedProviders.has(name)) {
            log.debug(`execution provider ${name} failed before; using the CPU`);
        } else if (supported.has(name)) {
            chosen.push(name);
        } else {
            log.warn(`execution provider ${name} is not available here; using the CPU`);
        }
    }
    return [...chosen, "cpu"];
}

/**
 * Checks a provider list from a setting, flag or request: an array of known names (a string is
 * split at commas). `what` names the source in the error, e.g. "--ep".
 */
export function parseExecutionProviders(value: unknown, what: string): ExecutionProviderName[] {
    if (value === undefined || value === null) return [];
    const items = typeof value === "string" ? value.split(",") : value;
    if (!Array.isArray(items)) {
        throw new UserError(
            `${what} must be a list of execution providers; found ${JSON.stringify(value)}`,
        );
    }
    const names: ExecutionProviderName[] = [];
    for (const item of items) {
        const text = typeof item === "string" ? item.trim().toLowerCase() : item;
        if (text === "") continue;
        const name = text as ExecutionProviderName;
        if (!executionProviderNames.includes(name)) {
            throw new UserError(
                `${what}: unknown execution provider ${JSON.stringify(item)}; expected ` +
                    `${executionProviderNames.join(", ")}`,
            );
        }
        if (!names.includes(name)) names.push(name);
    }
    return names;
}

/** Every backend ONNX Runtime lists, with whether its binaries are present. */
export function backendStatus(): BackendStatus[] {
    return ort.listSupportedBackends().map((b) => ({
        name: b.name,
        bundled: b.bundled,
        installed: b.bundled || providerLibraryInstalled(b.name),
    }));
}

/** Names of the backends that can be tried here (bundled or installed). */
export function availableBackends(): string[] {
    return backendStatus()
        .filter((b) => b.installed)
        .map((b) => b.name);
}

/** The ONNX Runtime version of the loaded binding. */
export function ortVersion(): string {
    return ort.env.versions.node ?? ort.env.versions.common;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * Keeps ONNX Runtime's own logger to fatal messages when GPU providers are tried. A provider that
 * cannot load makes ORT print a raw error line (e.g. "Failed to load library
 * libonnxruntime_providers_shared.so") before it throws; the exception reaches createSession,
 * which logs a clearer warning naming the provider and the fix. ORT fixes its log level when the
 * first session is created, so this acts only before then, and for the whole process: its other
 * errors reach the engine as exceptions too, so nothing is lost.
 */
function quietProviderProbing(): void {
    ort.env.logLevel = "fatal";
}

/** Providers that failed to initialise in this process; later sessions skip them quietly. */
const failedProviders = new Set<string>();

function sessionOptions(
    providers: string[],
    options: RuntimeOptions,
): ort.InferenceSession.SessionOptions {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
        graphOptimizationLevel: "all",
        executionProviders: providers,
        extra: { session: { "intra_op.allow_spinning": "0", "inter_op.allow_spinning": "0" } },
        // The memory pattern planner reserves one block for a whole run's intermediates per
        // input shape; on the nanoGPT CPU recipe it raised peak RSS from ~290 MB to ~380 MB and
        // bought no measurable speed, so it stays off.
        enableMemPattern: false,
    };
    if (options.threads !== undefined) {
        sessionOptions.intraOpNumThreads = options.threads;
        sessionOptions.interOpNumThreads = 1;
    }
    return sessionOptions;
}

/**
 * Whether a provider that onnxruntime-node does not bundle (CUDA, TensorRT) has its shared library
 * beside the binding, where its install script puts it (ONNXRUNTIME_NODE_INSTALL=cuda12).
 */
function providerLibraryInstalled(name: string): boolean {
    let packageDir: string;
    try {
        packageDir = dirname(require.resolve("onnxruntime-node/package.json"));
    } catch (err) {
        log.debug(`cannot locate onnxruntime-node to look for the ${name} provider:`, err);
        return false;
    }
    const file =
        process.platform === "win32"
            ? `onnxruntime_providers_${name}.dll`
            : `libonnxruntime_providers_${name}.so`;
    return existsSync(join(packageDir, "bin", "napi-v6", process.platform, process.arch, file));
}

/** For a provider whose libraries onnxruntime-node does not ship, how to install them. */
function installHint(name: string): string {
    const bundled = ort.listSupportedBackends().find((b) => b.name === name)?.bundled ?? true;
    if (bundled || providerLibraryInstalled(name)) return "";
    const missing = "; its libraries are not installed";
    return name === "cuda"
        ? `${missing}: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`
        : missing;
}

function firstLine(err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    return message.split("\n")[0].trim();
}
