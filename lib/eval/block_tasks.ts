/**
 * Which blocks of the similarity matrix to compute. One labelled set: only blocks (I, J) with
 * I <= J (the matrix is symmetric; an off-diagonal block is read by rows and by columns), about
 * half the multiply-adds. Query/gallery: every (I, J). Returned as [rowStart, colStart] pairs.
 */
export function blockTasks(queries: number, references: number, blockSize: number, symmetric: boolean): Int32Array {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new Error(`blockSize must be a positive integer, got ${blockSize}`);
  const pairs: number[] = [];
  for (let i0 = 0; i0 < queries; i0 += blockSize) {
    for (let j0 = symmetric ? i0 : 0; j0 < references; j0 += blockSize) pairs.push(i0, j0);
  }
  return Int32Array.from(pairs);
}
