// Attention panel webview: every head as a thumbnail (layer x head grid with per-head entropy),
// the chosen head as a heatmap or a head view fitted to the panel, probabilities or pre-softmax
// scores, exact values on hover, zoom for long inputs, and PNG/SVG export through the host.

import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-radio/index.js";
import "@vscode-elements/elements/dist/vscode-radio-group/index.js";
import "@vscode-elements/elements/dist/vscode-toolbar-button/index.js";
import type { AttentionResult } from "../../src/protocol";
import { base64ToFloat32 } from "../shared/binary";
import { h } from "../shared/dom";
import { Host } from "../shared/host";
import { SequenceGate } from "../shared/messages";
import { formatProb, visibleText } from "../shared/tokenText";
import {
    gridGeometry,
    gridHit,
    headViewGeometry,
    headViewHit,
    headViewTitles,
    heatmapGeometry,
    heatmapHit,
    type GridGeometry,
    type HeadViewGeometry,
    type HeatmapGeometry,
} from "./geometry";
import { drawHeadView } from "./headView";
import { tokenCountLabel } from "./labels";
import { headViewSvg, heatmapSvg } from "./svgExport";
import {
    drawGrid,
    drawHeatmap,
    drawHeatmapOverlay,
    labelWidth,
    matrixImage,
    thumbnailImages,
    uiTextWidth,
    type HeadData,
    type MatrixImage,
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
    zoom?: number;
}

/** Panels narrower than this stack the grid above the view instead of beside it. */
const wideLayout = 760;
const maxZoom = 32;

const host = new Host<State>();
const gate = new SequenceGate();
let state: State = host.state ?? { layer: 0, head: 0, kind: "probs", view: "heatmap" };
let current: HeadData | undefined;
let image: MatrixImage | undefined;
/** The shown result's head thumbnails, decoded once. */
let thumbs: OffscreenCanvas[] | undefined;
let labelsWidth = 24;
let gridGeo: GridGeometry | undefined;
let geo: HeatmapGeometry | undefined;
let headGeo: HeadViewGeometry | undefined;
let focusQuery: number | undefined;

const kindGroup = radioGroup("kind", [["probs", "Probabilities"], ["scores", "Scores (pre-softmax)"]], state.kind);
const viewGroup = radioGroup("view", [["heatmap", "Heatmap"], ["headview", "Head view"]], state.view);
const zoomOut = toolbarButton("zoom-out", "zoom-out", "Zoom out");
const zoomIn = toolbarButton("zoom-in", "zoom-in", "Zoom in (Ctrl+wheel)");
const zoomFit = toolbarButton("zoom-fit", "screen-normal", "Fit to panel");
const zoomLabel = h("span", { className: "muted zoom-label", testid: "zoom-level" });
const zoomBar = h("div", { className: "zoom" }, zoomOut, zoomLabel, zoomIn, zoomFit);
const pngButton = h("vscode-button", { testid: "export-png", attrs: { secondary: true, icon: "file-media" }, text: "PNG" });
const svgButton = h("vscode-button", { testid: "export-svg", attrs: { secondary: true, icon: "file-code" }, text: "SVG" });
const title = h("span", { testid: "head-title" });
const noteEl = h("div", { className: "note muted", testid: "note" });
const errorEl = h("div", { className: "error-banner", testid: "error", attrs: { role: "alert" } });
const grid = h("canvas", { className: "clickable", testid: "attention-grid", title: "Click a head to show it" });
const heatmap = h("canvas", { testid: "attention-heatmap" });
const overlay = h("canvas", { className: "overlay" });
const heatmapStack = h("div", { className: "stack" }, heatmap, overlay);
const headView = h("canvas", { testid: "attention-headview" });
const viewScroll = h("div", { className: "view-scroll" }, heatmapStack, headView);
const tooltip = h("div", { className: "tooltip attention-tip", testid: "attention-tooltip", attrs: { hidden: true } });
const layoutEl = h(
    "div",
    { className: "layout" },
    h(
        "section",
        { className: "heads-pane" },
        h("div", { className: "pane-title" }, h("span", { text: "Heads" }), h("span", { className: "muted", text: "layer × head · entropy (nats)" })),
        grid,
    ),
    h("section", { className: "view-pane" }, h("div", { className: "pane-title" }, title), viewScroll),
);
document.getElementById("root")!.append(
    h(
        "div",
        { className: "attention", testid: "attention-panel" },
        h(
            "div",
            { className: "toolbar" },
            kindGroup,
            h("span", { className: "separator" }),
            viewGroup,
            zoomBar,
            h("span", { className: "spacer" }),
            h("div", { className: "export" }, pngButton, svgButton),
        ),
        noteEl,
        errorEl,
        layoutEl,
        tooltip,
    ),
);

kindGroup.addEventListener("change", (event) => {
    state.kind = radioValue(event) as Kind;
    image = undefined;
    renderHead();
});
viewGroup.addEventListener("change", (event) => {
    state.view = radioValue(event) as View;
    tooltip.hidden = true;
    renderHead();
});
grid.addEventListener("click", (event) => {
    if (!state.result || !gridGeo) return;
    const [x, y] = canvasPoint(grid, event as MouseEvent);
    const hit = gridHit(x, y, gridGeo, state.result.nLayer, state.result.nHead);
    if (!hit || (hit.layer === current?.layer && hit.head === current?.head)) return;
    state.layer = hit.layer;
    state.head = hit.head;
    renderGrid();
    title.textContent = `Layer ${hit.layer}, head ${hit.head} (loading…)`;
    host.post({ type: "attention/select", panelId: host.panelId, layer: hit.layer, head: hit.head, scores: true });
});
heatmap.addEventListener("mousemove", (event) => showHeatmapTip(event as MouseEvent));
heatmap.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
    if (geo) drawHeatmapOverlay(overlay, geo, tokens(), undefined);
});
headView.addEventListener("mousemove", (event) => {
    if (!headGeo) return;
    const [x, y] = canvasPoint(headView, event as MouseEvent);
    setFocusQuery(headViewHit(x, y, headGeo));
});
headView.addEventListener("mouseleave", () => setFocusQuery(undefined));
zoomIn.addEventListener("click", () => setZoom((state.zoom ?? 1) * 2));
zoomOut.addEventListener("click", () => setZoom((state.zoom ?? 1) / 2));
zoomFit.addEventListener("click", () => setZoom(1));
viewScroll.addEventListener(
    "wheel",
    (event) => {
        if (!event.ctrlKey || state.view !== "heatmap") return;
        event.preventDefault();
        setZoom((state.zoom ?? 1) * (event.deltaY < 0 ? 1.25 : 0.8));
    },
    { passive: false },
);
pngButton.addEventListener("click", () => exportView("png"));
svgButton.addEventListener("click", () => exportView("svg"));

// Re-fit on every size change of the panel; a frame's delay keeps the observer from looping.
let relayoutPending = false;
const resizeObserver = new ResizeObserver(() => {
    if (relayoutPending) return;
    relayoutPending = true;
    requestAnimationFrame(() => {
        relayoutPending = false;
        renderAll();
    });
});
resizeObserver.observe(layoutEl);
resizeObserver.observe(viewScroll);

host.listen((msg) => {
    if (msg.type === "attention/show" && gate.accept(msg.seq)) {
        state = { ...state, result: msg.result, layer: 0, head: 0, zoom: 1 };
        errorEl.textContent = "";
        acceptResult();
        acceptHead(msg.result);
    } else if (msg.type === "attention/head" && gate.accept(msg.seq)) {
        acceptHead(msg.result);
    } else if (msg.type === "error") {
        errorEl.textContent = msg.message;
    }
});

if (state.result) {
    acceptResult();
    acceptHead(state.result);
}
host.post({ type: "ready", panelId: host.panelId });

/** Derives what every redraw of a new result needs: label room and decoded thumbnails. */
function acceptResult(): void {
    labelsWidth = labelWidth(tokens());
    thumbs = thumbnailImages(state.result?.thumbnails);
}

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
        image = undefined;
    }
    noteEl.textContent = result.note ?? "";
    // The full matrix is not kept in state: it can be megabytes; the thumbnails suffice to restore.
    if (state.result) state.result = { ...state.result, heads: [] };
    host.saveState(state);
    renderAll();
}

/** The grid decides the layout (side by side or stacked), so it is drawn before the view. */
function renderAll(): void {
    renderGrid();
    renderHead();
}

function renderGrid(): void {
    const r = state.result;
    if (!r) return;
    const width = layoutEl.clientWidth;
    const height = layoutEl.clientHeight;
    const narrow = width < wideLayout;
    layoutEl.classList.toggle("narrow", narrow);
    gridGeo = narrow
        ? gridGeometry(r.nLayer, r.nHead, width, Math.max(160, height * 0.38))
        : gridGeometry(r.nLayer, r.nHead, Math.min(440, width * 0.38), height - 28);
    drawGrid(grid, gridGeo, r.entropy, thumbs, { layer: state.layer, head: state.head });
}

function tokens(): string[] {
    return state.result?.tokens.map((t) => t.text) ?? [];
}

function renderHead(): void {
    const r = state.result;
    const heatmapShown = state.view === "heatmap";
    heatmapStack.hidden = !heatmapShown;
    heatmap.hidden = !heatmapShown;
    headView.hidden = heatmapShown;
    zoomBar.hidden = !heatmapShown;
    if (!r || !current) {
        title.textContent = r ? "Click a head" : "Select text and run LM Lab: Show Attention";
        return;
    }
    const n = r.tokens.length;
    const kind: Kind = state.kind === "scores" && current.scores ? "scores" : "probs";
    const entropy = r.entropy[current.layer]?.[current.head];
    title.textContent = `Layer ${current.layer}, head ${current.head} · ${kind === "probs" ? "probabilities" : "scores"} · entropy ${entropy?.toFixed(3) ?? "?"} nats · ${tokenCountLabel(n, r.totalTokens)}`;
    heatmap.dataset.layer = String(current.layer);
    heatmap.dataset.head = String(current.head);
    // Fit inside the scroll area; the pixel of slack keeps a scrollbar from appearing and re-fitting.
    const width = viewScroll.clientWidth - 2;
    const height = viewScroll.clientHeight - 2;
    if (heatmapShown) {
        if (!image || image.kind !== kind) image = matrixImage(kind === "scores" ? current.scores! : current.probs, n, kind);
        geo = heatmapGeometry(n, width, height, labelsWidth, state.zoom ?? 1);
        drawHeatmap(heatmap, image, tokens(), geo);
        drawHeatmapOverlay(overlay, geo, tokens(), undefined);
        // The matrix's place in the canvas, for tests and tools that point at cells.
        Object.assign(heatmap.dataset, { n: String(n), cell: String(geo.cell), left: String(geo.left), top: String(geo.top) });
        zoomLabel.textContent = `${Math.round((state.zoom ?? 1) * 100)}%`;
    } else {
        headGeo = headViewGeometry(n, width, height, labelsWidth, uiTextWidth(headViewTitles.hoverHint));
        drawHeadView(headView, headGeo, current.probs, tokens(), focusQuery);
        Object.assign(headView.dataset, { queryX: String(headGeo.queryX), top: String(headGeo.top), row: String(headGeo.row) });
    }
}

function setZoom(zoom: number): void {
    state.zoom = Math.min(maxZoom, Math.max(1, zoom));
    host.saveState(state);
    renderHead();
}

function setFocusQuery(q: number | undefined): void {
    if (q === focusQuery || !headGeo || !current) return;
    focusQuery = q;
    drawHeadView(headView, headGeo, current.probs, tokens(), focusQuery);
}

function showHeatmapTip(event: MouseEvent): void {
    if (!geo || !current || !state.result) return;
    const [x, y] = canvasPoint(heatmap, event);
    const hit = heatmapHit(x, y, geo);
    drawHeatmapOverlay(overlay, geo, tokens(), hit);
    if (!hit) {
        tooltip.hidden = true;
        return;
    }
    const n = state.result.tokens.length;
    const i = hit.q * n + hit.k;
    const p = current.probs[i];
    const s = current.scores?.[i];
    const names = tokens();
    const row = (label: string, index: string, value: string, testid?: string) => [
        h("span", { className: "muted", text: label }),
        h("span", { className: "num muted", text: index }),
        h("span", { testid, text: value }),
    ];
    tooltip.replaceChildren(
        ...row("query", `#${hit.q}`, `"${visibleText(names[hit.q])}"`),
        ...row("key", `#${hit.k}`, `"${visibleText(names[hit.k])}"`),
        ...row("weight", "", `${p.toFixed(6)}  (${formatProb(p)})`, "tooltip-weight"),
        ...(s !== undefined ? row("score", "", Number.isFinite(s) ? s.toFixed(4) : "masked (future token)") : []),
    );
    tooltip.dataset.query = String(hit.q);
    tooltip.dataset.key = String(hit.k);
    tooltip.dataset.value = String(p);
    tooltip.hidden = false;
    // Keep the tooltip inside the panel: flip to the other side of the pointer near an edge.
    const { offsetWidth: w, offsetHeight: hgt } = tooltip;
    const left = event.clientX + 14 + w > window.innerWidth ? event.clientX - 14 - w : event.clientX + 14;
    const top = event.clientY + 14 + hgt > window.innerHeight ? event.clientY - 14 - hgt : event.clientY + 14;
    tooltip.style.left = `${Math.max(0, left)}px`;
    tooltip.style.top = `${Math.max(0, top)}px`;
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
        const bar = { kind: image.kind, min: image.norm.min, max: image.norm.max };
        data = heatmapSvg(tmp.toDataURL("image/png"), tokens(), Math.max(geo.cell, 4), name, bar);
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

function toolbarButton(testid: string, icon: string, label: string): HTMLElement {
    return h("vscode-toolbar-button", { testid, title: label, attrs: { icon, label, "aria-label": label } });
}

/** The value of the radio that was just checked (the group may not have unchecked the rest yet). */
function radioValue(event: Event): string {
    return String((event.target as unknown as { value?: unknown }).value ?? "");
}

/** A mouse position in the canvas's CSS pixels, the unit of every geometry. */
function canvasPoint(canvas: HTMLCanvasElement, event: MouseEvent): [number, number] {
    const rect = canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
}
