// Tests for the attention SVG export: escaping, one line per visible weight, and the heatmap's axis
// titles and colour bar as on the canvas.

import assert from "node:assert/strict";
import { test } from "node:test";
import { colormapRgb } from "../shared/colormap";
import { escapeXml, headViewSvg, heatmapSvg } from "./svgExport";

const probs = { kind: "probs", min: 0, max: 1 } as const;

test("token text is escaped in SVG", () => {
    assert.equal(escapeXml(`<a & "b">`), "&lt;a &amp; &quot;b&quot;&gt;");
    const svg = heatmapSvg("data:image/png;base64,AA==", ["<s>", " x"], 10, "L0 H1", probs);
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

test("the heatmap SVG has the axis titles and a colour bar with the canvas's ticks and ends", () => {
    const svg = heatmapSvg("data:image/png;base64,AA==", ["a", "b", "c", "d"], 20, "L0 H0", probs);
    assert.match(svg, /key →/);
    assert.match(svg, /query ↓/);
    assert.match(svg, />weight</);
    // Ticks 0, 0.1, 0.25, 0.5, 1 on the square-root scale of an 80 px bar from y = 100.
    for (const [label, y] of [["0", 180], ["0.1", 180 - 80 * Math.sqrt(0.1)], ["0.25", 140], ["1", 100]] as const) {
        assert.match(svg, new RegExp(`y="${y.toFixed(1)}"[^>]*>${label.replace(".", "\\.")}</text>`));
    }
    const [r, g, b] = colormapRgb(1);
    assert.match(svg, new RegExp(`offset="0.0000" stop-color="rgb\\(${r},${g},${b}\\)"`));
    // The matrix stays where it was; the bar widens the picture beyond it.
    assert.match(svg, /<image x="100" y="100" width="80" height="80"/);
    assert.ok(Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]) > 180 + 12);
    const scores = heatmapSvg("data:image/png;base64,AA==", ["a"], 20, "L0 H0", { kind: "scores", min: -2, max: 6 });
    assert.match(scores, />score</);
    assert.match(scores, />6\.00</);
});

test("the head view SVG titles its columns", () => {
    const svg = headViewSvg(new Float32Array([1]), ["a"], "L0 H0");
    assert.match(svg, /text-anchor="end" fill="#888">query</);
    assert.match(svg, />key</);
});
