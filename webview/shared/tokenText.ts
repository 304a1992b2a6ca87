// Makes token text readable in a panel: whitespace and control characters become visible marks
// and special tokens are bracketed, so a token made only of a space or a newline still shows. A
// byte-level piece of a character (decoded as U+FFFD) shows its bytes instead, as ⟨F0 9F⟩.

/** Visible form of a token's text: space ·, tab →, newline ↵, other controls as \xNN. */
export function visibleText(text: string): string {
    let out = "";
    for (const ch of text) {
        if (ch === " ") out += "·";
        else if (ch === "\t") out += "→";
        else if (ch === "\n") out += "↵";
        else if (ch === "\r") out += "␍";
        else if (ch.charCodeAt(0) < 0x20) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
        else out += ch;
    }
    return out;
}

/**
 * Label of a token in lists: special tokens keep their literal text in angle quotes, and a token
 * whose text holds U+FFFD shows its bytes (hex from the engine) in angle quotes.
 */
export function tokenLabel(text: string, special: boolean, bytes?: string): string {
    if (special) return `⟨${text}⟩`;
    if (bytes !== undefined && text.includes("\uFFFD")) return `⟨${hexBytes(bytes)}⟩`;
    return text.length === 0 ? "∅" : visibleText(text);
}

/**
 * What a panel shows for a token before its whitespace is made visible: the text itself, or the
 * label of a special token or of a partial character.
 */
export function tokenShownText(token: { text: string; special?: boolean; bytes?: string }): string {
    if (token.special || (token.bytes !== undefined && token.text.includes("\uFFFD"))) {
        return tokenLabel(token.text, token.special ?? false, token.bytes);
    }
    return token.text;
}

/** Hex "f09f" as "F0 9F"; an odd trailing digit is kept as it came. */
export function hexBytes(hex: string): string {
    return (hex.toUpperCase().match(/[0-9A-F]{1,2}/g) ?? []).join(" ");
}

/** Formats a probability compactly: 0.123 → "12.3%", 0.00001234 → "1.2e-5". */
export function formatProb(prob: number): string {
    if (prob >= 0.001) return `${(prob * 100).toFixed(prob >= 0.1 ? 1 : 2)}%`;
    if (prob <= 0) return "0";
    const [mant, exp] = prob.toExponential(1).split("e");
    return `${mant}e${Number(exp)}`;
}
