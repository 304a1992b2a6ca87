// A small seedable pseudo-random generator (xoshiro128**, 128-bit state) whose whole state can be
// saved and restored, so sampling, masking and initialisation resume exactly after a checkpoint.

/** The generator's state: four unsigned 32-bit words. JSON-serialisable. */
export type RngState = [number, number, number, number];

export class Rng {
    private s: Uint32Array = new Uint32Array(4);

    /** Seeds from any integer (negative and > 2^32 values included) through splitmix32. */
    constructor(seed: number = 0) {
        if (!Number.isFinite(seed))
            throw new RangeError(`RNG seed must be a finite number, found ${seed}`);
        let x = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
        for (let i = 0; i < 4; i++) {
            x = (x + 0x9e3779b9) >>> 0;
            let z = x;
            z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
            z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
            this.s[i] = (z ^ (z >>> 16)) >>> 0;
        }
        // An all-zero state would only ever produce zeros.
        if (this.s.every((w) => w === 0)) this.s[0] = 1;
    }

    /** The next unsigned 32-bit integer. */
    nextUint32(): number {
        const s = this.s;
        const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
        const t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 11);
        return result;
    }

    /** A float in [0, 1) with 32 random bits. */
    nextFloat(): number {
        return this.nextUint32() / 4294967296;
    }

    /** A uniform integer in [0, n), without modulo bias; n between 1 and 2^32. */
    nextInt(n: number): number {
        if (!Number.isInteger(n) || n < 1 || n > 4294967296)
            throw new RangeError(`nextInt bound must be in [1, 2^32], found ${n}`);
        // Reject the top partial block of 32-bit values so every residue is equally likely.
        const limit = 4294967296 - (4294967296 % n);
        for (;;) {
            const x = this.nextUint32();
            if (x < limit) return x % n;
        }
    }

    /** A standard normal sample (Box-Muller). */
    nextNormal(): number {
        const u = 1 - this.nextFloat(); // (0, 1], so the logarithm is finite
        const v = this.nextFloat();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    getState(): RngState {
        return [this.s[0], this.s[1], this.s[2], this.s[3]];
    }

    setState(state: unknown): void {
        if (
            !Array.isArray(state) ||
            state.length !== 4 ||
            !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) ||
            state.every((w) => w === 0)
        ) {
            throw new RangeError(
                `RNG state must be four unsigned 32-bit integers, not all zero; found ${JSON.stringify(state)}`,
            );
        }
        this.s = Uint32Array.from(state);
    }
}

function rotl(x: number, k: number): number {
    return ((x << k) | (x >>> (32 - k))) >>> 0;
}
