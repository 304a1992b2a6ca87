// Commands about the active model: Load Model… (an LM Lab run folder, a Hugging Face folder or an
// ONNX file), Generate at Cursor (streamed into the editor, cancellable) and Export Model….

import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import type { ModelKind } from "../engine/types";
import { Methods } from "../protocol";
import type { Config } from "./config";
import type { Engine } from "./engine";
import { log, showError } from "./log";

export async function loadModelCommand(engine: Engine, config: Config): Promise<void> {
    const pick = await vscode.window.showQuickPick(
        [
            { label: "$(folder) Model folder…", description: "LM Lab run or Hugging Face folder", choice: "folder" as const },
            { label: "$(file-binary) ONNX file…", description: ".onnx", choice: "onnx" as const },
            { label: "$(package) Shipped default model", description: config.defaultModelPath, choice: "default" as const },
        ],
        { title: "LM Lab: Load Model" },
    );
    if (!pick) return;
    let target: string;
    if (pick.choice === "default") {
        target = config.defaultModelPath;
    } else {
        const uris = await vscode.window.showOpenDialog({
            canSelectFiles: pick.choice === "onnx",
            canSelectFolders: pick.choice === "folder",
            canSelectMany: false,
            filters: pick.choice === "onnx" ? { "ONNX model": ["onnx"] } : undefined,
            openLabel: "Load Model",
        });
        if (!uris?.[0]) return;
        target = uris[0].fsPath;
    }
    const info = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `LM Lab: loading ${target}` },
        () => engine.loadModel(target),
    );
    void vscode.window.showInformationMessage(
        `LM Lab: loaded ${info.name} (${info.kind}, ${info.nLayer} layers, context ${info.contextLength}).`,
    );
}

export async function generateCommand(engine: Engine, config: Config): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) throw new Error("open an editor to generate into");
    const doc = editor.document;
    const cursor = editor.selection.active;
    const startOffset = Math.max(0, doc.offsetAt(cursor) - 8000);
    const prompt = doc.getText(new vscode.Range(doc.positionAt(startOffset), cursor));
    const requestId = randomUUID();
    let insertAt = cursor;
    let pending = Promise.resolve();
    const settings = config.settings;

    await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "LM Lab: generating", cancellable: true },
        async (_progress, token) => {
            // Tokens are inserted as they stream in; edits are chained so they land in order.
            const sub = engine.onGenerated((e) => {
                if (e.requestId !== requestId || token.isCancellationRequested) return;
                pending = pending.then(async () => {
                    const at = insertAt;
                    const ok = await editor.edit((b) => b.insert(at, e.text), { undoStopBefore: false, undoStopAfter: false });
                    if (ok) insertAt = doc.positionAt(doc.offsetAt(at) + e.text.length);
                });
            });
            try {
                const result = await engine.requestModel(
                    Methods.generate,
                    { prompt, requestId, maxTokens: settings.generateMaxTokens, temperature: settings.generateTemperature },
                    token,
                );
                await pending;
                log.info(`generated ${result.tokens.length} tokens (${result.stopped})`);
            } finally {
                sub.dispose();
            }
        },
    );
}

export async function exportModelCommand(engine: Engine): Promise<void> {
    const model = await engine.ensureModel();
    const formats = exportFormats.filter((f) => f.from.includes(model.kind));
    const pick = await vscode.window.showQuickPick(formats, { title: `LM Lab: Export ${model.name} (${model.kind})` });
    if (!pick) return;
    // The engine refuses to write over existing files; the user is offered another location
    // until an export succeeds or the dialog is dismissed.
    for (;;) {
        const uri = await vscode.window.showSaveDialog({
            title: `Export ${model.name} as ${pick.label}${pick.format === "hf" ? " (a new or empty folder)" : ""}`,
            filters: pick.format === "onnx" ? { "ONNX model": ["onnx"] } : undefined,
            saveLabel: "Export",
        });
        if (!uri) return;
        try {
            const result = await vscode.window.withProgress(
                { location: vscode.ProgressLocation.Notification, title: `LM Lab: exporting to ${uri.fsPath}` },
                () => engine.request(Methods.exportModel, { format: pick.format, out: uri.fsPath }),
            );
            log.info(`exported ${model.name} as ${pick.format} to ${result.path}`);
            void vscode.window.showInformationMessage(`LM Lab: exported to ${result.path}.`);
            return;
        } catch (error) {
            if (!isExportRefusal(error)) throw error;
            const another = "Choose Another Location…";
            if ((await showError("export refused", error, another)) !== another) return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * The export formats and the model kinds each can be written from: weights can be re-saved as a
 * Hugging Face folder only when the engine holds them as tensors, not inside an ONNX graph.
 */
const exportFormats = [
    {
        label: "Hugging Face folder",
        description: "model.safetensors + config.json + tokenizer.json",
        format: "hf" as const,
        from: ["lmlab", "hf"] as readonly ModelKind[],
    },
    {
        label: "ONNX file",
        description: "NAME.onnx + NAME.tokenizer.json + NAME.config.json",
        format: "onnx" as const,
        from: ["lmlab", "hf", "onnx"] as readonly ModelKind[],
    },
];

/** The engine's UserError codes for an export that would write over something (engine/io/export.ts). */
const exportRefusalCodes: readonly string[] = ["E_EXPORT_EXISTS", "E_EXPORT_RUN_FOLDER"];

function isExportRefusal(error: unknown): boolean {
    const data = (error as { data?: { code?: unknown } } | undefined)?.data;
    return typeof data?.code === "string" && exportRefusalCodes.includes(data.code);
}
