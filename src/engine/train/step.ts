// The trainer's view of one training step: a reused ORT session over the one-graph step
// (forward, cross-entropy, backward, clipping, AdamW) and a forward-only session for evaluation
// losses. Parameters and Adam moments are flat vectors (see stepGraph's paramLayout) held in two
// preallocated buffer sets that a step reads from and writes into alternately, so a step
// allocates and copies nothing for them.

import * as ort from "onnxruntime-node";
import { checkConfig } from "../model/gpt";
import { createSession } from "../runtime";
import { GptConfig, UserError } from "../types";
import { initParams, xoshiro128 } from "../model/init";
import {
    buildEvalGraph,
    buildTrainGraph,
    names,
    OptimConfig,
    ParamSlot,
    paramLayout,
} from "./stepGraph";

export type { OptimConfig } from "./stepGraph";

export interface TrainState {
    params: Map<string, Float32Array>;
    m: Map<string, Float32Array>;
    v: Map<string, Float32Array>;
}

export interface TrainStepOptions {
    threads?: number;
    /** Seeds parameter initialisation and the dropout masks (with the step number). */
    seed: number;
    executionProviders?: string[];
}

/** One buffer set: flat parameters and moments. */
interface Buffers {
    params: ort.Tensor;
    m: ort.Tensor;
    v: ort.Tensor;
}

export class TrainStep {
    private current: Buffers;
    private spare: Buffers;
    private readonly dropoutOffsets: { name: string; range: number; tensor: ort.Tensor }[];
    /** The scalar inputs, refilled in place each step. */
    private readonly lr = new ort.Tensor("float32", new Float32Array(1), []);
    private readonly stepNumber = new ort.Tensor("float32", new Float32Array(1), []);

    private constructor(
        readonly config: GptConfig,
        readonly batchSize: number,
        private readonly seed: number,
        private readonly train: ort.InferenceSession,
        private readonly evaluate: ort.InferenceSession,
        private readonly slots: ParamSlot[],
        total: number,
        dropoutSites: { name: string; size: number; poolSize: number }[],
    ) {
        this.current = allocate(total);
        this.spare = allocate(total);
        this.dropoutOffsets = dropoutSites.map((s) => ({
            name: s.name,
            range: s.poolSize - s.size + 1,
            tensor: new ort.Tensor("int64", new BigInt64Array(1), [1]),
        }));
    }

    /**
     * Builds both graphs and opens their sessions. Parameters start from `initParams(config,
     * seed)`; moments start at zero.
     */
    static async create(
        config: GptConfig,
        optim: OptimConfig,
        batchSize: number,
        opts: TrainStepOptions,
    ): Promise<TrainStep> {
        checkConfig(config);
        if (!Number.isInteger(batchSize) || batchSize < 1) {
            throw new UserError(`batch size must be a positive integer, found ${batchSize}`);
        }
        const graph = buildTrainGraph(config, optim, batchSize, { seed: opts.seed });
        const runtime = { threads: opts.threads, executionProviders: opts.executionProviders };
        const [train, evaluate] = await Promise.all([
            createSession(graph.bytes, runtime),
            createSession(buildEvalGraph(config, batchSize), runtime),
        ]);
        const layout = paramLayout(config);
        const step = new TrainStep(
            config,
            batchSize,
            opts.seed,
            train,
            evaluate,
            layout.slots,
            layout.total,
            graph.dropoutSites,
        );
        step.setState({ params: initParams(config, opts.seed), m: new Map(), v: new Map() });
        return step;
    }

    /**
     * Runs one update. `x` and `y` are [B*T] token ids (T = block_size); `y` holds the targets,
     * and a negative target is ignored (the masked-LM data marks unmasked positions with -1).
     * `step` is the 1-based AdamW step, which also selects the dropout masks. A non-finite loss
     * or gradient norm is returned as is and leaves the parameters and moments unchanged.
     */
    async step(
        x: Int32Array,
        y: Int32Array,
        lr: number,
        step: number,
    ): Promise<{ loss: number; gradNorm: number }> {
        const feeds = this.batchFeeds(x, y);
        (this.lr.data as Float32Array)[0] = lr;
        (this.stepNumber.data as Float32Array)[0] = step;
        feeds[names.lr] = this.lr;
        feeds[names.step] = this.stepNumber;
        feeds[names.params] = this.current.params;
        feeds[names.m] = this.current.m;
        feeds[names.v] = this.current.v;
        if (this.dropoutOffsets.length > 0) this.drawDropout(step);
        for (const d of this.dropoutOffsets) feeds[d.name] = d.tensor;
        const fetches: Record<string, ort.Tensor | null> = {
            [names.loss]: null,
            [names.gradNorm]: null,
            [names.next(names.params)]: this.spare.params,
            [names.next(names.m)]: this.spare.m,
            [names.next(names.v)]: this.spare.v,
        };
        const out = await this.train.run(feeds, fetches);
        const loss = out[names.loss].data[0] as number;
        const gradNorm = out[names.gradNorm].data[0] as number;
        if (Number.isFinite(loss) && Number.isFinite(gradNorm))
            [this.current, this.spare] = [this.spare, this.current];
        return { loss, gradNorm };
    }

    /** Mean cross-entropy of a batch with the current parameters, without dropout. */
    async evalLoss(x: Int32Array, y: Int32Array): Promise<number> {
        const feeds = this.batchFeeds(x, y);
        feeds[names.params] = this.current.params;
        const out = await this.evaluate.run(feeds, [names.loss]);
        return out[names.loss].data[0] as number;
    }

    /** Copies of the parameters and moments, by parameter name. */
    getState(): TrainState {
        const state: TrainState = { params: new Map(), m: new Map(), v: new Map() };
        const [p, m, v] = [this.current.params, this.current.m, this.current.v].map(
            (t) => t.data as Float32Array,
        );
        for (const s of this.slots) {
            state.params.set(s.name, p.slice(s.offset, s.offset + s.size));
            state.m.set(s.name, m.slice(s.offset, s.offset + s.size));
            state.v.set(s.name, v.slice(s.offset, s.offset + s.size));
        }
        return state;
    }

    /**
     * Replaces the parameters and moments (copied in). Moments absent from the maps are zeroed;
     * a missing parameter or a size mismatch throws naming the tensor, before anything changes.
     */
    setState(state: TrainState): void {
        for (const s of this.slots) {
            const p = state.params.get(s.name);
            if (!p) throw new UserError(`state has no parameter ${s.name} [${s.shape}]`);
            for (const [what, t] of [
                ["parameter", p],
                ["first moment", state.m.get(s.name)],
                ["second moment", state.v.get(s.name)],
            ] as const) {
                if (t && t.length !== s.size) {
                    throw new UserError(
                        `${what} ${s.name}: expected [${s.shape}] (${s.size} values), found ${t.length} values`,
                    );
                }
            }
        }
        const [p, m, v] = [this.current.params, this.current.m, this.current.v].map(
            (t) => t.data as Float32Array,
        );
        for (const s of this.slots) {
            p.set(state.params.get(s.name)!, s.offset);
            setOrZero(m, s, state.m.get(s.name));
            setOrZero(v, s, state.v.get(s.name));
        }
    }

    async dispose(): Promise<void> {
        await Promise.all([this.train.release(), this.evaluate.release()]);
    }

    private batchFeeds(x: Int32Array, y: Int32Array): Record<string, ort.Tensor> {
        const T = this.config.block_size;
        const n = this.batchSize * T;
        if (x.length !== n || y.length !== n) {
            throw new UserError(
                `batch must hold ${this.batchSize} x ${T} = ${n} ids, found x ${x.length} and y ${y.length}`,
            );
        }
        const V = this.config.vocab_size;
        for (let i = 0; i < n; i++) {
            if (x[i] < 0 || x[i] >= V)
                throw new UserError(
                    `input id ${x[i]} at ${i} is outside the vocabulary (0..${V - 1})`,
                );
            if (y[i] >= V)
                throw new UserError(
                    `target id ${y[i]} at ${i} is outside the vocabulary (0..${V - 1})`,
                );
        }
        return {
            [names.ids]: new ort.Tensor("int32", x, [this.batchSize, T]),
            [names.targets]: new ort.Tensor("int32", y, [n]),
        };
    }

    /** Mask offsets from (seed, step): the same step always drops the same units, so resuming is exact. */
    private drawDropout(step: number): void {
        const next = xoshiro128(
            (Math.imul(this.seed | 0, 0x9e3779b1) ^ Math.imul(step | 0, 0x85ebca77)) >>> 0,
        );
        for (const d of this.dropoutOffsets) {
            const offset = Math.floor((next() / 4294967296) * d.range);
            (d.tensor.data as BigInt64Array)[0] = BigInt(offset);
        }
    }
}

function allocate(total: number): Buffers {
    const tensor = () => new ort.Tensor("float32", new Float32Array(total), [total]);
    return { params: tensor(), m: tensor(), v: tensor() };
}

function setOrZero(flat: Float32Array, slot: ParamSlot, values: Float32Array | undefined): void {
    if (values) flat.set(values, slot.offset);
    else flat.fill(0, slot.offset, slot.offset + slot.size);
}

