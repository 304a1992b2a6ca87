// The HTML shell every LM Lab webview loads: a strict Content-Security-Policy with a fresh nonce,
// the bundled script and stylesheet for that webview, and codicons. No data is interpolated into
// the markup beyond fixed identifiers; content arrives by postMessage.

import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

export type WebviewName = "tokens" | "attention" | "dashboard";

/** Options for panels and views: scripts on, resources limited to dist/webview and media. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
    return {
        enableScripts: true,
        localResourceRoots: [
            vscode.Uri.joinPath(extensionUri, "dist", "webview"),
            vscode.Uri.joinPath(extensionUri, "media"),
        ],
    };
}

export function webviewHtml(
    webview: vscode.Webview,
    extensionUri: vscode.Uri,
    name: WebviewName,
    panelId: string,
    title: string,
): string {
    const nonce = randomBytes(16).toString("base64");
    const base = vscode.Uri.joinPath(extensionUri, "dist", "webview");
    const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(base, file)).toString();
    const csp = [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src ${webview.cspSource} 'nonce-${nonce}'`,
        `font-src ${webview.cspSource}`,
        `img-src ${webview.cspSource} data: blob:`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${asset("codicon.css")}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" nonce="${nonce}" href="${asset(`${name}.css`)}">
<title>${escapeHtml(title)}</title>
</head>
<body data-panel-id="${escapeHtml(panelId)}">
<div id="root"></div>
<script nonce="${nonce}" src="${asset(`${name}.js`)}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
