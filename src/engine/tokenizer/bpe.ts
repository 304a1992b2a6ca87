// LM Lab's byte-level BPE tokenizer (GPT-2 scheme): text is split around special tokens, cut into
// pre-tokens with the GPT-2 regex, and each pre-token's UTF-8 bytes are merged by rank. Ids 0-255
// are the raw bytes in byte order, so any text encodes, then come the merges, then the specials.
// It saves as, and loads from, a standard Hugging Face tokenizer.json.

import type { Encoding, Tokenizer } from "../types";
import { UserError } from "../types";
import {
    bpeTokenizerJson,
    checkTokenId,
    encodeAroundSpecials,
    EncodeOptions,
    findSpecialIds,
    readSpecialTokens,
} from "./common";
import {
    byteLevelToBytes,
    byteToUnicode,
    bytesToByteLevel,
    gpt2PreTokenize,
    utf8Decoder,
    utf8Encoder,
} from "./text";

export class BpeTokenizer implements Tokenizer {
    readonly kind = "bpe" as const;
    readonly vocabSize: number;
    readonly specialIds: ReadonlySet<number>;
    readonly bosId?: number;
    readonly eosId?: number;
    readonly maskId?: number;

    private readonly tokens: string[];
    private readonly bytes: Uint8Array[];
    private readonly ranks = new Map<number, { rank: number; id: number }>();
    private readonly specialByText: Map<string, number>;
    private readonly cache = new Map<string, number[]>();

    /**
     * @param merges each merge's two parts and resulting id, in rank order.
     * @param tokenBytes the bytes of every non-special id (ids 0-255 are the single bytes).
     * @param specials special-token text → id.
     */
    constructor(
        private readonly merges: readonly { left: number; right: number; id: number }[],
        tokenBytes: readonly Uint8Array[],
        specials: ReadonlyMap<string, number>,
    ) {
        this.bytes = [...tokenBytes];
        this.tokens = this.bytes.map((b) => bytesToByteLevel(b));
        for (const [text, id] of specials) {
            this.tokens[id] = text;
            this.bytes[id] = utf8Encoder.encode(text);
        }
        merges.forEach((m, rank) => {
            const key = pairKey(m.left, m.right);
            if (!this.ranks.has(key)) this.ranks.set(key, { rank, id: m.id });
        });
        this.specialByText = new Map(specials);
        this.specialIds = new Set(specials.values());
        this.vocabSize = this.tokens.length;
        Object.assign(
            this,
            findSpecialIds((t) => this.specialByText.get(t)),
        );
    }

    /** Loads a byte-level BPE tokenizer.json whose ids 0-255 are the bytes in byte order. */
    static fromJSON(json: Record<string, unknown>): BpeTokenizer {
        const model = json.model as
            { vocab?: Record<string, number>; merges?: unknown[] } | undefined;
        if (!isLmLabBpe(json) || !model?.vocab || !model.merges) {
            throw new UserError(
                "tokenizer.json is not an LM Lab byte-level BPE (ids 0-255 must be the bytes in order)",
            );
        }
        const specials = readSpecialTokens(json);
        const specialIdSet = new Set(specials.values());
        const size = Math.max(...Object.values(model.vocab), ...specialIdSet) + 1;
        const tokenBytes: Uint8Array[] = new Array(size).fill(new Uint8Array(0));
        for (const [token, id] of Object.entries(model.vocab)) {
            if (specialIdSet.has(id)) continue;
            const bytes = byteLevelToBytes(token);
            if (!bytes)
                throw new UserError(
                    `tokenizer.json: vocabulary entry ${JSON.stringify(token)} is not byte-level`,
                );
            tokenBytes[id] = bytes;
        }
        const merges = model.merges.map((entry, rank) => {
            const [left, right] =
                typeof entry === "string" ? splitMerge(entry) : (entry as string[]);
            const l = model.vocab![left];
            const r = model.vocab![right];
            const id = model.vocab![left + right];
            if (l === undefined || r === undefined || id === undefined) {
                throw new UserError(
                    `tokenizer.json: merge ${rank} (${JSON.stringify(entry)}) uses tokens missing from the vocabulary`,
                );
            }
            return { left: l, right: r, id };
        });
        return new BpeTokenizer(merges, tokenBytes, specials);
    }

    encode(text: string, options: EncodeOptions = {}): Encoding {
        return encodeAroundSpecials(
            text,
            options.matchSpecialTokens === false ? [] : [...this.specialByText.keys()],
            (special) => this.specialByText.get(special)!,
            (plain, ids, lengths) => {
                for (const word of gpt2PreTokenize(plain)) {
                    for (const id of this.encodeWord(word)) {
                        ids.push(id);
                        lengths.push(this.bytes[id].length);
                    }
                }
            },
        );
    }

    decode(ids: readonly number[]): string {
        const parts = ids.map((id) => this.tokenBytes(id));
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let offset = 0;
        for (const part of parts) {
            all.set(part, offset);
            offset += part.length;
        }
        return utf8Decoder.decode(all);
    }

    tokenBytes(id: number): Uint8Array {
        return this.bytes[checkTokenId(id, this.vocabSize)];
    }

    tokenString(id: number): string {
        return this.tokens[checkTokenId(id, this.vocabSize)];
    }

    toJSON(): object {
        const vocab: Record<string, number> = {};
        this.tokens.forEach((token, id) => {
            if (!(token in vocab)) vocab[token] = id;
        });
        const byteLevel = {
            type: "ByteLevel",
            add_prefix_space: false,
            trim_offsets: true,
            use_regex: true,
        };
        return bpeTokenizerJson({
            specials: this.specialByText,
            preTokenizer: byteLevel,
            postProcessor: { ...byteLevel, trim_offsets: false },
            decoder: byteLevel,
            unkToken: null,
            vocab,
            merges: this.merges.map((m) => `${this.tokens[m.left]} ${this.tokens[m.right]}`),
        });
    }

    /** BPE on one pre-token: repeatedly merge every occurrence of the lowest-ranked pair. */
    private encodeWord(word: string): number[] {
        const cached = this.cache.get(word);
        if (cached) return cached;
        let symbols = Array.from(utf8Encoder.encode(word));
        while (symbols.length > 1) {
            let best: { rank: number; id: number } | undefined;
            let bestKey = -1;
            for (let i = 0; i + 1 < symbols.length; i++) {
                const key = pairKey(symbols[i], symbols[i + 1]);
                const merge = this.ranks.get(key);
                if (merge && (!best || merge.rank < best.rank)) {
                    best = merge;
                    bestKey = key;
                }
            }
            if (!best) break;
            const next: number[] = [];
            for (let i = 0; i < symbols.length; i++) {
                if (i + 1 < symbols.length && pairKey(symbols[i], symbols[i + 1]) === bestKey) {
                    next.push(best.id);
                    i++;
                } else {
                    next.push(symbols[i]);
                }
            }
            symbols = next;
        }
        // Bound the cache: long-running engines encode many distinct words.
        if (this.cache.size > 100_000) this.cache.clear();
        this.cache.set(word, symbols);
        return symbols;
    }
}

/**
 * True when a tokenizer.json has LM Lab's byte-level BPE layout: a BPE model over the GPT-2 byte
 * alphabet whose ids 0-255 are the 256 bytes in byte order, with no normalizer.
 */
export function isLmLabBpe(json: Record<string, unknown>): boolean {
    const model = json.model as { type?: string; vocab?: Record<string, number> } | undefined;
    const pre = json.pre_tokenizer as {
        type?: string;
        add_prefix_space?: boolean;
        use_regex?: boolean;
    } | null;
    if (model?.type !== "BPE" || !model.vocab || json.normalizer) return false;
    if (pre?.type !== "ByteLevel" || pre.add_prefix_space || pre.use_regex === false) return false;
    return byteToUnicode.every((ch, b) => model.vocab![ch] === b);
}

/** A number identifying an ordered pair of token ids (ids below 2^21). */
export function pairKey(left: number, right: number): number {
    return left * 2_097_152 + right;
}

function splitMerge(entry: string): [string, string] {
    const space = entry.indexOf(" ");
    if (space <= 0)
        throw new UserError(`tokenizer.json: merge ${JSON.stringify(entry)} is not "left right"`);
    return [entry.slice(0, space), entry.slice(space + 1)];
}
