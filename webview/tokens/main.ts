// Token panel webview: the analysed text as coloured tokens (probability, rank bucket or
// surprisal), a legend, the sequence summary (chain-rule log-probability, perplexity, bits per
// character) and, for a clicked token, its top-k alternatives and entropy.

import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import type { AnalyzeResult, TokenAnalysis } from "../../src/protocol";
import { colorMetrics, legend, tokenColor, type ColorMetric } from "../shared/colors";
import { h, setChildren } from "../shared/dom";
import { Host } from "../shared/host";
import { SequenceGate, type TextSource } from "../shared/messages";
import { formatProb, tokenLabel, tokenShownText, visibleText } from "../shared/tokenText";
import { edgeAlpha, lineBreaks, whitespaceRuns, withAlpha } from "./tokenStyle";
import "./style.css";

interface State {
    result?: AnalyzeResult;
    source?: TextSource;
    metric: ColorMetric;
    pinned: boolean;
    selected?: number;
}

const host = new Host<State>();
const gate = new SequenceGate();
let state: State = host.state ?? { metric: "probability", pinned: false };

const metricSelect = h("vscode-single-select", { testid: "metric", attrs: { "aria-label": "Colour by" } });
for (const metric of colorMetrics) {
    metricSelect.append(h("vscode-option", { attrs: { value: metric }, text: metric }));
}
const pin = h("vscode-checkbox", { testid: "pin", attrs: { label: "Follow selection" } });
const sourceLabel = h("span", { className: "muted source", testid: "source" });
const legendEl = h("div", { className: "legend", testid: "legend" });
const errorEl = h("div", { className: "error-banner", testid: "error", attrs: { role: "alert" } });
const summaryEl = h("div", { className: "stats-row", testid: "summary" });
const tokensEl = h("div", { className: "tokens", testid: "tokens", attrs: { role: "list" } });
const detailsEl = h("div", { className: "details", testid: "token-details" });
const root = h(
    "div",
    { testid: "token-panel" },
    h(
        "div",
        { className: "toolbar" },
        h("label", { className: "metric-label", text: "Colour by" }),
        metricSelect,
        pin,
        h("span", { className: "codicon codicon-file muted" }),
        sourceLabel,
    ),
    errorEl,
    summaryEl,
    legendEl,
    tokensEl,
    detailsEl,
);
document.getElementById("root")!.append(root);

metricSelect.addEventListener("change", () => {
    const value = (metricSelect as unknown as { value: string }).value as ColorMetric;
    if (!colorMetrics.includes(value) || value === state.metric) return;
    state.metric = value;
    host.post({ type: "tokens/metric", panelId: host.panelId, metric: value });
    render();
});
pin.addEventListener("change", () => {
    state.pinned = (pin as unknown as { checked: boolean }).checked;
    host.post({ type: "tokens/pin", panelId: host.panelId, pinned: state.pinned });
    save();
});
tokensEl.addEventListener("click", (event) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>(".token");
    if (!target) return;
    state.selected = Number(target.dataset.index);
    renderSelection();
    renderDetails();
    save();
});
tokensEl.addEventListener("dblclick", (event) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>(".token");
    const token = target && state.result?.tokens[Number(target.dataset.index)];
    if (token) host.post({ type: "tokens/reveal", panelId: host.panelId, start: token.start, end: token.end });
});

host.listen((msg) => {
    switch (msg.type) {
        case "tokens/busy":
            if (gate.accept(msg.seq)) root.classList.add("busy");
            break;
        case "tokens/show":
            if (!gate.accept(msg.seq)) return;
            root.classList.remove("busy");
            state = { result: msg.result, source: msg.source, metric: msg.metric, pinned: state.pinned, selected: undefined };
            errorEl.textContent = "";
            render();
            break;
        case "error":
            if (msg.seq !== undefined && !gate.accept(msg.seq)) return;
            root.classList.remove("busy");
            errorEl.textContent = msg.message;
            break;
        default:
            break;
    }
});

render();
host.post({ type: "ready", panelId: host.panelId });

function render(): void {
    (metricSelect as unknown as { value: string }).value = state.metric;
    (pin as unknown as { checked: boolean }).checked = state.pinned;
    renderLegend();
    const result = state.result;
    sourceLabel.textContent = state.source ? state.source.label : "";
    if (!result) {
        setChildren(summaryEl);
        setChildren(tokensEl, h("span", { className: "muted", text: "Select text in an editor and run LM Lab: Analyze Selection." }));
        setChildren(detailsEl);
        save();
        return;
    }
    renderSummary(result);
    renderTokens(result);
    renderDetails();
    save();
}

function renderSummary(r: AnalyzeResult): void {
    statsRow(
        summaryEl,
        stat("log P", r.logLikelihood.toFixed(3), "nats", "log-likelihood"),
        stat("log₂ P", (r.logLikelihood / Math.LN2).toFixed(2), "bits", "log2-likelihood"),
        stat("perplexity", r.perplexity.toFixed(3), "", "perplexity"),
        stat("bits / char", r.bitsPerChar.toFixed(3), "", "bits-per-char"),
        stat("tokens", String(r.tokens.length), `${r.scored} scored`, "token-count"),
        stat("characters", String(r.chars), "", "char-count"),
        stat("model", r.model, `ctx ${r.contextLength}`, "model"),
        r.cut ? stat("note", "cut", "input was cut to the token limit", "cut") : null,
        r.truncatedTokens > 0 ? stat("sliding window", String(r.truncatedTokens), "tokens had less than full context", "truncated") : null,
    );
}

/** Fills a stats row; the inner box lets each line's first divider fall outside the clip. */
function statsRow(el: HTMLElement, ...stats: (HTMLElement | null)[]): HTMLElement {
    setChildren(el, h("div", { className: "stats-inner" }, ...stats));
    return el;
}

/** One figure of a stats row: a small label over a value with its unit. */
function stat(label: string, value: string, unit: string, testid?: string): HTMLElement {
    return h(
        "div",
        { className: "stat" },
        h("div", { className: "label", text: label }),
        h("div", { className: "value", testid }, h("span", { text: value }), unit ? h("span", { className: "unit", text: ` ${unit}` }) : null),
    );
}

function renderLegend(): void {
    const entries = legend(state.metric);
    setChildren(
        legendEl,
        h("span", { className: "muted legend-title", text: state.metric === "rank" ? "rank of the token:" : `${state.metric}:` }),
        ...entries.map((e) => h("span", { className: "legend-item" }, chipSwatch(e.color), e.label)),
        h("span", { className: "legend-item muted" }, h("span", { className: "swatch chip unconditioned" }), "no context"),
    );
}

function chipSwatch(color: string): HTMLElement {
    const swatch = h("span", { className: "swatch chip" });
    swatch.style.background = color;
    swatch.style.borderBottomColor = withAlpha(color, edgeAlpha);
    return swatch;
}

function renderTokens(r: AnalyzeResult): void {
    const frag = document.createDocumentFragment();
    r.tokens.forEach((t, i) => {
        const span = h("span", {
            className: `token${t.special ? " special" : ""}${t.prob === null ? " unconditioned" : ""}`,
            testid: "token",
            attrs: {
                role: "listitem",
                "data-index": i,
                "data-prob": t.prob ?? "",
                "data-rank": t.rank ?? "",
                "data-surprisal": t.surprisal ?? "",
            },
            title: tokenTitle(t),
        });
        appendVisible(span, tokenShownText(t));
        paintToken(span, tokenColor(state.metric, t));
        frag.append(span);
        // Newline tokens also break the line after their ↵, so the layout follows the source.
        if (!t.special) for (let n = lineBreaks(t.text); n > 0; n--) frag.append(h("br"));
    });
    setChildren(tokensEl, frag);
    renderSelection();
}

/** Appends text with whitespace shown as dimmed marks (·, →, ↵). */
function appendVisible(el: HTMLElement, text: string): void {
    for (const run of whitespaceRuns(text)) {
        el.append(run.ws ? h("span", { className: "ws", text: visibleText(run.text) }) : run.text);
    }
}

/** A token chip's fill, and the same hue nearly opaque as its underline. */
function paintToken(el: HTMLElement, color: string | undefined): void {
    if (!color) return;
    el.style.background = color;
    el.style.borderBottomColor = withAlpha(color, edgeAlpha);
}

function tokenTitle(t: TokenAnalysis): string {
    if (t.prob === null) return `${tokenLabel(t.text, t.special, t.bytes)}: first token (no prefix)`;
    return `${tokenLabel(t.text, t.special, t.bytes)}: p ${formatProb(t.prob)}, rank ${t.rank}, ${t.surprisal?.toFixed(2)} bits`;
}

/**
 * The text the token was made from. It differs from the token's own text for `<unk>` and other
 * replacements, and for byte pieces, whose source is the whole character they are part of.
 */
function sourceLine(t: TokenAnalysis, text: string): HTMLElement {
    const source = text.slice(t.start, t.end);
    const replaced = source !== t.text;
    const slice = h("span", { className: "source-text" });
    appendVisible(slice, source.length === 0 ? "∅" : source);
    return h(
        "div",
        { className: "token-source", testid: "token-source" },
        h("span", { className: "muted", text: replaced ? "replaces: " : "source: " }),
        slice,
        h("span", { className: "muted", text: ` (characters ${t.start}–${t.end})` }),
    );
}

function renderSelection(): void {
    tokensEl.querySelectorAll(".token.selected").forEach((el) => el.classList.remove("selected"));
    if (state.selected !== undefined) tokensEl.querySelector(`.token[data-index="${state.selected}"]`)?.classList.add("selected");
}

function renderDetails(): void {
    const t = state.selected !== undefined ? state.result?.tokens[state.selected] : undefined;
    if (!t) {
        setChildren(
            detailsEl,
            h("div", { className: "hint muted" }, h("span", { className: "codicon codicon-info" }), " Click a token to see its alternatives; double-click to find it in the editor."),
        );
        detailsEl.classList.remove("card");
        return;
    }
    detailsEl.classList.add("card");
    const chip = h("span", { className: `token chip-title${t.prob === null ? " unconditioned" : ""}` });
    appendVisible(chip, tokenShownText(t));
    paintToken(chip, tokenColor(state.metric, t));
    const best = Math.max(1e-9, ...t.topk.map((alt) => alt.prob));
    const rows = t.topk.map((alt, i) => {
        const isToken = alt.id === t.id;
        const bar = h("span", { className: "bar" });
        bar.style.width = `${Math.max(0.5, (alt.prob / best) * 100)}%`;
        const label = h("span", { className: "alt-token" });
        appendVisible(label, alt.text.length === 0 ? "∅" : tokenShownText(alt));
        return h(
            "tr",
            { className: isToken ? "current" : "", attrs: { "data-testid": "alternative", ...(isToken ? { "aria-current": "true" } : {}) } },
            h("td", { className: "num muted", text: String(i + 1) }),
            h("td", {}, label, isToken ? h("span", { className: "codicon codicon-arrow-left this-token", title: "the actual token" }) : null),
            h("td", { className: "num", text: formatProb(alt.prob) }),
            h("td", { className: "bar-cell" }, h("span", { className: "bar-track" }, bar)),
        );
    });
    setChildren(
        detailsEl,
        h("div", { className: "details-head" }, h("span", { className: "muted", text: `Token ${state.selected}` }), chip),
        sourceLine(t, state.result!.text),
        statsRow(
            h("div", { className: "stats-row compact" }),
            stat("probability", t.prob === null ? "—" : formatProb(t.prob), ""),
            stat("rank", t.rank === null ? "—" : String(t.rank), ""),
            stat("surprisal", t.surprisal === null ? "—" : t.surprisal.toFixed(3), "bits"),
            stat("entropy", t.entropy === null ? "—" : t.entropy.toFixed(3), "nats"),
            stat("context", String(t.context), t.truncatedContext ? "tokens (window slid)" : "tokens"),
        ),
        rows.length > 0
            ? h(
                  "table",
                  { className: "alternatives", testid: "alternatives" },
                  h("caption", { text: `Top ${rows.length} next tokens at this position` }),
                  h("tr", {}, h("th", { className: "num", text: "#" }), h("th", { text: "token" }), h("th", { className: "num", text: "p" }), h("th")),
                  ...rows,
              )
            : h("span", { className: "muted", text: "The first token has no prefix, so no distribution." }),
    );
}

function save(): void {
    host.saveState(state);
}
