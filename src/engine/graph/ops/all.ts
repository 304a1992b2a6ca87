// Every op emitter, re-exported for `import { op } from "../graph"`.

export {
    add,
    cast,
    div,
    equal,
    erf,
    exp,
    identity,
    max,
    min,
    mul,
    neg,
    sqrt,
    sub,
    sum,
    tanh,
    where,
} from "./elementwise";
export { gemm, matmul } from "./linalg";
export { gelu, layerNorm, logSoftmax, reduceMean, reduceSum, reduceSumSquare, softmax } from "./nn";
export {
    concat,
    expandLike,
    gather,
    oneHotT,
    range,
    reshape,
    reshapeLike,
    shape,
    slice,
    split,
    transpose,
    transposeLast,
    unsqueeze,
} from "./shape";
export { unbroadcast } from "./common";
