// Tests for GPT-2 checkpoint loading: the three fixture folders give the same canonical weights
// (fp16 equal to the exact upcast), legacy buffers are dropped, and damaged or mismatched folders
// fail with errors naming the file and tensor.

import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fixturesDir } from "../../../test/support/paths";
import { writeJsonAtomic } from "./atomic";
import { gptConfigToHf } from "./hfConfig";
import { gpt2TensorShapes, loadGpt2Checkpoint, nonFiniteIndex } from "./hfCheckpoint";
import {
    float16ToFloat32,
    float32ToFloat16,
    readSafetensors,
    writeSafetensors,
    type TensorToWrite,
} from "./safetensors";
import type { GptConfig } from "../types";

const modern = loadGpt2Checkpoint(join(fixturesDir, "gpt2-tiny"));

function withTempDir(body: (dir: string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), "lmlab-ckpt-"));
    try {
        body(dir);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

test("the modern folder loads 28 canonical tensors, its config and tokenizer", () => {
    assert.equal(modern.weights.size, 28);
    assert.equal(modern.dtype, "F32");
    assert.equal(modern.config.n_layer, 2);
    assert.deepEqual(
        [...modern.weights.keys()],
        [...gpt2TensorShapes(modern.config).keys()].sort(),
    );
    assert.equal(modern.weights.get("transformer.h.1.attn.c_attn.weight")!.length, 32 * 96);
    assert.equal(modern.tokenizer?.kind, "hf");
    assert.equal(modern.tokenizer?.vocabSize, 50257);
    // Bit-identical to the file's float32 values.
    const raw = readSafetensors(join(fixturesDir, "gpt2-tiny", "model.safetensors"));
    for (const [name, data] of modern.weights)
        assert.deepEqual(data, raw.tensors.get(name)!.data, name);
});

test("the legacy folder gives bit-identical weights without the attention buffers", () => {
    const legacy = loadGpt2Checkpoint(join(fixturesDir, "gpt2-tiny-legacy"));
    assert.equal(legacy.tokenizer, undefined);
    assert.deepEqual([...legacy.weights.keys()].sort(), [...modern.weights.keys()].sort());
    for (const [name, data] of modern.weights)
        assert.deepEqual(legacy.weights.get(name), data, name);
});

test("a config parsed by the caller is used as is, and the tokenizer can be left out", () => {
    const dir = join(fixturesDir, "gpt2-tiny");
    const rawConfig = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    const lean = loadGpt2Checkpoint(dir, { rawConfig, loadTokenizer: false });
    assert.equal(lean.tokenizer, undefined);
    assert.deepEqual(lean.config, modern.config);
    for (const [name, data] of modern.weights) assert.deepEqual(lean.weights.get(name), data, name);
    // The given config wins over the file: a wrong width is caught against the tensors.
    assert.throws(
        () => loadGpt2Checkpoint(dir, { rawConfig: { ...rawConfig, n_embd: 64 } }),
        /tensor "transformer.h.0.attn.c_attn.bias" has shape \[96\], expected \[192\] from config.json/,
    );
});

test("the fp16 folder gives the exact upcast of the rounded float32 weights", () => {
    const half = loadGpt2Checkpoint(join(fixturesDir, "gpt2-tiny-fp16"));
    assert.equal(half.dtype, "F16");
    let differing = 0;
    for (const [name, data] of modern.weights) {
        const values = half.weights.get(name)!;
        assert.equal(values.length, data.length);
        for (let i = 0; i < data.length; i++) {
            const expected = float16ToFloat32(float32ToFloat16(data[i]));
            if (values[i] !== expected) assert.fail(`${name}[${i}]: ${values[i]} vs ${expected}`);
            if (values[i] !== data[i]) differing++;
        }
    }
    assert.ok(differing > 1000, "fp16 values should differ from the float32 ones");
});

/** Writes a small bias-free LM Lab model folder; `mutate` may alter its tensors first. */
function writeTinyModel(
    dir: string,
    config: GptConfig,
    mutate?: (t: Map<string, TensorToWrite>) => void,
): void {
    const tensors = new Map<string, TensorToWrite>();
    for (const [name, shape] of gpt2TensorShapes(config)) {
        const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => i * 0.5);
        tensors.set(name, { shape, data });
    }
    mutate?.(tensors);
    writeJsonAtomic(join(dir, "config.json"), gptConfigToHf(config));
    writeSafetensors(join(dir, "model.safetensors"), tensors);
}

const tiny: GptConfig = {
    n_layer: 1,
    n_head: 2,
    n_embd: 4,
    block_size: 8,
    vocab_size: 10,
    dropout: 0,
    bias: false,
    layer_norm_epsilon: 1e-5,
    activation: "gelu",
    attention: "causal",
    objective: "clm",
};

test("bias-free models load without Linear biases; a tied lm_head is ignored", () => {
    withTempDir((dir) => {
        writeTinyModel(dir, tiny, (t) => t.set("lm_head.weight", t.get("transformer.wte.weight")!));
        const checkpoint = loadGpt2Checkpoint(dir);
        assert.equal(checkpoint.config.bias, false);
        assert.equal(checkpoint.weights.size, 2 + 8 + 2);
        assert.ok(!checkpoint.weights.has("lm_head.weight"));
        assert.deepEqual([...checkpoint.weights.get("transformer.ln_f.bias")!], [0, 0.5, 1, 1.5]);
    });
});

test("damaged and mismatched folders fail with errors naming the file and tensor", () => {
    withTempDir((dir) => {
        const weights = join(dir, "model.safetensors");
        const original = readFileSync(join(fixturesDir, "gpt2-tiny", "model.safetensors"));
        copyFileSync(join(fixturesDir, "gpt2-tiny", "config.json"), join(dir, "config.json"));
        const expectError = (pattern: RegExp) =>
            assert.throws(
                () => loadGpt2Checkpoint(dir),
                (e: Error) => e.name === "UserError" && pattern.test(e.message),
                String(pattern),
            );

        writeFileSync(weights, original.subarray(0, original.length - 1000));
        expectError(/model.safetensors: tensor "transformer.wte.weight": data is truncated/);

        const lying = Buffer.from(original.subarray(0, 64));
        lying.writeBigUInt64LE(1n << 40n, 0);
        writeFileSync(weights, lying);
        expectError(/header length 1099511627776 is larger than the file \(64 bytes/);

        copyFileSync(join(fixturesDir, "gpt2-tiny", "model.safetensors"), weights);
        const config = JSON.parse(
            readFileSync(join(fixturesDir, "gpt2-tiny", "config.json"), "utf8"),
        );
        writeJsonAtomic(join(dir, "config.json"), { ...config, model_type: "bert" });
        expectError(/config.json: unsupported architecture model_type "bert"/);

        writeJsonAtomic(join(dir, "config.json"), { ...config, n_embd: 64 });
        expectError(
            /tensor "transformer.h.0.attn.c_attn.bias" has shape \[96\], expected \[192\] from config.json/,
        );

        writeFileSync(join(dir, "config.json"), "{ oops");
        expectError(/config.json is not valid JSON/);
    });
    withTempDir((dir) => {
        writeTinyModel(dir, { ...tiny, bias: false }, (t) =>
            t.delete("transformer.h.0.mlp.c_fc.weight"),
        );
        assert.throws(
            () => loadGpt2Checkpoint(dir),
            /missing tensors transformer.h.0.mlp.c_fc.weight/,
        );
        writeTinyModel(dir, tiny);
        writeJsonAtomic(join(dir, "config.json"), {
            ...gptConfigToHf(tiny),
            lm_lab: { ...(gptConfigToHf(tiny).lm_lab as object), bias: true },
        });
        assert.throws(
            () => loadGpt2Checkpoint(dir),
            /missing tensors transformer.h.0.attn.c_attn.bias.*lm_lab.bias false/,
        );
        writeTinyModel(dir, tiny, (t) =>
            t.set("score.weight", { shape: [1], data: new Float32Array(1) }),
        );
        assert.throws(
            () => loadGpt2Checkpoint(dir),
            /not part of a GPT-2 language model: score.weight/,
        );
    });
    assert.throws(() => loadGpt2Checkpoint(join(fixturesDir, "no-such")), /no config.json/);
});

test("weights holding NaN or infinity fail with the tensor and element named", () => {
    withTempDir((dir) => {
        writeTinyModel(dir, tiny, (t) => {
            t.get("transformer.h.0.mlp.c_proj.weight")!.data[5] = Number.POSITIVE_INFINITY;
        });
        assert.throws(
            () => loadGpt2Checkpoint(dir),
            (e: Error) =>
                e.name === "UserError" &&
                /tensor "transformer.h.0.mlp.c_proj.weight" holds Infinity at element 5; the weights must be finite/.test(
                    e.message,
                ),
        );
        writeTinyModel(dir, tiny, (t) => {
            t.get("transformer.wte.weight")!.data[0] = Number.NaN;
        });
        assert.throws(() => loadGpt2Checkpoint(dir), /"transformer.wte.weight" holds NaN at element 0/);
    });
    assert.equal(nonFiniteIndex(new Float32Array([1, -2, 3e38])), -1);
    assert.equal(nonFiniteIndex(new Float32Array([1, Number.NEGATIVE_INFINITY, Number.NaN])), 1);
});
