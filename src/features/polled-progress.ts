/**
 * Progress of a native call that runs off the main thread: the kernel stores its count of work
 * done in a one-cell Float64Array, which the JS side polls while it awaits the call.
 */
export async function withPolledProgress<T>(cell: Float64Array, onTick: (done: number) => void, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => onTick(cell[0]!), 250);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    onTick(cell[0]!);
  }
}
