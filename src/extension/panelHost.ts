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
    /** Shown in a panel revived after a reload, whose host side no longer knows its text. */
    revivedHint: string;
}

/** How long a command waits for a restored tab of its kind to be revived before opening another. */
const reviveWaitMs = 3000;

/** A single panel of one kind; subclasses say what to show and how to answer its messages. */
export abstract class PanelHost extends Disposable {
    protected panel: vscode.WebviewPanel | undefined;
    protected panelId = "";
    private readonly panelStore = this.register(new DisposableStore());
    /** Set while a revived panel has not yet been given new content. */
    private revived = false;
    private readonly revivalListeners = new Set<() => void>();

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
                    this.revived = true;
                    for (const notify of this.revivalListeners) notify();
                },
            }),
        );
    }

    /** Handles a well-formed message addressed to this panel. */
    protected abstract handleMessage(message: WebviewMessage): Promise<void>;

    /** Called when the user closes the panel. */
    protected panelClosed(): void {}

    /**
     * Reveals the panel beside the editor, creating it when there is none. A tab of this kind
     * restored after a reload is revived only once the serializer registered at activation gets
     * it, which can be after the command that activated the extension has started; that tab is
     * awaited and reused rather than opening a second one.
     */
    protected async ensurePanel(): Promise<void> {
        if (!this.panel && this.hasRestoredTab()) await this.waitForRevival();
        this.revived = false;
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

    private hasRestoredTab(): boolean {
        const viewType = this.kind.viewType;
        return vscode.window.tabGroups.all.some((group) =>
            group.tabs.some((tab) => {
                if (!(tab.input instanceof vscode.TabInputWebview)) return false;
                // The workbench prefixes an extension's view type (e.g. "mainThreadWebview-").
                const type = tab.input.viewType;
                return type === viewType || type.endsWith(`-${viewType}`);
            }),
        );
    }

    private waitForRevival(): Promise<void> {
        return new Promise((resolve) => {
            const done = (): void => {
                clearTimeout(timer);
                this.revivalListeners.delete(done);
                resolve();
            };
            const timer = setTimeout(() => {
                log.warn(`${this.kind.logName}: a restored tab was not revived within ${reviveWaitMs} ms; opening a new one`);
                done();
            }, reviveWaitMs);
            this.revivalListeners.add(done);
        });
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
            listenToWebview(panel.webview, panelId, logName, async (message) => {
                // The page is loaded; a revived one still shows its last result, or nothing.
                if (message.type === "ready" && this.revived) {
                    this.post({ type: "error", panelId, message: this.kind.revivedHint });
                }
                await this.handleMessage(message);
            }),
        );
        this.panelStore.add(
            panel.onDidDispose(() => {
                this.panel = undefined;
                this.revived = false;
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
