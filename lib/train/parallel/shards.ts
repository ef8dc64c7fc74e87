/**
 * Contiguous shares of a batch for the workers: rows [start, end), sizes differing by at most
 * one, larger shares first; a worker gets no share when there are fewer rows than workers.
 */
export interface Shard {
  start: number;
  end: number;
}

export function shardRows(rows: number, workers: number): Shard[] {
  if (!Number.isInteger(rows) || rows < 0) throw new Error(`shardRows: rows=${rows}, expected a non-negative integer`);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`shardRows: workers=${workers}, expected a positive integer`);
  const base = Math.floor(rows / workers);
  const extra = rows % workers;
  const shards: Shard[] = [];
  let start = 0;
  for (let i = 0; i < workers; i++) {
    const size = base + (i < extra ? 1 : 0);
    if (size === 0) break;
    shards.push({ start, end: start + size });
    start += size;
  }
  return shards;
}
