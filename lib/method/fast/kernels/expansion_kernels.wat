;; Kernels of the batched SEE expansion (lib/method/fast/expansion.ts), WebAssembly SIMD (f32x4).
;; Assembled by `npx tsx scripts/build_wasm.ts` into expansion_kernels_wasm.ts (committed, base64);
;; test/method/kernels.test.ts re-assembles this file and checks the committed bytes are identical.
;;
;; Layout (all float32, row-major, byte offsets given by the caller):
;;   v   [s, k, dp]  basis inputs per expanded sample (rows w, u1, noise...), dp = d padded to a
;;                   multiple of 8 with zero columns
;;   g   [s, k, k]   Gram matrices of the rows of v (both triangles written)
;;   a   [s, n, k]   point coefficients
;;   out [s, n, dp]  out[q, p, :] = sum_j a[q, p, j] * v[q, j, :]
;; No bounds or alignment requirements beyond dp % 8 == 0 (unaligned v128 loads are fine).
;;
;; fill_normal4: SeededRandom.fillNormal (lib/random.ts) draw for draw: Marsaglia & Tsang's
;; 128-layer ziggurat on sfc32 generators, four lanes taken in turn for the first 32 bits of each
;; normal and one more for the slow path's further draws, the same operations in the same order,
;; so both give bit-identical streams. log is JavaScript's Math.log, imported (the base strip's
;; tail needs it, about one draw in 1,700); exp (about one draw in 37) is $exp_wedge, as ziggurat.ts's
;; expWedge.
;;   state i32 at byte 0: a of lanes 0..3, then b, c, d (16 values); the tail generator's a, b, c, d
;;   at 64 (read and written back)
;;   tables at byte 80: kn i32[128], then wn f64[128] at 592, fn f64[128] at 1616, 2^(j/32) f64[32]
;;   at 2640 (ends at 2896); 16 bytes of scratch at 2896
;; Callers keep their own data at byte 4096 and above.
(module
  (import "math" "log" (func $log (param f64) (result f64)))
  (memory (export "memory") 1)

  ;; sfc32 step of the tail generator (state a, b, c, d at byte 64): the uniform 32-bit draw (as i32)
  (func $next (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $t i32)
    (local.set $a (i32.load (i32.const 64)))
    (local.set $b (i32.load (i32.const 68)))
    (local.set $c (i32.load (i32.const 72)))
    (local.set $d (i32.load (i32.const 76)))
    (local.set $t (i32.add (i32.add (local.get $a) (local.get $b)) (local.get $d)))
    (i32.store (i32.const 76) (i32.add (local.get $d) (i32.const 1)))
    (i32.store (i32.const 64) (i32.xor (local.get $b) (i32.shr_u (local.get $b) (i32.const 9))))
    (i32.store (i32.const 68) (i32.add (local.get $c) (i32.shl (local.get $c) (i32.const 3))))
    (i32.store (i32.const 72) (i32.add (i32.rotl (local.get $c) (i32.const 21)) (local.get $t)))
    (local.get $t))

  ;; uniform in (0, 1) from the tail generator: (u32 + 0.5) / 2^32
  (func $uniform (result f64)
    (f64.mul (f64.add (f64.convert_i32_u (call $next)) (f64.const 0.5)) (f64.const 2.3283064365386963e-10)))

  ;; |hz| < kn[iz], |hz| as unsigned (|-2^31| = 2^31 is never below kn)
  (func $fast (param $hz i32) (param $iz i32) (result i32)
    (i32.lt_u
      (select (local.get $hz) (i32.sub (i32.const 0) (local.get $hz)) (i32.ge_s (local.get $hz) (i32.const 0)))
      (i32.load offset=80 (i32.shl (local.get $iz) (i32.const 2)))))

  ;; hz * wn[iz]
  (func $scaled (param $hz i32) (param $iz i32) (result f64)
    (f64.mul (f64.convert_i32_s (local.get $hz)) (f64.load offset=592 (i32.shl (local.get $iz) (i32.const 3)))))

  ;; e^y for the wedge test, y in (-6, 0]: lib/method/fast/ziggurat.ts expWedge, the same float64
  ;; operations (y = k ln2/32 + r, Taylor polynomial of degree 6 in r by Horner, times
  ;; 2^((k & 31)/32) from the table at 2640 and 2^(k >> 5))
  (func $exp_wedge (param $y f64) (result f64)
    (local $kf f64) (local $k i32) (local $r f64)
    (local.set $kf (f64.floor (f64.add (f64.mul (local.get $y) (f64.const 46.16624130844683)) (f64.const 0.5))))
    (local.set $k (i32.trunc_f64_s (local.get $kf)))
    (local.set $r (f64.sub
      (f64.sub (local.get $y) (f64.mul (local.get $kf) (f64.const 0.02166084938653512)))
      (f64.mul (local.get $kf) (f64.const 5.9631716539705866e-12))))
    (f64.mul
      (f64.mul
        (f64.add (f64.const 1) (f64.mul (local.get $r)
          (f64.add (f64.const 1) (f64.mul (local.get $r)
            (f64.add (f64.const 0.5) (f64.mul (local.get $r)
              (f64.add (f64.const 0.16666666666666666) (f64.mul (local.get $r)
                (f64.add (f64.const 0.041666666666666664) (f64.mul (local.get $r)
                  (f64.add (f64.const 0.008333333333333333) (f64.mul (local.get $r) (f64.const 0.001388888888888889)))))))))))))
        (f64.load offset=2640 (i32.shl (i32.and (local.get $k) (i32.const 31)) (i32.const 3))))
      (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add (i32.shr_s (local.get $k) (i32.const 5)) (i32.const 1023))) (i64.const 52)))))

  ;; SeededRandom.normalTail: the slow path of a draw whose first 32 bits hz missed the fast path;
  ;; its further draws come from the tail generator
  (func $tail (param $hz i32) (param $iz i32) (result f64)
    (local $x f64) (local $xt f64) (local $yt f64) (local $f f64)
    (loop $again
      (local.set $x (call $scaled (local.get $hz) (local.get $iz)))
      (if (i32.eqz (local.get $iz)) (then
        (loop $base
          (local.set $xt (f64.div (f64.neg (call $log (call $uniform))) (f64.const 3.442619855899)))
          (local.set $yt (f64.neg (call $log (call $uniform))))
          (br_if $base (f64.lt (f64.add (local.get $yt) (local.get $yt)) (f64.mul (local.get $xt) (local.get $xt)))))
        (return (select
          (f64.add (f64.const 3.442619855899) (local.get $xt))
          (f64.sub (f64.const -3.442619855899) (local.get $xt))
          (i32.gt_s (local.get $hz) (i32.const 0))))))
      (local.set $f (f64.load offset=1616 (i32.shl (local.get $iz) (i32.const 3))))
      (if (f64.lt
            (f64.add (local.get $f) (f64.mul (call $uniform)
              (f64.sub (f64.load offset=1616 (i32.shl (i32.sub (local.get $iz) (i32.const 1)) (i32.const 3))) (local.get $f))))
            (call $exp_wedge (f64.mul (f64.mul (f64.const -0.5) (local.get $x)) (local.get $x))))
        (then (return (local.get $x))))
      (local.set $hz (call $next))
      (local.set $iz (i32.and (local.get $hz) (i32.const 127)))
      (if (call $fast (local.get $hz) (local.get $iz)) (then (return (call $scaled (local.get $hz) (local.get $iz)))))
      (br $again))
    (unreachable))

  ;; out[0 .. 4 turns) (float32, byte offset out) = standard normals, draw j from lane j % 4; the
  ;; generators' state is read from memory and written back. One sfc32 step of all four lanes per
  ;; turn (i32x4); the four fast-path values are scaled and stored together, then the draws that
  ;; missed the fast path (about one in 36) are finished one by one with the tail generator.
  (func (export "fill_normal4") (param $out i32) (param $turns i32)
    (local $sa v128) (local $sb v128) (local $sc v128) (local $sd v128)
    (local $t v128) (local $iz v128) (local $kn v128) (local $lo v128) (local $hi v128)
    (local $i0 i32) (local $i1 i32) (local $i2 i32) (local $i3 i32)
    (local $k i32) (local $hz i32) (local $slow i32) (local $end i32)
    (local.set $sa (v128.load (i32.const 0)))
    (local.set $sb (v128.load (i32.const 16)))
    (local.set $sc (v128.load (i32.const 32)))
    (local.set $sd (v128.load (i32.const 48)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $turns) (i32.const 4))))
    (block $done (loop $turn
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $t (i32x4.add (i32x4.add (local.get $sa) (local.get $sb)) (local.get $sd)))
      (local.set $sd (i32x4.add (local.get $sd) (v128.const i32x4 1 1 1 1)))
      (local.set $sa (v128.xor (local.get $sb) (i32x4.shr_u (local.get $sb) (i32.const 9))))
      (local.set $sb (i32x4.add (local.get $sc) (i32x4.shl (local.get $sc) (i32.const 3))))
      (local.set $sc (i32x4.add
        (v128.or (i32x4.shl (local.get $sc) (i32.const 21)) (i32x4.shr_u (local.get $sc) (i32.const 11)))
        (local.get $t)))
      (local.set $iz (v128.and (local.get $t) (v128.const i32x4 127 127 127 127)))
      (local.set $i0 (i32.shl (i32x4.extract_lane 0 (local.get $iz)) (i32.const 2)))
      (local.set $i1 (i32.shl (i32x4.extract_lane 1 (local.get $iz)) (i32.const 2)))
      (local.set $i2 (i32.shl (i32x4.extract_lane 2 (local.get $iz)) (i32.const 2)))
      (local.set $i3 (i32.shl (i32x4.extract_lane 3 (local.get $iz)) (i32.const 2)))
      (local.set $kn (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
        (i32x4.splat (i32.load offset=80 (local.get $i0)))
        (i32.load offset=80 (local.get $i1))) (i32.load offset=80 (local.get $i2))) (i32.load offset=80 (local.get $i3))))
      ;; hz * wn[iz] in float64 (byte offsets of wn: 2 * the kn offsets), rounded to float32, for all four
      (local.set $lo (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $t))
        (f64x2.replace_lane 1 (f64x2.splat (f64.load offset=592 (i32.shl (local.get $i0) (i32.const 1))))
          (f64.load offset=592 (i32.shl (local.get $i1) (i32.const 1))))))
      (local.set $hi (f64x2.mul
        (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t)))
        (f64x2.replace_lane 1 (f64x2.splat (f64.load offset=592 (i32.shl (local.get $i2) (i32.const 1))))
          (f64.load offset=592 (i32.shl (local.get $i3) (i32.const 1))))))
      (v128.store (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
      ;; lanes whose draw missed the fast path (bit k set): finished one by one with the state in memory
      (local.set $slow (i32.xor (i32x4.bitmask (i32x4.lt_u (i32x4.abs (local.get $t)) (local.get $kn))) (i32.const 15)))
      (if (local.get $slow) (then
        (v128.store (i32.const 2896) (local.get $t))
        (loop $lane
          (local.set $k (i32.ctz (local.get $slow)))
          (local.set $hz (i32.load offset=2896 (i32.shl (local.get $k) (i32.const 2))))
          (f32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (f32.demote_f64
            (call $tail (local.get $hz) (i32.and (local.get $hz) (i32.const 127)))))
          (local.set $slow (i32.and (local.get $slow) (i32.sub (local.get $slow) (i32.const 1))))
          (br_if $lane (local.get $slow)))))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $turn)))
    (v128.store (i32.const 0) (local.get $sa))
    (v128.store (i32.const 16) (local.get $sb))
    (v128.store (i32.const 32) (local.get $sc))
    (v128.store (i32.const 48) (local.get $sd)))

  ;; horizontal sum of the four lanes
  (func $hsum (param $x v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $x)) (f32x4.extract_lane 1 (local.get $x)))
      (f32.add (f32x4.extract_lane 2 (local.get $x)) (f32x4.extract_lane 3 (local.get $x)))))

  ;; g[q, i, j] = g[q, j, i] = sum_t v[q, i, t] * v[q, j, t] for j <= i.
  ;; Two rows j, j+1 at a time against row i (row i's chunk is loaded once), two f32x4 partial
  ;; sums per pair (8 float32 partial sums per dot product).
  (func (export "gram") (param $v i32) (param $g i32) (param $s i32) (param $k i32) (param $dp i32)
    (local $q i32) (local $i i32) (local $j i32) (local $t i32)
    (local $rowb i32)   ;; dp * 4: bytes per row of v
    (local $vb i32)     ;; v[q, 0, 0]
    (local $gb i32)     ;; g[q, 0, 0]
    (local $ri i32) (local $rj i32) (local $rj2 i32)
    (local $x0 v128) (local $x1 v128)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $dot f32)
    (local.set $rowb (i32.shl (local.get $dp) (i32.const 2)))
    (local.set $vb (local.get $v))
    (local.set $gb (local.get $g))
    (local.set $q (i32.const 0))
    (block $qdone (loop $qloop
      (br_if $qdone (i32.ge_u (local.get $q) (local.get $s)))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $ri (i32.add (local.get $vb) (i32.mul (local.get $i) (local.get $rowb))))
        (local.set $j (i32.const 0))
        ;; pairs j, j+1 with j+1 <= i
        (block $pdone (loop $ploop
          (br_if $pdone (i32.gt_u (i32.add (local.get $j) (i32.const 1)) (local.get $i)))
          (local.set $rj (i32.add (local.get $vb) (i32.mul (local.get $j) (local.get $rowb))))
          (local.set $rj2 (i32.add (local.get $rj) (local.get $rowb)))
          (local.set $a0 (v128.const f32x4 0 0 0 0))
          (local.set $a1 (v128.const f32x4 0 0 0 0))
          (local.set $b0 (v128.const f32x4 0 0 0 0))
          (local.set $b1 (v128.const f32x4 0 0 0 0))
          (local.set $t (i32.const 0))
          (block $tdone (loop $tloop
            (br_if $tdone (i32.ge_u (local.get $t) (local.get $rowb)))
            (local.set $x0 (v128.load (i32.add (local.get $ri) (local.get $t))))
            (local.set $x1 (v128.load offset=16 (i32.add (local.get $ri) (local.get $t))))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (local.get $x0) (v128.load (i32.add (local.get $rj) (local.get $t))))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (local.get $x1) (v128.load offset=16 (i32.add (local.get $rj) (local.get $t))))))
            (local.set $b0 (f32x4.add (local.get $b0)
              (f32x4.mul (local.get $x0) (v128.load (i32.add (local.get $rj2) (local.get $t))))))
            (local.set $b1 (f32x4.add (local.get $b1)
              (f32x4.mul (local.get $x1) (v128.load offset=16 (i32.add (local.get $rj2) (local.get $t))))))
            (local.set $t (i32.add (local.get $t) (i32.const 32)))
            (br $tloop)))
          ;; g[i, j], g[j, i]
          (local.set $dot (call $hsum (f32x4.add (local.get $a0) (local.get $a1))))
          (f32.store (i32.add (local.get $gb)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $j)) (i32.const 2))) (local.get $dot))
          (f32.store (i32.add (local.get $gb)
            (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $i)) (i32.const 2))) (local.get $dot))
          ;; g[i, j+1], g[j+1, i]
          (local.set $dot (call $hsum (f32x4.add (local.get $b0) (local.get $b1))))
          (f32.store (i32.add (local.get $gb)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (i32.add (local.get $j) (i32.const 1))) (i32.const 2)))
            (local.get $dot))
          (f32.store (i32.add (local.get $gb)
            (i32.shl (i32.add (i32.mul (i32.add (local.get $j) (i32.const 1)) (local.get $k)) (local.get $i)) (i32.const 2)))
            (local.get $dot))
          (local.set $j (i32.add (local.get $j) (i32.const 2)))
          (br $ploop)))
        ;; a last single row j (= i) when i - j is even
        (if (i32.le_u (local.get $j) (local.get $i)) (then
          (local.set $rj (i32.add (local.get $vb) (i32.mul (local.get $j) (local.get $rowb))))
          (local.set $a0 (v128.const f32x4 0 0 0 0))
          (local.set $a1 (v128.const f32x4 0 0 0 0))
          (local.set $t (i32.const 0))
          (block $sdone (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $t) (local.get $rowb)))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (i32.add (local.get $ri) (local.get $t)))
                         (v128.load (i32.add (local.get $rj) (local.get $t))))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $ri) (local.get $t)))
                         (v128.load offset=16 (i32.add (local.get $rj) (local.get $t))))))
            (local.set $t (i32.add (local.get $t) (i32.const 32)))
            (br $sloop)))
          (local.set $dot (call $hsum (f32x4.add (local.get $a0) (local.get $a1))))
          (f32.store (i32.add (local.get $gb)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $j)) (i32.const 2))) (local.get $dot))
          (f32.store (i32.add (local.get $gb)
            (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $i)) (i32.const 2))) (local.get $dot))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
      (local.set $vb (i32.add (local.get $vb) (i32.mul (local.get $k) (local.get $rowb))))
      (local.set $gb (i32.add (local.get $gb) (i32.shl (i32.mul (local.get $k) (local.get $k)) (i32.const 2))))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $qloop)))
  )

  ;; out[q, p, :] = sum_j a[q, p, j] * v[q, j, :].
  ;; Four output rows p..p+3 by 8 columns at a time (8 f32x4 accumulators; each v chunk loaded
  ;; once for four rows), then the remaining rows one at a time.
  (func (export "combine") (param $a i32) (param $v i32) (param $out i32) (param $s i32) (param $n i32)
      (param $k i32) (param $dp i32)
    (local $q i32) (local $p i32) (local $j i32) (local $t i32)
    (local $rowb i32)   ;; dp * 4: bytes per row of v and out
    (local $ka i32)     ;; k * 4: bytes per row of a
    (local $ab i32) (local $vb i32) (local $ob i32)
    (local $pa i32) (local $pv i32) (local $po i32)
    (local $y0 v128) (local $y1 v128) (local $c v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $rowb (i32.shl (local.get $dp) (i32.const 2)))
    (local.set $ka (i32.shl (local.get $k) (i32.const 2)))
    (local.set $ab (local.get $a))
    (local.set $vb (local.get $v))
    (local.set $ob (local.get $out))
    (local.set $q (i32.const 0))
    (block $qdone (loop $qloop
      (br_if $qdone (i32.ge_u (local.get $q) (local.get $s)))
      (local.set $p (i32.const 0))
      ;; blocks of four rows
      (block $bdone (loop $bloop
        (br_if $bdone (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $n)))
        (local.set $t (i32.const 0))
        (block $tdone (loop $tloop
          (br_if $tdone (i32.ge_u (local.get $t) (local.get $rowb)))
          (local.set $s00 (v128.const f32x4 0 0 0 0)) (local.set $s01 (v128.const f32x4 0 0 0 0))
          (local.set $s10 (v128.const f32x4 0 0 0 0)) (local.set $s11 (v128.const f32x4 0 0 0 0))
          (local.set $s20 (v128.const f32x4 0 0 0 0)) (local.set $s21 (v128.const f32x4 0 0 0 0))
          (local.set $s30 (v128.const f32x4 0 0 0 0)) (local.set $s31 (v128.const f32x4 0 0 0 0))
          (local.set $pa (i32.add (local.get $ab) (i32.mul (local.get $p) (local.get $ka)))) ;; a[q, p, 0]
          (local.set $pv (i32.add (local.get $vb) (local.get $t)))                           ;; v[q, 0, t]
          (local.set $j (i32.const 0))
          (block $jdone (loop $jloop
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $y0 (v128.load (local.get $pv)))
            (local.set $y1 (v128.load offset=16 (local.get $pv)))
            (local.set $c (v128.load32_splat (local.get $pa)))
            (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $c) (local.get $y0))))
            (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $c) (local.get $y1))))
            (local.set $c (v128.load32_splat (i32.add (local.get $pa) (local.get $ka))))
            (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $c) (local.get $y0))))
            (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $c) (local.get $y1))))
            (local.set $c (v128.load32_splat (i32.add (local.get $pa) (i32.shl (local.get $ka) (i32.const 1)))))
            (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $c) (local.get $y0))))
            (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $c) (local.get $y1))))
            (local.set $c (v128.load32_splat (i32.add (local.get $pa) (i32.mul (local.get $ka) (i32.const 3)))))
            (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $c) (local.get $y0))))
            (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $c) (local.get $y1))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
            (local.set $pv (i32.add (local.get $pv) (local.get $rowb)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jloop)))
          ;; out[q, p + r, t .. t+8]
          (local.set $po (i32.add (i32.add (local.get $ob) (i32.mul (local.get $p) (local.get $rowb))) (local.get $t)))
          (v128.store (local.get $po) (local.get $s00))
          (v128.store offset=16 (local.get $po) (local.get $s01))
          (local.set $po (i32.add (local.get $po) (local.get $rowb)))
          (v128.store (local.get $po) (local.get $s10))
          (v128.store offset=16 (local.get $po) (local.get $s11))
          (local.set $po (i32.add (local.get $po) (local.get $rowb)))
          (v128.store (local.get $po) (local.get $s20))
          (v128.store offset=16 (local.get $po) (local.get $s21))
          (local.set $po (i32.add (local.get $po) (local.get $rowb)))
          (v128.store (local.get $po) (local.get $s30))
          (v128.store offset=16 (local.get $po) (local.get $s31))
          (local.set $t (i32.add (local.get $t) (i32.const 32)))
          (br $tloop)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $bloop)))
      ;; remaining rows, one at a time
      (block $rdone (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $p) (local.get $n)))
        (local.set $t (i32.const 0))
        (block $t1done (loop $t1loop
          (br_if $t1done (i32.ge_u (local.get $t) (local.get $rowb)))
          (local.set $s00 (v128.const f32x4 0 0 0 0)) (local.set $s01 (v128.const f32x4 0 0 0 0))
          (local.set $pa (i32.add (local.get $ab) (i32.mul (local.get $p) (local.get $ka))))
          (local.set $pv (i32.add (local.get $vb) (local.get $t)))
          (local.set $j (i32.const 0))
          (block $j1done (loop $j1loop
            (br_if $j1done (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $c (v128.load32_splat (local.get $pa)))
            (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $c) (v128.load (local.get $pv)))))
            (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $c) (v128.load offset=16 (local.get $pv)))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
            (local.set $pv (i32.add (local.get $pv) (local.get $rowb)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $j1loop)))
          (local.set $po (i32.add (i32.add (local.get $ob) (i32.mul (local.get $p) (local.get $rowb))) (local.get $t)))
          (v128.store (local.get $po) (local.get $s00))
          (v128.store offset=16 (local.get $po) (local.get $s01))
          (local.set $t (i32.add (local.get $t) (i32.const 32)))
          (br $t1loop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $rloop)))
      (local.set $ab (i32.add (local.get $ab) (i32.mul (local.get $n) (local.get $ka))))
      (local.set $vb (i32.add (local.get $vb) (i32.mul (local.get $k) (local.get $rowb))))
      (local.set $ob (i32.add (local.get $ob) (i32.mul (local.get $n) (local.get $rowb))))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $qloop)))
  )

  ;; Per-sample point coefficients (float64, scalar; the same operations in the same order as the
  ;; plain loops in index.ts, so both give the same float32 results bit for bit):
  ;;   L = cholesky(g[q]) (lower triangle of g read), Li = L^-1,
  ;;   acc = sum_{t < k-1, cf[p, t] != 0} cf[p, t] * Li[t+1, 0..t+1],
  ;;   a[q, p, j] = float32(rn[q] * acc[j] + (j == 0 ? c[q] : 0)).
  ;; g [s, k, k] f32; cf [n, k-1] f64 per sample, cfstride bytes apart (0: one matrix for all);
  ;; c, rn [s] f32; a [s, n, k] f32; scratch: 2 k^2 + k f64. Returns -1, or the first sample
  ;; whose Gram matrix has a pivot <= 1e-10 (linearly dependent basis; nothing written past it).
  (func (export "point_coefficients") (param $g i32) (param $cf i32) (param $cfstride i32) (param $c i32)
      (param $rn i32) (param $a i32) (param $scratch i32) (param $s i32) (param $n i32) (param $k i32) (result i32)
    (local $q i32) (local $i i32) (local $j i32) (local $t i32) (local $p i32)
    (local $gb i32) (local $l i32) (local $li i32) (local $acc i32) (local $cfb i32) (local $ab i32)
    (local $sum f64) (local $coef f64) (local $rnq f64) (local $cq f64)
    (local.set $l (local.get $scratch))
    (local.set $li (i32.add (local.get $l) (i32.shl (i32.mul (local.get $k) (local.get $k)) (i32.const 3))))
    (local.set $acc (i32.add (local.get $li) (i32.shl (i32.mul (local.get $k) (local.get $k)) (i32.const 3))))
    (local.set $q (i32.const 0))
    (block $qdone (loop $qloop
      (br_if $qdone (i32.ge_u (local.get $q) (local.get $s)))
      (local.set $gb (i32.add (local.get $g) (i32.shl (i32.mul (local.get $q) (i32.mul (local.get $k) (local.get $k))) (i32.const 2))))
      ;; Cholesky: L[i, j] for j <= i
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $j (i32.const 0))
        (block $jdone (loop $jloop
          (br_if $jdone (i32.gt_u (local.get $j) (local.get $i)))
          (local.set $sum (f64.promote_f32 (f32.load (i32.add (local.get $gb)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $j)) (i32.const 2))))))
          (local.set $t (i32.const 0))
          (block $tdone (loop $tloop
            (br_if $tdone (i32.ge_u (local.get $t) (local.get $j)))
            (local.set $sum (f64.sub (local.get $sum) (f64.mul
              (f64.load (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $t)) (i32.const 3))))
              (f64.load (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $t)) (i32.const 3)))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tloop)))
          (if (i32.eq (local.get $i) (local.get $j))
            (then
              (if (i32.eqz (f64.gt (local.get $sum) (f64.const 1e-10))) (then (return (local.get $q))))
              (f64.store (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $i)) (i32.const 3)))
                (f64.sqrt (local.get $sum))))
            (else
              (f64.store (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $j)) (i32.const 3)))
                (f64.div (local.get $sum)
                  (f64.load (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $j)) (i32.const 3))))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
      ;; Li = L^-1, column by column (entries above the diagonal are never read)
      (local.set $j (i32.const 0))
      (block $cdone (loop $cloop
        (br_if $cdone (i32.ge_u (local.get $j) (local.get $k)))
        (local.set $i (local.get $j))
        (block $rdone (loop $rloop
          (br_if $rdone (i32.ge_u (local.get $i) (local.get $k)))
          (local.set $sum (select (f64.const 1) (f64.const 0) (i32.eq (local.get $i) (local.get $j))))
          (local.set $t (local.get $j))
          (block $t2done (loop $t2loop
            (br_if $t2done (i32.ge_u (local.get $t) (local.get $i)))
            (local.set $sum (f64.sub (local.get $sum) (f64.mul
              (f64.load (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $t)) (i32.const 3))))
              (f64.load (i32.add (local.get $li) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $k)) (local.get $j)) (i32.const 3)))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $t2loop)))
          (f64.store (i32.add (local.get $li) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $j)) (i32.const 3)))
            (f64.div (local.get $sum)
              (f64.load (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $i)) (i32.const 3))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $rloop)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cloop)))
      ;; a[q, p, :]
      (local.set $cfb (i32.add (local.get $cf) (i32.mul (local.get $q) (local.get $cfstride))))
      (local.set $rnq (f64.promote_f32 (f32.load (i32.add (local.get $rn) (i32.shl (local.get $q) (i32.const 2))))))
      (local.set $cq (f64.promote_f32 (f32.load (i32.add (local.get $c) (i32.shl (local.get $q) (i32.const 2))))))
      (local.set $p (i32.const 0))
      (block $pdone (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $p) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $zdone (loop $zloop
          (br_if $zdone (i32.ge_u (local.get $j) (local.get $k)))
          (f64.store (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $zloop)))
        (local.set $t (i32.const 0))
        (block $t3done (loop $t3loop
          (br_if $t3done (i32.ge_u (local.get $t) (i32.sub (local.get $k) (i32.const 1))))
          (local.set $coef (f64.load (i32.add (local.get $cfb)
            (i32.shl (i32.add (i32.mul (local.get $p) (i32.sub (local.get $k) (i32.const 1))) (local.get $t)) (i32.const 3)))))
          (if (f64.ne (local.get $coef) (f64.const 0)) (then
            (local.set $j (i32.const 0))
            (block $j3done (loop $j3loop
              (br_if $j3done (i32.gt_u (local.get $j) (i32.add (local.get $t) (i32.const 1))))
              (f64.store (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3)))
                (f64.add (f64.load (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
                  (f64.mul (local.get $coef)
                    (f64.load (i32.add (local.get $li)
                      (i32.shl (i32.add (i32.mul (i32.add (local.get $t) (i32.const 1)) (local.get $k)) (local.get $j)) (i32.const 3)))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $j3loop)))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $t3loop)))
        (local.set $ab (i32.add (local.get $a) (i32.shl (i32.mul (i32.add (i32.mul (local.get $q) (local.get $n)) (local.get $p)) (local.get $k)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $wdone (loop $wloop
          (br_if $wdone (i32.ge_u (local.get $j) (local.get $k)))
          (f32.store (i32.add (local.get $ab) (i32.shl (local.get $j) (i32.const 2)))
            (f32.demote_f64 (f64.add
              (f64.mul (local.get $rnq) (f64.load (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3)))))
              (select (local.get $cq) (f64.const 0) (i32.eqz (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $wloop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ploop)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $qloop)))
    (i32.const -1))

  ;; ---- unit_rows: normalised rows and their cosines (float64 sums in two lanes) ----
  ;; Every sum over t < d keeps two float64 partial sums, even t in one and odd t in the other (a
  ;; last even t when d is odd goes to the first), added at the end; the plain loops in index.ts
  ;; sum in the same order, so both give the same float32 results bit for bit.

  ;; sum_t a[t] * b[t] over d float32 at bytes a, b
  (func $dot (param $a i32) (param $b i32) (param $d i32) (result f64)
    (local $acc v128) (local $t i32) (local $end i32) (local $s0 f64)
    (local.set $end (i32.shl (i32.and (local.get $d) (i32.const -2)) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
      (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
        (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $a) (local.get $t)))) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $b) (local.get $t)))))))
      (local.set $t (i32.add (local.get $t) (i32.const 8)))
      (br $next)))
    (local.set $s0 (f64x2.extract_lane 0 (local.get $acc)))
    (if (i32.and (local.get $d) (i32.const 1)) (then
      (local.set $s0 (f64.add (local.get $s0) (f64.mul
        (f64.promote_f32 (f32.load (i32.add (local.get $a) (local.get $end))))
        (f64.promote_f32 (f32.load (i32.add (local.get $b) (local.get $end))))))))) 
    (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $acc))))

  ;; dst[t] = float32(src[t] * inv), inv = 1 / float32(sqrt(float32(sum_t src[t]^2) + 1e-12)) (l2Normalize)
  (func $normalize (param $src i32) (param $dst i32) (param $d i32)
    (local $inv f64) (local $t i32) (local $end i32)
    (local.set $inv (f64.div (f64.const 1) (f64.promote_f32 (f32.demote_f64 (f64.sqrt (f64.add
      (f64.promote_f32 (f32.demote_f64 (call $dot (local.get $src) (local.get $src) (local.get $d))))
      (f64.const 1e-12)))))))
    (local.set $end (i32.shl (i32.and (local.get $d) (i32.const -2)) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
      (v128.store64_lane 0 (i32.add (local.get $dst) (local.get $t)) (f32x4.demote_f64x2_zero
        (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $src) (local.get $t)))) (f64x2.splat (local.get $inv)))))
      (local.set $t (i32.add (local.get $t) (i32.const 8)))
      (br $next)))
    (if (i32.and (local.get $d) (i32.const 1)) (then
      (f32.store (i32.add (local.get $dst) (local.get $end)) (f32.demote_f64 (f64.mul
        (f64.promote_f32 (f32.load (i32.add (local.get $src) (local.get $end)))) (local.get $inv)))))))

  ;; sum_t r[t]^2 with r = float32(z[t] - float32(c * w[t])): |z - (z.w) w| as float32 operations
  (func $residual_sq (param $z i32) (param $w i32) (param $c f64) (param $d i32) (result f64)
    (local $acc v128) (local $r v128) (local $t i32) (local $end i32) (local $s0 f64) (local $r1 f64)
    (local.set $end (i32.shl (i32.and (local.get $d) (i32.const -2)) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
      (local.set $r (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $z) (local.get $t))))
        (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.splat (local.get $c)) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $w) (local.get $t)))))))))))
      (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $r) (local.get $r))))
      (local.set $t (i32.add (local.get $t) (i32.const 8)))
      (br $next)))
    (local.set $s0 (f64x2.extract_lane 0 (local.get $acc)))
    (if (i32.and (local.get $d) (i32.const 1)) (then
      (local.set $r1 (f64.promote_f32 (f32.demote_f64 (f64.sub
        (f64.promote_f32 (f32.load (i32.add (local.get $z) (local.get $end))))
        (f64.promote_f32 (f32.demote_f64 (f64.mul (local.get $c)
          (f64.promote_f32 (f32.load (i32.add (local.get $w) (local.get $end)))))))))))
      (local.set $s0 (f64.add (local.get $s0) (f64.mul (local.get $r1) (local.get $r1))))))
    (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $acc))))

  ;; p [u, d] raw proxies, normalised in place; then per row i of x [b, d] (raw embeddings), with
  ;; w = p[slot[i]] (slot: i32 [b]): out[i] = (z = x_i / |x_i|, w, cos = float32(z.w), |z - cos w|),
  ;; out [b, 2d + 2] float32.
  (func (export "unit_rows") (param $x i32) (param $p i32) (param $slot i32) (param $out i32)
      (param $b i32) (param $u i32) (param $d i32)
    (local $i i32) (local $t i32) (local $rowb i32) (local $o i32) (local $w i32) (local $c f64)
    (local.set $rowb (i32.shl (local.get $d) (i32.const 2)))
    (block $pdone (loop $ploop
      (br_if $pdone (i32.ge_u (local.get $i) (local.get $u)))
      (call $normalize (local.tee $w (i32.add (local.get $p) (i32.mul (local.get $i) (local.get $rowb))))
        (local.get $w) (local.get $d))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $ploop)))
    (local.set $i (i32.const 0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $i) (local.get $b)))
      (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (i32.add (i32.shl (local.get $rowb) (i32.const 1)) (i32.const 8)))))
      (call $normalize (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rowb))) (local.get $o) (local.get $d))
      (local.set $w (i32.add (local.get $p) (i32.mul
        (i32.load (i32.add (local.get $slot) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowb))))
      (local.set $c (f64.promote_f32 (f32.demote_f64 (call $dot (local.get $o) (local.get $w) (local.get $d)))))
      (local.set $t (i32.const 0))
      (block $cdone (loop $cloop
        (br_if $cdone (i32.ge_u (local.get $t) (local.get $rowb)))
        (i32.store (i32.add (i32.add (local.get $o) (local.get $rowb)) (local.get $t))
          (i32.load (i32.add (local.get $w) (local.get $t))))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $cloop)))
      (f32.store (i32.add (local.get $o) (i32.shl (local.get $rowb) (i32.const 1))) (f32.demote_f64 (local.get $c)))
      (f32.store offset=4 (i32.add (local.get $o) (i32.shl (local.get $rowb) (i32.const 1)))
        (f32.demote_f64 (f64.sqrt (call $residual_sq (local.get $o) (local.get $w) (local.get $c) (local.get $d)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rloop)))
  )
)
