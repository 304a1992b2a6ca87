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
import { formatProb, tokenLabel, visibleText } from "../shared/tokenText";
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
const sourceLabel = h("span", { className: "muted", testid: "source" });
const legendEl = h("div", { className: "legend", testid: "legend" });
const errorEl = h("div", { className: "error-banner", testid: "error", attrs: { role: "alert" } });
const summaryEl = h("div", { className: "stats", testid: "summary" });
const tokensEl = h("div", { className: "tokens", testid: "tokens", attrs: { role: "list" } });
const detailsEl = h("div", { className: "details", testid: "token-details" });
const root = h(
    "div",
    { testid: "token-panel" },
    h("div", { className: "toolbar" }, h("span", { text: "Colour by" }), metricSelect, pin, sourceLabel),
    legendEl,
    errorEl,
    summaryEl,
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
    setChildren(
        legendEl,
        ...legend(state.metric).map((e) => h("span", {}, h("span", { className: "swatch" }, ""), e.label)),
    );
    legendEl.querySelectorAll<HTMLElement>(".swatch").forEach((el, i) => {
        el.style.background = legend(state.metric)[i].color;
    });
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
    const stat = (label: string, value: string, testid: string) =>
        h("div", { className: "stat" }, h("div", { className: "label", text: label }), h("div", { className: "value", testid, text: value }));
    setChildren(
        summaryEl,
        stat("log P (sequence)", `${r.logLikelihood.toFixed(3)} nats`, "log-likelihood"),
        stat("log₂ P", `${(r.logLikelihood / Math.LN2).toFixed(2)} bits`, "log2-likelihood"),
        stat("perplexity", r.perplexity.toFixed(3), "perplexity"),
        stat("bits / char", r.bitsPerChar.toFixed(3), "bits-per-char"),
        stat("tokens", `${r.tokens.length} (${r.scored} scored)`, "token-count"),
        stat("characters", String(r.chars), "char-count"),
        stat("model", `${r.model} · ctx ${r.contextLength}`, "model"),
        r.cut ? stat("note", "input was cut to the token limit", "cut") : null,
        r.truncatedTokens > 0 ? stat("sliding window", `${r.truncatedTokens} tokens had less than full context`, "truncated") : null,
    );
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
        appendVisible(span, t.special ? tokenLabel(t.text, true) : t.text);
        const color = tokenColor(state.metric, t);
        if (color) span.style.background = color;
        frag.append(span);
        // Newline tokens also break the line, so the layout follows the source text.
        if (!t.special && t.text.includes("\n")) frag.append("\n");
    });
    setChildren(tokensEl, frag);
    renderSelection();
}

/** Appends text with whitespace shown as dimmed marks. */
function appendVisible(el: HTMLElement, text: string): void {
    let plain = "";
    const flush = () => {
        if (plain) el.append(plain);
        plain = "";
    };
    for (const ch of text) {
        if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch.charCodeAt(0) < 0x20) {
            flush();
            el.append(h("span", { className: "ws", text: visibleText(ch) }));
        } else plain += ch;
    }
    flush();
}

function tokenTitle(t: TokenAnalysis): string {
    if (t.prob === null) return `${tokenLabel(t.text, t.special)}: first token (no prefix)`;
    return `${tokenLabel(t.text, t.special)}: p ${formatProb(t.prob)}, rank ${t.rank}, ${t.surprisal?.toFixed(2)} bits`;
}

function renderSelection(): void {
    tokensEl.querySelectorAll(".token.selected").forEach((el) => el.classList.remove("selected"));
    if (state.selected !== undefined) tokensEl.querySelector(`.token[data-index="${state.selected}"]`)?.classList.add("selected");
}

function renderDetails(): void {
    const t = state.selected !== undefined ? state.result?.tokens[state.selected] : undefined;
    if (!t) {
        setChildren(detailsEl, h("span", { className: "muted", text: "Click a token to see its alternatives; double-click to find it in the editor." }));
        return;
    }
    const rows = t.topk.map((alt) => {
        const bar = h("span", { className: "bar" });
        bar.style.width = `${Math.max(1, Math.round(alt.prob * 120))}px`;
        return h(
            "tr",
            { attrs: { "data-testid": "alternative", ...(alt.id === t.id ? { "aria-current": "true" } : {}) } },
            h("td", { text: tokenLabel(alt.text, false) + (alt.id === t.id ? "  ◀" : "") }),
            h("td", { className: "num", text: formatProb(alt.prob) }),
            h("td", {}, bar),
        );
    });
    setChildren(
        detailsEl,
        h("h3", { text: `Token ${state.selected}: ${tokenLabel(t.text, t.special)}` }),
        h(
            "div",
            { className: "stats" },
            ...[
                ["probability", t.prob === null ? "—" : formatProb(t.prob)],
                ["rank", t.rank === null ? "—" : String(t.rank)],
                ["surprisal", t.surprisal === null ? "—" : `${t.surprisal.toFixed(3)} bits`],
                ["entropy", t.entropy === null ? "—" : `${t.entropy.toFixed(3)} nats`],
                ["context", `${t.context} tokens${t.truncatedContext ? " (window slid)" : ""}`],
            ].map(([label, value]) =>
                h("div", { className: "stat" }, h("div", { className: "label", text: label }), h("div", { className: "value", text: value })),
            ),
        ),
        rows.length > 0
            ? h("table", { className: "grid", testid: "alternatives" }, h("tr", {}, h("th", { text: "alternative" }), h("th", { text: "p" }), h("th")), ...rows)
            : h("span", { className: "muted", text: "The first token has no prefix, so no distribution." }),
    );
}

function save(): void {
    host.saveState(state);
}
