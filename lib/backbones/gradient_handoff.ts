/**
 * A gradient that one op of a ResNet block hands to another instead of to tfjs's tape.
 *
 * In a block without downsampling, the input x feeds two ops: the block's first convolution and the
 * residual sum after its last BatchNorm. tfjs's tape would give x the sum of their two gradients with
 * an Add kernel, a new activation-sized tensor from two others (for ResNet-50 at batch 8: 12 such
 * Adds a step, and 122 MB more at the step's peak of tensor memory, 1,265 against 1,143 MB). Instead,
 * the residual sum's op leaves x out of its tape inputs and gives its gradient here (`give`), and the
 * first convolution, whose gradient the tape computes later (it walks the forward order backwards),
 * adds its own input gradient onto it (`take`): on wasm its product writes onto that tensor
 * (conv2dBackpropInputOnto), elsewhere tf.add. Sound because the giving op keeps another tape input on
 * every path from x (the block's main branch), so the tape runs it whenever x needs a gradient, and
 * the taker has x as a tape input, so it runs then too; where the tape skips the taker (x needs no
 * gradient), the given tensor is freed with the backward pass's other temporaries.
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
