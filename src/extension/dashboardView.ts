// The training dashboard, a webview view in the LM Lab side bar. It starts runs from the form,
// streams progress, evaluation and state events to the charts, and re-reads a run's metrics log
// when the view is reopened, since runs keep going in the engine while the view is closed.

import * as path from "node:path";
import * as vscode from "vscode";
import { Methods } from "../protocol";
import type { HostMessage, WebviewMessage } from "../../webview/shared/messages";
import type { TrainForm } from "../../webview/shared/trainForm";
import type { Ctx } from "./extension";
import { Disposable, DisposableStore } from "./lifecycle";
import { errorMessage, showError } from "./log";
import { listenToWebview } from "./panelHost";
import { checkTextFile, documentData, workspaceTextFiles } from "./training";
import { webviewHtml, webviewOptions } from "./webviewHtml";

export const dashboardViewType = "lmLab.dashboard";
const panelId = "dashboard";

export class DashboardView extends Disposable implements vscode.WebviewViewProvider {
    private view: vscode.WebviewView | undefined;
    private readonly viewStore = this.register(new DisposableStore());

    constructor(private readonly ctx: Ctx) {
        super();
        this.register(
            vscode.window.registerWebviewViewProvider(dashboardViewType, this, {
                webviewOptions: { retainContextWhenHidden: true },
            }),
        );
        this.register(ctx.engine.onProgress((progress) => this.post({ type: "dashboard/progress", panelId, progress })));
        this.register(ctx.engine.onEval((point) => this.post({ type: "dashboard/eval", panelId, point })));
        this.register(ctx.engine.onRunState((event) => this.post({ type: "dashboard/state", panelId, event })));
        this.register(ctx.training.onDidChangeRuns(() => void this.sendRuns()));
        this.register(ctx.engine.onDidChangeModel((model) => this.post({ type: "model", panelId, model })));
    }

    async reveal(): Promise<void> {
        await vscode.commands.executeCommand(`${dashboardViewType}.focus`);
    }

    resolveWebviewView(view: vscode.WebviewView): void {
        this.viewStore.clear();
        this.view = view;
        view.webview.options = webviewOptions(this.ctx.extensionUri);
        view.webview.html = webviewHtml(view.webview, this.ctx.extensionUri, "dashboard", panelId, "LM Lab: Training");
        this.viewStore.add(listenToWebview(view.webview, panelId, "dashboard", (msg) => this.onMessage(msg)));
        this.viewStore.add(
            view.onDidDispose(() => {
                this.view = undefined;
                this.viewStore.clear();
            }),
        );
    }

    private async onMessage(msg: WebviewMessage): Promise<void> {
        try {
            switch (msg.type) {
                case "ready":
                    this.post({
                        type: "dashboard/init",
                        panelId,
                        form: this.ctx.training.form,
                        hasSelection: !!vscode.window.activeTextEditor && !vscode.window.activeTextEditor.selection.isEmpty,
                        runsRoot: this.ctx.config.runsRoot(),
                    });
                    this.post({ type: "model", panelId, model: this.ctx.engine.model });
                    await this.sendRuns();
                    break;
                case "dashboard/refresh":
                    await this.sendRuns();
                    break;
                case "dashboard/start":
                    await this.start(msg.form as TrainForm);
                    break;
                case "dashboard/control":
                    await this.ctx.training.control(msg.action, msg.runId);
                    break;
                case "dashboard/resumeCheckpoint":
                    await this.ctx.training.resumeFromCheckpoint(msg.dir);
                    break;
                case "dashboard/load":
                    await this.ctx.training.loadRun(msg.dir);
                    break;
                case "dashboard/metrics": {
                    const records = await this.ctx.engine.request(Methods.runMetrics, { dir: msg.dir });
                    this.post({ type: "dashboard/metrics", panelId, runId: msg.runId, records });
                    break;
                }
                case "dashboard/browse": {
                    const uris = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: "Train on These Files" });
                    if (uris) this.post({ type: "dashboard/files", panelId, files: uris.map((u) => u.fsPath) });
                    break;
                }
                default:
                    break;
            }
        } catch (error) {
            this.post({ type: "error", panelId, message: errorMessage(error) });
            await showError(`${msg.type.replace("dashboard/", "")} failed`, error);
        }
    }

    /** Starts a run from the form, gathering the data its source names. */
    private async start(form: TrainForm): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        switch (form.source) {
            case "file": {
                if (!editor) throw new Error("open the text file to train on, or choose another data source");
                await this.ctx.training.start(form, documentData(editor.document));
                return;
            }
            case "selection": {
                const text = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : "";
                if (!text.trim()) throw new Error("select some text to train on, or choose another data source");
                await this.ctx.training.start(form, { files: [], text, label: "selection" });
                return;
            }
            case "workspace": {
                const files = await workspaceTextFiles("**/*.{txt,md}");
                if (files.length === 0) throw new Error("the workspace has no .txt or .md files to train on");
                await this.ctx.training.start(form, { files, label: "workspace" });
                return;
            }
            case "browse":
                form.files.forEach(checkTextFile);
                await this.ctx.training.start(form, { files: form.files, label: path.basename(form.files[0] ?? "files") });
                return;
        }
    }

    private async sendRuns(): Promise<void> {
        if (!this.view) return;
        const runs = await this.ctx.training.listRuns();
        const liveRunIds = runs.filter((r) => this.ctx.training.isLive(r.runId)).map((r) => r.runId);
        this.post({ type: "dashboard/runs", panelId, runs, activeModel: this.ctx.engine.model?.path, liveRunIds });
    }

    private post(message: HostMessage): void {
        void this.view?.webview.postMessage(message);
    }
}
