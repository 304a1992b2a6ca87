// Texts that every tokenizer test round-trips: scripts, combining marks, emoji with skin tones
// and zero-width joiners, tabs, newlines and CRLF. Also an offset check written independently.

import assert from "node:assert/strict";
import type { Encoding } from "../types";

export const roundTripTexts: Record<string, string> = {
    ascii: "The quick brown fox jumps over the lazy dog.",
    accented: "Seán naïve café résumé Ångström Œuvre façade",
    combining: "e\u0301 vs é, Z̷͑a̶l̴g̵o",
    cjk: "中文 日本語のテキスト、漢字とかな。한국어",
    emoji: "family 👩‍👩‍👧 wave 👋🏽 flag 🇮🇪 heart ❤️!",
    whitespace: "line one\nline two\n\n\tindented\ttab\r\nwindows\r\n   trailing  ",
    astral: "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 𐍈",
    empty: "",
};

/**
 * Checks an encoding's offsets: byte offsets tile the UTF-8 text, and each UTF-16 range is the
 * byte range widened to whole code points (computed here from code-point boundaries).
 */
export function assertOffsets(text: string, encoding: Encoding): void {
    const bytes = Buffer.from(text, "utf8");
    assert.equal(encoding.byteOffsets.length, encoding.ids.length);
    assert.equal(encoding.offsets.length, encoding.ids.length);
    let position = 0;
    for (const [start, end] of encoding.byteOffsets) {
        assert.equal(start, position, "byte offsets must be contiguous");
        assert.ok(end >= start);
        position = end;
    }
    assert.equal(position, bytes.length, "byte offsets must cover the text");

    // Code-point boundaries as [byteStart, byteEnd, unitStart, unitEnd].
    const chars: [number, number, number, number][] = [];
    let byte = 0;
    let unit = 0;
    for (const ch of text) {
        const n = Buffer.byteLength(ch, "utf8");
        chars.push([byte, byte + n, unit, unit + ch.length]);
        byte += n;
        unit += ch.length;
    }
    encoding.byteOffsets.forEach(([start, end], i) => {
        if (start === end) return;
        const first = chars.find((c) => c[0] <= start && start < c[1])!;
        const last = chars.find((c) => c[0] < end && end <= c[1])!;
        assert.deepEqual(
            encoding.offsets[i],
            [first[2], last[3]],
            `token ${i} bytes [${start}, ${end})`,
        );
    });
}
