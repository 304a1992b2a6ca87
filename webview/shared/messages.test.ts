// Tests for webview message validation, stale-message dropping and the training form rules.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWebviewMessage, SequenceGate } from "./messages";
import { defaultTrainForm, trainConfigFromForm, validateTrainForm } from "./trainForm";

test("well-formed messages for this panel are accepted", () => {
    const r = parseWebviewMessage({ type: "attention/select", panelId: "p1", layer: 1, head: 3, scores: false }, "p1");
    assert.equal(r.ok, true);
    const ready = parseWebviewMessage({ type: "ready", panelId: "p1" }, "p1");
    assert.deepEqual(ready, { ok: true, message: { type: "ready", panelId: "p1" } });
});

test("unknown types, other panels and bad fields are rejected with a reason", () => {
    const cases: [unknown, RegExp][] = [
        [null, /not an object/],
        [{ type: "rm -rf", panelId: "p1" }, /unknown message type "rm -rf"/],
        [{ type: "ready", panelId: "p2" }, /panel "p2", expected p1/],
        [{ type: "tokens/metric", panelId: "p1", metric: "colour" }, /field metric is invalid \("colour"\)/],
        [{ type: "tokens/reveal", panelId: "p1", start: -1, end: 3 }, /field start is invalid/],
        [{ type: "export", panelId: "p1", format: "gif", name: "a", data: "" }, /field format/],
    ];
    for (const [raw, reason] of cases) {
        const r = parseWebviewMessage(raw, "p1");
        assert.equal(r.ok, false);
        assert.match((r as { reason: string }).reason, reason);
    }
});

test("the sequence gate drops answers older than the newest shown", () => {
    const gate = new SequenceGate();
    assert.equal(gate.accept(1), true);
    assert.equal(gate.accept(3), true);
    assert.equal(gate.accept(2), false);
    assert.equal(gate.accept(3), true);
});

test("the default training form is valid and maps to a run configuration", () => {
    assert.deepEqual(validateTrainForm(defaultTrainForm), {});
    const config = trainConfigFromForm(defaultTrainForm, { files: ["/a.txt"], out: "/runs/x" });
    assert.equal(config.n_embd, 64);
    assert.equal(config.min_lr, 1e-4);
    assert.equal(config.warmup_iters, 50);
    assert.equal(config.eval_interval, 25);
    assert.equal(config.bpeVocabSize, undefined);
});
