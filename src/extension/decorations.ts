// Editor decorations that colour analysed text by token probability, rank bucket or surprisal,
// with the same colours as the token panel. One decoration type per distinct colour; decorations
// are dropped as soon as the document changes, since offsets would no longer match.

import * as vscode from "vscode";
import type { AnalyzeResult } from "../protocol";
import { tokenColor } from "../../webview/shared/colors";
import type { Config } from "./config";
import { Disposable, toDisposable } from "./lifecycle";
import { log } from "./log";

interface Applied {
    uri: string;
    version: number;
    offset: number;
    result: AnalyzeResult;
}

export class TokenDecorations extends Disposable {
    private enabledValue = false;
    private readonly types = new Map<string, vscode.TextEditorDecorationType>();
    private readonly applied = new Map<string, Applied>();
    /** Asks for an analysis of the active editor when decorations are switched on without one. */
    analyzeActive: (() => Promise<void>) | undefined;

    constructor(private readonly config: Config) {
        super();
        this.register(toDisposable(() => this.clearTypes()));
        this.register(
            vscode.workspace.onDidChangeTextDocument((e) => {
                if (e.contentChanges.length > 0 && this.applied.delete(e.document.uri.toString())) this.render();
            }),
        );
        this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.render()));
        this.register(config.onDidChange((keys) => keys.includes("colorMetric") && this.render()));
    }

    get enabled(): boolean {
        return this.enabledValue;
    }

    /** Records an analysis of `document` text starting at `offset`, and shows it when enabled. */
    show(document: vscode.TextDocument, offset: number, result: AnalyzeResult): void {
        const uri = document.uri.toString();
        this.applied.set(uri, { uri, version: document.version, offset, result });
        this.render();
    }

    async toggle(): Promise<void> {
        this.enabledValue = !this.enabledValue;
        log.info(`probability decorations ${this.enabledValue ? "on" : "off"}`);
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (this.enabledValue && active && !this.applied.has(active) && this.analyzeActive) {
            await this.analyzeActive();
        }
        this.render();
    }

    private render(): void {
        const metric = this.config.settings.colorMetric;
        for (const editor of vscode.window.visibleTextEditors) {
            const data = this.applied.get(editor.document.uri.toString());
            const byColor = new Map<string, vscode.Range[]>();
            if (this.enabledValue && data && data.version === editor.document.version) {
                for (const token of data.result.tokens) {
                    const color = tokenColor(metric, token);
                    if (!color || token.end <= token.start) continue;
                    const range = new vscode.Range(
                        editor.document.positionAt(data.offset + token.start),
                        editor.document.positionAt(data.offset + token.end),
                    );
                    const list = byColor.get(color) ?? [];
                    list.push(range);
                    byColor.set(color, list);
                }
            }
            for (const color of byColor.keys()) this.typeFor(color);
            for (const [color, type] of this.types) editor.setDecorations(type, byColor.get(color) ?? []);
        }
    }

    private typeFor(color: string): vscode.TextEditorDecorationType {
        let type = this.types.get(color);
        if (!type) {
            type = vscode.window.createTextEditorDecorationType({ backgroundColor: color, borderRadius: "2px" });
            this.types.set(color, type);
        }
        return type;
    }

    private clearTypes(): void {
        for (const type of this.types.values()) type.dispose();
        this.types.clear();
    }
}
