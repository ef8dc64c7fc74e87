/**
 * Per-channel normalisation with a backbone's pretrained preprocessing (timm's
 * transforms.Normalize(mean, std) on images scaled to [0, 1]). Resizing and cropping
 * (entry.preprocessing.inputSize, interpolation, cropPct) belong to the image pipeline.
 */
import { tf } from '../tf';
import type { Preprocessing } from './registry';

/** images [B, H, W, 3] in [0, 1] -> (images - mean) / std, channel-wise. */
export const normalizeImages = tf.op({
  normalizeImages_(images: tf.Tensor4D, pre: Pick<Preprocessing, 'mean' | 'std'>): tf.Tensor4D {
    if (images.shape[3] !== 3) throw new Error(`normalizeImages: expected [B, H, W, 3] images, got [${images.shape.join(', ')}]`);
    return tf.div(tf.sub(images, tf.tensor1d(pre.mean)), tf.tensor1d(pre.std)); // [B, H, W, 3]
  },
});
