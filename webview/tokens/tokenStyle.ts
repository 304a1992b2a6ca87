// Derived colours for token chips: the data colour scales give translucent fills, and a chip's
// underline uses the same hue nearly opaque, so neighbouring tokens of similar colour stay apart
// and the legend's swatches read exactly like the tokens they explain.

/**
 * The same rgba()/hsla() colour with another alpha. Colours without an alpha channel are
 * returned unchanged, so an unexpected format degrades to the fill colour rather than failing.
 */
export function withAlpha(color: string, alpha: number): string {
    const match = /^(rgba|hsla)\((.*),\s*([\d.]+)\s*\)$/.exec(color.trim());
    if (!match) return color;
    const a = Math.min(1, Math.max(0, alpha));
    return `${match[1]}(${match[2]}, ${Number(a.toFixed(3))})`;
}

/** Alpha of a chip's underline: strong enough to separate chips, translucent enough for themes. */
export const edgeAlpha = 0.95;

/**
 * Splits a token's text into runs of plain text and single whitespace characters, which the panel
 * shows as dimmed marks. Control characters count as whitespace so they never render raw.
 */
export function whitespaceRuns(text: string): { text: string; ws: boolean }[] {
    const runs: { text: string; ws: boolean }[] = [];
    let plain = "";
    for (const ch of text) {
        if (ch === " " || ch.charCodeAt(0) < 0x20) {
            if (plain) runs.push({ text: plain, ws: false });
            plain = "";
            runs.push({ text: ch, ws: true });
        } else plain += ch;
    }
    if (plain) runs.push({ text: plain, ws: false });
    return runs;
}

/** Number of line breaks a token ends lines with, so the panel breaks lines as the source does. */
export function lineBreaks(text: string): number {
    return text.split("\n").length - 1;
}
