// Attention panel webview: every head as a thumbnail (layer x head grid with per-head entropy),
// the chosen head as a heatmap or a head view, probabilities or pre-softmax scores, exact values
// on hover, and PNG/SVG export through the host's save dialog.

import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-radio/index.js";
import "@vscode-elements/elements/dist/vscode-radio-group/index.js";
import type { AttentionResult } from "../../src/protocol";
import { base64ToBytes, base64ToFloat32 } from "../shared/binary";
import { h } from "../shared/dom";
import { Host } from "../shared/host";
import { SequenceGate } from "../shared/messages";
import { formatProb, visibleText } from "../shared/tokenText";
import { headViewSvg, heatmapSvg } from "./svgExport";
import {
    drawGrid,
    drawHeadView,
    drawHeatmap,
    gridHit,
    headViewHit,
    heatmapGeometry,
    heatmapHit,
    matrixImage,
    type HeadData,
    type HeatmapGeometry,
} from "./views";
import "./style.css";

type Kind = "probs" | "scores";
type View = "heatmap" | "headview";

interface State {
    result?: AttentionResult;
    layer: number;
    head: number;
    kind: Kind;
    view: View;
}

const host = new Host<State>();
const gate = new SequenceGate();
const saved = host.state;
let state: State = saved ?? { layer: 0, head: 0, kind: "probs", view: "heatmap" };
let current: HeadData | undefined;
let image: { canvas: OffscreenCanvas; norm: { min: number; max: number } } | undefined;
let geo: HeatmapGeometry | undefined;
let focusQuery: number | undefined;

const kindGroup = radioGroup("kind", [["probs", "Probabilities"], ["scores", "Scores (pre-softmax)"]], state.kind);
const viewGroup = radioGroup("view", [["heatmap", "Heatmap"], ["headview", "Head view"]], state.view);
const pngButton = h("vscode-button", { testid: "export-png", attrs: { secondary: true, icon: "file-media" }, text: "PNG" });
const svgButton = h("vscode-button", { testid: "export-svg", attrs: { secondary: true, icon: "file-code" }, text: "SVG" });
const title = h("span", { testid: "head-title" });
const noteEl = h("div", { className: "note muted", testid: "note" });
const errorEl = h("div", { className: "error-banner", testid: "error", attrs: { role: "alert" } });
const grid = h("canvas", { className: "clickable", testid: "attention-grid", title: "Click a head to show it" });
const heatmap = h("canvas", { testid: "attention-heatmap" });
const headView = h("canvas", { testid: "attention-headview" });
const tooltip = h("div", { className: "tooltip", testid: "attention-tooltip", attrs: { hidden: true } });
document.getElementById("root")!.append(
    h(
        "div",
        { testid: "attention-panel" },
        h("div", { className: "toolbar" }, kindGroup, viewGroup, pngButton, svgButton, title),
        noteEl,
        errorEl,
        h("div", { className: "layout" }, h("div", { className: "pane" }, grid), h("div", { className: "pane" }, heatmap, headView)),
        tooltip,
    ),
);

kindGroup.addEventListener("change", (event) => {
    state.kind = radioValue(event) as Kind;
    renderHead();
});
viewGroup.addEventListener("change", (event) => {
    state.view = radioValue(event) as View;
    renderHead();
});
grid.addEventListener("click", (event) => {
    if (!state.result) return;
    const [x, y] = canvasPoint(grid, event as MouseEvent);
    const hit = gridHit(x, y, state.result.nLayer, state.result.nHead);
    if (!hit || (hit.layer === current?.layer && hit.head === current?.head)) return;
    state.layer = hit.layer;
    state.head = hit.head;
    renderGrid();
    title.textContent = `Layer ${hit.layer}, head ${hit.head} (loading…)`;
    host.post({ type: "attention/select", panelId: host.panelId, layer: hit.layer, head: hit.head, scores: true });
});
heatmap.addEventListener("mousemove", (event) => showHeatmapTip(event as MouseEvent));
heatmap.addEventListener("mouseleave", () => (tooltip.hidden = true));
headView.addEventListener("mousemove", (event) => {
    if (!state.result) return;
    const [x, y] = canvasPoint(headView, event as MouseEvent);
    const q = headViewHit(x, y, state.result.tokens.length);
    if (q !== focusQuery) {
        focusQuery = q;
        renderHead();
    }
});
pngButton.addEventListener("click", () => exportView("png"));
svgButton.addEventListener("click", () => exportView("svg"));

host.listen((msg) => {
    if (msg.type === "attention/show" && gate.accept(msg.seq)) {
        state = { ...state, result: msg.result, layer: 0, head: 0 };
        errorEl.textContent = "";
        acceptHead(msg.result);
        renderGrid();
    } else if (msg.type === "attention/head" && gate.accept(msg.seq)) {
        acceptHead(msg.result);
        renderGrid();
    } else if (msg.type === "error") {
        errorEl.textContent = msg.message;
    }
});

if (state.result) {
    acceptHead(state.result);
    renderGrid();
}
host.post({ type: "ready", panelId: host.panelId });

function acceptHead(result: AttentionResult): void {
    const first = result.heads[0];
    if (first) {
        current = {
            layer: first.layer,
            head: first.head,
            probs: base64ToFloat32(first.probs),
            scores: first.scores ? base64ToFloat32(first.scores) : undefined,
        };
        state.layer = first.layer;
        state.head = first.head;
    }
    noteEl.textContent = result.note ?? "";
    // The full matrix is not kept in state: it can be megabytes; the thumbnails suffice to restore.
    if (state.result) state.result = { ...state.result, heads: [] };
    host.saveState(state);
    renderHead();
}

function renderGrid(): void {
    const r = state.result;
    if (!r) return;
    const thumbs = r.thumbnails ? { size: r.thumbnails.size, data: base64ToBytes(r.thumbnails.data) } : undefined;
    drawGrid(grid, r.nLayer, r.nHead, r.entropy, thumbs, { layer: state.layer, head: state.head });
}

function tokens(): string[] {
    return state.result?.tokens.map((t) => t.text) ?? [];
}

function renderHead(): void {
    const r = state.result;
    heatmap.hidden = state.view !== "heatmap";
    headView.hidden = state.view !== "headview";
    if (!r || !current) {
        title.textContent = r ? "Click a head" : "Select text and run LM Lab: Show Attention";
        return;
    }
    const n = r.tokens.length;
    const values = state.kind === "scores" && current.scores ? current.scores : current.probs;
    const kind: Kind = values === current.scores ? "scores" : "probs";
    const entropy = r.entropy[current.layer]?.[current.head];
    title.textContent = `Layer ${current.layer}, head ${current.head} · ${kind === "probs" ? "probabilities" : "scores"} · entropy ${entropy?.toFixed(3) ?? "?"} nats · ${n} tokens`;
    heatmap.dataset.layer = String(current.layer);
    heatmap.dataset.head = String(current.head);
    if (state.view === "heatmap") {
        image = matrixImage(values, n, kind);
        geo = heatmapGeometry(n, true);
        drawHeatmap(heatmap, image.canvas, tokens(), geo);
    } else {
        drawHeadView(headView, current.probs, tokens(), focusQuery);
    }
}

function showHeatmapTip(event: MouseEvent): void {
    if (!geo || !current || !state.result) return;
    const [x, y] = canvasPoint(heatmap, event);
    const hit = heatmapHit(x, y, geo);
    if (!hit) {
        tooltip.hidden = true;
        return;
    }
    const n = state.result.tokens.length;
    const i = hit.q * n + hit.k;
    const p = current.probs[i];
    const s = current.scores?.[i];
    const names = tokens();
    tooltip.textContent =
        `query ${hit.q} "${visibleText(names[hit.q])}" → key ${hit.k} "${visibleText(names[hit.k])}"\n` +
        `p = ${p.toFixed(6)} (${formatProb(p)})` +
        (s !== undefined ? `\nscore = ${Number.isFinite(s) ? s.toFixed(4) : "masked"}` : "");
    tooltip.dataset.query = String(hit.q);
    tooltip.dataset.key = String(hit.k);
    tooltip.dataset.value = String(p);
    tooltip.hidden = false;
    tooltip.style.left = `${event.clientX + 14}px`;
    tooltip.style.top = `${event.clientY + 14}px`;
}

function exportView(format: "png" | "svg"): void {
    if (!current || !state.result) return;
    const name = `attention-L${current.layer}-H${current.head}-${state.view}`;
    let data: string;
    if (format === "png") {
        data = (state.view === "heatmap" ? heatmap : headView).toDataURL("image/png");
    } else if (state.view === "heatmap" && image && geo) {
        const tmp = document.createElement("canvas");
        tmp.width = image.canvas.width;
        tmp.height = image.canvas.height;
        tmp.getContext("2d")!.drawImage(image.canvas, 0, 0);
        data = heatmapSvg(tmp.toDataURL("image/png"), tokens(), Math.max(geo.cell, 4), name);
    } else {
        data = headViewSvg(current.probs, tokens(), name);
    }
    host.post({ type: "export", panelId: host.panelId, format, name, data });
}

function radioGroup(name: string, options: [string, string][], value: string): HTMLElement {
    const group = h("vscode-radio-group", { testid: `${name}-group` });
    for (const [v, label] of options) {
        group.append(h("vscode-radio", { testid: `${name}-${v}`, attrs: { name, value: v, label, checked: v === value } }));
    }
    return group;
}

/** The value of the radio that was just checked (the group may not have unchecked the rest yet). */
function radioValue(event: Event): string {
    return String((event.target as unknown as { value?: unknown }).value ?? "");
}

function canvasPoint(canvas: HTMLCanvasElement, event: MouseEvent): [number, number] {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) * canvas.width) / rect.width, ((event.clientY - rect.top) * canvas.height) / rect.height];
}
