// A Hugging Face tokenizer.json, encoded and decoded by @huggingface/tokenizers. The library
// returns ids but no offsets, so byte offsets are rebuilt from each token's bytes: exact for
// byte-level BPE (GPT-2 style) and for added tokens; other models fall back to aligning token text.

import { Tokenizer as HfLibTokenizer } from "@huggingface/tokenizers";
import type { Encoding, Tokenizer } from "../types";
import { UserError } from "../types";
import { EncodeOptions, findSpecialIds, makeEncoding } from "./common";
import {
    byteLevelToBytes,
    tileOffsets,
    utf8Decoder,
    utf8Encoder,
    utf8ToUtf16Offsets,
} from "./text";

/** Token roles named in a `tokenizer_config.json` beside the tokenizer.json. */
export interface HfTokenizerConfig {
    bos_token?: unknown;
    eos_token?: unknown;
    mask_token?: unknown;
}

export class HfTokenizer implements Tokenizer {
    readonly kind = "hf" as const;
    readonly vocabSize: number;
    readonly specialIds: ReadonlySet<number>;
    readonly bosId?: number;
    readonly eosId?: number;
    readonly maskId?: number;

    private readonly lib: HfLibTokenizer;
    private plainLib?: HfLibTokenizer;
    private readonly strings: string[] = [];
    private readonly bytes: Uint8Array[] = [];
    /** Whether every non-added token's string is in the byte-level alphabet. */
    private readonly byteLevel: boolean;

    constructor(
        private readonly json: Record<string, unknown>,
        config: HfTokenizerConfig = {},
    ) {
        if (typeof json.model !== "object" || json.model === null) {
            throw new UserError(
                'tokenizer.json has no "model" section; is it a Hugging Face tokenizer file?',
            );
        }
        try {
            // The library insists on every section being present, even when null.
            this.lib = new HfLibTokenizer({ ...optionalSections, ...json }, config);
        } catch (error) {
            throw new UserError(`tokenizer.json could not be loaded: ${(error as Error).message}`);
        }
        const added = new Map<number, { content: string; special: boolean }>();
        for (const entry of (json.added_tokens ?? []) as {
            id: number;
            content: string;
            special?: boolean;
        }[]) {
            added.set(entry.id, { content: entry.content, special: entry.special === true });
        }
        const vocab = this.lib.get_vocab(true);
        let byteLevel = hasByteLevel(json) && !json.normalizer;
        for (const [token, id] of vocab) {
            this.strings[id] = token;
            const literal = added.get(id);
            const asBytes = literal ? undefined : byteLevelToBytes(token);
            if (!literal && !asBytes) byteLevel = false;
            this.bytes[id] =
                asBytes ?? utf8Encoder.encode(literal ? literal.content : plainTokenText(token));
        }
        this.byteLevel = byteLevel;
        this.vocabSize = this.strings.length;
        this.specialIds = new Set([...added].filter(([, a]) => a.special).map(([id]) => id));
        const roles = findSpecialIds((t) => {
            const id = vocab.get(t);
            return id !== undefined && this.specialIds.has(id) ? id : undefined;
        });
        const named = (value: unknown) => {
            const text =
                typeof value === "string" ? value : (value as { content?: string } | null)?.content;
            return text === undefined ? undefined : vocab.get(text);
        };
        this.bosId = named(config.bos_token) ?? roles.bosId;
        this.eosId = named(config.eos_token) ?? roles.eosId;
        this.maskId = named(config.mask_token) ?? roles.maskId;
    }

    encode(text: string, options: EncodeOptions = {}): Encoding {
        if (text.length === 0) return { ids: [], byteOffsets: [], offsets: [] };
        const lib = options.matchSpecialTokens === false ? this.plainTokenizer() : this.lib;
        const ids = lib.encode(text, { add_special_tokens: false }).ids;
        const textBytes = utf8Encoder.encode(text);
        const lengths = ids.map((id) => this.bytes[id].length);
        if (
            this.byteLevel &&
            tokensSpell(
                textBytes,
                ids.map((id) => this.bytes[id]),
            )
        ) {
            return makeEncoding(text, ids, lengths);
        }
        // Limitation: with normalizers or non-byte-level models the token text may differ from the
        // input (case, accents, "##"), so offsets come from a forward search and are approximate.
        const byteOffsets = alignOffsets(
            textBytes,
            ids.map((id) => this.bytes[id]),
        );
        return { ids, byteOffsets, offsets: utf8ToUtf16Offsets(text, byteOffsets) };
    }

    decode(ids: readonly number[]): string {
        if (ids.length === 0) return ""; // the library rejects an empty list
        ids.forEach((id) => this.checkId(id));
        if (this.byteLevel) {
            return utf8Decoder.decode(concatBytes(ids.map((id) => this.bytes[id])));
        }
        return this.lib.decode([...ids], {
            skip_special_tokens: false,
            clean_up_tokenization_spaces: false,
        });
    }

    tokenBytes(id: number): Uint8Array {
        return this.bytes[this.checkId(id)];
    }

    tokenString(id: number): string {
        return this.strings[this.checkId(id)];
    }

    toJSON(): object {
        return this.json;
    }

    /** The same tokenizer with special tokens treated as ordinary text (OpenAI encoder behaviour). */
    private plainTokenizer(): HfLibTokenizer {
        if (!this.plainLib) {
            const added = (this.json.added_tokens ?? []) as { special?: boolean }[];
            this.plainLib = new HfLibTokenizer(
                {
                    ...optionalSections,
                    ...this.json,
                    added_tokens: added.filter((a) => !a.special),
                },
                {},
            );
        }
        return this.plainLib;
    }

    private checkId(id: number): number {
        if (
            !Number.isInteger(id) ||
            id < 0 ||
            id >= this.vocabSize ||
            this.strings[id] === undefined
        ) {
            throw new UserError(
                `token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`,
            );
        }
        return id;
    }
}

// ---------------------------------------------------------------------------------------------

const optionalSections = {
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
};

function hasByteLevel(json: Record<string, unknown>): boolean {
    const mentions = (part: unknown): boolean =>
        JSON.stringify(part ?? null).includes('"ByteLevel"');
    return mentions(json.pre_tokenizer) || mentions(json.decoder);
}

/** The text a non-byte-level token stands for: SentencePiece "▁" is a space, "##" a continuation. */
function plainTokenText(token: string): string {
    return token.replace(/^##/, "").replace(/\u2581/g, " ");
}

function tokensSpell(text: Uint8Array, parts: Uint8Array[]): boolean {
    let offset = 0;
    for (const part of parts) {
        for (let i = 0; i < part.length; i++) if (text[offset + i] !== part[i]) return false;
        offset += part.length;
    }
    return offset === text.length;
}

/**
 * Places each token at the next case-insensitive occurrence of its text; bytes nobody claimed go
 * to the token before them (or the first token), so the offsets still tile the text.
 */
function alignOffsets(text: Uint8Array, parts: Uint8Array[]): [number, number][] {
    if (parts.length === 0) return [];
    const haystack = utf8Decoder.decode(text).toLowerCase();
    const sameLength = utf8Encoder.encode(haystack).length === text.length;
    const starts: number[] = [];
    let cursor = 0;
    for (const part of parts) {
        const needle = utf8Decoder.decode(part).toLowerCase().trim();
        const found = sameLength && needle.length > 0 ? byteIndexOf(haystack, needle, cursor) : -1;
        if (found >= 0) cursor = found;
        starts.push(cursor);
        if (found >= 0) cursor += utf8Encoder.encode(needle).length;
    }
    starts[0] = 0;
    const lengths = starts.map((s, i) => (i + 1 < starts.length ? starts[i + 1] : text.length) - s);
    return tileOffsets(lengths);
}

function byteIndexOf(haystack: string, needle: string, fromByte: number): number {
    const prefix = utf8Decoder.decode(utf8Encoder.encode(haystack).subarray(0, fromByte));
    const index = haystack.indexOf(needle, prefix.length);
    return index < 0 ? -1 : utf8Encoder.encode(haystack.slice(0, index)).length;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
    }
    return out;
}
