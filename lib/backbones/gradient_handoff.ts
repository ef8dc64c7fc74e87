/**
 * A gradient that one op of a ResNet block hands to another instead of to tfjs's tape.
 *
 * A block's input x feeds two ops: its first convolution and the residual (x itself, or the
 * downsampling convolution). tfjs's tape would give x the sum of their two gradients with an Add
 * kernel: two activation-sized reads and a write per block, about 3% of ResNet-50's training step on
 * wasm. Instead, the residual's op leaves its gradient with x out of its tape inputs (`give`), and the
 * first convolution, whose gradient the tape computes later (the tape runs backwards through the
 * forward order), adds its own input gradient onto it (`take`): on wasm by writing its product onto
 * that tensor (conv2dBackpropInputOnto), elsewhere with tf.add. The first convolution must be
 * recorded before the giving op, and it gets a gradient whenever x needs one (it is on every path
 * from x to the loss); if the tape skips it (x needs no gradient), the given tensor is freed with the
 * backward pass's other temporaries.
 */
import { tf } from '../tf';

export class GradientHandoff {
  private gradient: tf.Tensor | undefined;
  private given = false;

  /** Leaves dL/dx of the giving op here; once per forward pass. */
  give(gradient: tf.Tensor): void {
    if (this.given) throw new Error('GradientHandoff: a second gradient given; one op gives, once per forward pass');
    this.given = true;
    this.gradient = gradient;
  }

  /** The gradient given, once; the taker owns it (and may write into it). Undefined if none was given. */
  take(): tf.Tensor | undefined {
    const gradient = this.gradient;
    this.gradient = undefined;
    return gradient;
  }
}
