/**
 * Data movement (§15): a strided copy that covers transpose, slice and concat, and rope (§12).
 * Movement is exact by definition; rope's products are exact i64 and rounded once by §4's rule.
 */
import { loadAt, storeSat } from './memory';
import { requantizeScalar } from './fixed_point';

/**
 * Copy the block of `rank` axes with extents shape[] from src (element strides srcStrides[]) to
 * dst (strides dstStrides[]); the three arrays are i32 at `dims`: shape, then src, then dst strides.
 */
export function stridedCopy(src: usize, dst: usize, bytes: i32, rank: i32, dims: usize): void {
  let total = 1;
  for (let ax = 0; ax < rank; ax++) total *= load<i32>(dims + (<usize>ax << 2));
  if (total == 0) return;
  const shape = dims, ss = dims + (<usize>rank << 2), ds = dims + (<usize>(2 * rank) << 2);
  const last = rank - 1;
  const n = load<i32>(shape + (<usize>last << 2));
  const sLast = load<i32>(ss + (<usize>last << 2)), dLast = load<i32>(ds + (<usize>last << 2));
  // coords of the axes before the last, kept in a small stack array
  const coords = memory.data(64);
  for (let ax = 0; ax < rank; ax++) store<i32>(coords + (<usize>ax << 2), 0);
  for (let done = 0; done < total; done += n) {
    let so = 0, dof = 0;
    for (let ax = 0; ax < last; ax++) {
      const c = load<i32>(coords + (<usize>ax << 2));
      so += c * load<i32>(ss + (<usize>ax << 2));
      dof += c * load<i32>(ds + (<usize>ax << 2));
    }
    if (sLast == 1 && dLast == 1) {
      memory.copy(dst + <usize>(dof * bytes), src + <usize>(so * bytes), <usize>(n * bytes));
    } else if (bytes == 1) {
      for (let i = 0; i < n; i++) store<i8>(dst + <usize>(dof + i * dLast), load<i8>(src + <usize>(so + i * sLast)));
    } else if (bytes == 2) {
      for (let i = 0; i < n; i++) store<i16>(dst + (<usize>(dof + i * dLast) << 1), load<i16>(src + (<usize>(so + i * sLast) << 1)));
    } else {
      for (let i = 0; i < n; i++) store<i32>(dst + (<usize>(dof + i * dLast) << 2), load<i32>(src + (<usize>(so + i * sLast) << 2)));
    }
    for (let ax = last - 1; ax >= 0; ax--) {
      const at = coords + (<usize>ax << 2);
      const c = load<i32>(at) + 1;
      if (c < load<i32>(shape + (<usize>ax << 2))) {
        store<i32>(at, c);
        break;
      }
      store<i32>(at, 0);
    }
  }
}

/**
 * rope (§12): rows of d values (pairs), row r at position offset + (r mod t); cos, sin int16 Q14
 * [P, d/2]; y = ⌊(x0·c − x1·s)/2^14⌉, ⌊(x0·s + x1·c)/2^14⌉, saturated.
 */
export function rope(x: usize, bytes: i32, cos: usize, sin: usize, y: usize, rows: i32, t: i32, d: i32, offset: i32): void {
  const half = d >> 1;
  for (let r = 0; r < rows; r++) {
    const pos = offset + (r % t);
    for (let i = 0; i < half; i++) {
      const at = r * d + 2 * i;
      const c = <i64>load<i16>(cos + (<usize>(pos * half + i) << 1));
      const s = <i64>load<i16>(sin + (<usize>(pos * half + i) << 1));
      const x0 = loadAt(x, bytes, at), x1 = loadAt(x, bytes, at + 1);
      storeSat(y, bytes, at, requantizeScalar(x0 * c - x1 * s, 1, 14));
      storeSat(y, bytes, at + 1, requantizeScalar(x0 * s + x1 * c, 1, 14));
    }
  }
}
