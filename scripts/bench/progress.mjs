// How a live benchmark worker tells the bench how many jobs it has completed and when the
// last one completed: a line on stdout at most every 20 ms, only when something changed.
export function reportCompletions() {
  let count = 0;
  let lastAt = 0;
  let told = 0;
  setInterval(() => {
    if (count === told) return;
    told = count;
    process.stdout.write(`done ${count} ${lastAt}\n`);
  }, 20).unref();
  return {
    completed() {
      count++;
      lastAt = performance.timeOrigin + performance.now();
    },
  };
}
