import * as nb from '../../src/index.js';
import { runFixtureFamily, type OpFn } from '../helpers/fixtures.js';

const unary = (f: (x: nb.Tensor) => nb.Tensor): OpFn => ([x]) => f(x);
const binary = (f: (a: nb.Tensor, b: nb.Tensor) => nb.Tensor): OpFn => ([a, b]) => f(a, b);

runFixtureFamily('elementwise', {
  neg: unary(nb.neg), exp: unary(nb.exp), log: unary(nb.log), log1p: unary(nb.log1p), sqrt: unary(nb.sqrt),
  rsqrt: unary(nb.rsqrt), abs: unary(nb.abs), sin: unary(nb.sin), cos: unary(nb.cos), tanh: unary(nb.tanh),
  sigmoid: unary(nb.sigmoid), relu: unary(nb.relu), silu: unary(nb.silu), sign: unary(nb.sign), square: unary(nb.square),
  reciprocal: unary(nb.reciprocal), floor: unary(nb.floor), ceil: unary(nb.ceil), round: unary(nb.round),
  logicalNot: unary(nb.logicalNot), isnan: unary(nb.isnan),
  leakyRelu: ([x], a) => nb.leakyRelu(x, a.negativeSlope),
  elu: ([x], a) => nb.elu(x, a.alpha),
  gelu: ([x], a) => nb.gelu(x, a.approximate),
  softplus: ([x], a) => nb.softplus(x, a.beta, a.threshold),
  clamp: ([x], a) => nb.clamp(x, a.min, a.max),
  toDtype: ([x], a) => nb.toDtype(x, a.dtype),
  powScalar: ([x], a) => nb.pow(x, a.exponent),
  rpow: ([x], a) => nb.pow(a.base, x),
  add: binary(nb.add), sub: binary(nb.sub), mul: binary(nb.mul), div: binary(nb.div), pow: binary(nb.pow),
  maximum: binary(nb.maximum), minimum: binary(nb.minimum), remainder: binary(nb.remainder), atan2: binary(nb.atan2),
  addScalar: ([x], a) => nb.add(x, a.other),
  rsubScalar: ([x], a) => nb.sub(a.other, x),
  mulScalar: ([x], a) => nb.mul(x, a.other),
  divScalar: ([x], a) => nb.div(x, a.other),
  rdivScalar: ([x], a) => nb.div(a.other, x),
  maximumScalar: ([x], a) => nb.maximum(x, a.other),
  minimumScalar: ([x], a) => nb.minimum(x, a.other),
  eq: binary(nb.eq), ne: binary(nb.ne), lt: binary(nb.lt), le: binary(nb.le), gt: binary(nb.gt), ge: binary(nb.ge),
  ltScalar: ([x], a) => nb.lt(x, a.other),
  eqScalar: ([x], a) => nb.eq(x, a.other),
  logicalAnd: binary(nb.logicalAnd), logicalOr: binary(nb.logicalOr), logicalXor: binary(nb.logicalXor),
  where: ([c, a, b]) => nb.where(c, a, b),
  whereScalar: ([c, x], a) => nb.where(c, x, a.other),
});
