// The attention panel on the host side: asks the engine for every head's thumbnail plus one head
// in full, then for other heads as the user picks them, and saves PNG/SVG exports the webview
// renders. Requests carry a sequence number so a slow answer for an earlier head is dropped.

import * as vscode from "vscode";
import { Methods } from "../protocol";
import type { WebviewMessage } from "../../webview/shared/messages";
import { writeFileAtomic } from "./atomicWrite";
import type { Ctx } from "./extension";
import { errorMessage, log, showError } from "./log";
import { PanelHost } from "./panelHost";

export const attentionViewType = "lmLab.attention";
const thumbnailSize = 32;

export class AttentionPanels extends PanelHost {
    private text: string | undefined;
    private seq = 0;
    /** The cut is announced once per session; the panel header repeats it every time. */
    private cutAnnounced = false;

    constructor(ctx: Ctx) {
        super(ctx, {
            viewType: attentionViewType,
            webview: "attention",
            title: "LM Lab: Attention",
            logName: "attention panel",
            revivedHint: "Run LM Lab: Show Attention to refresh.",
        });
    }

    /** Command: attention maps for the selection. */
    async showForSelection(): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        const text = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : "";
        if (!text.trim()) {
            void vscode.window.showWarningMessage("LM Lab: Select some text to show its attention.");
            return;
        }
        const model = await this.ctx.engine.ensureModel();
        if (!model.hasAttention) {
            throw new Error(`the model ${model.path} has no attention to show: ${model.attentionNote ?? "its attention is fused"}`);
        }
        this.text = text;
        await this.ensurePanel();
        const seq = ++this.seq;
        const result = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: "LM Lab: computing attention", cancellable: true },
            (_p, token) =>
                this.ctx.engine.requestModel(
                    Methods.attention,
                    {
                        text,
                        layers: [0],
                        heads: [0],
                        scores: true,
                        maxTokens: this.ctx.config.settings.attentionMaxTokens,
                        thumbnailSize,
                    },
                    token,
                ),
        );
        this.post({ type: "attention/show", panelId: this.panelId, seq, result });
        const total = result.totalTokens ?? result.tokens.length;
        if (total > result.tokens.length && !this.cutAnnounced) {
            this.cutAnnounced = true;
            const limits = `model context ${model.contextLength}, lmLab.attention.maxTokens ${this.ctx.config.settings.attentionMaxTokens}`;
            log.info(`attention cut to ${result.tokens.length} of ${total} tokens (${limits})`);
            void vscode.window.showInformationMessage(
                `LM Lab: attention shows the first ${result.tokens.length} of ${total.toLocaleString("en-US")} tokens (${limits}).`,
            );
        }
    }

    private async selectHead(layer: number, head: number): Promise<void> {
        if (this.text === undefined) {
            this.post({ type: "error", panelId: this.panelId, message: "Run LM Lab: Show Attention again to pick other heads." });
            return;
        }
        const seq = ++this.seq;
        const result = await this.ctx.engine.requestModel(Methods.attention, {
            text: this.text,
            layers: [layer],
            heads: [head],
            scores: true,
            maxTokens: this.ctx.config.settings.attentionMaxTokens,
        });
        this.post({ type: "attention/head", panelId: this.panelId, seq, result });
    }

    private async export(format: "png" | "svg", name: string, data: string): Promise<void> {
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const safeName = name.replace(/[^\w.-]+/g, "_");
        const uri = await vscode.window.showSaveDialog({
            title: `Export attention as ${format.toUpperCase()}`,
            defaultUri: folder ? vscode.Uri.joinPath(folder, `${safeName}.${format}`) : undefined,
            filters: format === "png" ? { "PNG image": ["png"] } : { "SVG image": ["svg"] },
        });
        if (!uri) return;
        const bytes = format === "png" ? Buffer.from(data.replace(/^data:image\/png;base64,/, ""), "base64") : data;
        await writeFileAtomic(uri.fsPath, bytes);
        log.info(`attention exported to ${uri.fsPath}`);
        void vscode.window.showInformationMessage(`LM Lab: saved ${uri.fsPath}.`);
    }

    protected async handleMessage(msg: WebviewMessage): Promise<void> {
        try {
            if (msg.type === "attention/select") await this.selectHead(msg.layer, msg.head);
            else if (msg.type === "export") await this.export(msg.format, msg.name, msg.data);
        } catch (error) {
            this.post({ type: "error", panelId: this.panelId, message: errorMessage(error) });
            await showError(msg.type === "export" ? "export failed" : "attention failed", error);
        }
    }
}
