// The status-bar item: the active model's name and the engine's state (idle, starting, busy,
// crashed, training). Clicking it opens the training dashboard.

import * as vscode from "vscode";
import type { Engine } from "./engine";
import { Disposable } from "./lifecycle";

export class StatusBar extends Disposable {
    private readonly item = this.register(vscode.window.createStatusBarItem("lmLab.status", vscode.StatusBarAlignment.Right, 100));
    private readonly trainingRuns = new Set<string>();

    constructor(private readonly engine: Engine) {
        super();
        this.item.name = "LM Lab";
        this.item.command = "lmLab.openDashboard";
        this.register(
            engine.onDidChangeState((state) => {
                // Runs live in the engine process; once it has stopped none of them is training.
                if (state === "stopped" || state === "crashed") this.trainingRuns.clear();
                this.update();
            }),
        );
        this.register(engine.onDidChangeBusy(() => this.update()));
        this.register(engine.onDidChangeModel(() => this.update()));
        this.register(
            engine.onRunState((e) => {
                if (e.state === "running" || e.state === "starting") this.trainingRuns.add(e.runId);
                else this.trainingRuns.delete(e.runId);
                this.update();
            }),
        );
        this.update();
        this.item.show();
    }

    private update(): void {
        const model = this.engine.model?.name ?? "no model";
        const state = this.engine.state;
        let icon = "$(symbol-namespace)";
        let detail = state as string;
        if (state === "starting") icon = "$(loading~spin)";
        else if (state === "crashed") icon = "$(error)";
        else if (this.trainingRuns.size > 0) {
            icon = "$(pulse)";
            detail = `training ${this.trainingRuns.size} run(s)`;
        } else if (this.engine.busy) {
            icon = "$(sync~spin)";
            detail = "busy";
        }
        this.item.text = `${icon} ${model}`;
        this.item.tooltip = `LM Lab: model ${model}; engine ${detail}. Click to open the training dashboard.`;
        this.item.backgroundColor =
            state === "crashed" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    }
}
