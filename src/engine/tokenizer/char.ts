// Character-level tokenizer: one token per Unicode code point (not per UTF-16 unit), vocabulary
// built from a corpus and sorted by code point. Characters missing from the vocabulary encode to
// the `<unk>` token (id 0) rather than failing, so any text can be shown in the editor; `unknown`
// reports which characters those were. It saves as a Hugging Face BPE model without merges and
// without a pre-tokenizer, which Hugging Face also reads as one token per character.

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
import { splitSpecial, utf8Encoder } from "./text";

/** The token that stands for characters outside the vocabulary. */
export const unknownToken = "<unk>";

export interface CharTrainOptions {
    /** Extra special tokens (e.g. "[MASK]"), given ids right after `<unk>`. */
    specialTokens?: string[];
}

/** Builds a character vocabulary from `text`: `<unk>`, the special tokens, then the characters. */
export function trainCharTokenizer(text: string, options: CharTrainOptions = {}): CharTokenizer {
    const specials = [...new Set([unknownToken, ...(options.specialTokens ?? [])])];
    const chars = new Set<string>();
    for (const segment of splitSpecial(text, specials)) {
        if (!segment.special) for (const ch of segment.text) chars.add(ch);
    }
    const sorted = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer([...specials, ...sorted], specials.length);
}

export class CharTokenizer implements Tokenizer {
    readonly kind = "char" as const;
    readonly vocabSize: number;
    readonly specialIds: ReadonlySet<number>;
    readonly bosId?: number;
    readonly eosId?: number;
    readonly maskId?: number;
    readonly unknownId = 0;

    private readonly idOf = new Map<string, number>();
    private readonly specials: string[];

    /** `tokens[id]` is each token; the first `specialCount` (starting with `<unk>`) are special. */
    constructor(
        private readonly tokens: readonly string[],
        specialCount: number,
    ) {
        if (tokens[0] !== unknownToken)
            throw new UserError(`a char vocabulary must start with ${unknownToken}`);
        tokens.forEach((token, id) => {
            if (id >= specialCount && [...token].length !== 1) {
                throw new UserError(
                    `char vocabulary entry ${id} (${JSON.stringify(token)}) is not a single character`,
                );
            }
            if (this.idOf.has(token))
                throw new UserError(`char vocabulary lists ${JSON.stringify(token)} twice`);
            this.idOf.set(token, id);
        });
        this.specials = tokens.slice(0, specialCount);
        this.specialIds = new Set(this.specials.map((_, id) => id));
        this.vocabSize = tokens.length;
        Object.assign(
            this,
            findSpecialIds((t) => (this.specials.includes(t) ? this.idOf.get(t) : undefined)),
        );
    }

    /** Loads the tokenizer.json written by `toJSON`. */
    static fromJSON(json: Record<string, unknown>): CharTokenizer {
        const model = json.model as { vocab?: Record<string, number> } | undefined;
        if (!isCharJson(json) || !model?.vocab)
            throw new UserError("tokenizer.json is not a character-level tokenizer");
        const tokens: string[] = [];
        for (const [token, id] of Object.entries(model.vocab)) tokens[id] = token;
        const specials = readSpecialTokens(json);
        const count = tokens.findIndex((t, id) => !specials.has(t) || specials.get(t) !== id);
        if (tokens.length === 0 || [...tokens.keys()].some((id) => tokens[id] === undefined)) {
            throw new UserError("tokenizer.json: the char vocabulary ids are not 0..n-1");
        }
        return new CharTokenizer(tokens, count === -1 ? tokens.length : count);
    }

    encode(text: string, options: EncodeOptions = {}): Encoding {
        return encodeAroundSpecials(
            text,
            options.matchSpecialTokens === false ? [] : this.specials,
            (special) => this.idOf.get(special)!,
            (plain, ids, lengths) => {
                for (const ch of plain) {
                    const id = this.idOf.get(ch);
                    ids.push(id === undefined || id < this.specials.length ? this.unknownId : id);
                    lengths.push(utf8Length(ch.codePointAt(0)!));
                }
            },
        );
    }

    /** The distinct characters of `text` that are not in the vocabulary (they encode as `<unk>`). */
    unknown(text: string): string[] {
        return [...new Set([...text].filter((ch) => !this.idOf.has(ch)))];
    }

    decode(ids: readonly number[]): string {
        return ids.map((id) => this.tokenString(id)).join("");
    }

    tokenBytes(id: number): Uint8Array {
        return utf8Encoder.encode(this.tokenString(id));
    }

    tokenString(id: number): string {
        return this.tokens[checkTokenId(id, this.vocabSize)];
    }

    toJSON(): object {
        return bpeTokenizerJson({
            specials: this.specials.map((text, id) => [text, id] as const),
            preTokenizer: null,
            postProcessor: null,
            // Fuse concatenates the tokens; without a decoder Hugging Face would join them with spaces.
            decoder: { type: "Fuse" },
            unkToken: unknownToken,
            vocab: Object.fromEntries(this.tokens.map((t, id) => [t, id])),
            merges: [],
        });
    }
}

/** True for a tokenizer.json in the char layout: BPE without merges, pre-tokenizer or byte level. */
export function isCharJson(json: Record<string, unknown>): boolean {
    const model = json.model as
        { type?: string; merges?: unknown[]; unk_token?: unknown } | undefined;
    return (
        model?.type === "BPE" &&
        Array.isArray(model.merges) &&
        model.merges.length === 0 &&
        model.unk_token === unknownToken &&
        !json.pre_tokenizer &&
        !json.normalizer
    );
}

function utf8Length(code: number): number {
    return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}
