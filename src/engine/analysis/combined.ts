// The token view and the attention view of one text in one request. When the attention covers
// the tokens of the analysis's first window (always, for a text within the context), a single
// forward pass returns the logits and the attentions together instead of running the model twice.

import type { AnalyzeParams, AnalyzeResult, AttentionResult } from "../../protocol";
import type { ForwardResult, LanguageModel } from "../types";
import { analyzeEncoded, type AnalyzeOptions, encodeForAnalysis } from "./analyze";
import { type AttentionOptions, attentionResult, planAttention } from "./attention";

export interface AnalyzeWithAttentionOptions extends AnalyzeOptions {
    /** The attention request, as `attention` takes it (default: every layer and head in full). */
    attention?: AttentionOptions;
}

/** Parameters of the service's combined request: those of `analyze`, plus the attention's. */
export interface AnalyzeWithAttentionParams extends AnalyzeParams {
    attention?: AttentionOptions;
}

export interface AnalyzeWithAttentionResult {
    analysis: AnalyzeResult;
    attention: AttentionResult;
}

/**
 * The results of `analyze(model, text, options)` and `attention(model, text, options.attention)`,
 * identical to those of the two calls, from one forward pass where the token ranges agree.
 * Bad options of either kind are refused before the model runs.
 */
export async function analyzeWithAttention(
    model: LanguageModel,
    text: string,
    options: AnalyzeWithAttentionOptions = {},
): Promise<AnalyzeWithAttentionResult> {
    const encoding = encodeForAnalysis(model.tokenizer, text);
    const plan = planAttention(model, encoding, options.attention ?? {});
    let forward: ForwardResult | undefined;
    const analysis = await analyzeEncoded(model, text, encoding, options, async (ids, window) => {
        if (window.start === 0 && plan.forward && sameIds(ids, plan.ids)) {
            forward = await model.forward(ids, { ...plan.forward, logits: true });
            return forward.logits!;
        }
        const { logits } = await model.forward(ids, { logits: true });
        return logits!;
    });
    if (!forward && plan.forward) forward = await model.forward(plan.ids, plan.forward);
    return { analysis, attention: attentionResult(model, encoding, plan, forward ?? {}) };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function sameIds(a: readonly number[], b: readonly number[]): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}
