// Chooses the text a hover analyses and finds the hovered token in the result. The window ends
// just past the hovered position, so the hovered token is always among the analysed tokens
// however deep in the file it sits; the engine slides its own context windows over the text, and
// the last of them ends at the window's end, so the hovered token sees nearly a full context.
// Pure (offsets in UTF-16 code units, as VS Code's document offsets), so it is unit-tested.

/** The span of the document to analyse for a hover, and the token limit that keeps it whole. */
export interface HoverWindow {
    /** UTF-16 offsets into the document, end exclusive. */
    start: number;
    end: number;
    /** A `maxTokens` no tokenizer reaches on this span, so the engine never cuts it. */
    maxTokens: number;
}

/** The part of a token list the hover needs: UTF-16 offsets into the analysed window. */
export interface SpanToken {
    start: number;
    end: number;
}

/** Characters of left context analysed for a model with `contextLength` tokens. */
export function windowChars(contextLength: number): number {
    // About four characters per BPE token fill the context; a character model gets several of
    // its windows, which is cheap for the small models that use one. The cap bounds hover latency.
    return Math.min(maxWindowChars, Math.max(minWindowChars, 4 * Math.floor(contextLength)));
}

/**
 * The window for a hover at `offset` in `text`. It ends at `wordEnd` (the end of the word under
 * the mouse) when given, else just after the hovered character, and reaches back at most
 * `windowChars(contextLength)` characters, starting at a word boundary when it cannot start at
 * the document's beginning so that its first tokens are the document's tokens.
 */
export function hoverWindow(
    text: string,
    offset: number,
    wordEnd: number | undefined,
    contextLength: number,
): HoverWindow {
    const at = clamp(offset, 0, text.length);
    let end = wordEnd !== undefined && wordEnd > at ? Math.min(wordEnd, text.length) : at + 1;
    end = Math.min(end, text.length);
    // Never end between the two halves of a surrogate pair: the half would decode as U+FFFD.
    if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end++;
    // A word longer than the window still keeps its hovered character inside.
    let start = Math.max(0, Math.min(at, end - windowChars(contextLength)));
    if (start > 0) start = wordStart(text, start, at);
    // Each UTF-16 unit is at most three UTF-8 bytes and no tokenizer makes more than one token
    // per byte, so this many tokens covers the window.
    return { start, end, maxTokens: Math.max(1, 3 * (end - start)) };
}

/**
 * The index of the token covering document offset `offset` in tokens analysed from a window
 * starting at `windowStart`, or -1 when none does. Byte-level pieces of one character share its
 * range; the last is chosen, so that what follows it starts after the whole character.
 */
export function hoveredTokenIndex(
    tokens: readonly SpanToken[],
    windowStart: number,
    offset: number,
): number {
    const rel = offset - windowStart;
    for (let i = tokens.length - 1; i >= 0; i--) {
        if (tokens[i].start <= rel && rel < tokens[i].end) return i;
    }
    return -1;
}

const minWindowChars = 64;
const maxWindowChars = 8192;

/** The first offset at or after `from` that follows whitespace, unless that passes `limit`. */
function wordStart(text: string, from: number, limit: number): number {
    for (let i = from; i < limit; i++) {
        if (/\s/.test(text[i - 1])) return i;
    }
    // No boundary before the hovered position: start at least on a whole character.
    return isLowSurrogate(text.charCodeAt(from)) ? from + 1 : from;
}

function isLowSurrogate(code: number): boolean {
    return code >= 0xdc00 && code <= 0xdfff;
}

function clamp(value: number, lo: number, hi: number): number {
    return Math.min(hi, Math.max(lo, value));
}
