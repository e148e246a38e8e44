/** The page's one clock: the same one the transport clients stamp `receivedAt` with. */
export function pageNow(): number {
  return performance.timeOrigin + performance.now();
}
