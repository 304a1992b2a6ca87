// loadModel's refusals: every bad path or file gives a UserError naming it, quickly, with no
// crash or hang: missing paths, folders without a model, missing tokenizers, unsupported
// architectures, truncated safetensors, a header length past the end, truncated and garbage ONNX.

import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fixturesDir } from "../../../test/support/paths";
import { loadModel, locateModel } from "./loadModel";

const root = mkdtempSync(join(tmpdir(), "lm-lab-load-"));
after(() => rmSync(root, { recursive: true, force: true }));
const tiny = join(fixturesDir, "gpt2-tiny");
const tokenizer = join(fixturesDir, "gpt2-tokenizer", "tokenizer.json");

/** A copy of gpt2-tiny whose files `edit` may change. */
function modelCopy(name: string, edit: (dir: string) => void): string {
    const dir = join(root, name);
    mkdirSync(dir);
    for (const f of ["config.json", "model.safetensors", "tokenizer.json"]) copyFileSync(join(tiny, f), join(dir, f));
    edit(dir);
    return dir;
}

async function refused(path: string, message: RegExp, options = {}): Promise<void> {
    const started = performance.now();
    await assert.rejects(loadModel(path, options), (err: Error) => {
        assert.equal(err.name, "UserError", err.stack);
        assert.match(err.message, message);
        return true;
    });
    assert.ok(performance.now() - started < 5000);
}

test("the kind is found from what is on disk", () => {
    assert.deepEqual(locateModel(tiny), { kind: "weights", dir: tiny });
    assert.deepEqual(locateModel(join(tiny, "config.json")), { kind: "weights", dir: tiny });
    assert.deepEqual(locateModel(join(fixturesDir, "gpt2-tiny.onnx")), {
        kind: "onnx",
        file: join(fixturesDir, "gpt2-tiny.onnx"),
    });
});

test("paths that hold no model are refused", async () => {
    await refused(join(root, "missing"), /does not exist/);
    mkdirSync(join(root, "empty"));
    await refused(join(root, "empty"), /holds no model/);
    writeFileSync(join(root, "notes.txt"), "hello");
    await refused(join(root, "notes.txt"), /not a model/);
});

test("a missing tokenizer is named", async () => {
    await refused(join(fixturesDir, "gpt2-tiny-legacy"), /no tokenizer.*tokenizer\.json/);
    // The ONNX fixture has no tokenizer.json beside it.
    const dir = join(root, "onnx-alone");
    mkdirSync(dir);
    copyFileSync(join(fixturesDir, "gpt2-tiny.onnx"), join(dir, "model.onnx"));
    await refused(dir, /no tokenizer/);
});

test("unsupported architectures are refused", async () => {
    const dir = modelCopy("llama", (d) => {
        const config = JSON.parse(readFileSync(join(d, "config.json"), "utf8"));
        writeFileSync(join(d, "config.json"), JSON.stringify({ ...config, model_type: "llama" }));
    });
    await refused(dir, /unsupported architecture.*llama/);
});

test("truncated safetensors and a header length past the end are refused", async () => {
    const truncated = modelCopy("truncated", (d) => {
        const bytes = readFileSync(join(d, "model.safetensors"));
        writeFileSync(join(d, "model.safetensors"), bytes.subarray(0, bytes.length - 1000));
    });
    await refused(truncated, /model\.safetensors/);
    const header = modelCopy("header", (d) => {
        const bytes = readFileSync(join(d, "model.safetensors"));
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        view.setBigUint64(0, BigInt(bytes.length) * 4n, true);
        writeFileSync(join(d, "model.safetensors"), bytes);
    });
    await refused(header, /header length .* larger than the file/);
    const tiny8 = modelCopy("short", (d) => writeFileSync(join(d, "model.safetensors"), new Uint8Array(3)));
    await refused(tiny8, /too short/);
});

test("truncated and garbage ONNX files are refused", async () => {
    const bytes = readFileSync(join(fixturesDir, "gpt2-tiny.onnx"));
    const cases: [string, Uint8Array][] = [
        ["truncated.onnx", bytes.subarray(0, Math.floor(bytes.length / 2))],
        ["head.onnx", bytes.subarray(0, 100)],
        ["garbage.onnx", Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)],
        ["text.onnx", Buffer.from("this is not a model\n".repeat(50))],
        ["empty.onnx", new Uint8Array(0)],
    ];
    for (const [name, data] of cases) {
        const dir = join(root, `onnx-${name.replace(".onnx", "")}`);
        mkdirSync(dir);
        writeFileSync(join(dir, name), data);
        copyFileSync(tokenizer, join(dir, "tokenizer.json"));
        await refused(join(dir, name), /not a valid ONNX model|cannot load|no input named input_ids/);
    }
});

test("an explicit tokenizer replaces the folder's, which is then not read at all", async () => {
    // A folder tokenizer.json that would fail to parse: loading succeeds only if it is skipped.
    const dir = modelCopy("explicit-tokenizer", (d) => writeFileSync(join(d, "tokenizer.json"), "{ broken"));
    await refused(dir, /tokenizer\.json is not valid JSON/);
    const model = await loadModel(dir, { tokenizer });
    assert.deepEqual(model.tokenizer.encode("Hello world").ids, [15496, 995]);
});

test("a config.json that is not JSON or not an object is named", async () => {
    await refused(modelCopy("config-garbage", (d) => writeFileSync(join(d, "config.json"), "{ oops")),
        /config\.json is not valid JSON/);
    await refused(modelCopy("config-array", (d) => writeFileSync(join(d, "config.json"), "[1]")),
        /config\.json must hold a JSON object/);
});
