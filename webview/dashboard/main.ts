// Training dashboard webview: the new-run form, the selected run's state, progress, ETA and
// controls, live uPlot curves (loss, perplexity, learning rate, gradient norm, tokens/s) with
// debiased smoothing and min/max downsampling, and the run list with overlay comparison and a
// hyper-parameter table. Runs continue in the engine while this view is closed; on reopening it
// re-reads their metrics logs.

import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import "@vscode-elements/elements/dist/vscode-collapsible/index.js";
import type { RunSummary, TrainConfig } from "../../src/protocol";
import { h, setChildren } from "../shared/dom";
import { Host } from "../shared/host";
import { defaultTrainForm } from "../shared/trainForm";
import { Chart, seriesColor } from "./chart";
import { RunForm } from "./form";
import { addEval, addProgress, applyMetrics, formatDuration, prepareChart, type RunData, type SeriesInput } from "./runData";
import "./style.css";

interface State {
    selected?: string;
    compare: string[];
    smoothing: number;
    logY: boolean;
}

const host = new Host<State>();
let state: State = { compare: [], smoothing: 0.9, logY: false, ...host.state };
const runs = new Map<string, RunData>();
const requested = new Set<string>();
/** Runs of the current engine process: only these take pause, resume and stop. */
let live = new Set<string>();

const modelEl = h("span", { className: "muted", testid: "active-model", text: "No model loaded yet" });
const errorEl = h("div", { className: "error-banner", testid: "error", attrs: { role: "alert" } });
const form = new RunForm(
    defaultTrainForm,
    (f) => host.post({ type: "dashboard/start", panelId: host.panelId, form: f }),
    () => host.post({ type: "dashboard/browse", panelId: host.panelId }),
);
const formSection = h("vscode-collapsible", { testid: "new-run", attrs: { title: "New run", open: true } }, form.element);

const runTitle = h("div", { className: "run-title", testid: "run-title", text: "No run selected" });
const runState = h("span", { className: "run-state", testid: "run-state", text: "idle" });
const progressFill = h("div", { className: "progress-fill" });
const progress = h("div", { className: "progress", testid: "progress", attrs: { role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 } }, progressFill);
const statsEl = h("div", { className: "stats", testid: "run-stats" });
const button = (testid: string, icon: string, text: string, onClick: () => void) => {
    const el = h("vscode-button", { testid, attrs: { icon, secondary: true }, text });
    el.addEventListener("click", onClick);
    return el;
};
const control = (action: "pause" | "resume" | "stop") => () => {
    if (state.selected) host.post({ type: "dashboard/control", panelId: host.panelId, action, runId: state.selected });
};
const pauseBtn = button("pause", "debug-pause", "Pause", control("pause"));
const resumeBtn = button("resume", "debug-continue", "Resume", control("resume"));
const stopBtn = button("stop", "debug-stop", "Stop", control("stop"));
const loadBtn = button("load-model", "check", "Use as model", () => {
    const run = selectedRun();
    if (run) host.post({ type: "dashboard/load", panelId: host.panelId, dir: run.summary.dir });
});
const checkpointBtn = button("resume-checkpoint", "history", "Resume from checkpoint", () => {
    const run = selectedRun();
    if (run) host.post({ type: "dashboard/resumeCheckpoint", panelId: host.panelId, dir: run.summary.dir });
});

const smoothing = h("input", { testid: "smoothing", attrs: { type: "range", min: 0, max: 0.99, step: 0.01, "aria-label": "Smoothing" } }) as HTMLInputElement;
const smoothingLabel = h("span", { className: "muted" });
const logY = h("vscode-checkbox", { testid: "log-y", attrs: { label: "Log scale" } });

const charts = {
    loss: new Chart("Loss (nats/token)", "loss-chart", "loss"),
    perplexity: new Chart("Perplexity", "perplexity-chart", "ppl"),
    lr: new Chart("Learning rate", "lr-chart", "lr"),
    gradNorm: new Chart("Gradient norm (before clipping)", "grad-norm-chart", "norm"),
    throughput: new Chart("Throughput (tokens/s)", "throughput-chart", "tok/s"),
};
const runsTable = h("table", { className: "grid runs", testid: "runs" });
const hparams = h("table", { className: "grid", testid: "hparams" });

document.getElementById("root")!.append(
    h(
        "div",
        { testid: "dashboard" },
        h("div", { className: "toolbar" }, h("span", { className: "codicon codicon-symbol-namespace" }), modelEl),
        errorEl,
        formSection,
        h(
            "section",
            { className: "run-status", testid: "run-status" },
            h("div", { className: "toolbar" }, runTitle, runState),
            progress,
            statsEl,
            h("div", { className: "toolbar" }, pauseBtn, resumeBtn, stopBtn, loadBtn, checkpointBtn),
        ),
        h("div", { className: "toolbar" }, h("span", { text: "Smoothing" }), smoothing, smoothingLabel, logY),
        h("div", { className: "charts" }, ...Object.values(charts).map((c) => c.element)),
        h("h4", { text: "Runs" }),
        h("div", { className: "table-wrap" }, runsTable),
        h("h4", { text: "Hyper-parameters" }),
        h("div", { className: "table-wrap" }, hparams),
    ),
);

smoothing.value = String(state.smoothing);
(logY as unknown as { checked: boolean }).checked = state.logY;
smoothing.addEventListener("input", () => {
    state.smoothing = Number(smoothing.value);
    schedule();
});
logY.addEventListener("change", () => {
    state.logY = (logY as unknown as { checked: boolean }).checked;
    schedule();
});
new ResizeObserver(() => {
    const width = document.body.clientWidth - 24;
    for (const c of Object.values(charts)) c.resize(width);
}).observe(document.body);

host.listen((msg) => {
    switch (msg.type) {
        case "dashboard/init":
            form.set(msg.form);
            break;
        case "dashboard/runs":
            live = new Set(msg.liveRunIds ?? []);
            for (const summary of msg.runs) {
                const run = runs.get(summary.runId);
                // A live run's progress may be ahead of its folder's record; an ended one is as listed.
                if (run && live.has(summary.runId)) run.summary = { ...summary, step: Math.max(summary.step, run.summary.step) };
                else if (run) run.summary = summary;
                else runs.set(summary.runId, { summary, train: [], evals: [], loaded: false });
            }
            // With runs to watch, the form folds away so the run's state and curves are in view.
            if (msg.runs.length > 0 && !formTouched) setFormOpen(false);
            if (!state.selected || !runs.has(state.selected)) {
                const active = msg.runs.find((r) => r.state === "running" || r.state === "starting" || r.state === "paused");
                state.selected = (active ?? msg.runs[0])?.runId;
            }
            requestMissing();
            schedule();
            break;
        case "dashboard/metrics": {
            const run = runs.get(msg.runId);
            if (run) applyMetrics(run, msg.records);
            schedule();
            break;
        }
        case "dashboard/progress": {
            const run = ensureRun(msg.progress.runId);
            addProgress(run, msg.progress);
            if (run.summary.state === "starting") run.summary.state = "running";
            schedule();
            break;
        }
        case "dashboard/eval":
            addEval(ensureRun(msg.point.runId), msg.point);
            schedule();
            break;
        case "dashboard/state": {
            const run = ensureRun(msg.event.runId);
            run.summary.state = msg.event.state;
            if (["starting", "running", "paused"].includes(msg.event.state)) live.add(msg.event.runId);
            else live.delete(msg.event.runId);
            if (msg.event.state === "starting") {
                state.selected = msg.event.runId;
                run.loaded = true;
                setFormOpen(false);
            }
            if (msg.event.state === "failed" && msg.event.message) errorEl.textContent = msg.event.message;
            schedule();
            break;
        }
        case "dashboard/files":
            form.setFiles(msg.files);
            break;
        case "model":
            modelEl.textContent = msg.model ? `Model: ${msg.model.name} (${msg.model.kind}, ctx ${msg.model.contextLength})` : "No model loaded yet";
            break;
        case "error":
            errorEl.textContent = msg.message;
            break;
        default:
            break;
    }
});
host.post({ type: "ready", panelId: host.panelId });

/** Set once the user opens or closes the form, whose choice then wins over the automatic one. */
let formTouched = false;
formSection.addEventListener("click", (event) => {
    if ((event.target as HTMLElement) === formSection) formTouched = true;
});

function setFormOpen(open: boolean): void {
    (formSection as unknown as { open: boolean }).open = open;
}

function ensureRun(runId: string): RunData {
    let run = runs.get(runId);
    if (!run) {
        const summary = { runId, dir: "", state: "starting", step: 0, maxIters: 0, config: {} as TrainConfig, createdAt: new Date().toISOString(), hasCheckpoint: false } satisfies RunSummary;
        run = { summary, train: [], evals: [], loaded: true };
        runs.set(runId, run);
        host.post({ type: "dashboard/refresh", panelId: host.panelId });
    }
    return run;
}

function selectedRun(): RunData | undefined {
    return state.selected ? runs.get(state.selected) : undefined;
}

/** The selected run and the runs compared with it, each once. */
function shownRuns(): RunData[] {
    return [...new Set([state.selected, ...state.compare])].map((id) => (id ? runs.get(id) : undefined)).filter((r): r is RunData => !!r);
}

/** Asks the host for the metrics logs of shown runs that have not been read yet. */
function requestMissing(): void {
    for (const id of new Set([state.selected, ...state.compare])) {
        const run = id ? runs.get(id) : undefined;
        if (!run || run.loaded || requested.has(run.summary.runId) || !run.summary.dir) continue;
        requested.add(run.summary.runId);
        host.post({ type: "dashboard/metrics", panelId: host.panelId, runId: run.summary.runId, dir: run.summary.dir });
    }
}

let frame = 0;
function schedule(): void {
    if (frame) return;
    frame = requestAnimationFrame(() => {
        frame = 0;
        render();
    });
}

function render(): void {
    host.saveState(state);
    smoothingLabel.textContent = state.smoothing.toFixed(2);
    renderStatus();
    renderCharts();
    renderRuns();
    renderHparams();
}

function renderStatus(): void {
    const run = selectedRun();
    const s = run?.summary;
    runTitle.textContent = s ? s.runId : "No run selected";
    runState.textContent = s?.state ?? "idle";
    runState.dataset.state = s?.state ?? "idle";
    runState.title = s?.interrupted ? "Interrupted when its process ended; resume it from its checkpoint" : "";
    const max = run?.last?.maxIters ?? s?.maxIters ?? 0;
    const step = s?.step ?? 0;
    const pct = max > 0 ? Math.min(100, (100 * step) / max) : 0;
    progressFill.style.width = `${pct}%`;
    progress.setAttribute("aria-valuenow", pct.toFixed(1));
    const last = run?.last;
    const stat = (label: string, value: string, testid: string) =>
        h("div", { className: "stat" }, h("div", { className: "label", text: label }), h("div", { className: "value", testid, text: value }));
    setChildren(
        statsEl,
        stat("step", max ? `${step} / ${max}` : String(step), "step"),
        stat("loss", s?.lastLoss !== undefined ? s.lastLoss.toFixed(4) : "—", "loss"),
        // The same figure as the run table's, so that both agree after a resume.
        stat("val loss", s?.lastValLoss !== undefined ? s.lastValLoss.toFixed(4) : "—", "val-loss"),
        stat("tokens/s", last ? Math.round(last.tokensPerSec).toLocaleString() : "—", "tokens-per-sec"),
        stat("elapsed", last ? formatDuration(last.elapsedSec) : "—", "elapsed"),
        stat("ETA", last && s?.state === "running" ? formatDuration(last.etaSec) : "—", "eta"),
    );
    const st = s?.state;
    // A run listed as running by another process (the CLI) cannot be controlled from here.
    const isLive = !!s && live.has(s.runId);
    setEnabled(pauseBtn, isLive && st === "running");
    setEnabled(resumeBtn, isLive && st === "paused");
    setEnabled(stopBtn, isLive && (st === "running" || st === "paused" || st === "starting"));
    setEnabled(loadBtn, !!s?.hasCheckpoint || st === "finished" || st === "stopped");
    setEnabled(checkpointBtn, !!s?.hasCheckpoint && (st === "stopped" || st === "failed"));
}

function renderCharts(): void {
    const shown = shownRuns();
    const buckets = Math.max(50, Math.floor((document.body.clientWidth || 400) / 2));
    const colors: string[] = [];
    const inputs = (pick: (run: RunData) => SeriesInput[]) => {
        colors.length = 0;
        const all: SeriesInput[] = [];
        shown.forEach((run, i) => {
            for (const s of pick(run)) {
                all.push(s);
                // A run keeps one colour for its lines; its evaluation points take the next one.
                colors.push(seriesColor(s.points ? 2 * i + 1 : 2 * i));
            }
        });
        return all;
    };
    const label = (run: RunData, what: string) => (shown.length > 1 ? `${run.summary.runId.slice(-12)} ${what}` : what);
    const xs = (run: RunData) => run.train.map((t) => t.step);
    const lossInputs = inputs((run) => [
        // The raw curve stays faintly visible under the smoothed one, as in TensorBoard.
        ...(state.smoothing > 0 ? [{ label: label(run, "raw"), xs: xs(run), ys: run.train.map((t) => t.loss), faint: true }] : []),
        { label: label(run, "train"), xs: xs(run), ys: run.train.map((t) => t.loss) },
        { label: label(run, "val"), xs: run.evals.map((e) => e.step), ys: run.evals.map((e) => e.valLoss), points: true },
    ]);
    charts.loss.update(prepareChart(lossInputs, state.smoothing, buckets), state.logY, [...colors]);
    const pplInputs = inputs((run) => [
        { label: label(run, "train"), xs: xs(run), ys: run.train.map((t) => Math.exp(t.loss)) },
        { label: label(run, "val"), xs: run.evals.map((e) => e.step), ys: run.evals.map((e) => e.valPerplexity), points: true },
    ]);
    charts.perplexity.update(prepareChart(pplInputs, state.smoothing, buckets), state.logY, [...colors]);
    const one = (name: string, pick: (t: RunData["train"][number]) => number, smooth: number) => {
        const ins = inputs((run) => [{ label: label(run, name), xs: xs(run), ys: run.train.map(pick) }]);
        return prepareChart(ins, smooth, buckets);
    };
    charts.lr.update(one("lr", (t) => t.lr, 0), false, [...colors]);
    charts.gradNorm.update(one("grad norm", (t) => t.gradNorm, state.smoothing), state.logY, [...colors]);
    charts.throughput.update(one("tokens/s", (t) => t.tokensPerSec, state.smoothing), false, [...colors]);
}

interface RunRow {
    row: HTMLElement;
    state: HTMLElement;
    step: HTMLElement;
    loss: HTMLElement;
    val: HTMLElement;
}

/** The run table's rows by run id; rebuilt only when the list, selection or comparison changes. */
const runRows = new Map<string, RunRow>();
let runsLayout = "";

/** Lays out the run table when its rows change, then writes each run's live figures in place. */
function renderRuns(): void {
    const list = [...runs.values()].sort((a, b) => b.summary.createdAt.localeCompare(a.summary.createdAt));
    const layout = JSON.stringify([list.map((r) => r.summary.runId), state.selected, state.compare]);
    if (layout !== runsLayout) {
        runsLayout = layout;
        runRows.clear();
        const header = h("tr", {}, ...["compare", "run", "state", "step", "loss", "val"].map((t) => h("th", { text: t })));
        const rows = list.map((run) => runRow(run.summary));
        setChildren(runsTable, header, ...(rows.length ? rows : [h("tr", {}, h("td", { className: "muted", text: "No runs yet", attrs: { colspan: 6 } }))]));
    }
    for (const { summary: s } of list) {
        const cells = runRows.get(s.runId);
        if (!cells) continue;
        cells.row.dataset.state = s.state;
        cells.state.textContent = s.state;
        cells.step.textContent = `${s.step}/${s.maxIters}`;
        cells.loss.textContent = s.lastLoss?.toFixed(3) ?? "—";
        cells.val.textContent = s.lastValLoss?.toFixed(3) ?? "—";
    }
}

function runRow(s: RunSummary): HTMLElement {
    const compare = h("input", { attrs: { type: "checkbox", "aria-label": `Compare ${s.runId}`, checked: state.compare.includes(s.runId) } }) as HTMLInputElement;
    compare.addEventListener("click", (event) => {
        event.stopPropagation();
        state.compare = compare.checked ? [...state.compare, s.runId] : state.compare.filter((id) => id !== s.runId);
        requestMissing();
        schedule();
    });
    const cells = {
        state: h("td"),
        step: h("td", { className: "num" }),
        loss: h("td", { className: "num" }),
        val: h("td", { className: "num" }),
    };
    const row = h(
        "tr",
        { className: s.runId === state.selected ? "selected" : "", testid: "run-row", attrs: { "data-run-id": s.runId } },
        h("td", {}, compare),
        h("td", { text: s.runId, title: s.dir }),
        cells.state,
        cells.step,
        cells.loss,
        cells.val,
    );
    row.addEventListener("click", () => {
        state.selected = s.runId;
        requestMissing();
        schedule();
    });
    runRows.set(s.runId, { row, ...cells });
    return row;
}

const hparamKeys: (keyof TrainConfig)[] = ["tokenizer", "bpeVocabSize", "n_layer", "n_head", "n_embd", "block_size", "batch_size", "lr", "max_iters", "dropout", "weight_decay", "warmup_iters", "grad_clip", "seed"];

let hparamsShown = "";

/** Rebuilds the hyper-parameter table when the shown runs or their configurations change. */
function renderHparams(): void {
    const shown = shownRuns();
    const key = JSON.stringify(shown.map((r) => [r.summary.runId, r.summary.config]));
    if (key === hparamsShown) return;
    hparamsShown = key;
    if (shown.length === 0) {
        setChildren(hparams);
        return;
    }
    const header = h("tr", {}, h("th", { text: "" }), ...shown.map((r) => h("th", { text: r.summary.runId.slice(-15), title: r.summary.runId })));
    const rows = hparamKeys.map((key) => {
        const values = shown.map((r) => r.summary.config?.[key]);
        const differs = new Set(values.map(String)).size > 1;
        return h("tr", { className: differs ? "differs" : "" }, h("td", { text: key }), ...values.map((v) => h("td", { className: "num", text: v === undefined ? "—" : String(v) })));
    });
    setChildren(hparams, header, ...rows);
}

function setEnabled(el: HTMLElement, enabled: boolean): void {
    if (enabled) el.removeAttribute("disabled");
    else el.setAttribute("disabled", "");
}
