// When a training run counts as diverged: a non-finite loss or gradient norm, a loss far above
// that of a uniform guess, or weights that are no longer finite. The trainer rolls back on any of
// them and never saves such weights as the run's model.

import { nonFiniteIndex } from "../io/hfCheckpoint";

/**
 * A loss above this many times ln(vocabulary size), the loss of a uniform guess over the
 * vocabulary (which is about where training starts), is a loss explosion: a run whose loss has
 * grown tenfold past its starting point only grows further, into infinities and NaN.
 */
export const lossExplosionFactor = 10;

/** Why a step's loss and gradient norm mean the run diverged, or undefined when they are sane. */
export function divergenceOf(loss: number, gradNorm: number, vocabSize: number): string | undefined {
    if (!Number.isFinite(loss)) return `non-finite loss (${loss})`;
    if (!Number.isFinite(gradNorm)) {
        return `non-finite gradient norm (${gradNorm}; loss ${formatLoss(loss)})`;
    }
    const limit = explosionLimit(vocabSize);
    if (loss > limit) {
        return (
            `loss explosion (loss ${formatLoss(loss)} > ${limit.toFixed(1)}, ` +
            `${lossExplosionFactor} x ln(${vocabSize}), the loss of a uniform guess)`
        );
    }
    return undefined;
}

/** The loss above which a run counts as diverged, for a vocabulary of `vocabSize` tokens. */
export function explosionLimit(vocabSize: number): number {
    // Tiny vocabularies (ln 2 ≈ 0.7) still get room for the first steps' noise.
    return lossExplosionFactor * Math.max(1, Math.log(vocabSize));
}

/** The first tensor holding NaN or an infinity, as "name (value at element i)", or undefined. */
export function nonFiniteTensor(tensors: Map<string, Float32Array>): string | undefined {
    for (const [name, data] of tensors) {
        const index = nonFiniteIndex(data);
        if (index >= 0) return `${name} (${data[index]} at element ${index})`;
    }
    return undefined;
}

function formatLoss(loss: number): string {
    return Math.abs(loss) >= 1e6 ? loss.toExponential(3) : String(loss);
}
