// Jest runs each test file in its own VM context, but onnxruntime-node's native binding creates output
// typed arrays in Node's main context, so onnxruntime-common's `instanceof Float32Array` check fails
// ("A float32 tensor's data must be type of Float32Array"). This environment gives the test context the
// main context's typed-array constructors. Use with the docblock `@jest-environment <path to this file>`.
const { TestEnvironment } = require('jest-environment-node');

const TYPED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
