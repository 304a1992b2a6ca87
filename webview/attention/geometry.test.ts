// Tests for the attention panel's layout arithmetic: fitting, label thinning, hit tests and ticks.

import assert from "node:assert/strict";
import { test } from "node:test";
import { colorBarTicks, gridGeometry, gridHit, headViewGeometry, headViewHit, heatmapGeometry, heatmapHit, labelRoom, labelStep } from "./geometry";

test("the heatmap fits its pane square, with whole-pixel cells when they are 3 px or more", () => {
    const geo = heatmapGeometry(45, 500, 420, 60);
    assert.equal(geo.cell, Math.floor((420 - 66 - 4) / 45));
    assert.ok(geo.width <= 500 && geo.height <= 420, `${geo.width} x ${geo.height}`);
    assert.equal(geo.left, 66);
    assert.equal(geo.top, 66);
    // 256 tokens in a 1,000 x 800 pane: no scrolling needed.
    const big = heatmapGeometry(256, 1000, 800, 110);
    assert.ok(big.width <= 1000 && big.height <= 800);
    assert.equal(big.cell, (800 - 116 - 4) / 256);
});

test("zoom multiplies the fitted cell and the canvas then outgrows the pane", () => {
    const fit = heatmapGeometry(1024, 1000, 800, 110);
    const zoomed = heatmapGeometry(1024, 1000, 800, 110, 4);
    assert.ok(fit.height <= 800);
    assert.equal(zoomed.cell, fit.cell * 4);
    assert.ok(zoomed.height > 800);
    assert.ok(heatmapGeometry(1024, 1000, 800, 110, 1000).cell * 1024 <= 8192);
});

test("labels are thinned to every k-th token when cells are smaller than the font", () => {
    assert.equal(labelStep(20), 1);
    assert.equal(labelStep(13), 1);
    assert.equal(labelStep(6.5), 2);
    assert.equal(labelStep(1), 13);
    const geo = heatmapGeometry(200, 600, 600, 80);
    assert.equal(geo.step, labelStep(geo.cell));
});

test("hit tests map points to cells and reject the margins", () => {
    const geo = heatmapGeometry(10, 400, 400, 50);
    assert.deepEqual(heatmapHit(geo.left + 2.5 * geo.cell, geo.top + 7.5 * geo.cell, geo), { q: 7, k: 2 });
    assert.equal(heatmapHit(geo.left - 1, geo.top + 1, geo), undefined);
    assert.equal(heatmapHit(geo.left + 10 * geo.cell + 1, geo.top + 1, geo), undefined);

    const grid = gridGeometry(4, 4, 500, 400);
    assert.equal(grid.cell, 56);
    const x = grid.left + 2 * (grid.cell + grid.gap) + 5;
    const y = grid.top + 3 * (grid.cell + grid.gap + grid.caption) + 5;
    assert.deepEqual(gridHit(x, y, grid, 4, 4), { layer: 3, head: 2 });
    assert.equal(gridHit(2, y, grid, 4, 4), undefined);
    // Twelve heads in 300 px shrink the thumbnails to fit the width.
    assert.ok(gridGeometry(12, 12, 300, 1000).width <= 300 + 12 * 8);
});

test("the head view keeps rows readable for short inputs and at least 2 px for long ones", () => {
    const short = headViewGeometry(45, 500, 300, 80);
    assert.equal(short.row, 14);
    assert.equal(short.step, 1);
    assert.equal(headViewHit(short.queryX - 5, short.top + 3.5 * short.row, short), 3);
    assert.equal(headViewHit(short.keyX, short.top + 3.5 * short.row, short), undefined);
    const long = headViewGeometry(1024, 800, 800, 80);
    // Rows stop shrinking at 2 px; the pane scrolls rather than merging rows.
    assert.equal(long.row, 2);
    assert.equal(long.height, 26 + 1024 * 2 + 6);
    assert.ok(long.step > 1);
});

test("the head view's query column is wide enough for its title when the token labels are narrow", () => {
    // One-character tokens measure about 24 px; "query (hover one)" about 95 px, right-aligned
    // at queryX. In a narrow pane the layout starts at the 8 px margin.
    const narrow = headViewGeometry(10, 250, 300, 24, 95);
    assert.ok(narrow.queryX - 95 >= 8, `title starts at ${narrow.queryX - 95}`);
    assert.equal(narrow.queryX, 8 + 95 + 10);
    assert.equal(narrow.keyX - narrow.queryX, 120);
    // Labels wider than the title keep the layout they had without one.
    assert.deepEqual(headViewGeometry(10, 300, 300, 100, 95), headViewGeometry(10, 300, 300, 100));
});

test("colour bar ticks sit on the square-root scale for weights and at min/mid/max for scores", () => {
    const probs = colorBarTicks("probs", 0, 1);
    assert.deepEqual(probs.map((t) => t.label), ["0", "0.1", "0.25", "0.5", "1"]);
    assert.equal(probs[2].t, 0.5);
    assert.deepEqual(colorBarTicks("scores", -2, 6), [
        { t: 0, label: "-2.00" },
        { t: 0.5, label: "2.00" },
        { t: 1, label: "6.00" },
    ]);
});

test("the label room fits the axis titles even when every token label is one character", () => {
    // Single characters measure about 7 px; "query ↓" about 40 px. The titles are drawn
    // right-aligned 6 px left of the matrix, so they start at left - 6 - title, which must be >= 0.
    // The key title's baseline sits 20 px above the matrix; its glyphs rise about 10 px above that.
    const labelFontAscent = 10;
    for (const [widest, title] of [[7, 40], [7, 52], [60, 40], [300, 40]]) {
        const room = labelRoom(widest, title);
        const geo = heatmapGeometry(45, 800, 700, room);
        assert.ok(geo.left - 6 - title >= 0, `labels ${widest} px, title ${title} px: left ${geo.left}`);
        assert.ok(geo.top - 20 - labelFontAscent >= 0, `top ${geo.top}`);
        assert.ok(room >= widest || room === 110, `room ${room} for labels of ${widest} px`);
    }
    assert.equal(labelRoom(7, 40), 40);
    assert.equal(labelRoom(60.2, 40), 61);
    assert.equal(labelRoom(300, 40), 110);
    assert.equal(labelRoom(3, 10), 24);
});
