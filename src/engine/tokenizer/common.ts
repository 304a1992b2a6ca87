// Pieces shared by LM Lab's own tokenizers (char and byte-level BPE): special-token roles,
// Hugging Face `added_tokens` entries, and building an Encoding from per-token byte lengths.

import type { Encoding } from "../types";
import { tileOffsets, utf8ToUtf16Offsets } from "./text";

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
