// Messages between the extension host (src/extension/*Panel.ts, dashboardView.ts) and the
// webviews (webview/*/main.ts), one discriminated union per direction. Each message names the
// panel it belongs to; token and attention results also carry a sequence number so a late answer
// to an old request is dropped. Webview-to-host messages are untrusted and checked by
// `parseWebviewMessage` before use.

import type {
    AnalyzeResult,
    AttentionResult,
    EvalPoint,
    MetricsRecord,
    RunStateEvent,
    RunSummary,
    TrainProgress,
} from "../../src/protocol";
import type { ModelInfo } from "../../src/engine/types";
import type { ColorMetric } from "./colors";
import type { TrainForm } from "./trainForm";

/** Where analysed text came from, so a click can reveal it in the editor. */
export interface TextSource {
    uri: string;
    /** Document offset of the analysed text's first character. */
    offset: number;
    label: string;
}

export type HostMessage =
    | { type: "tokens/show"; panelId: string; seq: number; result: AnalyzeResult; source: TextSource; metric: ColorMetric; pinned: boolean }
    | { type: "tokens/busy"; panelId: string; seq: number }
    | { type: "attention/show"; panelId: string; seq: number; result: AttentionResult }
    | { type: "attention/head"; panelId: string; seq: number; result: AttentionResult }
    | { type: "dashboard/init"; panelId: string; form: TrainForm; hasSelection: boolean; runsRoot: string }
    | {
          type: "dashboard/runs";
          panelId: string;
          runs: RunSummary[];
          activeModel?: string;
          /** Runs of the current engine process, the only ones pause/resume/stop can reach. */
          liveRunIds?: string[];
      }
    | { type: "dashboard/metrics"; panelId: string; runId: string; records: MetricsRecord[] }
    | { type: "dashboard/progress"; panelId: string; progress: TrainProgress }
    | { type: "dashboard/eval"; panelId: string; point: EvalPoint }
    | { type: "dashboard/state"; panelId: string; event: RunStateEvent }
    | { type: "dashboard/files"; panelId: string; files: string[] }
    | { type: "model"; panelId: string; model: ModelInfo | null }
    | { type: "error"; panelId: string; message: string; seq?: number };

export type WebviewMessage =
    | { type: "ready"; panelId: string }
    | { type: "tokens/metric"; panelId: string; metric: ColorMetric }
    | { type: "tokens/pin"; panelId: string; pinned: boolean }
    | { type: "tokens/reveal"; panelId: string; start: number; end: number }
    | { type: "attention/select"; panelId: string; layer: number; head: number; scores: boolean }
    | { type: "export"; panelId: string; format: "png" | "svg"; name: string; data: string }
    | { type: "dashboard/start"; panelId: string; form: TrainForm }
    | { type: "dashboard/control"; panelId: string; action: "pause" | "resume" | "stop"; runId: string }
    | { type: "dashboard/resumeCheckpoint"; panelId: string; dir: string }
    | { type: "dashboard/load"; panelId: string; dir: string }
    | { type: "dashboard/metrics"; panelId: string; runId: string; dir: string }
    | { type: "dashboard/browse"; panelId: string }
    | { type: "dashboard/refresh"; panelId: string };

type Check = (value: unknown) => boolean;

const isString: Check = (v) => typeof v === "string";
const isBool: Check = (v) => typeof v === "boolean";
const isInt: Check = (v) => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isObject: Check = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const oneOf =
    (...values: string[]): Check =>
    (v) =>
        typeof v === "string" && values.includes(v);

/** Field checks per webview message type; `panelId` is checked for all of them. */
const schemas: Record<WebviewMessage["type"], Record<string, Check>> = {
    ready: {},
    "tokens/metric": { metric: oneOf("probability", "rank", "surprisal") },
    "tokens/pin": { pinned: isBool },
    "tokens/reveal": { start: isInt, end: isInt },
    "attention/select": { layer: isInt, head: isInt, scores: isBool },
    export: { format: oneOf("png", "svg"), name: isString, data: isString },
    "dashboard/start": { form: isObject },
    "dashboard/control": { action: oneOf("pause", "resume", "stop"), runId: isString },
    "dashboard/resumeCheckpoint": { dir: isString },
    "dashboard/load": { dir: isString },
    "dashboard/metrics": { runId: isString, dir: isString },
    "dashboard/browse": {},
    "dashboard/refresh": {},
};

/**
 * Returns the message typed when it is well formed and addressed to `panelId`, else a reason.
 * Unknown types, missing or mistyped fields and other panels' messages are all rejected.
 */
export function parseWebviewMessage(
    raw: unknown,
    panelId: string,
): { ok: true; message: WebviewMessage } | { ok: false; reason: string } {
    if (!isObject(raw)) return { ok: false, reason: "message is not an object" };
    const record = raw as Record<string, unknown>;
    const type = record.type;
    if (typeof type !== "string" || !Object.prototype.hasOwnProperty.call(schemas, type)) {
        return { ok: false, reason: `unknown message type ${JSON.stringify(type)}` };
    }
    if (record.panelId !== panelId) {
        return { ok: false, reason: `message for panel ${JSON.stringify(record.panelId)}, expected ${panelId}` };
    }
    for (const [field, check] of Object.entries(schemas[type as WebviewMessage["type"]])) {
        if (!check(record[field])) {
            return { ok: false, reason: `${type}: field ${field} is invalid (${JSON.stringify(record[field])})` };
        }
    }
    return { ok: true, message: raw as WebviewMessage };
}

/**
 * Keeps the latest sequence number seen and says whether a message is stale, i.e. answers a
 * request older than one already shown.
 */
export class SequenceGate {
    private latest = -1;

    accept(seq: number): boolean {
        if (seq < this.latest) return false;
        this.latest = seq;
        return true;
    }
}
