// The webview side of the host connection: the VS Code API handle, this panel's id (from the
// HTML shell), typed posting, a filtered message listener and persisted state.

import type { HostMessage, WebviewMessage } from "./messages";

interface VsCodeApi<S> {
    postMessage(message: unknown): void;
    getState(): S | undefined;
    setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export class Host<S extends object> {
    private readonly api: VsCodeApi<S & { panelId: string }> = acquireVsCodeApi();
    readonly panelId: string = document.body.dataset.panelId ?? "";

    post(message: WebviewMessage): void {
        this.api.postMessage(message);
    }

    /** Calls `handler` for host messages addressed to this panel; others are ignored. */
    listen(handler: (message: HostMessage) => void): void {
        window.addEventListener("message", (event: MessageEvent) => {
            const data = event.data as HostMessage | undefined;
            if (!data || typeof data !== "object" || data.panelId !== this.panelId) return;
            handler(data);
        });
    }

    get state(): S | undefined {
        return this.api.getState();
    }

    /** Persists state with the panel id, which the host's serializer reads after a reload. */
    saveState(state: S): void {
        this.api.setState({ ...state, panelId: this.panelId });
    }
}
