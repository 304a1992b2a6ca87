// Text helpers shared by every tokenizer: UTF-8 ⇄ UTF-16 offset conversion, the GPT-2 byte-level
// alphabet and pre-tokenisation regex, and splitting text around special tokens.

/**
 * Converts [start, end) UTF-8 byte offsets into `text` to UTF-16 code-unit offsets. A start or
 * end that falls inside a multi-byte character is widened to the whole character, so two tokens
 * that share a character both cover it. Lone surrogates count as the 3 bytes of U+FFFD, as the
 * UTF-8 encoder writes them.
 */
export function utf8ToUtf16Offsets(
    text: string,
    byteOffsets: readonly (readonly [number, number])[],
): [number, number][] {
    const table = byteTable(text);
    return byteOffsets.map(([start, end]) => {
        if (start < 0 || end > table.totalBytes || start > end) {
            throw new RangeError(
                `byte offsets [${start}, ${end}) outside a text of ${table.totalBytes} bytes`,
            );
        }
        const from = start === table.totalBytes ? text.length : table.charStart[start];
        const to = end === 0 ? 0 : end === start ? from : table.charEnd[end - 1];
        return [from, Math.max(from, to)];
    });
}

/** UTF-8 byte offsets of consecutive pieces of a text, given each piece's byte length. */
export function tileOffsets(lengths: readonly number[]): [number, number][] {
    const out: [number, number][] = [];
    let position = 0;
    for (const length of lengths) {
        out.push([position, position + length]);
        position += length;
    }
    return out;
}

/** The GPT-2 pre-tokenisation pattern (contractions, letters, digits, other, whitespace). */
export const gpt2SplitPattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Splits text into GPT-2 pre-tokens; the pieces concatenate back to the text. */
export function gpt2PreTokenize(text: string): string[] {
    return text.match(gpt2Regex) ?? [];
}

/** One piece of text: either ordinary text or an occurrence of a special token. */
export interface Segment {
    text: string;
    special: boolean;
}

/**
 * Splits text around literal occurrences of special tokens (longest first at each position),
 * as Hugging Face does for added special tokens before pre-tokenisation.
 */
export function splitSpecial(text: string, specials: readonly string[]): Segment[] {
    const usable = specials.filter((s) => s.length > 0);
    if (usable.length === 0 || text.length === 0)
        return text.length === 0 ? [] : [{ text, special: false }];
    const pattern = new RegExp(
        [...usable]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join("|"),
        "gu",
    );
    const out: Segment[] = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
        if (match.index! > last) out.push({ text: text.slice(last, match.index), special: false });
        out.push({ text: match[0], special: true });
        last = match.index! + match[0].length;
    }
    if (last < text.length) out.push({ text: text.slice(last), special: false });
    return out;
}

/** GPT-2's reversible byte → printable character map (e.g. space 0x20 → "Ġ"). */
export const byteToUnicode: readonly string[] = buildByteToUnicode();

/** The inverse of `byteToUnicode`. */
export const unicodeToByte: ReadonlyMap<string, number> = new Map(
    byteToUnicode.map((c, b) => [c, b]),
);

/** The byte-level vocabulary string for raw bytes. */
export function bytesToByteLevel(bytes: Uint8Array): string {
    let out = "";
    for (const b of bytes) out += byteToUnicode[b];
    return out;
}

/** Raw bytes of a byte-level vocabulary string, or undefined if it uses other characters. */
export function byteLevelToBytes(token: string): Uint8Array | undefined {
    const out: number[] = [];
    for (const ch of token) {
        const b = unicodeToByte.get(ch);
        if (b === undefined) return undefined;
        out.push(b);
    }
    return Uint8Array.from(out);
}

export const utf8Encoder = new TextEncoder();
/** Decodes UTF-8, replacing invalid or partial sequences with U+FFFD. */
export const utf8Decoder = new TextDecoder("utf-8");

// ---------------------------------------------------------------------------------------------

const gpt2Regex = new RegExp(gpt2SplitPattern, "gu");

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface ByteTable {
    totalBytes: number;
    /** For each byte, the UTF-16 index where its character starts. */
    charStart: Int32Array;
    /** For each byte, the UTF-16 index just after its character. */
    charEnd: Int32Array;
}

function byteTable(text: string): ByteTable {
    const charStart: number[] = [];
    const charEnd: number[] = [];
    let unit = 0;
    while (unit < text.length) {
        const code = text.codePointAt(unit)!;
        const units = code > 0xffff ? 2 : 1;
        const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
        for (let i = 0; i < bytes; i++) {
            charStart.push(unit);
            charEnd.push(unit + units);
        }
        unit += units;
    }
    return {
        totalBytes: charStart.length,
        charStart: Int32Array.from(charStart),
        charEnd: Int32Array.from(charEnd),
    };
}

function buildByteToUnicode(): string[] {
    // Printable Latin-1 bytes map to themselves; the rest are shifted to U+0100 and up, in order.
    const map: string[] = new Array(256);
    let next = 256;
    for (let b = 0; b < 256; b++) {
        const printable =
            (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
        map[b] = String.fromCodePoint(printable ? b : next++);
    }
    return map;
}
