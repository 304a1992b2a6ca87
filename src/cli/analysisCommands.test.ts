// The analysis CLI on the ONNX fixture: analyze --json keeps its contract (tokens with UTF-16
// ranges, log-probs, ranks, entropies, top-k; log-likelihood, perplexity) and bad input exits non-zero.

import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fixturesDir } from "../../test/support/paths";
import { availableBackends } from "../engine/runtime";
import { runAnalysisCommand } from "./analysisCommands";

const dir = mkdtempSync(join(tmpdir(), "lm-lab-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
copyFileSync(join(fixturesDir, "gpt2-tiny.onnx"), join(dir, "model.onnx"));
copyFileSync(join(fixturesDir, "gpt2-tokenizer", "tokenizer.json"), join(dir, "tokenizer.json"));
const reference = JSON.parse(readFileSync(join(fixturesDir, "reference.json"), "utf8"));

/** Runs a command with its output captured. */
async function run(name: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await runAnalysisCommand(name, argv, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
}

test("analyze --json prints the reference numbers in the documented shape", async () => {
    const ref = reference.texts[0];
    const { code, out } = await run("analyze", ["--model", dir, "--text", ref.text, "--top-k", "3", "--json"]);
    assert.equal(code, 0);
    const result = JSON.parse(out);
    assert.deepEqual(result.tokens.map((t: { id: number }) => t.id), ref.input_ids);
    assert.deepEqual([result.tokens[0].start, result.tokens[0].end], [0, 3]);
    assert.equal(result.tokens[0].logprob, null);
    assert.ok(Math.abs(result.tokens[1].logprob - ref.next_token_logprob[0]) < 2e-5);
    assert.ok(Math.abs(result.tokens[1].entropy - ref.entropy[0]) < 2e-5);
    assert.equal(result.tokens[1].topk.length, 3);
    assert.ok(Math.abs(result.logLikelihood - ref.total_log_likelihood) < 2e-4);
    assert.ok(Math.abs(result.perplexity / ref.perplexity - 1) < 2e-5);
});

test("generate is reproducible with a seed; attention --json has every head", async () => {
    const args = ["--model", dir, "--prompt", "Hello", "--max-tokens", "5", "--seed", "4", "--json"];
    const a = JSON.parse((await run("generate", args)).out);
    const b = JSON.parse((await run("generate", args)).out);
    assert.equal(a.tokens.length, 5);
    assert.deepEqual(a.tokens, b.tokens);
    const attn = JSON.parse((await run("attention", ["--model", dir, "--text", "a b c", "--json"])).out);
    assert.equal(attn.heads.length, 8);
});

// Where the CUDA provider is installed it may really run, and its numbers differ in the last bits.
const noCuda = { skip: availableBackends().includes("cuda") && "the CUDA provider is installed here" };

test("analyze --ep cuda falls back to the CPU and prints the same numbers", noCuda, async () => {
    const args = ["--model", dir, "--text", reference.texts[0].text, "--top-k", "3", "--threads", "1", "--json"];
    const cpu = await run("analyze", args);
    const cuda = await run("analyze", [...args, "--ep", "cuda,cpu"]);
    assert.equal(cuda.code, 0, cuda.err);
    assert.deepEqual(JSON.parse(cuda.out), JSON.parse(cpu.out));
    const bad = await run("analyze", [...args, "--ep", "tpu"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--ep: unknown execution provider "tpu"; expected cuda, webgpu, cpu/);
});

test("bad arguments and bad input exit non-zero with a message", async () => {
    for (const argv of [
        ["--model", dir],
        ["--model", dir, "--text", "   "],
        ["--model", join(dir, "nothing")],
        ["--model", dir, "--text", "x", "--top-k", "many"],
        ["--text", "x"],
    ]) {
        const { code, err } = await run("analyze", argv);
        assert.notEqual(code, 0, argv.join(" "));
        assert.match(err, /lm-lab analyze: /);
    }
    assert.notEqual((await run("export", ["--model", dir, "--format", "zip", "--out", dir])).code, 0);
});

test("--file gets the corpus checks; --threads and --max-tokens must be sensible", async () => {
    const latin1 = join(dir, "latin1.txt");
    writeFileSync(latin1, Buffer.from("caf\xe9 au lait", "latin1"));
    const binary = join(dir, "bin.dat");
    writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]));
    const cases: [string, string[], RegExp][] = [
        ["analyze", ["--file", latin1], /--file .*latin1\.txt is not valid UTF-8: bad byte sequence at offset 3/],
        ["attention", ["--file", binary], /--file .*bin\.dat looks binary: NUL byte at offset 4/],
        ["analyze", ["--file", join(dir, "absent.txt")], /--file .*absent\.txt cannot be read \(ENOENT\)/],
        ["analyze", ["--text", "x", "--threads", "-1"], /--threads must be 0 or more, found -1/],
        ["generate", ["--prompt", "x", "--max-tokens", "0"], /--max-tokens must be at least 1, found 0/],
        ["analyze", ["--text", "x y", "--max-tokens", "0"], /--max-tokens must be at least 1, found 0/],
    ];
    for (const [name, argv, pattern] of cases) {
        const { code, out, err } = await run(name, ["--model", dir, ...argv]);
        assert.equal(code, 2, `${name} ${argv.join(" ")}: ${err}`);
        assert.match(err, pattern);
        assert.equal(out, "");
    }
});

test("generate's text mode prints only the text on stdout; the stop reason goes to stderr", async () => {
    const args = ["--model", dir, "--prompt", "Hello", "--max-tokens", "4", "--seed", "4"];
    const text = await run("generate", args);
    const json = JSON.parse((await run("generate", [...args, "--json"])).out);
    assert.equal(text.code, 0);
    assert.equal(text.out, json.text + "\n");
    assert.ok(!text.out.includes("[length]"));
    assert.match(text.err, /\[stopped: length\]/);
});
