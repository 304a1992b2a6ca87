// The next-token hover for every file and untitled document: the hovered token's own probability
// and rank, and the model's top-k continuations of the text up to the end of that token. It
// waits a short delay and checks cancellation before asking the engine, and does nothing at all
// while the `lmLab.hover.enabled` setting is off.

import * as vscode from "vscode";
import { Methods } from "../protocol";
import type { Ctx } from "./extension";
import { nextTokenMarkdown, tokenMarkdown } from "./hoverMarkdown";
import { hoveredTokenIndex, hoverWindow } from "./hoverWindow";
import { log } from "./log";

export function registerHover(ctx: Ctx): vscode.Disposable {
    return vscode.languages.registerHoverProvider([{ scheme: "file" }, { scheme: "untitled" }], {
        provideHover: (document, position, token) => provideHover(ctx, document, position, token),
    });
}

async function provideHover(
    ctx: Ctx,
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
): Promise<vscode.Hover | undefined> {
    const settings = ctx.config.settings;
    if (!settings.hoverEnabled) return undefined;
    if (!(await delay(settings.hoverDelayMs, token))) return undefined;

    const offset = document.offsetAt(position);
    const word = document.getWordRangeAtPosition(position);
    const full = document.getText();
    try {
        const model = await ctx.engine.ensureModel();
        if (token.isCancellationRequested) return undefined;
        const wordEnd = word && document.offsetAt(word.end);
        const window = hoverWindow(full, offset, wordEnd, model.contextLength);
        const windowText = full.slice(window.start, window.end);
        // The hovered token comes first, so the next-token table can continue from its end:
        // predictions are made at token boundaries, never from the middle of a word.
        const analysis =
            windowText.trim().length > 0
                ? await ctx.engine.requestModel(
                      Methods.analyze,
                      { text: windowText, topK: 1, maxTokens: window.maxTokens },
                      token,
                  )
                : undefined;
        if (token.isCancellationRequested) return undefined;
        const index = analysis ? hoveredTokenIndex(analysis.tokens, window.start, offset) : -1;
        const here = index >= 0 ? analysis!.tokens[index] : undefined;
        const prefixEnd = here ? window.start + here.end : offset;
        const prefix = full.slice(window.start, prefixEnd);
        const next = await ctx.engine.requestModel(Methods.nextToken, { prefix, k: settings.hoverTopK }, token);
        if (token.isCancellationRequested) return undefined;
        const md = new vscode.MarkdownString(undefined, true);
        if (here) md.appendMarkdown(tokenMarkdown(here) + "\n\n---\n\n");
        md.appendMarkdown(nextTokenMarkdown(next, model.name));
        return new vscode.Hover(md, word);
    } catch (error) {
        if (token.isCancellationRequested) return undefined;
        // A hover cannot show an error prominently; the log has it, and commands surface it.
        log.warn("hover failed:", error);
        return undefined;
    }
}

/** Resolves true after `ms`, or false as soon as the token is cancelled. */
function delay(ms: number, token: vscode.CancellationToken): Promise<boolean> {
    if (token.isCancellationRequested) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            sub.dispose();
            resolve(!token.isCancellationRequested);
        }, ms);
        const sub = token.onCancellationRequested(() => {
            clearTimeout(timer);
            sub.dispose();
            resolve(false);
        });
    });
}
