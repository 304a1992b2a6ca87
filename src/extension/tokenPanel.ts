// The token panel (GLTR-like) on the host side: analyses the selection with the engine, sends the
// result to the webview, follows the selection while pinned, reveals a clicked token in the
// editor and feeds the editor decorations. One panel is reused; it survives reloads through a
// serializer, the webview keeping its last result in its own state.

import * as vscode from "vscode";
import { Methods, type AnalyzeResult } from "../protocol";
import type { HostMessage, TextSource, WebviewMessage } from "../../webview/shared/messages";
import type { Ctx } from "./extension";
import { updateSetting } from "./config";
import { errorMessage, showError } from "./log";
import { PanelHost } from "./panelHost";

export const tokenViewType = "lmLab.tokens";

interface Target {
    document: vscode.TextDocument;
    offset: number;
    text: string;
}

export class TokenPanels extends PanelHost {
    private seq = 0;
    private pinned = false;
    private followTimer: ReturnType<typeof setTimeout> | undefined;
    private running: vscode.CancellationTokenSource | undefined;
    /** Where the shown result came from; unknown after a reload until the next analysis. */
    private lastSource: TextSource | undefined;

    constructor(ctx: Ctx) {
        super(ctx, {
            viewType: tokenViewType,
            webview: "tokens",
            title: "LM Lab: Tokens",
            logName: "token panel",
            revivedHint: "Run LM Lab: Analyze Selection to refresh.",
        });
        ctx.decorations.analyzeActive = () => this.analyzeEditor(true);
        this.register(
            vscode.window.onDidChangeTextEditorSelection((e) => {
                if (!this.pinned || !this.panel || e.textEditor.document.uri.scheme === "output") return;
                clearTimeout(this.followTimer);
                this.followTimer = setTimeout(() => void this.analyzeEditor(false, e.textEditor), 400);
            }),
        );
        this.register({ dispose: () => clearTimeout(this.followTimer) });
    }

    /** Command: analyse the selection (an empty selection gets a message, not a whole-file run). */
    async analyzeSelection(): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        if (!editor) throw new Error("open a text editor and select some text to analyse");
        if (editor.selection.isEmpty) {
            void vscode.window.showWarningMessage("LM Lab: Select some text to analyse.");
            return;
        }
        await this.ensurePanel();
        await this.analyzeEditor(false, editor);
    }

    /**
     * Analyses the editor's selection, or its whole document when `wholeIfEmpty` (the decorations
     * toggle), showing progress that can be cancelled.
     */
    async analyzeEditor(wholeIfEmpty: boolean, editor = vscode.window.activeTextEditor): Promise<void> {
        if (!editor) return;
        const target = targetOf(editor, wholeIfEmpty);
        if (!target) return;
        this.running?.cancel();
        const cts = new vscode.CancellationTokenSource();
        this.running = cts;
        const seq = ++this.seq;
        this.post({ type: "tokens/busy", panelId: this.panelId, seq });
        const settings = this.ctx.config.settings;
        try {
            const result = await vscode.window.withProgress(
                { location: vscode.ProgressLocation.Window, title: "LM Lab: analysing", cancellable: true },
                async (_p, token) => {
                    const forward = token.onCancellationRequested(() => cts.cancel());
                    try {
                        return await this.ctx.engine.requestModel(
                            Methods.analyze,
                            { text: target.text, topK: settings.analysisTopK, maxTokens: settings.maxAnalyzedTokens },
                            cts.token,
                        );
                    } finally {
                        forward.dispose();
                    }
                },
            );
            if (cts.token.isCancellationRequested) return;
            this.showResult(seq, target, result);
        } catch (error) {
            if (cts.token.isCancellationRequested) return;
            this.post({ type: "error", panelId: this.panelId, message: errorMessage(error), seq });
            throw error;
        } finally {
            cts.dispose();
            if (this.running === cts) this.running = undefined;
        }
    }

    private showResult(seq: number, target: Target, result: AnalyzeResult): void {
        if (result.cut) {
            void vscode.window.showInformationMessage(
                `LM Lab: only the first ${result.tokens.length} tokens were analysed (setting lmLab.analysis.maxTokens).`,
            );
        }
        const source: TextSource = {
            uri: target.document.uri.toString(),
            offset: target.offset,
            label: vscode.workspace.asRelativePath(target.document.uri),
        };
        this.post({
            type: "tokens/show",
            panelId: this.panelId,
            seq,
            result,
            source,
            metric: this.ctx.config.settings.colorMetric,
            pinned: this.pinned,
        });
        this.ctx.decorations.show(target.document, target.offset, result);
    }

    protected override panelClosed(): void {
        this.pinned = false;
    }

    protected async handleMessage(msg: WebviewMessage): Promise<void> {
        switch (msg.type) {
            case "tokens/metric":
                await updateSetting("colorMetric", msg.metric, this.settingsScope());
                break;
            case "tokens/pin":
                this.pinned = msg.pinned;
                break;
            case "tokens/reveal":
                await this.reveal(msg.start, msg.end).catch((error: unknown) => showError("revealing the token failed", error));
                break;
            default:
                break;
        }
    }

    /** The analysed document's URI, so a folder-level setting is found in a multi-root workspace. */
    private settingsScope(): vscode.Uri | undefined {
        return this.lastSource ? vscode.Uri.parse(this.lastSource.uri) : vscode.window.activeTextEditor?.document.uri;
    }

    private async reveal(start: number, end: number): Promise<void> {
        const source = this.lastSource;
        if (!source) {
            void vscode.window.showInformationMessage("LM Lab: analyse the text again to link tokens to the editor.");
            return;
        }
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(source.uri));
        const range = new vscode.Range(doc.positionAt(source.offset + start), doc.positionAt(source.offset + end));
        const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
        editor.selection = new vscode.Selection(range.start, range.end);
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }

    protected override post(message: HostMessage): void {
        if (message.type === "tokens/show") this.lastSource = message.source;
        super.post(message);
    }
}

function targetOf(editor: vscode.TextEditor, wholeIfEmpty: boolean): Target | undefined {
    const doc = editor.document;
    const range = editor.selection.isEmpty
        ? wholeIfEmpty
            ? new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length))
            : undefined
        : editor.selection;
    if (!range) return undefined;
    const text = doc.getText(range);
    if (!text.trim()) return undefined;
    return { document: doc, offset: doc.offsetAt(range.start), text };
}
