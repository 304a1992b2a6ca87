// Training commands and run bookkeeping: turns the current file, the selection, workspace files
// or a dashboard form into an engine run, logs its hyper-parameters, and forwards pause, resume
// and stop. Runs live in the engine process, so closing the dashboard does not stop them; runs
// that ended with a process (a crash, a reload) are listed as interrupted and offered for resuming.

import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { Methods, type RunSummary, type TrainConfig } from "../protocol";
import {
    defaultTrainForm,
    trainConfigFromForm,
    validateTrainForm,
    type TrainForm,
} from "../../webview/shared/trainForm";
import type { Config } from "./config";
import type { Engine } from "./engine";
import { Disposable } from "./lifecycle";
import { log, showError } from "./log";
import { binaryReason, runFolderName } from "./textCheck";

const formKey = "lmLab.trainForm";

/** What a run trains on: files on disk, or text from an editor, and a label for its folder name. */
export interface TrainData {
    files: string[];
    text?: string;
    label: string;
}

export class Training extends Disposable {
    private readonly runs = new Map<string, RunSummary>();
    /** Ids of the runs started or resumed in the current engine process: only these take controls. */
    private readonly live = new Set<string>();
    /** Interrupted runs already announced (by the crash message or the offer to resume). */
    private readonly announced = new Set<string>();
    private offeredResume = false;
    /** Set when runs were marked interrupted while no listing could be sent (engine stopped). */
    private changePending = false;
    private readonly changed = this.register(new vscode.EventEmitter<void>());
    /** Fires when the set of known runs or their states change. */
    readonly onDidChangeRuns = this.changed.event;

    constructor(
        private readonly engine: Engine,
        private readonly config: Config,
        private readonly state: vscode.Memento,
    ) {
        super();
        engine.countActiveRuns = () => this.liveRuns().length;
        this.register(
            engine.onRunState((e) => {
                const run = this.runs.get(e.runId);
                if (run) run.state = e.state;
                if (isActive(e.state)) this.live.add(e.runId);
                else this.live.delete(e.runId);
                if (e.state === "failed") void showError(`training run ${e.runId} failed`, new Error(e.message ?? "no reason given"));
                else if (e.state === "finished") void this.announceFinished(e.runId);
                this.changed.fire();
            }),
        );
        this.register(
            engine.onDidChangeState((state) => {
                if (state === "ready" && this.changePending) {
                    this.changePending = false;
                    this.changed.fire();
                }
                if (state !== "stopped" && state !== "crashed") return;
                // The runs that were live ended with the process: they show as interrupted, ready
                // to resume from their checkpoints, and pause/stop no longer name a run that is gone.
                for (const run of this.liveRuns()) {
                    run.state = "stopped";
                    run.interrupted = true;
                    run.hasCheckpoint ||= checkpointExists(run.dir);
                    this.announced.add(run.runId);
                }
                this.live.clear();
                // A listing of a crashed engine shows the known runs without restarting it; after a
                // deliberate stop a listing would start a new engine at once, so it waits for one.
                if (state === "crashed") this.changed.fire();
                else this.changePending = true;
            }),
        );
        this.register(
            engine.onProgress((p) => {
                const run = this.runs.get(p.runId);
                if (run) {
                    run.step = p.step;
                    run.lastLoss = p.loss;
                }
            }),
        );
    }

    /** The last form used, or the defaults. */
    get form(): TrainForm {
        return { ...defaultTrainForm, ...this.state.get<Partial<TrainForm>>(formKey, {}) };
    }

    /** Known runs, newest first: those on disk under the runs folder plus those started now. */
    async listRuns(): Promise<RunSummary[]> {
        const root = this.config.runsRoot();
        // After a crash the engine restarts on the user's next request, not on a view refresh:
        // until then the views show the runs already known.
        if (fs.existsSync(root) && this.engine.state !== "crashed") {
            const listed = await this.engine.request(Methods.listRuns, { root });
            for (const run of listed) {
                const known = this.runs.get(run.runId);
                if (known && this.live.has(run.runId)) known.hasCheckpoint = run.hasCheckpoint;
                else this.runs.set(run.runId, run);
            }
            this.offerResume(listed);
        }
        return [...this.runs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    }

    /** Whether a run belongs to the current engine process, so that pause/resume/stop reach it. */
    isLive(runId: string): boolean {
        return this.live.has(runId);
    }

    /** The run that pause/resume/stop act on when none is named: the single active one. */
    activeRun(): RunSummary | undefined {
        return this.liveRuns()[0];
    }

    async trainOnFile(): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        if (!editor) throw new Error("open a text file to train on");
        await this.start(this.form, documentData(editor.document));
    }

    async trainOnSelection(): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        const text = editor ? editor.selections.map((s) => editor.document.getText(s)).join("\n") : "";
        if (!text.trim()) {
            void vscode.window.showWarningMessage("LM Lab: select some text to train on.");
            return;
        }
        await this.start(this.form, { files: [], text, label: "selection" });
    }

    async trainOnWorkspace(): Promise<void> {
        if (!vscode.workspace.workspaceFolders?.length) throw new Error("open a folder to train on its files");
        const glob = await vscode.window.showInputBox({
            title: "LM Lab: Train on Workspace Files",
            prompt: "Files to train on (glob pattern)",
            value: "**/*.{txt,md}",
        });
        if (!glob) return;
        const files = await workspaceTextFiles(glob);
        if (files.length === 0) {
            void vscode.window.showWarningMessage(`LM Lab: no files match ${glob}.`);
            return;
        }
        await this.start(this.form, { files, label: "workspace" });
    }

    /** Starts a run from a form (already validated in the webview; checked again here). */
    async start(form: TrainForm, data: TrainData): Promise<RunSummary> {
        const errors = Object.values(validateTrainForm(form));
        if (errors.length > 0) throw new Error(`invalid training settings: ${errors.join("; ")}`);
        await this.state.update(formKey, { ...form, files: [] });
        const out = path.join(this.config.runsRoot(), runFolderName(data.label, new Date()));
        const threads = this.config.settings.engineThreads || undefined;
        const runConfig: TrainConfig = trainConfigFromForm(form, { files: data.files, text: data.text, out, threads });
        log.info(`starting run in ${out}: ${JSON.stringify({ ...runConfig, text: data.text ? `<${data.text.length} chars>` : undefined })}`);
        // The dashboard is revealed before the engine (which may have to start) answers, so focus
        // moves when the user asks, not seconds later while they are typing elsewhere.
        await vscode.commands.executeCommand("lmLab.openDashboard");
        const run = await this.engine.request(Methods.startRun, runConfig);
        this.runs.set(run.runId, run);
        this.live.add(run.runId);
        this.changed.fire();
        return run;
    }

    async control(action: "pause" | "resume" | "stop", runId?: string): Promise<void> {
        const id = runId ?? this.activeRun()?.runId;
        if (!id) {
            void vscode.window.showInformationMessage("LM Lab: no training run is active.");
            return;
        }
        if (!this.live.has(id)) {
            const run = this.runs.get(id);
            const why = run && isActive(run.state) ? "runs in another process (the CLI?)" : "is not running";
            void vscode.window.showWarningMessage(`LM Lab: training run ${id} ${why}; it cannot be paused or stopped here.`);
            return;
        }
        const method = action === "pause" ? Methods.pauseRun : action === "resume" ? Methods.continueRun : Methods.stopRun;
        log.info(`${action} run ${id}`);
        await this.engine.request(method, { runId: id });
    }

    /** Continues a stopped or interrupted run from its last checkpoint. */
    async resumeFromCheckpoint(dir: string): Promise<void> {
        log.info(`resuming run from checkpoint ${dir}`);
        const run = await this.engine.request(Methods.resumeRun, { dir });
        this.runs.set(run.runId, run);
        this.live.add(run.runId);
        this.changed.fire();
    }

    /** Makes a run's checkpoint the active model. */
    async loadRun(dir: string): Promise<void> {
        const info = await this.engine.loadModel(dir);
        void vscode.window.showInformationMessage(`LM Lab: model ${info.name} is now active.`);
    }

    private liveRuns(): RunSummary[] {
        return [...this.live].map((id) => this.runs.get(id)).filter((r): r is RunSummary => !!r && isActive(r.state));
    }

    /**
     * Once after activation, offers to resume the runs the listing found interrupted (their
     * trainer ended with a window reload or a crash) that have a checkpoint.
     */
    private offerResume(listed: RunSummary[]): void {
        if (this.offeredResume) return;
        this.offeredResume = true;
        for (const run of listed) {
            if (!run.interrupted || !run.hasCheckpoint || this.announced.has(run.runId)) continue;
            this.announced.add(run.runId);
            log.info(`run ${run.runId} in ${run.dir} was interrupted at step ${run.step}`);
            void vscode.window
                .showInformationMessage(`LM Lab: training run ${run.runId} was interrupted at step ${run.step}.`, "Resume")
                .then((choice) => {
                    if (choice !== "Resume") return;
                    this.resumeFromCheckpoint(run.dir).catch((error: unknown) => showError(`resuming ${run.dir} failed`, error));
                });
        }
    }

    private async announceFinished(runId: string): Promise<void> {
        const run = this.runs.get(runId);
        if (!run) return;
        const choice = await vscode.window.showInformationMessage(
            `LM Lab: training run ${runId} finished.`,
            "Use This Model",
        );
        if (choice === "Use This Model") {
            await this.loadRun(run.dir).catch((error: unknown) => showError(`loading ${run.dir} failed`, error));
        }
    }
}

function isActive(state: RunSummary["state"]): boolean {
    return state === "starting" || state === "running" || state === "paused";
}

/** Whether a run folder holds a complete checkpoint (the engine's checkpoint.ts layout). */
function checkpointExists(dir: string): boolean {
    return ["checkpoint", "checkpoint.old"].some((name) => fs.existsSync(path.join(dir, name, "trainer_state.json")));
}

/**
 * Training data from an editor's document: the file itself when it is saved on disk (checked to
 * be text), else the editor's current text.
 */
export function documentData(doc: vscode.TextDocument): TrainData {
    const label = path.basename(doc.fileName);
    if (doc.uri.scheme === "file" && !doc.isDirty) {
        checkTextFile(doc.uri.fsPath);
        return { files: [doc.uri.fsPath], label };
    }
    return { files: [], text: doc.getText(), label };
}

/** The workspace files on disk matching `glob` (dependencies, Git and runs left out), checked to be text. */
export async function workspaceTextFiles(glob: string): Promise<string[]> {
    const uris = await vscode.workspace.findFiles(glob, "**/{node_modules,.git,.lmlab}/**", 5000);
    const files = uris.filter((u) => u.scheme === "file").map((u) => u.fsPath);
    files.forEach(checkTextFile);
    return files;
}

/** Throws naming the file when it is not readable text. */
export function checkTextFile(file: string): void {
    const fd = fs.openSync(file, "r");
    try {
        const sample = Buffer.alloc(65536);
        const n = fs.readSync(fd, sample, 0, sample.length, 0);
        const reason = binaryReason(sample.subarray(0, n));
        if (reason) throw new Error(`cannot train on ${file}: ${reason}; choose a text file`);
    } finally {
        fs.closeSync(fd);
    }
}
