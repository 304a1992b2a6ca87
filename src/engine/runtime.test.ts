// Execution-provider fallback: a provider that cannot start here (CUDA without its libraries,
// WebGPU without an adapter) is logged by name and replaced by the CPU, and the model computes
// the same logits as the float32 reference (shared fixtures) and as a CPU-only session.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as ort from "onnxruntime-node";
import { fixturesDir } from "../../test/support/paths";
import { AnalysisService } from "./analysis/service";
import { GraphBuilder } from "./graph/builder";
import { mul } from "./graph/ops/elementwise";
import { loadModel } from "./io/loadModel";
import { log } from "./log";
import {
    availableBackends,
    backendStatus,
    createSession,
    executionProviders,
    parseExecutionProviders,
} from "./runtime";
import type { LanguageModel } from "./types";
import { UserError } from "./types";

const reference = JSON.parse(readFileSync(join(fixturesDir, "reference.json"), "utf8"));
const text0: { text: string; input_ids: number[] } = reference.texts[0];
const [rows, vocab] = reference.logits_text0.shape as [number, number];
const referenceLogits = new Float32Array(
    Uint8Array.from(readFileSync(join(fixturesDir, "logits-text0.f32"))).buffer,
);
/** The fallback tests need a provider that cannot start: CUDA without its libraries. */
const cudaMayWork = availableBackends().includes("cuda");

const warnings: string[] = [];
let removeSink: () => void = () => undefined;
before(() => {
    removeSink = log.addSink((level, message) => {
        if (level === "warn") warnings.push(message);
    });
});
after(() => removeSink());

const noCuda = { skip: cudaMayWork && "the CUDA provider is installed here" };

test("a session asked for cuda falls back to the CPU with a warning naming cuda", noCuda, async () => {
    const g = new GraphBuilder({ float: "float32" });
    const x = g.input("x", "float32", [3]);
    g.output(mul(g, x, x), "y");
    warnings.length = 0;
    const session = await createSession(g.toBytes(), { threads: 1, executionProviders: ["cuda"] });
    try {
        const x = new ort.Tensor("float32", Float32Array.from([1, -2, 3]), [3]);
        const { y } = await session.run({ x });
        assert.deepEqual(Array.from(y.data as Float32Array), [1, 4, 9]);
    } finally {
        await session.release();
    }
    assert.equal(warnings.length, 1, `one warning, got ${JSON.stringify(warnings)}`);
    assert.match(warnings[0], /execution provider cuda failed to initialise/);
    assert.match(warnings[0], /falling back to cpu/);
    // The failure is remembered: later sessions go straight to the CPU without a new warning.
    assert.deepEqual(executionProviders(["cuda"]), ["cpu"]);
    assert.equal(warnings.length, 1);
});

test("gpt2-tiny asked for cuda computes the reference logits on the CPU", noCuda, async () => {
    const models: LanguageModel[] = [];
    try {
        const cpu = await loadModel(join(fixturesDir, "gpt2-tiny"), { threads: 1 });
        models.push(cpu);
        const cuda = await loadModel(join(fixturesDir, "gpt2-tiny"), {
            threads: 1,
            executionProviders: ["cuda", "cpu"],
        });
        models.push(cuda);
        const want = (await cpu.forward(text0.input_ids)).logits!;
        const got = (await cuda.forward(text0.input_ids)).logits!;
        assert.equal(got.length, rows * vocab);
        assert.deepEqual(got, want, "the fallback computes exactly what a CPU session does");
        let worst = 0;
        for (let i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - referenceLogits[i]));
        }
        assert.ok(worst < 2e-5, `max |logit - reference| = ${worst}`);
    } finally {
        for (const m of models) await m.dispose();
    }
});

test("the ONNX fixture asked for cuda computes what its CPU session does", noCuda, async () => {
    const onnx = join(fixturesDir, "gpt2-tiny.onnx");
    const tokenizer = join(fixturesDir, "gpt2-tokenizer", "tokenizer.json");
    const cpu = await loadModel(onnx, { tokenizer, threads: 1 });
    const cuda = await loadModel(onnx, { tokenizer, threads: 1, executionProviders: ["cuda"] });
    try {
        const want = await cpu.forward(text0.input_ids, { attentions: [0] });
        const got = await cuda.forward(text0.input_ids, { attentions: [0] });
        assert.deepEqual(got.logits, want.logits);
        assert.deepEqual(got.attentions, want.attentions);
    } finally {
        await cpu.dispose();
        await cuda.dispose();
    }
});

test("AnalysisService asked for cuda analyses like the float64 reference", noCuda, async () => {
    const service = new AnalysisService({ threads: 1, executionProviders: ["cuda"] });
    try {
        const info = await service.loadModel(join(fixturesDir, "gpt2-tiny"));
        assert.equal(info.kind, "hf");
        const analysis = await service.analyze({ text: text0.text, topK: 3 });
        const expected = reference.texts[0].next_token_logprob as number[];
        assert.equal(analysis.tokens.length, expected.length + 1);
        analysis.tokens.slice(1).forEach((t, i) => {
            const message = `token ${i + 1}: ${t.logprob} vs ${expected[i]}`;
            assert.ok(Math.abs(t.logprob! - expected[i]) < 2e-5, message);
        });
    } finally {
        await service.dispose();
    }
});

test("parseExecutionProviders accepts lists and comma strings and names bad values", () => {
    const all = ["cuda", "webgpu", "cpu"];
    assert.deepEqual(parseExecutionProviders("cuda, WebGPU,cpu", "--ep"), all);
    assert.deepEqual(parseExecutionProviders(["webgpu", "webgpu"], "setting"), ["webgpu"]);
    assert.deepEqual(parseExecutionProviders(undefined, "--ep"), []);
    assert.deepEqual(parseExecutionProviders("", "--ep"), []);
    assert.throws(
        () => parseExecutionProviders("cuda,tpu", "--ep"),
        (e: Error) =>
            e instanceof UserError &&
            /--ep: unknown execution provider "tpu"; expected cuda, webgpu, cpu/.test(e.message),
    );
    assert.throws(
        () => parseExecutionProviders(3, "executionProviders"),
        /executionProviders must be a list/,
    );
});

test("backend status lists the CPU as bundled and installed", () => {
    const cpu = backendStatus().find((b) => b.name === "cpu");
    assert.deepEqual(cpu, { name: "cpu", bundled: true, installed: true });
    assert.ok(availableBackends().includes("cpu"));
    assert.deepEqual(executionProviders([]), ["cpu"]);
    assert.deepEqual(executionProviders(["cpu"]), ["cpu"]);
});
