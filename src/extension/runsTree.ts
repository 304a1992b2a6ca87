// The "Models & Runs" tree in the LM Lab side bar: the active model and the shipped default,
// then every training run under the runs folder with its state, step and last loss. Run items
// carry context values so their inline actions (load, resume) appear only where they apply.

import * as vscode from "vscode";
import type { RunSummary } from "../protocol";
import type { Ctx } from "./extension";
import { Disposable } from "./lifecycle";
import { log } from "./log";

export const runsViewId = "lmLab.runs";

type Node = { kind: "group"; label: "Models" | "Runs" } | { kind: "model"; label: string; path: string; active: boolean } | { kind: "run"; run: RunSummary };

export class RunsTree extends Disposable implements vscode.TreeDataProvider<Node> {
    private readonly changed = this.register(new vscode.EventEmitter<Node | undefined>());
    readonly onDidChangeTreeData = this.changed.event;

    constructor(private readonly ctx: Ctx) {
        super();
        this.register(vscode.window.registerTreeDataProvider(runsViewId, this));
        this.register(ctx.training.onDidChangeRuns(() => this.refresh()));
        this.register(ctx.engine.onDidChangeModel(() => this.refresh()));
    }

    refresh(): void {
        this.changed.fire(undefined);
    }

    getTreeItem(node: Node): vscode.TreeItem {
        if (node.kind === "group") {
            return new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        }
        if (node.kind === "model") {
            const item = new vscode.TreeItem(node.label);
            item.description = node.active ? "active" : undefined;
            item.tooltip = node.path;
            item.iconPath = new vscode.ThemeIcon(node.active ? "pass-filled" : "package");
            return item;
        }
        const run = node.run;
        const item = new vscode.TreeItem(run.runId);
        const loss = run.lastValLoss ?? run.lastLoss;
        item.description = `${run.state} · ${run.step}/${run.maxIters}${loss !== undefined ? ` · loss ${loss.toFixed(3)}` : ""}`;
        item.tooltip = `${run.dir}\n${run.config.n_layer} layers, ${run.config.n_head} heads, ${run.config.n_embd} dims, ${run.config.tokenizer} tokenizer`;
        item.iconPath = new vscode.ThemeIcon(stateIcon(run.state));
        item.contextValue = run.hasCheckpoint ? "lmLab.run.checkpoint" : "lmLab.run";
        return item;
    }

    async getChildren(node?: Node): Promise<Node[]> {
        if (!node) return [{ kind: "group", label: "Models" }, { kind: "group", label: "Runs" }];
        if (node.kind !== "group") return [];
        if (node.label === "Models") {
            const active = this.ctx.engine.model;
            const nodes: Node[] = [];
            if (active) nodes.push({ kind: "model", label: active.name, path: active.path, active: true });
            if (active?.path !== this.ctx.config.defaultModelPath) {
                nodes.push({ kind: "model", label: "default (shipped)", path: this.ctx.config.defaultModelPath, active: false });
            }
            return nodes;
        }
        // Listing runs needs the engine; the tree only asks once the view is shown.
        try {
            return (await this.ctx.training.listRuns()).map((run) => ({ kind: "run", run }));
        } catch (error) {
            log.warn("listing runs failed:", error);
            return [];
        }
    }
}

function stateIcon(state: RunSummary["state"]): string {
    switch (state) {
        case "running":
        case "starting":
            return "sync~spin";
        case "paused":
            return "debug-pause";
        case "finished":
            return "pass";
        case "failed":
            return "error";
        case "stopped":
            return "debug-stop";
    }
}
