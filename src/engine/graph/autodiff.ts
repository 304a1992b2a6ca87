// Reverse-mode automatic differentiation over a GraphBuilder's nodes. The driver visits only
// nodes that lie between the requested inputs and the target, sums gradients where a value
// fans out, checks that every rule returns input-shaped gradients, and names any op it cannot
// differentiate. Gradient nodes are emitted under the `grad` node scope.

import { fmtShape, GraphBuilder, Node, shapeEq, Value } from "./builder";
import { GradRule } from "./ops/common";
import { elementwiseRules, sum } from "./ops/elementwise";
import { linalgRules } from "./ops/linalg";
import { nnRules } from "./ops/nn";
import { shapeRules } from "./ops/shape";

/** Every gradient rule, keyed by ONNX op type. */
export const gradRules: Readonly<Record<string, GradRule>> = {
    ...elementwiseRules,
    ...linalgRules,
    ...shapeRules,
    ...nnRules,
};

/**
 * Emits the gradient of scalar `target` with respect to each of `wrt`. `seed` (default 1) is
 * the gradient flowing into the target. A value the target does not depend on gets a zero
 * gradient only if `allowUnused`; otherwise that throws.
 */
export function gradients(
    g: GraphBuilder,
    target: Value,
    wrt: Value[],
    options: { seed?: Value; allowUnused?: boolean } = {},
): Value[] {
    const nodes = g.nodes.slice();
    const dependsOnWrt = new Set<Value>(wrt);
    for (const node of nodes) {
        if (node.inputs.some((v) => v !== undefined && dependsOnWrt.has(v))) {
            for (const out of node.outputs) dependsOnWrt.add(out);
        }
    }
    const leadsToTarget = new Set<Value>([target]);
    const active: Node[] = [];
    for (let i = nodes.length - 1; i >= 0; i--) {
        const node = nodes[i];
        if (!node.outputs.some((v) => leadsToTarget.has(v) && dependsOnWrt.has(v))) continue;
        active.push(node);
        for (const v of node.inputs) if (v) leadsToTarget.add(v);
    }

    const pending = new Map<Value, Value[]>();
    pending.set(target, [options.seed ?? g.constant([1], target.shape as number[], target.dtype)]);
    const total = (v: Value): Value | undefined => {
        const parts = pending.get(v);
        if (!parts) return undefined;
        const summed = parts.length === 1 ? parts[0] : sum(g, parts);
        pending.set(v, [summed]);
        return summed;
    };

    for (const node of active) {
        const dys = node.outputs.map(total);
        if (dys.every((d) => d === undefined)) continue;
        const rule = gradRules[node.opType];
        if (!rule) throw new Error(`no gradient rule for op ${node.opType} (node ${node.name})`);
        const needs = node.inputs.map(
            (v) =>
                v !== undefined &&
                dependsOnWrt.has(v) &&
                (v.dtype === "float32" || v.dtype === "float64"),
        );
        const dxs = g.withNodeScope(["grad", ...node.scope], () => rule(g, node, dys, needs));
        if (dxs.length !== node.inputs.length) {
            throw new Error(
                `gradient rule for ${node.opType} returned ${dxs.length} gradients for ${node.inputs.length} inputs`,
            );
        }
        dxs.forEach((dx, i) => {
            const x = node.inputs[i];
            if (!x || !needs[i] || !dx) return;
            if (!shapeEq(dx.shape, x.shape)) {
                throw new Error(
                    `gradient rule for ${node.opType} (${node.name}) gave ${fmtShape(dx.shape)} for input ${x.name} ${fmtShape(x.shape)}`,
                );
            }
            pending.set(x, [...(pending.get(x) ?? []), dx]);
        });
    }

    return wrt.map((w) => {
        const grad = total(w);
        if (grad) return grad;
        if (!options.allowUnused)
            throw new Error(`target ${target.name} does not depend on ${w.name}`);
        const n = (w.shape as number[]).reduce((a, b) => a * b, 1);
        return g.constant(new Array<number>(n).fill(0), w.shape as number[], w.dtype);
    });
}
