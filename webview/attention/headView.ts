// The head view of the attention panel (as in BertViz): query tokens on the left, key tokens on
// the right, a line from each query to each key it attends to, as thick and opaque as the weight.
// Hovering a query shows only its lines and tints the keys by how much they receive.

import { headViewRowY, headViewTitles, labelFont, minWeight, type HeadViewGeometry } from "./geometry";
import { setupCanvas, themeColors, tokenLabel } from "./views";

export function drawHeadView(canvas: HTMLCanvasElement, geo: HeadViewGeometry, probs: Float32Array, tokens: string[], focus: number | undefined): void {
    const { n, queryX, keyX, step } = geo;
    const ctx = setupCanvas(canvas, geo.width, geo.height);
    const colors = themeColors();
    const thin = Math.min(1, geo.row / 14);

    ctx.font = `${labelFont}px ${colors.uiFont}`;
    ctx.fillStyle = colors.muted;
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "right";
    ctx.fillText(focus === undefined ? headViewTitles.hoverHint : headViewTitles.query, queryX, 14);
    ctx.textAlign = "left";
    ctx.fillText(headViewTitles.key, keyX, 14);

    ctx.strokeStyle = colors.accent;
    ctx.fillStyle = colors.accent;
    for (let q = 0; q < n; q++) {
        if (focus !== undefined && q !== focus) continue;
        for (let k = 0; k < n; k++) {
            const w = probs[q * n + k];
            if (!(w > minWeight)) continue;
            const y = headViewRowY(geo, k);
            if (focus !== undefined) {
                // Tint the key's row by its weight, so the receiving tokens read at a glance.
                ctx.globalAlpha = Math.min(0.6, w);
                ctx.fillRect(keyX - 2, y - geo.row / 2 + 1, Math.min(120, geo.width - keyX), Math.max(1, geo.row - 2));
            }
            ctx.globalAlpha = Math.min(1, w * (focus === undefined ? 1 : 1.5));
            ctx.lineWidth = (0.5 + 3 * w) * thin;
            ctx.beginPath();
            ctx.moveTo(queryX + 6, headViewRowY(geo, q));
            ctx.lineTo(keyX - 6, y);
            ctx.stroke();
        }
    }
    ctx.globalAlpha = 1;

    ctx.textBaseline = "middle";
    for (let i = 0; i < n; i++) {
        const focused = i === focus;
        if (i % step !== 0 && !focused) continue;
        const label = tokenLabel(tokens[i]);
        ctx.font = `${focused ? "bold " : ""}${labelFont + 1}px ${colors.editorFont}`;
        ctx.fillStyle = focus === undefined || focused ? colors.fg : colors.muted;
        ctx.textAlign = "right";
        ctx.fillText(label, queryX, headViewRowY(geo, i));
        ctx.fillStyle = colors.fg;
        ctx.textAlign = "left";
        ctx.fillText(label, keyX, headViewRowY(geo, i));
    }
}
