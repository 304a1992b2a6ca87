// What every LM Lab webview panel and view shares on the host side: one reusable panel of a kind,
// shown beside the editor and revived after a reload by its serializer, whose webview loads the
// bundled page and whose messages are checked (shape and panel id) before a subclass sees them.

import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import {
    parseWebviewMessage,
    type HostMessage,
    type WebviewMessage,
} from "../../webview/shared/messages";
import type { Ctx } from "./extension";
import { Disposable, DisposableStore } from "./lifecycle";
import { log } from "./log";
import { webviewHtml, webviewOptions, type WebviewName } from "./webviewHtml";

/** The constants that tell one kind of panel from another. */
export interface PanelKind {
    viewType: string;
    /** The bundle under dist/webview (e.g. "tokens"). */
    webview: WebviewName;
    title: string;
    /** Names the panel in log lines. */
    logName: string;
}

/** A single panel of one kind; subclasses say what to show and how to answer its messages. */
export abstract class PanelHost extends Disposable {
    protected panel: vscode.WebviewPanel | undefined;
    protected panelId = "";
    private readonly panelStore = this.register(new DisposableStore());

    constructor(
        protected readonly ctx: Ctx,
        private readonly kind: PanelKind,
    ) {
        super();
        this.register(
            vscode.window.registerWebviewPanelSerializer(kind.viewType, {
                deserializeWebviewPanel: async (panel, state: unknown) => {
                    const id = (state as { panelId?: unknown } | undefined)?.panelId;
                    this.attach(panel, typeof id === "string" ? id : randomUUID());
                },
            }),
        );
    }

    /** Handles a well-formed message addressed to this panel. */
    protected abstract handleMessage(message: WebviewMessage): Promise<void>;

    /** Called when the user closes the panel. */
    protected panelClosed(): void {}

    /** Reveals the panel beside the editor, creating it when there is none. */
    protected ensurePanel(): void {
        if (this.panel) {
            this.panel.reveal(vscode.ViewColumn.Beside, true);
            return;
        }
        const panel = vscode.window.createWebviewPanel(
            this.kind.viewType,
            this.kind.title,
            { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
            { ...webviewOptions(this.ctx.extensionUri), retainContextWhenHidden: true },
        );
        this.attach(panel, randomUUID());
    }

    protected post(message: HostMessage): void {
        void this.panel?.webview.postMessage(message);
    }

    private attach(panel: vscode.WebviewPanel, panelId: string): void {
        this.panelStore.clear();
        this.panel = panel;
        this.panelId = panelId;
        const { extensionUri } = this.ctx;
        panel.webview.options = webviewOptions(extensionUri);
        panel.iconPath = vscode.Uri.joinPath(extensionUri, "media", "lm-lab.svg");
        const { webview, title, logName } = this.kind;
        panel.webview.html = webviewHtml(panel.webview, extensionUri, webview, panelId, title);
        this.panelStore.add(
            listenToWebview(panel.webview, panelId, logName, (message) => this.handleMessage(message)),
        );
        this.panelStore.add(
            panel.onDidDispose(() => {
                this.panel = undefined;
                this.panelClosed();
                this.panelStore.clear();
            }),
        );
        this.panelStore.add({ dispose: () => this.panel === panel && panel.dispose() });
    }
}

/**
 * Passes a webview's messages to `handle` once they parse as messages for `panelId`; others are
 * dropped with a log line naming `logName` and the reason.
 */
export function listenToWebview(
    webview: vscode.Webview,
    panelId: string,
    logName: string,
    handle: (message: WebviewMessage) => Promise<void>,
): vscode.Disposable {
    return webview.onDidReceiveMessage(async (raw: unknown) => {
        const parsed = parseWebviewMessage(raw, panelId);
        if (!parsed.ok) {
            log.warn(`${logName}: dropped message: ${parsed.reason}`);
            return;
        }
        await handle(parsed.message);
    });
}
