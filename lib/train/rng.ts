/**
 * The loop's seeded random generator (sfc32, Doty-Humphrey's PractRand "small fast counter"),
 * whose whole state is four 32-bit words, so it can be checkpointed and restored exactly.
 * The loop draws one 32-bit seed per epoch from it and hands that to the batch source.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`Rng: seed=${seed}, expected an integer`);
    this.s = Uint32Array.from([0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0]);
    for (let i = 0; i < 15; i++) this.nextUint32(); // mix the seed in
  }

  nextUint32(): number {
    const s = this.s;
    const t = (((s[0] + s[1]) >>> 0) + s[3]) >>> 0;
    s[3] = (s[3] + 1) >>> 0;
    s[0] = s[1] ^ (s[1] >>> 9);
    s[1] = (s[2] + (s[2] << 3)) >>> 0;
    s[2] = ((s[2] << 21) | (s[2] >>> 11)) >>> 0;
    s[2] = (s[2] + t) >>> 0;
    return t;
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((x) => !Number.isInteger(x) || x < 0 || x >= 2 ** 32)) {
      throw new Error(`Rng.setState: ${JSON.stringify(state)}, expected four unsigned 32-bit integers`);
    }
    this.s = Uint32Array.from(state);
  }
}
