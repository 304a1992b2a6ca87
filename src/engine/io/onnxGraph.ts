// Reading an ONNX causal LM's graph: its inputs and outputs, where its attention Softmax nodes are,
// and the graph surgery that exposes them. A Softmax over the last axis, fed (within a few steps)
// by a MatMul and feeding a MatMul, is taken as one layer's attention. The surgery encodes a small
// ModelProto holding only Identity nodes and graph outputs and appends it to the original bytes:
// protobuf merges repeated fields of concatenated messages, so the weights are never re-encoded.

import { onnx } from "onnx-proto";
import { UserError } from "../types";

export interface OnnxValue {
    name: string;
    /** ONNX TensorProto.DataType (1 float, 6 int32, 7 int64, 10 float16). */
    elemType: number;
    /** Fixed sizes as numbers, symbolic ones as their names, unknown as "?". */
    dims: (number | string)[];
}

/** One layer's attention inside the graph, and the outputs the surgery gives it. */
export interface AttentionSite {
    layer: number;
    softmaxNode: string;
    /** Tensor names of the Softmax's input (masked, scaled scores) and output (probabilities). */
    scoresTensor: string;
    probsTensor: string;
    /** Graph outputs added by `exposeAttention`. */
    probsOutput: string;
    scoresOutput: string;
}

export interface OnnxGraphSummary {
    inputs: OnnxValue[];
    outputs: OnnxValue[];
    opset: number;
    attention: AttentionSite[];
    /** Why `attention` is empty, when it is. */
    attentionNote?: string;
    /** Rows of a 2-D position-embedding initializer, when one is recognisable. */
    positions?: number;
}

/** Decodes `bytes` and summarises the graph; a file that is not a usable ONNX model is a UserError. */
export function inspectOnnx(bytes: Uint8Array, file: string): OnnxGraphSummary {
    let model: onnx.ModelProto;
    try {
        model = onnx.ModelProto.decode(bytes);
    } catch (err) {
        throw new UserError(`${file} is not a valid ONNX model (truncated or corrupt): ${(err as Error).message}`);
    }
    const graph = model.graph;
    if (!graph || !graph.node || graph.node.length === 0 || !graph.output || graph.output.length === 0) {
        throw new UserError(`${file} is not a valid ONNX model: it has no graph, nodes or outputs`);
    }
    const opset = defaultOpset(model);
    const summary: OnnxGraphSummary = {
        inputs: valuesOf(graph.input ?? []),
        outputs: valuesOf(graph.output ?? []),
        opset,
        attention: [],
    };
    const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ""));
    summary.inputs = summary.inputs.filter((v) => !initializerNames.has(v.name));
    for (const t of graph.initializer ?? []) {
        const dims = (t.dims ?? []).map(Number);
        if (dims.length === 2 && /wpe|position/i.test(t.name ?? "")) summary.positions = dims[0];
    }

    const nodes = graph.node;
    const producer = new Map<string, onnx.INodeProto>();
    const consumers = new Map<string, onnx.INodeProto[]>();
    for (const node of nodes) {
        for (const out of node.output ?? []) producer.set(out, node);
        for (const inp of node.input ?? []) {
            const list = consumers.get(inp) ?? [];
            list.push(node);
            consumers.set(inp, list);
        }
    }
    for (const node of nodes) {
        if (node.opType !== "Softmax" || !isLastAxis(node, opset)) continue;
        const input = node.input?.[0];
        const output = node.output?.[0];
        if (!input || !output) continue;
        if (!hasMatMulUpstream(input, producer) || !feedsMatMul(output, consumers)) continue;
        const layer = summary.attention.length;
        summary.attention.push({
            layer,
            softmaxNode: node.name ?? `Softmax#${layer}`,
            scoresTensor: input,
            probsTensor: output,
            probsOutput: `lm_lab.attn.${layer}`,
            scoresOutput: `lm_lab.scores.${layer}`,
        });
    }
    if (summary.attention.length === 0) summary.attentionNote = explainMissingAttention(nodes);
    return summary;
}

/**
 * Returns the model bytes with every site's probabilities and scores added as graph outputs
 * (through Identity nodes). The original bytes are copied unchanged; only a small message is
 * encoded and appended.
 */
export function exposeAttention(bytes: Uint8Array, sites: readonly AttentionSite[]): Uint8Array {
    const node: onnx.INodeProto[] = [];
    const output: onnx.IValueInfoProto[] = [];
    for (const site of sites) {
        for (const [from, to] of [
            [site.probsTensor, site.probsOutput],
            [site.scoresTensor, site.scoresOutput],
        ]) {
            node.push({ opType: "Identity", name: `${to}.identity`, input: [from], output: [to] });
            output.push({ name: to, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
        }
    }
    const extra = onnx.ModelProto.encode({ graph: { node, output } }).finish();
    const merged = new Uint8Array(bytes.length + extra.length);
    merged.set(bytes, 0);
    merged.set(extra, bytes.length);
    return merged;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Ops that may sit between the QK^T MatMul and the Softmax: scaling, masking, casts, bias. */
const SCORE_PATH_OPS = new Set(["Div", "Mul", "Add", "Sub", "Where", "Cast", "Max", "Min"]);
const FUSED_ATTENTION_OPS = new Set([
    "Attention",
    "MultiHeadAttention",
    "GroupQueryAttention",
    "PackedAttention",
    "PackedMultiHeadAttention",
    "DecoderMaskedMultiHeadAttention",
]);
const MAX_UPSTREAM_STEPS = 5;

function defaultOpset(model: onnx.ModelProto): number {
    const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
    return entry ? Number(entry.version) : 0;
}

function valuesOf(values: onnx.IValueInfoProto[]): OnnxValue[] {
    return values.map((v) => {
        const tensor = v.type?.tensorType;
        const dims = (tensor?.shape?.dim ?? []).map((d) =>
            d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0
                ? Number(d.dimValue)
                : (d.dimParam ?? "?") || "?",
        );
        return { name: v.name ?? "", elemType: tensor?.elemType ?? 0, dims };
    });
}

function isLastAxis(node: onnx.INodeProto, opset: number): boolean {
    const attr = (node.attribute ?? []).find((a) => a.name === "axis");
    // Before opset 13 the default axis is 1 (flattening); from 13 on it is -1.
    const axis = attr ? Number(attr.i) : opset >= 13 ? -1 : 1;
    // Attention scores are [batch, heads, query, key]: axis 3 is the last one as well.
    return axis === -1 || axis === 3;
}

function hasMatMulUpstream(tensor: string, producer: Map<string, onnx.INodeProto>): boolean {
    let frontier = [tensor];
    for (let step = 0; step < MAX_UPSTREAM_STEPS && frontier.length > 0; step++) {
        const next: string[] = [];
        for (const name of frontier) {
            const node = producer.get(name);
            if (!node) continue;
            if (node.opType === "MatMul") return true;
            if (SCORE_PATH_OPS.has(node.opType ?? "")) next.push(...(node.input ?? []));
        }
        frontier = next;
    }
    return false;
}

function feedsMatMul(tensor: string, consumers: Map<string, onnx.INodeProto[]>): boolean {
    for (const node of consumers.get(tensor) ?? []) {
        if (node.opType === "MatMul") return true;
        // A Cast or Dropout between the probabilities and the value product is still attention.
        if ((node.opType === "Cast" || node.opType === "Dropout") && node.output?.[0]) {
            if ((consumers.get(node.output[0]) ?? []).some((c) => c.opType === "MatMul")) return true;
        }
    }
    return false;
}

function explainMissingAttention(nodes: onnx.INodeProto[]): string {
    const fused = nodes.find((n) => FUSED_ATTENTION_OPS.has(n.opType ?? ""));
    if (fused) {
        return (
            `attention is computed by the fused ${fused.domain ? fused.domain + "." : ""}${fused.opType} op, ` +
            "which exposes no attention probabilities; token probabilities still work"
        );
    }
    if (nodes.some((n) => n.opType === "If" || n.opType === "Loop")) {
        return (
            "no attention Softmax in the main graph (it may sit inside If/Loop subgraphs, as in merged " +
            "decoders; export the decoder without past instead); token probabilities still work"
        );
    }
    return "no Softmax over attention scores was found in the graph; token probabilities still work";
}
