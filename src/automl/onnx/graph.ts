/**
 * A small ONNX graph builder over onnx-proto: unique value names, typed constants, attributes by
 * JavaScript type. Knows nothing of pipelines.
 */
import { onnx } from 'onnx-proto';

export const ML_DOMAIN = 'ai.onnx.ml';

export type AttrValue = number | string | number[] | string[] | { ints: number[] } | { floats: number[] };

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** Numbers become FLOAT unless listed in `ints` form or integral via { ints }; arrays likewise. */
function toAttribute(name: string, v: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: utf8(v) };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  }
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, type: T.STRINGS, strings: (v as string[]).map(utf8) };
    throw new Error(`attribute ${name}: give numeric arrays as { ints } or { floats }`);
  }
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  return { name, type: T.FLOATS, floats: v.floats };
}

/** A float attribute even when the value is integral (e.g. default_float: 0). */
export class FloatAttr {
  constructor(public readonly value: number) {}
}

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** Reserve names (graph inputs and outputs) so generated names never collide with them. */
  reserve(name: string): void {
    this.used.add(name);
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  fresh(hint: string): string {
    let name: string;
    do name = `_${hint}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  node(opType: string, inputs: string[], outHint: string, attrs: Record<string, AttrValue | FloatAttr> = {}, domain = ''): string {
    const out = this.fresh(outHint);
    const attribute = Object.entries(attrs).map(([k, v]) =>
      v instanceof FloatAttr ? { name: k, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.value } : toAttribute(k, v),
    );
    this.nodes.push({ opType, domain, input: inputs, output: [out], name: out.slice(1), attribute });
    return out;
  }

  constFloat(hint: string, values: ArrayLike<number>, dims: number[]): string {
    const name = this.fresh(hint);
    const data = Float32Array.from(values);
    this.initializers.push({
      name,
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  constInt64(hint: string, values: number[], dims: number[]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims, int64Data: values });
    return name;
  }

  constString(hint: string, values: string[], dims: number[]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.STRING, dims, stringData: values.map(utf8) });
    return name;
  }

  /**
   * Make `value` available under the graph output name `output`: renames the producing node's output
   * when nothing else reads it, else adds an Identity.
   */
  bindOutput(value: string, output: string): void {
    const producer = this.nodes.find((n) => n.output?.includes(value));
    const consumed = this.nodes.some((n) => n.input?.includes(value));
    if (producer && !consumed) {
      producer.output = producer.output!.map((o) => (o === value ? output : o));
    } else {
      this.nodes.push({ opType: 'Identity', domain: '', input: [value], output: [output], name: `out_${output}` });
    }
  }
}

export function tensorValueInfo(name: string, elemType: onnx.TensorProto.DataType, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
