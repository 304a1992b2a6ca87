// The next-token distribution after a prefix, for the editor's hover. It must be fast while the
// user types: models that can, serve it from a KV cache or from the last forward pass (see
// `IncrementalModel`); the others run one forward pass over the last context-length tokens.

import type { NextTokenResult } from "../../protocol";
import type { LanguageModel } from "../types";
import { UserError } from "../types";
import { partialBytes, tokenText } from "./analyze";
import { rowStats } from "./distribution";

/** A model that can produce the logits after a prefix cheaply when the prefix only grew. */
export interface IncrementalModel extends LanguageModel {
    /** Logits [V] predicting the token after `ids` (1..context ids). */
    nextLogits(ids: readonly number[]): Promise<Float32Array>;
}

export function isIncremental(model: LanguageModel): model is IncrementalModel {
    return typeof (model as Partial<IncrementalModel>).nextLogits === "function";
}

/** Logits predicting the token after `ids`, through the model's fast path when it has one. */
export async function nextLogits(model: LanguageModel, ids: readonly number[]): Promise<Float32Array> {
    if (isIncremental(model)) return model.nextLogits(ids);
    const { logits } = await model.forward(ids, { logits: true });
    const v = model.info.vocabSize;
    return logits!.subarray((ids.length - 1) * v, ids.length * v);
}

/**
 * The ids a prediction after `prefix` conditions on: the prefix's tokens, the last context-length
 * of them when longer, or the BOS token alone for an empty prefix.
 */
export function prefixIds(model: LanguageModel, prefix: string): number[] {
    let ids = prefix.length > 0 ? model.tokenizer.encode(prefix).ids : [];
    if (ids.length === 0) {
        const bos = model.tokenizer.bosId;
        if (bos === undefined) {
            throw new UserError("nothing to predict from: the prefix is empty and this model's tokenizer has no BOS token");
        }
        return [bos];
    }
    if (ids.length > model.info.contextLength) ids = ids.slice(ids.length - model.info.contextLength);
    return ids;
}

/** Top-k and entropy (nats) of the distribution of the token following `prefix`. */
export async function nextToken(model: LanguageModel, prefix: string, k = 10): Promise<NextTokenResult> {
    if (!Number.isInteger(k) || k < 0) throw new UserError(`k must be an integer >= 0, got ${k}`);
    const ids = prefixIds(model, prefix);
    const row = await nextLogits(model, ids);
    const stats = rowStats(row, k);
    return {
        top: stats.top.map((e) => {
            const text = tokenText(model.tokenizer, e.id);
            return { id: e.id, text, prob: e.prob, ...partialBytes(model.tokenizer, e.id, text) };
        }),
        entropy: stats.entropy,
        contextTokens: ids.length === 1 && ids[0] === model.tokenizer.bosId && !prefix ? 0 : ids.length,
    };
}
