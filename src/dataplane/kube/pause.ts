/** A pause of `ms` that ends early when the function handed to `onWake` is called (a stop, a wake-up). */
export function wakeablePause(ms: number, onWake: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
    onWake(done);
  });
}
