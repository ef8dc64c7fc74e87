/**
 * PadV2 for webgpu at rank 5 and above: tfjs-backend-webgpu 4.22's PadProgram emits WGSL that
 * indexes a `vec5` type (no such type), so the shader does not compile and, without the kit's
 * error handler, the output stays zeros. The kit's StridedSlice gradient pads 5-D tensors (ViT's
 * fused qkv split). Here each padded axis becomes one concat of constant blocks around the
 * tensor; ranks up to 4 go to the original kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor } from '../wasm_kernels/kernel_tensors';

const NAME = 'PadV2';

export function padByConcat(x: tf.Tensor, paddings: Array<[number, number]>, constantValue: number): tf.Tensor {
  let h = x;
  paddings.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const block = (n: number): tf.Tensor =>
      tf.fill(
        h.shape.map((d, i) => (i === axis ? n : d)),
        constantValue,
        h.dtype,
      );
    const parts = [...(before > 0 ? [block(before)] : []), h, ...(after > 0 ? [block(after)] : [])];
    h = tf.concat(parts, axis); // [..., before + n + after, ...]
  });
  return h;
}

/** A PadV2 kernel for webgpu that sends ranks below 5 to `original`. */
export function padV2Config(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: NAME,
    backendName: 'webgpu',
    kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }) => {
      const x = args.inputs.x;
      if (x == null || x.shape.length < 5) return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
      const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
      return tf.tidy(() => padByConcat(asTensor(args.inputs, 'x', NAME), paddings, constantValue));
    }) as unknown as tf.KernelFunc,
  };
}
