// Text generation: repeatedly sample the next token (temperature, top-k, top-p; greedy at
// temperature 0) and stream it. Seeded runs are reproducible; an AbortSignal cancels between tokens.

import type { GenerateResult } from "../../protocol";
import type { LanguageModel } from "../types";
import { UserError } from "../types";
import { nextLogits, prefixIds } from "./nextToken";
import { sampleFrom, samplingDistribution, seededRandom, type SamplingOptions } from "./sampling";

export interface GenerateOptions extends SamplingOptions {
    /** Tokens to generate (default 100). */
    maxTokens?: number;
    /** Seed of the sampler; a random one when absent. */
    seed?: number;
    /** Stop at the tokenizer's EOS token (default true). */
    stopAtEos?: boolean;
}

/** Called with the new text (whole characters only) and the id of the token that completed it. */
export type TokenCallback = (text: string, id: number) => void;

/**
 * Generates a continuation of `prompt`. The prompt is conditioned on as is (BOS alone when
 * empty); once the sequence outgrows the context only its last context-length tokens are seen.
 * Returns the generated text and ids (not the prompt's).
 */
export async function generate(
    model: LanguageModel,
    prompt: string,
    options: GenerateOptions = {},
    onToken: TokenCallback = () => undefined,
    signal?: AbortSignal,
): Promise<GenerateResult> {
    const maxTokens = options.maxTokens ?? 100;
    if (!Number.isInteger(maxTokens) || maxTokens < 0) {
        throw new UserError(`maxTokens must be an integer >= 0, got ${maxTokens}`);
    }
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isInteger(seed)) throw new UserError(`seed must be an integer, got ${seed}`);
    // Validates the sampling options before any model work.
    samplingDistribution([0], options);
    const random = seededRandom(seed);
    const context = model.info.contextLength;
    const eos = options.stopAtEos === false ? undefined : model.tokenizer.eosId;

    const ids = prefixIds(model, prompt);
    const generated: number[] = [];
    let emitted = "";
    let stopped: GenerateResult["stopped"] = "length";
    while (generated.length < maxTokens) {
        if (signal?.aborted) {
            stopped = "cancelled";
            break;
        }
        const window = ids.length > context ? ids.slice(ids.length - context) : ids;
        const logits = await nextLogits(model, window);
        const id = sampleFrom(samplingDistribution(logits, options), random);
        if (id === eos) {
            stopped = "eos";
            break;
        }
        ids.push(id);
        generated.push(id);
        // Emit only whole characters: a byte-level token may end inside a character.
        const text = model.tokenizer.decode(generated);
        if (!text.endsWith("\uFFFD") && text.length > emitted.length) {
            onToken(text.slice(emitted.length), id);
            emitted = text;
        }
    }
    const text = generated.length > 0 ? model.tokenizer.decode(generated) : "";
    if (text.length > emitted.length && text.startsWith(emitted)) onToken(text.slice(emitted.length), generated.at(-1)!);
    return { text, tokens: generated, stopped };
}
