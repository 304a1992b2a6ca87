// Pieces shared by LM Lab's own tokenizers (char and byte-level BPE): special-token roles,
// Hugging Face `added_tokens` entries and the tokenizer.json layout they both save as, encoding
// around special tokens into an Encoding, and the token-id check.

import type { Encoding } from "../types";
import { UserError } from "../types";
import { splitSpecial, tileOffsets, utf8Encoder, utf8ToUtf16Offsets } from "./text";

/** Per-call encoding options beyond the `Tokenizer` interface. */
export interface EncodeOptions {
    /**
     * Whether literal special-token text (e.g. "<|endoftext|>") becomes the special id, as in
     * Hugging Face (default true). False treats it as ordinary text, as OpenAI's encoder does.
     */
    matchSpecialTokens?: boolean;
}

/** Well-known special-token spellings and the role each plays. */
export const specialRoles = {
    bos: ["<|endoftext|>", "<s>", "[CLS]", "<bos>", "<|begin_of_text|>"],
    eos: ["<|endoftext|>", "</s>", "[SEP]", "<eos>", "<|end_of_text|>"],
    mask: ["[MASK]", "<mask>"],
} as const;

export interface SpecialIds {
    bosId?: number;
    eosId?: number;
    maskId?: number;
}

/** Finds BOS/EOS/MASK ids among special tokens by their conventional spellings. */
export function findSpecialIds(lookup: (text: string) => number | undefined): SpecialIds {
    const first = (names: readonly string[]) => {
        for (const name of names) {
            const id = lookup(name);
            if (id !== undefined) return id;
        }
        return undefined;
    };
    return {
        bosId: first(specialRoles.bos),
        eosId: first(specialRoles.eos),
        maskId: first(specialRoles.mask),
    };
}

/** A Hugging Face `added_tokens` entry for a special token that is matched verbatim. */
export function addedTokenJson(id: number, content: string): object {
    return {
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
    };
}

/** The parts in which the tokenizer.json files of LM Lab's tokenizers differ. */
export interface BpeJsonParts {
    /** Special-token text and id, saved as `added_tokens`. */
    specials: Iterable<readonly [string, number]>;
    preTokenizer: object | null;
    postProcessor: object | null;
    decoder: object;
    unkToken: string | null;
    vocab: Record<string, number>;
    merges: string[];
}

/** A Hugging Face tokenizer.json with a BPE model (a char vocabulary is BPE without merges). */
export function bpeTokenizerJson(parts: BpeJsonParts): object {
    return {
        version: "1.0",
        truncation: null,
        padding: null,
        added_tokens: [...parts.specials].map(([text, id]) => addedTokenJson(id, text)),
        normalizer: null,
        pre_tokenizer: parts.preTokenizer,
        post_processor: parts.postProcessor,
        decoder: parts.decoder,
        model: {
            type: "BPE",
            dropout: null,
            unk_token: parts.unkToken,
            continuing_subword_prefix: null,
            end_of_word_suffix: null,
            fuse_unk: false,
            byte_fallback: false,
            ignore_merges: false,
            vocab: parts.vocab,
            merges: parts.merges,
        },
    };
}

/**
 * Encodes `text` split around `specials`: each special-token match becomes `specialId(match)`, and
 * the text between matches goes to `encodePlain`, which appends ids and the UTF-8 byte length each
 * covers.
 */
export function encodeAroundSpecials(
    text: string,
    specials: readonly string[],
    specialId: (special: string) => number,
    encodePlain: (plain: string, ids: number[], lengths: number[]) => void,
): Encoding {
    const ids: number[] = [];
    const lengths: number[] = [];
    for (const segment of splitSpecial(text, specials)) {
        if (segment.special) {
            ids.push(specialId(segment.text));
            lengths.push(utf8Encoder.encode(segment.text).length);
        } else {
            encodePlain(segment.text, ids, lengths);
        }
    }
    return makeEncoding(text, ids, lengths);
}

/** Returns `id` when it is a token id of a vocabulary of `vocabSize`, else throws naming it. */
export function checkTokenId(id: number, vocabSize: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new UserError(`token id ${id} is outside the vocabulary (0..${vocabSize - 1})`);
    }
    return id;
}

/** Builds an Encoding from ids and the UTF-8 byte length each token covers in `text`. */
export function makeEncoding(text: string, ids: number[], byteLengths: number[]): Encoding {
    const byteOffsets = tileOffsets(byteLengths);
    return { ids, byteOffsets, offsets: utf8ToUtf16Offsets(text, byteOffsets) };
}

/** Reads `added_tokens` from a tokenizer.json: content → id for the special ones. */
export function readSpecialTokens(json: Record<string, unknown>): Map<string, number> {
    const out = new Map<string, number>();
    const added = json.added_tokens;
    if (!Array.isArray(added)) return out;
    for (const entry of added as { id?: unknown; content?: unknown; special?: unknown }[]) {
        if (
            entry.special === true &&
            typeof entry.content === "string" &&
            typeof entry.id === "number"
        ) {
            out.set(entry.content, entry.id);
        }
    }
    return out;
}
