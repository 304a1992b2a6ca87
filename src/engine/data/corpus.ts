// The training corpus: text files read and checked (binary, non-UTF-8 and empty input are refused
// with the file and byte offset), encoded to token ids, split 90/10, and sampled in seeded,
// resumable batches, either next-token (clm) or BERT-style masked (mlm).

import { readFileSync, statSync } from "node:fs";
import type { Tokenizer } from "../types";
import { UserError } from "../types";
import { Rng } from "./rng";

/** Target value at positions that are not scored (unmasked positions in mlm batches). */
export const ignoreIndex = -1;

/** Token ids of a corpus or one of its splits. */
export type TokenIds = Int32Array;

export interface SamplerOptions {
    batchSize: number;
    blockSize: number;
    seed: number;
    objective: "clm" | "mlm";
    /** Required for mlm. */
    maskId?: number;
    /** Required for mlm (random replacement tokens are drawn below it). */
    vocabSize?: number;
    /** Ids never drawn as random replacements (mlm); the mask id is always excluded. */
    specialIds?: ReadonlySet<number>;
    /** Names the split in errors ("training", "validation"). */
    label?: string;
}

/** Seeded batches of [batchSize * blockSize] ids, row-major. */
export interface Sampler {
    /** clm: y is x shifted by one. mlm: x is masked, y holds the original ids where scored, else -1. */
    next(): { x: Int32Array; y: Int32Array };
    /** JSON-serialisable state for exact resume. */
    getState(): unknown;
    setState(state: unknown): void;
}

/**
 * Reads and concatenates text files (and optional inline text), separated by a newline where one
 * is missing. Throws `UserError` for a missing file, binary content (a NUL byte or more than 10 %
 * control characters), invalid UTF-8 (with the byte offset) or an empty corpus.
 */
export function readCorpus(files: readonly string[], inlineText?: string): string {
    const parts: string[] = [];
    for (const file of files) parts.push(readTextFile(file));
    if (inlineText) parts.push(inlineText);
    let text = "";
    for (const part of parts) {
        if (text.length > 0 && !text.endsWith("\n")) text += "\n";
        text += part;
    }
    if (text.trim().length === 0) {
        const what = files.length > 0 ? files.join(", ") : "the given text";
        throw new UserError(
            `the corpus is empty: ${what} contain${files.length === 1 ? "s" : ""} no text`,
        );
    }
    return text;
}

/**
 * Reads one UTF-8 text file (a leading byte-order mark is dropped); see `readCorpus`. `what`
 * names the file in errors, e.g. "--file" for a command-line option.
 */
export function readTextFile(file: string, what = "corpus file"): string {
    let bytes: Buffer;
    try {
        if (statSync(file).isDirectory())
            throw new UserError(`${what} ${file} is a folder, not a text file`);
        bytes = readFileSync(file);
    } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError(
            `${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        );
    }
    const nul = bytes.indexOf(0);
    if (nul >= 0)
        throw new UserError(`${what} ${file} looks binary: NUL byte at offset ${nul}`);
    let control = 0;
    for (const b of bytes)
        if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) || b === 0x7f)
            control++;
    if (bytes.length > 0 && control / bytes.length > 0.1) {
        const percent = ((100 * control) / bytes.length).toFixed(1);
        throw new UserError(
            `${what} ${file} looks binary: ${percent} % of its bytes are control characters`,
        );
    }
    const bad = invalidUtf8Offset(bytes);
    if (bad >= 0)
        throw new UserError(
            `${what} ${file} is not valid UTF-8: bad byte sequence at offset ${bad}`,
        );
    const text = bytes.toString("utf8");
    return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

/**
 * Encodes the corpus in pieces cut after a newline that precedes non-whitespace: such a cut is a
 * pre-token boundary for every LM Lab tokenizer, and it keeps the per-token offsets small.
 */
export function encodeCorpus(text: string, tokenizer: Tokenizer, chunkChars = 1 << 18): TokenIds {
    const chunks: number[][] = [];
    let total = 0;
    let start = 0;
    while (start < text.length) {
        let end = Math.min(text.length, start + chunkChars);
        if (end < text.length) {
            const cut = findCut(text, end);
            end = cut > start ? cut : text.length;
        }
        const ids = tokenizer.encode(text.slice(start, end)).ids;
        chunks.push(ids);
        total += ids.length;
        start = end;
    }
    const out = new Int32Array(total);
    let offset = 0;
    for (const ids of chunks) {
        out.set(ids, offset);
        offset += ids.length;
    }
    return out;
}

/** Splits ids into a leading training part (`fraction`, default 90 %) and a validation rest. */
export function splitCorpus(ids: TokenIds, fraction = 0.9): { train: TokenIds; val: TokenIds } {
    const cut = Math.floor(ids.length * fraction);
    return { train: ids.subarray(0, cut), val: ids.subarray(cut) };
}

/** Characters (Unicode code points) per token over `ids`, for bits-per-character figures. */
export function charsPerToken(ids: TokenIds, tokenizer: Tokenizer): number {
    if (ids.length === 0) return 0;
    let chars = 0;
    for (let i = 0; i < ids.length; i += 65536) {
        const text = tokenizer.decode(Array.from(ids.subarray(i, i + 65536)));
        for (const _ of text) chars++;
    }
    return chars / ids.length;
}

/**
 * A seeded sampler of random windows. Throws `UserError` when the ids are fewer than
 * blockSize + 1 (giving both numbers) or when mlm lacks a mask token.
 */
export function createSampler(ids: TokenIds, options: SamplerOptions): Sampler {
    const { batchSize: B, blockSize: T, objective } = options;
    const label = options.label ?? "corpus";
    if (!Number.isInteger(B) || B < 1 || !Number.isInteger(T) || T < 1) {
        throw new UserError(
            `batch size and block size must be positive integers, found ${B} and ${T}`,
        );
    }
    if (ids.length < T + 1) {
        throw new UserError(
            `the ${label} is too short: ${ids.length} tokens, but a block size of ${T} needs at least ${T + 1}`,
        );
    }
    if (objective === "mlm" && (options.maskId === undefined || !options.vocabSize)) {
        throw new UserError("masked-LM training needs a tokenizer with a [MASK] token");
    }
    const rng = new Rng(options.seed);
    const excluded = new Set(options.specialIds ?? []);
    if (options.maskId !== undefined) excluded.add(options.maskId);
    if (objective === "mlm" && excluded.size >= options.vocabSize!) {
        throw new UserError(
            "masked-LM training needs at least one ordinary token in the vocabulary",
        );
    }
    const next = () => {
        const x = new Int32Array(B * T);
        const y = new Int32Array(B * T);
        for (let b = 0; b < B; b++) {
            if (objective === "clm") {
                const start = rng.nextInt(ids.length - T);
                x.set(ids.subarray(start, start + T), b * T);
                y.set(ids.subarray(start + 1, start + T + 1), b * T);
            } else {
                const start = rng.nextInt(ids.length - T + 1);
                maskRow(
                    ids.subarray(start, start + T),
                    x.subarray(b * T, (b + 1) * T),
                    y.subarray(b * T, (b + 1) * T),
                );
            }
        }
        return { x, y };
    };
    /** BERT masking: 15 % of positions are scored; of those 80 % [MASK], 10 % random, 10 % kept. */
    const maskRow = (source: Int32Array, x: Int32Array, y: Int32Array) => {
        x.set(source);
        y.fill(ignoreIndex);
        let scored = 0;
        for (let t = 0; t < source.length; t++) {
            if (rng.nextFloat() >= 0.15) continue;
            scored++;
            corrupt(source, x, y, t);
        }
        // Every row scores at least one position, so no batch has an empty loss.
        if (scored === 0) corrupt(source, x, y, rng.nextInt(source.length));
    };
    const corrupt = (source: Int32Array, x: Int32Array, y: Int32Array, t: number) => {
        y[t] = source[t];
        const r = rng.nextFloat();
        if (r < 0.8) x[t] = options.maskId!;
        else if (r < 0.9) x[t] = randomToken();
    };
    const randomToken = () => {
        for (;;) {
            const id = rng.nextInt(options.vocabSize!);
            if (!excluded.has(id)) return id;
        }
    };
    return {
        next,
        getState: () => ({ rng: rng.getState() }),
        setState: (state: unknown) => {
            const saved = (state as { rng?: unknown } | null)?.rng;
            if (saved === undefined)
                throw new UserError(
                    `sampler state must be { rng: [...] }, found ${JSON.stringify(state)}`,
                );
            rng.setState(saved);
        },
    };
}

// ---------------------------------------------------------------------------------------------

/** The first index at or after `from` just past a newline followed by non-whitespace, or -1. */
function findCut(text: string, from: number): number {
    for (let i = Math.max(1, from); i < text.length; i++) {
        if (text.charCodeAt(i - 1) === 0x0a && !/\s/.test(text[i])) return i;
    }
    return -1;
}

/** Byte offset of the first invalid UTF-8 sequence (overlong, surrogate, truncated), or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
    let i = 0;
    while (i < bytes.length) {
        const b = bytes[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        let need: number;
        let min: number;
        let max = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
        else if (b === 0xe0) [need, min] = [2, 0xa0];
        else if (b === 0xed) [need, min, max] = [2, 0x80, 0x9f];
        else if (b >= 0xe1 && b <= 0xef) [need, min] = [2, 0x80];
        else if (b === 0xf0) [need, min] = [3, 0x90];
        else if (b === 0xf4) [need, min, max] = [3, 0x80, 0x8f];
        else if (b >= 0xf1 && b <= 0xf3) [need, min] = [3, 0x80];
        else return i;
        // The second byte carries the range restriction; later ones are plain continuations.
        if (i + 1 >= bytes.length || bytes[i + 1] < min || bytes[i + 1] > max) return i;
        for (let k = 2; k <= need; k++) {
            if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
        }
        i += need + 1;
    }
    return -1;
}
