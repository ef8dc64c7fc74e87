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
    (local $k v128) (local $r v128) (local $p v128) (local $t v128)
    ;; pmax / pmin: one instruction each (min / max order NaNs in several); a NaN stays NaN
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
                              (v128.const f32x4 88.7 88.7 88.7 88.7)))
    ;; k = round-half-even(x / ln2) as x / ln2 + 1.5 2^23 - 1.5 2^23 (the sum's ulp is 1); the sum's
    ;; bits minus those of 1.5 2^23 are k as an integer (both exact while |k| < 2^22)
    (local.set $t (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
                             (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $k (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
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
    (local.set $k (i32x4.sub (local.get $t) (v128.const i32x4 0x4B400000 0x4B400000 0x4B400000 0x4B400000)))
    (f32x4.mul
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.shr_s (local.get $k) (i32.const 1)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
      (i32x4.shl (i32x4.add (i32x4.sub (local.get $k) (i32x4.shr_s (local.get $k) (i32.const 1))) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; dst[i] = e^(src[i]) for i < count4 (a multiple of 4; dst may be src): $exp4's steps written out in
  ;; the loop, because Node 20's V8 does not inline wasm calls (2.4 ns a value through $exp4, 1.35 here)
  (func $exp_range (param $src i32) (param $dst i32) (param $count4 i32)
    (local $end i32) (local $x v128) (local $k v128) (local $r v128) (local $p v128) (local $t v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count4) (i32.const 2))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $x (v128.load (local.get $src)))
        ;; pmax / pmin: one instruction each (min / max order NaNs in several); a NaN stays NaN
        (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
                                  (v128.const f32x4 88.7 88.7 88.7 88.7)))
        ;; k = round-half-even(x / ln2) as x / ln2 + 1.5 2^23 - 1.5 2^23 (the sum's ulp is 1); the sum's
        ;; bits minus those of 1.5 2^23 are k as an integer (both exact while |k| < 2^22)
        (local.set $t (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
                                 (v128.const f32x4 12582912 12582912 12582912 12582912)))
        (local.set $k (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
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
        (local.set $k (i32x4.sub (local.get $t) (v128.const i32x4 0x4B400000 0x4B400000 0x4B400000 0x4B400000)))
        (v128.store (local.get $dst)
          (f32x4.mul
            (f32x4.mul (local.get $p)
              (i32x4.shl (i32x4.add (i32x4.shr_s (local.get $k) (i32.const 1)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
            (i32x4.shl (i32x4.add (i32x4.sub (local.get $k) (i32x4.shr_s (local.get $k) (i32.const 1))) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $vec))))

  ;; out[i] = e^(x[i]) for i < n (x and out may be the same address)
  (func (export "exp") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32)
    (local.set $i (i32.and (local.get $n) (i32.const -4)))
    (call $exp_range (local.get $x) (local.get $out) (local.get $i))
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
        ;; three passes over the row (it stays in L1): positives saved and alpha (g + margin) in place,
        ;; then the exponentials ($exp_range), then the positives zeroed and the sum
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
            (v128.store (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))
              (f32x4.add (f32x4.mul (local.get $v) (local.get $a)) (local.get $am)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $cols)))
        (call $exp_range (local.get $row) (local.get $row) (local.get $end4))
        (local.set $i (i32.const 0))
        (block $sum_done
          (loop $sum
            (br_if $sum_done (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $mask (i32x4.eq (v128.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))) (local.get $c)))
            (local.set $e (v128.andnot (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (local.get $mask)))
            (v128.store (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))) (local.get $e))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.promote_low_f32x4 (local.get $e))))
            (local.set $acc (f64x2.add (local.get $acc)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $e) (local.get $e)))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
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

  ;; One AdamW update (lib/train/adamw.ts) of n values in one pass, in the composite's operation
  ;; order and float32 rounding, so the result is the composite's bit for bit:
  ;;   m' = m b1 + g c1;  v' = v b2 + (g g) c2;  p' = p decay - (m' / (sqrt(v') / sqrtBc2 + eps)) step
  ;; (c1 = 1 - b1, c2 = 1 - b2, decay = 1 - lr wd, step = lr / (1 - b1^t), sqrtBc2 = sqrt(1 - b2^t)).
  ;; Outputs may be the inputs' addresses (each element is read before it is written).
  (func (export "adamw") (param $p i32) (param $m i32) (param $v i32) (param $g i32)
    (param $pOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $sqrtBc2 f32) (param $eps f32) (param $step f32) (param $decay f32)
    (local $i i32) (local $off i32) (local $end4 i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $off))))
        (local.set $mv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $off))) (f32x4.splat (local.get $b1)))
                                  (f32x4.mul (local.get $gv) (f32x4.splat (local.get $c1)))))
        (local.set $vv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $off))) (f32x4.splat (local.get $b2)))
                                  (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $c2)))))
        (v128.store (i32.add (local.get $pOut) (local.get $off))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $off))) (f32x4.splat (local.get $decay)))
            (f32x4.mul
              (f32x4.div (local.get $mv)
                (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (f32x4.splat (local.get $sqrtBc2))) (f32x4.splat (local.get $eps))))
              (f32x4.splat (local.get $step)))))
        (v128.store (i32.add (local.get $mOut) (local.get $off)) (local.get $mv))
        (v128.store (i32.add (local.get $vOut) (local.get $off)) (local.get $vv))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $off))))
        (local.set $ms (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $off))) (local.get $b1))
                                (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $off))) (local.get $b2))
                                (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $pOut) (local.get $off))
          (f32.sub
            (f32.mul (f32.load (i32.add (local.get $p) (local.get $off))) (local.get $decay))
            (f32.mul
              (f32.div (local.get $ms) (f32.add (f32.div (f32.sqrt (local.get $vs)) (local.get $sqrtBc2)) (local.get $eps)))
              (local.get $step))))
        (f32.store (i32.add (local.get $mOut) (local.get $off)) (local.get $ms))
        (f32.store (i32.add (local.get $vOut) (local.get $off)) (local.get $vs))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))

  ;; The backward pass of frozen BatchNorm (+ residual) + ReLU (lib/backbones/batch_norm.ts) in one
  ;; pass over [rows, c] (NHWC as rows of c channels): g = dy where y > 0 (y = 0: no ReLU, g = dy),
  ;; dx = g scale[c], and, when gOut is not 0, gOut = g (the residual's gradient);
  ;; acc (float64 [2c], zeroed by the caller) += sum over rows of g x (first c) and of g (next c).
  (func (export "bn_relu_backward") (param $dy i32) (param $x i32) (param $y i32) (param $scale i32)
    (param $rows i32) (param $c i32) (param $dx i32) (param $gOut i32) (param $acc i32)
    (local $r i32) (local $j i32) (local $c4 i32) (local $off i32) (local $a i32)
    (local $g v128) (local $gx v128) (local $gs f32)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.ge_u (local.get $j) (local.get $c4)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $r) (local.get $c)) (local.get $j)) (i32.const 2)))
            (local.set $g (v128.load (i32.add (local.get $dy) (local.get $off))))
            (if (local.get $y)
              (then (local.set $g (v128.and (local.get $g)
                      (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $off))) (v128.const f32x4 0 0 0 0))))))
            (v128.store (i32.add (local.get $dx) (local.get $off))
              (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $scale) (i32.shl (local.get $j) (i32.const 2))))))
            (if (local.get $gOut) (then (v128.store (i32.add (local.get $gOut) (local.get $off)) (local.get $g))))
            (local.set $gx (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x) (local.get $off)))))
            ;; acc: channels j, j+1 then j+2, j+3 of both sums, in float64
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $gx))))
            (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gx) (local.get $gx)))))
            (local.set $a (i32.add (local.get $a) (i32.shl (local.get $c) (i32.const 3))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $g))))
            (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g) (local.get $g)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $c)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $r) (local.get $c)) (local.get $j)) (i32.const 2)))
            (local.set $gs (f32.load (i32.add (local.get $dy) (local.get $off))))
            (if (local.get $y)
              (then (if (i32.eqz (f32.gt (f32.load (i32.add (local.get $y) (local.get $off))) (f32.const 0)))
                      (then (local.set $gs (f32.const 0))))))
            (f32.store (i32.add (local.get $dx) (local.get $off))
              (f32.mul (local.get $gs) (f32.load (i32.add (local.get $scale) (i32.shl (local.get $j) (i32.const 2))))))
            (if (local.get $gOut) (then (f32.store (i32.add (local.get $gOut) (local.get $off)) (local.get $gs))))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a))
              (f64.promote_f32 (f32.mul (local.get $gs) (f32.load (i32.add (local.get $x) (local.get $off)))))))
            (local.set $a (i32.add (local.get $a) (i32.shl (local.get $c) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (local.get $gs))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop))))

  ;; MaxPoolGrad (lib/backend/wasm_kernels/max_pool_grad.ts) for x [n, h, w, c], dy [n, ho, wo, c]:
  ;; dx (zeroed by the caller) [argmax of each window and channel] += dy. The argmax is the first
  ;; strictly greatest value in row-major window order; a window of -inf or NaN only passes nothing.
  ;; Four channels at a time: running maximum and its element index by lane selects.
  (func (export "maxpool_grad") (param $x i32) (param $g i32) (param $dx i32) (param $n i32) (param $h i32) (param $w i32)
    (param $c i32) (param $ho i32) (param $wo i32) (param $sh i32) (param $sw i32) (param $fh i32) (param $fw i32)
    (param $top i32) (param $left i32)
    (local $b i32) (local $yo i32) (local $xo i32) (local $r0 i32) (local $r1 i32) (local $c0 i32) (local $c1 i32)
    (local $r i32) (local $col i32) (local $k i32) (local $c4 i32) (local $base i32) (local $gBase i32) (local $lane i32) (local $at i32)
    (local $best v128) (local $where v128) (local $v v128) (local $m v128) (local $bs f32) (local $ws i32) (local $vs f32)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (block $b_done (loop $b_loop
      (br_if $b_done (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $yo (i32.const 0))
      (block $yo_done (loop $yo_loop
        (br_if $yo_done (i32.ge_u (local.get $yo) (local.get $ho)))
        ;; rows r0 .. r1 of the window, clipped to the image (signed: the window may start above it)
        (local.set $r0 (i32.sub (i32.mul (local.get $yo) (local.get $sh)) (local.get $top)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $fh)))
        (if (i32.lt_s (local.get $r0) (i32.const 0)) (then (local.set $r0 (i32.const 0))))
        (if (i32.gt_s (local.get $r1) (local.get $h)) (then (local.set $r1 (local.get $h))))
        (local.set $xo (i32.const 0))
        (block $xo_done (loop $xo_loop
          (br_if $xo_done (i32.ge_u (local.get $xo) (local.get $wo)))
          (local.set $c0 (i32.sub (i32.mul (local.get $xo) (local.get $sw)) (local.get $left)))
          (local.set $c1 (i32.add (local.get $c0) (local.get $fw)))
          (if (i32.lt_s (local.get $c0) (i32.const 0)) (then (local.set $c0 (i32.const 0))))
          (if (i32.gt_s (local.get $c1) (local.get $w)) (then (local.set $c1 (local.get $w))))
          (local.set $gBase (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $ho)) (local.get $yo)) (local.get $wo)) (local.get $xo)) (local.get $c)))
          (local.set $k (i32.const 0))
          (block $k4_done (loop $k4_loop
            (br_if $k4_done (i32.ge_u (local.get $k) (local.get $c4)))
            (local.set $best (v128.const f32x4 -inf -inf -inf -inf))
            (local.set $where (v128.const i32x4 -1 -1 -1 -1))
            (local.set $r (local.get $r0))
            (block $r_done (loop $r_loop
              (br_if $r_done (i32.ge_s (local.get $r) (local.get $r1)))
              (local.set $col (local.get $c0))
              (block $col_done (loop $col_loop
                (br_if $col_done (i32.ge_s (local.get $col) (local.get $c1)))
                ;; element index of channel k at (b, r, col)
                (local.set $base (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $r)) (local.get $w)) (local.get $col)) (local.get $c)) (local.get $k)))
                (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $base) (i32.const 2)))))
                (local.set $m (f32x4.gt (local.get $v) (local.get $best)))
                (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
                (local.set $where (v128.bitselect
                  (i32x4.add (i32x4.splat (local.get $base)) (v128.const i32x4 0 1 2 3)) (local.get $where) (local.get $m)))
                (local.set $col (i32.add (local.get $col) (i32.const 1)))
                (br $col_loop)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $r_loop)))
            ;; scatter the four lanes' gradients
            (local.set $lane (i32.const 0))
            (block $lane_done (loop $lane_loop
              (br_if $lane_done (i32.ge_u (local.get $lane) (i32.const 4)))
              (local.set $at (i32x4.extract_lane 0 (i8x16.swizzle (local.get $where)
                (i8x16.add (i8x16.splat (i32.shl (local.get $lane) (i32.const 2))) (v128.const i8x16 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3)))))
              (if (i32.ge_s (local.get $at) (i32.const 0))
                (then
                  (f32.store (i32.add (local.get $dx) (i32.shl (local.get $at) (i32.const 2)))
                    (f32.add (f32.load (i32.add (local.get $dx) (i32.shl (local.get $at) (i32.const 2))))
                      (f32.load (i32.add (local.get $g) (i32.shl (i32.add (local.get $gBase) (i32.add (local.get $k) (local.get $lane))) (i32.const 2))))))))
              (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
              (br $lane_loop)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k4_loop)))
          ;; the last c % 4 channels, one at a time
          (block $kt_done (loop $kt_loop
            (br_if $kt_done (i32.ge_u (local.get $k) (local.get $c)))
            (local.set $bs (f32.const -inf))
            (local.set $ws (i32.const -1))
            (local.set $r (local.get $r0))
            (block $rt_done (loop $rt_loop
              (br_if $rt_done (i32.ge_s (local.get $r) (local.get $r1)))
              (local.set $col (local.get $c0))
              (block $ct_done (loop $ct_loop
                (br_if $ct_done (i32.ge_s (local.get $col) (local.get $c1)))
                (local.set $base (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $r)) (local.get $w)) (local.get $col)) (local.get $c)) (local.get $k)))
                (local.set $vs (f32.load (i32.add (local.get $x) (i32.shl (local.get $base) (i32.const 2)))))
                (if (f32.gt (local.get $vs) (local.get $bs)) (then (local.set $bs (local.get $vs)) (local.set $ws (local.get $base))))
                (local.set $col (i32.add (local.get $col) (i32.const 1)))
                (br $ct_loop)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $rt_loop)))
            (if (i32.ge_s (local.get $ws) (i32.const 0))
              (then
                (f32.store (i32.add (local.get $dx) (i32.shl (local.get $ws) (i32.const 2)))
                  (f32.add (f32.load (i32.add (local.get $dx) (i32.shl (local.get $ws) (i32.const 2))))
                    (f32.load (i32.add (local.get $g) (i32.shl (i32.add (local.get $gBase) (local.get $k)) (i32.const 2))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kt_loop)))
          (local.set $xo (i32.add (local.get $xo) (i32.const 1)))
          (br $xo_loop)))
        (local.set $yo (i32.add (local.get $yo) (i32.const 1)))
        (br $yo_loop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $b_loop))))

  ;; erf for float32 lanes as tfjs's cpu backend computes it (Abramowitz & Stegun 7.1.26, absolute
  ;; error below 1.5e-7): erf(x) = sign(x) (1 - (a1 t + a2 t^2 + a3 t^3 + a4 t^4 + a5 t^5) e^(-x^2)),
  ;; t = 1 / (1 + p |x|); sign(0) = 0, NaN stays NaN.
  (func $erf4 (param $x v128) (result v128)
    (local $ax v128) (local $t v128) (local $p v128) (local $y v128) (local $sign v128)
    (local.set $ax (f32x4.abs (local.get $x)))
    (local.set $t (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (v128.const f32x4 0.3275911 0.3275911 0.3275911 0.3275911) (local.get $ax)))))
    (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 1.061405429 1.061405429 1.061405429 1.061405429) (local.get $t))
                             (v128.const f32x4 -1.453152027 -1.453152027 -1.453152027 -1.453152027)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (v128.const f32x4 1.421413741 1.421413741 1.421413741 1.421413741)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (v128.const f32x4 -0.284496736 -0.284496736 -0.284496736 -0.284496736)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (v128.const f32x4 0.254829592 0.254829592 0.254829592 0.254829592)))
    (local.set $p (f32x4.mul (local.get $p) (local.get $t)))
    (local.set $y (f32x4.sub (v128.const f32x4 1 1 1 1)
      (f32x4.mul (local.get $p) (call $exp4 (f32x4.neg (f32x4.mul (local.get $ax) (local.get $ax)))))))
    ;; sign: 1 for x > 0, -1 for x < 0, 0 for zeros and NaN
    (local.set $sign (v128.or
      (v128.and (f32x4.gt (local.get $x) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))
      (v128.and (f32x4.lt (local.get $x) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 -1 -1 -1 -1))))
    ;; NaN lanes (x != x) keep x
    (v128.bitselect (local.get $x) (f32x4.mul (local.get $y) (local.get $sign)) (f32x4.ne (local.get $x) (local.get $x))))

  ;; out[i] = erf(x[i]) for i < n (x and out may be the same address)
  (func (export "erf") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end4)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (call $erf4 (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32x4.extract_lane 0 (call $erf4 (f32x4.splat (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))

  ;; Exact GELU (lib/backbones/mlp.ts) in one pass, in the composite's operation order and float32
  ;; constants: gelu: out = (x 0.5) (erf(x sqrt(1/2)) + 1);
  ;; gelu_grad: out = dy ((erf(x sqrt(1/2)) + 1) 0.5 + x (e^((x x) (-0.5)) / sqrt(2 pi))).
  ;; dy = 0 selects gelu. Addresses in bytes; out may be x's or dy's.
  (func (export "gelu") (param $x i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $i i32) (local $off i32) (local $end4 i32) (local $v v128) (local $cdf v128) (local $r v128)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        ;; the last n % 4 values go through the same lanes one at a time
        (if (i32.lt_u (local.get $i) (local.get $end4))
          (then (local.set $v (v128.load (i32.add (local.get $x) (local.get $off)))))
          (else (local.set $v (f32x4.splat (f32.load (i32.add (local.get $x) (local.get $off)))))))
        (local.set $cdf (f32x4.add (call $erf4 (f32x4.mul (local.get $v) (v128.const f32x4 0.70710678 0.70710678 0.70710678 0.70710678)))
                                   (v128.const f32x4 1 1 1 1)))
        (if (local.get $dy)
          (then
            (local.set $r (f32x4.add (f32x4.mul (local.get $cdf) (v128.const f32x4 0.5 0.5 0.5 0.5))
              (f32x4.mul (local.get $v)
                (f32x4.mul (call $exp4 (f32x4.mul (f32x4.mul (local.get $v) (local.get $v)) (v128.const f32x4 -0.5 -0.5 -0.5 -0.5)))
                           (v128.const f32x4 0.39894228 0.39894228 0.39894228 0.39894228)))))
            (if (i32.lt_u (local.get $i) (local.get $end4))
              (then (local.set $r (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $off))) (local.get $r))))
              (else (local.set $r (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $dy) (local.get $off)))) (local.get $r))))))
          (else (local.set $r (f32x4.mul (f32x4.mul (local.get $v) (v128.const f32x4 0.5 0.5 0.5 0.5)) (local.get $cdf)))))
        (if (i32.lt_u (local.get $i) (local.get $end4))
          (then
            (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $r))
            (local.set $i (i32.add (local.get $i) (i32.const 4))))
          (else
            (f32.store (i32.add (local.get $out) (local.get $off)) (f32x4.extract_lane 0 (local.get $r)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))))
        (br $vec))))

  ;; The forward pass of frozen BatchNorm (+ residual) + ReLU in one pass over [rows, c], in the
  ;; composite's order: out = x scale[c] + shift[c] (+ res) (then max(., 0) when relu is not 0).
  ;; res = 0: no residual.
  (func (export "bn_relu_forward") (param $x i32) (param $scale i32) (param $shift i32) (param $res i32) (param $relu i32)
    (param $rows i32) (param $c i32) (param $out i32)
    (local $r i32) (local $j i32) (local $c4 i32) (local $off i32) (local $coff i32) (local $v v128) (local $s f32)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.ge_u (local.get $j) (local.get $c4)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $r) (local.get $c)) (local.get $j)) (i32.const 2)))
            (local.set $coff (i32.shl (local.get $j) (i32.const 2)))
            (local.set $v (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $off))) (v128.load (i32.add (local.get $scale) (local.get $coff))))
              (v128.load (i32.add (local.get $shift) (local.get $coff)))))
            (if (local.get $res)
              (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $res) (local.get $off)))))))
            (if (local.get $relu)
              (then (local.set $v (f32x4.max (local.get $v) (v128.const f32x4 0 0 0 0)))))
            (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $v))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $c)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $r) (local.get $c)) (local.get $j)) (i32.const 2)))
            (local.set $coff (i32.shl (local.get $j) (i32.const 2)))
            (local.set $s (f32.add
              (f32.mul (f32.load (i32.add (local.get $x) (local.get $off))) (f32.load (i32.add (local.get $scale) (local.get $coff))))
              (f32.load (i32.add (local.get $shift) (local.get $coff)))))
            (if (local.get $res)
              (then (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $res) (local.get $off)))))))
            (if (local.get $relu)
              (then (local.set $s (f32.max (local.get $s) (f32.const 0)))))
            (f32.store (i32.add (local.get $out) (local.get $off)) (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop))))

  ;; layer_norm: torch.nn.LayerNorm over rows of d values (biased variance) in one pass per row:
  ;; mean = sum(x) / d, var = sum((x - mean)^2) / d, rstd = 1 / sqrt(var + eps),
  ;; out = (x - mean) rstd, then times w and plus b (per column) when w is not 0; each row's mean and
  ;; rstd go to mean[r] and rstd[r] (what the gradient keeps). Sums run in four lanes, added
  ;; (0 + 1) + (2 + 3), then the last d % 4 values. Byte addresses; out may be x.
  (func (export "layer_norm") (param $x i32) (param $w i32) (param $b i32) (param $out i32)
    (param $mean i32) (param $rstd i32) (param $rows i32) (param $d i32) (param $eps f32)
    (local $r i32) (local $row i32) (local $orow i32) (local $i i32) (local $off i32) (local $end4 i32)
    (local $acc v128) (local $mu4 v128) (local $rs4 v128) (local $c v128)
    (local $s f32) (local $mu f32) (local $rs f32) (local $t f32)
    (local.set $end4 (i32.and (local.get $d) (i32.const -4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $d)) (i32.const 2))))
        (local.set $orow (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $d)) (i32.const 2))))
        ;; the mean
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $sumDone
          (loop $sum
            (br_if $sumDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
        (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $sumTailDone
          (loop $sumTail
            (br_if $sumTailDone (i32.ge_u (local.get $i) (local.get $d)))
            (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $sumTail)))
        (local.set $mu (f32.div (local.get $s) (f32.convert_i32_u (local.get $d))))
        (local.set $mu4 (f32x4.splat (local.get $mu)))
        ;; the variance
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $varDone
          (loop $var
            (br_if $varDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $c (f32x4.sub (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (local.get $mu4)))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $c) (local.get $c))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $var)))
        (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $varTailDone
          (loop $varTail
            (br_if $varTailDone (i32.ge_u (local.get $i) (local.get $d)))
            (local.set $t (f32.sub (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (local.get $mu)))
            (local.set $s (f32.add (local.get $s) (f32.mul (local.get $t) (local.get $t))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $varTail)))
        (local.set $rs (f32.div (f32.const 1)
          (f32.sqrt (f32.add (f32.div (local.get $s) (f32.convert_i32_u (local.get $d))) (local.get $eps)))))
        (local.set $rs4 (f32x4.splat (local.get $rs)))
        (f32.store (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2))) (local.get $mu))
        (f32.store (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2))) (local.get $rs))
        ;; the output
        (local.set $i (i32.const 0))
        (block $outDone
          (loop $outLoop
            (br_if $outDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (local.set $c (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $off))) (local.get $mu4)) (local.get $rs4)))
            (if (local.get $w)
              (then
                (local.set $c (f32x4.add (f32x4.mul (local.get $c) (v128.load (i32.add (local.get $w) (local.get $off))))
                                         (v128.load (i32.add (local.get $b) (local.get $off)))))))
            (v128.store (i32.add (local.get $orow) (local.get $off)) (local.get $c))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $outLoop)))
        (block $outTailDone
          (loop $outTail
            (br_if $outTailDone (i32.ge_u (local.get $i) (local.get $d)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (local.set $t (f32.mul (f32.sub (f32.load (i32.add (local.get $row) (local.get $off))) (local.get $mu)) (local.get $rs)))
            (if (local.get $w)
              (then
                (local.set $t (f32.add (f32.mul (local.get $t) (f32.load (i32.add (local.get $w) (local.get $off))))
                                       (f32.load (i32.add (local.get $b) (local.get $off)))))))
            (f32.store (i32.add (local.get $orow) (local.get $off)) (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $outTail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; l2_rows: the official l2_norm of `rows` rows of d values at x: out = x / norm with norm =
  ;; sqrt(sum(x^2) + 1e-12) (float32 sums in four lanes, then the tail), each row's norm stored at norms
  ;; (out may be x): the fused Proxy-Anchor's normalisation of its raw rows and proxies
  (func (export "l2_rows") (param $x i32) (param $out i32) (param $norms i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $row i32) (local $orow i32) (local $i i32) (local $end4 i32)
    (local $acc v128) (local $n4 v128) (local $s f32) (local $t f32) (local $norm f32)
    (local.set $end4 (i32.and (local.get $d) (i32.const -4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $d)) (i32.const 2))))
        (local.set $orow (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $d)) (i32.const 2))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $sumDone
          (loop $sum
            (br_if $sumDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $n4 (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $n4) (local.get $n4))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
        (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $sumTailDone
          (loop $sumTail
            (br_if $sumTailDone (i32.ge_u (local.get $i) (local.get $d)))
            (local.set $t (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $s (f32.add (local.get $s) (f32.mul (local.get $t) (local.get $t))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $sumTail)))
        (local.set $norm (f32.sqrt (f32.add (local.get $s) (f32.const 1e-12))))
        (f32.store (i32.add (local.get $norms) (i32.shl (local.get $r) (i32.const 2))) (local.get $norm))
        (local.set $n4 (f32x4.splat (local.get $norm)))
        (local.set $i (i32.const 0))
        (block $outDone
          (loop $outLoop
            (br_if $outDone (i32.ge_u (local.get $i) (local.get $end4)))
            (v128.store (i32.add (local.get $orow) (i32.shl (local.get $i) (i32.const 2)))
              (f32x4.div (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (local.get $n4)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $outLoop)))
        (block $outTailDone
          (loop $outTail
            (br_if $outTailDone (i32.ge_u (local.get $i) (local.get $d)))
            (f32.store (i32.add (local.get $orow) (i32.shl (local.get $i) (i32.const 2)))
              (f32.div (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (local.get $norm)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $outTail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; scale_project_rows: for `rows` rows of d values, out = g * f[r] (f 0: factor 1), then when norms is
  ;; not 0 the gradient through l2_rows: out = (out - u (out . u)) / norms[r], u the row's unit vector
  ;; (out may be g): the fused Proxy-Anchor's dL/dproxies from W, and its gradients through the normalisation
  (func (export "scale_project_rows") (param $g i32) (param $f i32) (param $u i32) (param $norms i32)
    (param $rows i32) (param $d i32) (param $out i32)
    (local $r i32) (local $off i32) (local $i i32) (local $end4 i32)
    (local $acc v128) (local $v4 v128) (local $s4 v128) (local $dot4 v128) (local $inv4 v128)
    (local $scale f32) (local $dot f32) (local $inv f32) (local $t f32)
    (local.set $end4 (i32.and (local.get $d) (i32.const -4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $off (i32.shl (i32.mul (local.get $r) (local.get $d)) (i32.const 2)))
        (local.set $scale (f32.const 1))
        (if (local.get $f)
          (then (local.set $scale (f32.load (i32.add (local.get $f) (i32.shl (local.get $r) (i32.const 2)))))))
        (local.set $s4 (f32x4.splat (local.get $scale)))
        ;; out = g * scale, with out . u summed on the way
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $dot (f32.const 0))
        (local.set $i (i32.const 0))
        (block $scaleDone
          (loop $scaleLoop
            (br_if $scaleDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $v4 (f32x4.mul (v128.load (i32.add (i32.add (local.get $g) (local.get $off)) (i32.shl (local.get $i) (i32.const 2))))
                                      (local.get $s4)))
            (v128.store (i32.add (i32.add (local.get $out) (local.get $off)) (i32.shl (local.get $i) (i32.const 2))) (local.get $v4))
            (if (local.get $norms)
              (then
                (local.set $acc (f32x4.add (local.get $acc)
                  (f32x4.mul (local.get $v4) (v128.load (i32.add (i32.add (local.get $u) (local.get $off)) (i32.shl (local.get $i) (i32.const 2)))))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $scaleLoop)))
        (block $scaleTailDone
          (loop $scaleTail
            (br_if $scaleTailDone (i32.ge_u (local.get $i) (local.get $d)))
            (local.set $t (f32.mul (f32.load (i32.add (i32.add (local.get $g) (local.get $off)) (i32.shl (local.get $i) (i32.const 2))))
                                   (local.get $scale)))
            (f32.store (i32.add (i32.add (local.get $out) (local.get $off)) (i32.shl (local.get $i) (i32.const 2))) (local.get $t))
            (if (local.get $norms)
              (then
                (local.set $dot (f32.add (local.get $dot)
                  (f32.mul (local.get $t) (f32.load (i32.add (i32.add (local.get $u) (local.get $off)) (i32.shl (local.get $i) (i32.const 2)))))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $scaleTail)))
        (if (local.get $norms)
          (then
            (local.set $dot (f32.add (local.get $dot)
              (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                       (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))))
            (local.set $inv (f32.div (f32.const 1) (f32.load (i32.add (local.get $norms) (i32.shl (local.get $r) (i32.const 2))))))
            (local.set $dot4 (f32x4.splat (local.get $dot)))
            (local.set $inv4 (f32x4.splat (local.get $inv)))
            (local.set $i (i32.const 0))
            (block $projDone
              (loop $projLoop
                (br_if $projDone (i32.ge_u (local.get $i) (local.get $end4)))
                (v128.store (i32.add (i32.add (local.get $out) (local.get $off)) (i32.shl (local.get $i) (i32.const 2)))
                  (f32x4.mul
                    (f32x4.sub (v128.load (i32.add (i32.add (local.get $out) (local.get $off)) (i32.shl (local.get $i) (i32.const 2))))
                               (f32x4.mul (v128.load (i32.add (i32.add (local.get $u) (local.get $off)) (i32.shl (local.get $i) (i32.const 2))))
                                          (local.get $dot4)))
                    (local.get $inv4)))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $projLoop)))
            (block $projTailDone
              (loop $projTail
                (br_if $projTailDone (i32.ge_u (local.get $i) (local.get $d)))
                (f32.store (i32.add (i32.add (local.get $out) (local.get $off)) (i32.shl (local.get $i) (i32.const 2)))
                  (f32.mul
                    (f32.sub (f32.load (i32.add (i32.add (local.get $out) (local.get $off)) (i32.shl (local.get $i) (i32.const 2))))
                             (f32.mul (f32.load (i32.add (i32.add (local.get $u) (local.get $off)) (i32.shl (local.get $i) (i32.const 2))))
                                      (local.get $dot)))
                    (local.get $inv)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $projTail)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; abs_max: the largest |x[i]| of n floats, NaN when any is NaN, Infinity when any is infinite and
  ;; none NaN; 0 for n = 0. One pass for the step's checks of every gradient: finite (abs_max <
  ;; Infinity) and within a clamp value (abs_max <= value). On the bits: |x| is x's bits without the
  ;; sign, and for those unsigned integer order is float order with every NaN above Infinity, so the
  ;; largest bits (i32x4.max_u: one instruction, where f32x4.max's NaN rules cost V8 several a step)
  ;; reinterpreted as a float are the answer; two accumulators, eight floats a step.
  (func (export "abs_max") (param $x i32) (param $n i32) (result f32)
    (local $i i32) (local $end8 i32) (local $a v128) (local $b v128) (local $mask v128) (local $s i32) (local $t i32)
    (local.set $end8 (i32.and (local.get $n) (i32.const -8)))
    (local.set $mask (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
    (block $vecDone
      (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $end8)))
        (local.set $a (i32x4.max_u (local.get $a)
          (v128.and (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (local.get $mask))))
        (local.set $b (i32x4.max_u (local.get $b)
          (v128.and (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (local.get $mask))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $vec)))
    (local.set $a (i32x4.max_u (local.get $a) (local.get $b)))
    (local.set $s (i32x4.extract_lane 0 (local.get $a)))
    (local.set $t (i32x4.extract_lane 1 (local.get $a)))
    (if (i32.gt_u (local.get $t) (local.get $s)) (then (local.set $s (local.get $t))))
    (local.set $t (i32x4.extract_lane 2 (local.get $a)))
    (if (i32.gt_u (local.get $t) (local.get $s)) (then (local.set $s (local.get $t))))
    (local.set $t (i32x4.extract_lane 3 (local.get $a)))
    (if (i32.gt_u (local.get $t) (local.get $s)) (then (local.set $s (local.get $t))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $t (i32.and (i32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 0x7fffffff)))
        (if (i32.gt_u (local.get $t) (local.get $s)) (then (local.set $s (local.get $t))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (f32.reinterpret_i32 (local.get $s)))

  ;; col_sum: out[j] = sum_i x[i, j] for x [rows, cols] row-major, row by row in float64 at acc (cols
  ;; doubles, 8-byte aligned, zeroed here), each rounded to float32 at the end: the Sum over leading axes
  ;; (every bias gradient), the same additions in the same order as a float64 loop in JavaScript
  (func (export "col_sum") (param $x i32) (param $rows i32) (param $cols i32) (param $acc i32) (param $out i32)
    (local $i i32) (local $j i32) (local $end4 i32) (local $row i32) (local $a i32) (local $v v128)
    (local.set $end4 (i32.and (local.get $cols) (i32.const -4)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $cols)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $vecDone
          (loop $vec
            (br_if $vecDone (i32.ge_u (local.get $j) (local.get $end4)))
            (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
            (v128.store offset=16 (local.get $a)
              (f64x2.add (v128.load offset=16 (local.get $a))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vec)))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $a)
              (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowLoop)))
    (local.set $j (i32.const 0))
    (block $outDone
      (loop $outLoop
        (br_if $outDone (i32.ge_u (local.get $j) (local.get $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $outLoop))))

  ;; layer_norm_backward: LayerNorm's gradient from x, the forward's per-row mean and rstd and dy,
  ;; rows of d floats: with xhat = (x - mean) rstd and g = dy w (dy where w is 0),
  ;; dx = (g - mean(g) - xhat mean(g xhat)) rstd per row; where w is not 0 also, over all rows,
  ;; dw = sum dy xhat and db = sum dy (zeroed first).
  (func (export "layer_norm_backward") (param $x i32) (param $w i32) (param $dy i32) (param $mean i32)
    (param $rstd i32) (param $dx i32) (param $dw i32) (param $db i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $xrow i32) (local $grow i32) (local $orow i32) (local $i i32) (local $off i32) (local $end4 i32)
    (local $mu4 v128) (local $rs4 v128) (local $xh v128) (local $g v128) (local $dyv v128) (local $sg v128) (local $sgx v128)
    (local $mu f32) (local $rs f32) (local $xs f32) (local $gs f32) (local $dys f32) (local $mg f32) (local $mgx f32)
    (local.set $end4 (i32.and (local.get $d) (i32.const -4)))
    (if (local.get $w)
      (then
        (memory.fill (local.get $dw) (i32.const 0) (i32.shl (local.get $d) (i32.const 2)))
        (memory.fill (local.get $db) (i32.const 0) (i32.shl (local.get $d) (i32.const 2)))))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $off (i32.shl (i32.mul (local.get $r) (local.get $d)) (i32.const 2)))
        (local.set $xrow (i32.add (local.get $x) (local.get $off)))
        (local.set $grow (i32.add (local.get $dy) (local.get $off)))
        (local.set $orow (i32.add (local.get $dx) (local.get $off)))
        (local.set $mu (f32.load (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $rs (f32.load (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $mu4 (f32x4.splat (local.get $mu)))
        (local.set $rs4 (f32x4.splat (local.get $rs)))
        ;; sums of g and g xhat; dw and db
        (local.set $sg (v128.const f32x4 0 0 0 0))
        (local.set $sgx (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $sumDone
          (loop $sum
            (br_if $sumDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (local.set $xh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $xrow) (local.get $off))) (local.get $mu4)) (local.get $rs4)))
            (local.set $dyv (v128.load (i32.add (local.get $grow) (local.get $off))))
            (local.set $g (local.get $dyv))
            (if (local.get $w)
              (then
                (local.set $g (f32x4.mul (local.get $dyv) (v128.load (i32.add (local.get $w) (local.get $off)))))
                (v128.store (i32.add (local.get $dw) (local.get $off))
                  (f32x4.add (v128.load (i32.add (local.get $dw) (local.get $off))) (f32x4.mul (local.get $dyv) (local.get $xh))))
                (v128.store (i32.add (local.get $db) (local.get $off))
                  (f32x4.add (v128.load (i32.add (local.get $db) (local.get $off))) (local.get $dyv)))))
            (local.set $sg (f32x4.add (local.get $sg) (local.get $g)))
            (local.set $sgx (f32x4.add (local.get $sgx) (f32x4.mul (local.get $g) (local.get $xh))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
        (local.set $mg (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sg)) (f32x4.extract_lane 1 (local.get $sg)))
                                (f32.add (f32x4.extract_lane 2 (local.get $sg)) (f32x4.extract_lane 3 (local.get $sg)))))
        (local.set $mgx (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sgx)) (f32x4.extract_lane 1 (local.get $sgx)))
                                 (f32.add (f32x4.extract_lane 2 (local.get $sgx)) (f32x4.extract_lane 3 (local.get $sgx)))))
        (block $sumTailDone
          (loop $sumTail
            (br_if $sumTailDone (i32.ge_u (local.get $i) (local.get $d)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (local.set $xs (f32.mul (f32.sub (f32.load (i32.add (local.get $xrow) (local.get $off))) (local.get $mu)) (local.get $rs)))
            (local.set $dys (f32.load (i32.add (local.get $grow) (local.get $off))))
            (local.set $gs (local.get $dys))
            (if (local.get $w)
              (then
                (local.set $gs (f32.mul (local.get $dys) (f32.load (i32.add (local.get $w) (local.get $off)))))
                (f32.store (i32.add (local.get $dw) (local.get $off))
                  (f32.add (f32.load (i32.add (local.get $dw) (local.get $off))) (f32.mul (local.get $dys) (local.get $xs))))
                (f32.store (i32.add (local.get $db) (local.get $off))
                  (f32.add (f32.load (i32.add (local.get $db) (local.get $off))) (local.get $dys)))))
            (local.set $mg (f32.add (local.get $mg) (local.get $gs)))
            (local.set $mgx (f32.add (local.get $mgx) (f32.mul (local.get $gs) (local.get $xs))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $sumTail)))
        (local.set $mg (f32.div (local.get $mg) (f32.convert_i32_u (local.get $d))))
        (local.set $mgx (f32.div (local.get $mgx) (f32.convert_i32_u (local.get $d))))
        ;; dx = (g - mean(g) - xhat mean(g xhat)) rstd
        (local.set $i (i32.const 0))
        (block $dxDone
          (loop $dxLoop
            (br_if $dxDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (local.set $xh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $xrow) (local.get $off))) (local.get $mu4)) (local.get $rs4)))
            (local.set $g (v128.load (i32.add (local.get $grow) (local.get $off))))
            (if (local.get $w)
              (then (local.set $g (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $w) (local.get $off)))))))
            (v128.store (i32.add (local.get $orow) (local.get $off))
              (f32x4.mul
                (f32x4.sub (f32x4.sub (local.get $g) (f32x4.splat (local.get $mg))) (f32x4.mul (local.get $xh) (f32x4.splat (local.get $mgx))))
                (local.get $rs4)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $dxLoop)))
        (block $dxTailDone
          (loop $dxTail
            (br_if $dxTailDone (i32.ge_u (local.get $i) (local.get $d)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (local.set $xs (f32.mul (f32.sub (f32.load (i32.add (local.get $xrow) (local.get $off))) (local.get $mu)) (local.get $rs)))
            (local.set $gs (f32.load (i32.add (local.get $grow) (local.get $off))))
            (if (local.get $w)
              (then (local.set $gs (f32.mul (local.get $gs) (f32.load (i32.add (local.get $w) (local.get $off)))))))
            (f32.store (i32.add (local.get $orow) (local.get $off))
              (f32.mul (f32.sub (f32.sub (local.get $gs) (local.get $mg)) (f32.mul (local.get $xs) (local.get $mgx))) (local.get $rs)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $dxTail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; softmax_rows_backward: the gradient of softmax(scale x) row by row, in place on g: with p the
  ;; rows' probabilities (softmax_rows' output) and g the gradient of p, g = scale p (g - sum_j g_j p_j)
  (func (export "softmax_rows_backward") (param $p i32) (param $g i32) (param $rows i32) (param $n i32) (param $scale f32)
    (local $r i32) (local $prow i32) (local $grow i32) (local $i i32) (local $off i32) (local $end4 i32)
    (local $acc v128) (local $s4 v128) (local $c4 v128) (local $s f32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $c4 (f32x4.splat (local.get $scale)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $off (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2)))
        (local.set $prow (i32.add (local.get $p) (local.get $off)))
        (local.set $grow (i32.add (local.get $g) (local.get $off)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $sumDone
          (loop $sum
            (br_if $sumDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load (i32.add (local.get $prow) (local.get $off))) (v128.load (i32.add (local.get $grow) (local.get $off))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
        (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $sumTailDone
          (loop $sumTail
            (br_if $sumTailDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.load (i32.add (local.get $prow) (local.get $off))) (f32.load (i32.add (local.get $grow) (local.get $off))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $sumTail)))
        (local.set $s4 (f32x4.splat (local.get $s)))
        (local.set $i (i32.const 0))
        (block $outDone
          (loop $outLoop
            (br_if $outDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (v128.store (i32.add (local.get $grow) (local.get $off))
              (f32x4.mul (f32x4.mul (v128.load (i32.add (local.get $prow) (local.get $off)))
                                    (f32x4.sub (v128.load (i32.add (local.get $grow) (local.get $off))) (local.get $s4)))
                         (local.get $c4)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $outLoop)))
        (block $outTailDone
          (loop $outTail
            (br_if $outTailDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $off (i32.shl (local.get $i) (i32.const 2)))
            (f32.store (i32.add (local.get $grow) (local.get $off))
              (f32.mul (f32.mul (f32.load (i32.add (local.get $prow) (local.get $off)))
                                (f32.sub (f32.load (i32.add (local.get $grow) (local.get $off))) (local.get $s)))
                       (local.get $scale)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $outTail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; softmax_rows: each of `rows` rows of n floats at x (row stride n), in place, becomes
  ;; softmax(scale x): with m the row's largest value, e_i = e^(scale (x_i - m)) ($exp_range's steps,
  ;; the tail through $exp4), then e_i / sum_j e_j (the attention's probabilities, scale = 1/sqrt(head dim) > 0)
  (func (export "softmax_rows") (param $x i32) (param $rows i32) (param $n i32) (param $scale f32)
    (local $r i32) (local $row i32) (local $i i32) (local $off i32) (local $end4 i32)
    (local $acc v128) (local $m4 v128) (local $s4 v128) (local $m f32) (local $s f32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        ;; the largest value
        (local.set $acc (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $i (i32.const 0))
        (block $maxDone
          (loop $max
            (br_if $maxDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $acc (f32x4.pmax (local.get $acc) (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $max)))
        (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.max (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $maxTailDone
          (loop $maxTail
            (br_if $maxTailDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $maxTail)))
        ;; scale (x - m), then its exponential in place
        (local.set $m4 (f32x4.splat (local.get $m)))
        (local.set $s4 (f32x4.splat (local.get $scale)))
        (local.set $i (i32.const 0))
        (block $shiftDone
          (loop $shift
            (br_if $shiftDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $off (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))
            (v128.store (local.get $off) (f32x4.mul (f32x4.sub (v128.load (local.get $off)) (local.get $m4)) (local.get $s4)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $shift)))
        (call $exp_range (local.get $row) (local.get $row) (local.get $end4))
        (block $expTailDone
          (loop $expTail
            (br_if $expTailDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $off (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))
            (f32.store (local.get $off)
              (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.mul (f32.sub (f32.load (local.get $off)) (local.get $m)) (local.get $scale))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $expTail)))
        ;; the sum, then each value over it
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $sumDone
          (loop $sum
            (br_if $sumDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
        (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $sumTailDone
          (loop $sumTail
            (br_if $sumTailDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $sumTail)))
        (local.set $s (f32.div (f32.const 1) (local.get $s)))
        (local.set $s4 (f32x4.splat (local.get $s)))
        (local.set $i (i32.const 0))
        (block $divDone
          (loop $div
            (br_if $divDone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $off (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))
            (v128.store (local.get $off) (f32x4.mul (v128.load (local.get $off)) (local.get $s4)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $div)))
        (block $divTailDone
          (loop $divTail
            (br_if $divTailDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $off (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))
            (f32.store (local.get $off) (f32.mul (f32.load (local.get $off)) (local.get $s)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $divTail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

    ;; rows [0, m) of A (row i at a + 4 lda i, kc floats used) into blocks at ap, block b at
  ;; ap + 16 kc b; rows past m (the last block's) repeat row m - 1
  ;; Matrix product C = A B for the BatchMatMul kernel (gemm.ts drives it over blocks of k and rows).
  ;; pack_a copies rows of A into blocks of 4 rows, [k][4] floats each (a 4x4 transpose for every
  ;; 4 k); pack_b copies B into panels of 8 columns, [k][8] floats each. gemm then holds a 4 x 8
  ;; block of C in 8 f32x4 registers (a larger block spills on x64's 16 SIMD registers) and for
  ;; each k adds splat(A[r][k]) * B[k][8 columns]: no FMA in WebAssembly SIMD 1.0, so a multiply
  ;; then an add, summing over k in order (tfjs-wasm's XNNPACK product gives the same results, bit
  ;; for bit on the bench's shapes); gemm_fma_wasm.ts is this gemm with relaxed SIMD's fused multiply-add (simd/index.ts).
  ;; Measured 31-36 GFLOP/s here, 38-47 fused, against 24-27 for XNNPACK (npm run bench -- gemm).

  (func (export "pack_a") (param $a i32) (param $lda i32) (param $m i32) (param $kc i32) (param $ap i32)
    (local $i i32) (local $kk i32) (local $last i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $last (i32.sub (local.get $m) (i32.const 1)))
    (block $idone (loop $iloop
      (br_if $idone (i32.ge_s (local.get $i) (local.get $m)))
      (local.set $r0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $lda)) (i32.const 2))))
      (local.set $r1 (i32.add (local.get $a) (i32.shl (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $m))) (local.get $lda)) (i32.const 2))))
      (local.set $r2 (i32.add (local.get $a) (i32.shl (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (local.get $m))) (local.get $lda)) (i32.const 2))))
      (local.set $r3 (i32.add (local.get $a) (i32.shl (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 3)) (local.get $m))) (local.get $lda)) (i32.const 2))))
      (local.set $kk (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.gt_s (i32.add (local.get $kk) (i32.const 4)) (local.get $kc)))
        (local.set $v0 (v128.load (local.get $r0)))
        (local.set $v1 (v128.load (local.get $r1)))
        (local.set $v2 (v128.load (local.get $r2)))
        (local.set $v3 (v128.load (local.get $r3)))
        ;; t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3, t2 = c0 d0 c1 d1, t3 = c2 d2 c3 d3 (rows a b c d)
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
        (v128.store (local.get $ap) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store offset=16 (local.get $ap) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store offset=32 (local.get $ap) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store offset=48 (local.get $ap) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
        (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
        (local.set $r2 (i32.add (local.get $r2) (i32.const 16)))
        (local.set $r3 (i32.add (local.get $r3) (i32.const 16)))
        (local.set $ap (i32.add (local.get $ap) (i32.const 64)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 4)))
        (br $kloop)))
      (block $tdone (loop $tloop
        (br_if $tdone (i32.ge_s (local.get $kk) (local.get $kc)))
        (f32.store offset=0 (local.get $ap) (f32.load (local.get $r0)))
        (f32.store offset=4 (local.get $ap) (f32.load (local.get $r1)))
        (f32.store offset=8 (local.get $ap) (f32.load (local.get $r2)))
        (f32.store offset=12 (local.get $ap) (f32.load (local.get $r3)))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 4)))
        (local.set $r1 (i32.add (local.get $r1) (i32.const 4)))
        (local.set $r2 (i32.add (local.get $r2) (i32.const 4)))
        (local.set $r3 (i32.add (local.get $r3) (i32.const 4)))
        (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $tloop)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $iloop))))

  ;; rows [0, m) of A given transposed (element (i, k) at a + 4 (k lda + i)) into the same blocks as
  ;; pack_a: a block's 4 values at each k are neighbours in memory, one vector; the last block's rows
  ;; past m repeat row m - 1
  (func (export "pack_a_t") (param $a i32) (param $lda i32) (param $m i32) (param $kc i32) (param $ap i32)
    (local $i i32) (local $kk i32) (local $src i32) (local $last i32) (local $step i32)
    (local.set $last (i32.sub (local.get $m) (i32.const 1)))
    (local.set $step (i32.shl (local.get $lda) (i32.const 2)))
    (block $idone (loop $iloop
      (br_if $idone (i32.ge_s (local.get $i) (local.get $m)))
      (local.set $src (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $kk (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.ge_s (local.get $kk) (local.get $kc)))
        (if (i32.le_s (i32.add (local.get $i) (i32.const 4)) (local.get $m))
          (then (v128.store (local.get $ap) (v128.load (local.get $src))))
          (else
            (f32.store (local.get $ap) (f32.load (local.get $src)))
            (f32.store offset=4 (local.get $ap) (f32.load (i32.add (local.get $src)
              (i32.shl (i32.sub (select (i32.add (local.get $i) (i32.const 1)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $m))) (local.get $i)) (i32.const 2)))))
            (f32.store offset=8 (local.get $ap) (f32.load (i32.add (local.get $src)
              (i32.shl (i32.sub (select (i32.add (local.get $i) (i32.const 2)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (local.get $m))) (local.get $i)) (i32.const 2)))))
            (f32.store offset=12 (local.get $ap) (f32.load (i32.add (local.get $src)
              (i32.shl (i32.sub (select (i32.add (local.get $i) (i32.const 3)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 3)) (local.get $m))) (local.get $i)) (i32.const 2)))))))
        (local.set $src (i32.add (local.get $src) (local.get $step)))
        (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $kloop)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $iloop))))

  ;; B[k, n], element (kk, j) at b + 4 (kk sk + j sn) (sn 1: row-major; sk 1: B given transposed),
  ;; into panels at bp: panel q at bp + 32 k q, row kk of it at + 32 kk; columns past n are zeros
  (func (export "pack_b") (param $b i32) (param $sk i32) (param $sn i32) (param $k i32) (param $n i32) (param $bp i32)
    (local $j i32) (local $kk i32) (local $l i32) (local $src i32)
    (block $jdone (loop $jloop
      (br_if $jdone (i32.ge_s (local.get $j) (local.get $n)))
      (local.set $kk (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.ge_s (local.get $kk) (local.get $k)))
        (local.set $src (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $kk) (local.get $sk)) (i32.mul (local.get $j) (local.get $sn))) (i32.const 2))))
        (if (i32.and (i32.eq (local.get $sn) (i32.const 1)) (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
          (then
            (v128.store (local.get $bp) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $bp) (v128.load offset=16 (local.get $src))))
          (else
            (local.set $l (i32.const 0))
            (block $ldone (loop $lloop
              (br_if $ldone (i32.ge_s (local.get $l) (i32.const 8)))
              (f32.store (i32.add (local.get $bp) (i32.shl (local.get $l) (i32.const 2)))
                (if (result f32) (i32.lt_s (i32.add (local.get $j) (local.get $l)) (local.get $n))
                  (then (f32.load (i32.add (local.get $src) (i32.shl (i32.mul (local.get $l) (local.get $sn)) (i32.const 2)))))
                  (else (f32.const 0))))
              (local.set $l (i32.add (local.get $l) (i32.const 1)))
              (br $lloop)))))
        (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $kloop)))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $jloop))))

  ;; $copy_floats: `bytes` (a multiple of 4) from src to dst, which do not overlap: 16 bytes at a time,
  ;; then the tail 4 at a time; from 256 bytes on (a deep layer's taps) by memory.copy, whose call
  ;; then costs little next to the copy
  (func $copy_floats (param $dst i32) (param $src i32) (param $bytes i32)
    (local $end i32) (local $vend i32)
    (if (i32.ge_u (local.get $bytes) (i32.const 256))
      (then (memory.copy (local.get $dst) (local.get $src) (local.get $bytes)) (return)))
    (local.set $end (i32.add (local.get $src) (local.get $bytes)))
    (local.set $vend (i32.sub (local.get $end) (i32.const 12)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $src) (local.get $vend)))
      (v128.store (local.get $dst) (v128.load (local.get $src)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $vloop)))
    (block $sdone (loop $sloop
      (br_if $sdone (i32.ge_u (local.get $src) (local.get $end)))
      (f32.store (local.get $dst) (f32.load (local.get $src)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br $sloop))))

  ;; $zero_floats: `bytes` (a multiple of 4) of zeros at dst, as $copy_floats
  (func $zero_floats (param $dst i32) (param $bytes i32)
    (local $end i32) (local $vend i32)
    (if (i32.ge_u (local.get $bytes) (i32.const 256))
      (then (memory.fill (local.get $dst) (i32.const 0) (local.get $bytes)) (return)))
    (local.set $end (i32.add (local.get $dst) (local.get $bytes)))
    (local.set $vend (i32.sub (local.get $end) (i32.const 12)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $dst) (local.get $vend)))
      (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $vloop)))
    (block $sdone (loop $sloop
      (br_if $sdone (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.const 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br $sloop))))

  ;; im2row: the patch matrix of a convolution, row-major, for the kit's Conv2D (conv2d.ts): row
  ;; (n, oy, ox) of `count` images from x (NHWC [., h, w, ci] at byte address x) holds, tap after tap
  ;; (i < fh, j < fw), the ci channels of x[n, oy sh - top + i, ox sw - left + j], or ci zeros where
  ;; that pixel is in the padding: [count ho wo, fh fw ci] floats at dst. Per filter row one copy of
  ;; the taps inside the image and a zero fill for those before and after it, by $copy_floats and
  ;; $zero_floats: four floats at a time in SIMD registers (memory.copy and memory.fill leave the
  ;; module for a runtime call each, too costly for the 12-84 bytes of a small layer's taps: the
  ;; demo's stem, 3 channels, spent a quarter of its training step here).
  (func (export "im2row") (param $x i32) (param $dst i32) (param $count i32) (param $h i32) (param $w i32)
    (param $ci i32) (param $ho i32) (param $wo i32) (param $sh i32) (param $sw i32) (param $top i32)
    (param $left i32) (param $fh i32) (param $fw i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $i i32) (local $lo i32) (local $hi i32) (local $y i32)
    (local $col i32) (local $bytes i32) (local $image i32) (local $row i32)
    (local.set $bytes (i32.shl (local.get $ci) (i32.const 2)))
    (block $ndone (loop $nloop
      (br_if $ndone (i32.ge_s (local.get $n) (local.get $count)))
      (local.set $image (i32.add (local.get $x) (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $w)) (local.get $bytes))))
      (local.set $oy (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_s (local.get $oy) (local.get $ho)))
        (local.set $ox (i32.const 0))
        (block $xdone (loop $xloop
          (br_if $xdone (i32.ge_s (local.get $ox) (local.get $wo)))
          (local.set $i (i32.const 0))
          (block $idone (loop $iloop
            (br_if $idone (i32.ge_s (local.get $i) (local.get $fh)))
            (local.set $y (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)) (local.get $i)))
            (local.set $row (i32.add (local.get $image) (i32.mul (i32.mul (local.get $y) (local.get $w)) (local.get $bytes))))
            (local.set $col (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
            ;; the fw taps of a filter row read fw neighbouring pixels, columns col .. col+fw-1: taps
            ;; lo .. hi-1 lie inside the image, the ones before and after in the padding (all of
            ;; them when the row y is): at most one zero fill, one copy and one zero fill
            (local.set $lo (i32.const 0))
            (local.set $hi (i32.const 0))
            (if (i32.lt_u (local.get $y) (local.get $h))
              (then
                (local.set $lo (select (i32.sub (i32.const 0) (local.get $col)) (i32.const 0) (i32.lt_s (local.get $col) (i32.const 0))))
                (if (i32.gt_s (local.get $lo) (local.get $fw)) (then (local.set $lo (local.get $fw))))
                (local.set $hi (i32.sub (local.get $w) (local.get $col)))
                (if (i32.gt_s (local.get $hi) (local.get $fw)) (then (local.set $hi (local.get $fw))))
                (if (i32.lt_s (local.get $hi) (local.get $lo)) (then (local.set $hi (local.get $lo))))))
            (if (local.get $lo) (then (call $zero_floats (local.get $dst) (i32.mul (local.get $lo) (local.get $bytes)))))
            (if (i32.gt_s (local.get $hi) (local.get $lo))
              (then
                (call $copy_floats (i32.add (local.get $dst) (i32.mul (local.get $lo) (local.get $bytes)))
                  (i32.add (local.get $row) (i32.mul (i32.add (local.get $col) (local.get $lo)) (local.get $bytes)))
                  (i32.mul (i32.sub (local.get $hi) (local.get $lo)) (local.get $bytes)))))
            (if (i32.lt_s (local.get $hi) (local.get $fw))
              (then
                (call $zero_floats (i32.add (local.get $dst) (i32.mul (local.get $hi) (local.get $bytes)))
                  (i32.mul (i32.sub (local.get $fw) (local.get $hi)) (local.get $bytes)))))
            (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $fw) (local.get $bytes))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iloop)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $xloop)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $yloop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nloop))))

;; row2im_add: the adjoint of im2row, for the input gradient of a strided convolution
  ;; (conv2d_backprop_input.ts): row (n, oy, ox) of the patch gradients at src ([count ho wo, fh fw ci]
  ;; floats) adds, tap after tap (i < fh, j < fw), its ci values onto dx[n, oy sh - top + i, ox sw - left
  ;; + j] (NHWC [., h, w, ci] at byte address dx); taps in the padding are skipped. Four floats at a time,
  ;; then the channels' tail one by one.
  (func (export "row2im_add") (param $dx i32) (param $src i32) (param $count i32) (param $h i32) (param $w i32)
    (param $ci i32) (param $ho i32) (param $wo i32) (param $sh i32) (param $sw i32) (param $top i32)
    (param $left i32) (param $fh i32) (param $fw i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $i i32) (local $j i32) (local $y i32) (local $col i32)
    (local $bytes i32) (local $image i32) (local $p i32) (local $q i32) (local $end i32) (local $vend i32)
    (local.set $bytes (i32.shl (local.get $ci) (i32.const 2)))
    (block $ndone (loop $nloop
      (br_if $ndone (i32.ge_s (local.get $n) (local.get $count)))
      (local.set $image (i32.add (local.get $dx) (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $w)) (local.get $bytes))))
      (local.set $oy (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_s (local.get $oy) (local.get $ho)))
        (local.set $ox (i32.const 0))
        (block $xdone (loop $xloop
          (br_if $xdone (i32.ge_s (local.get $ox) (local.get $wo)))
          (local.set $i (i32.const 0))
          (block $idone (loop $iloop
            (br_if $idone (i32.ge_s (local.get $i) (local.get $fh)))
            (local.set $y (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)) (local.get $i)))
            (local.set $j (i32.const 0))
            (block $jdone (loop $jloop
              (br_if $jdone (i32.ge_s (local.get $j) (local.get $fw)))
              (local.set $col (i32.add (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)) (local.get $j)))
              ;; unsigned compares: a negative coordinate is past the end too
              (if (i32.and (i32.lt_u (local.get $y) (local.get $h)) (i32.lt_u (local.get $col) (local.get $w)))
                (then
                  (local.set $q (i32.add (local.get $image)
                    (i32.mul (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $col)) (local.get $bytes))))
                  (local.set $p (local.get $src))
                  (local.set $end (i32.add (local.get $src) (local.get $bytes)))
                  (local.set $vend (i32.sub (local.get $end) (i32.const 12)))
                  (block $vdone (loop $vloop
                    (br_if $vdone (i32.ge_u (local.get $p) (local.get $vend)))
                    (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (v128.load (local.get $p))))
                    (local.set $p (i32.add (local.get $p) (i32.const 16)))
                    (local.set $q (i32.add (local.get $q) (i32.const 16)))
                    (br $vloop)))
                  (block $sdone (loop $sloop
                    (br_if $sdone (i32.ge_u (local.get $p) (local.get $end)))
                    (f32.store (local.get $q) (f32.add (f32.load (local.get $q)) (f32.load (local.get $p))))
                    (local.set $p (i32.add (local.get $p) (i32.const 4)))
                    (local.set $q (i32.add (local.get $q) (i32.const 4)))
                    (br $sloop)))))
              (local.set $src (i32.add (local.get $src) (local.get $bytes)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $jloop)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iloop)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $xloop)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $yloop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nloop))))

  ;; BEGIN gemm: scripts/build_wasm.ts also assembles this part with f32x4.relaxed_madd for each
  ;; multiply-add (gemm_fma_wasm.ts), where the WebAssembly has relaxed SIMD (simd/index.ts)
  ;; the first n (< 8) of the 8 lanes of v0 v1 at p, each plus the value there when acc is 1
  (func $store_part (param $p i32) (param $v0 v128) (param $v1 v128) (param $n i32) (param $acc i32)
    (block $s0 (block $s1 (block $s2 (block $s3 (block $s4 (block $s5 (block $s6 (block $s7
      (br_table $s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 (local.get $n)))
    (f32.store offset=24 (local.get $p) (f32.add (f32x4.extract_lane 2 (local.get $v1))
      (select (f32.load offset=24 (local.get $p)) (f32.const 0) (local.get $acc)))))
    (f32.store offset=20 (local.get $p) (f32.add (f32x4.extract_lane 1 (local.get $v1))
      (select (f32.load offset=20 (local.get $p)) (f32.const 0) (local.get $acc)))))
    (f32.store offset=16 (local.get $p) (f32.add (f32x4.extract_lane 0 (local.get $v1))
      (select (f32.load offset=16 (local.get $p)) (f32.const 0) (local.get $acc)))))
    (f32.store offset=12 (local.get $p) (f32.add (f32x4.extract_lane 3 (local.get $v0))
      (select (f32.load offset=12 (local.get $p)) (f32.const 0) (local.get $acc)))))
    (f32.store offset=8 (local.get $p) (f32.add (f32x4.extract_lane 2 (local.get $v0))
      (select (f32.load offset=8 (local.get $p)) (f32.const 0) (local.get $acc)))))
    (f32.store offset=4 (local.get $p) (f32.add (f32x4.extract_lane 1 (local.get $v0))
      (select (f32.load offset=4 (local.get $p)) (f32.const 0) (local.get $acc)))))
    (f32.store offset=0 (local.get $p) (f32.add (f32x4.extract_lane 0 (local.get $v0))
      (select (f32.load offset=0 (local.get $p)) (f32.const 0) (local.get $acc))))))

  ;; C[m, n] (acc 0) or C + (acc 1) the product of packed A (m rows, kc >= 1 deep) and packed B
  ;; (panel q at bp + 4 bstride q); C row i at c + 4 ldc i. Rows past m (from pack_a's repeats)
  ;; are computed but not stored; the last panel stores its first n mod 8 columns.
  (func (export "gemm") (param $a i32) (param $bp i32) (param $bstride i32) (param $c i32) (param $ldc i32)
    (param $m i32) (param $kc i32) (param $n i32) (param $acc i32)
    (local $j i32) (local $i i32) (local $k i32) (local $last i32) (local $nrem i32)
    (local $ak i32) (local $bk i32) (local $bpan i32) (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128) (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $last (i32.sub (local.get $m) (i32.const 1)))
    (block $jdone (loop $jloop
      (br_if $jdone (i32.ge_s (local.get $j) (local.get $n)))
      (local.set $nrem (i32.sub (local.get $n) (local.get $j)))
      (local.set $bpan (i32.add (local.get $bp) (i32.shl (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (local.get $bstride)) (i32.const 2))))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $c0 (i32.add (i32.add (local.get $c) (i32.shl (i32.mul (local.get $i) (local.get $ldc)) (i32.const 2))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $c1 (i32.add (i32.add (local.get $c) (i32.shl (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $m))) (local.get $ldc)) (i32.const 2))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $c2 (i32.add (i32.add (local.get $c) (i32.shl (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (local.get $m))) (local.get $ldc)) (i32.const 2))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $c3 (i32.add (i32.add (local.get $c) (i32.shl (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $last) (i32.lt_s (i32.add (local.get $i) (i32.const 3)) (local.get $m))) (local.get $ldc)) (i32.const 2))) (i32.shl (local.get $j) (i32.const 2))))
        (if (i32.and (local.get $acc) (i32.ge_s (local.get $nrem) (i32.const 8)))
          (then
            (local.set $s00 (v128.load offset=0 (local.get $c0))) (local.set $s01 (v128.load offset=16 (local.get $c0)))
            (local.set $s10 (v128.load offset=0 (local.get $c1))) (local.set $s11 (v128.load offset=16 (local.get $c1)))
            (local.set $s20 (v128.load offset=0 (local.get $c2))) (local.set $s21 (v128.load offset=16 (local.get $c2)))
            (local.set $s30 (v128.load offset=0 (local.get $c3))) (local.set $s31 (v128.load offset=16 (local.get $c3)))
          )
          (else
            (local.set $s00 (v128.const i32x4 0 0 0 0)) (local.set $s01 (v128.const i32x4 0 0 0 0))
            (local.set $s10 (v128.const i32x4 0 0 0 0)) (local.set $s11 (v128.const i32x4 0 0 0 0))
            (local.set $s20 (v128.const i32x4 0 0 0 0)) (local.set $s21 (v128.const i32x4 0 0 0 0))
            (local.set $s30 (v128.const i32x4 0 0 0 0)) (local.set $s31 (v128.const i32x4 0 0 0 0))
          ))
        (local.set $ak (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $kc)) (i32.const 2))))
        (local.set $bk (local.get $bpan))
        (local.set $k (local.get $kc))
        (loop $kloop ;; a do-while: a test at the top as well costs 10-15% here
          (local.set $b0 (v128.load (local.get $bk)))
          (local.set $b1 (v128.load offset=16 (local.get $bk)))
          (local.set $av (v128.load32_splat offset=0 (local.get $ak)))
          (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $av (v128.load32_splat offset=4 (local.get $ak)))
          (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $av (v128.load32_splat offset=8 (local.get $ak)))
          (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $av (v128.load32_splat offset=12 (local.get $ak)))
          (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $ak (i32.add (local.get $ak) (i32.const 16)))
          (local.set $bk (i32.add (local.get $bk) (i32.const 32)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br_if $kloop (local.get $k)))
        (if (i32.ge_s (local.get $nrem) (i32.const 8))
          (then
            (v128.store offset=0 (local.get $c0) (local.get $s00)) (v128.store offset=16 (local.get $c0) (local.get $s01))
            (if (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $m)) (then (v128.store offset=0 (local.get $c1) (local.get $s10)) (v128.store offset=16 (local.get $c1) (local.get $s11))))
            (if (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (local.get $m)) (then (v128.store offset=0 (local.get $c2) (local.get $s20)) (v128.store offset=16 (local.get $c2) (local.get $s21))))
            (if (i32.lt_s (i32.add (local.get $i) (i32.const 3)) (local.get $m)) (then (v128.store offset=0 (local.get $c3) (local.get $s30)) (v128.store offset=16 (local.get $c3) (local.get $s31))))
          )
          (else
            (call $store_part (local.get $c0) (local.get $s00) (local.get $s01) (local.get $nrem) (local.get $acc))
            (if (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $m)) (then (call $store_part (local.get $c1) (local.get $s10) (local.get $s11) (local.get $nrem) (local.get $acc))))
            (if (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (local.get $m)) (then (call $store_part (local.get $c2) (local.get $s20) (local.get $s21) (local.get $nrem) (local.get $acc))))
            (if (i32.lt_s (i32.add (local.get $i) (i32.const 3)) (local.get $m)) (then (call $store_part (local.get $c3) (local.get $s30) (local.get $s31) (local.get $nrem) (local.get $acc))))
          ))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $iloop)))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $jloop))))
  ;; END gemm
)
