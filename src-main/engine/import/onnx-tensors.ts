// ONNX TensorProto values as plain arrays: float32 (raw little-endian bytes or float_data) for weights,
// int64 (raw or int64_data) for shapes and axes. Anything else is refused with the tensor's name.
import onnxProto from 'onnx-proto';
import { ValidationError } from '../../../src-shared/errors.ts';

const { onnx } = onnxProto;
export type TensorProto = onnxProto.onnx.ITensorProto;

export interface Constant {
  dims: number[];
  values: Float32Array | number[];
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export const dimsOf = (t: TensorProto): number[] => (t.dims ?? []).map((d) => Number(d));

export function constantOf(t: TensorProto, file: string): Constant {
  const dims = dimsOf(t);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (t.dataType === FLOAT) {
    let values: Float32Array;
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
    } else {
      values = Float32Array.from(t.floatData ?? []);
    }
    if (values.length !== count) throw new ValidationError(`${file}: tensor '${t.name}' holds ${values.length} values for dims [${dims}]`);
    return { dims, values };
  }
  if (t.dataType === INT64) {
    let values: number[];
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    } else {
      values = (t.int64Data ?? []).map((v) => Number(v));
    }
    return { dims, values };
  }
  if (t.externalData && t.externalData.length > 0) {
    throw new ValidationError(`${file}: tensor '${t.name}' is stored outside the file (external data); export it inside the .onnx file`);
  }
  throw new ValidationError(`${file}: tensor '${t.name}' has data type ${onnx.TensorProto.DataType[t.dataType ?? 0] ?? t.dataType}; float32 weights and int64 shapes are supported`);
}
