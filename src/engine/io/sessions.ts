// ONNX Runtime sessions for inference models, and the small cache that lets the next-token hover
// reuse the logits of the last forward pass when the prefix asked about is a prefix of it.

import type * as ort from "onnxruntime-node";
import { createSession, type RuntimeOptions } from "../runtime";
import type { ForwardOptions } from "../types";
import { UserError } from "../types";

/**
 * Forward options the models of this folder accept: scores may be fetched for fewer layers than
 * attentions (a view shows every head's thumbnail but one head's scores).
 */
export interface LayerForwardOptions extends ForwardOptions {
    /** With `scores`, the layers whose scores to return (default: the attention layers). */
    scoreLayers?: readonly number[];
}

/** How inference sessions run: threads (0 or absent = ORT's default) and execution providers. */
export type InferenceRuntime = RuntimeOptions;

/**
 * Opens an inference session over model bytes with the given threads and execution providers
 * (a provider that fails to initialise falls back to the CPU); a model ORT refuses is a UserError
 * naming `what`.
 */
export async function openSession(
    bytes: Uint8Array,
    runtime: InferenceRuntime,
    what: string,
): Promise<ort.InferenceSession> {
    const threads = (runtime.threads ?? 0) > 0 ? runtime.threads : undefined;
    try {
        return await createSession(bytes, {
            threads,
            executionProviders: runtime.executionProviders,
        });
    } catch (err) {
        throw new UserError(`ONNX Runtime cannot load ${what}: ${(err as Error).message}`);
    }
}

/**
 * Remembers the ids and logits of the last forward pass. In a causal model row t depends only on
 * ids[0..t], so the logits after any prefix of those ids are a row of the stored result.
 */
export class PrefixLogitsCache {
    private ids: number[] = [];
    private logits?: Float32Array;
    private vocab = 0;

    store(ids: readonly number[], logits: Float32Array, vocab: number): void {
        this.ids = ids.slice();
        this.logits = logits;
        this.vocab = vocab;
    }

    /** The logits predicting the token after `ids`, when `ids` is a non-empty prefix of the stored ids. */
    lookup(ids: readonly number[]): Float32Array | undefined {
        if (!this.logits || ids.length === 0 || ids.length > this.ids.length) return undefined;
        for (let i = 0; i < ids.length; i++) if (ids[i] !== this.ids[i]) return undefined;
        const row = ids.length - 1;
        return this.logits.subarray(row * this.vocab, (row + 1) * this.vocab);
    }

    clear(): void {
        this.ids = [];
        this.logits = undefined;
    }
}
