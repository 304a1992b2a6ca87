// Per-token analysis of a text under a causal language model: P(token | prefix), rank, surprisal,
// entropy and top-k for every token, the chain-rule log-likelihood, perplexity and bits per
// character. Texts longer than the context are scored with a sliding window.

import type { AnalyzeResult, DisplayUnit, TokenAnalysis, TopToken } from "../../protocol";
import type { Encoding, LanguageModel, Tokenizer } from "../types";
import { UserError } from "../types";
import { rowStats } from "./distribution";

export interface AnalyzeOptions {
    /** Entries in each token's top-k (default 5). */
    topK?: number;
    /** Analyse at most this many tokens; the rest of the text is cut (result.cut). */
    maxTokens?: number;
}

/**
 * Analyses `text` token by token. Nothing is added to the text: the first token has no prefix
 * and stays unconditioned (null log-prob). Whitespace-only or empty text is refused before the
 * model runs. With T tokens and context C > T every token sees its whole prefix; otherwise
 * windows of C tokens advance by C/2, so each later token sees at least C/2 preceding tokens.
 */
export async function analyze(model: LanguageModel, text: string, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    return analyzeEncoded(model, text, encodeForAnalysis(model.tokenizer, text), options, async (ids) => {
        const { logits } = await model.forward(ids, { logits: true });
        return logits!;
    });
}

/** Runs one window of ids through the model and returns its logits [T, V]. */
export type WindowLogits = (ids: number[], window: Window) => Promise<Float32Array>;

/**
 * `analyze` on an encoding already made, with the forward passes left to `logitsOf`, so that a
 * caller can fetch more (attentions) from the same pass.
 */
export async function analyzeEncoded(
    model: LanguageModel,
    text: string,
    encoding: Encoding,
    options: AnalyzeOptions,
    logitsOf: WindowLogits,
): Promise<AnalyzeResult> {
    const topK = options.topK ?? 5;
    if (!Number.isInteger(topK) || topK < 0) throw new UserError(`topK must be an integer >= 0, got ${topK}`);
    let ids = encoding.ids;
    const cut = options.maxTokens !== undefined && ids.length > options.maxTokens;
    if (cut) {
        if (!Number.isInteger(options.maxTokens) || options.maxTokens! < 1) {
            throw new UserError(`maxTokens must be a positive integer, got ${options.maxTokens}`);
        }
        ids = ids.slice(0, options.maxTokens);
    }
    const t = ids.length;
    const context = model.info.contextLength;
    const vocab = model.info.vocabSize;
    const tokenizer = model.tokenizer;
    // Decoding one id is cheap but is asked for (1 + topK) times per token; texts repeat ids.
    const texts = new Map<number, string>();
    const textOf = (id: number): string => {
        let value = texts.get(id);
        if (value === undefined) texts.set(id, (value = tokenText(tokenizer, id)));
        return value;
    };

    const tokens: TokenAnalysis[] = ids.map((id, i) => ({
        id,
        text: textOf(id),
        ...partialBytes(tokenizer, id, textOf(id)),
        start: encoding.offsets[i][0],
        end: encoding.offsets[i][1],
        logprob: null,
        prob: null,
        rank: null,
        surprisal: null,
        entropy: null,
        topk: [],
        special: tokenizer.specialIds.has(id),
        context: i,
        truncatedContext: false,
    }));

    for (const window of planWindows(t, context)) {
        const logits = await logitsOf(ids.slice(window.start, window.end), window);
        for (let p = window.firstScored; p < window.end; p++) {
            const row = logits.subarray((p - 1 - window.start) * vocab, (p - window.start) * vocab);
            const stats = rowStats(row, topK, ids[p]);
            const logprob = row[ids[p]] - stats.logSumExp;
            // NaN would reach JSON as null, which means "unconditioned": refuse it instead.
            if (!Number.isFinite(logprob)) {
                throw new UserError(
                    `the model's output for token ${p} is not finite (log-prob ${logprob}); its weights are probably damaged or diverged`,
                );
            }
            const token = tokens[p];
            token.logprob = logprob;
            token.prob = Math.exp(logprob);
            token.rank = stats.rank!;
            token.surprisal = -logprob / Math.LN2;
            token.entropy = stats.entropy;
            token.topk = stats.top.map((e): TopToken => {
                const text = textOf(e.id);
                return { id: e.id, text, prob: e.prob, ...partialBytes(tokenizer, e.id, text) };
            });
            token.context = p - window.start;
            token.truncatedContext = window.start > 0;
        }
    }

    let logLikelihood = 0;
    let scored = 0;
    for (const token of tokens) {
        if (token.logprob === null) continue;
        logLikelihood += token.logprob;
        scored++;
    }
    const analysed = text.slice(0, cut ? Math.max(...tokens.map((tk) => tk.end)) : text.length);
    const chars = [...analysed].length;
    return {
        model: model.info.name,
        text: analysed,
        tokens,
        units: displayUnits(tokens, analysed),
        logLikelihood,
        scored,
        // With a single token nothing is scored; NaN travels as null in JSON.
        perplexity: scored > 0 ? Math.exp(-logLikelihood / scored) : NaN,
        bitsPerChar: chars > 0 ? -logLikelihood / Math.LN2 / chars : NaN,
        chars,
        contextLength: context,
        truncatedTokens: tokens.filter((tk) => tk.truncatedContext).length,
        cut,
    };
}

/**
 * Encodes text for analysis, refusing input that has nothing to analyse: empty text and text made
 * only of whitespace (as JavaScript's String.prototype.trim defines it), whatever the tokenizer
 * would make of it, and text the tokenizer turns into no tokens at all.
 */
export function encodeForAnalysis(tokenizer: Tokenizer, text: string): Encoding {
    if (text.trim().length === 0) throw new UserError("no tokens to analyse: the text is empty or only whitespace");
    const encoding = tokenizer.encode(text);
    if (encoding.ids.length === 0) throw new UserError("no tokens to analyse: the tokenizer produced no tokens for this text");
    return encoding;
}

/** One forward pass of the sliding window: ids [start, end), scoring positions [firstScored, end). */
export interface Window {
    start: number;
    end: number;
    firstScored: number;
}

/** Windows covering `t` tokens with context `context`: the first scores 1..C-1, the next advance by C/2. */
export function planWindows(t: number, context: number): Window[] {
    if (context < 2) throw new UserError(`the model's context (${context}) is too short to score tokens`);
    const windows: Window[] = [{ start: 0, end: Math.min(t, context), firstScored: 1 }];
    const stride = Math.floor(context / 2);
    let covered = windows[0].end;
    while (covered < t) {
        const end = Math.min(covered + stride, t);
        windows.push({ start: end - context, end, firstScored: covered });
        covered = end;
    }
    return windows;
}

/**
 * Groups tokens into display units: tokens whose UTF-16 ranges overlap (byte-level BPE pieces of
 * one character) form one unit, whose log-prob is the sum of theirs.
 */
export function displayUnits(tokens: readonly TokenAnalysis[], text: string): DisplayUnit[] {
    const units: DisplayUnit[] = [];
    tokens.forEach((token, index) => {
        const last = units.at(-1);
        if (last && token.start < last.end) {
            last.end = Math.max(last.end, token.end);
            last.tokens.push(index);
            last.logprob = last.logprob === null || token.logprob === null ? null : last.logprob + token.logprob;
        } else {
            units.push({ start: token.start, end: token.end, text: "", tokens: [index], logprob: token.logprob });
        }
    });
    for (const unit of units) unit.text = text.slice(unit.start, unit.end);
    return units;
}

/** The text of one token: its literal for special tokens, else its decoded bytes. */
export function tokenText(tokenizer: Tokenizer, id: number): string {
    return tokenizer.decode([id]);
}

/**
 * `{ bytes }` in hex when a token's text holds U+FFFD, so that a byte-level piece of a character
 * can be shown by its bytes; nothing for every other token, which keeps results small.
 */
export function partialBytes(tokenizer: Tokenizer, id: number, text: string): { bytes?: string } {
    if (!text.includes("\uFFFD")) return {};
    return { bytes: Buffer.from(tokenizer.tokenBytes(id)).toString("hex") };
}
