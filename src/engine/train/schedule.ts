// The learning-rate schedule: linear warm-up, then cosine decay to a floor. It matches
// `lr_at` in the PyTorch reference trainer (bench/torch_reference.py) value for value, so
// runs of the two can be compared iteration by iteration.

export interface ScheduleConfig {
    lr: number;
    min_lr: number;
    warmup_iters: number;
    max_iters: number;
}

/**
 * Learning rate for iteration `it` (0-based, the iteration about to run). Warm-up reaches
 * `lr * warmup / (warmup + 1)` at its last iteration rather than `lr`, exactly as the reference.
 */
export function lrAt(it: number, c: ScheduleConfig): number {
    if (it < c.warmup_iters) return (c.lr * (it + 1)) / (c.warmup_iters + 1);
    const ratio = Math.min(1, (it - c.warmup_iters) / Math.max(1, c.max_iters - c.warmup_iters));
    return c.min_lr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (c.lr - c.min_lr);
}
