// Checks the schedule against values printed by the reference trainer's `lr_at` in Python
// (lr 1e-3, min 1e-4, warm-up 100, 2,000 iterations).

import { test } from "node:test";
import assert from "node:assert/strict";
import { lrAt } from "./schedule";

const recipe = { lr: 1e-3, min_lr: 1e-4, warmup_iters: 100, max_iters: 2000 };

function close(actual: number, expected: number): void {
    assert.ok(
        Math.abs(actual - expected) <= 1e-15 * Math.abs(expected),
        `${actual} != ${expected}`,
    );
}

test("warm-up rises linearly and never quite reaches the peak", () => {
    close(lrAt(0, recipe), 1e-3 / 101);
    close(lrAt(49, recipe), (1e-3 * 50) / 101);
    close(lrAt(99, recipe), (1e-3 * 100) / 101);
});

test("cosine decay starts at the peak and ends at the floor, matching the reference", () => {
    close(lrAt(100, recipe), 1e-3);
    close(lrAt(1050, recipe), 0.00055);
    close(lrAt(1500, recipe), 0.0002452232927684166);
    close(lrAt(2000, recipe), 1e-4);
    // Past the end the rate stays at the floor.
    close(lrAt(5000, recipe), 1e-4);
});

test("no warm-up and zero iterations do not divide by zero", () => {
    const c = { lr: 0.01, min_lr: 0.001, warmup_iters: 0, max_iters: 0 };
    close(lrAt(0, c), 0.01);
    close(lrAt(3, c), 0.001);
});
