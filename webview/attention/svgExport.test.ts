// Tests for the attention SVG export: escaping and one line per visible weight.

import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeXml, headViewSvg, heatmapSvg } from "./svgExport";

test("token text is escaped in SVG", () => {
    assert.equal(escapeXml(`<a & "b">`), "&lt;a &amp; &quot;b&quot;&gt;");
    const svg = heatmapSvg("data:image/png;base64,AA==", ["<s>", " x"], 10, "L0 H1");
    assert.match(svg, /&lt;s&gt;/);
    assert.match(svg, /·x/);
    assert.match(svg, /width="20" height="20" style="image-rendering:pixelated"/);
});

test("the head view draws a line for each weight above 1%", () => {
    // Causal 2x2: row 0 attends only to itself; row 1 splits 0.995 / 0.005.
    const svg = headViewSvg(new Float32Array([1, 0, 0.995, 0.005]), ["a", "b"], "L0 H0");
    assert.equal(svg.match(/<line /g)?.length, 2);
    assert.match(svg, /stroke-opacity="0\.995"/);
});
