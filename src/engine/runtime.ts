// Creates ONNX Runtime sessions the way every engine module wants them: full graph optimisation,
// a fixed intra-op thread count with spinning off (spinning threads hurt when the CPU is shared),
// and the requested execution providers followed by the CPU fallback.

import * as ort from "onnxruntime-node";
import { log } from "./log";

export interface RuntimeOptions {
    /** Intra-op threads (default: ORT's choice). */
    threads?: number;
    /** Execution providers to try in order, e.g. ["cuda"]; "cpu" is always appended. */
    executionProviders?: string[];
}

/** Opens an in-memory ONNX model. */
export async function createSession(
    bytes: Uint8Array,
    options: RuntimeOptions = {},
): Promise<ort.InferenceSession> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
        graphOptimizationLevel: "all",
        executionProviders: executionProviders(options.executionProviders),
        extra: { session: { "intra_op.allow_spinning": "0", "inter_op.allow_spinning": "0" } },
    };
    if (options.threads !== undefined) {
        sessionOptions.intraOpNumThreads = options.threads;
        sessionOptions.interOpNumThreads = 1;
    }
    return ort.InferenceSession.create(bytes, sessionOptions);
}

/** The requested providers this build supports, then "cpu". Unsupported ones are logged and skipped. */
export function executionProviders(requested: string[] = []): string[] {
    const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
    const chosen: string[] = [];
    for (const name of requested) {
        if (name === "cpu") continue;
        if (supported.has(name)) chosen.push(name);
        else log.warn(`execution provider ${name} is not available here; using the CPU`);
    }
    return [...chosen, "cpu"];
}
