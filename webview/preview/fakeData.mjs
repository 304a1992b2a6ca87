// Fake engine results for the webview screenshots: a short analysed sentence, attention maps with
// plausible structure, and two training runs' metrics. Deterministic (seeded) so shots compare.

let seed = 42;
function rand() {
    seed = (seed * 1664525 + 1013904223) % 4294967296;
    return seed / 4294967296;
}

const words = ["First", " Citizen", ":", "\n", "Before", " we", " proceed", " any", " further", ",", " hear", " me", " speak", ".", "\n", "\n", "All", ":", "\n", "Speak", ",", " speak", ".", "\t", "<|endoftext|>"];

export function fakeAnalysis() {
    let pos = 0;
    const tokens = words.map((text, i) => {
        const start = pos;
        pos += text.length;
        const prob = i === 0 ? null : Math.pow(rand(), 3);
        const rank = prob === null ? null : Math.max(1, Math.round(1 / Math.max(prob, 1e-5) ** 0.8));
        return {
            id: i,
            text,
            start,
            end: pos,
            logprob: prob === null ? null : Math.log(prob),
            prob,
            rank,
            surprisal: prob === null ? null : -Math.log2(prob),
            entropy: prob === null ? null : 1 + rand() * 4,
            topk: prob === null ? [] : [{ id: i, text, prob }, { id: 900, text: " the", prob: 0.21 }, { id: 901, text: "\n", prob: 0.08 }, { id: 902, text: " and", prob: 0.04 }].sort((a, b) => b.prob - a.prob),
            special: text === "<|endoftext|>",
            context: i,
            truncatedContext: false,
        };
    });
    const scored = tokens.filter((t) => t.logprob !== null);
    const ll = scored.reduce((s, t) => s + t.logprob, 0);
    const result = {
        model: "gpt2-tiny",
        text: words.join(""),
        tokens,
        units: [],
        logLikelihood: ll,
        scored: scored.length,
        perplexity: Math.exp(-ll / scored.length),
        bitsPerChar: -ll / Math.LN2 / pos,
        chars: pos,
        contextLength: 1024,
        truncatedTokens: 0,
        cut: false,
    };
    return [{ type: "tokens/show", panelId: "preview", seq: 1, result, source: { uri: "file:///w/a.txt", offset: 0, label: "a.txt" }, metric: "rank", pinned: false }];
}

function b64(bytes) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fakeAttention(n) {
    const nLayer = 4;
    const nHead = 4;
    const probs = new Float32Array(n * n);
    const scores = new Float32Array(n * n);
    for (let q = 0; q < n; q++) {
        let sum = 0;
        for (let k = 0; k < n; k++) {
            if (k > q) {
                scores[q * n + k] = -Infinity;
                continue;
            }
            const s = (k === q - 1 ? 3 : 0) + (k === 0 ? 2 : 0) + rand();
            scores[q * n + k] = s;
            probs[q * n + k] = Math.exp(s);
            sum += Math.exp(s);
        }
        for (let k = 0; k <= q; k++) probs[q * n + k] /= sum;
    }
    const size = 32;
    const thumbs = new Uint8Array(nLayer * nHead * size * size);
    for (let l = 0; l < nLayer; l++) {
        for (let h = 0; h < nHead; h++) {
            for (let i = 0; i < size; i++) {
                for (let j = 0; j <= i; j++) {
                    const diag = (h + l) % 3 === 0 ? j === i : (h + l) % 3 === 1 ? j === Math.max(0, i - 1) : j === 0;
                    thumbs[((l * nHead + h) * size + i) * size + j] = diag ? 255 : Math.floor(rand() * 40);
                }
            }
        }
    }
    const tokens = Array.from({ length: n }, (_, i) => ({ id: i, text: words[i % words.length], start: i, end: i + 1 }));
    const entropy = Array.from({ length: nLayer }, () => Array.from({ length: nHead }, () => rand() * 3));
    const result = { model: "gpt2-tiny", tokens, nLayer, nHead, entropy, heads: [{ layer: 0, head: 0, probs: b64(probs), scores: b64(scores) }], thumbnails: { size, data: b64(thumbs) } };
    return [{ type: "attention/show", panelId: "preview", seq: 1, result }];
}

export function fakeDashboard() {
    const config = (lr) => ({ data: ["/w/a.txt"], out: "/w/runs/x", tokenizer: "char", objective: "clm", n_layer: 2, n_head: 4, n_embd: 64, block_size: 64, batch_size: 16, dropout: 0, bias: true, lr, min_lr: lr / 10, warmup_iters: 50, max_iters: 2000, weight_decay: 0.1, beta1: 0.9, beta2: 0.99, grad_clip: 1, eval_interval: 100, eval_iters: 10, checkpoint_interval: 200, seed: 1337 });
    const runs = [
        { runId: "20260101-120000-shakespeare", dir: "/w/runs/a", state: "running", step: 1500, maxIters: 2000, config: config(1e-3), createdAt: "2026-01-01T12:00:00Z", hasCheckpoint: true },
        { runId: "20251231-090000-shakespeare", dir: "/w/runs/b", state: "finished", step: 2000, maxIters: 2000, config: config(3e-3), createdAt: "2025-12-31T09:00:00Z", hasCheckpoint: true, lastLoss: 1.7 },
    ];
    const records = (scale) => {
        const out = [];
        for (let step = 1; step <= 1500; step++) {
            const loss = 4.2 * Math.exp(-step / (400 * scale)) + 1.5 + (rand() - 0.5) * 0.3 + (step === 900 ? 2.5 : 0);
            out.push({ kind: "train", step, maxIters: 2000, loss, lr: 1e-3 * Math.min(1, step / 50), gradNorm: 1 + rand(), tokensPerSec: 9000 + rand() * 1000, msPerIter: 110, etaSec: (2000 - step) * 0.11, elapsedSec: step * 0.11 });
            if (step % 100 === 0) out.push({ kind: "eval", step, trainLoss: loss, valLoss: loss + 0.1, valPerplexity: Math.exp(loss + 0.1), valBitsPerChar: (loss + 0.1) / Math.LN2 });
        }
        return out;
    };
    return [
        { type: "dashboard/init", panelId: "preview", form: { source: "file", files: [], tokenizer: "char", bpeVocabSize: 512, n_layer: 2, n_head: 4, n_embd: 66, block_size: 64, batch_size: 16, lr: 0.001, max_iters: 2000, dropout: 0, weight_decay: 0.1 }, hasSelection: false, runsRoot: "/w/runs" },
        { type: "model", panelId: "preview", model: { kind: "lmlab", path: "/ext/models/default", name: "default", vocabSize: 65, contextLength: 64, nLayer: 2, nHead: 4, objective: "clm", hasAttention: true } },
        { type: "dashboard/runs", panelId: "preview", runs },
        { type: "dashboard/metrics", panelId: "preview", runId: runs[0].runId, records: records(1) },
        { type: "dashboard/progress", panelId: "preview", progress: { runId: runs[0].runId, step: 1501, maxIters: 2000, loss: 1.6, lr: 1e-3, gradNorm: 1.2, tokensPerSec: 9500, msPerIter: 110, etaSec: 54.9, elapsedSec: 165 } },
    ];
}
