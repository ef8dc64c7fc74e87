import { tf, initBackend } from './lib/tf';
function t(name: string, f: () => tf.Tensor, reps = 3) {
  f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) { const r = f(); r.dataSync(); r.dispose(); }
  console.log(name, ((performance.now() - t0) / reps).toFixed(1), 'ms');
}
(async () => {
  await initBackend('wasm', { quiet: true });
  const a = tf.randomNormal([392, 1024]); const b = tf.randomNormal([1024, 256]);
  const bt = tf.randomNormal([256, 1024]); const at = tf.randomNormal([1024, 392]);
  t('2D plain 392x1024x256', () => tf.matMul(a, b));
  t('2D transB', () => tf.matMul(a, bt, false, true));
  t('2D transA', () => tf.matMul(at, b, true, false));
  const q = tf.randomNormal([12, 197, 64]); const k = tf.randomNormal([12, 64, 197]);
  t('3D batch 12x197x64x197', () => tf.matMul(q, k));
  t('3D batch transB', () => tf.matMul(q, q, false, true));
  const x5 = tf.randomNormal([2, 197, 3, 6, 64]);
  t('transpose5 [2,197,3,6,64]', () => tf.transpose(x5, [2, 0, 3, 1, 4]));
  const w = tf.randomNormal([3, 3, 512, 512]);
  t('reverse [3,3,512,512] 01', () => tf.reverse(w, [0, 1]));
  const s = tf.randomNormal([180, 38, 38, 3]);
  t('slice [180,38,38,3]', () => tf.slice(s, [0, 0, 0, 0], [180, 37, 37, 3]));
})();
