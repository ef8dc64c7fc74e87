;; WebAssembly SIMD kernels that run on tfjs-backend-wasm's own heap: the module imports the
;; backend's memory (env.memory), so they read and write tensors in place, by byte address.
;; Assembled by `npx tsx scripts/build_wasm.ts` into heap_kernels_wasm.ts (committed, base64);
;; test/backend/heap_kernels.test.ts re-assembles this file and checks the bytes are identical.
;;
;; exp: e^x for float32 lanes, x clamped to [-87.3, 88.7]: x = k ln2 + r with k = round(x / ln2),
;; |r| <= ln2/2 (ln2 split in a high and a low part), e^r by its Taylor polynomial of degree 6
;; (Horner; truncation below 5e-8 relative), times 2^k built in the exponent bits.
;; Relative error about 2e-7 against Math.exp.
(module
  (import "env" "memory" (memory 1))

  (func $exp4 (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
                             (v128.const f32x4 88.7 88.7 88.7 88.7)))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $k) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    ;; 2^k: (k + 127) << 23 as float bits; k is in [-126, 128] after the clamp, 2^128 -> split in two
    (local.set $k (i32x4.trunc_sat_f32x4_s (local.get $k)))
    (f32x4.mul
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.shr_s (local.get $k) (i32.const 1)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
      (i32x4.shl (i32x4.add (i32x4.sub (local.get $k) (i32x4.shr_s (local.get $k) (i32.const 1))) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; out[i] = e^(x[i]) for i < n (x and out may be the same address)
  (func (export "exp") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end4)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (call $exp4 (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))

  ;; Proxy-Anchor's negative term for a block of classes, in place. g [rows, n] holds the cosines
  ;; of classes c0 .. c0+rows-1 (rows) with the n points (columns); labels i32 [n].
  ;; Where labels[i] == c0 + r (a positive pair): pos[i] = g[r, i] and g[r, i] = 0;
  ;; elsewhere g[r, i] = e^(alpha (g[r, i] + margin)). sums[r] = the row's sum, accumulated in f64.
  (func (export "exp_mask_sum") (param $g i32) (param $rows i32) (param $n i32) (param $labels i32) (param $c0 i32)
    (param $alpha f32) (param $margin f32) (param $sums i32) (param $pos i32)
    (local $r i32) (local $i i32) (local $end4 i32) (local $row i32) (local $c v128) (local $a v128) (local $am v128)
    (local $v v128) (local $e v128) (local $mask v128) (local $acc v128) (local $lane i32) (local $tail f64) (local $s f32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $a (f32x4.splat (local.get $alpha)))
    (local.set $am (f32x4.splat (f32.mul (local.get $alpha) (local.get $margin))))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $g) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        (local.set $c (i32x4.splat (i32.add (local.get $c0) (local.get $r))))
        (local.set $acc (f64x2.splat (f64.const 0)))
        (local.set $tail (f64.const 0))
        (local.set $i (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $mask (i32x4.eq (v128.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))) (local.get $c)))
            (if (v128.any_true (local.get $mask))
              (then
                (local.set $lane (i32.const 0))
                (block $lanes_done
                  (loop $lanes
                    (br_if $lanes_done (i32.ge_u (local.get $lane) (i32.const 4)))
                    (if (i32.eq (i32.load (i32.add (local.get $labels) (i32.shl (i32.add (local.get $i) (local.get $lane)) (i32.const 2))))
                                (i32.add (local.get $c0) (local.get $r)))
                      (then (f32.store (i32.add (local.get $pos) (i32.shl (i32.add (local.get $i) (local.get $lane)) (i32.const 2)))
                              (f32.load (i32.add (local.get $row) (i32.shl (i32.add (local.get $i) (local.get $lane)) (i32.const 2)))))))
                    (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
                    (br $lanes)))))
            (local.set $e (v128.andnot (call $exp4 (f32x4.add (f32x4.mul (local.get $v) (local.get $a)) (local.get $am))) (local.get $mask)))
            (v128.store (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))) (local.get $e))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.promote_low_f32x4 (local.get $e))))
            (local.set $acc (f64x2.add (local.get $acc)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $e) (local.get $e)))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $cols)))
        (block $tail_done
          (loop $tail_loop
            (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $s (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
            (if (i32.eq (i32.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))) (i32.add (local.get $c0) (local.get $r)))
              (then
                (f32.store (i32.add (local.get $pos) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
                (local.set $s (f32.const 0)))
              (else
                (local.set $s (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.add (f32.mul (local.get $s) (local.get $alpha)) (f32.mul (local.get $alpha) (local.get $margin)))))))))
            (f32.store (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
            (local.set $tail (f64.add (local.get $tail) (f64.promote_f32 (local.get $s))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tail_loop)))
        (f32.store (i32.add (local.get $sums) (i32.shl (local.get $r) (i32.const 2)))
          (f32.demote_f64 (f64.add (local.get $tail) (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop))))
)
