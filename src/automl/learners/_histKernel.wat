;; The GBDT histogram kernel (gbdt.ts, HistKernel): for each column u of a pass and each row j of a leaf,
;;   hist[off_u + 16 * col_u[idx[j]]]     += og[j]   (f64 += f32)
;;   hist[off_u + 16 * col_u[idx[j]] + 8] += oh[j]
;; the same adds in the same order as the TypeScript loop it replaces, so the histograms are bit-identical.
;; All arguments are byte addresses in this module's memory, which the host sizes and owns:
;;   units: nu pairs (i32 column address, i32 byte offset into hist); idx: m i32 row indices;
;;   og, oh: m f32 ordered gradients and hessians; hist: f64 pairs (gradient, hessian) per bin.
;; Four columns per pass share the row index and gradient loads. Also the two row loops around it:
;; `gather` (a leaf's rows, gradients and hessians in leaf order) and `partition` (a leaf's rows split
;; by bin <= threshold, stable). Assembled by scripts/wasm.js.
(module
  (memory (export "memory") 1)
  (func (export "hist") (param $units i32) (param $nu i32) (param $idx i32) (param $og i32) (param $oh i32) (param $m i32) (param $hist i32)
    (local $u i32) (local $j i32) (local $i i32) (local $a i32) (local $g f64) (local $h f64)
    (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $h0 i32) (local $h1 i32) (local $h2 i32) (local $h3 i32)
    (local $p i32)
    ;; four columns at a time
    (block $fours_done
      (loop $fours
        (br_if $fours_done (i32.gt_s (i32.add (local.get $u) (i32.const 4)) (local.get $nu)))
        (local.set $p (i32.add (local.get $units) (i32.shl (local.get $u) (i32.const 3))))
        (local.set $c0 (i32.load offset=0 (local.get $p)))
        (local.set $h0 (i32.add (local.get $hist) (i32.load offset=4 (local.get $p))))
        (local.set $c1 (i32.load offset=8 (local.get $p)))
        (local.set $h1 (i32.add (local.get $hist) (i32.load offset=12 (local.get $p))))
        (local.set $c2 (i32.load offset=16 (local.get $p)))
        (local.set $h2 (i32.add (local.get $hist) (i32.load offset=20 (local.get $p))))
        (local.set $c3 (i32.load offset=24 (local.get $p)))
        (local.set $h3 (i32.add (local.get $hist) (i32.load offset=28 (local.get $p))))
        (local.set $j (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $j) (local.get $m)))
            (local.set $i (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $g (f64.promote_f32 (f32.load (i32.add (local.get $og) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $h (f64.promote_f32 (f32.load (i32.add (local.get $oh) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (i32.add (local.get $c0) (local.get $i))) (i32.const 4))))
            (f64.store offset=0 (local.get $a) (f64.add (f64.load offset=0 (local.get $a)) (local.get $g)))
            (f64.store offset=8 (local.get $a) (f64.add (f64.load offset=8 (local.get $a)) (local.get $h)))
            (local.set $a (i32.add (local.get $h1) (i32.shl (i32.load8_u (i32.add (local.get $c1) (local.get $i))) (i32.const 4))))
            (f64.store offset=0 (local.get $a) (f64.add (f64.load offset=0 (local.get $a)) (local.get $g)))
            (f64.store offset=8 (local.get $a) (f64.add (f64.load offset=8 (local.get $a)) (local.get $h)))
            (local.set $a (i32.add (local.get $h2) (i32.shl (i32.load8_u (i32.add (local.get $c2) (local.get $i))) (i32.const 4))))
            (f64.store offset=0 (local.get $a) (f64.add (f64.load offset=0 (local.get $a)) (local.get $g)))
            (f64.store offset=8 (local.get $a) (f64.add (f64.load offset=8 (local.get $a)) (local.get $h)))
            (local.set $a (i32.add (local.get $h3) (i32.shl (i32.load8_u (i32.add (local.get $c3) (local.get $i))) (i32.const 4))))
            (f64.store offset=0 (local.get $a) (f64.add (f64.load offset=0 (local.get $a)) (local.get $g)))
            (f64.store offset=8 (local.get $a) (f64.add (f64.load offset=8 (local.get $a)) (local.get $h)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $rows)))
        (local.set $u (i32.add (local.get $u) (i32.const 4)))
        (br $fours)))
    ;; the rest, one column at a time
    (block $ones_done
      (loop $ones
        (br_if $ones_done (i32.ge_s (local.get $u) (local.get $nu)))
        (local.set $p (i32.add (local.get $units) (i32.shl (local.get $u) (i32.const 3))))
        (local.set $c0 (i32.load offset=0 (local.get $p)))
        (local.set $h0 (i32.add (local.get $hist) (i32.load offset=4 (local.get $p))))
        (local.set $j (i32.const 0))
        (block $rows1_done
          (loop $rows1
            (br_if $rows1_done (i32.ge_u (local.get $j) (local.get $m)))
            (local.set $a (i32.add (local.get $h0)
              (i32.shl (i32.load8_u (i32.add (local.get $c0) (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))))) (i32.const 4))))
            (f64.store offset=0 (local.get $a)
              (f64.add (f64.load offset=0 (local.get $a)) (f64.promote_f32 (f32.load (i32.add (local.get $og) (i32.shl (local.get $j) (i32.const 2)))))))
            (f64.store offset=8 (local.get $a)
              (f64.add (f64.load offset=8 (local.get $a)) (f64.promote_f32 (f32.load (i32.add (local.get $oh) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $rows1)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $ones)))
  )
  ;; gather(rows, m, g, h, idx, og, oh): idx[j] = rows[j]; og[j] = g[idx[j]]; oh[j] = h[idx[j]] (f32)
  (func (export "gather") (param $rows i32) (param $m i32) (param $g i32) (param $h i32) (param $idx i32) (param $og i32) (param $oh i32)
    (local $j i32) (local $i i32) (local $o i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $j) (local.get $m)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $i (i32.shl (i32.load (i32.add (local.get $rows) (local.get $o))) (i32.const 2)))
        (i32.store (i32.add (local.get $idx) (local.get $o)) (i32.shr_u (local.get $i) (i32.const 2)))
        (f32.store (i32.add (local.get $og) (local.get $o)) (f32.load (i32.add (local.get $g) (local.get $i))))
        (f32.store (i32.add (local.get $oh) (local.get $o)) (f32.load (i32.add (local.get $h) (local.get $i))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l))))
  ;; partition(rows, tmp, start, end, col, bin) -> mid: rows[start, end) reordered, stable, those with
  ;; col[row] <= bin first; returns the first index of the others. Branch-free: both stores happen.
  (func (export "partition") (param $rows i32) (param $tmp i32) (param $start i32) (param $end i32) (param $col i32) (param $bin i32) (result i32)
    (local $j i32) (local $l i32) (local $r i32) (local $i i32) (local $left i32)
    (local.set $j (local.get $start))
    (local.set $l (local.get $start))
    (block $done
      (loop $lp
        (br_if $done (i32.ge_s (local.get $j) (local.get $end)))
        (local.set $i (i32.load (i32.add (local.get $rows) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $left (i32.le_u (i32.load8_u (i32.add (local.get $col) (local.get $i))) (local.get $bin)))
        (i32.store (i32.add (local.get $rows) (i32.shl (local.get $l) (i32.const 2))) (local.get $i))
        (i32.store (i32.add (local.get $tmp) (i32.shl (local.get $r) (i32.const 2))) (local.get $i))
        (local.set $l (i32.add (local.get $l) (local.get $left)))
        (local.set $r (i32.sub (i32.add (local.get $r) (i32.const 1)) (local.get $left)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lp)))
    (local.set $j (i32.const 0))
    (block $copied
      (loop $cp
        (br_if $copied (i32.ge_s (local.get $j) (local.get $r)))
        (i32.store (i32.add (local.get $rows) (i32.shl (i32.add (local.get $l) (local.get $j)) (i32.const 2)))
          (i32.load (i32.add (local.get $tmp) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cp)))
    (local.get $l))
)
