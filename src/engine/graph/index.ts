// The graph toolkit in one import: builder, op emitters (`op.*`) and autodiff.

export { GraphBuilder, Value, dimEq, fmtShape, isStatic, numel, shapeEq } from "./builder";
export type { Attr, DType, Dim, GraphBuilderOptions, Node } from "./builder";
export { gradients, gradRules } from "./autodiff";
export * as op from "./ops/all";
